"""PostgreSQL connections shaped like aiosqlite's (the part the repositories use), and the
reader threads that run a whole answer on one connection in one hop (see postgres.py)."""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any

import asyncpg

from bot.store.dialect import ID_TABLES, inserted_table, is_query, to_postgres

log = logging.getLogger(__name__)

_STATUS_COUNT = re.compile(r"(\d+)$")
READERS = 4  # reader threads, each with one connection (see _ReaderThread)
# Prepared statements kept per connection (asyncpg's default is 100): the repositories'
# texts, including each length of an `IN (?, …)` list they build, fit.
STATEMENT_CACHE = 1_000
# Short indexed lookups: JIT compiling one costs more than running it. (Forcing generic
# plans for prepared statements made top lists a little faster but the outbox's
# per-channel query, whose best plan depends on its values, far slower: not done.)
SERVER_SETTINGS = {"jit": "off"}
READER_SETTINGS = SERVER_SETTINGS


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


@lru_cache(maxsize=2048)
def _plan(sql: str) -> tuple[str, bool, bool] | None:
    """(PostgreSQL text, whether it gives rows, whether it is an INSERT) of one SQLite
    statement, worked out once per text: the same SQLite text is always the same
    PostgreSQL text, so asyncpg's per-connection cache of prepared statements hits.
    None for a PRAGMA (SQLite tuning such as ignore_check_constraints around bulk loads:
    nothing to do here)."""
    if sql.lstrip()[:6].upper() == "PRAGMA":
        return None
    text = to_postgres(sql, returning_id=True)
    return text, is_query(text), inserted_table(sql) is not None


