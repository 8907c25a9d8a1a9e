"""The event catalogue: the shipped data/events.csv and the resolver in bot.domain.catalogue."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from bot.domain.catalogue import (
    COLUMNS,
    CatalogueError,
    EventCatalogue,
    UnknownEventError,
    normalise,
)
from bot.domain.events import Event, MarkKind, RecordType, Sex, Unit, Venue
from tests.conftest import require_shared_data

EVENTS_CSV = Path(__file__).parents[2] / "data" / "events.csv"
REFERENCE_FILES = ("world_records.csv", "progression.csv", "unverified.csv")


@pytest.fixture(scope="module")
def catalogue() -> EventCatalogue:
    return EventCatalogue.from_csv_text(EVENTS_CSV.read_text(encoding="utf-8"))


def reference_rows(name: str) -> list[dict[str, str]]:
    path = require_shared_data(name) / name
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# --------------------------------------------------------------------------- resolution

SPEC_ALIASES = [
    ("mile", "mile"),
    ("1 mile", "mile"),
    ("the mile", "mile"),
    ("Mile", "mile"),
    ("1500", "1500m"),
    ("1500m", "1500m"),
    ("1,500m", "1500m"),
    ("1,500 m", "1500m"),
    ("1500 metres", "1500m"),
    ("metric mile", "1500m"),
    ("pv", "pv"),
    ("pole vault", "pv"),
    ("Pole Vault", "pv"),
    ("110mh", "110mh"),
    ("60H", "60mh"),
    ("marathon", "marathon"),
    ("hm", "hm"),
    ("half", "hm"),
    ("4x400", "4x400m"),
    ("4 × 400 m", "4x400m"),
    ("4X400m relay", "4x400m"),
    ("sc", "3000msc"),
    ("steeple", "3000msc"),
    ("hj", "hj"),
    ("lj", "lj"),
    ("tj", "tj"),
    ("sp", "sp"),
    ("shot", "sp"),
    ("dt", "dt"),
    ("discus", "dt"),
    ("ht", "ht"),
    ("hammer", "ht"),
    ("jt", "jt"),
    ("javelin", "jt"),
    ("dec", "dec"),
    ("decathlon", "dec"),
    ("10,000 m", "10000m"),
    ("10000", "10000m"),
    ("1000", "1000m"),
    ("10k", "road-10km"),
    ("road mile", "road-mile"),
    ("mixed 4x400", "4x400mx"),
    ("4x400mx", "4x400mx"),
    ("20kmw", "20kmw"),
    ("two miles", "two-miles"),
    ("1.5k", "1500m"),  # the decimal point must not turn it into the 15 km road race
    ("men's 100m", "100m"),
    ("100m women's", "100m"),
    ("1500m sh", "1500m"),
    ("MÎLE", "mile"),
]


@pytest.mark.parametrize(("query", "key"), SPEC_ALIASES)
def test_what_fans_type_resolves(catalogue: EventCatalogue, query: str, key: str) -> None:
    assert catalogue.resolve(query).key == key


# The reference data names events its own way; these must land on the right event.
REFERENCE_NAMES = {
    "Mile": "mile",
    "2000m": "2000m",
    "3000m steeplechase": "3000msc",
    "110m hurdles": "110mh",
    "100m hurdles": "100mh",
    "60m hurdles": "60mh",
    "50m hurdles": "50mh",
    "High jump": "hj",
    "Pole vault": "pv",
    "Discus throw": "dt",
    "4x400m relay": "4x400m",
    "4x400m mixed relay": "4x400mx",
    "20 km race walk": "20kmw",
    "35 km race walk": "35kmw",
    "Road mile": "road-mile",
    "5 km road": "road-5km",
    "10 km road": "road-10km",
    "10 km road (women-only)": "road-10km-wo",
    "Half marathon": "hm",
    "Half marathon race walk": "hmw",
    "Marathon": "marathon",
    "Marathon (women-only)": "marathon-wo",
    "Two miles": "two-miles",
    "3000m race walk": "3000mw",
    "5000m race walk": "5000mw",
    "10000m race walk": "10000mw",
    "Pentathlon": "pen",
    "Heptathlon": "hep",
    "Decathlon": "dec",
}


@pytest.mark.parametrize("name", REFERENCE_FILES)
def test_every_reference_event_name_resolves(catalogue: EventCatalogue, name: str) -> None:
    names = {row["event"] for row in reference_rows(name) if row["event"].strip()}
    assert names
    for event_name in sorted(names):
        event = catalogue.resolve(event_name)
        if event_name in REFERENCE_NAMES:
            assert event.key == REFERENCE_NAMES[event_name], event_name


def parse_reference_mark(text: str, unit: Unit) -> int:
    """A published mark ('3:45.14', '2:00:35', '8.95', '9126') in the event's unit."""
    if unit is Unit.POINTS:
        return int(text)
    if unit is Unit.CENTIMETRES:
        metres, _, cents = text.partition(".")
        return int(metres) * 100 + int(cents.ljust(2, "0"))
    *larger, seconds = text.split(":")
    whole, _, fraction = seconds.partition(".")
    total = 0
    for part in larger:  # minutes, or hours then minutes
        total = total * 60 + int(part)
    total = total * 60 + int(whole)
    if unit is Unit.SECONDS:
        assert not fraction, f"{text} should be whole seconds"
        return total
    return total * 100 + int(fraction.ljust(2, "0")[:2] or 0)


