"""Marks: parsing what people type, official formatting, comparison, margins and wind."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.events import Event, MarkKind, RecordType, Sex, Unit, Venue
from bot.domain.marks import (
    Mark,
    MarkError,
    WindError,
    compare,
    format_margin,
    format_mark,
    format_wind,
    is_better,
    margin,
    parse_mark,
    parse_wind,
    wind_legal,
)

CS, S, CM, PTS = Unit.CENTISECONDS, Unit.SECONDS, Unit.CENTIMETRES, Unit.POINTS


def make_event(
    key: str,
    name: str,
    kind: MarkKind,
    unit: Unit,
    limit: int,
    distance_m: int | None = None,
    *,
    wind_affected: bool = False,
) -> Event:
    return Event(
        key=key,
        name=name,
        kind=kind,
        unit=unit,
        group="test",
        wind_affected=wind_affected,
        lists={Venue.OUTDOOR: RecordType.RECORD, Venue.INDOOR: RecordType.RECORD},
        sexes=frozenset({Sex.MEN, Sex.WOMEN}),
        distance_m=distance_m,
        limit=limit,
    )


M100 = make_event("100m", "100 m", MarkKind.TIME, CS, 900, 100, wind_affected=True)
M400 = make_event("400m", "400 m", MarkKind.TIME, CS, 4000, 400)
M1500 = make_event("1500m", "1500 m", MarkKind.TIME, CS, 16500, 1500)
MILE = make_event("mile", "Mile", MarkKind.TIME, CS, 18000, 1609)
M10000 = make_event("10000m", "10,000 m", MarkKind.TIME, CS, 144000, 10000)
M20000 = make_event("20000m", "20,000 m", MarkKind.TIME, CS, 300000, 20000)  # track, > 10 km
RELAY = make_event("relay", "Some relay", MarkKind.TIME, CS, 3000)  # no distance on file
ROAD_5K = make_event("5k", "5 km road", MarkKind.TIME, S, 660, 5000)
HALF = make_event("hm", "Half marathon", MarkKind.TIME, S, 3300, 21097)
MARATHON = make_event("marathon", "Marathon", MarkKind.TIME, S, 6600, 42195)
LJ = make_event("lj", "Long jump", MarkKind.DISTANCE, CM, 1000, wind_affected=True)
TJ = make_event("tj", "Triple jump", MarkKind.DISTANCE, CM, 2000, wind_affected=True)
JT = make_event("jt", "Javelin throw", MarkKind.DISTANCE, CM, 11000)
HJ = make_event("hj", "High jump", MarkKind.HEIGHT, CM, 300)
PV = make_event("pv", "Pole vault", MarkKind.HEIGHT, CM, 700)
DEC = make_event("dec", "Decathlon", MarkKind.POINTS, PTS, 10000)

EVENTS = [
    M100, M400, M1500, MILE, M10000, M20000, RELAY,
    ROAD_5K, HALF, MARATHON, LJ, TJ, JT, HJ, PV, DEC,
]  # fmt: skip
CS_EVENTS = [e for e in EVENTS if e.unit is CS]


def _step(event: Event, *, hand: bool = False) -> int:
    """The precision a valid cs mark of `event` has (RULES §5)."""
    if hand or (event.distance_m or 0) > 10_000:
        return 10
    return 1


@st.composite
def valid_marks(draw: st.DrawFn) -> tuple[Event, Mark]:
    """Any event and any mark a user could legitimately have for it."""
    event = draw(st.sampled_from(EVENTS))
    if event.lower_is_better:
        hand = event.unit is CS and draw(st.booleans())
        step = _step(event, hand=hand) if event.unit is CS else 1
        # Up to 50 times the limit covers every real mark and the h:mm:ss forms.
        top = event.limit * 50
        if event.unit is CS and (event.distance_m or 10**6) <= 5000:
            top = 360_000 - 1  # no track race up to 5000 m takes an hour
        steps = draw(st.integers(-(-event.limit // step), top // step))
        return event, Mark(steps * step, event.unit, hand)
    return event, Mark(draw(st.integers(1, event.limit)), event.unit)


# ----------------------------------------------------------------- properties


@given(valid_marks())
def test_format_then_parse_round_trips(case: tuple[Event, Mark]) -> None:
    event, mark = case
    assert parse_mark(format_mark(mark), event) == mark
    assert str(mark) == format_mark(mark)


@given(st.sampled_from(EVENTS), st.text(alphabet="0123456789.:, hmpts-", max_size=14))
def test_parse_format_parse_is_stable(event: Event, text: str) -> None:
    try:
        mark = parse_mark(text, event)
    except MarkError:
        return
    assert mark.unit is event.unit
    assert parse_mark(format_mark(mark), event) == mark


@given(st.sampled_from(EVENTS), st.text(max_size=80))
def test_parse_only_ever_raises_mark_error(event: Event, text: str) -> None:
    try:
        parse_mark(text, event)
    except MarkError as error:
        message = str(error)
        assert "\n" not in message
        assert len(message) < 200


@given(st.sampled_from([M400, M1500, MILE]), st.data())
def test_times_in_thousandths_round_up_to_the_hundredth(event: Event, data: st.DataObject) -> None:
    ms = data.draw(st.integers(event.limit * 10, 3_599_990), label="ms")
    minutes, rest = divmod(ms, 60_000)
    text = f"{minutes}:{rest // 1000:02d}.{rest % 1000:03d}"
    assert parse_mark(text, event) == Mark(-(-ms // 10), CS)  # ceiling, in cs


@given(st.integers(10, LJ.limit * 10 + 9))
def test_field_marks_are_truncated_to_the_centimetre(mm: int) -> None:
    text = f"{mm // 1000}.{mm % 1000:03d}"
    assert parse_mark(text, LJ) == Mark(mm // 10, CM)


@given(valid_marks(), valid_marks(), valid_marks())
def test_compare_is_antisymmetric_transitive_and_directional(
    a_case: tuple[Event, Mark], b_case: tuple[Event, Mark], c_case: tuple[Event, Mark]
) -> None:
    event, a = a_case
    # Reuse the other draws' values in this event's unit, clamped to valid marks.
    others = [
        Mark(mark.value, event.unit, mark.hand_timed and event.unit is CS and not mark.value % 10)
        for _, mark in (b_case, c_case)
    ]
    b, c = others
    assert compare(event, a, a) == 0
    assert (compare(event, a, b) > 0) == (compare(event, b, a) < 0)
    assert (compare(event, a, b) == 0) == (a == b)
    assert is_better(event, a, b) == (compare(event, a, b) > 0)
    assert not (is_better(event, a, b) and is_better(event, b, a))
    if is_better(event, a, b) and is_better(event, b, c):
        assert is_better(event, a, c)
    assert margin(event, a, b) == -margin(event, b, a)
    if a.value != b.value:
        faster_or_further = a.value < b.value if event.lower_is_better else a.value > b.value
        assert is_better(event, a, b) == faster_or_further
        assert (margin(event, a, b) > 0) == faster_or_further


@given(st.integers(-200, 200))
def test_wind_round_trips(tenths: int) -> None:
    assert parse_wind(format_wind(tenths)) == tenths


@given(st.integers(-20_000, 20_000))
def test_wind_rounds_up_towards_positive(thousandths: int) -> None:
    sign = "-" if thousandths < 0 else "+"
    size = abs(thousandths)
    text = f"{sign}{size // 1000}.{size % 1000:03d}"
    assert parse_wind(text) == -(-thousandths // 100)  # ceiling, in tenths


@given(st.text(max_size=60))
def test_parse_wind_only_ever_raises_wind_error(text: str) -> None:
    try:
        tenths = parse_wind(text)
    except WindError:
        return
    assert tenths is None or -200 <= tenths <= 200


# ----------------------------------------------------------------- parsing tables


@pytest.mark.parametrize(
    ("text", "event", "expected"),
    [
        # Track times, hundredths
        ("9.58", M100, Mark(958, CS)),
        ("9.58s", M100, Mark(958, CS)),
        ("9.58 sec", M100, Mark(958, CS)),
        ("9,58", M100, Mark(958, CS)),
        ("43.03", M400, Mark(4303, CS)),
        ("59.9", M400, Mark(5990, CS)),  # FAT written with tenths, not a hand time
        ("1:40.91", M400, Mark(10091, CS)),
        ("3:45.14", MILE, Mark(22514, CS)),
        ("  3:45.14  ", MILE, Mark(22514, CS)),
        ("3.45.14", MILE, Mark(22514, CS)),
        ("225.14", MILE, Mark(22514, CS)),
        ("3:45,14", MILE, Mark(22514, CS)),
        ("03:45.14", MILE, Mark(22514, CS)),
        ("3:29.63", M1500, Mark(20963, CS)),
        ("27:00.00", M10000, Mark(162000, CS)),
        ("26:17.533", M10000, Mark(157754, CS)),  # RULES §5: up, never to nearest
        ("26:17.530", M10000, Mark(157753, CS)),
        ("59.999", M400, Mark(6000, CS)),  # rounding up carries into the minute
        ("1:02:48", M20000, Mark(376800, CS)),
        ("1:02:48.5", M20000, Mark(376850, CS)),
        ("59:26.322", M20000, Mark(356640, CS)),  # track > 10,000 m: next 0.1 s
        ("1:02:48.5", RELAY, Mark(376850, CS)),  # no distance on file: hours allowed
        # Hand times
        ("9.9h", M100, Mark(990, CS, hand_timed=True)),
        ("9.9H", M100, Mark(990, CS, hand_timed=True)),
        ("10.2 h", M100, Mark(1020, CS, hand_timed=True)),
        ("10.11h", M100, Mark(1020, CS, hand_timed=True)),  # next longer 0.1 s
        ("3:57.9h", MILE, Mark(23790, CS, hand_timed=True)),
        ("3:58h", MILE, Mark(23800, CS, hand_timed=True)),
        # Road times, whole seconds
        ("57:30", HALF, Mark(3450, S)),
        ("1:02:48", HALF, Mark(3768, S)),
        ("1:02:52", HALF, Mark(3772, S)),
        ("2:00:35", MARATHON, Mark(7235, S)),
        ("2:09:44.322", MARATHON, Mark(7785, S)),
        ("2:09:44.000", MARATHON, Mark(7784, S)),
        ("2:09:44h", MARATHON, Mark(7784, S)),  # road hand times count like any other
        ("12:49", ROAD_5K, Mark(769, S)),
        # Distances and heights
        ("8.95", LJ, Mark(895, CM)),
        ("8.95m", LJ, Mark(895, CM)),
        ("8.95 m", LJ, Mark(895, CM)),
        ("8.95 M", LJ, Mark(895, CM)),
        ("6,30", LJ, Mark(630, CM)),
        ("8.957", LJ, Mark(895, CM)),  # truncated, not rounded
        ("8.9", LJ, Mark(890, CM)),
        ("8", LJ, Mark(800, CM)),
        ("895cm", LJ, Mark(895, CM)),
        ("895 cm", LJ, Mark(895, CM)),
        ("18.29", TJ, Mark(1829, CM)),
        ("98.48", JT, Mark(9848, CM)),
        ("2.45", HJ, Mark(245, CM)),
        ("2.459", HJ, Mark(245, CM)),
        ("6.31", PV, Mark(631, CM)),
        # Points
        ("9126", DEC, Mark(9126, PTS)),
        ("9126 pts", DEC, Mark(9126, PTS)),
        ("9126pts", DEC, Mark(9126, PTS)),
        ("9 126", DEC, Mark(9126, PTS)),
        ("9\u202f126", DEC, Mark(9126, PTS)),  # narrow no-break space
        ("9,126", DEC, Mark(9126, PTS)),
        ("9.126", DEC, Mark(9126, PTS)),
        ("7291 points", DEC, Mark(7291, PTS)),
    ],
)
def test_parse_mark(text: str, event: Event, expected: Mark) -> None:
    assert parse_mark(text, event) == expected


@pytest.mark.parametrize(
    ("text", "event", "problem"),
    [
        ("3:75.00", MILE, "seconds must be below 60"),
        ("1:60:00", HALF, "minutes must be below 60"),
        ("1:60:00", M20000, "minutes must be below 60"),
        ("-1", MILE, "negative"),
        ("-1", DEC, "negative"),
        ("\u22128.95", LJ, "negative"),
        ("0", MILE, "more than zero"),
        ("0:00.00", MILE, "more than zero"),
        ("0.00", LJ, "more than zero"),
        ("0", DEC, "more than zero"),
        ("abc", MILE, "digits"),
        ("abc", LJ, "digits"),
        ("abc", DEC, "digits"),
        ("3:45.1.4", MILE, "more than one decimal point"),
        ("8.9.5", LJ, "more than one decimal point"),
        ("8.95,1", LJ, "more than one decimal point"),
        ("3.4.5.14", MILE, "too many '.'"),
        ("1:2:3:4", MILE, "too many ':'"),
        ("3:5.14", MILE, "two digits"),
        ("1:2:48", HALF, "two digits"),
        ("3.45:14", MILE, "'.'"),
        (":45.14", MILE, "missing"),
        ("3:45.", MILE, "missing"),
        ("8.", LJ, "missing"),
        ("3:45.14", HJ, "looks like a time"),
        ("2.45h", HJ, "digits"),
        ("9126.5", DEC, "whole number"),
        ("9,12", DEC, "whole number"),
        ("9 12 6", DEC, "whole number"),
        ("+9.58", M100, "digits"),
        ("9.58w", M100, "digits"),
        ("٩.٥٨", M100, "digits"),  # non-ASCII digits are not silently accepted
        ("3:45:14", MILE, "did you mean 3:45.14?"),
        ("1:00:00.00", M1500, "an hour or more"),
        ("3600", M100, "an hour or more"),
    ],
)
def test_parse_mark_rejects(text: str, event: Event, problem: str) -> None:
    with pytest.raises(MarkError) as info:
        parse_mark(text, event)
    message = str(info.value)
    assert problem in message
    assert_helpful(message, event)


def assert_helpful(message: str, event: Event) -> None:
    """One short line that names the event and shows a mark to copy."""
    assert "\n" not in message
    assert len(message) < 160
    assert event.name in message
    assert " like " in message


@pytest.mark.parametrize(
    ("text", "event", "expected_hint"),
    [
        ("3:75.00", MILE, "write a time like 3:45.00"),
        ("abc", LJ, "write a distance in metres like 8.00"),
        ("abc", HJ, "write a height in metres like 2.40"),
        ("abc", DEC, "write a score in points like 8000"),
        ("abc", MARATHON, "write a time like 2:17:30"),
    ],
)
def test_messages_show_a_valid_example_for_the_event(
    text: str, event: Event, expected_hint: str
) -> None:
    with pytest.raises(MarkError, match=expected_hint):
        parse_mark(text, event)
    example = expected_hint.rsplit(" ", 1)[1]
    parse_mark(example, event)  # the example itself must be accepted


@pytest.mark.parametrize("text", ["", "   ", "\t\n"])
def test_empty_input_is_rejected(text: str) -> None:
    with pytest.raises(MarkError, match="No mark given for the Mile") as info:
        parse_mark(text, MILE)
    assert_helpful(str(info.value), MILE)


@pytest.mark.parametrize(
    ("text", "event", "message"),
    [
        ("2:59.99", MILE, "'2:59.99' is not possible in the Mile: nothing faster than 3:00.00"),
        ("8.9h", M100, "nothing faster than 9.00"),
        ("3.10", HJ, "'3.10' is not possible in the High jump: nothing higher than 3.00 m"),
        ("10.01", LJ, "nothing longer than 10.00 m"),
        ("10 001", DEC, "nothing more than 10000 points"),
        ("54:59", HALF, "nothing faster than 55:00"),
    ],
)
def test_marks_better_than_the_limit_are_impossible(text: str, event: Event, message: str) -> None:
    with pytest.raises(MarkError) as info:
        parse_mark(text, event)
    assert message in str(info.value)
    assert str(info.value).endswith("check the mark")


def test_the_limit_itself_is_possible() -> None:
    assert parse_mark("3:00.00", MILE) == Mark(18000, CS)
    assert parse_mark("3.00", HJ) == Mark(300, CM)


def test_huge_input_is_rejected_and_not_echoed() -> None:
    # How fast: `python -m bench inputs`.
    text = "9" * 10_000
    with pytest.raises(MarkError, match="too long") as info:
        parse_mark(text, MILE)
    assert_helpful(str(info.value), MILE)
    assert "9" * 41 not in str(info.value)


@pytest.mark.parametrize("text", ["1:40.91" + " " * 60, "3:" + "0" * 60 + ".1", "(" * 5000])
def test_long_inputs_never_blow_up(text: str) -> None:
    with pytest.raises(MarkError):
        parse_mark(text, MILE)


# ----------------------------------------------------------------- formatting


@pytest.mark.parametrize(
    ("mark", "text"),
    [
        (Mark(958, CS), "9.58"),
        (Mark(4303, CS), "43.03"),
        (Mark(5990, CS), "59.90"),
        (Mark(6000, CS), "1:00.00"),
        (Mark(10091, CS), "1:40.91"),
        (Mark(22514, CS), "3:45.14"),
        (Mark(157100, CS), "26:11.00"),
        (Mark(457000, CS), "1:16:10.00"),
        (Mark(990, CS, hand_timed=True), "9.9h"),
        (Mark(23940, CS, hand_timed=True), "3:59.4h"),
        (Mark(769, S), "12:49"),
        (Mark(3450, S), "57:30"),
        (Mark(3772, S), "1:02:52"),
        (Mark(7235, S), "2:00:35"),
        (Mark(45, S), "0:45"),
        (Mark(895, CM), "8.95"),
        (Mark(245, CM), "2.45"),
        (Mark(1829, CM), "18.29"),
        (Mark(9848, CM), "98.48"),
        (Mark(5, CM), "0.05"),
        (Mark(9126, PTS), "9126"),
    ],
)
def test_format_mark(mark: Mark, text: str) -> None:
    assert format_mark(mark) == text
    assert str(mark) == text


def test_mark_accepts_unit_as_text() -> None:
    assert Mark(958, "cs").unit is CS  # type: ignore[arg-type]
    assert Mark(958, "cs") == Mark(958, CS)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"value": 9.58, "unit": CS}, TypeError),
        ({"value": True, "unit": CS}, TypeError),
        ({"value": -1, "unit": CS}, ValueError),
        ({"value": 995, "unit": CS, "hand_timed": True}, ValueError),
        ({"value": 895, "unit": CM, "hand_timed": True}, ValueError),
        ({"value": 958, "unit": "furlongs"}, ValueError),
    ],
)
def test_invalid_marks_cannot_be_built(kwargs: dict[str, object], error: type) -> None:
    with pytest.raises(error):
        Mark(**kwargs)  # type: ignore[arg-type]


# ----------------------------------------------------------------- comparing and margins


def test_lievin_mile_and_1500m_margins() -> None:
    new, old = parse_mark("3:45.14", MILE), parse_mark("3:46.63", MILE)
    assert is_better(MILE, new, old)
    assert margin(MILE, new, old) == 149
    assert format_margin(MILE, margin(MILE, new, old)) == "1.49"

    split, record = parse_mark("3:29.63", M1500), parse_mark("3:30.60", M1500)
    assert margin(M1500, split, record) == 97
    assert format_margin(M1500, 97) == "0.97"


def test_field_and_points_margins() -> None:
    assert margin(PV, parse_mark("6.31", PV), parse_mark("6.30", PV)) == 1
    assert format_margin(PV, 1) == "0.01 m"
    assert margin(LJ, parse_mark("8.95", LJ), parse_mark("8.90", LJ)) == 5
    assert margin(DEC, parse_mark("9126", DEC), parse_mark("9045", DEC)) == 81
    assert margin(LJ, parse_mark("8.90", LJ), parse_mark("8.95", LJ)) == -5


def test_road_margin() -> None:
    # Kiptum 2:00:35 (2023) against Kipchoge 2:01:09 (2022)
    amount = margin(MARATHON, parse_mark("2:00:35", MARATHON), parse_mark("2:01:09", MARATHON))
    assert amount == 34
    assert format_margin(MARATHON, amount) == "0:34"


@pytest.mark.parametrize(
    ("event", "amount", "text"),
    [
        (MILE, 149, "1.49"),
        (MILE, 97, "0.97"),
        (MILE, 1, "0.01"),
        (MILE, 0, "0.00"),
        (MILE, -149, "-1.49"),
        (MILE, 6100, "1:01.00"),
        (M20000, 360_000, "1:00:00.00"),
        (MARATHON, 5, "0:05"),
        (MARATHON, 65, "1:05"),
        (MARATHON, 3700, "1:01:40"),
        (LJ, 7, "0.07 m"),
        (LJ, 123, "1.23 m"),
        (LJ, -7, "-0.07 m"),
        (DEC, 12, "12 pts"),
        (DEC, 1, "1 pt"),
        (DEC, 0, "0 pts"),
    ],
)
def test_format_margin(event: Event, amount: int, text: str) -> None:
    assert format_margin(event, amount) == text


def test_equal_marks_are_not_better() -> None:
    a, b = parse_mark("9.58", M100), parse_mark("9.58", M100)
    assert compare(M100, a, b) == 0
    assert not is_better(M100, a, b)
    assert margin(M100, a, b) == 0


def test_direction_follows_the_event() -> None:
    assert is_better(MILE, Mark(22514, CS), Mark(22663, CS))
    assert not is_better(MILE, Mark(22663, CS), Mark(22514, CS))
    assert is_better(HJ, Mark(245, CM), Mark(243, CM))
    assert is_better(DEC, Mark(9126, PTS), Mark(9045, PTS))
    assert is_better(MARATHON, Mark(7235, S), Mark(7269, S))


def test_a_hand_time_never_equals_an_automatic_one() -> None:
    fat, hand = Mark(990, CS), Mark(990, CS, hand_timed=True)
    assert compare(M100, fat, hand) > 0
    assert compare(M100, hand, fat) < 0
    assert is_better(M100, Mark(989, CS), hand)
    assert is_better(M100, hand, Mark(991, CS))


def test_marks_in_another_unit_are_a_bug() -> None:
    with pytest.raises(ValueError, match="Mile marks are in cs"):
        compare(MILE, Mark(895, CM), Mark(22514, CS))
    with pytest.raises(ValueError):
        margin(LJ, Mark(895, CM), Mark(22514, CS))


# ----------------------------------------------------------------- wind


@pytest.mark.parametrize(
    ("text", "tenths"),
    [
        ("+0.9", 9),
        ("-0.3", -3),
        ("0.0", 0),
        ("+0.0", 0),
        ("-0.0", 0),
        ("2", 20),
        ("+2.0", 20),
        ("+2.03", 21),  # RULES §4: up towards positive -> illegal
        ("-2.03", -20),
        ("+2.00001", 21),
        ("-0.01", 0),
        ("+0,9", 9),
        ("\u22120.3", -3),  # typographic minus
        ("+1.4 m/s", 14),
        ("  +1.4  ", 14),
        ("+20.0", 200),
        ("-20.0", -200),
        ("", None),
        ("   ", None),
        (None, None),
        ("nwi", None),
        ("NWI", None),
        ("n/a", None),
        ("-", None),
    ],
)
def test_parse_wind(text: str | None, tenths: int | None) -> None:
    assert parse_wind(text) == tenths


@pytest.mark.parametrize(
    "text", ["+20.1", "-25", "100", "abc", "+", "2.0.1", "+-1", ".5", "1e1", "9" * 10_000]
)
def test_parse_wind_rejects(text: str) -> None:
    with pytest.raises(WindError) as info:
        parse_wind(text)
    message = str(info.value)
    assert "like +0.9" in message
    assert "\n" not in message
    assert len(message) < 180


@pytest.mark.parametrize(
    ("tenths", "text"),
    [(9, "+0.9"), (-3, "-0.3"), (0, "0.0"), (21, "+2.1"), (-20, "-2.0"), (200, "+20.0"),
     (None, "")],
)  # fmt: skip
def test_format_wind(tenths: int | None, text: str) -> None:
    assert format_wind(tenths) == text


@pytest.mark.parametrize(
    ("tenths", "legal"), [(None, True), (-50, True), (0, True), (20, True), (21, False)]
)
def test_wind_legal(tenths: int | None, legal: bool) -> None:
    assert wind_legal(tenths) is legal


def test_wind_legal_after_rounding_up() -> None:
    assert wind_legal(parse_wind("+2.0"))
    assert not wind_legal(parse_wind("+2.01"))
