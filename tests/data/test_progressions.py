"""Invariants of the shipped world-record progressions (data/records/progressions.csv).

Every check is a function returning the problems it finds, run once over the shipped
file (no problem may be found: a failing invariant fails CI) and once over rows broken
on purpose (each check must notice), so a check that silently passes everything fails.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from datetime import date
from itertools import pairwise
from pathlib import Path

import pytest

from bot.domain.catalogue import EventCatalogue, UnknownEventError
from bot.domain.events import Event, RecordType, Sex, Venue
from bot.domain.marks import MarkError, WindError, compare, parse_mark, parse_wind, wind_legal
from tools.refresh_records import RECORD_COLUMNS

DATA = Path(__file__).parents[2] / "data"
PROGRESSIONS = DATA / "records" / "progressions.csv"
WORLD_RECORDS = DATA / "reference" / "world_records.csv"
COLUMNS = RECORD_COLUMNS  # the record lists' schema, as tools/refresh_records.py writes it
STATUSES = {"ratified", "ratification_unconfirmed", "pending"}
RECORD_STATUSES = STATUSES  # world_records.csv rows that are records (not world bests)
WIND = re.compile(r"^([+-](?:[1-9]\d*|0)\.\d|0\.0)?$")  # signed, one decimal, or empty
NATION = re.compile(r"^[A-Z]{3}$")
# The data is current to November 2026 (the project's calendar); nothing may lie after it.
DATA_CURRENT_TO = date(2026, 11, 30)

Row = dict[str, str]
Key = tuple[str, str, str]  # (event key, venue, sex)


# --------------------------------------------------------------------------- loading


def read_rows(path: Path) -> list[Row]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def catalogue() -> EventCatalogue:
    return EventCatalogue.from_csv_text((DATA / "events.csv").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def rows() -> list[Row]:
    return read_rows(PROGRESSIONS)


@pytest.fixture(scope="module")
def world_records() -> list[Row]:
    return read_rows(WORLD_RECORDS)


def where(row: Row) -> str:
    fields = ("event", "venue", "sex", "mark", "date")
    return " ".join(str(row.get(field)) for field in fields)


def event_of(catalogue: EventCatalogue, row: Row) -> Event | None:
    try:
        return catalogue.resolve(row["event"])
    except UnknownEventError:
        return None


def groups(catalogue: EventCatalogue, rows: Iterable[Row]) -> dict[Key, list[Row]]:
    """Rows per progression, in file order (events that do not resolve are skipped)."""
    found: dict[Key, list[Row]] = {}
    for row in rows:
        event = event_of(catalogue, row)
        if event is not None:
            found.setdefault((event.key, row["venue"], row["sex"]), []).append(row)
    return found


# --------------------------------------------------------------------------- checks


def row_problems(catalogue: EventCatalogue, rows: Iterable[Row]) -> list[str]:
    """Each row on its own: scope, event and list, sex, mark within limits, wind, date,
    status and a source."""
    problems: list[str] = []
    seen: set[tuple[str, ...]] = set()
    for row in rows:
        at = where(row)
        if row.get("scope_kind") != "world" or row.get("scope_code") != "":
            problems.append(f"{at}: scope must be world with an empty code")
        event = event_of(catalogue, row)
        if event is None:
            problems.append(f"{at}: event does not resolve")
            continue
        try:
            venue = Venue(row["venue"])
        except ValueError:
            problems.append(f"{at}: venue must be outdoor or indoor")
            continue
        if event.lists.get(venue) is not RecordType.RECORD:
            problems.append(f"{at}: no {venue} world-record list for {event.name}")
        try:
            if Sex(row["sex"]) not in event.sexes or row["sex"] == Sex.MIXED:
                problems.append(f"{at}: sex not held in this event")
        except ValueError:
            problems.append(f"{at}: sex must be M or W")
        try:
            mark = parse_mark(row["mark"], event)
            if mark.hand_timed:
                problems.append(f"{at}: write the mark as published, without 'h'")
        except MarkError as exc:
            problems.append(f"{at}: {exc}")
        if not WIND.match(row["wind"]):
            problems.append(f"{at}: wind must be signed with one decimal, or empty")
        else:
            try:
                if not wind_legal(parse_wind(row["wind"] or None)):
                    problems.append(f"{at}: wind over +2.0 m/s cannot make a record")
            except WindError as exc:
                problems.append(f"{at}: {exc}")
        if row["wind"] and not event.wind_affected:
            problems.append(f"{at}: wind given for an event without wind")
        try:
            day = date.fromisoformat(row["date"])
            if day > DATA_CURRENT_TO:
                problems.append(f"{at}: date after the data's age")
        except ValueError:
            problems.append(f"{at}: date must be YYYY-MM-DD")
        if row["birth_date"] or row["birth_year"]:
            try:
                born = date.fromisoformat(row["birth_date"]) if row["birth_date"] else None
                year = int(row["birth_year"])
                if born is not None and born.year != year:
                    problems.append(f"{at}: birth year and birth date disagree")
                if int(row["date"][:4]) - year < 14:
                    problems.append(f"{at}: athlete too young on the record's date")
            except ValueError:
                problems.append(f"{at}: birth date must be YYYY-MM-DD and birth year a year")
        if row["status"] not in STATUSES:
            problems.append(f"{at}: unknown status {row['status']!r}")
        if not row["source"].strip():
            problems.append(f"{at}: no source")
        if not row["athlete"].strip() or not NATION.match(row["nation"]):
            problems.append(f"{at}: athlete and a three-letter nation are required")
        if not row["city"].strip() or not NATION.match(row["country"]):
            problems.append(f"{at}: city and a three-letter country code are required")
        identity = (event.key, row["venue"], row["sex"], row["mark"], row["athlete"], row["date"])
        if identity in seen:
            problems.append(f"{at}: duplicate row")
        seen.add(identity)
    return problems


def order_problems(catalogue: EventCatalogue, rows: Iterable[Row]) -> list[str]:
    """Within each progression dates ascend and each entry equals or betters the last."""
    problems: list[str] = []
    for (key, _, _), entries in groups(catalogue, rows).items():
        event = catalogue.get(key)
        for before, after in pairwise(entries):
            try:
                if date.fromisoformat(after["date"]) < date.fromisoformat(before["date"]):
                    problems.append(f"{where(after)}: dated before {where(before)}")
                if (
                    compare(
                        event, parse_mark(after["mark"], event), parse_mark(before["mark"], event)
                    )
                    < 0
                ):
                    problems.append(f"{where(after)}: worse than the record before it")
            except (ValueError, MarkError):
                continue  # row_problems reports unreadable rows
    return problems


def current_records(
    catalogue: EventCatalogue, world_records: Iterable[Row]
) -> dict[Key, list[Row]]:
    """The current record per list: the best mark; of equal marks, every holder."""
    best: dict[Key, list[Row]] = {}
    for row in world_records:
        if row["status"] not in RECORD_STATUSES:
            continue
        event = catalogue.resolve(row["event"])
        key = (event.key, row["venue"], row["sex"])
        held = best.get(key)
        if held is None:
            best[key] = [row]
            continue
        order = compare(event, parse_mark(row["mark"], event), parse_mark(held[0]["mark"], event))
        if order > 0:
            best[key] = [row]
        elif order == 0:
            held.append(row)
    return best


def last_entry_problems(
    catalogue: EventCatalogue, rows: Iterable[Row], world_records: Iterable[Row]
) -> list[str]:
    """The last entry of each progression is the current record: same mark, same athlete
    as one of the current holders in world_records.csv, and the same status."""
    problems: list[str] = []
    current = current_records(catalogue, world_records)
    for key, entries in groups(catalogue, rows).items():
        last = entries[-1]
        holders = current.get(key)
        if holders is None:
            problems.append(f"{where(last)}: no current world record on file for {key}")
            continue
        match = [
            h for h in holders if h["mark"] == last["mark"] and h["athlete"] == last["athlete"]
        ]
        if not match:
            shown = ", ".join(f"{h['mark']} {h['athlete']}" for h in holders)
            problems.append(f"{where(last)} {last['athlete']}: current record is {shown}")
        elif all(h["status"] != last["status"] for h in match):
            problems.append(f"{where(last)}: status {last['status']} differs from the world list")
    return problems


# --------------------------------------------------------------------------- shipped data


def test_the_file_has_exactly_the_agreed_columns() -> None:
    with PROGRESSIONS.open(encoding="utf-8", newline="") as handle:
        assert next(csv.reader(handle)) == COLUMNS


def test_every_row_is_well_formed_and_sourced(catalogue, rows) -> None:
    assert rows
    assert row_problems(catalogue, rows) == []


def test_each_entry_betters_or_equals_the_one_before_and_dates_ascend(catalogue, rows) -> None:
    assert order_problems(catalogue, rows) == []


def test_the_last_entry_is_the_current_world_record(catalogue, rows, world_records) -> None:
    assert last_entry_problems(catalogue, rows, world_records) == []


def test_the_men_s_100m_runs_from_hines_to_bolt(catalogue, rows) -> None:
    entries = groups(catalogue, rows)[("100m", "outdoor", "M")]
    first, last = entries[0], entries[-1]
    assert (first["mark"], first["athlete"], first["date"]) == ("9.95", "Jim Hines", "1968-10-14")
    assert (last["mark"], last["athlete"], last["date"]) == ("9.58", "Usain Bolt", "2009-08-16")
    assert len(entries) > 10


def test_landy_s_1954_mile_is_on_file(catalogue, rows) -> None:
    mile = groups(catalogue, rows)[("mile", "outdoor", "M")]
    landy = [r for r in mile if r["athlete"] == "John Landy"]
    assert [(r["mark"], r["date"], r["city"]) for r in landy] == [("3:58.0", "1954-06-21", "Turku")]


# --------------------------------------------------------------------------- the checks bite


def good_row(**changes: str) -> Row:
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        scope_kind="world",
        event="100m",
        venue="outdoor",
        sex="M",
        mark="9.58",
        wind="+0.9",
        athlete="Usain Bolt",
        nation="JAM",
        date="2009-08-16",
        city="Berlin",
        country="GER",
        status="ratified",
        source="test",
    )
    row.update(changes)
    return row


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"source": " "}, "no source"),
        ({"event": "xyzzy"}, "does not resolve"),
        ({"event": "100m", "venue": "indoor"}, "no indoor world-record list"),
        ({"venue": "roof"}, "venue must be"),
        ({"mark": "7.20"}, "not possible"),
        ({"mark": "nine"}, "not a valid time"),
        ({"wind": "0.9"}, "signed with one decimal"),
        ({"wind": "+2.1"}, "over +2.0"),
        ({"event": "High jump", "mark": "2.45", "wind": "+0.3"}, "without wind"),
        ({"date": "16/08/2009"}, "YYYY-MM-DD"),
        ({"date": "2027-01-01"}, "after the data's age"),
        ({"status": "world_best"}, "unknown status"),
        ({"sex": "X"}, "sex not held"),
        ({"nation": "Jamaica"}, "three-letter nation"),
        ({"scope_kind": "national"}, "scope must be world"),
        ({"birth_year": "1987", "birth_date": "1986-08-21"}, "disagree"),
        ({"birth_year": "2000"}, "too young"),
        ({"birth_date": "21/08/1986", "birth_year": "1986"}, "birth date must be"),
    ],
)
def test_row_check_reports_each_kind_of_bad_row(catalogue, changes, problem) -> None:
    assert row_problems(catalogue, [good_row()]) == []
    found = row_problems(catalogue, [good_row(**changes)])
    assert any(problem in text for text in found), found


def test_row_check_reports_a_duplicate(catalogue) -> None:
    found = row_problems(catalogue, [good_row(), good_row()])
    assert any("duplicate" in text for text in found), found


def test_order_check_reports_a_worse_mark_and_a_date_going_back(catalogue) -> None:
    worse = [good_row(mark="9.69", date="2008-08-16"), good_row(mark="9.72", date="2008-05-31")]
    found = order_problems(catalogue, worse)
    assert any("worse than" in text for text in found), found
    assert any("dated before" in text for text in found), found
    equal = [good_row(mark="9.77", date="2005-06-14"), good_row(mark="9.77", date="2006-06-11")]
    assert order_problems(catalogue, equal) == []


def test_order_check_uses_the_event_s_direction(catalogue) -> None:
    # Field events: higher is better, so a longer jump after a shorter one is fine.
    jumps = [
        good_row(event="Long jump", mark="8.90", wind="+2.0", date="1968-10-18"),
        good_row(event="Long jump", mark="8.95", wind="+0.3", date="1991-08-30"),
    ]
    assert order_problems(catalogue, jumps) == []
    assert order_problems(catalogue, jumps[::-1]) != []


def test_last_entry_check_reports_a_stale_or_unknown_record(catalogue, world_records) -> None:
    stale = [good_row(mark="9.69", athlete="Usain Bolt", date="2008-08-16")]
    found = last_entry_problems(catalogue, stale, world_records)
    assert any("current record is 9.58 Usain Bolt" in text for text in found), found
    wrong_holder = [good_row(athlete="Someone Else")]
    assert last_entry_problems(catalogue, wrong_holder, world_records) != []
    wrong_status = [good_row(status="ratification_unconfirmed")]
    assert last_entry_problems(catalogue, wrong_status, world_records) != []
    no_record = [good_row(event="300m", mark="30.69", wind="")]
    found = last_entry_problems(catalogue, no_record, world_records)
    assert any("no current world record" in text for text in found), found