@pytest.mark.parametrize("name", REFERENCE_FILES)
def test_reference_rows_fit_their_event(catalogue: EventCatalogue, name: str) -> None:
    """Each mark on file has a list at its venue, a valid sex and is humanly possible."""
    best: dict[str, int] = {}
    for row in reference_rows(name):
        if not row["event"].strip():
            continue  # unverified.csv also holds notes about races, with no event
        event = catalogue.resolve(row["event"])
        where = f"{name}: {row['event']} {row['venue']} {row['sex']} {row['mark']}"
        venue = Venue(row["venue"])
        assert event.list_for(venue) is not None, where
        assert Sex(row["sex"]) in event.sexes, where
        if row["status"] == "world_best":
            assert event.record_type(venue) is RecordType.WORLD_BEST, where
        elif row["status"] in {"ratified", "ratification_unconfirmed", "pending"}:
            assert event.record_type(venue) is RecordType.RECORD, where
        mark = parse_reference_mark(row["mark"], event.unit)
        if event.lower_is_better:
            assert event.limit < mark, where
            best[event.key] = min(mark, best.get(event.key, mark))
        else:
            assert event.limit > mark, where
            best[event.key] = max(mark, best.get(event.key, mark))
    if name != "world_records.csv":
        return
    # One limit serves both sexes, so only the world record itself (the best mark of any
    # sex and list) shows whether the limit is sensible (about 80% of a time, 120% of a
    # distance) rather than absurdly loose.
    for key, mark in best.items():
        event = catalogue.get(key)
        ratio = event.limit / mark
        assert (0.7 < ratio < 1) if event.lower_is_better else (1 < ratio < 1.3), (key, ratio)


def test_unknown_event_suggests_the_close_match(catalogue: EventCatalogue) -> None:
    with pytest.raises(UnknownEventError) as caught:
        catalogue.resolve("marathonn")
    assert str(caught.value) == "Unknown event 'marathonn' — did you mean marathon?"
    assert caught.value.query == "marathonn"
    assert [event.key for event in caught.value.suggestions] == ["marathon"]


def test_ambiguous_prefix_is_not_guessed(catalogue: EventCatalogue) -> None:
    # A 20 km walk and a 20 km road race both exist: name both, pick neither.
    with pytest.raises(UnknownEventError) as caught:
        catalogue.resolve("20km")
    assert {event.key for event in caught.value.suggestions} == {"20kmw", "road-20km"}


def test_unknown_event_without_suggestions_is_one_helpful_line(
    catalogue: EventCatalogue,
) -> None:
    with pytest.raises(UnknownEventError) as caught:
        catalogue.resolve("xyzzy")
    message = str(caught.value)
    assert message.startswith("Unknown event 'xyzzy' — ")
    assert "mile" in message
    assert "\n" not in message
    assert caught.value.suggestions == []


