"""Writes that must not go wrong under real use (issue 7): a revoked moderator's Confirm,
a store locked by another process, an implausible edit, stale and repeated Confirm clicks.

Each test drives the real bot against the fake Discord and fails on the code before its fix.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from bot.services.writes import Actor, Writes
from tests.e2e.harness import embed_text, settings_for, start_trackside
from tests.e2e.test_write_commands import (
    LIEVIN,
    MILE_INDOOR_MEN,
    MILLROSE,
    add,
    answered,
    bot,  # noqa: F401 - the fixture
    said,
)

HELD = 3.5  # seconds another process holds the write lock: past Discord's 3-second window


async def test_confirm_rechecks_permission_of_the_clicking_member(fake_discord, bot):  # noqa: F811
    role = fake_discord.add_role("Stats team")
    helper = fake_discord.add_member("statto", roles=[role])
    await Writes(bot.app).set_moderator_role(
        Actor(fake_discord.owner.id, fake_discord.guild_id), role.id
    )
    before = await bot.app.db.counts()

    preview_rec, preview = await add(fake_discord, MILLROSE, user=helper, confirm=False)
    assert preview.embeds and preview.components
    helper.roles.remove(role.id)  # the role is taken away while the preview is open
    click = await fake_discord.click(preview_rec.original, "result:confirm", user=helper)
    answer = await click.response()
    assert answer.ephemeral
    assert "Manage Server permission or this server's moderator role" in answer.content
    assert await bot.app.db.counts() == before
    assert bot.app.book.current(MILE_INDOOR_MEN)[0].athlete.name == "Yomif Kejelcha"
    fake_discord.assert_clean()


def _hold_write_lock(path, taken: threading.Event, release: threading.Event) -> None:
    """Another process's writer (a CLI import): BEGIN IMMEDIATE, held until `release`."""
    conn = sqlite3.connect(path, timeout=10)
    try:
        conn.execute("BEGIN IMMEDIATE")
        taken.set()
        release.wait(30)
        conn.rollback()
    finally:
        conn.close()


@contextlib.asynccontextmanager
async def _locked(db) -> AsyncIterator[None]:
    """Another connection holds the store's write lock for HELD seconds from entry."""
    taken, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(db, taken, release))
    holder.start()
    try:
        assert await asyncio.to_thread(taken.wait, 10)
        locked_at = time.perf_counter()
        yield
        await asyncio.sleep(max(0.0, HELD - (time.perf_counter() - locked_at)))
    finally:
        release.set()
        await asyncio.to_thread(holder.join, 10)


async def _while_locked(db, send: Callable[[], Awaitable[list]]) -> list[str]:
    """Send commands while another connection holds the store's write lock for HELD
    seconds; each must be acknowledged at once, and answered only once the lock is free."""
    async with _locked(db):
        recs = await send()
        # Each is acknowledged within Discord's window (the fake refuses a late answer)...
        for rec in recs:
            ack = await rec.response()
            assert ack.type == 5 and ack.ephemeral  # deferred: "thinking…"
    # ...while the writes themselves waited for the lock, held past that window.
    return [said(await answered(rec, timeout=15)) for rec in recs]


async def test_add_confirm_and_import_are_acknowledged_while_the_store_is_locked(
    fake_discord,
    bot,  # noqa: F811
    tmp_path,
):
    owner, fake = fake_discord.owner, fake_discord
    csv = (
        b"athlete,event,mark,venue,date,competition\n"
        b"Josh Kerr,mile,3:48.00,indoor,2025-02-01,Fuzz Indoor\n"
    )
    async with _locked(settings_for(fake, tmp_path).database_path):
        rec = await fake.slash("result add", MILLROSE, user=owner)
        preview = await rec.response()  # a preview only reads: answered at once
        assert preview.embeds and preview.components
        click = await fake.click(rec.original, "result:confirm", user=owner)
        assert (await click.response()).type == 7  # "Saving…", before the write
        imported = await fake.slash("result import", {"file": ("r.csv", csv)}, user=owner)
        assert (await imported.response()).type == 5
        assert "Saved" not in (rec.original.get("content") or "")
        assert not imported.followup_ids
    await rec.wait_original(lambda m: "Saved as result #" in (m.get("content") or ""), 15)
    assert said(await answered(imported, timeout=15)).startswith("Imported 1 results")
    fake.assert_clean()


async def test_writes_are_acknowledged_at_once_while_another_process_holds_the_lock(
    fake_discord,
    bot,  # noqa: F811
    tmp_path,
):
    owner, fake = fake_discord.owner, fake_discord
    await add(fake, MILLROSE)
    result_id = bot.app.book.current(MILE_INDOOR_MEN)[0].result_id
    pending = await fake.autocomplete(
        "ratify", {"record": "Nuguse", "status": "ratified"}, focused="record", user=owner
    )
    role = fake.add_role("Stats team")
    db = settings_for(fake, tmp_path).database_path

    async def first() -> list:
        edit = {"id": result_id, "competition": "Millrose Games (NYC)"}
        ratify = {"record": pending.values[0], "status": "ratified"}
        return [
            await fake.slash("alerts set", {"channel": fake.channel}, user=owner),
            await fake.slash("moderator-role", {"role": role}, user=owner),
            await fake.slash("result edit", edit, user=owner),
            await fake.slash("ratify", ratify, user=owner),
        ]

    answers = await _while_locked(db, first)
    assert "Record announcements will go to" in answers[0]
    assert "may now add results" in answers[1]
    assert answers[2].startswith("Corrected.")
    assert "is ratified" in answers[3]

    async def then() -> list:
        return [
            await fake.slash("result remove", {"id": result_id}, user=owner),
            await fake.slash("alerts off", {}, user=owner),
        ]

    answers = await _while_locked(db, then)
    assert answers[0].startswith(f"Removed result #{result_id}.")
    assert "Record announcements are off." in answers[1]
    fake.assert_clean()


