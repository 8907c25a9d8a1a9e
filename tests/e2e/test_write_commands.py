"""Moderators' writes and record announcements end to end, through the real bot."""

from __future__ import annotations

import asyncio
import random
import sqlite3
from contextlib import closing
from datetime import date

import pytest

from bot.domain.events import Sex, Venue
from bot.domain.models import RecordKey, RecordScope
from bot.domain.records import recompute_progression
from tests.e2e.conftest import BotRunner
from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.harness import embed_text, start_trackside

MILE_INDOOR_MEN = RecordKey(RecordScope.world(), "mile", Venue.INDOOR, Sex.MEN)
MESSAGES = r"/channels/\d+/messages$"

MILLROSE = {
    "athlete": "Yared Nuguse",
    "event": "mile",
    "mark": "3:46.63",
    "venue": "indoor",
    "date": "2025-02-08",
    "competition": "Millrose Games",
    "place": 1,
    "splits": "1500m=3:31.75",
    "source": "athleticsweekly.com Millrose 2025 report",
}
LIEVIN = {
    "athlete": "Jakob Ingebrigtsen",
    "event": "mile",
    "mark": "3:45.14",
    "venue": "indoor",
    "date": "2025-02-13",
    "competition": "Meeting Hauts-de-France Pas-de-Calais",
    "city": "Liévin",
    "country": "FRA",
    "place": 1,
    "splits": "1500m=3:29.63",
}


@pytest.fixture
async def bot(fake_discord: FakeDiscord, running_bot: BotRunner, tmp_path):
    """The store as it stood on 7 February 2025, the day before the Millrose Games."""
    return await start_trackside(fake_discord, running_bot, tmp_path, as_of=date(2025, 2, 7))


async def answered(rec, timeout: float = 5.0) -> dict:  # noqa: ASYNC109
    """The answer to a write command: acknowledged at once (ephemeral "thinking…"), then
    the answer as its first followup."""
    ack = await rec.response()
    assert ack.type == 5 and ack.ephemeral, ack  # DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
    (message,) = await rec.followups(1, timeout=timeout)
    return message


def said(message: dict) -> str:
    """A followup's text, whether content or an (error) embed."""
    return (message.get("content") or "") + "".join(
        embed_text(e) for e in message.get("embeds") or []
    )


async def subscribe(fake: FakeDiscord, **filters) -> None:
    rec = await fake.slash("alerts set", {"channel": fake.channel, **filters}, user=fake.owner)
    response = await answered(rec)
    assert "Record announcements will go to" in response["content"], response


async def add(fake: FakeDiscord, options: dict, user=None, *, confirm: bool = True):
    """Preview a result as a moderator and (by default) confirm it; returns the record."""
    user = user or fake.owner
    rec = await fake.slash("result add", options, user=user, check_permissions=False)
    preview = await rec.response()
    if confirm and preview.accepted and preview.embeds and preview.components:
        click = await fake.click(rec.original, "result:confirm", user=user)
        await click.response()
        await rec.wait_original(lambda m: "Saved" in (m.get("content") or ""))
    return rec, preview


def announcements(fake: FakeDiscord) -> list[dict]:
    return [m for m in fake.channel_messages.get(fake.channel_id, []) if m.get("embeds")]


def stored(bot, sql: str) -> list[tuple]:
    """Rows as committed (a separate connection, so a predicate for fake.wait_for)."""
    with closing(sqlite3.connect(bot.app.db.path)) as conn:
        return conn.execute(sql).fetchall()


def queued_announcements(bot) -> list[tuple]:
    """The outbox. It is written in the transaction that saves the result, so once "Saved"
    shows, an empty outbox means no announcement can follow."""
    return stored(bot, "SELECT id, kind FROM announcements")


async def settled_deliveries(fake: FakeDiscord, bot, timeout: float = 20) -> list[tuple]:  # noqa: ASYNC109
    """(status, attempts) of every delivery once none is pending: the announcer is done."""

    def settled() -> list[tuple] | None:
        rows = stored(bot, "SELECT status, attempts FROM deliveries ORDER BY announcement_id")
        return rows if rows and all(status != "pending" for status, _ in rows) else None

    return await fake.wait_for(settled, timeout, "every delivery to be delivered or failed")


