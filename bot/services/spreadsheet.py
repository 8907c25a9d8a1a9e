"""CSV cells a spreadsheet would run as formulas: written safe by `export`, read back by
`import`.

Excel, LibreOffice and Google Sheets treat a cell starting with `=`, `+`, `-`, `@`, a tab
or a carriage return as a formula (OWASP "CSV injection"): an athlete named
`=HYPERLINK("http://evil.example","Results")` becomes a live link, `+cmd|' /C calc'!A0`
an attempt to run a program. The usual defence is a leading single quote, which the
spreadsheet shows as text and does not display. Only free-text columns get it: a wind of
`-0.3` is a number and stays one.
"""

from __future__ import annotations

import re

# The free-text columns of the import/export format; the others are codes, keys, numbers
# and dates that Trackside writes itself.
FREE_TEXT_COLUMNS = frozenset({"athlete", "competition", "city", "round", "source"})

# A formula start, after any quotes an earlier escape (or the value itself) put first: a
# value that itself starts with quotes before a formula character gets one more, so that
# reading back removes exactly the one that was added.
_FORMULA = re.compile(r"'*[=+\-@\t\r]")


def spreadsheet_safe(text: str) -> str:
    """`=SUM(1)` -> `'=SUM(1)`; anything that would not run as a formula is unchanged."""
    return "'" + text if _FORMULA.match(text) else text


def from_spreadsheet(text: str) -> str:
    """The inverse of `spreadsheet_safe`: `'=SUM(1)` -> `=SUM(1)`; `'Ofa` is unchanged."""
    return text[1:] if text.startswith("'") and _FORMULA.match(text, 1) else text