async def test_edit_to_an_implausible_mark_needs_the_second_confirmation(fake_discord, bot):  # noqa: F811
    no_splits = {k: v for k, v in MILLROSE.items() if k != "splits"}
    await add(fake_discord, no_splits)
    entry = bot.app.book.current(MILE_INDOOR_MEN)[0]
    result_id = entry.result_id
    owner = fake_discord.owner
    rec = await fake_discord.slash("result edit", {"id": result_id, "mark": "3:01.00"}, user=owner)
    message = await answered(rec)
    assert "Not corrected yet" in message["content"], said(message)
    assert "3:01.00 beats the Mile world record" in message["content"]
    # Nothing changed: the result and the record are as they were.
    assert str((await bot.app.results.get(result_id)).mark) == "3:46.63"
    assert str(bot.app.book.current(MILE_INDOOR_MEN)[0].mark) == "3:46.63"

    click = await fake_discord.click(message, "result:confirm", user=owner)
    await click.response()
    await fake_discord.wait_for(
        lambda: (fake_discord.messages[int(message["id"])].get("content") or "").startswith(
            "Corrected."
        ),
        timeout=10,
    )
    assert str((await bot.app.results.get(result_id)).mark) == "3:01.00"
    fake_discord.assert_clean()


async def test_a_second_click_on_confirm_is_answered(fake_discord, bot):  # noqa: F811
    before = (await bot.app.db.counts())["results"]
    rec, _ = await add(fake_discord, MILLROSE, confirm=False)
    owner = fake_discord.owner
    # A double click: both reach the bot before it has disabled the buttons.
    first, second = await asyncio.gather(
        fake_discord.click(rec.original, "result:confirm", user=owner),
        fake_discord.click(rec.original, "result:confirm", user=owner),
    )
    await first.response()
    await second.response()
    saved = await rec.wait_original(lambda m: "Saved as result #" in (m.get("content") or ""))
    result_id = int(saved["content"].split("#")[1].split(":")[0].split(".")[0])
    (answer,) = [c for c in (first, second) if c.callback.ephemeral]
    text = answer.callback.content or said((await answer.followups(1))[0])
    assert text == f"This result was already saved (#{result_id})."
    assert (await bot.app.db.counts())["results"] == before + 1
    fake_discord.assert_clean()


async def test_confirm_after_a_restart_says_the_preview_expired(
    fake_discord,
    running_bot,
    tmp_path,
    bot,  # noqa: F811
):
    owner = fake_discord.owner
    await add(fake_discord, {k: v for k, v in MILLROSE.items() if k != "splits"})
    result_id = bot.app.book.current(MILE_INDOOR_MEN)[0].result_id
    edit = await fake_discord.slash("result edit", {"id": result_id, "mark": "3:01.00"}, user=owner)
    prompt = await answered(edit)
    before = await bot.app.db.counts()
    rec, _ = await add(fake_discord, LIEVIN, confirm=False)
    await bot.close()
    await start_trackside(fake_discord, running_bot, tmp_path)
    click = await fake_discord.click(rec.original, "result:confirm", user=owner)
    answer = await click.response()
    assert answer.ephemeral
    assert answer.content == "This preview has expired — run /result add again."
    cancel = await fake_discord.click(rec.original, "result:cancel", user=owner)
    assert (await cancel.response()).ephemeral
    click = await fake_discord.click(prompt, "result:confirm", user=owner)
    assert (await click.response()).content == (
        "This correction has expired — run /result edit again."
    )
    assert await running_bot.bots[-1][0].app.db.counts() == before
    assert "Preview" in embed_text(rec.original["embeds"][0])
    fake_discord.assert_clean()


async def test_page_buttons_after_a_restart_are_answered(
    fake_discord,
    running_bot,
    tmp_path,
    bot,  # noqa: F811
):
    rec = await fake_discord.slash("records", {"venue": "outdoor"})
    assert "Page 1/" in (await rec.response()).embeds[0]["footer"]["text"]
    live = await fake_discord.click(rec.original, "pages:next")
    assert (await live.response()).type == 7  # the live paginator turns the page
    await bot.close()
    await start_trackside(fake_discord, running_bot, tmp_path)
    click = await fake_discord.click(rec.original, "pages:next")
    answer = await click.response()
    assert (
        answer.ephemeral and answer.content == "These pages have expired — run the command again."
    )
    fake_discord.assert_clean()
