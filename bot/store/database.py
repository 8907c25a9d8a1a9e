"""The SQLite database: connections, pragmas, migrations and write transactions.

One writer connection takes every write inside `BEGIN IMMEDIATE`, serialised in-process
by a lock and across processes by SQLite itself; one reader connection serves queries
(WAL lets it read while a write is under way). aiosqlite runs one thread per connection,
so a connection never interleaves two transactions.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

import aiosqlite

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
BUSY_TIMEOUT_MS = 10_000
WRITER_CACHE_KIB = 64 * 1024  # bulk imports update four indexes in random order
READER_CACHE_KIB = 16 * 1024


class MigrationError(RuntimeError):
    pass


def migrations() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) of every migration shipped, in order."""
    found = []
    for item in resources.files("bot.store.migrations").iterdir():
        match = _MIGRATION_NAME.match(item.name)
        if match:
            found.append((int(match.group(1)), item.name, item.read_text(encoding="utf-8")))
    found.sort()
    versions = [version for version, _, _ in found]
    if versions != list(range(1, len(versions) + 1)):
        raise MigrationError(f"migrations must be numbered 1..N without gaps, found {versions}")
    return found


def head_version() -> int:
    return len(migrations())


async def _configure(conn: aiosqlite.Connection, cache_kib: int) -> None:
    await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    # Page cache in KiB: a million results' index pages thrash SQLite's default 2 MB.
    await conn.execute(f"PRAGMA cache_size = -{cache_kib}")
    await conn.execute("PRAGMA foreign_keys = ON")
    await conn.execute("PRAGMA synchronous = NORMAL")  # safe with WAL, much faster commits


class Database:
    """An open Trackside database. Use `await Database.open(path)` and `await db.close()`."""

    def __init__(self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection):
        self.path = path
        self._writer = writer
        self._reader = reader
        self._write_lock = asyncio.Lock()
        # The reader's data_version right after our latest commit, so that watching for
        # other processes' writes does not mistake our own (deliveries, settings) for them.
        self.own_version: int | None = None

    @classmethod
    async def open(cls, path: Path | str, *, migrate: bool = True) -> Database:
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        writer = await aiosqlite.connect(path, isolation_level=None)
        try:
            await _configure(writer, WRITER_CACHE_KIB)
            mode = await (await writer.execute("PRAGMA journal_mode = WAL")).fetchone()
            if mode and mode[0] != "wal" and str(path) != ":memory:":
                log.warning("SQLite refused WAL mode (got %s); concurrent reads will block", mode)
            if migrate:
                await _migrate(writer)
            reader = await aiosqlite.connect(path, isolation_level=None)
            await _configure(reader, READER_CACHE_KIB)
            await reader.execute("PRAGMA query_only = ON")
        except BaseException:
            await writer.close()
            raise
        writer.row_factory = aiosqlite.Row
        reader.row_factory = aiosqlite.Row
        return cls(path, writer, reader)

    async def close(self) -> None:
        async with self._write_lock:
            await self._reader.close()
            # Fold the WAL back into the main file so a copied .db is complete.
            try:
                await self._writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error as exc:  # a busy reader elsewhere; the WAL stays valid
                log.debug("checkpoint on close skipped: %s", exc)
            await self._writer.close()

    @property
    def reader(self) -> aiosqlite.Connection:
        return self._reader

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction: everything inside commits together or not at all."""
        async with self._write_lock:
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield self._writer
            except BaseException:
                await self._writer.execute("ROLLBACK")
                raise
            else:
                await self._writer.execute("COMMIT")
                # What the reader sees now is our own doing: see `own_version`.
                self.own_version = await self.data_version()

    async def counts(self) -> dict[str, int]:
        """Rows per table, for `trackside db status`."""
        counts = {}
        for table in ("athletes", "results", "splits", "record_entries", "seed_log"):
            rows = await self._reader.execute_fetchall(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed names
            counts[table] = int(rows[0][0])
        return counts

    async def data_version(self) -> int:
        """Changes whenever another connection (another process, or our writer) commits."""
        rows = await self._reader.execute_fetchall("PRAGMA data_version")
        return int(rows[0][0])

    async def schema_version(self) -> int:
        row = await (await self._reader.execute("PRAGMA user_version")).fetchone()
        return int(row[0])


async def _migrate(conn: aiosqlite.Connection) -> None:
    row = await (await conn.execute("PRAGMA user_version")).fetchone()
    current = int(row[0])
    shipped = migrations()
    if current > len(shipped):
        raise MigrationError(
            f"the database is at schema version {current}, newer than this Trackside "
            f"({len(shipped)}): upgrade Trackside or use another DATABASE_PATH"
        )
    for version, name, sql in shipped[current:]:
        log.info("applying migration %s", name)
        # executescript would COMMIT first; run the statements ourselves so the whole
        # migration, version bump included, is one transaction.
        await conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(sql):
                await conn.execute(statement)
            await conn.execute(f"PRAGMA user_version = {version:d}")
        except BaseException:
            await conn.execute("ROLLBACK")
            raise
        await conn.execute("COMMIT")


def _statements(script: str) -> list[str]:
    """Split a migration script into complete statements (sqlite3.complete_statement)."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        if not buffer and line.strip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        raise MigrationError(f"incomplete SQL statement at the end of a migration: {buffer[:80]!r}")
    return statements
