"""The shipped record book (data/records) obeys the rules a statistician checks.

These run over the files as shipped, so a bad refresh (tools/refresh_records.py) or a hand
edit that breaks an invariant fails CI. Every exception to a rule must be listed, with why,
in data/records/conflicts.csv.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from bot.domain.catalogue import EventCatalogue
from bot.domain.events import Event, MarkKind, Unit, Venue
from bot.domain.marks import compare, format_mark, format_wind, parse_mark, parse_wind
from bot.domain.nations import AREA_NAMES, NationTable
from bot.domain.text import fold
from tools.refresh_records import CONFLICT_COLUMNS, RECORD_COLUMNS

DATA = Path(__file__).resolve().parents[2] / "data"
RECORDS = DATA / "records"
STATUSES = {"ratified", "ratification_unconfirmed", "pending"}


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


@pytest.fixture(scope="module")
def catalogue() -> EventCatalogue:
    return EventCatalogue.from_csv_text((DATA / "events.csv").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def nations() -> NationTable:
    return NationTable.from_csv_text((DATA / "nations.csv").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def records() -> list[dict[str, str]]:
    header, rows = _read(RECORDS / "records.csv")
    assert header == RECORD_COLUMNS
    return rows


@pytest.fixture(scope="module")
def conflicts() -> list[dict[str, str]]:
    header, rows = _read(RECORDS / "conflicts.csv")
    assert header == CONFLICT_COLUMNS
    return rows


@pytest.fixture(scope="module")
def national_as_of() -> str:
    header, rows = _read(RECORDS / "sources.csv")
    assert header == ["name", "as_of", "source", "notes"]
    return next(r["as_of"] for r in rows if "national.csv" in r["name"])


def _mark(row: dict[str, str], catalogue: EventCatalogue):
    return parse_mark(row["mark"], catalogue.get(row["event"]))


def _better(a: dict[str, str], b: dict[str, str], catalogue: EventCatalogue) -> int:
    event = catalogue.get(a["event"])
    return compare(event, _mark(a, catalogue), _mark(b, catalogue))


def _groups(rows: list[dict[str, str]], kind: str) -> dict[tuple[str, ...], list[dict]]:
    groups: dict[tuple[str, ...], list[dict]] = defaultdict(list)
    for row in rows:
        if row["scope_kind"] == kind:
            key = (row["scope_code"], row["event"], row["venue"], row["sex"])
            groups[key].append(row)
    return groups


def _kept(conflicts: list[dict[str, str]], check: str) -> set[tuple[str, ...]]:
    """Groups a conflict row keeps on purpose (the why is in conflicts.csv)."""
    return {
        (c["scope_kind"], c["scope_code"], c["event"], c["venue"], c["sex"], c["mark"])
        for c in conflicts
        if c["check"] == check and c["resolution"].startswith("kept")
    }


def _official(text: str, event: Event, day: str) -> bool:
    """'9.58', '6.60', '3:26.73'; one decimal only for a hand time ('5:50.5', '10.0' in 1968)."""
    mark = parse_mark(text, event)
    if event.kind is MarkKind.TIME and event.unit is Unit.CENTISECONDS:
        fraction = text.rpartition(":")[2].partition(".")[2]
        if len(fraction) == 1:
            return ":" in text or day < "1977"
    return format_mark(mark) == text


# --------------------------------------------------------------------------- every row


def test_the_book_is_not_empty(records):
    kinds = {row["scope_kind"] for row in records}
    assert kinds == {"world", "area", "nation", "u20"}
    assert len(records) > 10_000


def test_every_row_is_well_formed(records, catalogue, nations):
    for row in records:
        where = f"{row['scope_kind']} {row['scope_code']} {row['event']} {row['mark']}"
        assert row["source"].strip(), where
        assert row["status"] in STATUSES, where
        kind, code = row["scope_kind"], row["scope_code"]
        if kind == "world":
            assert code == "", where
        elif kind == "area":
            assert code in AREA_NAMES, where
        elif kind == "nation":
            assert nations.get(code) is not None, where
        else:
            assert kind == "u20" and (code == "world" or code in AREA_NAMES), where
        event = catalogue.get(row["event"])  # KeyError: not in the catalogue
        assert catalogue.resolve(row["event"]) is event
        venue = Venue(row["venue"])
        assert event.list_for(venue) is venue, where
        assert row["sex"] in {s.value for s in event.sexes}, where
        assert _official(row["mark"], event, row["date"]), where  # parses and passes the limit
        assert format_wind(parse_wind(row["wind"])) == row["wind"], where
        if event.wind_affected and venue is Venue.OUTDOOR and row["wind"]:
            assert parse_wind(row["wind"]) <= 20, where
        day = date.fromisoformat(row["date"])
        if row["birth_year"]:
            assert 1880 <= int(row["birth_year"]) <= day.year - 10, where
        if row["nation"]:
            assert re.fullmatch(r"[A-Z]{3}", row["nation"]), where
        assert not re.fullmatch(r"[A-Z]{2}", row["city"]), where  # a state code is no city


def test_sources_name_the_snapshot_they_come_from(records):
    for row in records:
        source = row["source"]
        assert re.search(r"@[0-9a-f]{7} \(\d{4}-\d{2}-\d{2}\)", source) or (
            "data/reference/" in source
        ), source


def test_one_row_per_holder_and_only_ties(records, catalogue):
    groups: dict[tuple[str, ...], list[dict]] = defaultdict(list)
    for row in records:
        key = (row["scope_kind"], row["scope_code"], row["event"], row["venue"], row["sex"])
        groups[key].append(row)
    for key, rows in groups.items():
        holders = [fold(r["athlete"]) for r in rows]
        assert len(holders) == len(set(holders)), key
        assert all(_better(r, rows[0], catalogue) == 0 for r in rows), key


# --------------------------------------------------------------------------- the checks


def test_an_area_record_is_the_best_national_record_of_its_nations(
    records, conflicts, catalogue, nations
):
    national_by_area: dict[tuple[str, ...], list[dict]] = defaultdict(list)
    for (code, *rest), rows in _groups(records, "nation").items():
        area = nations.area_of(code)
        if area:
            national_by_area[(area, *rest)].extend(rows)
    kept = _kept(conflicts, "area_not_in_national")
    for key, rows in _groups(records, "area").items():
        nationals = national_by_area.get(key, [])
        for national in nationals:
            assert _better(national, rows[0], catalogue) <= 0, (key, national)
        matched = any(_better(n, rows[0], catalogue) == 0 for n in nationals)
        listed = all(("area", *key, row["mark"]) in kept for row in rows)
        assert matched or listed, key


def test_a_world_record_is_the_best_area_record(records, conflicts, catalogue):
    area_best: dict[tuple[str, ...], list[dict]] = defaultdict(list)
    for (_, *rest), rows in _groups(records, "area").items():
        area_best[tuple(rest)].extend(rows)
    kept = _kept(conflicts, "world_vs_area")
    for (_, *rest), rows in _groups(records, "world").items():
        for area_row in area_best.get(tuple(rest), []):
            key = ("area", area_row["scope_code"], *rest, area_row["mark"])
            assert _better(area_row, rows[0], catalogue) <= 0 or key in kept, (rest, area_row)


def test_world_records_are_not_behind_the_reference_list(records, catalogue):
    _, reference = _read(DATA / "reference" / "world_records.csv")
    world = _groups(records, "world")
    for ref in reference:
        if ref["status"] not in ("ratified", "ratification_unconfirmed"):
            continue
        event = catalogue.resolve(ref["event"])
        list_venue = event.list_for(Venue(ref["venue"]))
        rows = world.get(("", event.key, list_venue.value, ref["sex"]))
        if not rows:
            continue  # the WA list has no such record: data/reference ships it
        shipped = parse_mark(rows[0]["mark"], event)
        assert compare(event, shipped, parse_mark(ref["mark"], event)) >= 0, ref


def _results_on_file(catalogue: EventCatalogue, as_of: str) -> list[dict[str, str]]:
    """Valid results in data/reference dated on or before the national list."""
    results = []
    for name in ("world_records.csv", "progression.csv"):
        for row in _read(DATA / "reference" / name)[1]:
            if row["status"] in ("ratified", "ratification_unconfirmed") and row["date"]:
                results.append({**row, "venue": row["venue"]})
    for row in _read(DATA / "reference" / "races.csv")[1]:
        race = row["race"]
        match = re.search(r" - (men|women)'s .*?(mile|1500m)", race, re.IGNORECASE)
        if not match or not row["mark"]:
            continue
        indoor = "short track" in race or "(indoor)" in row["venue"]
        results.append(
            {
                **row,
                "event": match.group(2),
                "sex": "M" if match.group(1).lower() == "men" else "W",
                "venue": "indoor" if indoor else "outdoor",
            }
        )
    on_file = []
    for row in results:
        if len(row["date"]) != 10 or row["date"] > as_of:
            continue
        event = catalogue.resolve(row["event"])
        list_venue = event.list_for(Venue(row["venue"]))
        if list_venue is None:
            continue
        on_file.append(
            {
                "event": event.key,
                "venue": list_venue.value,
                "sex": row["sex"],
                "mark": row["mark"],
                "nation": row["nationality"],
                "athlete": row["athlete"],
            }
        )
    return on_file


def test_no_national_record_is_slower_than_a_result_on_file(
    records, conflicts, catalogue, national_as_of
):
    national = _groups(records, "nation")
    results = _results_on_file(catalogue, national_as_of)
    # World Athletics' own world and area lists are results on file too.
    results += [
        row
        for row in records
        if row["scope_kind"] in ("world", "area")
        and row["date"] <= national_as_of
        and catalogue.get(row["event"]).group != "relays"
    ]
    kept = _kept(conflicts, "nation_vs_result")
    checked = 0
    for result in results:
        rows = national.get((result["nation"], result["event"], result["venue"], result["sex"]))
        if not rows:
            continue
        checked += 1
        if ("nation", result["nation"], result["event"], result["venue"], result["sex"],
                rows[0]["mark"]) in kept:  # fmt: skip
            continue
        assert _better(rows[0], result, catalogue) >= 0, (rows[0], result)
    assert checked > 100


def test_u20_records_are_set_under_20_and_the_world_u20_record_is_the_best(records, catalogue):
    u20 = _groups(records, "u20")
    for key, rows in u20.items():
        for row in rows:
            if row["birth_year"]:
                assert int(row["date"][:4]) - int(row["birth_year"]) <= 19, row
        if key[0] != "world":
            world = u20.get(("world", *key[1:]))
            if world:
                assert _better(rows[0], world[0], catalogue) <= 0, key


def test_every_conflict_says_why_and_what_was_done(conflicts):
    assert conflicts
    for row in conflicts:
        assert row["check"] and row["why"] and row["resolution"] and row["source"], row
        assert row["resolution"].startswith(("left out", "replaced", "kept", "added")), row


def test_replaced_or_left_out_rows_are_not_shipped(records, conflicts):
    shipped = {
        (r["scope_kind"], r["scope_code"], r["event"], r["venue"], r["sex"], r["mark"],
         fold(r["athlete"]))
        for r in records
    }  # fmt: skip
    for row in conflicts:
        key = (row["scope_kind"], row["scope_code"], row["event"], row["venue"], row["sex"],
               row["mark"], fold(row["athlete"]))  # fmt: skip
        # A duplicate leaves out the repeat, not the holder's first row.
        if row["resolution"].startswith(("left out", "replaced")) and row["check"] != "duplicate":
            assert key not in shipped, row


# --------------------------------------------------------------------------- known facts


def _record(records, kind, code, event, venue, sex) -> list[dict[str, str]]:
    return [
        r
        for r in records
        if (r["scope_kind"], r["scope_code"], r["event"], r["venue"], r["sex"])
        == (kind, code, event, venue, sex)
    ]


@pytest.mark.parametrize(
    ("event", "mark", "day"),
    [
        ("1500m", "3:26.73", "2024-07-12"),
        ("mile", "3:43.73", "2023-09-16"),
        ("2000m", "4:43.13", "2023-09-08"),
        ("3000m", "7:17.55", "2024-08-25"),
    ],
)
def test_ingebrigtsen_holds_the_european_records(records, event, mark, day):
    for kind, code in (("area", "EUR"), ("nation", "NOR")):
        (row,) = _record(records, kind, code, event, "outdoor", "M")
        assert (row["athlete"], row["mark"], row["date"]) == ("Jakob Ingebrigtsen", mark, day)


def test_the_european_5000m_record_is_not_ingebrigtsens(records):
    # Katir's 12:45.01 (2023, not annulled) and then Almgren's 12:44.27 (2025) beat his
    # 12:48.45; the national lists carry both.
    (row,) = _record(records, "area", "EUR", "5000m", "outdoor", "M")
    assert (row["athlete"], row["mark"]) == ("Andreas Almgren", "12:44.27")
    (norway,) = _record(records, "nation", "NOR", "5000m", "outdoor", "M")
    assert norway["mark"] == "12:48.45"


def test_the_collegiate_usa_1500m_row_is_corrected(records, conflicts):
    (row,) = _record(records, "nation", "USA", "1500m", "outdoor", "M")
    assert (row["athlete"], row["mark"]) == ("Cole Hocker", "3:27.65")
    assert any(
        c["event"] == "1500m" and c["scope_code"] == "USA" and c["mark"] == "3:52.85"
        for c in conflicts
    )


def test_every_second_source_resolution_is_applied(conflicts):
    _, resolutions = _read(Path(__file__).resolve().parents[2] / "tools" / "record_resolutions.csv")
    assert resolutions
    applied = {
        (c["check"], c["scope_kind"], c["scope_code"], c["event"], c["venue"], c["sex"], c["mark"])
        for c in conflicts
    }
    for row in resolutions:
        key = (row["check"], row["scope_kind"], row["scope_code"], row["event"], row["venue"],
               row["sex"], row["scraped_mark"])  # fmt: skip
        assert key in applied, row
        assert row["source"] and row["note"], row