def test_hostile_query_fails_with_a_short_message(catalogue: EventCatalogue) -> None:
    # How fast: `python -m bench inputs`.
    query = ("marathon " * 1200)[:10_000]
    with pytest.raises(UnknownEventError) as caught:
        catalogue.resolve(query)
    assert len(str(caught.value)) < 200
    assert "\n" not in str(caught.value)
    assert catalogue.suggest(query) == []


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("1,500m", "1500m"),
        ("1 500 m", "1500"),
        ("1500 metres", "1500 meters"),
        ("4×400", "4x400"),
        ("4 x 400 m relay", "4x400"),
        ("the mile", "Mile"),
        ("110 m hurdles", "110mH"),
        ("20 km race walk", "20kmw"),
        ("Marathon (women-only)", "marathon women only"),
        ("mixed 4x400", "4 × 400 m mixed relay"),
    ],
)
def test_normalisation_equivalences(first: str, second: str) -> None:
    assert normalise(first) == normalise(second)


def test_close_but_different_events_stay_apart(catalogue: EventCatalogue) -> None:
    assert catalogue.resolve("1000").key == "1000m"
    assert catalogue.resolve("10000").key == "10000m"
    assert catalogue.resolve("1.5k").key != catalogue.resolve("15k").key
    assert catalogue.resolve("marathon").key != catalogue.resolve("marathon women-only").key


# --------------------------------------------------------------------------- suggestions


def test_suggest_ranks_the_mile_first(catalogue: EventCatalogue) -> None:
    assert catalogue.suggest("mil")[0].key == "mile"


def test_suggest_is_accent_and_case_insensitive(catalogue: EventCatalogue) -> None:
    assert catalogue.suggest("PÔLE")[0].key == "pv"
    assert catalogue.suggest("mîle")[0].key == "mile"


def test_suggest_respects_its_limit(catalogue: EventCatalogue) -> None:
    empty = catalogue.suggest("")
    assert 0 < len(empty) <= 25
    assert len(catalogue.suggest("m")) <= 25
    assert len(catalogue.suggest("", limit=5)) == 5
    assert catalogue.suggest("", limit=0) == []
    assert [e.key for e in catalogue.suggest("hurdles")][:5] == [
        "50mh",
        "60mh",
        "100mh",
        "110mh",
        "400mh",
    ]


def test_suggest_finds_typos(catalogue: EventCatalogue) -> None:
    assert catalogue.suggest("javelinn")[0].key == "jt"
    assert catalogue.suggest("xyzzy") == []


# --------------------------------------------------------------------------- event facts


def test_direction_follows_the_kind(catalogue: EventCatalogue) -> None:
    for event in catalogue:
        assert event.lower_is_better is (event.kind is MarkKind.TIME), event.key
    assert catalogue.get("mile").lower_is_better
    assert not catalogue.get("pv").lower_is_better
    assert not catalogue.get("dt").lower_is_better
    assert not catalogue.get("dec").lower_is_better
    assert not catalogue.get("hour").lower_is_better  # the 1 hour run is a distance


def test_units(catalogue: EventCatalogue) -> None:
    assert catalogue.get("mile").unit is Unit.CENTISECONDS
    assert catalogue.get("road-mile").unit is Unit.CENTISECONDS  # timed to 0.01 s (RULES §5)
    assert catalogue.get("20000mw").unit is Unit.CENTISECONDS  # a track walk
    assert catalogue.get("marathon").unit is Unit.SECONDS
    assert catalogue.get("20kmw").unit is Unit.SECONDS
    assert catalogue.get("lj").unit is Unit.CENTIMETRES
    assert catalogue.get("hep").unit is Unit.POINTS
    for event in catalogue:
        if event.group == "road" and event.key != "road-mile":
            assert event.unit is Unit.SECONDS, event.key


def test_wind_affected_set(catalogue: EventCatalogue) -> None:
    wind = {event.key for event in catalogue if event.wind_affected}
    assert wind == {"50m", "60m", "100m", "200m", "50mh", "60mh", "100mh", "110mh", "lj", "tj"}


def test_straight_events_keep_one_list(catalogue: EventCatalogue) -> None:
    straight = [event for event in catalogue if event.straight]
    assert {event.key for event in straight} == {"50m", "60m", "50mh", "60mh"}
    for event in straight:
        assert len(event.lists) == 1
        assert event.list_for(Venue.OUTDOOR) == event.list_for(Venue.INDOOR) == Venue.INDOOR
        assert event.record_type(Venue.OUTDOOR) is RecordType.RECORD


