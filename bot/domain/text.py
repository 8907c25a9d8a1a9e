"""Text folding for search: accent-, case- and punctuation-insensitive keys."""

from __future__ import annotations

import re
import unicodedata

# Letters that NFKD does not decompose into a base letter plus accent.
_SPECIAL_LETTERS = str.maketrans(
    {
        "ø": "o",
        "Ø": "o",
        "æ": "ae",
        "Æ": "ae",
        "ß": "ss",
        "đ": "d",
        "Đ": "d",
        "ł": "l",
        "Ł": "l",
        "þ": "th",
        "Þ": "th",
        "œ": "oe",
        "Œ": "oe",
        "ı": "i",
    }
)
_NON_WORD = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """'Liévin' -> 'lievin', 'Železný' -> 'zelezny', 'Nordås' -> 'nordas'.

    Lower-cases, strips accents and collapses every run of other characters to one space.
    """
    if text.isascii():  # most names: nothing to translate or decompose (startup folds 20,000)
        return _NON_WORD.sub(" ", text.lower()).strip()
    return _fold_any(text)


def _fold_any(text: str) -> str:
    text = text.translate(_SPECIAL_LETTERS)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", stripped.casefold()).strip()
