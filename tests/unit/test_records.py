"""Record rules, tested on the real Liévin case and on the rules around it."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date

import pytest
from dateutil.relativedelta import relativedelta

from bot.domain.events import Sex, Venue
from bot.domain.marks import WIND_LEGAL_MAX, parse_mark, parse_wind
from bot.domain.models import (
    Athlete,
    RecordEntry,
    RecordKey,
    RecordScope,
    RecordStatus,
    Result,
    ResultStatus,
    ScopeKind,
    Split,
)
from bot.domain.records import (
    BreakKind,
    counts_for_lists,
    format_stood,
    legal_for_lists,
    lists_checked,
    meeting_name,
    record_breaks_for,
    record_keys_for,
    standing_record,
)

_ids = itertools.count(1)
WORLD = RecordScope.world()

INGEBRIGTSEN = Athlete(1, "Jakob Ingebrigtsen", "NOR", Sex.MEN)
NUGUSE = Athlete(2, "Yared Nuguse", "USA", Sex.MEN)
KEJELCHA = Athlete(3, "Yomif Kejelcha", "ETH", Sex.MEN)
EL_GUERROUJ = Athlete(4, "Hicham El Guerrouj", "MAR", Sex.MEN)
TEFERA = Athlete(5, "Samuel Tefera", "ETH", Sex.MEN)


def entry(
    catalogue,
    event_key,
    list_venue,
    mark,
    day,
    athlete,
    *,
    scope=WORLD,
    sex=Sex.MEN,
    status=RecordStatus.RATIFIED,
):
    event = catalogue.get(event_key)
    return RecordEntry(
        id=next(_ids),
        key=RecordKey(scope, event_key, list_venue, sex),
        mark=parse_mark(mark, event),
        date=date.fromisoformat(day),
        athlete=athlete,
        result_id=next(_ids),
        status=status,
    )


@pytest.fixture
def morning_of_lievin(catalogue):
    """The world records on file on the morning of 13 February 2025."""
    entries = [
        entry(catalogue, "mile", Venue.INDOOR, "3:48.45", "1997-02-12", EL_GUERROUJ),
        entry(catalogue, "mile", Venue.INDOOR, "3:47.01", "2019-03-03", KEJELCHA),
        entry(
            catalogue,
            "mile",
            Venue.INDOOR,
            "3:46.63",
            "2025-02-08",
            NUGUSE,
            status=RecordStatus.PENDING,
        ),
        entry(catalogue, "mile", Venue.OUTDOOR, "3:43.13", "1999-07-07", EL_GUERROUJ),
        entry(catalogue, "1500m", Venue.INDOOR, "3:31.18", "1997-02-02", EL_GUERROUJ),
        entry(catalogue, "1500m", Venue.INDOOR, "3:31.04", "2019-02-16", TEFERA),
        entry(catalogue, "1500m", Venue.INDOOR, "3:30.60", "2022-02-17", INGEBRIGTSEN),
        entry(catalogue, "1500m", Venue.OUTDOOR, "3:26.00", "1998-07-14", EL_GUERROUJ),
    ]
    book = {}
    for e in entries:
        book.setdefault(e.key, []).append(e)
    return book


def lievin_result(catalogue, *, mark="3:45.14", split="3:29.63", status=ResultStatus.VALID):
    mile, m1500 = catalogue.get("mile"), catalogue.get("1500m")
    return Result(
        athlete=INGEBRIGTSEN,
        event=mile,
        sex=Sex.MEN,
        venue=Venue.INDOOR,
        mark=parse_mark(mark, mile),
        date=date(2025, 2, 13),
        competition="Meeting Hauts-de-France Pas-de-Calais",
        city="Liévin",
        country="FRA",
        splits=(Split(m1500, parse_mark(split, m1500)),),
        status=status,
    )


def test_lievin_breaks_exactly_two_world_indoor_records(catalogue, morning_of_lievin):
    check = record_breaks_for(lievin_result(catalogue), morning_of_lievin, area="EUR")

    assert len(check.breaks) == 2
    mile, m1500 = check.breaks
    assert mile.key == RecordKey(WORLD, "mile", Venue.INDOOR, Sex.MEN)
    assert mile.kind is BreakKind.BREAKS
    assert str(mile.previous_entry.mark) == "3:46.63"
    assert mile.previous_entry.athlete.name == "Yared Nuguse"
    assert mile.margin == 149
    assert mile.stood == relativedelta(days=5)
    assert format_stood(mile.stood) == "5 days"

    assert m1500.key == RecordKey(WORLD, "1500m", Venue.INDOOR, Sex.MEN)
    assert m1500.performance.is_split
    assert str(m1500.performance.mark) == "3:29.63"
    assert str(m1500.previous_entry.mark) == "3:30.60"
    assert m1500.previous_entry.athlete.name == "Jakob Ingebrigtsen"
    assert m1500.margin == 97
    assert format_stood(m1500.stood) == "2 years 11 months"
    assert check.not_eligible == ()


def test_indoor_result_is_checked_against_the_main_list_too(catalogue):
    keys = record_keys_for(lievin_result(catalogue), area="EUR")
    lists = {(k.event_key, k.list) for k in keys if k.scope == WORLD}
    assert lists == {
        ("mile", Venue.INDOOR),
        ("mile", Venue.OUTDOOR),
        ("1500m", Venue.INDOOR),
        ("1500m", Venue.OUTDOOR),
    }
    assert lists_checked(catalogue.get("mile"), Venue.OUTDOOR) == [Venue.OUTDOOR]
    # A straight event has one list whatever the venue.
    sixty = catalogue.get("60m")
    assert lists_checked(sixty, Venue.OUTDOOR) == lists_checked(sixty, Venue.INDOOR)


def test_an_indoor_mark_better_than_the_main_list_breaks_both(catalogue):
    tj = catalogue.get("tj")
    rojas = Athlete(9, "Yulimar Rojas", "VEN", Sex.WOMEN)
    on_file = {}
    for list_venue, mark in ((Venue.OUTDOOR, "15.50"), (Venue.INDOOR, "15.43")):
        e = entry(catalogue, "tj", list_venue, mark, "2000-01-01", rojas, sex=Sex.WOMEN)
        on_file[e.key] = [e]
    result = Result(
        rojas,
        tj,
        Sex.WOMEN,
        Venue.INDOOR,
        parse_mark("15.74", tj),
        date(2022, 3, 20),
        "World Indoor Championships",
    )
    check = record_breaks_for(result, on_file)
    assert {b.key.list for b in check.breaks} == {Venue.INDOOR, Venue.OUTDOOR}


def test_equal_mark_equals_and_never_breaks(catalogue, morning_of_lievin):
    check = record_breaks_for(
        lievin_result(catalogue, mark="3:46.63", split="3:31.00"), morning_of_lievin
    )
    kinds = {(b.key.event_key, b.kind) for b in check.breaks}
    assert kinds == {("mile", BreakKind.EQUALS)}
    assert check.breaks[0].margin == 0


def test_slower_result_breaks_nothing(catalogue, morning_of_lievin):
    check = record_breaks_for(
        lievin_result(catalogue, mark="3:52.70", split="3:37.00"), morning_of_lievin
    )
    assert check.breaks == ()


@pytest.mark.parametrize("status", [ResultStatus.DNF, ResultStatus.DQ, ResultStatus.ANNULLED])
def test_invalid_results_and_their_splits_never_count(catalogue, morning_of_lievin, status):
    check = record_breaks_for(lievin_result(catalogue, status=status), morning_of_lievin)
    assert check.breaks == ()
    assert len(check.not_eligible) == 2
    assert "not finished" in check.not_eligible[1].reason


def test_scope_without_a_record_on_file_is_never_claimed(catalogue, morning_of_lievin):
    check = record_breaks_for(lievin_result(catalogue), morning_of_lievin, area="EUR")
    assert all(b.key.scope == WORLD for b in check.breaks)


def test_national_and_meeting_records_on_file_are_claimed(catalogue, morning_of_lievin):
    nor = RecordScope(ScopeKind.NATION, "NOR")
    meet = RecordScope(ScopeKind.MEETING, "Meeting Hauts-de-France Pas-de-Calais")
    on_file = dict(morning_of_lievin)
    for scope, mark in ((nor, "3:50.00"), (meet, "3:49.00")):
        e = entry(catalogue, "mile", Venue.INDOOR, mark, "2020-01-01", INGEBRIGTSEN, scope=scope)
        on_file[e.key] = [e]
    check = record_breaks_for(lievin_result(catalogue), on_file, area="EUR")
    scopes = {b.key.scope for b in check.breaks if b.key.event_key == "mile"}
    assert scopes == {WORLD, nor, meet}


def _sprint(catalogue, wind, mark="9.50"):
    event = catalogue.get("100m")
    bolt = Athlete(7, "Usain Bolt", "JAM", Sex.MEN)
    result = Result(
        bolt,
        event,
        Sex.MEN,
        Venue.OUTDOOR,
        parse_mark(mark, event),
        date(2030, 6, 1),
        "Some Meet",
        wind=parse_wind(wind),
    )
    e = entry(catalogue, "100m", Venue.OUTDOOR, "9.58", "2009-08-16", bolt)
    return result, {e.key: [e]}


def test_wind_over_two_metres_never_sets_a_record(catalogue):
    result, on_file = _sprint(catalogue, "+2.1")
    check = record_breaks_for(result, on_file)
    assert check.breaks == ()
    assert "+2.1" in check.not_eligible[0].reason


def test_wind_reading_rounds_up_before_the_limit(catalogue):
    # +2.01 is read as +2.1 (RULES.md §4), so it is illegal.
    result, on_file = _sprint(catalogue, "+2.01")
    assert record_breaks_for(result, on_file).breaks == ()
    result, on_file = _sprint(catalogue, "+2.0")
    assert len(record_breaks_for(result, on_file).breaks) == 1


def test_missing_wind_reading_on_wind_affected_event_is_not_a_record(catalogue):
    result, on_file = _sprint(catalogue, None)
    check = record_breaks_for(result, on_file)
    assert check.breaks == ()
    assert "no wind reading" in check.not_eligible[0].reason


def test_hand_time_never_counts(catalogue):
    result, on_file = _sprint(catalogue, "+0.5", mark="9.4h")
    check = record_breaks_for(result, on_file)
    assert check.breaks == ()
    assert "hand" in check.not_eligible[0].reason


def test_standing_record_ignores_rejected_and_later_entries(catalogue):
    mile = catalogue.get("mile")
    old = entry(catalogue, "mile", Venue.INDOOR, "3:47.01", "2019-03-03", KEJELCHA)
    rejected = entry(
        catalogue,
        "mile",
        Venue.INDOOR,
        "3:40.00",
        "2020-01-01",
        NUGUSE,
        status=RecordStatus.REJECTED,
    )
    later = entry(catalogue, "mile", Venue.INDOOR, "3:46.63", "2025-02-08", NUGUSE)
    assert standing_record(mile, [old, rejected, later], date(2024, 1, 1)) == (old,)
    assert standing_record(mile, [old, rejected, later], date(2025, 2, 8)) == (later,)
    assert standing_record(mile, [], date(2025, 2, 8)) == ()


def test_standing_record_in_any_order_gives_its_holders_earliest_first(catalogue):
    """(A progression is read in one pass, not sorted whole: the order it comes in does
    not matter, and the holders of an equalled mark still come earliest first.)"""
    mile = catalogue.get("mile")
    first = entry(catalogue, "mile", Venue.INDOOR, "3:47.01", "2019-03-03", KEJELCHA)
    equal = entry(catalogue, "mile", Venue.INDOOR, "3:47.01", "2021-02-13", NUGUSE)
    worse = entry(catalogue, "mile", Venue.INDOOR, "3:48.00", "2020-01-01", NUGUSE)
    later = entry(catalogue, "mile", Venue.INDOOR, "3:46.63", "2025-02-08", NUGUSE)
    for given in ([later, equal, worse, first], [equal, first, later, worse]):
        assert standing_record(mile, given, date(2024, 1, 1)) == (first, equal)
        assert standing_record(mile, given, date(2020, 6, 1)) == (first,)
        assert standing_record(mile, given, date(2025, 2, 8)) == (later,)


def test_equalled_record_has_every_holder(catalogue):
    sixty = catalogue.get("60m")
    privalova = Athlete(8, "Irina Privalova", "RUS", Sex.WOMEN)
    first = entry(catalogue, "60m", Venue.INDOOR, "6.92", "1993-02-11", privalova, sex=Sex.WOMEN)
    second = entry(catalogue, "60m", Venue.INDOOR, "6.92", "1995-02-09", privalova, sex=Sex.WOMEN)
    assert standing_record(sixty, [second, first], date(2026, 1, 1)) == (first, second)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2025-02-08", "2025-02-13", "5 days"),
        ("2019-03-03", "2025-02-08", "5 years 11 months"),
        ("2016-02-17", "2022-04-17", "6 years 2 months"),
        ("2024-01-01", "2025-01-01", "1 year"),
        ("2024-01-01", "2024-01-02", "1 day"),
        ("2024-01-01", "2024-03-05", "2 months 4 days"),
        ("2024-01-01", "2024-01-01", "the same day"),
    ],
)
def test_format_stood(start, end, expected):
    delta = relativedelta(date.fromisoformat(end), date.fromisoformat(start))
    assert format_stood(delta) == expected


def test_meeting_name_drops_the_year():
    assert meeting_name("Millrose Games 2025") == "Millrose Games"
    assert meeting_name("Millrose Games") == "Millrose Games"


@pytest.mark.parametrize(
    ("valid", "mark", "hand_timed", "wind", "counts"),
    [
        (True, 1000, False, None, True),  # no reading: indoors, or not wind-affected
        (True, 1000, False, -30, True),
        (True, 1000, False, WIND_LEGAL_MAX, True),  # +2.0 exactly is legal
        (True, 1000, False, WIND_LEGAL_MAX + 1, False),  # +2.1: wind-aided
        (True, 1000, True, None, False),  # hand times never count for lists
        (True, None, False, None, False),  # no mark
        (False, 1000, False, None, False),  # DNF, DQ, annulled...
    ],
)
def test_what_counts_for_lists(valid, mark, hand_timed, wind, counts):
    assert legal_for_lists(valid, mark, hand_timed, wind) is counts


def test_a_results_own_mark_counts_for_lists_by_the_same_rule(catalogue):
    result = lievin_result(catalogue)
    assert counts_for_lists(result)
    assert not counts_for_lists(lievin_result(catalogue, status=ResultStatus.DNF))
    assert not counts_for_lists(lievin_result(catalogue, mark="3:45.1h"))
    assert counts_for_lists(replace(result, wind=WIND_LEGAL_MAX))
    assert not counts_for_lists(replace(result, wind=WIND_LEGAL_MAX + 1))
    assert not counts_for_lists(replace(result, mark=None, status=ResultStatus.DNF))
