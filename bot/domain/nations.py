"""Nations and World Athletics areas: which area's records an athlete's nationality counts for.

The table itself is data (``data/nations.csv``); this module only parses and queries it, so it
does no file I/O: the caller reads the file and hands its text to ``NationTable.from_csv_text``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.domain.text import fold

AREA_NAMES: dict[str, str] = {
    "AFR": "Africa",
    "ASI": "Asia",
    "EUR": "Europe",
    "NAC": "North America, Central America and Caribbean",
    "OCE": "Oceania",
    "SAM": "South America",
}

AREA_ADJECTIVES: dict[str, str] = {
    "AFR": "African",
    "ASI": "Asian",
    "EUR": "European",
    "NAC": "North American",
    "OCE": "Oceanian",
    "SAM": "South American",
}

CSV_COLUMNS: tuple[str, ...] = ("code", "name", "area", "adjective", "iso2")

# Other names people type for a nation (matched after folding, see bot.domain.text.fold). Only
# used when the code exists in the table.
ALIASES: dict[str, str] = {
    "america": "USA",
    "united states of america": "USA",
    "us": "USA",
    "uk": "GBR",
    "united kingdom": "GBR",
    "britain": "GBR",
    "great britain and northern ireland": "GBR",
    "Great Britain & N.I.": "GBR",
    "holland": "NED",
    "the netherlands": "NED",
    "ivory coast": "CIV",
    "czech republic": "CZE",
    "turkiye": "TUR",
    "korea": "KOR",
    "republic of korea": "KOR",
    "dpr korea": "PRK",
    "taiwan": "TPE",
    "burma": "MYA",
    "swaziland": "SWZ",
    "macedonia": "MKD",
    "cabo verde": "CPV",
    "the gambia": "GAM",
    "the bahamas": "BAH",
    "ussr": "URS",
    "democratic republic of the congo": "COD",
    "republic of the congo": "CGO",
    "st kitts and nevis": "SKN",
    "st lucia": "LCA",
    "st vincent and the grenadines": "VIN",
    "macao": "MAC",
    "hong kong china": "HKG",
    "tahiti": "PYF",
}

_CODE = re.compile(r"[A-Z]{3}")
_ISO2 = re.compile(r"[A-Z]{2}")
_REGIONAL_INDICATOR_A = 0x1F1E6


class NationError(ValueError):
    """A malformed nations table, or text that names no nation."""


@dataclass(frozen=True)
class Nation:
    code: str
    name: str
    area: str | None
    adjective: str
    iso2: str | None

    @property
    def flag(self) -> str:
        """The flag emoji ('🇳🇴' for NO), or '' for codes with no flag (URS, AIN)."""
        if not self.iso2:
            return ""
        return "".join(chr(_REGIONAL_INDICATOR_A + ord(c) - ord("A")) for c in self.iso2)

    @property
    def area_name(self) -> str | None:
        return AREA_NAMES.get(self.area) if self.area else None

    def __str__(self) -> str:
        return f"{self.code} ({self.name})"


class NationTable:
    """Every nation code the bot knows, with its area, by code, name or adjective."""

    def __init__(self, nations: Iterable[Nation]) -> None:
        self._by_code: dict[str, Nation] = {}
        for nation in nations:
            if nation.code in self._by_code:
                raise NationError(f"Duplicate nation code {nation.code}")
            self._by_code[nation.code] = nation
        # folded name / adjective / alias -> codes it may mean (adjectives can be shared:
        # 'Dominican' is both DMA and DOM).
        self._names: dict[str, list[str]] = {}
        self._adjectives: dict[str, list[str]] = {}
        for nation in self._by_code.values():
            _add(self._names, fold(nation.name), nation.code)
            _add(self._adjectives, fold(nation.adjective), nation.code)
        for alias, code in ALIASES.items():
            if code in self._by_code and fold(alias) not in self._names:
                _add(self._names, fold(alias), code)

    @classmethod
    def from_csv_text(cls, text: str) -> NationTable:
        """Parse data/nations.csv. Row numbers in errors are line numbers (the header is row 1)."""
        reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
        header = next(reader, None)
        if header is None:
            raise NationError("Nations table is empty: no header row")
        if tuple(h.strip() for h in header) != CSV_COLUMNS:
            raise NationError(
                f"Row 1: header must be {','.join(CSV_COLUMNS)}, got {','.join(header)}"
            )
        nations: list[Nation] = []
        seen: dict[str, int] = {}
        for fields in reader:
            row = reader.line_num
            if not fields or all(not f.strip() for f in fields):
                continue
            if len(fields) != len(CSV_COLUMNS):
                raise NationError(
                    f"Row {row}: expected {len(CSV_COLUMNS)} fields, got {len(fields)}"
                )
            code, name, area, adjective, iso2 = (f.strip() for f in fields)
            if not _CODE.fullmatch(code):
                raise NationError(f"Row {row}: code {code!r} is not three uppercase letters")
            if code in seen:
                raise NationError(f"Row {row}: code {code} already given in row {seen[code]}")
            if not name:
                raise NationError(f"Row {row}: {code} has no name")
            if not adjective:
                raise NationError(f"Row {row}: {code} has no adjective")
            if area and area not in AREA_NAMES:
                raise NationError(
                    f"Row {row}: {code} has unknown area {area!r} "
                    f"(expected one of {', '.join(AREA_NAMES)} or empty)"
                )
            if iso2 and not _ISO2.fullmatch(iso2):
                raise NationError(
                    f"Row {row}: {code} iso2 {iso2!r} is not two uppercase letters or empty"
                )
            seen[code] = row
            nations.append(Nation(code, name, area or None, adjective, iso2 or None))
        return cls(nations)

    def get(self, code: str) -> Nation | None:
        return self._by_code.get(code.strip().upper())

    def area_of(self, code: str | None) -> str | None:
        """The area code (EUR, ...) whose records a nation's athletes count for, or None."""
        if not code:
            return None
        nation = self.get(code)
        return nation.area if nation else None

    def resolve(self, text: str) -> Nation:
        """'NOR', 'nor', 'Norway', 'norwegian' -> Norway; NationError with a suggestion if not."""
        shown = text.strip()
        if not shown:
            raise NationError("No nation given")
        nation = self.get(shown)
        if nation is not None:
            return nation
        key = fold(shown)
        for index in (self._names, self._adjectives):
            codes = index.get(key)
            if not codes:
                continue
            if len(codes) == 1:
                return self._by_code[codes[0]]
            options = " or ".join(str(self._by_code[c]) for c in codes)
            raise NationError(f"Nation {shown!r} is ambiguous: {options}")
        suggestion = self._suggest(key)
        if suggestion is None:
            raise NationError(f"Unknown nation {shown!r} — give a three-letter code such as NOR")
        raise NationError(f"Unknown nation {shown!r} — did you mean {suggestion}?")

    def _suggest(self, key: str) -> Nation | None:
        candidates: dict[str, str] = {}
        for index in (self._names, self._adjectives):
            for folded, codes in index.items():
                candidates.setdefault(folded, codes[0])
        for code in self._by_code:
            candidates.setdefault(code.lower(), code)
        close = process.extractOne(key, list(candidates), scorer=fuzz.ratio, score_cutoff=60)
        return self._by_code[candidates[close[0]]] if close else None

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and self.get(code) is not None

    def __iter__(self) -> Iterator[Nation]:
        return iter(self._by_code.values())

    def __len__(self) -> int:
        return len(self._by_code)


def _add(index: dict[str, list[str]], key: str, code: str) -> None:
    codes = index.setdefault(key, [])
    if code not in codes:
        codes.append(code)
