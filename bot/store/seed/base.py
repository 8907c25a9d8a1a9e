"""What every seeding step shares: reading a reference CSV, a row's key in `seed_log`,
reading marks and places as the lists write them, and the seeder's own helpers (its
connection, report, the athletes it has matched)."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from bot.domain.catalogue import EventCatalogue
from bot.domain.events import Event, Sex, Unit
from bot.domain.marks import Mark, MarkError, parse_mark
from bot.domain.models import Athlete, RecordStatus
from bot.store.connection import Connection
from bot.store.repositories import AthleteRepository

# Reference-data statuses (data/reference/README.md) -> record entry statuses.
STATUS = {
    "ratified": RecordStatus.RATIFIED,
    "ratification_unconfirmed": RecordStatus.PENDING,
    "pending": RecordStatus.PENDING,
    "not_ratified": RecordStatus.REJECTED,
    "world_best": RecordStatus.UNOFFICIAL,
    "world_indoor_best_unofficial": RecordStatus.UNOFFICIAL,
}
_ONE_DECIMAL = re.compile(r"^[\d:]+\.\d$")


class SeedError(ValueError):
    """A reference row that cannot be loaded; names the file and line."""


@dataclass
class SeedReport:
    rows_loaded: int = 0
    rows_skipped: int = 0
    results_added: int = 0
    athletes_added: int = 0
    record_entries_added: int = 0
    files: dict[str, int] = field(default_factory=dict)


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    for row in reader:
        # Line number of the row in the file (header is line 1), for error messages.
        yield reader.line_num, {k: (v or "").strip() for k, v in row.items() if k is not None}


def row_key(row: dict[str, str]) -> str:
    canonical = "\x1f".join(f"{k}={row[k]}" for k in sorted(row))
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def official_mark(text: str, event: Event) -> Mark:
    """A mark as written in a reference list: a time with tenths only is a hand time."""
    if event.unit is Unit.CENTISECONDS and _ONE_DECIMAL.match(text):
        return parse_mark(text + "h", event)
    return parse_mark(text, event)


def split_location(location: str) -> tuple[str, str | None]:
    """'Berlin, GER' -> ('Berlin', 'GER'); 'Saint-Denis (Paris), FRA (outdoor)' -> (..., 'FRA')."""
    location = re.sub(r"\s*\((indoor|outdoor)\)\s*$", "", location)
    parts = [p.strip() for p in location.split(",")]
    if len(parts) >= 2 and re.fullmatch(r"[A-Z]{3}", parts[-1]):
        return parts[-2], parts[-1]
    return location, None


class SeederBase:
    """The state of one load (inside its transaction) and the checks every file uses."""

    def __init__(
        self,
        conn: Connection,
        catalogue: EventCatalogue,
        data_dir: Path,
        as_of: date | None,
    ):
        self.conn = conn
        self.catalogue = catalogue
        self.data_dir = data_dir
        self.as_of = as_of
        self.report = SeedReport()
        self._athletes: dict[tuple[str, str, Sex], Athlete] = {}
        self._events: dict[str, Event] = {}
        self._logged: dict[str, set[str]] = {}  # file -> its row keys in seed_log (_seen)
        self._unlogged: list[tuple[str, str]] = []  # seed_log rows flush_log will write

    # -- helpers -------------------------------------------------------------------------

    async def flush_log(self) -> None:
        await self.conn.executemany(
            "INSERT INTO seed_log (file, row_key) VALUES (?, ?)", self._unlogged
        )
        self._unlogged.clear()

    async def _seen(self, file: str, key: str) -> bool:
        """Whether the row is in seed_log: the file's keys are read once, not row by row
        (each statement is a trip to the database thread, slow on a busy machine)."""
        keys = self._logged.get(file)
        if keys is None:
            rows = await self.conn.execute_fetchall(
                "SELECT row_key FROM seed_log WHERE file = ?", (file,)
            )
            keys = self._logged[file] = {row[0] for row in rows}
            keys.update(k for f, k in self._unlogged if f == file)
        return key in keys

    async def _log(self, file: str, key: str) -> None:
        """Log a loaded row (written by `flush_log`, in the same transaction)."""
        self._unlogged.append((file, key))
        if file in self._logged:  # else the first _seen of the file reads both
            self._logged[file].add(key)
        self.report.rows_loaded += 1
        self.report.files[file] = self.report.files.get(file, 0) + 1

    async def athlete(self, name: str, nation: str | None, sex: Sex, *, team: bool) -> Athlete:
        nation = nation or None
        memo = (name, nation or "", sex)
        if memo in self._athletes:
            return self._athletes[memo]
        athlete_id = await AthleteRepository.find_exact(self.conn, name, nation, sex)
        if athlete_id is None:
            athlete_id = await AthleteRepository.create(self.conn, name, nation, sex, is_team=team)
            self.report.athletes_added += 1
        athlete = Athlete(id=athlete_id, name=name, nation=nation, sex=sex, is_team=team)
        self._athletes[memo] = athlete
        return athlete

    def _event(self, file: str, line: int, text: str) -> Event:
        try:
            return self.catalogue.resolve(text)
        except LookupError as exc:
            raise SeedError(f"{file} line {line}: {exc}") from None

    def _mark(self, file: str, line: int, text: str, event: Event) -> Mark:
        try:
            return official_mark(text, event)
        except MarkError as exc:
            raise SeedError(f"{file} line {line}: mark {text!r}: {exc}") from None

    def _date(self, file: str, line: int, text: str) -> date:
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise SeedError(
                f"{file} line {line}: bad date {text!r} (expected YYYY-MM-DD)"
            ) from None

    def _too_new(self, day: date) -> bool:
        return self.as_of is not None and day > self.as_of

    async def _dated_rows(self, file: str) -> AsyncIterator[tuple[int, dict[str, str], date, str]]:
        """(line, row, its date, its seed_log key) of the rows of data/reference/`file`
        not loaded yet and not after as_of; the others count as skipped."""
        for line, row in read_rows(self.data_dir / "reference" / file):
            day = self._date(file, line, row["date"])
            key = row_key(row)
            if self._too_new(day) or await self._seen(file, key):
                self.report.rows_skipped += 1
                continue
            yield line, row, day, key

    # -- files ---------------------------------------------------------------------------