async def _run(conn: asyncpg.Connection, sql: str, params: Sequence[Any]) -> _Cursor:
    plan = _plan(sql)
    if plan is None:
        return _Cursor([], -1, None)
    text, query, insert = plan
    try:
        if query:
            rows = await conn.fetch(text, *params)
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
                # asyncpg gives no per-row counts here: count it as written (at worst one
                # NOTIFY too many, never one too few).
                self.total_changes += len(rows)
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise IntegrityError(str(exc)) from exc
        await self._after_explicit_ids(sql)

    async def copy_rows(self, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
        """Append rows to a table with COPY (`trackside db copy`): many times faster than
        INSERTs for a million results. `table` and `columns` are the schema's own names."""
        if not rows:
            return
        try:
            await self._conn.copy_records_to_table(table, records=rows, columns=list(columns))
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise IntegrityError(str(exc)) from exc
        self.total_changes += len(rows)
        await self._after_explicit_ids(f"INSERT INTO {table} ({', '.join(columns)})")

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


# A reader connection gone (server restarted, backend terminated): the read is retried
# once on a new connection; reads change nothing, so running one again is harmless.
CONNECTION_LOST = (
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.InterfaceError,
    asyncpg.AdminShutdownError,
    asyncpg.CannotConnectNowError,
    asyncpg.InternalClientError,  # "cannot switch to state …": a connection cut mid-way
    ConnectionError,
)


class _ReaderThread:
    """One reader connection on a thread of its own, with an event loop of its own.

    `database.run_on` hands a whole answer (a plain function over `execute(sql,
    params).fetchall()`, several statements) to a reader in one hop, as SQLite's reader
    thread does: the function runs here, each statement awaited on this thread's loop over
    this thread's one connection. So an answer costs one hop from the bot's loop, no pool
    acquire or reset, and every statement hits this connection's cache of prepared
    statements once the text has been seen (see `_plan`). Rows become objects here too,
    off the bot's loop."""

    dialect = "postgresql"  # what `fn` may ask (`dialect.is_postgres`)

    def __init__(self, url: str, name: str):
        self._url = url
        self._executor = ThreadPoolExecutor(1, thread_name_prefix=name)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._conn: asyncpg.Connection | None = None

    async def call(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(
            self._executor, self._call, fn, args
        )

    async def close(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._executor, self._close)
        self._executor.shutdown(wait=True)

    # -- on the reader's thread ------------------------------------------------------

    def _call(self, fn, args):
        try:
            return fn(self, *args)
        except CONNECTION_LOST as exc:
            log.info("PostgreSQL reader connection lost (%s); reading again", exc)
            self._drop()
            return fn(self, *args)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _SyncCursor:
        """What `fn` calls: one statement, its rows at hand (sqlite3's execute+fetchall)."""
        loop, conn = self._connection()
        return _SyncCursor(loop.run_until_complete(_run(conn, sql, params)).fetchall_now())

    def _connection(self) -> tuple[asyncio.AbstractEventLoop, asyncpg.Connection]:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        if self._conn is None or self._conn.is_closed():
            self._conn = self._loop.run_until_complete(_connect_reader(self._url))
        return self._loop, self._conn

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and self._loop is not None:
            conn.terminate()

    def _close(self) -> None:
        if self._loop is None:
            return
        try:
            if self._conn is not None:
                self._loop.run_until_complete(close_or_cut(self._conn))
        finally:
            self._conn = None
            self._loop.close()
            self._loop = None


async def close_or_cut(conn: asyncpg.Connection) -> None:
    """Close a connection cleanly, or cut it (`terminate`) when it will not close in time
    or the server is gone; one already closed is left alone."""
    if conn.is_closed():
        return
    try:
        await conn.close(timeout=5)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
        conn.terminate()


async def _connect_reader(url: str) -> asyncpg.Connection:
    return await asyncpg.connect(
        url, statement_cache_size=STATEMENT_CACHE, server_settings=READER_SETTINGS
    )


class PgReader:
    """The read side: a few reader threads (see _ReaderThread), the most recently used
    first (its prepared statements are the warmest); an answer waits for a free one.
    `fetch` reads one statement on the caller's loop instead (connections of its own)."""

    dialect = "postgresql"  # what a repository may ask of its reader (`dialect.is_postgres`)

    def __init__(self, url: str, size: int = READERS):
        self._url = url
        self._threads = [_ReaderThread(url, f"trackside-pg-reader-{i}") for i in range(size)]
        self._idle: asyncio.LifoQueue[_ReaderThread] = asyncio.LifoQueue()
        for thread in reversed(self._threads):
            self._idle.put_nowait(thread)
        # `fetch`'s connections, opened when first wanted (None until then).
        self._here: asyncio.LifoQueue[asyncpg.Connection | None] = asyncio.LifoQueue()
        for _ in range(size):
            self._here.put_nowait(None)

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list:
        """One statement's rows, read on this loop: no hop to a reader thread and back
        (about 0.1 ms, a sixth of a profile), for answers of one statement whose rows
        become objects in well under a millisecond. Retried once on a new connection
        when the one it had is gone, as on a reader thread."""
        conn = await self._here.get()
        try:
            try:
                if conn is None or conn.is_closed():
                    conn = await _connect_reader(self._url)
                return (await _run(conn, sql, params)).fetchall_now()
            except CONNECTION_LOST as exc:
                log.info("PostgreSQL reader connection lost (%s); reading again", exc)
                if conn is not None:
                    conn.terminate()
                conn = None
                conn = await _connect_reader(self._url)
                return (await _run(conn, sql, params)).fetchall_now()
        finally:
            self._here.put_nowait(conn)

    async def run_sync(self, fn, *args):
        """database.run_on for PostgreSQL: `fn(connection, *args)` on a reader thread, whole."""
        thread = await self._idle.get()
        try:
            return await thread.call(fn, *args)
        finally:
            self._idle.put_nowait(thread)

    async def execute_fetchall(self, sql: str, params: Sequence[Any] = ()) -> list:
        return await self.run_sync(_fetchall, sql, tuple(params))

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> _Cursor:
        rows = await self.execute_fetchall(sql, params)
        return _Cursor(rows, -1, None)

    async def close(self) -> None:
        for thread in self._threads:
            await thread.close()
        while not self._here.empty():
            conn = self._here.get_nowait()
            if conn is not None:
                await close_or_cut(conn)


def _fetchall(conn: _ReaderThread, sql: str, params: tuple) -> list:
    return conn.execute(sql, params).fetchall()
