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
from bot.services.errors import InvalidInputError, TracksideError, clip
from bot.services.spreadsheet import FREE_TEXT_COLUMNS, from_spreadsheet

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
    if bounded and len(data) > MAX_IMPORT_BYTES:
        raise InvalidInputError(
            f"That file is {len(data):,} bytes; the most an import takes is "
            f"{MAX_IMPORT_BYTES:,}. Split it."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInputError("The file is not UTF-8 text — save it as CSV (UTF-8).") from None
    # strict: a quote opened and never closed is an error, not a field swallowing the
    # rest of the file (which then failed as a confusing error on another column).
    reader = csv.reader(io.StringIO(text), strict=True)
    records = _csv_records(reader)
    header_line, first = next(records, (1, []))
    header = [h.strip() for h in first]
    _check_header(header, header_line)
    rows: list[tuple[int, dict[str, str]]] = []
    errors: list[RowError] = []
    for line, record in records:
        if not record:  # a blank line
            continue
        if bounded and len(rows) + len(errors) >= MAX_IMPORT_ROWS:
            raise InvalidInputError(f"At most {MAX_IMPORT_ROWS:,} rows per import.")
        if len(record) > len(header):
            errors.append(RowError(line, "-", "more values than columns"))
            continue
        values = {}
        for column, value in zip(header, record, strict=False):
            value = value.strip()
            values[column] = from_spreadsheet(value) if column in FREE_TEXT_COLUMNS else value
        rows.append((line, values))
    return rows, errors


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
        line_num = reader.line_num
        yield start, record