async def test_millrose_then_lievin(fake_discord, bot):
    await subscribe(fake_discord)

    rec, preview = await add(fake_discord, MILLROSE, confirm=False)
    assert preview.ephemeral
    text = embed_text(preview.embeds[0])
    assert "Preview — nothing is saved until you confirm" in text
    assert "breaks the Mile world indoor record 3:47.01 (Yomif Kejelcha) by 0.38" in text
    assert queued_announcements(bot) == []  # a preview saves and queues nothing
    assert not fake_discord.channel_messages.get(fake_discord.channel_id)
    click = await fake_discord.click(rec.original, "result:confirm", user=fake_discord.owner)
    await click.response()
    saved = await rec.wait_original(lambda m: "Saved" in (m.get("content") or ""))
    assert "Saved as result #" in saved["content"]

    first = await fake_discord.wait_channel_message(
        fake_discord.channel_id, lambda m: bool(m.get("embeds"))
    )
    embed = first["embeds"][0]
    assert embed["title"] == "NEW WORLD INDOOR RECORD"
    record = embed_text(embed)
    assert "**Yared Nuguse** 🇺🇸 USA — **3:46.63** Mile" in record
    assert "breaks 3:47.01 (Yomif Kejelcha (ETH)" in record and "by 0.38" in record
    assert "The record stood 5 years 11 months · *pending ratification*" in record

    await add(fake_discord, LIEVIN)
    second = await fake_discord.wait_channel_message(
        fake_discord.channel_id, lambda m: m is not first and bool(m.get("embeds"))
    )
    embed = second["embeds"][0]
    assert embed["title"] == "NEW WORLD INDOOR RECORDS"
    mile = next(f for f in embed["fields"] if f["name"] == "World indoor record — Mile")
    assert "**3:45.14** breaks 3:46.63 (Yared Nuguse (USA)" in mile["value"]
    assert "by 1.49" in mile["value"] and "The record stood 5 days" in mile["value"]
    m1500 = next(f for f in embed["fields"] if f["name"] == "World indoor record — 1500 m")
    assert "**3:29.63** (1500 m split) breaks 3:30.60 (Jakob Ingebrigtsen (NOR)" in m1500["value"]
    assert "by 0.97" in m1500["value"]
    assert [status for status, _ in await settled_deliveries(fake_discord, bot)] == [
        "delivered"
    ] * 2
    assert len(announcements(fake_discord)) == 2
    posts = [r for r in fake_discord.requests if r.method == "POST" and "/messages" in r.path]
    assert posts and all(r.json["allowed_mentions"] == {"parse": []} for r in posts)
    fake_discord.assert_clean()


async def test_slower_result_is_not_announced(fake_discord, bot):
    await subscribe(fake_discord)
    slower = {**MILLROSE, "athlete": "Gary Martin", "nation": "USA", "sex": "men",
              "mark": "3:48.82", "place": 5, "splits": ""}  # fmt: skip
    slower.pop("splits")
    rec, preview = await add(fake_discord, slower)
    assert "Breaks or equals no record on file." in embed_text(preview.embeds[0])
    assert "Saved as result #" in rec.original["content"]
    assert queued_announcements(bot) == []
    assert announcements(fake_discord) == []
    assert (await bot.app.db.counts())["results"] > 0


async def test_equal_mark_equals(fake_discord, bot):
    await subscribe(fake_discord)
    equal = {**MILLROSE, "mark": "3:47.01"}
    equal.pop("splits")
    await add(fake_discord, equal)
    message = await fake_discord.wait_channel_message(
        fake_discord.channel_id, lambda m: bool(m.get("embeds"))
    )
    assert message["embeds"][0]["title"] == "EQUALS WORLD INDOOR RECORD"
    assert "equals 3:47.01" in embed_text(message["embeds"][0])
    assert len(bot.app.book.current(MILE_INDOOR_MEN)) == 2


async def test_wind_aided_sprint_is_not_a_record(fake_discord, bot):
    await subscribe(fake_discord)
    sprint = {
        "athlete": "Fast Newcomer", "nation": "JAM", "sex": "men", "event": "100m",
        "mark": "9.55", "venue": "outdoor", "date": "2024-06-01",
        "competition": "Windy Meet", "wind": "+2.4",
    }  # fmt: skip
    _, preview = await add(fake_discord, sprint)
    text = embed_text(preview.embeds[0])
    assert "Cannot count for records" in text and "wind-aided: +2.4 m/s" in text
    assert queued_announcements(bot) == []
    assert announcements(fake_discord) == []


async def test_implausible_mark_needs_a_second_confirmation(fake_discord, bot):
    typo = {**LIEVIN, "mark": "3:25.14"}
    typo.pop("splits")
    rec, preview = await add(fake_discord, typo, confirm=False)
    assert "⚠️ Check this mark" in embed_text(preview.embeds[0])
    owner = fake_discord.owner
    await (await fake_discord.click(rec.original, "result:confirm", user=owner)).response()
    assert "more than 2%" in rec.original["content"]
    assert bot.app.book.current(MILE_INDOOR_MEN)[0].athlete.name == "Yomif Kejelcha"
    await (await fake_discord.click(rec.original, "result:confirm", user=owner)).response()
    await rec.wait_original(lambda m: "Saved as result #" in (m.get("content") or ""))


