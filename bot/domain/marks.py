"""Marks: the one place that parses what people type into exact integers and formats them back.

A mark is an integer in its event's unit (:class:`~bot.domain.events.Unit`): hundredths of
a second for track times, whole seconds for road races, centimetres for jumps and throws,
points for combined events. Floats never appear: every conversion is done on the digits
themselves, so ``3:45.14`` is exactly ``22514`` and never ``22513.999…``.

Rounding follows World Athletics (RULES.md §5): times are always rounded *up* (towards
slower), field marks are truncated to the centimetre below, and a wind reading is rounded
up towards the positive side (RULES.md §4).

Times are read in `times`, wind readings in `wind` (re-exported here); the pieces both
share with this module (digits, minus signs, quoting a bad input) are in `reading`.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.events import Event, MarkKind, Unit
from bot.domain.reading import (
    DIGITS,
    MAX_INPUT,
    MINUS_SIGNS,
    Unreadable,
    is_digits,
    quote,
    strip_suffix,
)
from bot.domain.times import CS_PER_S, CS_PER_TENTH, parse_time, time_step_cs
from bot.domain.wind import WIND_LEGAL_MAX, WindError, format_wind, parse_wind, wind_legal

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


class MarkError(ValueError):
    """A mark could not be read. The message says what was wrong and what to write instead."""


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
        if self.hand_timed and self.value % CS_PER_TENTH:
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
    whole, cs = divmod(value, CS_PER_S)
    fraction = f"{cs // CS_PER_TENTH}" if tenths else f"{cs:02d}"
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


def _example(event: Event) -> str:
    """A plausible, valid mark for `event`, derived from its limit (mile: 3:45.00)."""
    if event.lower_is_better:
        value = event.limit * 5 // 4
        if event.unit is Unit.CENTISECONDS:
            step = time_step_cs(event, hand=False)
            value = -(-value // step) * step  # the example must itself be a valid mark
    else:
        value = event.limit * 4 // 5
    if value <= 0:
        value = _FALLBACK_EXAMPLE[event.unit]
    return format_mark(Mark(value, event.unit))


def _error(text: str, event: Event, problem: str) -> MarkError:
    noun = _NOUN[event.kind]
    return MarkError(
        f"{quote(text)} is not a valid {noun} for the {event.name}: {problem}"
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
    if len(text) > MAX_INPUT:
        raise _error(text, event, f"that is too long for a mark (over {MAX_INPUT} characters)")
    cleaned = text.strip().lower()
    if not cleaned:
        raise MarkError(
            f"No mark given for the {event.name} — write {_WRITE[event.kind]}"
            f" like {_example(event)}"
        )
    if cleaned.startswith(MINUS_SIGNS):
        raise _error(text, event, "a mark can't be negative")

    hand_timed = False
    match event.unit:
        case Unit.CENTISECONDS | Unit.SECONDS:
            try:
                value, hand_timed = parse_time(cleaned, event)
            except Unreadable as exc:
                raise _error(text, event, str(exc)) from None
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
            f"{quote(text)} is not possible in the {event.name}: nothing"
            f" {_BEYOND[event.kind]} than {_limit_text(event)} — check the mark"
        )
    return Mark(value, event.unit, hand_timed)


def _parse_metres(cleaned: str, text: str, event: Event) -> int:
    """A jump or throw in cm: metres with '.' or ',', or whole/decimal cm with 'cm'."""
    if ":" in cleaned:
        raise _error(text, event, "that looks like a time")
    in_cm = cleaned.endswith("cm")
    body = cleaned[:-2].rstrip() if in_cm else strip_suffix(cleaned, ("metres", "meters", "m"))
    if not body or any(c not in DIGITS and c not in ".," for c in body):
        raise _error(text, event, "use digits and one decimal point")
    separators = body.count(".") + body.count(",")
    if separators > 1:
        raise _error(text, event, "more than one decimal point")
    whole, _, fraction = body.replace(",", ".").partition(".")
    if not is_digits(whole) or (separators and not is_digits(fraction)):
        raise _error(text, event, "a number is missing around the decimal point")
    # Measurements are cut, never rounded, to the centimetre below (RULES.md §5).
    if in_cm:
        return int(whole)
    return int(whole) * 100 + int(fraction[:2].ljust(2, "0"))


def _parse_points(cleaned: str, text: str, event: Event) -> int:
    """Whole points, with an optional thousands separator: 9126, 9 126, 9,126, 9.126."""
    body = strip_suffix(cleaned, ("points", "pts", "pt", "p"))
    body = " ".join(body.split())  # any kind of space (no-break, thin) becomes one space
    if not body or any(c not in DIGITS and c not in " ,.'’" for c in body):
        raise _error(text, event, "use digits only")
    if is_digits(body):
        return int(body)
    # Anything else must be thousands grouping: 1-3 digits, then groups of exactly 3,
    # all with the same separator. "9126.5" or "9,12" fail here.
    separator = next(c for c in body if c not in DIGITS)
    head, *groups = body.split(separator)
    if (
        not is_digits(head)
        or len(head) > 3
        or not all(is_digits(group) and len(group) == 3 for group in groups)
    ):
        raise _error(text, event, "points are a whole number")
    return int(head + "".join(groups))
