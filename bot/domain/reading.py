"""What the mark and wind readers share: how much of an input they look at, which
characters count as digits and minus signs, and how a bad input is shown back."""

from __future__ import annotations

# Longest input we even look at. Real marks are under 20 characters; refusing anything
# longer up front keeps parsing O(1) whatever a user pastes.
MAX_INPUT = 50
# How much of a bad input an error message repeats, so a message stays one short line.
_MAX_ECHO = 40

DIGITS = frozenset("0123456789")  # ASCII only: int() would also accept "٣" or "３"
MINUS_SIGNS = ("-", "\u2212", "\u2013")  # hyphen-minus, minus sign, en dash


class Unreadable(ValueError):
    """Raised by a part of a reader: the problem only; the caller words the message."""


def quote(text: str) -> str:
    """The input as shown back in a message: trimmed, and cut so the message stays short."""
    stripped = text.strip()
    shown = stripped if len(stripped) <= _MAX_ECHO else stripped[: _MAX_ECHO - 1] + "…"
    # Control characters (newlines included) would break the one-line message.
    shown = "".join(c if c.isprintable() else " " if c.isspace() else "?" for c in shown)
    return f"'{shown}'"


def strip_suffix(text: str, suffixes: tuple[str, ...]) -> str:
    """`text` without the first of `suffixes` it ends with (longest listed first)."""
    for suffix in suffixes:
        if text.endswith(suffix):
            return text[: -len(suffix)].rstrip()
    return text


def is_digits(text: str) -> bool:
    return bool(text) and all(c in DIGITS for c in text)
