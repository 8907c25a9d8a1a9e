"""Reading an import file: the header checked, each row as {column: text}, and a clear
error for each row that cannot be read. Pure: runs in a worker thread."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.domain.announcements import Announcement
from bot.domain.models import Result
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


def identity(result: Result) -> tuple[object, ...]:
    """Two rows of one file with the same identity are the same result given twice."""
    return (
        result.athlete.name.casefold(), result.athlete.nation, result.event.key,
        result.date, result.round, result.mark.value if result.mark else None,
    )  # fmt: skip


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
    return next_rows(import_rows(data, bounded), None)


ImportRows = Iterator["tuple[int, dict[str, str]] | RowError"]


def import_rows(data: bytes, bounded: bool = True) -> ImportRows:
    """The rows of an import file, read as they are asked for (a million rows need not be
    in memory as text at once): (line where the row starts, {column: text}), or a RowError
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
    free_text = [column in FREE_TEXT_COLUMNS for column in header]
    width = len(header)
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
        values = {}
        for column, value, free in zip(header, record, free_text, strict=False):
            value = value.strip()
            values[column] = from_spreadsheet(value) if free else value
        yield line, values


def next_rows(
    rows: ImportRows, limit: int | None
) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    """Up to `limit` more rows (all that are left with None), and the unreadable ones met."""
    good: list[tuple[int, dict[str, str]]] = []
    bad: list[RowError] = []
    for item in rows:
        if isinstance(item, RowError):
            bad.append(item)
        else:
            good.append(item)
            if limit is not None and len(good) >= limit:
                break
    return good, bad


# -- a checked row, compact ----------------------------------------------------------------
# A checked row waits for the transaction as one tuple of plain values (a million Result
# objects would not fit in memory): (date, line, athlete, *the stored fields*, splits),
# with the athlete as their id, or for an athlete new to the index as
# (folded name, nation or '', sex, name, is a team) — who they are in the store's terms.
Staged = tuple
STAGED_DATE, STAGED_LINE, STAGED_ATHLETE = 0, 1, 2
STAGED_FIELDS = slice(3, 3 + len(bulk.RESULT_COLUMNS) - 2)  # as bulk.result_fields gives
STAGED_EVENT, STAGED_MARK, STAGED_ROUND = 3, 6, 13
STAGED_SPLITS = STAGED_FIELDS.stop
_DATE_FIELD = bulk.RESULT_COLUMNS.index("date") - 1  # in bulk.result_fields


def staged_row(line: int, result: Result, shared: dict[object, object]) -> Staged:
    """A checked row as a `Staged` tuple; `shared` (one dict per import) makes the rows
    share one copy of each repeated value (a meeting's name, a new athlete's identity)."""
    athlete = result.athlete
    if athlete.id:
        who: object = athlete.id
    else:
        seen = (athlete.name, athlete.nation, athlete.sex, athlete.is_team)
        who = shared.get(seen)
        if who is None:
            who = shared[seen] = (fold(athlete.name), athlete.nation or "", athlete.sex.value,
                                  athlete.name, athlete.is_team)  # fmt: skip
    fields = tuple(
        shared.setdefault(value, value) if isinstance(value, str) else value
        for value in bulk.result_fields(result)
    )
    splits = tuple((s.event.key, s.mark.value, int(s.mark.hand_timed)) for s in result.splits)
    return (fields[_DATE_FIELD], line, who, *fields, splits)


def same_results(staged: Sequence[Staged]) -> list[RowError]:
    """An error for each row that gives a result an earlier row gave (rows in date order,
    then line): the same athlete, event, day and mark, in the same round or where either
    names none — the rule `ResultRepository.exists` holds the store to."""
    # One (round, line) per race, a list only for the rare race given twice or more.
    races: dict[tuple[object, ...], tuple[str, int] | list[tuple[str, int]]] = {}
    errors = []
    for row in staged:
        ref = row[STAGED_ATHLETE]
        race = (ref if isinstance(ref, int) else ref[:3], row[STAGED_EVENT], row[STAGED_DATE],
                row[STAGED_MARK])  # fmt: skip
        round_, line = row[STAGED_ROUND], row[STAGED_LINE]
        held = races.get(race)
        if held is None:
            races[race] = (round_, line)
            continue
        earlier = held if isinstance(held, list) else [held]
        first = next((ln for r, ln in earlier if r == round_ or not r or not round_), None)
        if first is not None:
            errors.append(RowError(line, "mark", f"the same result as row {first}"))
            continue
        races[race] = [*earlier, (round_, line)]
    return errors


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
