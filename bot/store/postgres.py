"""The PostgreSQL store (DATABASE_URL=postgresql://…), through asyncpg.

`PgDatabase` has the interface of `database.Database`, and its connections the part of
aiosqlite's the repositories use (`execute` with a cursor's `lastrowid`/`rowcount`/
`fetchone`, `execute_fetchall`, `executemany`, `total_changes`; rows read by index or
name), so the repositories, outbox and seeding run unchanged on both: each statement's
SQLite text is turned into PostgreSQL's once, in `dialect.to_postgres`.

- Reads go through a small pool (asyncpg runs one statement at a time per connection).
- Writes go through one connection behind an in-process lock, each transaction taking
  `pg_advisory_xact_lock` first: one writer at a time across every process, like SQLite's
  BEGIN IMMEDIATE, so read-check-write sequences (duplicate checks, record progressions)
  see no other process's write half-way.
- Every commit sends NOTIFY on `trackside_writes` with this process's token; a listening
  connection counts the other processes' notifications, and that count is
  `data_version()`, which the application polls to refresh its caches (SQLite: PRAGMA
  data_version).
- Migrations are migrations/postgresql/NNNN_*.sql, numbered like the SQLite ones, applied
  in one transaction each under the same advisory lock; the version is kept in
  `trackside_schema` (SQLite: PRAGMA user_version).
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from bot.store.dialect import ID_TABLES, inserted_table, is_query, to_postgres

log = logging.getLogger(__name__)

CHANNEL = "trackside_writes"
# pg_advisory_xact_lock key: every Trackside write, in every process, takes it.
WRITE_LOCK = 0x7472_6B73  # "trks"
MIGRATIONS_PACKAGE = "bot.store.migrations.postgresql"
_STATUS_COUNT = re.compile(r"(\d+)$")


def is_postgres_url(target: object) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


class IntegrityError(sqlite3.IntegrityError):
    """A constraint PostgreSQL refused (unique, check, foreign key): the same exception
    type the services already handle for SQLite."""


class _Cursor:
    def __init__(self, rows: list, rowcount: int, lastrowid: int | None):
        self._rows = rows
        self.rowcount = rowcount
        self.lastrowid = lastrowid

    async def fetchone(self):
        return self._rows[0] if self._rows else None

    async def fetchall(self):
        return list(self._rows)

    def fetchall_now(self) -> list:
        return self._rows


async def _run(conn: asyncpg.Connection, sql: str, params: Sequence[Any]) -> _Cursor:
    if sql.lstrip().upper().startswith("PRAGMA"):
        # SQLite tuning (ignore_check_constraints around bulk loads): nothing to do here.
        return _Cursor([], -1, None)
    text = to_postgres(sql, returning_id=True)
    try:
        if is_query(text):
            rows = await conn.fetch(text, *params)
            insert = inserted_table(sql)
            lastrowid = rows[0][0] if insert and rows else None
            return _Cursor(rows, len(rows) if insert else -1, lastrowid)
        status = await conn.execute(text, *params)
    except asyncpg.IntegrityConstraintViolationError as exc:
        raise IntegrityError(str(exc)) from exc
    match = _STATUS_COUNT.search(status or "")
    return _Cursor([], int(match.group(1)) if match else -1, None)


class PgConnection:
    """One asyncpg connection with the aiosqlite calls the repositories make."""

    dialect = "postgresql"

    def __init__(self, conn: asyncpg.Connection):
        self._conn = conn
        self.total_changes = 0

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> _Cursor:
        cursor = await _run(self._conn, sql, params)
        self.total_changes += max(cursor.rowcount, 0)
        await self._after_explicit_ids(sql)
        return cursor

    async def execute_fetchall(self, sql: str, params: Sequence[Any] = ()) -> list:
        return (await _run(self._conn, sql, params)).fetchall_now()

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = [tuple(row) for row in rows]
        if not rows:
            return
        text = to_postgres(sql)
        try:
            if inserted_table(sql):
                # RETURNING 1 counts the rows written (INSERT OR IGNORE writes fewer).
                returned = await self._conn.fetchmany(text + " RETURNING 1", rows)
                self.total_changes += len(returned)
            else:
                await self._conn.executemany(text, rows)
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise IntegrityError(str(exc)) from exc
        await self._after_explicit_ids(sql)

    async def _after_explicit_ids(self, sql: str) -> None:
        """An INSERT that names the ids itself (seeding, copying) leaves the identity
        sequence behind them: move it past the largest id, never back."""
        insert = inserted_table(sql)
        if not insert or insert[0] not in ID_TABLES or "id" not in insert[1]:
            return
        table = insert[0]
        # `table` is one of ID_TABLES, never user input.
        await self._conn.execute(
            "SELECT setval(s, greatest(m, 1), m > 0) FROM ("  # noqa: S608
            f"SELECT s, greatest(coalesce((SELECT max(id) FROM {table}), 0), "
            "coalesce(pg_sequence_last_value(s), 0)) AS m "
            f"FROM (SELECT pg_get_serial_sequence('{table}', 'id')::regclass AS s) q) q2"
        )


class _SyncCursor:
    def __init__(self, rows: list):
        self._rows = rows

    def fetchall(self) -> list:
        return self._rows

    def fetchone(self):
        return self._rows[0] if self._rows else None

    def __iter__(self):
        return iter(self._rows)


class _SyncReader:
    """What `database.run_on` hands its function: `execute(sql, params).fetchall()` like
    the stdlib sqlite3 connection. The function runs on a worker thread; each statement
    runs on the event loop's pooled connection and the thread waits for its rows."""

    def __init__(self, pool: asyncpg.Pool, loop: asyncio.AbstractEventLoop):
        self._pool = pool
        self._loop = loop

    async def _fetch(self, sql: str, params: Sequence[Any]) -> list:
        async with self._pool.acquire() as conn:
            return (await _run(conn, sql, params)).fetchall_now()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _SyncCursor:
        future = asyncio.run_coroutine_threadsafe(self._fetch(sql, tuple(params)), self._loop)
        return _SyncCursor(future.result())


