"""Marks: the one place that parses what people type into exact integers and formats them back.

A mark is an integer in its event's unit (:class:`~bot.domain.events.Unit`): hundredths of
a second for track times, whole seconds for road races, centimetres for jumps and throws,
points for combined events. Floats never appear: every conversion is done on the digits
themselves, so ``3:45.14`` is exactly ``22514`` and never ``22513.999…``.

Rounding follows World Athletics (RULES.md §5): times are always rounded *up* (towards
slower), field marks are truncated to the centimetre below, and a wind reading is rounded
up towards the positive side (RULES.md §4).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.events import Event, MarkKind, Unit

__all__ = [
    "WIND_LEGAL_MAX",
    "Mark",
    "MarkError",
    "WindError",
    "compare",
    "format_margin",
    "format_mark",
    "format_wind",
    "is_better",
    "margin",
    "parse_mark",
    "parse_wind",
    "wind_legal",
]

# Longest input we even look at. Real marks are under 20 characters; refusing anything
# longer up front keeps parsing O(1) whatever a user pastes.
_MAX_INPUT = 50
# How much of a bad input an error message repeats, so a message stays one short line.
_MAX_ECHO = 40

_DIGITS = frozenset("0123456789")  # ASCII only: int() would also accept "٣" or "３"
_MINUS_SIGNS = ("-", "\u2212", "\u2013")  # hyphen-minus, minus sign, en dash

# Track races over 10,000 m are timed to the next longer 0.1 s (RULES.md §5).
_TENTHS_ONLY_OVER_M = 10_000
# No track race up to this distance takes an hour: a time of an hour or more there is a
# typo ("3:45:14" for 3:45.14), not a mark.
_NO_HOURS_UP_TO_M = 5_000

_CS_PER_S = 100
_CS_PER_TENTH = 10

WIND_LEGAL_MAX = 20  # tenths of m/s: +2.0 m/s is the most a record allows (RULES.md §4)
_WIND_ABSURD = 200  # tenths of m/s: no anemometer reading in athletics is beyond 20 m/s
_NO_WIND_WORDS = frozenset({"nwi", "n/a", "na", "-", "\u2013", "\u2014"})


class MarkError(ValueError):
    """A mark could not be read. The message says what was wrong and what to write instead."""


class WindError(ValueError):
    """A wind reading could not be read. The message says what to write instead."""


@dataclass(frozen=True)
class Mark:
    """An exact mark: `value` in `unit`.

    A hand time (``hand_timed``) is still stored in hundredths (9.9h -> 990) so it sorts
    with automatic times, but it is only ever precise to the tenth and never counts for
    records.
    """

    value: int
    unit: Unit
    hand_timed: bool = False

    def __post_init__(self) -> None:
        # Accept "cs" as well as Unit.CENTISECONDS (e.g. straight from a database row).
        object.__setattr__(self, "unit", Unit(self.unit))
        if isinstance(self.value, bool) or not isinstance(self.value, int):
            raise TypeError(f"a mark's value is an int, not {type(self.value).__name__}")
        if self.value < 0:
            raise ValueError(f"a mark can't be negative: {self.value}")
        if self.hand_timed and self.unit is not Unit.CENTISECONDS:
            raise ValueError("only track times (unit cs) can be hand timed")
        if self.hand_timed and self.value % _CS_PER_TENTH:
            raise ValueError(f"a hand time is in tenths of a second, got {self.value} cs")

    def __str__(self) -> str:
        return format_mark(self)


# --------------------------------------------------------------------------- formatting


def format_mark(mark: Mark) -> str:
    """The official notation (RULES.md §12): 9.58, 3:45.14, 2:00:35, 8.95, 9126, 9.9h."""
    match mark.unit:
        case Unit.CENTISECONDS:
            if mark.hand_timed:
                return _format_cs(mark.value, tenths=True) + "h"
            return _format_cs(mark.value)
        case Unit.SECONDS:
            return _format_seconds(mark.value)
        case Unit.CENTIMETRES:
            return _format_metres(mark.value)
        case Unit.POINTS:
            return str(mark.value)
    raise AssertionError(f"unhandled unit {mark.unit!r}")  # pragma: no cover


def _format_cs(value: int, *, tenths: bool = False) -> str:
    """9.58, 1:40.91, 1:02:48.50; with `tenths`, one decimal only (hand times)."""
    whole, cs = divmod(value, _CS_PER_S)
    fraction = f"{cs // _CS_PER_TENTH}" if tenths else f"{cs:02d}"
    hours, rest = divmod(whole, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{seconds:02d}.{fraction}"
    if minutes:
        return f"{minutes}:{seconds:02d}.{fraction}"
    return f"{seconds}.{fraction}"


def _format_seconds(value: int) -> str:
    """12:49, 57:30, 2:00:35 — whole seconds always show minutes, even 0:34."""
    hours, rest = divmod(value, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{seconds:02d}"
    return f"{minutes}:{seconds:02d}"


def _format_metres(value: int) -> str:
    metres, cm = divmod(value, 100)
    return f"{metres}.{cm:02d}"


# --------------------------------------------------------------------------- comparing


def _check_units(event: Event, *marks: Mark) -> None:
    # Comparing marks in different units is always a bug upstream, never a user error.
    for mark in marks:
        if mark.unit != event.unit:
            raise ValueError(
                f"{event.name} marks are in {event.unit.value}, got one in {mark.unit.value}"
            )


def compare(event: Event, a: Mark, b: Mark) -> int:
    """>0 if `a` is better than `b`, 0 if they are the same mark, <0 if worse.

    Direction comes from the event (times: lower is better). On an equal value an
    automatic time ranks ahead of a hand time: the two are never the same mark
    (RULES.md §5), and ranking FAT first keeps the order total and antisymmetric.
    """
    _check_units(event, a, b)
    if a.value != b.value:
        better = a.value < b.value if event.lower_is_better else a.value > b.value
        return 1 if better else -1
    if a.hand_timed != b.hand_timed:
        return -1 if a.hand_timed else 1
    return 0


def is_better(event: Event, a: Mark, b: Mark) -> bool:
    """Whether `a` is strictly better than `b` (an equal mark is not better)."""
    return compare(event, a, b) > 0


def margin(event: Event, new: Mark, old: Mark) -> int:
    """How much better `new` is than `old`, in the event's unit; negative when worse."""
    _check_units(event, new, old)
    if event.lower_is_better:
        return old.value - new.value
    return new.value - old.value


