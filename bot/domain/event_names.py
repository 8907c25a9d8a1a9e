"""Event names as people type them, reduced to one lookup key: "1,500 m", "1500 metres"
and "1500" are the same event, as are "110mh" and "110 m hurdles".

Pure text: no catalogue, no I/O. `bot.domain.catalogue` keys its lookups with `normalise`.
"""

from __future__ import annotations

import re

from bot.domain.text import fold

__all__ = ["normalise", "plain_key"]

# Thousands separators between digit groups: "1,500" / "10 000" / "1'500" -> "1500".
_THOUSANDS = re.compile(r"(?<=\d)[,'\u00a0\u202f ](?=\d{3}(?!\d))")
# A decimal point must survive folding, or "1.5k" would read as "15k" (a different event).
_DECIMAL = re.compile(r"(?<=\d)\.(?=\d)")
_TIMES_SIGNS = str.maketrans({"×": "x", "✕": "x", "╳": "x", "⨯": "x"})

# Word-level rewrites on folded text (lower case, words separated by single spaces).
_WORD_REWRITES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"\bwomen s only\b|\bwomens only\b|\bwomen only\b", "wo"),
        (r"(?<=\d) ?(?:kilometres?|kilometers?|kms?|k)\b", "km"),
        (r"(?<=\d) ?(?:metres?|meters?|mtrs?|mts)\b", "m"),
        (r"\b(?:metres?|meters?)\b", "m"),
        (r"(?<=\d) ?(?:miles?|mi)\b", "mile"),
        (r"\bmiles\b", "mile"),
        (r"\bhurdles?\b", "h"),
        (r"\b(?:steeplechase|steeple|stc)\b", "sc"),
        (r"\brace ?walk(?:ing)?\b|\bwalking\b|\brw\b", "walk"),
        (r"\brelays\b", "relay"),
        (r"\bmix\b", "mixed"),
        (r"\bone\b", "1"),
        (r"\btwo\b", "2"),
    )
)
# Words that qualify the list rather than name the event ("mile men's", "women's 1500m",
# "1500m sh"): sex and venue are chosen by their own command options.
_QUALIFIER = (
    r"(?:(?:wo)?men s|(?:wo)?mens|(?:wo)?men|male|female|ladies|"
    r"indoors?|outdoors?|short track|sh)"
)
_LEADING_QUALIFIERS = re.compile(rf"^(?:{_QUALIFIER} )+")
_TRAILING_QUALIFIERS = re.compile(rf"(?: {_QUALIFIER})+$")
# After spaces are removed: a metre unit straight after a number is noise ("1500m" ==
# "1500", "110mh" == "110h"), unless the "m" starts a word (mile, mixed, marathon).
_METRE_UNIT = re.compile(r"(?<=\d)m(?!ile|ixed|arathon)")
_WALK_SUFFIX = re.compile(r"(\d|km)w$")  # "20kmw", "5000w" -> "...walk"
_RELAY = re.compile(r"\dx\d")
_MIXED_SUFFIX = re.compile(r"^(\d+x\d+)x$")  # "4x400mx" -> "4x400mixed"


def _prepare(text: str) -> str:
    """Fold, keeping what folding would lose: thousands commas, decimal points, '×'."""
    text = text.translate(_TIMES_SIGNS)
    text = _THOUSANDS.sub("", text)
    text = _DECIMAL.sub("p", text)
    return fold(text)


def normalise(text: str) -> str:
    """The lookup key of an event name as typed: equal keys name the same event.

    >>> normalise("1,500 m") == normalise("1500") == normalise("1500 metres")
    True
    >>> normalise("The Mile") == normalise("mile")
    True
    >>> normalise("4 × 400 m mixed relay") == normalise("mixed 4x400")
    True
    """
    s = _prepare(text)
    if s.startswith("the "):
        s = s[4:]
    for pattern, replacement in _WORD_REWRITES:
        s = pattern.sub(replacement, s)
    s = _LEADING_QUALIFIERS.sub("", s)
    s = _TRAILING_QUALIFIERS.sub("", s)
    s = s.replace(" ", "")
    s = _METRE_UNIT.sub("", s)
    s = _WALK_SUFFIX.sub(r"\1walk", s)
    if _RELAY.search(s):
        # "4x400m relay" == "4x400"; and "mixed" may come before or after the distance.
        s = s.replace("relay", "")
        s = _MIXED_SUFFIX.sub(r"\1mixed", s)
        if "mixed" in s:
            s = s.replace("mixed", "") + "mixed"
    return s


def plain_key(text: str) -> str:
    """A lighter key for autocomplete prefixes: folded, spaces dropped, no rewrites.

    "hurdles" normalises to "h", which would prefix-match every event starting with h;
    prefix and substring matching therefore use this form.
    """
    return _prepare(text).replace(" ", "")