def test_record_and_best_lists(catalogue: EventCatalogue) -> None:
    mile = catalogue.get("mile")
    assert mile.lists == {Venue.OUTDOOR: RecordType.RECORD, Venue.INDOOR: RecordType.RECORD}
    two_thousand = catalogue.get("2000m")
    assert two_thousand.record_type(Venue.OUTDOOR) is RecordType.RECORD
    assert two_thousand.record_type(Venue.INDOOR) is RecordType.WORLD_BEST
    two_miles = catalogue.get("two-miles")
    assert set(two_miles.lists.values()) == {RecordType.WORLD_BEST}
    assert set(two_miles.lists) == {Venue.OUTDOOR, Venue.INDOOR}
    assert catalogue.get("10000m").list_for(Venue.INDOOR) is None
    assert catalogue.get("dt").list_for(Venue.INDOOR) is None


def test_short_track_records_follow_cr32(catalogue: EventCatalogue) -> None:
    """RULES.md §2: the short-track record events, plus the indoor field lists."""
    short_track = {
        event.key
        for event in catalogue
        if not event.straight and event.lists.get(Venue.INDOOR) is RecordType.RECORD
    }
    assert short_track == {
        "200m",
        "400m",
        "800m",
        "1000m",
        "1500m",
        "mile",
        "3000m",
        "5000m",
        "4x200m",
        "4x400m",
        "4x800m",
        "4x400mx",
        "pen",
        "hep",
        "3000mw",
        "5000mw",
        "hj",
        "pv",
        "lj",
        "tj",
        "sp",
    }


def test_sexes(catalogue: EventCatalogue) -> None:
    assert catalogue.get("110mh").sexes == {Sex.MEN}
    assert catalogue.get("100mh").sexes == {Sex.WOMEN}
    assert catalogue.get("4x400mx").sexes == {Sex.MIXED}
    assert catalogue.get("pen").sexes == {Sex.WOMEN}
    assert catalogue.get("marathon-wo").sexes == {Sex.WOMEN}
    assert catalogue.get("mile").sexes == {Sex.MEN, Sex.WOMEN}
    for event in catalogue:
        if Sex.MIXED in event.sexes:
            assert event.group == "relays" and event.sexes == {Sex.MIXED}, event.key


def test_distances(catalogue: EventCatalogue) -> None:
    assert catalogue.get("mile").distance_m == 1609
    assert catalogue.get("two-miles").distance_m == 3219
    assert catalogue.get("marathon").distance_m == 42195
    assert catalogue.get("hm").distance_m == 21098
    assert catalogue.get("4x400m").distance_m == 1600
    assert catalogue.get("pv").distance_m is None
    for event in catalogue:
        assert (event.distance_m is not None) is (event.kind is MarkKind.TIME), event.key


def test_limits_from_the_spec(catalogue: EventCatalogue) -> None:
    assert catalogue.get("mile").limit == 18000  # a mile faster than 3:00.00 is impossible
    assert catalogue.get("hj").limit == 300  # so is a high jump over 3.00 m


def test_keys_are_stable_ids(catalogue: EventCatalogue) -> None:
    keys = [event.key for event in catalogue]
    assert len(keys) == len(set(keys)) == len(catalogue)
    for key in keys:
        assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", key)
        assert catalogue.resolve(key).key == key
    assert "mile" in catalogue
    with pytest.raises(KeyError):
        catalogue.get("Mile")


def test_every_display_name_resolves_to_its_event(catalogue: EventCatalogue) -> None:
    for event in catalogue:
        assert catalogue.resolve(event.name) is event
        for alias in event.aliases:
            assert catalogue.resolve(alias) is event, alias


def test_events_for_filters_by_venue_and_sex(catalogue: EventCatalogue) -> None:
    indoor_men = {event.key for event in catalogue.events_for(Venue.INDOOR, Sex.MEN)}
    assert {"60m", "60mh", "mile", "1500m", "2000m", "hj", "5000mw"} <= indoor_men
    assert not {"100m", "10000m", "110mh", "pen", "3000mw", "4x400mx"} & indoor_men
    outdoor_women = {event.key for event in catalogue.events_for(Venue.OUTDOOR, Sex.WOMEN)}
    assert {"60m", "100mh", "marathon-wo", "dt"} <= outdoor_women  # straight: both venues
    assert "110mh" not in outdoor_women
    mixed = catalogue.events_for(sex=Sex.MIXED)
    assert {event.key for event in mixed} == {"4x100mx", "4x400mx"}
    assert [e.key for e in catalogue.events_for()] == [e.key for e in catalogue]
    everything = list(catalogue)
    order = [everything.index(e) for e in catalogue.events_for(Venue.OUTDOOR)]
    assert order == sorted(order)


