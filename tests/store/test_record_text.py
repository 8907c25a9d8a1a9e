"""Wording of record answers (issue 9, item 8): counts, equals, list titles, indoor-only
sprints, how long entries stood — in terminal text and Discord embeds alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.events import Sex, Venue
from bot.domain.models import RecordScope, ScopeKind
from bot.render.discord_embeds import progression_embed, records_pages
from bot.render.text import render_text
from bot.services.app import Trackside
from tests.store.test_record_lists import HEADER, data_dir_with, open_app

ONE_ROW = HEADER + (
    "nation,NOR,800m,outdoor,M,1:45.00,,Test Runner,NOR,1999,,2020-06-01,Oslo,NOR,ratified,"
    "test fixture\n"
)


@pytest.fixture
async def small(tmp_path: Path):
    app = await open_app(tmp_path, data_dir_with(tmp_path, {"records.csv": ONE_ROW}))
    try:
        yield app
    finally:
        await app.close()


async def test_one_entry_is_singular(small: Trackside):
    answer = await small.progression("800m", Venue.OUTDOOR, Sex.MEN, "NOR")
    assert "1 entry, oldest first." in render_text(answer)
    assert progression_embed(answer, {}).footer.text.startswith("1 entry, oldest first")
    records = await small.records(Venue.OUTDOOR, Sex.MEN, "NOR")
    assert "\n1 record." in render_text(records)


async def test_one_athlete_equalling_herself_is_not_two_holders(app: Trackside):
    answer = await app.records(Venue.INDOOR, Sex.WOMEN)
    line = next(
        text for text in render_text(answer).splitlines() if " 60 m " in text and "Women" in text
    )
    assert "(set twice)" in line and "holders" not in line
    fields = [f.value for page in records_pages(answer, {}) for f in page.fields]
    sixty = next(v for v in fields if "6.92" in v)
    assert "(set twice)" in sixty and "more" not in sixty


async def test_indoor_only_sprints_are_listed_under_indoor_with_a_note(app: Trackside):
    outdoor = await app.records(Venue.OUTDOOR, Sex.MEN)
    names = {line.event.key for line in outdoor.lines}
    assert not names & {"50m", "60m", "50mh", "60mh"}
    assert render_text(outdoor).splitlines()[0] == "World men's records (outdoor)"
    indoor = await app.records(Venue.INDOOR, Sex.MEN)
    assert {"60m", "60mh"} <= {line.event.key for line in indoor.lines}
    text = render_text(indoor)
    assert text.splitlines()[0] == "World men's indoor records"
    assert "60 m" in next(n for n in indoor.notes if "one list" in n)
    assert "one list" in records_pages(indoor, {})[0].footer.text


async def test_progression_entries_stand_until_the_next_better_mark(app: Trackside):
    answer = await app.progression("mile", Venue.INDOOR, Sex.MEN)
    for row, later in zip(answer.rows, answer.rows[1:], strict=False):
        better = [
            r
            for r in answer.rows
            if r.entry.date > row.entry.date and r.entry.mark.value < row.entry.mark.value
        ]
        if later.margin:  # the next row is an improvement
            assert row.entry.date + row.stood == better[0].entry.date


def test_u20_scope_words(reference):
    from bot.services.scopes import ScopeResolver

    resolver = ScopeResolver(reference.nations)
    world_u20 = RecordScope(ScopeKind.U20, "world")
    for text in ("U20", "u20", "world U20", "WU20", "U20 world"):
        assert resolver.resolve(text).scope == world_u20, text
    for text in ("European U20", "EUR U20", "Europe U20", "U20 europe"):
        info = resolver.resolve(text)
        assert info.scope == RecordScope(ScopeKind.U20, "EUR") and info.label == "European U20"
    assert resolver.resolve("europe").scope == RecordScope(ScopeKind.AREA, "EUR")
    with pytest.raises(Exception, match="Unknown scope"):
        resolver.resolve("U20 U20")


async def test_record_embed_titles_name_the_list_as_its_records(app: Trackside):
    from bot.render.discord_embeds import record_embed

    indoor = await app.record("mile", Venue.INDOOR, Sex.MEN)
    assert record_embed(indoor, {}).title == "Mile — world indoor records"
    outdoor = await app.record("mile", Venue.OUTDOOR, Sex.MEN)
    assert record_embed(outdoor, {}).title == "Mile — world records (outdoor)"
    both = await app.record("mile")
    assert record_embed(both, {}).title == "Mile — world records"
    assert [f.name for f in record_embed(indoor, {}).fields] == ["Men's Mile — world indoor record"]
