"""Reading an import file: the header checked, each row as {column: text}, and a clear
error for each row that cannot be read. Pure: runs in a worker thread."""

from __future__ import annotations

import csv
import io
import operator
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from bot.domain.announcements import Announcement
from bot.domain.models import Athlete, Split
from bot.domain.text import fold
from bot.services.errors import InvalidInputError, TracksideError, clip
from bot.services.spreadsheet import FREE_TEXT_COLUMNS, from_spreadsheet
from bot.store import bulk

if TYPE_CHECKING:
    import _csv

MAX_IMPORT_BYTES = 1_000_000
MAX_IMPORT_ROWS = 5_000
IMPORT_COLUMNS = (
    "athlete", "nation", "sex", "event", "mark", "venue", "date", "competition",
    "city", "country", "round", "place", "wind", "splits", "source",
)  # fmt: skip
REQUIRED_IMPORT_COLUMNS = ("athlete", "event", "mark", "venue", "date", "competition")


@dataclass(frozen=True)
class RowError:
    row: int  # line number in the file (the header is line 1)
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.column}: {self.message}"


class ImportError_(InvalidInputError):
    def __init__(self, errors: Sequence[RowError]):
        self.errors = list(errors)
        shown = "; ".join(str(e) for e in self.errors[:10])
        more = f" (and {len(self.errors) - 10} more)" if len(self.errors) > 10 else ""
        super().__init__(f"Nothing was imported: {shown}{more}")


@dataclass(frozen=True)
class ImportReport:
    imported: int
    announcements: tuple[Announcement, ...]


def column_of(exc: TracksideError) -> str:
    """Which CSV column an error is about: the field `build` tagged it with (see `_field`)."""
    return getattr(exc, "field", None) or "-"


def identity_of(
    name: str, nation: str | None, event: str, day: date, round_: str, mark: int | None
) -> tuple[object, ...]:
    """`identity` of a result with these values (its athlete's name casefolded)."""
    return (name, nation, event, day, round_, mark)


def _unreadable(line: int, exc: csv.Error) -> InvalidInputError:
    return InvalidInputError(
        f"The CSV cannot be read at line {line}: {exc}. Put a value with a comma or a quote "
        'in double quotes, and double the quotes inside it ("").'
    )


def read_import_csv(
    data: bytes, bounded: bool = True
) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    """The rows of an import file as (line where the row starts, {column: text}), with the
    header checked, and the rows that cannot be read; InvalidInputError says what is wrong
    with the file as a whole. Pure: runs in a worker thread."""
    good: list[tuple[int, dict[str, str]]] = []
    bad: list[RowError] = []
    for item in import_rows(data, bounded):
        if isinstance(item, RowError):
            bad.append(item)
        else:
            line, values = item
            good.append((line, {c: v for c, v in cells(values).items() if v is not None}))
    return good, bad


# A row as read: its raw values in IMPORT_COLUMNS order, None for a column the file lacks
# (or a row too short to reach it); `cell` is what each value means.
RawRow = tuple["str | None", ...]
ImportRows = Iterator["tuple[int, RawRow] | RowError"]
_FREE_TEXT = tuple(column in FREE_TEXT_COLUMNS for column in IMPORT_COLUMNS)


def cell(column: int, raw: str | None) -> str | None:
    """The text a raw value of column `column` (an index in IMPORT_COLUMNS) stands for:
    stripped, and for a free-text column without the quote that makes a spreadsheet
    show a formula as text (`bot.services.spreadsheet`)."""
    if raw is None:
        return None
    value = raw.strip()
    return from_spreadsheet(value) if _FREE_TEXT[column] else value


def cells(raw: RawRow) -> dict[str, str | None]:
    """A row as {column: `cell`}, every column of IMPORT_COLUMNS."""
    return {column: cell(i, raw[i]) for i, column in enumerate(IMPORT_COLUMNS)}


def import_rows(data: bytes, bounded: bool = True) -> ImportRows:
    """The rows of an import file, read as they are asked for (a million rows need not be
    in memory as text at once): (line where the row starts, its `RawRow`), or a RowError
    for a row that cannot be read. The header is checked on the first request;
    InvalidInputError says what is wrong with the file as a whole."""
    if bounded and len(data) > MAX_IMPORT_BYTES:
        raise InvalidInputError(
            f"That file is {len(data):,} bytes; the most an import takes is "
            f"{MAX_IMPORT_BYTES:,}. Split it."
        )
    return _rows(data, bounded)


def _rows(data: bytes, bounded: bool) -> ImportRows:
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    # strict: a quote opened and never closed is an error, not a field swallowing the
    # rest of the file (which then failed as a confusing error on another column).
    reader = csv.reader(text, strict=True)
    records = _csv_records(reader)
    header_line, first = next(records, (1, []))
    header = [h.strip() for h in first]
    _check_header(header, header_line)
    width = len(header)
    # Each IMPORT_COLUMNS' place in a record; a missing column reads the None appended.
    pick = operator.itemgetter(*(header.index(c) if c in header else width
                                 for c in IMPORT_COLUMNS))  # fmt: skip
    padding = [None] * (width + 1)
    count = 0
    for line, record in records:
        if not record:  # a blank line
            continue
        if bounded and count >= MAX_IMPORT_ROWS:
            raise InvalidInputError(f"At most {MAX_IMPORT_ROWS:,} rows per import.")
        count += 1
        if len(record) > width:
            yield RowError(line, "-", "more values than columns")
            continue
        yield line, pick(record + padding[len(record) :])