def format_margin(event: Event, amount: int) -> str:
    """A margin in the event's notation: 1.49, 1:01.00, 0:34, 0.07 m, 12 pts.

    Times read like marks (no unit, as results do); metres and points name their unit
    because a bare "0.07" or "12" is ambiguous. A negative amount keeps its sign.
    """
    sign = "-" if amount < 0 else ""
    size = abs(amount)
    match event.unit:
        case Unit.CENTISECONDS:
            return sign + _format_cs(size)
        case Unit.SECONDS:
            return sign + _format_seconds(size)
        case Unit.CENTIMETRES:
            return f"{sign}{_format_metres(size)} m"
        case Unit.POINTS:
            return f"{sign}{size} {'pt' if size == 1 else 'pts'}"
    raise AssertionError(f"unhandled unit {event.unit!r}")  # pragma: no cover


# --------------------------------------------------------------------------- parsing

_NOUN = {
    MarkKind.TIME: "time",
    MarkKind.DISTANCE: "distance",
    MarkKind.HEIGHT: "height",
    MarkKind.POINTS: "score",
}
_WRITE = {
    MarkKind.TIME: "a time",
    MarkKind.DISTANCE: "a distance in metres",
    MarkKind.HEIGHT: "a height in metres",
    MarkKind.POINTS: "a score in points",
}
_BEYOND = {
    MarkKind.TIME: "faster",
    MarkKind.DISTANCE: "longer",
    MarkKind.HEIGHT: "higher",
    MarkKind.POINTS: "more",
}
# Used for the example in a message only if the event's limit gives nothing sensible.
_FALLBACK_EXAMPLE = {
    Unit.CENTISECONDS: 22514,
    Unit.SECONDS: 7235,
    Unit.CENTIMETRES: 895,
    Unit.POINTS: 9126,
}