async def test_cancel_writes_nothing_and_others_cannot_confirm(fake_discord, bot):
    before = await bot.app.db.counts()
    rec, _ = await add(fake_discord, LIEVIN, confirm=False)
    other = await fake_discord.click(rec.original, "result:confirm", user=fake_discord.member)
    assert (await other.response()).ephemeral
    await (
        await fake_discord.click(rec.original, "result:cancel", user=fake_discord.owner)
    ).response()
    assert rec.original["content"] == "Cancelled: nothing was saved."
    assert await bot.app.db.counts() == before


async def test_non_moderators_and_untrusted_servers_are_refused(fake_discord, bot):
    before = await bot.app.db.counts()
    # An ordinary member (a server admin could have made the command visible to them).
    rec = await fake_discord.slash(
        "result add", LIEVIN, user=fake_discord.member, check_permissions=False
    )
    response = await rec.response()
    assert response.ephemeral
    assert (
        "Manage Server permission or this server's moderator role"
        in (response.embeds[0]["description"])
    )
    # A manager in a server that is not trusted.
    other = fake_discord.add_guild("Elsewhere")
    manager = fake_discord.add_member("boss", guild_id=other.id, permissions=1 << 5)
    await fake_discord.wait_for(lambda: bot.get_guild(other.id), what="GUILD_CREATE at the bot")
    rec = await fake_discord.slash(
        "result add", LIEVIN, user=manager, guild_id=other.id, check_permissions=False
    )
    response = await rec.response()
    assert response.ephemeral and "not trusted" in response.embeds[0]["description"]
    assert await bot.app.db.counts() == before


async def test_moderator_role_may_write(fake_discord, bot):
    role = fake_discord.add_role("Stats team")
    helper = fake_discord.add_member("statto", roles=[role])
    guild = bot.get_guild(fake_discord.guild_id)
    await fake_discord.wait_for(
        lambda: guild.get_role(role.id), what="GUILD_ROLE_CREATE at the bot"
    )
    rec = await fake_discord.slash("moderator-role", {"role": role}, user=fake_discord.owner)
    assert "may now add results" in (await answered(rec))["content"]
    rec, _ = await add(fake_discord, MILLROSE, user=helper)
    assert "Saved as result #" in rec.original["content"]


async def test_import_with_one_bad_row_imports_nothing(fake_discord, bot):
    before = await bot.app.db.counts()
    csv = (
        b"athlete,nation,sex,event,mark,venue,date,competition\n"
        b"Yared Nuguse,USA,men,mile,3:46.63,indoor,2025-02-08,Millrose Games\n"
        b"Hobbs Kessler,USA,men,mile,3:75.00,indoor,2025-02-08,Millrose Games\n"
    )
    rec = await fake_discord.slash(
        "result import", {"file": ("results.csv", csv)}, user=fake_discord.owner
    )
    assert (await rec.response()).ephemeral
    (message,) = await rec.followups(1)
    assert message["embeds"][0]["description"].startswith("Nothing was imported: row 3, mark:")
    assert await bot.app.db.counts() == before

    good = csv.replace(b"3:75.00", b"3:46.90")
    await subscribe(fake_discord)
    rec = await fake_discord.slash(
        "result import", {"file": ("results.csv", good)}, user=fake_discord.owner
    )
    (message,) = await rec.followups(1)
    assert message["content"].startswith("Imported 2 results in one go. Records:")
    announced = await fake_discord.wait_channel_message(
        fake_discord.channel_id, lambda m: bool(m.get("embeds"))
    )
    assert "3:46.63" in embed_text(announced["embeds"][0])


async def test_remove_reverts_the_record_and_tells_subscribers(fake_discord, bot):
    await subscribe(fake_discord)
    await add(fake_discord, MILLROSE)
    result_id = bot.app.book.current(MILE_INDOOR_MEN)[0].result_id
    rec = await fake_discord.slash(
        "result remove", {"id": result_id, "reason": "wrong race"}, user=fake_discord.owner
    )
    response = await answered(rec)
    assert "again 3:47.01 by Yomif Kejelcha" in response["content"]
    correction = await fake_discord.wait_channel_message(
        fake_discord.channel_id, lambda m: m["embeds"][0]["title"] == "CORRECTION"
    )
    assert "wrong race" in correction["embeds"][0]["description"]
    assert bot.app.book.current(MILE_INDOOR_MEN)[0].athlete.name == "Yomif Kejelcha"