# --------------------------------------------------------------------------- validation

HEADER = ",".join(COLUMNS)
GOOD_ROWS = [
    "mile,Mile,time,cs,middle,no,record,record,no,M;W,1609,18000,1 mile;the mile",
    "hj,High jump,height,cm,jumps,no,record,record,no,M;W,,300,high jump",
]


def load(*rows: str) -> EventCatalogue:
    return EventCatalogue.from_csv_text("\n".join([HEADER, *rows]) + "\n")


def test_a_small_valid_catalogue_loads() -> None:
    small = load(*GOOD_ROWS)
    assert [event.key for event in small] == ["mile", "hj"]
    assert isinstance(small.get("mile"), Event)
    assert small.resolve("1 mile").key == "mile"


@pytest.mark.parametrize(
    ("bad_row", "column", "fragment"),
    [
        ("pb,Pb,speed,cs,middle,no,record,,no,M;W,100,1000,", "kind", "speed"),
        ("pb,Pb,time,ms,middle,no,record,,no,M;W,100,1000,", "unit", "ms"),
        ("pb,Pb,time,cm,middle,no,record,,no,M;W,100,1000,", "unit", "does not fit"),
        ("pb,Pb,time,cs,sprint,no,record,,no,M;W,100,1000,", "group", "sprint"),
        ("pb,Pb,time,cs,middle,maybe,record,,no,M;W,100,1000,", "wind_affected", "maybe"),
        ("pb,Pb,time,cs,middle,no,wr,,no,M;W,100,1000,", "outdoor", "wr"),
        ("pb,Pb,time,cs,middle,no,,,no,M;W,100,1000,", "outdoor", "no list"),
        ("pb,Pb,time,cs,sprints,yes,record,record,yes,M;W,60,500,", "outdoor", "straight"),
        ("pb,Pb,time,cs,middle,no,record,,no,M;Q,100,1000,", "sexes", "Q"),
        ("pb,Pb,time,cs,middle,no,record,,no,M;W,,1000,", "distance_m", "distance"),
        ("pb,Pb,time,cs,middle,no,record,,no,M;W,100,3:00.00,", "limit", "3:00.00"),
        ("pb,Pb,time,cs,middle,no,record,,no,M;W,100,12.5,", "limit", "12.5"),
        ("pb,Pb,time,cs,middle,no,record,,no,M;W,100,0,", "limit", "positive"),
        ("Pb,Pb,time,cs,middle,no,record,,no,M;W,100,1000,", "key", "lowercase"),
        ("mile,Mile again,time,cs,middle,no,record,,no,M;W,1609,18000,", "key", "duplicate"),
        ("hm,Half,time,s,road,no,record,,no,M;W,21098,2700,the mile", "aliases", "'mile'"),
        ("hm,1 Mile,time,s,road,no,record,,no,M;W,21098,2700,", "name", "'mile'"),
    ],
)
def test_bad_rows_name_row_and_column(bad_row: str, column: str, fragment: str) -> None:
    with pytest.raises(CatalogueError) as caught:
        load(*GOOD_ROWS, bad_row)
    message = str(caught.value)
    assert "row 4" in message
    assert f"column '{column}'" in message
    assert fragment in message
    assert caught.value.row == 4
    assert caught.value.column == column


def test_bad_header_and_short_rows() -> None:
    with pytest.raises(CatalogueError, match="row 1"):
        EventCatalogue.from_csv_text("key,name\nmile,Mile\n")
    with pytest.raises(CatalogueError, match=r"row 2.*columns"):
        load("mile,Mile,time")
    with pytest.raises(CatalogueError, match="no events"):
        load()


def test_an_events_position_is_its_place_in_the_catalogue(catalogue: EventCatalogue) -> None:
    """What answers sort events by (personal bests, held records): the catalogue's order,
    held by the catalogue itself; a key it does not hold comes after every event."""
    events = list(catalogue)
    assert [catalogue.position(e.key) for e in events] == list(range(len(events)))
    assert catalogue.position("no such event") == len(events)
    other = EventCatalogue(reversed(events))  # another catalogue, its own order
    assert other.position(events[0].key) == len(events) - 1
