"""The World Athletics record lists (data/records/), loaded into a real store from the
fixture rows in tests/fixtures/records/: every scope's current records, world histories,
U20 records, personal bests from every mark, checks on add, and "first since"."""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest

from bot.config import DEFAULT_DATA_DIR, Settings
from bot.domain.answers import BestOrigin
from bot.domain.events import Sex, Venue
from bot.domain.models import RecordKey, RecordScope, ScopeKind
from bot.render.text import render_text
from bot.services.app import Trackside
from bot.services.writes import Actor, ResultDraft, Writes
from bot.store.seed import SeedError, seed
from tests.conftest import TODAY

FIXTURES = Path(__file__).parent.parent / "fixtures" / "records"
MOD = Actor(user_id=1001, guild_id=2001)
HEADER = (
    "scope_kind,scope_code,event,venue,sex,mark,wind,athlete,nation,birth_year,birth_date,"
    "date,city,country,status,source\n"
)


def data_dir_with(tmp_path: Path, files: dict[str, str] | None = None) -> Path:
    """The shipped data directory with data/records/ replaced by the fixture lists (or by
    `files`, name -> text)."""
    data = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, data, ignore=shutil.ignore_patterns("records"))
    records = data / "records"
    if files is None:
        shutil.copytree(FIXTURES, records)
    else:
        records.mkdir()
        for name, text in files.items():
            (records / name).write_text(text, encoding="utf-8")
    return data


async def open_app(tmp_path: Path, data: Path, as_of: date | None = None) -> Trackside:
    settings = Settings(database_path=tmp_path / "lists.db", data_dir=data)
    return await Trackside.open(settings, as_of=as_of, today=lambda: TODAY)


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[Trackside]:
    trackside = await open_app(tmp_path, data_dir_with(tmp_path))
    try:
        yield trackside
    finally:
        await trackside.close()


async def count(app: Trackside, table: str) -> int:
    rows = await app.db.reader.execute_fetchall(f"SELECT count(*) FROM {table}")
    return rows[0][0]


# -- loading ------------------------------------------------------------------------------


async def test_area_national_and_u20_records_load_as_current_entries(app):
    europe = await app.record("1500m", Venue.OUTDOOR, Sex.MEN, "europe")
    assert [(str(h.mark), h.athlete.name) for h in europe.lines[0].holders] == [
        ("3:26.73", "Jakob Ingebrigtsen")
    ]
    for scope in ("NOR", "Norway", "Norwegian"):
        answer = await app.record("1500m", Venue.OUTDOOR, Sex.MEN, scope)
        assert str(answer.lines[0].entry.mark) == "3:26.73"
    for text in ("U20", "world U20", "WU20"):
        u20 = await app.record("1500m", Venue.OUTDOOR, Sex.MEN, text)
        assert u20.scope.scope == RecordScope(ScopeKind.U20, "world")
        assert u20.scope.label == "world U20"
        assert u20.lines[0].entry.athlete.name == "Ronald Kwemoi"
        assert "world U20 record" in render_text(u20)
    european_u20 = await app.record("1500m", Venue.OUTDOOR, Sex.MEN, "European U20")
    assert str(european_u20.lines[0].entry.mark) == "3:30.82"
    # The world record is still the world record: El Guerrouj's, one entry for one row
    # in both the reference list and records.csv.
    world = await app.record("1500m", Venue.OUTDOOR, Sex.MEN)
    assert str(world.lines[0].entry.mark) == "3:26.00"


async def test_progression_from_the_histories_with_one_entry_per_performance(app):
    answer = await app.progression("100m", Venue.OUTDOOR, Sex.MEN)
    marks = [str(row.entry.mark) for row in answer.rows]
    assert marks[0] == "9.95" and answer.rows[0].entry.date.year == 1968
    assert marks[-1] == "9.58"
    assert marks.count("9.58") == 1  # in records.csv, progressions.csv and the reference
    dates = [row.entry.date for row in answer.rows]
    assert dates == sorted(dates)
    values = [row.entry.mark.value for row in answer.rows]
    assert values == sorted(values, reverse=True)


async def test_durations_add_up_and_each_entry_stands_until_the_next_better_mark(app):
    answer = await app.progression("100m", Venue.OUTDOOR, Sex.MEN)
    for row, following in zip(answer.rows, answer.rows[1:], strict=False):
        assert row.entry.date + row.stood == following.entry.date
    assert answer.rows[-1].stood is None
    assert "13 entries" in render_text(answer)


