"""The SQLite database: connections, pragmas, migrations and write transactions.

One writer connection takes every write inside `BEGIN IMMEDIATE`, serialised in-process
by a lock and across processes by SQLite itself: a short write's statements on the event
loop, the others on aiosqlite's writer thread (`writing.LoopWriter`). Readers serve
queries (WAL lets them read while a write is under way): a connection on the event loop
for short answers, and aiosqlite's reader thread for the rest (`reading.LoopReader`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sqlite3
import stat
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.store.checkpoints import Checkpointer
from bot.store.connection import Store
from bot.store.reading import LoopReader, run_on
from bot.store.write_log import Notes
from bot.store.writing import LoopWriter

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
BUSY_TIMEOUT_MS = 10_000
WRITER_CACHE_KIB = 64 * 1024  # bulk imports update four indexes in random order
# The answers' reader, on the event loop (reading.LoopReader). Pages it does not keep come
# from the operating system's cache, a copy away: the benchmark's raw-SQL floor reads as
# fast with SQLite's default 2 MB. 8 MB keeps the hot index pages; more only adds to RSS.
READER_CACHE_KIB = 8 * 1024
# aiosqlite's reader serves what the loop's does not (startup loads, reads past the
# budget, single statements): its pages are read once or seldom, so a small cache; a
# second large one would only hold the same pages twice (peak RSS: `python -m bench`).
THREAD_READER_CACHE_KIB = 4 * 1024


T = TypeVar("T")


class StoreError(RuntimeError):
    """The database file cannot be used: damaged, not a database, read-only, too new.
    The message is one line for the person running Trackside and says what to do."""


class MigrationError(StoreError):
    pass


class ReadOnlyStoreError(StoreError):
    pass


SQLITE_HEADER = b"SQLite format 3\x00"
_DAMAGED = ("malformed", "not a database", "disk i/o error", "database corrupt", "corrupt")


def store_error(path: Path | str, exc: BaseException) -> StoreError | None:
    """The one-line StoreError for what SQLite says of a damaged or read-only file, or None
    when `exc` is about something else (a bug of ours, a bad statement)."""
    if isinstance(exc, StoreError):
        return exc
    if not isinstance(exc, sqlite3.DatabaseError):
        return None
    text = str(exc).casefold()
    if "readonly" in text or "read-only" in text:
        return ReadOnlyStoreError(_read_only_message(path))
    if any(word in text for word in _DAMAGED):
        return StoreError(
            f"{path} is damaged or not a Trackside database (SQLite: {exc}); restore it from "
            "a backup, or set DATABASE_PATH to a new file to start afresh"
        )
    if "unable to open" in text:
        return StoreError(f"cannot open {path} (SQLite: {exc}); check the path and permissions")
    return None


def _read_only_message(path: Path | str) -> str:
    return (
        f"{path} is read-only, and Trackside writes to its database (results, seeding, "
        "announcements): make the file and its folder writable, or set DATABASE_PATH to a "
        "writable copy"
    )


def _truncated(head: bytes, size: int) -> bool:
    """Whether a file with this 100-byte header is shorter than the header says."""
    if len(head) < 100:
        return True
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65_536 if page_size == 1 else page_size
    if page_size < 512 or size % page_size:
        return True
    # The page count in the header is valid when its version matches the change counter.
    if head[92:96] == head[24:28]:
        return int.from_bytes(head[28:32], "big") * page_size > size
    return False


def _check_file(path: Path) -> None:
    """Refuse, before SQLite touches it, a file that is not a database or cannot be
    written. SQLite opens a read-only file without complaint and fails on the first write."""
    if str(path) == ":memory:" or not path.exists():
        return
    if path.is_dir():
        raise StoreError(f"{path} is a folder, not a database file; set DATABASE_PATH to a file")
    try:
        with path.open("rb") as file:
            head = file.read(100)
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror}") from None
    size = path.stat().st_size
    if head and not head.startswith(SQLITE_HEADER):
        raise StoreError(
            f"{path} is not a SQLite database; set DATABASE_PATH to the Trackside database, "
            "or to a new file to start afresh"
        )
    # With a journal or WAL beside it, a crash mid-checkpoint can leave the header ahead of
    # the file until SQLite recovers it on open: let SQLite judge such a file.
    pending = any(
        Path(f"{path}{suffix}").is_file() and Path(f"{path}{suffix}").stat().st_size
        for suffix in ("-wal", "-journal")
    )
    if head and not pending and _truncated(head, size):
        raise StoreError(
            f"{path} is truncated ({size:,} bytes); restore it from a backup, or set "
            "DATABASE_PATH to a new file to start afresh"
        )
    # No write bit at all is read-only for us even when running as root (who may write).
    mode = path.stat().st_mode
    if not os.access(path, os.W_OK) or not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        raise ReadOnlyStoreError(_read_only_message(path))
    if not os.access(path.parent, os.W_OK):  # WAL keeps -wal and -shm files beside it
        raise ReadOnlyStoreError(_read_only_message(path))


def migrations(package: str = "bot.store.migrations") -> list[tuple[int, str, str]]:
    """(version, file name, SQL) of every migration shipped, in order (PostgreSQL's:
    bot.store.migrations.postgresql, numbered alike)."""
    found = []
    for item in resources.files(package).iterdir():
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

    def __init__(self, path: Path, writer: aiosqlite.Connection, reader: LoopReader):
        self.path = path
        # The writer: a transaction's connection, aiosqlite's as `writer.threaded`
        # (bot/store/writing.py).
        self.writer = LoopWriter(writer, BUSY_TIMEOUT_MS)
        self._loop_reader = reader
        # aiosqlite's reader: its data_version is what `own_version` holds.
        self._reader = reader.threaded
        self._write_lock = asyncio.Lock()
        # The reader's data_version right after our latest commit, so that watching for
        # other processes' writes does not mistake our own (deliveries, settings) for them.
        self.own_version: int | None = None
        self.notes = Notes()
        self._checkpoints = Checkpointer(path, BUSY_TIMEOUT_MS)

    @classmethod
    async def open(cls, path: Path | str, *, migrate: bool = True) -> Store:
        """A SQLite file, or (a postgresql:// URL) the PostgreSQL store: bot/store/postgres.py."""
        if isinstance(path, str) and path.startswith(("postgresql://", "postgres://")):  # noqa: ASYNC240
            from bot.store.postgres import PgDatabase

            return await PgDatabase.open(path, migrate=migrate)
        path = Path(path)
        _check_file(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            return await cls._open(path, migrate)
        except sqlite3.DatabaseError as exc:
            error = store_error(path, exc)
            if error is None:
                raise
            raise error from None

    @classmethod
    async def _open(cls, path: Path, migrate: bool) -> Database:
        # check_same_thread off: a short transaction's statements run on the loop's
        # thread, the others on aiosqlite's, never at once (bot/store/writing.py).
        writer = await aiosqlite.connect(path, isolation_level=None, check_same_thread=False)
        reader = None
        try:
            await _configure(writer, WRITER_CACHE_KIB)
            # Checkpoints run beside the commits, never inside one: see checkpoints.py.
            await writer.execute("PRAGMA wal_autocheckpoint = 0")
            mode = await (await writer.execute("PRAGMA journal_mode = WAL")).fetchone()
            if mode and mode[0] != "wal" and str(path) != ":memory:":
                log.warning("SQLite refused WAL mode (got %s); concurrent reads will block", mode)
            if migrate:
                await _migrate(writer)
            else:
                await _check_version(writer)
            # Reading the schema reads page 1 and the schema pages: a damaged or truncated
            # file fails here, with one clear line, not on a user's first command.
            await writer.execute_fetchall("SELECT count(*) FROM sqlite_master")
            reader = await aiosqlite.connect(path, isolation_level=None)
            await _configure(reader, THREAD_READER_CACHE_KIB)
            await reader.execute("PRAGMA query_only = ON")
            reader.row_factory = aiosqlite.Row
            loop_reader = LoopReader(path, reader, READER_CACHE_KIB)
        except BaseException:
            # Every connection is a thread: one left open keeps the process from exiting.
            if reader is not None:
                await reader.close()
            await writer.close()
            raise
        writer.row_factory = aiosqlite.Row
        return cls(path, writer, loop_reader)

    async def close(self) -> None:
        async with self._write_lock:
            try:
                await self._checkpoints.close()
                self._loop_reader.close()
                await self._reader.close()
                # Fold the WAL back into the main file so a copied .db is complete.
                try:
                    await self.writer.threaded.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                except sqlite3.Error as exc:  # a busy reader elsewhere; the WAL stays valid
                    log.debug("checkpoint on close skipped: %s", exc)
            finally:
                # Always, even on a damaged file: an open connection's thread would keep
                # the process from exiting.
                await self.writer.threaded.close()

    @property
    def reader(self) -> LoopReader:
        return self._loop_reader

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(sqlite3_connection, *args)`, a whole answer in one go (see run_on)."""
        return await run_on(self._loop_reader, fn, *args)

    @asynccontextmanager
    async def transaction(
        self, *, quiet: bool = False, short: bool = False
    ) -> AsyncIterator[LoopWriter]:
        """One write transaction: everything inside commits together or not at all.
        `quiet`: nothing other processes keep in memory changes (delivery bookkeeping),
        so the write log gets no row (`bot.store.write_log`; SQLite's data_version moves
        anyway, but the others find nothing to catch up with). `short`: every statement
        writes a few rows by key, so they run on the event loop's thread, not one hop to
        the writer's thread each (bot/store/writing.py)."""
        async with self._write_lock:
            writer = self.writer
            writer.short = short
            # The writer's data_version, read with BEGIN: none commit until ours, so it
            # moves after only if another process commits.
            others = await writer.begin()
            self.notes.begin()
            changes = writer.total_changes
            try:
                yield writer
                wrote = writer.total_changes != changes
                await self.notes.before_commit(writer, wrote, quiet)
            except BaseException:
                # On the writer's thread: after a statement of its that was cancelled
                # (a task cancelled mid-await), which may still be running there.
                await writer.threaded.execute("ROLLBACK")
                raise
            else:
                await writer.execute("COMMIT")
                self.notes.committed()
                # What the reader sees now is our own doing (see `own_version`), unless
                # another process committed right after us: the reader's data_version
                # moves once for both, but the writer's moves for theirs alone (read after
                # the reader's, so a commit between the two counts as theirs).
                version = await self.data_version()
                alone = await _data_version(writer) == others
                self.own_version = version if alone else None
                self._checkpoints.after_commit()
            finally:
                writer.short = False

    async def counts(self) -> dict[str, int]:
        """Rows per table, for `trackside db status`."""
        counts = {}
        for table in ("athletes", "results", "splits", "record_entries", "seed_log"):
            rows = list(await self._reader.execute_fetchall(f"SELECT count(*) FROM {table}"))  # noqa: S608 - fixed names
            counts[table] = int(rows[0][0])
        return counts

    async def data_version(self) -> int:
        """Changes whenever another connection (another process, or our writer) commits."""
        return await _data_version(self._reader)

    async def schema_version(self) -> int:
        return await _user_version(self._reader)


async def _data_version(conn: aiosqlite.Connection | LoopWriter) -> int:
    """PRAGMA data_version of one connection: it moves when any other connection commits."""
    rows = list(await conn.execute_fetchall("PRAGMA data_version"))
    return int(rows[0][0])


def check_schema_version(current: int, shipped: int, setting: str) -> int:
    """`current`, or MigrationError when the database is newer than the `shipped`
    migrations of this Trackside."""
    if current > shipped:
        raise MigrationError(
            f"the database is at schema version {current}, newer than this Trackside "
            f"({shipped}): upgrade Trackside or use another {setting}"
        )
    return current


async def _user_version(conn: aiosqlite.Connection) -> int:
    (row,) = await conn.execute_fetchall("PRAGMA user_version")
    return int(row[0])


async def _check_version(conn: aiosqlite.Connection) -> int:
    return check_schema_version(await _user_version(conn), len(migrations()), "DATABASE_PATH")


async def _migrate(conn: aiosqlite.Connection) -> None:
    current = await _check_version(conn)
    for version, name, sql in migrations()[current:]:
        log.info("applying migration %s", name)
        # A migration may rebuild a table (create, copy, drop, rename). With foreign keys on,
        # dropping the old table would cascade-delete the rows pointing at it, so they are
        # off during the script (the pragma is a no-op inside a transaction, hence before
        # BEGIN) and checked before the commit instead.
        await conn.execute("PRAGMA foreign_keys = OFF")
        try:
            # executescript would COMMIT first; run the statements ourselves so the whole
            # migration, version bump included, is one transaction.
            await conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in _statements(sql):
                    await conn.execute(statement)
                broken = list(await conn.execute_fetchall("PRAGMA foreign_key_check"))
                if broken:
                    raise MigrationError(
                        f"{name} would leave {len(broken)} rows pointing at nothing "
                        f"(first: {tuple(broken[0])})"
                    )
                await conn.execute(f"PRAGMA user_version = {version:d}")
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            await conn.execute("COMMIT")
        finally:
            await conn.execute("PRAGMA foreign_keys = ON")


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
