"""Loading the shipped reference data into a real SQLite store."""

from __future__ import annotations

import csv
import shutil
from datetime import date

import pytest

from bot.config import DEFAULT_DATA_DIR, Settings
from bot.domain.events import Sex, Venue
from bot.domain.models import RecordKey, RecordScope, RecordStatus
from bot.services.app import Trackside
from bot.store.seed import SeedError, seed
from bot.store.seed.seeder import Seeder
from tests.conftest import TODAY

MILE_INDOOR_MEN = RecordKey(RecordScope.world(), "mile", Venue.INDOOR, Sex.MEN)


async def test_first_open_loads_the_reference_data(app):
    counts = await app.db.counts()
    with open(DEFAULT_DATA_DIR / "reference" / "world_records.csv", encoding="utf-8") as f:
        record_rows = sum(1 for _ in csv.DictReader(f))
    assert counts["record_entries"] >= record_rows
    assert counts["results"] > 0
    assert counts["splits"] == 3  # Ingebrigtsen's, Nuguse's and Myers's 1500 m splits


async def test_loading_twice_adds_nothing(app):
    before = await app.db.counts()
    report = await seed(app.db, app.catalogue, DEFAULT_DATA_DIR)
    assert report.rows_loaded == 0
    assert await app.db.counts() == before


async def test_loading_nothing_reads_no_record_entry(app, monkeypatch):
    """A start with nothing new to load skips the equal-flag pass over every entry (the
    writes keep their own progressions' flags): it made a second start slower than the
    first in `python -m bench records`."""
    passes = []

    async def counted(self):
        passes.append(self)

    monkeypatch.setattr(Seeder, "mark_equals", counted)
    report = await seed(app.db, app.catalogue, DEFAULT_DATA_DIR)
    assert report.rows_loaded == 0
    assert passes == []


async def test_progression_is_stored_oldest_first(app):
    entries = app.book.progression(MILE_INDOOR_MEN)
    assert [str(e.mark) for e in entries] == [
        "3:55.0h", "3:54.93", "3:52.6h", "3:50.6h", "3:49.78",
        "3:48.45", "3:47.01", "3:46.63", "3:45.14",
    ]  # fmt: skip
    assert entries[0].athlete.name == "Tony Waldrop"
    assert entries[0].status is RecordStatus.UNOFFICIAL
    assert entries[-2].status is RecordStatus.PENDING  # Nuguse, beaten before ratification
    assert entries[-1].athlete.name == "Jakob Ingebrigtsen"
    assert entries[-1].date == date(2025, 2, 13)


async def test_the_1500m_record_points_at_the_split_inside_the_mile(app):
    key = RecordKey(RecordScope.world(), "1500m", Venue.INDOOR, Sex.MEN)
    (current,) = app.book.current(key)
    assert str(current.mark) == "3:29.63"
    assert current.split_id is not None
    result = await app.results.get(current.result_id)
    assert result.event.key == "mile" and str(result.mark) == "3:45.14"
    assert [(s.event.key, str(s.mark)) for s in result.splits] == [("1500m", "3:29.63")]


async def test_sources_are_kept(app):
    (current,) = app.book.current(MILE_INDOOR_MEN)
    assert "World Athletics newsletter" in current.source


async def test_equalled_records_are_flagged(app):
    key = RecordKey(RecordScope.world(), "60m", Venue.INDOOR, Sex.WOMEN)
    entries = app.book.progression(key)
    assert [(str(e.mark), e.equal) for e in entries] == [("6.92", False), ("6.92", True)]


async def test_unverified_rows_are_never_loaded(app):
    # unverified.csv holds Kerr 3:42.66 and Tharp 12.75; neither may become a record.
    mile = app.book.current(RecordKey(RecordScope.world(), "mile", Venue.OUTDOOR, Sex.MEN))
    assert str(mile[0].mark) == "3:43.13"
    hurdles = app.book.current(RecordKey(RecordScope.world(), "110mh", Venue.OUTDOOR, Sex.MEN))
    assert str(hurdles[0].mark) == "12.80"


async def test_as_of_replays_the_store_as_it_stood(tmp_path):
    settings = Settings(database_path=tmp_path / "old.db")
    app = await Trackside.open(settings, as_of=date(2025, 2, 12), today=lambda: TODAY)
    try:
        (current,) = app.book.current(MILE_INDOOR_MEN)
        assert (current.athlete.name, str(current.mark)) == ("Yared Nuguse", "3:46.63")
        # The day is remembered: a plain start keeps the store where it stood.
        assert (await seed(app.db, app.catalogue, DEFAULT_DATA_DIR)).rows_loaded == 0
        # Unpinning loads the rest, adding only what was missing.
        report = await seed(app.db, app.catalogue, DEFAULT_DATA_DIR, pin=True)
        assert report.rows_loaded > 0
        await app.reload()
        (current,) = app.book.current(MILE_INDOOR_MEN)
        assert str(current.mark) == "3:45.14"
    finally:
        await app.close()


@pytest.mark.parametrize(
    ("column", "bad", "message"),
    [
        ("mark", "3:75.00", "line 3: mark '3:75.00'"),
        ("event", "marathonn", "did you mean marathon"),
        ("date", "2009-13-45", "bad date"),
        ("status", "maybe", "unknown status"),
    ],
)
async def test_a_broken_reference_row_loads_nothing(tmp_path, column, bad, message):
    data_dir = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, data_dir)
    path = data_dir / "reference" / "world_records.csv"
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    rows[1][column] = bad  # the second data row: line 3 of the file
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    settings = Settings(database_path=tmp_path / "t.db", data_dir=data_dir)
    with pytest.raises(SeedError, match=message):
        await Trackside.open(settings)
    app = await Trackside.open(settings, seed_data=False)
    try:
        counts = await app.db.counts()
        assert counts["results"] == counts["record_entries"] == counts["seed_log"] == 0
    finally:
        await app.close()