async def test_loading_again_adds_nothing(app, tmp_path):
    before = {t: await count(app, t) for t in ("athletes", "results", "record_entries")}
    report = await seed(app.db, app.catalogue, tmp_path / "data")
    assert report.rows_loaded == 0 and report.record_entries_added == 0
    assert {t: await count(app, t) for t in before} == before


async def test_holders_are_matched_by_name_and_nation_and_keep_their_birth_year(app):
    # Ingebrigtsen is in the reference data and in eight fixture rows: one athlete.
    rows = await app.db.reader.execute_fetchall(
        "SELECT count(*), max(birth_year) FROM athletes WHERE name = 'Jakob Ingebrigtsen'"
    )
    assert tuple(rows[0]) == (1, 2000)
    kwemoi = app.athlete("Kwemoi")
    assert kwemoi.birth_year == 1995 and kwemoi.is_u20_in(2014)
    assert not kwemoi.is_u20_in(2015)


async def test_athletes_only_in_the_national_lists_are_findable(app):
    answer = await app.athlete_profile("lavillenie")
    assert answer.athlete.nation == "FRA"
    assert {(b.event.key, b.venue, str(b.mark)) for b in answer.personal_bests} == {
        ("pv", Venue.OUTDOOR, "6.05"),
        ("pv", Venue.INDOOR, "6.16"),
    }


async def test_as_of_skips_later_rows(tmp_path):
    data = data_dir_with(tmp_path)
    app = await open_app(tmp_path, data, as_of=date(2000, 1, 1))
    try:
        answer = await app.progression("100m", Venue.OUTDOOR, Sex.MEN)
        assert str(answer.rows[-1].entry.mark) == "9.79"  # Greene, 1999
        with pytest.raises(Exception, match="No European"):
            await app.record("1500m", Venue.OUTDOOR, Sex.MEN, "europe")
    finally:
        await app.close()


@pytest.mark.parametrize("files", [{}, {"records.csv": ""}, {"records.csv": HEADER}])
async def test_absent_or_empty_lists_load_nothing(tmp_path, files):
    app = await open_app(tmp_path, data_dir_with(tmp_path, files))
    try:
        assert list(app.book.keys(scope=RecordScope(ScopeKind.AREA, "EUR"))) == []
        rows = await app.db.reader.execute_fetchall(
            "SELECT count(*) FROM seed_log WHERE file IN ('records.csv', 'progressions.csv')"
        )
        assert rows[0][0] == 0
    finally:
        await app.close()


async def test_a_file_without_a_needed_column_is_refused(tmp_path):
    header = HEADER.replace("athlete,", "holder,")
    row = "world,,100m,outdoor,M,9.58,,Usain Bolt,JAM,,,2009-08-16,Berlin,GER,ratified,x\n"
    data = data_dir_with(tmp_path, {"progressions.csv": header + row})
    with pytest.raises(SeedError, match=r"progressions\.csv line 2: no column athlete"):
        await open_app(tmp_path, data)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "world,,100 furlongs,outdoor,M,9.58,,A B,JAM,,,2009-08-16,Berlin,GER,ratified,x",
            "line 3",
        ),
        ("world,,100m,outdoor,M,fast,,A B,JAM,,,2009-08-16,Berlin,GER,ratified,x", "mark"),
        ("world,,100m,outdoor,M,9.58,,A B,JAM,,,2009-08-16,Berlin,GER,ratified,", "source"),
        ("galaxy,,100m,outdoor,M,9.58,,A B,JAM,,,2009-08-16,Berlin,GER,ratified,x", "line 3"),
        ("area,,100m,outdoor,M,9.58,,A B,JAM,,,2009-08-16,Berlin,GER,ratified,x", "code"),
        ("world,,100m,outdoor,M,9.58,,A B,JAM,,,16/08/2009,Berlin,GER,ratified,x", "date"),
    ],
)
async def test_a_broken_row_names_its_line_and_loads_nothing(tmp_path, row, message):
    good = (
        "nation,NOR,1500m,outdoor,M,3:26.73,,Jakob Ingebrigtsen,NOR,2000,,2024-07-12,"
        "Monaco,MON,ratified,x\n"
    )
    data = data_dir_with(tmp_path, {"records.csv": HEADER + good + row + "\n"})
    with pytest.raises(SeedError, match=message):
        await open_app(tmp_path, data)
    # Nothing half-written: the reference data and the good row went with the bad one.
    settings = Settings(database_path=tmp_path / "lists.db", data_dir=data)
    app = await Trackside.open(settings, seed_data=False, today=lambda: TODAY)
    try:
        assert await count(app, "record_entries") == 0
        assert await count(app, "seed_log") == 0
    finally:
        await app.close()


