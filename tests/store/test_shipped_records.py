"""Issue 9's "done when" checks on the shipped record lists (data/records/).

They run whenever data/records/records.csv is shipped; until the lists land they are
skipped, and from then on any failure fails CI (no skip hides a missing row).
"""

from __future__ import annotations

import csv
import itertools

import pytest

from bot.config import DEFAULT_DATA_DIR
from bot.domain.events import Sex, Venue
from bot.domain.models import RecordKey, RecordScope
from bot.domain.records import standing_record
from bot.render.text import render_text
from bot.store.seed import seed

RECORDS = DEFAULT_DATA_DIR / "records" / "records.csv"
PROGRESSIONS = DEFAULT_DATA_DIR / "records" / "progressions.csv"

pytestmark = pytest.mark.skipif(
    not RECORDS.is_file(), reason="data/records/records.csv is not shipped yet"
)


async def test_european_1500m_record_is_ingebrigtsens(app):
    answer = await app.record("1500m", Venue.OUTDOOR, Sex.MEN, "europe")
    holder = answer.lines[0].entry
    assert (str(holder.mark), holder.athlete.name) == ("3:26.73", "Jakob Ingebrigtsen")
    assert "3:26.73" in render_text(answer)


async def test_100m_progression_runs_from_hines_to_bolt_in_order(app):
    answer = await app.progression("100m", Venue.OUTDOOR, Sex.MEN)
    marks = [str(row.entry.mark) for row in answer.rows]
    assert "9.95" in marks
    hines = answer.rows[marks.index("9.95")].entry
    assert hines.date.year == 1968
    assert marks[-1] == "9.58"
    dates = [row.entry.date for row in answer.rows]
    assert dates == sorted(dates)
    values = [row.entry.mark.value for row in answer.rows]
    assert values == sorted(values, reverse=True)


async def test_1500m_indoor_top_list_starts_with_the_split_world_record(app):
    answer = await app.top_list("1500m", Venue.INDOOR, Sex.MEN)
    assert str(answer.rows[0].result.mark) == "3:29.63"


async def test_ingebrigtsens_1500m_best_is_3_26_73(app):
    answer = await app.athlete_profile("ingebrigtsen")
    bests = {(b.event.key, b.venue): str(b.mark) for b in answer.personal_bests}
    assert bests[("1500m", Venue.OUTDOOR)] == "3:26.73"
    assert "3:26.73" in render_text(answer)


async def test_loading_the_shipped_lists_again_adds_nothing(app):
    report = await seed(app.db, app.catalogue, DEFAULT_DATA_DIR)
    assert (report.rows_loaded, report.record_entries_added, report.results_added) == (0, 0, 0)


async def test_every_world_progression_improves_in_date_order_to_the_current_record(app):
    """Item 4's invariants, on every world history shipped: each entry at least as good as
    the one before, dates ascending, the last one the current record, durations adding up."""
    if not PROGRESSIONS.is_file():
        pytest.fail("data/records/progressions.csv is missing while records.csv is shipped")
    with PROGRESSIONS.open(encoding="utf-8-sig") as handle:
        keys = {
            (row["event"], row["venue"], row["sex"])
            for row in csv.DictReader(handle)
            if row["scope_kind"] == "world"
        }
    assert keys, "progressions.csv has no world rows"
    for event_text, venue, sex in sorted(keys):
        event = app.catalogue.resolve(event_text)
        key = RecordKey(RecordScope.world(), event.key, Venue(venue), Sex.parse(sex))
        entries = app.book.progression(key)
        assert entries, key
        dates = [e.date for e in entries]
        assert dates == sorted(dates), key
        for before, after in itertools.pairwise(entries):
            better_or_equal = (
                after.mark.value <= before.mark.value
                if event.lower_is_better
                else after.mark.value >= before.mark.value
            )
            assert better_or_equal, (key, str(before.mark), str(after.mark))
        current = standing_record(event, entries, max(dates))
        assert entries[-1] in current, key
        answer = await app.progression(event.key, Venue(venue), Sex.parse(sex))
        improvements = [r for r in answer.rows if r.margin != 0]
        for row, following in itertools.pairwise(improvements):
            assert row.entry.date + row.stood == following.entry.date, key
