"""Reading a time as people type it (9.58, 1:40.91, 3.45.14, 2:00:35, 9.9h) into an
exact integer in the event's unit, rounded up as World Athletics rounds (RULES.md §5).

The parts raise :class:`~bot.domain.reading.Unreadable` naming the problem;
`bot.domain.marks.parse_mark` words the message the user sees.
"""

from __future__ import annotations

from bot.domain.events import Event, Unit
from bot.domain.reading import DIGITS, Unreadable, is_digits, strip_suffix

# Track races over 10,000 m are timed to the next longer 0.1 s (RULES.md §5).
_TENTHS_ONLY_OVER_M = 10_000
# No track race up to this distance takes an hour: a time of an hour or more there is a
# typo ("3:45:14" for 3:45.14), not a mark.
_NO_HOURS_UP_TO_M = 5_000

CS_PER_S = 100
CS_PER_TENTH = 10


def time_step_cs(event: Event, *, hand: bool) -> int:
    """The precision, in cs, a time for `event` is rounded up to (RULES.md §5)."""
    if hand:
        return CS_PER_TENTH  # hand timing on the track: next longer 0.1 s
    if event.distance_m is not None and event.distance_m > _TENTHS_ONLY_OVER_M:
        return CS_PER_TENTH  # automatic timing, track races over 10,000 m
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


def parse_time(cleaned: str, event: Event) -> tuple[int, bool]:
    """A time (lower-cased, trimmed) in the event's unit (cs or s), and whether it was
    hand timed."""
    body, hand = _body(cleaned, event)
    whole_fields, seconds_field = _fields(body)
    hours, minutes, seconds, fraction = _clock(whole_fields, seconds_field)

    whole_seconds = int(hours) * 3600 + int(minutes) * 60 + int(seconds)
    if event.unit is Unit.SECONDS:
        # Road races: any fraction goes up to the next whole second.
        return whole_seconds + _round_up(fraction, 1), False
    step = time_step_cs(event, hand=hand)
    value = whole_seconds * CS_PER_S + _round_up(fraction, CS_PER_S // step) * step
    # Checked after rounding: 59:59.999 is an hour too.
    if value >= 3600 * CS_PER_S and _under_an_hour(event):
        if len(whole_fields) == 2 and not fraction:
            # "3:45:14" for a mile is a mistyped 3:45.14, not three hours.
            raise Unreadable(f"that reads as hours (did you mean {hours}:{minutes}.{seconds}?)")
        raise Unreadable("it can't take an hour or more")
    return value, hand


def _body(cleaned: str, event: Event) -> tuple[str, bool]:
    """The digits and separators of a time, with '.' as the decimal point, and whether it
    was marked hand timed ('h')."""
    body = strip_suffix(cleaned, ("seconds", "secs", "sec", "s"))
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
    if not body or any(c not in DIGITS and c not in ":." for c in body):
        raise Unreadable("use digits with ':' between minutes and seconds")
    return body, hand


def _fields(body: str) -> tuple[list[str], str]:
    """The whole fields (hours, minutes) and the seconds with their fraction."""
    if ":" in body:
        fields = body.split(":")
        if len(fields) > 3:
            raise Unreadable("too many ':' (at most hours:minutes:seconds)")
        *whole_fields, seconds_field = fields
        if any("." in field for field in whole_fields):
            raise Unreadable("a '.' can only come before the fraction of a second")
        return whole_fields, seconds_field
    dots = body.count(".")
    if dots > 2:
        raise Unreadable("too many '.'")
    if dots == 2:
        # "3.45.14": dots used as the minute separator too.
        minutes, seconds, fraction = body.split(".")
        return [minutes], f"{seconds}.{fraction}"
    return [], body


def _clock(whole_fields: list[str], seconds_field: str) -> tuple[str, str, str, str]:
    """Hours, minutes, seconds and the fraction's digits, each checked."""
    if seconds_field.count(".") > 1:
        raise Unreadable("more than one decimal point")
    seconds, point, fraction = seconds_field.partition(".")
    if not all(is_digits(field) for field in (*whole_fields, seconds)) or (
        point and not is_digits(fraction)
    ):
        raise Unreadable("a number is missing around ':' or '.'")

    if whole_fields:
        if len(seconds) != 2:
            raise Unreadable("seconds need two digits after the minutes")
        if int(seconds) >= 60:
            raise Unreadable("seconds must be below 60")
    if len(whole_fields) == 2:
        hours, minutes = whole_fields
        if len(minutes) != 2:
            raise Unreadable("minutes need two digits after the hours")
        if int(minutes) >= 60:
            raise Unreadable("minutes must be below 60 when hours are given")
    else:
        hours, minutes = "0", whole_fields[0] if whole_fields else "0"
    return hours, minutes, seconds, fraction