def _quote(text: str) -> str:
    """The input as shown back in a message: trimmed, and cut so the message stays short."""
    stripped = text.strip()
    shown = stripped if len(stripped) <= _MAX_ECHO else stripped[: _MAX_ECHO - 1] + "…"
    # Control characters (newlines included) would break the one-line message.
    shown = "".join(c if c.isprintable() else " " if c.isspace() else "?" for c in shown)
    return f"'{shown}'"


def _example(event: Event) -> str:
    """A plausible, valid mark for `event`, derived from its limit (mile: 3:45.00)."""
    if event.lower_is_better:
        value = event.limit * 5 // 4
        if event.unit is Unit.CENTISECONDS:
            step = _time_step_cs(event, hand=False)
            value = -(-value // step) * step  # the example must itself be a valid mark
    else:
        value = event.limit * 4 // 5
    if value <= 0:
        value = _FALLBACK_EXAMPLE[event.unit]
    return format_mark(Mark(value, event.unit))


def _error(text: str, event: Event, problem: str) -> MarkError:
    noun = _NOUN[event.kind]
    return MarkError(
        f"{_quote(text)} is not a valid {noun} for the {event.name}: {problem}"
        f" — write {_WRITE[event.kind]} like {_example(event)}"
    )


def _limit_text(event: Event) -> str:
    shown = format_mark(Mark(event.limit, event.unit))
    if event.unit is Unit.CENTIMETRES:
        return f"{shown} m"
    if event.unit is Unit.POINTS:
        return f"{shown} points"
    return shown


def parse_mark(text: str, event: Event) -> Mark:
    """Read a mark as people type it for `event`; raise :class:`MarkError` if it can't be.

    Times: 9.58, 1:40.91, 3.45.14, 225.14, 1:02:48, 26:17.533 (-> 26:17.54), 9.9h.
    Road times (unit s): 57:30, 2:00:35; fractions round up to the next second.
    Field: 8.95, 8.95 m, 6,30, 895 cm; extra digits are cut to the centimetre below.
    Points: 9126, 9126 pts, 9 126, 9,126.
    """
    if len(text) > _MAX_INPUT:
        raise _error(text, event, f"that is too long for a mark (over {_MAX_INPUT} characters)")
    cleaned = text.strip().lower()
    if not cleaned:
        raise MarkError(
            f"No mark given for the {event.name} — write {_WRITE[event.kind]}"
            f" like {_example(event)}"
        )
    if cleaned.startswith(_MINUS_SIGNS):
        raise _error(text, event, "a mark can't be negative")

    hand_timed = False
    match event.unit:
        case Unit.CENTISECONDS | Unit.SECONDS:
            value, hand_timed = _parse_time(cleaned, text, event)
        case Unit.CENTIMETRES:
            value = _parse_metres(cleaned, text, event)
        case Unit.POINTS:
            value = _parse_points(cleaned, text, event)
        case _:  # pragma: no cover
            raise AssertionError(f"unhandled unit {event.unit!r}")

    if value == 0:
        raise _error(text, event, "a mark must be more than zero")
    impossible = value < event.limit if event.lower_is_better else value > event.limit
    if impossible:
        raise MarkError(
            f"{_quote(text)} is not possible in the {event.name}: nothing"
            f" {_BEYOND[event.kind]} than {_limit_text(event)} — check the mark"
        )
    return Mark(value, event.unit, hand_timed)


def _strip_suffix(text: str, suffixes: tuple[str, ...]) -> str:
    """`text` without the first of `suffixes` it ends with (longest listed first)."""
    for suffix in suffixes:
        if text.endswith(suffix):
            return text[: -len(suffix)].rstrip()
    return text


def _is_digits(text: str) -> bool:
    return bool(text) and all(c in _DIGITS for c in text)


def _time_step_cs(event: Event, *, hand: bool) -> int:
    """The precision, in cs, a time for `event` is rounded up to (RULES.md §5)."""
    if hand:
        return _CS_PER_TENTH  # hand timing on the track: next longer 0.1 s
    if event.distance_m is not None and event.distance_m > _TENTHS_ONLY_OVER_M:
        return _CS_PER_TENTH  # automatic timing, track races over 10,000 m
    return 1


def _under_an_hour(event: Event) -> bool:
    """Whether every real time for `event` is under an hour (track races up to 5000 m)."""
    return (
        event.unit is Unit.CENTISECONDS
        and event.distance_m is not None
        and event.distance_m <= _NO_HOURS_UP_TO_M
    )


def _round_up(digits: str, per_unit: int) -> int:
    """The decimal fraction 0.`digits`, in 1/`per_unit` steps, rounded up.

    ``_round_up("533", 100) == 54``: exact integer ceiling, no float in between.
    """
    if not digits:
        return 0
    denominator = 10 ** len(digits)
    return -(-int(digits) * per_unit // denominator)


def _parse_time(cleaned: str, text: str, event: Event) -> tuple[int, bool]:
    """A time in the event's unit (cs or s), and whether it was hand timed."""
    body = _strip_suffix(cleaned, ("seconds", "secs", "sec", "s"))
    hand = body.endswith("h")
    if hand:
        body = body[:-1].rstrip()
    if hand and event.unit is Unit.SECONDS:
        # Outside the stadium hand and transponder times are rounded to the whole second
        # like automatic ones and count for records alike (RULES.md §5): nothing to keep.
        hand = False

    # A lone decimal comma (European "9,58", "3:45,14") is a decimal point.
    if body.count(",") == 1 and "." not in body:
        body = body.replace(",", ".")
    if not body or any(c not in _DIGITS and c not in ":." for c in body):
        raise _error(text, event, "use digits with ':' between minutes and seconds")

    if ":" in body:
        fields = body.split(":")
        if len(fields) > 3:
            raise _error(text, event, "too many ':' (at most hours:minutes:seconds)")
        *whole_fields, seconds_field = fields
        if any("." in field for field in whole_fields):
            raise _error(text, event, "a '.' can only come before the fraction of a second")
    else:
        dots = body.count(".")
        if dots > 2:
            raise _error(text, event, "too many '.'")
        if dots == 2:
            # "3.45.14": dots used as the minute separator too.
            minutes, seconds, fraction = body.split(".")
            whole_fields, seconds_field = [minutes], f"{seconds}.{fraction}"
        else:
            whole_fields, seconds_field = [], body

    if seconds_field.count(".") > 1:
        raise _error(text, event, "more than one decimal point")
    seconds, point, fraction = seconds_field.partition(".")
    if not all(_is_digits(field) for field in (*whole_fields, seconds)) or (
        point and not _is_digits(fraction)
    ):
        raise _error(text, event, "a number is missing around ':' or '.'")

    if whole_fields:
        if len(seconds) != 2:
            raise _error(text, event, "seconds need two digits after the minutes")
        if int(seconds) >= 60:
            raise _error(text, event, "seconds must be below 60")
    if len(whole_fields) == 2:
        hours, minutes = whole_fields
        if len(minutes) != 2:
            raise _error(text, event, "minutes need two digits after the hours")
        if int(minutes) >= 60:
            raise _error(text, event, "minutes must be below 60 when hours are given")
    else:
        hours, minutes = "0", whole_fields[0] if whole_fields else "0"

    whole_seconds = int(hours) * 3600 + int(minutes) * 60 + int(seconds)
    if event.unit is Unit.SECONDS:
        # Road races: any fraction goes up to the next whole second.
        return whole_seconds + _round_up(fraction, 1), False
    step = _time_step_cs(event, hand=hand)
    value = whole_seconds * _CS_PER_S + _round_up(fraction, _CS_PER_S // step) * step
    # Checked after rounding: 59:59.999 is an hour too.
    if value >= 3600 * _CS_PER_S and _under_an_hour(event):
        if len(whole_fields) == 2 and not point:
            # "3:45:14" for a mile is a mistyped 3:45.14, not three hours.
            problem = f"that reads as hours (did you mean {hours}:{minutes}.{seconds}?)"
        else:
            problem = "it can't take an hour or more"
        raise _error(text, event, problem)
    return value, hand


def _parse_metres(cleaned: str, text: str, event: Event) -> int:
    """A jump or throw in cm: metres with '.' or ',', or whole/decimal cm with 'cm'."""
    if ":" in cleaned:
        raise _error(text, event, "that looks like a time")
    in_cm = cleaned.endswith("cm")
    body = cleaned[:-2].rstrip() if in_cm else _strip_suffix(cleaned, ("metres", "meters", "m"))
    if not body or any(c not in _DIGITS and c not in ".," for c in body):
        raise _error(text, event, "use digits and one decimal point")
    separators = body.count(".") + body.count(",")
    if separators > 1:
        raise _error(text, event, "more than one decimal point")
    whole, _, fraction = body.replace(",", ".").partition(".")
    if not _is_digits(whole) or (separators and not _is_digits(fraction)):
        raise _error(text, event, "a number is missing around the decimal point")
    # Measurements are cut, never rounded, to the centimetre below (RULES.md §5).
    if in_cm:
        return int(whole)
    return int(whole) * 100 + int(fraction[:2].ljust(2, "0"))


def _parse_points(cleaned: str, text: str, event: Event) -> int:
    """Whole points, with an optional thousands separator: 9126, 9 126, 9,126, 9.126."""
    body = _strip_suffix(cleaned, ("points", "pts", "pt", "p"))
    body = " ".join(body.split())  # any kind of space (no-break, thin) becomes one space
    if not body or any(c not in _DIGITS and c not in " ,.'’" for c in body):
        raise _error(text, event, "use digits only")
    if _is_digits(body):
        return int(body)
    # Anything else must be thousands grouping: 1-3 digits, then groups of exactly 3,
    # all with the same separator. "9126.5" or "9,12" fail here.
    separator = next(c for c in body if c not in _DIGITS)
    head, *groups = body.split(separator)
    if (
        not _is_digits(head)
        or len(head) > 3
        or not all(_is_digits(group) and len(group) == 3 for group in groups)
    ):
        raise _error(text, event, "points are a whole number")
    return int(head + "".join(groups))


# --------------------------------------------------------------------------- wind

_WIND_HINT = "write it in m/s like +0.9 or -1.2, or leave it empty if not measured"


def _wind_error(text: str, problem: str) -> WindError:
    return WindError(f"{_quote(text)} is not a wind reading: {problem} — {_WIND_HINT}")


def parse_wind(text: str | None) -> int | None:
    """A wind reading in tenths of m/s, signed; None when it was not measured.

    Rounded up to the next tenth towards the positive side (RULES.md §4): +2.03 -> 21,
    -2.03 -> -20. Empty, "nwi" or "-" mean no reading, which is not the same as 0.0.
    """
    if text is None:
        return None
    if len(text) > _MAX_INPUT:
        raise _wind_error(text, "too long")
    cleaned = _strip_suffix(text.strip().lower(), ("m/s", "ms"))
    if not cleaned or cleaned in _NO_WIND_WORDS:
        return None

    negative = cleaned.startswith(_MINUS_SIGNS)
    body = cleaned[1:] if negative or cleaned.startswith("+") else cleaned
    whole, point, fraction = body.replace(",", ".", 1).partition(".")
    if not _is_digits(whole) or (point and not _is_digits(fraction)):
        raise _wind_error(text, "use a sign, digits and one decimal point")

    # Truncate to tenths, then decide the last step by direction: a tailwind goes up
    # (+2.03 -> +2.1), a headwind towards zero (-2.03 -> -2.0), as both are "upwards".
    tenths = int(whole) * 10 + int(fraction[:1] or "0")
    remainder = fraction[1:].strip("0") != ""
    if negative:
        tenths = -tenths
    elif remainder:
        tenths += 1
    if abs(tenths) > _WIND_ABSURD:
        raise _wind_error(text, f"over {_WIND_ABSURD // 10} m/s is not believable")
    return tenths


def format_wind(tenths: int | None) -> str:
    """+0.9, -0.3, 0.0; empty when there was no reading."""
    if tenths is None:
        return ""
    sign = "+" if tenths > 0 else "-" if tenths < 0 else ""
    whole, tenth = divmod(abs(tenths), 10)
    return f"{sign}{whole}.{tenth}"


def wind_legal(tenths: int | None) -> bool:
    """Whether the wind allows a record: at most +2.0 m/s (RULES.md §4).

    No reading (None) passes: indoor marks and events without wind have none. Whether an
    outdoor mark in a wind-affected event *needs* a reading is for the records engine.
    """
    return tenths is None or tenths <= WIND_LEGAL_MAX
