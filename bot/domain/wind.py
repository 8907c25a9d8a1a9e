"""Wind readings: parsed into signed tenths of m/s, formatted back, and judged for
records (RULES.md §4). A reading is rounded up towards the positive side."""

from __future__ import annotations

from bot.domain.reading import MAX_INPUT, MINUS_SIGNS, is_digits, quote, strip_suffix

__all__ = ["WIND_LEGAL_MAX", "WindError", "format_wind", "parse_wind", "wind_legal"]

WIND_LEGAL_MAX = 20  # tenths of m/s: +2.0 m/s is the most a record allows (RULES.md §4)
_WIND_ABSURD = 200  # tenths of m/s: no anemometer reading in athletics is beyond 20 m/s
_NO_WIND_WORDS = frozenset({"nwi", "n/a", "na", "-", "\u2013", "\u2014"})

_WIND_HINT = "write it in m/s like +0.9 or -1.2, or leave it empty if not measured"


class WindError(ValueError):
    """A wind reading could not be read. The message says what to write instead."""


def _wind_error(text: str, problem: str) -> WindError:
    return WindError(f"{quote(text)} is not a wind reading: {problem} — {_WIND_HINT}")


def parse_wind(text: str | None) -> int | None:
    """A wind reading in tenths of m/s, signed; None when it was not measured.

    Rounded up to the next tenth towards the positive side (RULES.md §4): +2.03 -> 21,
    -2.03 -> -20. Empty, "nwi" or "-" mean no reading, which is not the same as 0.0.
    """
    if text is None:
        return None
    if len(text) > MAX_INPUT:
        raise _wind_error(text, "too long")
    cleaned = strip_suffix(text.strip().lower(), ("m/s", "ms"))
    if not cleaned or cleaned in _NO_WIND_WORDS:
        return None

    negative = cleaned.startswith(MINUS_SIGNS)
    body = cleaned[1:] if negative or cleaned.startswith("+") else cleaned
    whole, point, fraction = body.replace(",", ".", 1).partition(".")
    if not is_digits(whole) or (point and not is_digits(fraction)):
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
