"""The floor of an import: what SQLite alone takes to write what `trackside import` wrote.

Issue 10 asks for >= 100,000 results/s end to end. To show what of an import's time is
the store's, the rows the import wrote (read back from its store: the new athletes, the
results, their splits, one `result.add` audit row per result) are written again, already
checked, into another copy of the same fresh store with the stdlib's sqlite3 the way
`bot.store.bulk` writes them: one transaction, the results' secondary indexes dropped
and built again once, CHECK constraints not evaluated per row, the same page cache and
sort threads; then COMMIT and the checkpoint `Database.close` runs. Reading the file with
the stdlib's csv module is timed too. No row is checked, no record filed, no text built:
what is left is SQLite's work and the C parts of Python's, so no import can be faster
on this machine with this schema. Only the writes are timed: the rows are read back in
chunks between them (a bounded peak RSS).

Record entries, progression fixes and announcements (a few thousand rows) are left out,
so the floor is, if anything, a little too fast.
"""

from __future__ import annotations

import csv
import shutil
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bot.services.writes.adding import WRITE_CHUNK
from bot.store import bulk

# What the import writes, by table: the columns it fills (bulk's own lists).
TABLES = {
    "athletes": bulk.ATHLETE_COLUMNS,
    "results": bulk.RESULT_COLUMNS,
    "splits": bulk.SPLIT_COLUMNS,
    "audit_log": bulk.AUDIT_COLUMNS,
}


@dataclass
class Floor:
    """Seconds of each step, and the results written."""

    results: int = 0
    steps: dict[str, float] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return sum(self.steps.values())

    @property
    def rate(self) -> float:
        return self.results / self.seconds if self.seconds else 0.0

    def breakdown(self) -> str:
        return ", ".join(f"{name} {s:.1f}" for name, s in self.steps.items())


def measure(fresh: Path, imported: Path, csv_path: Path, scratch: Path) -> Floor:
    """The floor of the import of `csv_path` that turned a copy of `fresh` into
    `imported`: its rows written again into a copy of `fresh` at `scratch`."""
    floor = Floor()
    start = time.perf_counter()
    with open(csv_path, newline="", encoding="utf-8-sig") as file:
        for _ in csv.reader(file):
            pass
    floor.steps["reading the CSV"] = time.perf_counter() - start
    conn = sqlite3.connect(fresh)
    try:
        before = {table: _largest_id(conn, table) for table in TABLES}
    finally:
        conn.close()
    shutil.copyfile(fresh, scratch)
    source = sqlite3.connect(imported)
    target = sqlite3.connect(scratch, isolation_level=None)
    try:
        for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "foreign_keys = ON",
                       "wal_autocheckpoint = 0", f"cache_size = -{bulk.BULK_CACHE_KIB}",
                       f"threads = {bulk.SORT_THREADS}"):  # fmt: skip
            target.execute(f"PRAGMA {pragma}")
        target.execute("BEGIN IMMEDIATE")
        indexes = target.execute(bulk.RESULT_INDEXES).fetchall()
        for name, _ in indexes:
            target.execute(f'DROP INDEX "{name}"')
        _copy(floor, source, target, "athletes", before)
        target.execute("PRAGMA ignore_check_constraints = ON")
        floor.results = _copy(floor, source, target, "results", before)
        target.execute("PRAGMA ignore_check_constraints = OFF")
        _copy(floor, source, target, "splits", before)
        with _timed(floor, "building the indexes"):
            for _, sql in indexes:
                target.execute(sql)
        _copy(floor, source, target, "audit_log", before)
        with _timed(floor, "COMMIT and checkpoint"):
            target.execute("COMMIT")
            target.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        source.close()
        target.close()
    return floor


def _largest_id(conn: sqlite3.Connection, table: str) -> int:
    return int(conn.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0])  # noqa: S608 - fixed names


def _copy(
    floor: Floor,
    source: sqlite3.Connection,
    target: sqlite3.Connection,
    table: str,
    before: dict[str, int],
) -> int:
    """The rows `table` gained in the import written again into `target`, a chunk at a
    time; only the writes timed. How many there were."""
    columns = ", ".join(TABLES[table])
    insert = f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' * len(TABLES[table]))})"  # noqa: S608 - fixed names
    cursor = source.execute(
        f"SELECT {columns} FROM {table} WHERE id > ? ORDER BY id",  # noqa: S608 - fixed names
        (before[table],),
    )
    count = 0
    while rows := cursor.fetchmany(WRITE_CHUNK):
        with _timed(floor, f"writing {table}"):
            target.executemany(insert, rows)
        count += len(rows)
    return count


@contextmanager
def _timed(floor: Floor, step: str) -> Iterator[None]:
    """Adds the block's time to `step` of `floor`."""
    start = time.perf_counter()
    yield
    floor.steps[step] = floor.steps.get(step, 0.0) + time.perf_counter() - start
