"""Renderers: hostile text stays inert and every embed fits Discord's limits."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from dateutil.relativedelta import relativedelta

from bot.domain.answers import RecordAnswer, RecordLine, RecordsListAnswer, ScopeInfo
from bot.domain.events import RecordType, Sex, Venue
from bot.domain.marks import parse_mark
from bot.domain.models import Athlete, RecordEntry, RecordKey, RecordScope, RecordStatus
from bot.render import discord_embeds
from bot.render.text import render_text

HOSTILE = [
    "@everyone",
    "@here <@123456789012345678> <@&123>",
    "**bold** __under__ `code` ||spoiler|| [link](https://example.com)",
    "x" * 500,
    "line\nbreak\r\n# heading",
]
WORLD = ScopeInfo(RecordScope.world(), "world")


def _line(catalogue, name: str, event_key: str = "mile", sex: Sex = Sex.MEN) -> RecordLine:
    event = catalogue.get(event_key)
    entry = RecordEntry(
        id=1,
        key=RecordKey(RecordScope.world(), event_key, Venue.INDOOR, sex),
        mark=parse_mark("3:45.14", event) if event_key == "mile" else parse_mark("7.00", event),
        date=date(2025, 2, 13),
        athlete=Athlete(1, name, "NOR", sex),
        result_id=1,
        status=RecordStatus.PENDING,
        competition=name,
        city=name,
        country="FRA",
    )
    return RecordLine(entry.key, event, (entry,), RecordType.RECORD, relativedelta(days=5))


def _check_limits(embed):
    data = embed.to_dict()
    assert len(data.get("title", "")) <= 256
    assert len(data.get("description", "")) <= 4096
    assert len(data.get("fields", [])) <= 25
    for field in data.get("fields", []):
        assert 1 <= len(field["name"]) <= 256
        assert 1 <= len(field["value"]) <= 1024
    assert len(embed) <= 6000


def _all_text(embed) -> str:
    data = embed.to_dict()
    parts = [data.get("title", ""), data.get("description", "")]
    parts += [f["name"] + f["value"] for f in data.get("fields", [])]
    return "\n".join(parts)


def test_hostile_names_cannot_ping_or_format(catalogue):
    for name in HOSTILE:
        answer = RecordAnswer(catalogue.get("mile"), WORLD, (_line(catalogue, name),), date.today())
        embed = discord_embeds.record_embed(answer, {"NOR": "🇳🇴"})
        _check_limits(embed)
        text = _all_text(embed)
        assert "@everyone" not in text and "@here" not in text
        assert "<@123456789012345678>" not in text
        assert "**bold**" not in text and "`code`" not in text
        assert "\nbreak" not in text


def test_a_long_list_is_cut_into_pages_within_limits(catalogue):
    lines = tuple(_line(catalogue, f"Athlete {i} " + "y" * 150) for i in range(200))
    answer = RecordsListAnswer(WORLD, Venue.INDOOR, None, lines, date.today())
    pages = discord_embeds.records_pages(answer, {})
    assert len(pages) > 1
    for page in pages:
        _check_limits(page)
    shown = sum(len(p.fields) for p in pages)
    footers = "".join(p.footer.text or "" for p in pages)
    # Every record is on some page, or the page says how many it could not show.
    assert shown == 200 or "more not shown" in footers


def test_pending_records_say_so_everywhere(catalogue):
    answer = RecordAnswer(catalogue.get("mile"), WORLD, (_line(catalogue, "A"),), date.today())
    assert "pending ratification" in render_text(answer)
    assert "pending ratification" in _all_text(discord_embeds.record_embed(answer, {}))


def test_dates_use_discord_timestamps_at_noon_utc(catalogue):
    answer = RecordAnswer(catalogue.get("mile"), WORLD, (_line(catalogue, "A"),), date.today())
    text = _all_text(discord_embeds.record_embed(answer, {}))
    # 13 Feb 2025 12:00 UTC: the same calendar day from UTC-11 to UTC+11.
    assert "<t:1739448000:D>" in text


async def test_progression_embed_keeps_oldest_and_newest_when_long(app):
    answer = await app.progression("mile", Venue.INDOOR)
    many = replace(answer, rows=answer.rows * 60)
    embed = discord_embeds.progression_embed(many, {})
    _check_limits(embed)
    assert "earlier entries" in embed.description


def test_pages_are_rendered_when_first_shown_and_kept():
    rendered: list[int] = []

    def render(index: int):
        rendered.append(index)
        return discord_embeds.EmbedBuilder(f"page {index + 1}").build()

    pages = discord_embeds.Pages(7, render)
    assert len(pages) == 7 and rendered == []
    assert pages[0].title == "page 1" and rendered == [0]
    assert pages[-1].title == "page 7" and pages[0] is pages[0] and rendered == [0, 6]
    assert [p.title for p in pages[1:3]] == ["page 2", "page 3"]
    assert [p.title for p in pages] == [f"page {n}" for n in range(1, 8)]
    assert sorted(rendered) == list(range(7))
    with pytest.raises(IndexError):
        pages[7]