async def test_ratify(fake_discord, bot):
    await subscribe(fake_discord)
    await add(fake_discord, MILLROSE)
    choices = await fake_discord.autocomplete(
        "ratify",
        {"record": "Nuguse", "status": "ratified"},
        focused="record",
        user=fake_discord.owner,
    )
    assert choices.names and "3:46.63 Yared Nuguse" in choices.names[0]
    rec = await fake_discord.slash(
        "ratify", {"record": choices.values[0], "status": "ratified"}, user=fake_discord.owner
    )
    assert "is ratified" in (await answered(rec))["content"]
    message = await fake_discord.wait_channel_message(
        fake_discord.channel_id, lambda m: m["embeds"][0]["title"].startswith("RATIFIED")
    )
    assert "3:46.63" in embed_text(message["embeds"][0])


async def test_alerts_status_and_off(fake_discord, bot):
    rec = await fake_discord.slash("alerts status", {}, user=fake_discord.owner)
    assert "off here" in (await rec.response()).content
    await subscribe(fake_discord, events="mile", sex="men")
    rec = await fake_discord.slash("alerts status", {}, user=fake_discord.owner)
    content = (await rec.response()).content
    assert f"<#{fake_discord.channel_id}>" in content and "events mile" in content
    rec = await fake_discord.slash("alerts off", {}, user=fake_discord.owner)
    assert "off" in (await answered(rec))["content"]
    # Only managers may change alerts.
    rec = await fake_discord.slash(
        "alerts set", {"channel": fake_discord.channel}, check_permissions=False
    )
    assert (await rec.response()).ephemeral


async def test_discord_errors_are_retried_and_delivered_exactly_once(fake_discord, bot):
    await subscribe(fake_discord)
    fake_discord.fail_next("POST", MESSAGES, 429, retry_after=0.05)
    fake_discord.fail_next("POST", MESSAGES, 500)
    fake_discord.fail_next("POST", MESSAGES, 503)  # discord.py raises 503 at once: ours to retry
    await add(fake_discord, MILLROSE)
    assert await settled_deliveries(fake_discord, bot) == [("delivered", 2)]
    assert len(announcements(fake_discord)) == 1


async def test_gone_channel_is_reported_not_retried_forever(fake_discord, bot):
    await subscribe(fake_discord)
    fake_discord.fail_next("POST", MESSAGES, 403, times=5)
    await add(fake_discord, MILLROSE)
    await fake_discord.wait_for(
        lambda: any(r.status == 403 for r in fake_discord.requests if hasattr(r, "status")),
        timeout=10,
    )
    (problem,) = await fake_discord.wait_for(
        lambda: stored(bot, "SELECT problem FROM subscriptions WHERE problem IS NOT NULL"),
        what="the delivery problem on the subscription",
    )
    assert "not allowed to post" in problem[0]
    rec = await fake_discord.slash("alerts status", {}, user=fake_discord.owner)
    assert "Last delivery problem" in (await rec.response()).content
    rows = await bot.app.db.reader.execute_fetchall("SELECT status FROM deliveries")
    assert [r[0] for r in rows] == ["failed"]


async def test_twenty_concurrent_adds_keep_records_consistent(fake_discord, bot):
    await subscribe(fake_discord)
    rng = random.Random(7)
    # All inside the 3:47.01 record, none by an implausible (> 2%) margin: 3:43.00-3:46.99.
    marks = [f"3:{rng.randint(43, 46)}.{rng.randint(0, 99):02d}" for _ in range(20)]
    previews = []
    for i, mark in enumerate(marks):
        options = {
            "athlete": f"Runner {i:02d}", "nation": "KEN", "sex": "men", "event": "mile",
            "mark": mark, "venue": "indoor", "date": "2025-02-10", "competition": "Test Meet",
        }  # fmt: skip
        rec, _ = await add(fake_discord, options, confirm=False)
        previews.append(rec)
    clicks = await asyncio.gather(
        *(
            fake_discord.click(r.original, "result:confirm", user=fake_discord.owner)
            for r in previews
        )
    )
    await asyncio.gather(*(c.response(timeout=20) for c in clicks))
    for rec in previews:
        await rec.wait_original(lambda m: "Saved" in (m.get("content") or ""), timeout=20)
    entries = bot.app.book.progression(MILE_INDOOR_MEN)
    event = bot.app.catalogue.get("mile")
    fix = recompute_progression(event, entries)
    assert fix.drop == () and fix.equal_flags == {}
    best = min(e.mark.value for e in entries)
    assert bot.app.book.current(MILE_INDOOR_MEN)[0].mark.value == best
    new_entries = [e for e in entries if e.date == date(2025, 2, 10)]
    chain = [e.mark.value for e in new_entries]
    assert chain and chain == sorted(chain, reverse=True)  # each beat the one before it
    assert len(set(chain)) == len(chain)  # no two credited with the same record
    delivered = await settled_deliveries(fake_discord, bot)
    assert [status for status, _ in delivered] == ["delivered"] * len(chain)
    assert len(announcements(fake_discord)) == len(chain)
