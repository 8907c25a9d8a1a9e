"""The read commands end to end: the real bot, real discord.py, the fake Discord."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from bot.cogs import views
from bot.services.app import Trackside
from bot.services.writes import Actor, ResultDraft, Writes
from tests.e2e.conftest import BotRunner
from tests.e2e.fake_discord import CallbackType, FakeDiscord
from tests.e2e.harness import embed_text, field, start_trackside

MOD = Actor(user_id=1001, guild_id=2001)


@pytest.fixture
async def bot(fake_discord: FakeDiscord, running_bot: BotRunner, tmp_path):
    return await start_trackside(fake_discord, running_bot, tmp_path)


async def test_commands_are_synced_with_spec_names_and_options(fake_discord, bot):
    synced = {c["name"]: c for c in fake_discord.synced_commands[None]}
    expected = {
        "record": ["event", "venue", "sex", "scope"],
        "progression": ["event", "venue", "sex", "scope"],
        "records": ["venue", "sex", "scope"],
        "athlete": ["name"],
        "rivalry": ["athlete", "opponent"],
        "toplist": ["event", "venue", "sex", "year", "by"],
    }
    for name, options in expected.items():
        assert [o["name"] for o in synced[name].get("options", [])] == options
    record = {o["name"]: o for o in synced["record"]["options"]}
    assert record["event"]["autocomplete"] and record["scope"]["autocomplete"]
    assert [c["value"] for c in record["venue"]["choices"]] == ["indoor", "outdoor"]


async def test_record_mile_indoor_shows_men_and_women(fake_discord, bot):
    rec = await fake_discord.slash("record", {"event": "mile", "venue": "indoor"})
    response = await rec.response()
    assert response.type == CallbackType.CHANNEL_MESSAGE
    assert not response.ephemeral
    (embed,) = response.embeds
    assert embed["title"] == "Mile — world indoor records"  # named as its records are
    men = field(embed, "Men's Mile — world indoor record")["value"]
    assert "**3:45.14**" in men and "**Jakob Ingebrigtsen** 🇳🇴 NOR" in men
    assert "Liévin, FRA" in men and "<t:1739448000:D>" in men  # 13 Feb 2025
    assert "Has stood 1 year 9 months" in men
    women = field(embed, "Women's Mile — world indoor record")["value"]
    assert "**4:13.31**" in women and "Genzebe Dibaba" in women
    # Nothing the bot says may ping.
    assert rec.callback.data["allowed_mentions"] == {"parse": []}
    fake_discord.assert_clean()


async def test_values_typed_without_autocomplete_are_validated(fake_discord, bot):
    rec = await fake_discord.slash("record", {"event": "1,500m", "venue": "indoor", "sex": "men"})
    (embed,) = (await rec.response()).embeds
    assert "3:29.63" in embed_text(embed)

    rec = await fake_discord.slash("record", {"event": "marathonn"})
    response = await rec.response()
    assert response.ephemeral
    assert response.embeds[0]["description"] == (
        "Unknown event 'marathonn' — did you mean marathon?"
    )


async def test_no_record_for_scope_is_an_ephemeral_hint(fake_discord, bot):
    # The national lists put Norwegian mile records on file; India has none.
    rec = await fake_discord.slash("record", {"event": "mile", "scope": "IND"})
    response = await rec.response()
    assert response.ephemeral
    assert "No Indian" in response.embeds[0]["description"]


async def test_autocomplete(fake_discord, bot):
    choices = await fake_discord.autocomplete("record", {"event": "mil"}, focused="event")
    assert choices.values[0] == "mile" and choices.names[0] == "Mile"
    assert len(choices) <= 25
    choices = await fake_discord.autocomplete("athlete", {"name": "nordas"}, focused="name")
    assert choices.names == ["Narve Gilje Nordås (NOR)"]
    choices = await fake_discord.autocomplete("athlete", {"name": ""}, focused="name")
    assert 1 <= len(choices) <= 25
    choices = await fake_discord.autocomplete(
        "record", {"event": "mile", "scope": "euro"}, focused="scope"
    )
    assert "EUR" in choices.values
    choices = await fake_discord.autocomplete("record", {"event": "x" * 100}, focused="event")
    assert len(choices) <= 25
    fake_discord.assert_clean()


async def test_progression_defers_and_attaches_a_chart(fake_discord, bot):
    rec = await fake_discord.slash(
        "progression", {"event": "mile", "venue": "indoor", "sex": "men"}
    )
    response = await rec.response()
    assert response.type == CallbackType.DEFERRED_CHANNEL_MESSAGE
    (message,) = await rec.followups(1)
    (embed,) = message["embeds"]
    assert embed["title"] == "Men's Mile — world indoor record progression"
    lines = embed["description"].splitlines()
    assert "3:55.0h" in lines[0] and "Tony Waldrop" in lines[0]
    assert "3:45.14" in lines[-1] and "(−1.49)" in lines[-1] and "still stands" in lines[-1]
    assert "stood 5 days" in lines[-2]
    assert embed["image"]["url"] == "attachment://progression.png"
    (attachment,) = message["attachments"]
    assert attachment["filename"] == "progression.png"
    assert fake_discord.attachment_bytes(attachment).startswith(b"\x89PNG")
    fake_discord.assert_clean()


async def test_records_pages_with_buttons_locked_to_the_asker(fake_discord, bot):
    rec = await fake_discord.slash("records", {"venue": "outdoor"})
    first = await rec.response()
    assert "Page 1/" in first.embeds[0]["footer"]["text"]
    message = rec.original
    # Someone else cannot turn the pages.
    other = await fake_discord.click(message, "pages:next", user=fake_discord.owner)
    refusal = await other.response()
    assert refusal.ephemeral and "Only the person who asked" in refusal.content
    assert "Page 1/" in rec.original["embeds"][0]["footer"]["text"]
    # The asker can.
    click = await fake_discord.click(message, "pages:next")
    await click.response()
    assert "Page 2/" in rec.original["embeds"][0]["footer"]["text"]
    click = await fake_discord.click(rec.original, "pages:previous")
    await click.response()
    assert "Page 1/" in rec.original["embeds"][0]["footer"]["text"]
    fake_discord.assert_clean()


async def test_athlete_profile(fake_discord, bot):
    rec = await fake_discord.slash("athlete", {"name": "ingebrigtsen"})
    (embed,) = (await rec.response()).embeds
    assert embed["title"] == "Jakob Ingebrigtsen"
    assert "🇳🇴 Norway (NOR)" in embed["description"] and "age 26" in embed["description"]
    assert "Mile (indoor): **3:45.14**" in field(embed, "Personal bests")["value"]
    assert "Mile world indoor record" in field(embed, "Records held")["value"]
    assert "Meeting Hauts-de-France" in field(embed, "Latest results")["value"]


async def test_unknown_athlete_suggests(fake_discord, bot):
    rec = await fake_discord.slash("athlete", {"name": "Ingebrigtsenn"})
    response = await rec.response()
    assert response.ephemeral
    assert "did you mean Jakob Ingebrigtsen?" in response.embeds[0]["description"]


@pytest.mark.parametrize(
    "hostile",
    ["@everyone", "<@&1234> **bold**", "x" * 200, "`code` ||spoiler|| [a](https://x.y)"],
)
async def test_hostile_text_never_formats_or_pings(fake_discord, bot, hostile):
    rec = await fake_discord.slash("athlete", {"name": hostile})
    response = await rec.response()
    assert response.ephemeral
    text = response.embeds[0]["description"]
    assert "@everyone" not in text and "<@&1234>" not in text and "**bold**" not in text
    assert len(text) < 300
    fake_discord.assert_clean()


async def test_rivalry(fake_discord, bot):
    choices = await fake_discord.autocomplete(
        "rivalry", {"athlete": "inge", "opponent": ""}, focused="athlete"
    )
    jakob = choices.values[0]
    rec = await fake_discord.slash("rivalry", {"athlete": jakob, "opponent": "Yared Nuguse"})
    (embed,) = (await rec.response()).embeds
    assert embed["title"] == "Jakob Ingebrigtsen vs Yared Nuguse"
    # Paris 2024 and the Eugene 2023 mile (both athletes' area records, on file).
    assert "1 – 1" in embed["description"] and "2 races on file" in embed["description"]
    assert "Olympic Games Paris" in field(embed, "Meetings")["value"]


async def test_toplist(fake_discord, bot):
    rec = await fake_discord.slash(
        "toplist", {"event": "1500m", "venue": "outdoor", "sex": "men", "year": 2024}
    )
    (embed,) = (await rec.response()).embeds
    first = embed["description"].splitlines()[0]
    # Ingebrigtsen's European record (Monaco, 12 Jul 2024) is on file from the area lists.
    assert "3:26.73" in first and "Jakob Ingebrigtsen" in first
    assert "3:27.65" in embed["description"] and "Cole Hocker" in embed["description"]
    rec = await fake_discord.slash("toplist", {"event": "mile", "by": "performers"})
    text = (await rec.response()).embeds[0]["description"]
    assert text.count("Jakob Ingebrigtsen") == 1


async def test_unexpected_errors_get_an_apology_and_are_logged(
    fake_discord, bot, running_bot, monkeypatch
):
    async def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(Trackside, "record", broken)
    rec = await fake_discord.slash("record", {"event": "mile"})
    response = await rec.response()
    assert response.ephemeral
    assert "Sorry — something went wrong" in response.embeds[0]["description"]
    assert "database on fire" not in response.embeds[0]["description"]
    running_bot.errors.clear()  # logged as it should be; the test accepts it


async def test_sync_from_discord_is_owner_only(fake_discord, bot):
    rec = await fake_discord.slash("sync", {}, user=fake_discord.owner)
    await rec.response()
    (message,) = await rec.followups(1)
    assert message["content"].startswith("Synced ")
    rec = await fake_discord.slash("sync", {}, check_permissions=False)
    response = await rec.response()
    assert response.ephemeral
    assert "Only the bot's owners" in response.embeds[0]["description"]


async def test_page_buttons_are_disabled_on_timeout(fake_discord, bot, monkeypatch):
    monkeypatch.setattr("bot.cogs.views.PAGE_TIMEOUT", 0.3)
    records = await fake_discord.slash("records", {"venue": "indoor"})
    await records.response()
    buttons = await records.wait_original(
        lambda m: all(
            c.get("disabled") for row in m.get("components", []) for c in row["components"]
        ),
        timeout=5,
    )
    assert buttons["components"]


async def test_closing_the_bot_stops_its_pages_before_they_time_out(fake_discord, bot, monkeypatch):
    """A paginator outliving its bot timed out and edited its message over the closed
    HTTP session ("RuntimeError: Session is closed", a task exception nobody retrieved)."""
    monkeypatch.setattr("bot.cogs.views.PAGE_TIMEOUT", 0.3)
    rec = await fake_discord.slash("records", {"venue": "indoor"})
    await rec.response()
    await fake_discord.wait_for(lambda: views._live_pages(bot), 5, "the paginator to go live")
    (paginator,) = views._live_pages(bot).values()
    await bot.close()
    # Stopped by the close (False), not timed out (True, then on_timeout edits).
    assert await asyncio.wait_for(paginator.wait(), 5) is False
    assert not views._live_pages(bot)


async def test_a_page_timing_out_after_the_bot_closed_leaves_its_message(
    fake_discord, bot, monkeypatch
):
    rec = await fake_discord.slash("records", {"venue": "indoor"})
    await rec.response()
    await fake_discord.wait_for(lambda: views._live_pages(bot), 5, "the paginator to go live")
    (paginator,) = views._live_pages(bot).values()
    requests = len(fake_discord.requests)
    await bot.close()
    await paginator.on_timeout()  # as if its timeout had fired during the close: no error
    assert len(fake_discord.requests) == requests


def _buttons(message: dict) -> dict[str, dict]:
    return {c["custom_id"]: c for row in message["components"] for c in row["components"]}


async def test_toplist_reads_pages_as_they_are_turned(fake_discord, bot):
    """Page 1 answers; each further page is read when turned to, ranked as in the whole
    list (three equal marks across the boundary of pages 1 and 2 share rank 15); a write
    that changes the pages shown sends a page turn back to the list's top, said so."""
    writes = Writes(bot.app)
    marks = [f"3:20.{i:02d}" for i in range(14)] + ["3:21.00"] * 3
    marks += [f"3:22.{i:02d}" for i in range(16)]  # three pages, with what is on file
    for i, mark in enumerate(marks):
        draft = ResultDraft(
            athlete=f"Page Runner {i}",
            nation="ISL",
            sex="M",
            event="mile",
            mark=mark,
            venue="indoor",
            date="2026-02-01",
            competition="Paging Indoor",
        )
        await writes.add_result(draft, MOD, confirm_implausible=True)
    asked = {"event": "mile", "venue": "indoor", "sex": "men", "year": 2026}
    rec = await fake_discord.slash("toplist", asked)
    (embed,) = (await rec.response()).embeds
    assert embed["footer"]["text"].startswith("Lines 1–15 · ")
    lines = embed["description"].splitlines()
    assert len(lines) == 15 and lines[-1].startswith("` 15.` **3:21.00**")
    buttons = _buttons(rec.original)
    assert buttons["pages:counter"]["label"] == "1/…"  # how many pages: not read yet
    assert buttons["pages:previous"]["disabled"] and not buttons["pages:next"].get("disabled")

    click = await fake_discord.click(rec.original, "pages:next")
    await click.response()
    page = rec.original["embeds"][0]
    assert page["footer"]["text"].startswith("Lines 16–30")
    second = page["description"].splitlines()
    assert second[0].startswith("` 15.` **3:21.00**")
    assert second[1].startswith("` 15.` **3:21.00**")
    assert second[2].startswith("` 18.` ")
    assert _buttons(rec.original)["pages:counter"]["label"] == "2/…"

    # A faster mark moves every line down one: page 3 of the new list would repeat page
    # 2's last line, so the turn shows the list from its top again.
    faster = replace(draft, athlete="Page Breaker", mark="3:19.00")
    await writes.add_result(faster, MOD, confirm_implausible=True)
    click = await fake_discord.click(rec.original, "pages:next")
    await click.response()
    page = rec.original["embeds"][0]
    assert page["footer"]["text"].startswith("The list has changed since")
    assert "Lines 1–15" in page["footer"]["text"]
    assert page["description"].startswith("`  1.` **3:19.00**")
    assert _buttons(rec.original)["pages:counter"]["label"] == "1/…"

    # To its end: the last page says how many lines the list has, the counter how many pages.
    turns = 0
    while not _buttons(rec.original)["pages:next"].get("disabled"):
        click = await fake_discord.click(rec.original, "pages:next")
        await click.response()
        turns += 1
    footer = rec.original["embeds"][0]["footer"]["text"]
    total = int(footer.split(" of ")[1].split(" ")[0])
    assert footer.startswith(f"Lines {turns * 15 + 1}–{total} of {total}")
    assert _buttons(rec.original)["pages:counter"]["label"] == f"{turns + 1}/{turns + 1}"
    fake_discord.assert_clean()


async def test_a_short_toplist_has_no_buttons(fake_discord, bot):
    rec = await fake_discord.slash("toplist", {"event": "1500m", "year": 1990})
    (embed,) = (await rec.response()).embeds
    assert embed["description"] == "No results on file."
    assert not rec.original.get("components")


async def test_a_page_that_fails_to_read_gets_an_apology(
    fake_discord, bot, running_bot, monkeypatch
):
    rec = await fake_discord.slash("toplist", {"event": "mile"})
    await rec.response()

    async def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr("bot.services.toplists.top_list_page", broken)
    click = await fake_discord.click(rec.original, "pages:next")
    response = await click.response()
    assert response.ephemeral
    assert "Sorry — something went wrong" in response.embeds[0]["description"]
    assert rec.original["embeds"][0]["footer"]["text"].startswith("Lines 1–15")  # as it was
    running_bot.errors.clear()  # logged as it should be; the test accepts it
