"""Reading data/events.csv: each row checked column by column into an Event, the first
bad row raising :class:`CatalogueError` that names the row and the column.

Pure domain code: the caller reads the file and hands over its text.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import TypeVar

from bot.domain.event_names import normalise
from bot.domain.events import Event, MarkKind, RecordType, Sex, Unit, Venue

__all__ = ["COLUMNS", "GROUPS", "CatalogueError", "read_events"]

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


class CatalogueError(ValueError):
    """A bad row in the catalogue data; the message names the row and the column."""

    def __init__(self, row: int, column: str | None, problem: str) -> None:
        self.row = row
        self.column = column
        where = f"row {row}" if column is None else f"row {row}, column '{column}'"
        super().__init__(f"events catalogue {where}: {problem}")


def read_events(text: str) -> list[Event]:
    """Parse and validate the catalogue's CSV text; the first bad row raises CatalogueError."""
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
            raise CatalogueError(row, None, f"expected {len(COLUMNS)} columns, found {len(raw)}")
        cells = {column: cell.strip() for column, cell in zip(COLUMNS, raw, strict=True)}
        event = _parse_row(row, cells)

        if event.key in rows_by_key:
            first = rows_by_key[event.key]
            raise CatalogueError(
                row, "key", f"duplicate key {event.key!r} (already on row {first})"
            )
        rows_by_key[event.key] = row
        _claim_spellings(row, event, owners)
        events.append(event)

    if not events:
        raise CatalogueError(2, None, "the catalogue has no events")
    return events


def _claim_spellings(row: int, event: Event, owners: dict[str, tuple[str, int]]) -> None:
    """Record which event each of `event`'s spellings names; one naming two is an error."""
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
    """One row's cells (stripped), checked in column order, as an Event."""
    key = cells["key"]
    if not _KEY_RE.fullmatch(key):
        raise CatalogueError(
            row, "key", f"{key!r} is not a lowercase id of letters, digits and hyphens"
        )
    name = cells["name"]
    if not name:
        raise CatalogueError(row, "name", "empty")
    kind, unit = _parse_kind_and_unit(row, cells)
    group = _parse_choice(row, "group", cells["group"], GROUPS)
    wind_affected = _parse_flag(row, "wind_affected", cells["wind_affected"])
    straight = _parse_flag(row, "straight", cells["straight"])
    lists = _parse_lists(row, cells, straight=straight)
    sexes = _parse_sexes(row, cells)
    distance_m = _parse_distance(row, cells, kind)
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
        sexes=sexes,
        distance_m=distance_m,
        limit=limit,
        straight=straight,
        aliases=aliases,
    )


def _parse_kind_and_unit(row: int, cells: dict[str, str]) -> tuple[MarkKind, Unit]:
    kind = _parse_choice(row, "kind", cells["kind"], MarkKind)
    unit = _parse_choice(row, "unit", cells["unit"], Unit)
    if unit not in _UNITS_FOR_KIND[kind]:
        allowed = ", ".join(sorted(str(u) for u in _UNITS_FOR_KIND[kind]))
        raise CatalogueError(
            row, "unit", f"{unit} does not fit a {kind} event (expected one of: {allowed})"
        )
    return kind, unit


def _parse_lists(row: int, cells: dict[str, str], *, straight: bool) -> dict[Venue, RecordType]:
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
    return lists


def _parse_sexes(row: int, cells: dict[str, str]) -> frozenset[Sex]:
    sexes: set[Sex] = set()
    for part in cells["sexes"].split(";"):
        sex = _parse_choice(row, "sexes", part.strip(), Sex)
        if sex in sexes:
            raise CatalogueError(row, "sexes", f"{sex.value} listed twice")
        sexes.add(sex)
    return frozenset(sexes)


def _parse_distance(row: int, cells: dict[str, str], kind: MarkKind) -> int | None:
    if cells["distance_m"]:
        if kind is not MarkKind.TIME:
            raise CatalogueError(row, "distance_m", f"a {kind} event has no race distance")
        return _parse_int(row, "distance_m", cells["distance_m"])
    if kind is MarkKind.TIME:
        raise CatalogueError(row, "distance_m", "a race needs its distance in metres")
    return None