class PgReader:
    """The read side: each statement on a pooled connection."""

    def __init__(self, pool: asyncpg.Pool):
        self._pool = pool

    async def run_sync(self, fn, *args):
        """database.run_on for PostgreSQL: `fn(connection, *args)` off the event loop."""
        sync = _SyncReader(self._pool, asyncio.get_running_loop())
        return await asyncio.to_thread(fn, sync, *args)

    async def execute_fetchall(self, sql: str, params: Sequence[Any] = ()) -> list:
        async with self._pool.acquire() as conn:
            return (await _run(conn, sql, params)).fetchall_now()

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> _Cursor:
        async with self._pool.acquire() as conn:
            return await _run(conn, sql, params)


class PgDatabase:
    """An open PostgreSQL store; `await PgDatabase.open(url)` and `await db.close()`."""

    dialect = "postgresql"
    # How often the bot looks at data_version (bot.py): an in-memory count, free to read.
    watch_seconds = 0.25

    def __init__(self, url: str, pool: asyncpg.Pool, writer: asyncpg.Connection):
        self.url = url
        self.path = redact(url)
        self._pool = pool
        self._writer = writer
        self._reader = PgReader(pool)
        self._write_lock = asyncio.Lock()
        self._token = uuid.uuid4().hex
        self._listener: asyncpg.Connection | None = None
        self._foreign_writes = 0
        # See Database.own_version: our own commits never count in data_version here.
        self.own_version: int | None = None

    @classmethod
    async def open(cls, url: str, *, migrate: bool = True) -> PgDatabase:
        from bot.store.database import StoreError

        try:
            writer = await asyncpg.connect(url)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise StoreError(
                f"cannot connect to PostgreSQL at {redact(url)} ({exc}); check DATABASE_URL "
                "and that the server is running"
            ) from None
        pool = None
        try:
            if migrate:
                await _migrate(writer)
            else:
                await _check_version(writer)
            pool = await asyncpg.create_pool(url, min_size=1, max_size=4)
            db = cls(url, pool, writer)
            db._listener = await asyncpg.connect(url)
            await db._listener.add_listener(CHANNEL, db._on_notify)
        except BaseException:
            if pool is not None:
                await pool.close()
            await writer.close()
            raise
        return db

    def _on_notify(self, _conn, _pid, _channel, payload: str) -> None:
        if payload != self._token:
            self._foreign_writes += 1

    async def close(self) -> None:
        async with self._write_lock:
            if self._listener is not None:
                await self._listener.close()
            await self._pool.close()
            await self._writer.close()

    @property
    def reader(self) -> PgReader:
        return self._reader

    async def read(self, fn, *args):
        """`fn(connection, *args)` as Database.read runs it (see PgReader.run_sync)."""
        return await self._reader.run_sync(fn, *args)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgConnection]:
        """One write transaction, serialised across processes by the advisory lock."""
        async with self._write_lock, self._writer.transaction():
            await self._writer.execute("SELECT pg_advisory_xact_lock($1)", WRITE_LOCK)
            conn = PgConnection(self._writer)
            yield conn
            # Delivered at commit, and only if the transaction commits (and wrote: a claim
            # that found nothing due must not make every other process reload).
            if conn.total_changes:
                await self._writer.execute("SELECT pg_notify($1, $2)", CHANNEL, self._token)

    async def counts(self) -> dict[str, int]:
        counts = {}
        for table in ("athletes", "results", "splits", "record_entries", "seed_log"):
            rows = await self._reader.execute_fetchall(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed names
            counts[table] = int(rows[0][0])
        return counts

    async def data_version(self) -> int:
        """How many commits other processes have made since we opened (LISTEN/NOTIFY)."""
        return self._foreign_writes

    async def schema_version(self) -> int:
        async with self._pool.acquire() as conn:
            return await _current_version(conn)


def migrations() -> list[tuple[int, str, str]]:
    from bot.store.database import migrations as shipped

    return shipped(MIGRATIONS_PACKAGE)


async def _current_version(conn: asyncpg.Connection) -> int:
    exists = await conn.fetchval("SELECT to_regclass('trackside_schema') IS NOT NULL")
    if not exists:
        return 0
    return int(await conn.fetchval("SELECT coalesce(max(version), 0) FROM trackside_schema"))


async def _check_version(conn: asyncpg.Connection) -> int:
    from bot.store.database import check_schema_version

    current = await _current_version(conn)
    return check_schema_version(current, len(migrations()), "DATABASE_URL")


async def _migrate(conn: asyncpg.Connection) -> None:
    async with conn.transaction():
        # Two processes starting together: one migrates, the other waits and finds it done.
        await conn.execute("SELECT pg_advisory_xact_lock($1)", WRITE_LOCK)
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS trackside_schema (version INTEGER PRIMARY KEY, "
            "name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        current = await _check_version(conn)
        for version, name, sql in migrations()[current:]:
            log.info("applying migration postgresql/%s", name)
            async with conn.transaction():  # a savepoint: the whole file or nothing
                await conn.execute(sql)
                await conn.execute(
                    "INSERT INTO trackside_schema (version, name) VALUES ($1, $2)", version, name
                )
