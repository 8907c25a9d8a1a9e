"""The event catalogue: parses data/events.csv and turns what people type into an Event.

Pure domain code: the caller reads the file and hands over its text, so this module does
no I/O and can be used from the bot, the terminal mode and the tests alike.

Resolution is strict: a query resolves only when its normalised form equals the
normalised form of an event's key, name or one of its aliases. Fuzzy matching (rapidfuzz)
only ever produces *suggestions*; the bot never silently guesses that "10000" typed by
mistake for "1000" meant something else.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from rapidfuzz import fuzz

from bot.domain.events import Event, MarkKind, RecordType, Sex, Unit, Venue
from bot.domain.text import fold

__all__ = [
    "COLUMNS",
    "GROUPS",
    "CatalogueError",
    "EventCatalogue",
    "UnknownEventError",
    "normalise",
]

COLUMNS: tuple[str, ...] = (
    "key",
    "name",
    "kind",
    "unit",
    "group",
    "wind_affected",
    "outdoor",
    "indoor",
    "straight",
    "sexes",
    "distance_m",
    "limit",
    "aliases",
)
# The groups a catalogue row may name, in the order a listing shows them.
GROUPS: tuple[str, ...] = (
    "sprints",
    "hurdles",
    "middle",
    "long",
    "steeple",
    "relays",
    "road",
    "walks",
    "jumps",
    "throws",
    "combined",
)
# Which units make sense for each kind of mark: a time in centimetres is a typo in the data.
_UNITS_FOR_KIND: dict[MarkKind, frozenset[Unit]] = {
    MarkKind.TIME: frozenset({Unit.CENTISECONDS, Unit.SECONDS}),
    MarkKind.DISTANCE: frozenset({Unit.CENTIMETRES}),
    MarkKind.HEIGHT: frozenset({Unit.CENTIMETRES}),
    MarkKind.POINTS: frozenset({Unit.POINTS}),
}
_T = TypeVar("_T")
_KEY_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")

# Queries longer than this cannot be an alias; they are rejected without fuzzy matching so
# that a hostile 10,000-character option value costs nothing.
_MAX_QUERY = 100
# How much of an unknown query is echoed back in an error message.
_MAX_ECHO = 40
_MAX_ERROR_SUGGESTIONS = 3
_FUZZY_CUTOFF = 0.7
_FUZZY_MIN_LENGTH = 3


class CatalogueError(ValueError):
    """A bad row in the catalogue data; the message names the row and the column."""

    def __init__(self, row: int, column: str | None, problem: str) -> None:
        self.row = row
        self.column = column
        where = f"row {row}" if column is None else f"row {row}, column '{column}'"
        super().__init__(f"events catalogue {where}: {problem}")


class UnknownEventError(LookupError):
    """What the user typed names no event; carries the closest events as suggestions."""

    def __init__(self, query: str, suggestions: Iterable[Event] = ()) -> None:
        self.query = query
        self.suggestions = list(suggestions)
        super().__init__(self._message())

    def _message(self) -> str:
        echo = " ".join(self.query.split())  # one line, whatever was pasted
        if len(echo) > _MAX_ECHO:
            echo = echo[: _MAX_ECHO - 1] + "…"
        if not echo:
            return "No event given — try a name like 'mile', '100m', 'pole vault' or '4x400'."
        if not self.suggestions:
            return (
                f"Unknown event '{echo}' — try a name like 'mile', '100m', 'pole vault' or '4x400'."
            )
        labels = [event.name.lower() for event in self.suggestions]
        listed = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " or " + labels[-1]
        return f"Unknown event '{echo}' — did you mean {listed}?"


# --------------------------------------------------------------------------- normalisation

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


def _plain(text: str) -> str:
    """A lighter key for autocomplete prefixes: folded, spaces dropped, no rewrites.

    "hurdles" normalises to "h", which would prefix-match every event starting with h;
    prefix and substring matching therefore use this form.
    """
    return _prepare(text).replace(" ", "")


# --------------------------------------------------------------------------- parsing rows


def _parse_flag(row: int, column: str, value: str) -> bool:
    if value == "yes":
        return True
    if value == "no":
        return False
    raise CatalogueError(row, column, f"expected 'yes' or 'no', found {value!r}")


def _parse_choice(row: int, column: str, value: str, choices: Iterable[_T]) -> _T:
    options = list(choices)
    for option in options:
        if str(option) == value:
            return option
    allowed = ", ".join(str(option) for option in options)
    raise CatalogueError(row, column, f"unknown value {value!r} (expected one of: {allowed})")


def _parse_int(row: int, column: str, value: str) -> int:
    # Only plain digits: "3:00.00" or "1.5e4" in a limit is a data mistake, not a number.
    if not re.fullmatch(r"\d+", value):
        raise CatalogueError(row, column, f"expected a positive integer, found {value!r}")
    number = int(value)
    if number <= 0:
        raise CatalogueError(row, column, f"expected a positive integer, found {value!r}")
    return number


def _parse_row(row: int, cells: dict[str, str]) -> Event:
    key = cells["key"]
    if not _KEY_RE.fullmatch(key):
        raise CatalogueError(
            row, "key", f"{key!r} is not a lowercase id of letters, digits and hyphens"
        )
    name = cells["name"]
    if not name:
        raise CatalogueError(row, "name", "empty")
    kind = _parse_choice(row, "kind", cells["kind"], MarkKind)
    unit = _parse_choice(row, "unit", cells["unit"], Unit)
    if unit not in _UNITS_FOR_KIND[kind]:
        allowed = ", ".join(sorted(str(u) for u in _UNITS_FOR_KIND[kind]))
        raise CatalogueError(
            row, "unit", f"{unit} does not fit a {kind} event (expected one of: {allowed})"
        )
    group = _parse_choice(row, "group", cells["group"], GROUPS)
    wind_affected = _parse_flag(row, "wind_affected", cells["wind_affected"])
    straight = _parse_flag(row, "straight", cells["straight"])

    lists: dict[Venue, RecordType] = {}
    for venue in Venue:
        value = cells[venue.value]
        if value:
            lists[venue] = _parse_choice(row, venue.value, value, RecordType)
    if not lists:
        raise CatalogueError(row, "outdoor", "the event has no list at either venue")
    if straight and (Venue.OUTDOOR in lists or Venue.INDOOR not in lists):
        # Straight events keep one list whatever the venue; the reference data files it
        # under indoor, so the catalogue does too.
        raise CatalogueError(
            row, "outdoor", "a straight event has its single list in the indoor column only"
        )

    sexes: set[Sex] = set()
    for part in cells["sexes"].split(";"):
        sex = _parse_choice(row, "sexes", part.strip(), Sex)
        if sex in sexes:
            raise CatalogueError(row, "sexes", f"{sex.value} listed twice")
        sexes.add(sex)

    distance_m: int | None = None
    if cells["distance_m"]:
        if kind is not MarkKind.TIME:
            raise CatalogueError(row, "distance_m", f"a {kind} event has no race distance")
        distance_m = _parse_int(row, "distance_m", cells["distance_m"])
    elif kind is MarkKind.TIME:
        raise CatalogueError(row, "distance_m", "a race needs its distance in metres")

    limit = _parse_int(row, "limit", cells["limit"])
    aliases = tuple(alias.strip() for alias in cells["aliases"].split(";") if alias.strip())

    return Event(
        key=key,
        name=name,
        kind=kind,
        unit=unit,
        group=group,
        wind_affected=wind_affected,
        lists=lists,
        sexes=frozenset(sexes),
        distance_m=distance_m,
        limit=limit,
        straight=straight,
        aliases=aliases,
    )


# --------------------------------------------------------------------------- the catalogue


@dataclass(frozen=True)
class _Form:
    """One spelling of an event (key, name or alias), pre-normalised for matching."""

    index: int  # position of the event in the catalogue
    normal: str
    plain: str


class EventCatalogue:
    """Every event Trackside knows, in catalogue (file) order."""

    def __init__(self, events: Iterable[Event]) -> None:
        self._events: list[Event] = list(events)
        self._by_key: dict[str, Event] = {}
        self._lookup: dict[str, int] = {}
        self._forms: list[_Form] = []
        for index, event in enumerate(self._events):
            if event.key in self._by_key:
                raise ValueError(f"duplicate event key {event.key!r}")
            self._by_key[event.key] = event
            for spelling in (event.key, event.name, *event.aliases):
                normal = normalise(spelling)
                if not normal:
                    raise ValueError(f"{spelling!r} of {event.key!r} names nothing")
                other = self._lookup.setdefault(normal, index)
                if other != index:
                    raise ValueError(
                        f"{spelling!r} names both {self._events[other].key!r} and {event.key!r}"
                    )
                self._forms.append(_Form(index, normal, _plain(spelling)))

    @classmethod
    def from_csv_text(cls, text: str) -> EventCatalogue:
        """Parse and validate the catalogue; the first bad row raises CatalogueError."""
        reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
        header = next(reader, None)
        if header is None or tuple(cell.strip() for cell in header) != COLUMNS:
            raise CatalogueError(1, None, f"the header must be: {','.join(COLUMNS)}")

        events: list[Event] = []
        rows_by_key: dict[str, int] = {}
        owners: dict[str, tuple[str, int]] = {}  # normalised spelling -> (event key, row)
        # Rows are counted like a spreadsheet shows them: the header is row 1.
        for row, raw in enumerate(reader, start=2):
            if not any(cell.strip() for cell in raw):
                continue
            if len(raw) != len(COLUMNS):
                raise CatalogueError(
                    row, None, f"expected {len(COLUMNS)} columns, found {len(raw)}"
                )
            cells = {column: cell.strip() for column, cell in zip(COLUMNS, raw, strict=True)}
            event = _parse_row(row, cells)

            if event.key in rows_by_key:
                first = rows_by_key[event.key]
                raise CatalogueError(
                    row, "key", f"duplicate key {event.key!r} (already on row {first})"
                )
            rows_by_key[event.key] = row

            spellings = [("key", event.key), ("name", event.name)]
            spellings += [("aliases", alias) for alias in event.aliases]
            for column, spelling in spellings:
                normal = normalise(spelling)
                if not normal:
                    raise CatalogueError(row, column, f"{spelling!r} names nothing once normalised")
                owner_key, owner_row = owners.setdefault(normal, (event.key, row))
                if owner_key != event.key:
                    raise CatalogueError(
                        row,
                        column,
                        f"{spelling!r} already names event {owner_key!r} (row {owner_row})",
                    )
            events.append(event)

        if not events:
            raise CatalogueError(2, None, "the catalogue has no events")
        return cls(events)

    # -- collection protocol

    def __iter__(self) -> Iterator[Event]:
        return iter(self._events)

    def __len__(self) -> int:
        return len(self._events)

    def __contains__(self, key: object) -> bool:
        return key in self._by_key

    def get(self, key: str) -> Event:
        """The event stored under `key` (the database id); KeyError if there is none."""
        return self._by_key[key]

    # -- lookups

    def resolve(self, text: str) -> Event:
        """What a user typed -> the Event it names exactly, or UnknownEventError."""
        if len(text) <= _MAX_QUERY:
            index = self._lookup.get(normalise(text))
            if index is not None:
                return self._events[index]
        ranked = self._rank(text)
        if not ranked:
            raise UnknownEventError(text)
        best = ranked[0][0]
        if best >= 1.0:
            # A prefix or substring: every event in that tier is a plausible completion
            # ("20km" -> the 20 km walk and the 20 km road race).
            close = [event for score, event in ranked if int(score) == int(best)]
        else:
            # Only typo-similar: offer the clear front-runners, so that "marathonn"
            # suggests the marathon and not every event with "marathon" in its name.
            close = [event for score, event in ranked if score >= best - 0.05]
        raise UnknownEventError(text, close[:_MAX_ERROR_SUGGESTIONS])

    def suggest(self, text: str, limit: int = 25) -> list[Event]:
        """Autocomplete: events matching `text`, best first, at most `limit` of them."""
        if limit <= 0:
            return []
        if not text.strip():
            # Nothing typed yet: record events first, then the world-best-only oddities.
            def has_record(event: Event) -> bool:
                return RecordType.RECORD in event.lists.values()

            ordered = [e for e in self._events if has_record(e)]
            ordered += [e for e in self._events if not has_record(e)]
            return ordered[:limit]
        return [event for _, event in self._rank(text)][:limit]

    def events_for(self, venue: Venue | None = None, sex: Sex | None = None) -> list[Event]:
        """Events with a list at `venue` (straight events count for both) contested by `sex`."""
        return [
            event
            for event in self._events
            if (venue is None or event.list_for(venue) is not None)
            and (sex is None or sex in event.sexes)
        ]

    # -- fuzzy ranking

    def _rank(self, text: str) -> list[tuple[float, Event]]:
        """Events scored against `text`, best first; ties keep catalogue order.

        Scores: an exact match beats a prefix (shorter completions first), which beats a
        substring, which beats a difflib similarity of at least `_FUZZY_CUTOFF`.
        """
        if not text.strip() or len(text) > _MAX_QUERY:
            return []
        normal, plain = normalise(text), _plain(text)
        if not plain:
            return []
        best: dict[int, float] = {}
        for form in self._forms:
            score = _score(normal, plain, form)
            if score > best.get(form.index, 0.0):
                best[form.index] = score
        order = sorted(best.items(), key=lambda item: (-item[1], item[0]))
        return [(score, self._events[index]) for index, score in order]


def _score(normal: str, plain: str, form: _Form) -> float:
    if normal and normal == form.normal:
        return 4.0
    if form.plain.startswith(plain):
        return 2.0 + len(plain) / len(form.plain)
    if len(normal) >= 2 and form.normal.startswith(normal):
        return 2.0 + len(normal) / len(form.normal)
    if len(plain) >= 3 and plain in form.plain:
        return 1.0 + len(plain) / len(form.plain)
    if min(len(normal), len(form.normal)) < _FUZZY_MIN_LENGTH:
        return 0.0  # one- and two-letter strings are "similar" to far too much
    # rapidfuzz's ratio is difflib's measure (2·matches / total length), in C.
    return fuzz.ratio(normal, form.normal, score_cutoff=_FUZZY_CUTOFF * 100) / 100