# -- one truth per athlete ------------------------------------------------------------------


async def test_personal_bests_come_from_results_splits_and_records(app):
    answer = await app.athlete_profile("ingebrigtsen")
    bests = {(b.event.key, b.venue): b for b in answer.personal_bests}
    outdoor = bests[("1500m", Venue.OUTDOOR)]
    assert str(outdoor.mark) == "3:26.73"  # not his Paris 3:28.24
    assert outdoor.origin is BestOrigin.RECORD and outdoor.came_from == "European record"
    indoor = bests[("1500m", Venue.INDOOR)]
    assert str(indoor.mark) == "3:29.63"  # the split, not the 3:30.60 race
    assert indoor.origin is BestOrigin.SPLIT
    assert indoor.came_from == "split in Mile · world indoor record"
    text = render_text(answer)
    assert "3:26.73" in text and "split in Mile" in text
    assert "3:28.24" in text  # still among his results


async def test_rivalry_bests_use_the_same_source(app):
    answer = await app.rivalry("ingebrigtsen", "nuguse")
    bests = {(b.event.key, b.venue): (str(b.first.mark), str(b.second.mark)) for b in answer.bests}
    assert bests[("1500m", Venue.OUTDOOR)] == ("3:26.73", "3:27.80")
    assert bests[("1500m", Venue.INDOOR)][0] == "3:29.63"


async def test_top_lists_count_splits_marked_as_splits(app):
    answer = await app.top_list("1500m", Venue.INDOOR, Sex.MEN)
    first = answer.rows[0]
    assert str(first.result.mark) == "3:29.63" and first.split_of.key == "mile"
    assert "3:29.63" in render_text(answer).splitlines()[2]
    assert "(split in Mile)" in render_text(answer).splitlines()[2]
    assert [r.rank for r in answer.rows] == sorted(r.rank for r in answer.rows)
    from bot.domain.answers import TopListBy

    performers = await app.top_list("1500m", Venue.INDOOR, Sex.MEN, by=TopListBy.PERFORMERS)
    names = [r.result.athlete.name for r in performers.rows]
    assert names[0] == "Jakob Ingebrigtsen" and len(names) == len(set(names))


# -- checks on add ----------------------------------------------------------------------------


def monaco(**changes) -> ResultDraft:
    fields = dict(
        athlete="Jakob Ingebrigtsen", event="1500m", mark="3:26.50", venue="outdoor",
        date="2026-07-10", competition="Herculis", city="Monaco", country="MON", place=1,
    )  # fmt: skip
    return ResultDraft(**{**fields, **changes})


async def test_a_norwegian_breaking_a_european_record_is_announced_as_such(app):
    added = await Writes(app).add_result(monaco(), MOD)
    names = [r.record_name for r in added.announcement.records]
    assert added.announcement.headline == "NEW EUROPEAN RECORD"
    assert names == ["European record", "Norwegian record"]  # not a world record (3:26.00)
    assert added.announcement.records[0].previous_holders == ["Jakob Ingebrigtsen (NOR)"]
    europe = await app.record("1500m", Venue.OUTDOOR, Sex.MEN, "EUR")
    assert str(europe.lines[0].entry.mark) == "3:26.50"