def next_rows(rows: ImportRows, limit: int) -> tuple[list[tuple[int, RawRow]], list[RowError]]:
    """Up to `limit` more rows, and the unreadable ones met."""
    good: list[tuple[int, RawRow]] = []
    bad: list[RowError] = []
    for item in rows:
        if isinstance(item, RowError):
            bad.append(item)
        else:
            good.append(item)
            if len(good) >= limit:
                break
    return good, bad


# -- a checked row, compact ----------------------------------------------------------------
# A checked row waits for the transaction as one tuple of plain values (a million Result
# objects would not fit in memory): (date, line, athlete, *the stored fields*, splits),
# with the athlete as their id, or for an athlete new to the index as
# (folded name, nation or '', sex, name, is a team) — who they are in the store's terms.
Staged = tuple
STAGED_DATE, STAGED_LINE, STAGED_ATHLETE = 0, 1, 2
STAGED_FIELDS = slice(3, 3 + len(bulk.RESULT_COLUMNS) - 2)  # RESULT_COLUMNS[1:-1]
STAGED_EVENT, STAGED_MARK, STAGED_ROUND = 3, 6, 13
STAGED_SPLITS = STAGED_FIELDS.stop


def staged(
    line: int, who: object, event: str, sex: str, venue: str, mark: int | None, hand: int,
    wind: int | None, day: str, competition: str, city: str | None, country: str | None,
    round_: str, place: int | None, status: str, source: str, splits: tuple,
) -> Staged:  # fmt: skip
    """A checked row's `Staged` tuple, from its stored values (bulk.RESULT_COLUMNS)."""
    return (day, line, who, event, sex, venue, mark, hand, wind, day, competition, city,
            country, round_, place, status, source, splits)  # fmt: skip


def who_of(athlete: Athlete, shared: dict[object, object]) -> object:
    """A row's athlete as `Staged` holds them: their id, or a new one's identity, one
    copy per import (`shared`: one dict per import)."""
    if athlete.id:
        return athlete.id
    seen = (athlete.name, athlete.nation, athlete.sex, athlete.is_team)
    who = shared.get(seen)
    if who is None:
        who = shared[seen] = (fold(athlete.name), athlete.nation or "", athlete.sex.value,
                              athlete.name, athlete.is_team)  # fmt: skip
    return who


def staged_splits(splits: Sequence[Split]) -> tuple[tuple[str, int, int], ...]:
    return tuple((s.event.key, s.mark.value, int(s.mark.hand_timed)) for s in splits)


class Races:
    """The rows of an import by race, to find a result given twice: the same athlete,
    event, day and mark, in the same round or where either names none — the rule
    `ResultRepository.exists` holds the store to. Rows are met in file order; as the race
    holds the day, that is also the order of the rows (by day, then line) it compares."""

    def __init__(self) -> None:
        # The line of the race's first row (one without a round), (round, line) for one
        # with a round; a list only for the rare race given twice or more.
        self._races: dict[tuple[object, ...], Any] = {}

    def first(
        self, who: object, event: str, day: str, mark: int | None, round_: str, line: int
    ) -> int | None:
        """The earlier row that gave this result, or None (and the row is noted)."""
        race = (who if isinstance(who, int) else who[:3], event, day, mark)  # type: ignore[index]
        held = self._races.get(race)
        if held is None:
            self._races[race] = (round_, line) if round_ else line
            return None
        earlier = held if isinstance(held, list) else [held]
        for item in earlier:
            r, ln = item if isinstance(item, tuple) else ("", item)
            if r == round_ or not r or not round_:
                return ln
        self._races[race] = [*earlier, (round_, line) if round_ else line]
        return None


def same_as(line: int, first: int) -> RowError:
    return RowError(line, "mark", f"the same result as row {first}")


def _check_header(header: Sequence[str], header_line: int) -> None:
    missing = [c for c in REQUIRED_IMPORT_COLUMNS if c not in header]
    if missing:
        raise InvalidInputError(
            f"The CSV needs the columns {', '.join(REQUIRED_IMPORT_COLUMNS)}; missing: "
            f"{', '.join(missing)}. Optional: "
            f"{', '.join(c for c in IMPORT_COLUMNS if c not in REQUIRED_IMPORT_COLUMNS)}."
        )
    unknown = [h for h in header if h not in IMPORT_COLUMNS]
    if unknown:
        raise InvalidInputError(f"Unknown columns: {', '.join(clip(u, 30) for u in unknown)}.")
    twice = [c for c in dict.fromkeys(header) if header.count(c) > 1]
    if twice:
        raise InvalidInputError(
            f"The header (line {header_line}) names the column {', '.join(twice)} more than "
            "once — keep one, so no value is silently dropped."
        )


def _csv_records(reader: _csv.Reader) -> Iterator[tuple[int, list[str]]]:
    """(line the record starts on, its fields). A record spans lines when a quoted value
    holds a line break, so the line is taken before reading it: an unclosed quote is
    reported where it was opened, not where the file ended."""
    line_num = 0
    while True:
        start = line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _unreadable(start, exc) from None
        except UnicodeDecodeError:
            raise InvalidInputError(
                "The file is not UTF-8 text — save it as CSV (UTF-8)."
            ) from None
        line_num = reader.line_num
        yield start, record
