"""Announcements as data: headlines, the order of the records, JSON round trips, and which
subscriptions an announcement reaches."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from datetime import date

import pytest

from bot.domain.announcements import Announcement, announcement_for
from bot.domain.events import Sex, Venue
from bot.domain.marks import parse_mark
from bot.domain.models import (
    Athlete,
    RecordEntry,
    RecordKey,
    RecordScope,
    RecordStatus,
    Result,
    ScopeKind,
    Split,
)
from bot.domain.records import recompute_progression, record_breaks_for
from bot.store.outbox import Subscription

_ids = itertools.count(1)
WORLD = RecordScope.world()
EUROPE = RecordScope(ScopeKind.AREA, "EUR")
NORWAY = RecordScope(ScopeKind.NATION, "NOR")
INGEBRIGTSEN = Athlete(1, "Jakob Ingebrigtsen", "NOR", Sex.MEN)
NUGUSE = Athlete(2, "Yared Nuguse", "USA", Sex.MEN)
KEJELCHA = Athlete(3, "Yomif Kejelcha", "ETH", Sex.MEN)
DUPLANTIS = Athlete(4, "Armand Duplantis", "SWE", Sex.MEN)
LABELS = {WORLD: "world", EUROPE: "European", NORWAY: "Norwegian"}


def label(scope: RecordScope) -> str:
    return LABELS[scope]


def entry(catalogue, key: RecordKey, mark: str, day: date, athlete: Athlete, **kw) -> RecordEntry:
    return RecordEntry(
        id=next(_ids),
        key=key,
        mark=parse_mark(mark, catalogue.get(key.event_key)),
        date=day,
        athlete=athlete,
        result_id=next(_ids),
        status=kw.pop("status", RecordStatus.RATIFIED),
        **kw,
    )


def key(event: str, venue: Venue, scope: RecordScope = WORLD) -> RecordKey:
    return RecordKey(scope, event, venue, Sex.MEN)


def lievin(catalogue) -> Result:
    mile, m1500 = catalogue.get("mile"), catalogue.get("1500m")
    return Result(
        athlete=INGEBRIGTSEN,
        event=mile,
        sex=Sex.MEN,
        venue=Venue.INDOOR,
        mark=parse_mark("3:45.14", mile),
        date=date(2025, 2, 13),
        competition="Meeting Hauts-de-France Pas-de-Calais",
        city="Liévin",
        country="FRA",
        splits=(Split(m1500, parse_mark("3:29.63", m1500)),),
    )


def test_lievin_is_one_announcement_of_two_world_indoor_records(catalogue):
    on_file = {
        key("mile", Venue.INDOOR): [
            entry(catalogue, key("mile", Venue.INDOOR), "3:47.01", date(2019, 3, 3), KEJELCHA),
            entry(catalogue, key("mile", Venue.INDOOR), "3:46.63", date(2025, 2, 8), NUGUSE),
        ],
        key("1500m", Venue.INDOOR): [
            entry(catalogue, key("1500m", Venue.INDOOR), "3:30.60", date(2022, 2, 17), INGEBRIGTSEN)
        ],
    }
    result = lievin(catalogue)
    check = record_breaks_for(result, on_file, area="EUR")
    announcement = announcement_for(result, check, label, result_id=7)
    assert announcement.headline == "NEW WORLD INDOOR RECORDS"
    assert announcement.kind == "record" and announcement.result_id == 7
    assert [(r.event_key, r.is_split, r.previous_holders) for r in announcement.records] == [
        ("mile", False, ["Yared Nuguse (USA)"]),
        ("1500m", True, ["Jakob Ingebrigtsen (NOR)"]),
    ]
    assert announcement.scope_codes == ["world"]
    assert announcement.event_keys == ["1500m", "mile"]
    assert Announcement.from_json(announcement.to_json()) == announcement


def test_the_outbox_json_keeps_naming_a_records_list_list(catalogue):
    """AnnouncedRecord.record_list was `list`: announcements queued before the rename (or
    by an older process on the same database) read the same, and new ones are stored
    under the old key."""
    on_file = {
        key("mile", Venue.INDOOR): [
            entry(catalogue, key("mile", Venue.INDOOR), "3:47.01", date(2019, 3, 3), KEJELCHA)
        ],
    }
    result = lievin(catalogue)
    announcement = announcement_for(
        result, record_breaks_for(result, on_file, area="EUR"), label, result_id=7
    )
    stored = json.loads(announcement.to_json())
    assert [r["list"] for r in stored["records"]] == ["indoor"]
    assert all("record_list" not in r for r in stored["records"])
    assert Announcement.from_json(json.dumps(stored)).records[0].record_list == "indoor"


def test_nothing_broken_is_no_announcement(catalogue):
    result = lievin(catalogue)
    check = record_breaks_for(result, {}, area="EUR")
    assert announcement_for(result, check, label, result_id=None) is None


def test_the_widest_scope_and_the_main_list_lead_the_headline(catalogue):
    pv = catalogue.get("pv")
    uppsala = Result(
        athlete=DUPLANTIS,
        event=pv,
        sex=Sex.MEN,
        venue=Venue.INDOOR,
        mark=parse_mark("6.31", pv),
        date=date(2026, 3, 12),
        competition="Mondo Classic",
    )
    indoor, outdoor = key("pv", Venue.INDOOR), key("pv", Venue.OUTDOOR)
    europe = key("pv", Venue.OUTDOOR, EUROPE)
    on_file = {
        indoor: [entry(catalogue, indoor, "6.27", date(2025, 2, 28), DUPLANTIS)],
        outdoor: [entry(catalogue, outdoor, "6.30", date(2025, 9, 15), DUPLANTIS)],
        europe: [entry(catalogue, europe, "6.30", date(2025, 9, 15), DUPLANTIS)],
    }
    check = record_breaks_for(uppsala, on_file, area="EUR")
    announcement = announcement_for(uppsala, check, label, result_id=1)
    assert [r.record_name for r in announcement.records] == [
        "world record",
        "world indoor record",
        "European record",
    ]
    assert announcement.headline == "NEW WORLD RECORD"


def test_an_equal_is_headlined_as_one(catalogue):
    indoor = key("mile", Venue.INDOOR)
    result = lievin(catalogue)
    result = replace(result, mark=parse_mark("3:46.63", result.event), splits=())
    check = record_breaks_for(
        result, {indoor: [entry(catalogue, indoor, "3:46.63", date(2025, 2, 8), NUGUSE)]}
    )
    announcement = announcement_for(result, check, label, result_id=1)
    assert announcement.headline == "EQUALS WORLD INDOOR RECORD"
    assert announcement.records[0].margin == ""


@pytest.mark.parametrize(
    ("subscription", "reaches"),
    [
        (Subscription(1, 10, (), (), None), True),
        (Subscription(1, 10, ("World",), ("mile",), Sex.MEN), True),
        (Subscription(1, 10, ("EUR",), (), None), False),
        (Subscription(1, 10, (), ("100m",), None), False),
        (Subscription(1, 10, (), ("1500m",), None), True),  # the split's record counts
        (Subscription(1, 10, (), (), Sex.WOMEN), False),
    ],
)
def test_subscription_filters(catalogue, subscription, reaches):
    indoor_mile, indoor_1500 = key("mile", Venue.INDOOR), key("1500m", Venue.INDOOR)
    on_file = {
        indoor_mile: [entry(catalogue, indoor_mile, "3:46.63", date(2025, 2, 8), NUGUSE)],
        indoor_1500: [entry(catalogue, indoor_1500, "3:30.60", date(2022, 2, 17), INGEBRIGTSEN)],
    }
    result = lievin(catalogue)
    announcement = announcement_for(result, record_breaks_for(result, on_file), label, result_id=1)
    assert subscription.matches(announcement, Sex.MEN) is reaches


def test_recompute_progression_drops_what_a_backfill_superseded(catalogue):
    mile = catalogue.get("mile")
    indoor = key("mile", Venue.INDOOR)
    kejelcha = entry(catalogue, indoor, "3:47.01", date(2019, 3, 3), KEJELCHA)
    nuguse = entry(catalogue, indoor, "3:46.63", date(2025, 2, 8), NUGUSE)
    backfill = entry(catalogue, indoor, "3:46.80", date(2018, 1, 1), INGEBRIGTSEN)
    fix = recompute_progression(mile, [kejelcha, nuguse, backfill])
    assert fix.drop == (kejelcha,) and fix.equal_flags == {}
    # An equal is flagged; a rejected entry never counts, so what equalled it now breaks.
    rejected = entry(
        catalogue, indoor, "3:46.63", date(2025, 2, 8), NUGUSE, status=RecordStatus.REJECTED
    )
    equal = entry(catalogue, indoor, "3:46.63", date(2025, 2, 9), KEJELCHA, equal=True)
    again = entry(catalogue, indoor, "3:47.01", date(2020, 1, 1), NUGUSE)
    fix = recompute_progression(mile, [kejelcha, rejected, equal, again])
    assert fix.drop == () and fix.equal_flags == {again.id: True, equal.id: False}


LANDY = Athlete(10, "John Landy", "AUS", Sex.MEN)
PRIVALOVA = Athlete(11, "Irina Privalova", "RUS", Sex.WOMEN)


def _lievin_check(catalogue):
    on_file = {
        key("mile", Venue.INDOOR): [
            entry(catalogue, key("mile", Venue.INDOOR), "3:46.63", date(2025, 2, 8), NUGUSE)
        ],
        key("1500m", Venue.INDOOR): [
            entry(catalogue, key("1500m", Venue.INDOOR), "3:30.60", date(2022, 2, 17), INGEBRIGTSEN)
        ],
    }
    result = lievin(catalogue)
    return result, record_breaks_for(result, on_file, area="EUR")


def _distance(catalogue):
    return lambda event_key: catalogue.get(event_key).distance_m


def test_a_double_world_record_names_the_last_athlete_to_set_two_in_one_race(catalogue):
    turku = [
        entry(catalogue, key("mile", Venue.OUTDOOR), "3:58.0", date(1954, 6, 21), LANDY,
              city="Turku", country="FIN"),
        entry(catalogue, key("1500m", Venue.OUTDOOR), "3:41.8", date(1954, 6, 21), LANDY,
              city="Turku", country="FIN"),
    ]  # fmt: skip
    # Same day and place, but sprints: separate races, not a split (Madrid 1995).
    w50, w60 = (
        RecordKey(WORLD, "50m", Venue.INDOOR, Sex.WOMEN),
        RecordKey(WORLD, "60m", Venue.INDOOR, Sex.WOMEN),
    )
    madrid = [
        entry(catalogue, w50, "5.96", date(1995, 2, 9), PRIVALOVA, city="Madrid"),
        entry(catalogue, w60, "6.92", date(1995, 2, 9), PRIVALOVA, city="Madrid"),
    ]
    # One 1500 m record alone that day: no double.
    single = [entry(catalogue, key("1500m", Venue.OUTDOOR), "3:26.00", date(1998, 7, 14), KEJELCHA)]
    result, check = _lievin_check(catalogue)
    history = turku + madrid + single
    announcement = announcement_for(
        result, check, label, result_id=7, history=history, distance_of=_distance(catalogue)
    )
    assert announcement.first_since == (
        "First to set two world records in one race since John Landy (Turku, 1954)"
    )
    assert Announcement.from_json(announcement.to_json()) == announcement


def test_a_split_of_the_same_result_is_one_race_whatever_the_distance(catalogue):
    m60 = RecordKey(WORLD, "60m", Venue.INDOOR, Sex.WOMEN)
    m50 = RecordKey(WORLD, "50m", Venue.INDOOR, Sex.WOMEN)
    race = entry(catalogue, m60, "6.92", date(1995, 2, 9), PRIVALOVA, city="Madrid")
    split = replace(
        entry(catalogue, m50, "5.96", date(1995, 2, 9), PRIVALOVA, city="Madrid"),
        result_id=race.result_id,
        split_id=99,
    )
    result, check = _lievin_check(catalogue)
    announcement = announcement_for(
        result, check, label, result_id=7, history=[race, split], distance_of=_distance(catalogue)
    )
    assert "since Irina Privalova (Madrid, 1995)" in announcement.first_since


def test_no_first_since_for_a_single_record_or_an_empty_history(catalogue):
    result, check = _lievin_check(catalogue)
    assert announcement_for(result, check, label, result_id=7).first_since == ""
    one = replace(check, breaks=check.breaks[:1])
    turku = [
        entry(catalogue, key("mile", Venue.OUTDOOR), "3:58.0", date(1954, 6, 21), LANDY),
        entry(catalogue, key("1500m", Venue.OUTDOOR), "3:41.8", date(1954, 6, 21), LANDY),
    ]
    assert (
        announcement_for(
            result, one, label, result_id=7, history=turku, distance_of=_distance(catalogue)
        ).first_since
        == ""
    )