async def test_a_junior_is_checked_against_u20_records_by_birth_year(app):
    writes = Writes(app)
    first = await writes.add_result(
        monaco(athlete="Kip Junior", nation="KEN", sex="M", mark="3:40.00"), MOD
    )
    assert first.announcement is None
    athlete_id = app.athlete("Kip Junior").id
    async with app.db.transaction() as conn:
        await conn.execute("UPDATE athletes SET birth_year = 2007 WHERE id = ?", (athlete_id,))
    await app.reload()
    # Born 2007: under 20 on 31 December 2026.
    added = await writes.add_result(
        monaco(athlete="Kip Junior", nation="KEN", sex="M", mark="3:28.50", date="2026-07-11"), MOD
    )
    assert added.announcement.headline == "NEW WORLD U20 RECORD"
    # Alerts tell U20 records from senior ones: "U20" is its own filter, not "world".
    assert added.announcement.scope_codes == ["world U20"]
    u20_alerts = await writes.set_alerts(MOD, 555, scopes="U20")
    world_alerts = await writes.set_alerts(Actor(user_id=1, guild_id=3001), 556, scopes="world")
    assert u20_alerts.scopes == ("world U20",)
    assert u20_alerts.matches(added.announcement, Sex.MEN)
    assert not world_alerts.matches(added.announcement, Sex.MEN)
    u20 = await app.record("1500m", Venue.OUTDOOR, Sex.MEN, "U20")
    assert str(u20.lines[0].entry.mark) == "3:28.50"
    # Born 2006: 20 by the end of 2026, so no U20 record.
    async with app.db.transaction() as conn:
        await conn.execute("UPDATE athletes SET birth_year = 2006 WHERE id = ?", (athlete_id,))
    await app.reload()
    older = await writes.add_result(
        monaco(athlete="Kip Junior", nation="KEN", sex="M", mark="3:28.00", date="2026-07-12"), MOD
    )
    assert older.announcement is None or all(
        r.scope_kind != "u20" for r in older.announcement.records
    )


async def test_a_double_world_record_says_who_last_did_it(tmp_path):
    app = await open_app(tmp_path, data_dir_with(tmp_path), as_of=date(2025, 2, 7))
    try:
        lievin = ResultDraft(
            athlete="Jakob Ingebrigtsen", event="mile", mark="3:45.14", venue="indoor",
            date="2025-02-13", competition="Meeting Hauts-de-France Pas-de-Calais",
            city="Liévin", country="FRA", place=1, splits="1500m=3:29.63",
        )  # fmt: skip
        added = await Writes(app).add_result(lievin, MOD)
        assert added.announcement.first_since == (
            "First to set two world records in one race since John Landy (Turku, 1954)"
        )
    finally:
        await app.close()


# -- data age -----------------------------------------------------------------------------------


async def test_records_say_what_the_lists_are_current_to(app):
    answer = await app.records(Venue.OUTDOOR, Sex.MEN, "NOR")
    text = render_text(answer)
    assert (
        "World Athletics lists as of 2026-05-03; later records from news reports up to "
        "2026-08-22" in text
    )


def test_data_age_groups_the_shipped_lists_by_organisation():
    from bot.domain.answers import ListSource, data_age
    from bot.services.reference import _list_sources

    # The shipped sources.csv, as tools/refresh_records.py writes it: short and true.
    shipped = _list_sources(Path(__file__).resolve().parents[2] / "data/records/sources.csv")
    text = data_age(shipped)
    assert text.startswith("World Athletics lists as of ") and "(national)" in text
    assert "(area)" in text and "(world U20)" in text
    assert "; European Athletics lists as of " in text and text.count("(EUR U20)") == 1
    assert re.search(r"; later records from news reports up to \d{4}-\d\d-\d\d$", text)
    assert "records/" not in text and "snapshot" not in text
    sources = (
        ListSource("nation * (records/national.csv)", date(2026, 5, 3), "World Athletics x"),
        ListSource("area * (records/area.csv)", date(2024, 7, 20), "World Athletics y"),
        ListSource(
            "u20 EUR (records/european-u20/men.csv)", date(2024, 1, 21), "European Athletics"
        ),
        ListSource(
            "u20 EUR (records/european-u20/women.csv)", date(2024, 1, 30), "European Athletics"
        ),
        ListSource("news reports (data/reference/world_records.csv)", date(2026, 4, 26), "z"),
    )
    assert data_age(sources) == (
        "World Athletics lists as of 2026-05-03 (national), 2024-07-20 (area); "
        "European Athletics lists as of 2024-01-30 (EUR U20); "
        "later records from news reports up to 2026-04-26"
    )


def test_record_keys_cover_u20_only_for_juniors():
    from bot.domain.events import Sex as S

    key = RecordKey(RecordScope.u20("EUR"), "1500m", Venue.OUTDOOR, S.MEN)
    assert key.scope.code == "EUR"
