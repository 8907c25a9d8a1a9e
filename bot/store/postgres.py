"""The PostgreSQL store (DATABASE_URL=postgresql://…), through asyncpg.

`PgDatabase` has the interface of `database.Database`, and its connections the part of
aiosqlite's the repositories use (`execute` with a cursor's `lastrowid`/`rowcount`/
`fetchone`, `execute_fetchall`, `executemany`, `total_changes`; rows read by index or
name), so the repositories, outbox and seeding run unchanged on both: each statement's
SQLite text is turned into PostgreSQL's once, in `dialect.to_postgres`.

- Connections and reader threads: `pg_connections.py`.
- Writes go through one connection behind an in-process lock, each transaction taking
  `pg_advisory_xact_lock` first: one writer at a time across every process, like SQLite's
  BEGIN IMMEDIATE, so read-check-write sequences (duplicate checks, record progressions)
  see no other process's write half-way.
- Reads run on a few reader threads, each with its own connection and event loop: a whole
  answer (`database.run_on`, several statements) goes to one in one hop, as on SQLite's
  reader thread, and its statements hit that connection's prepared-statement cache.
  Profiles, head-to-heads and top-list pages, one statement each, read on the bot's loop
  instead (`PgReader.fetch`, connections of their own): the hop to a thread and back cost
  a sixth of their time.
- Every commit that wrote bumps the one-row `trackside_writes` count and sends NOTIFY on
  `trackside_writes` with this process's token and the new count; a listening connection
  counts the other processes' notifications, and that count is `data_version()`, which
  the application polls to refresh its caches (SQLite: PRAGMA data_version). When the
  listening connection drops (server restart, terminated backend) it is reconnected in
  the background, and until then `data_version()` polls the count instead.
- Migrations are migrations/postgresql/NNNN_*.sql, numbered like the SQLite ones, applied
  in one transaction each under the same advisory lock; the version is kept in
  `trackside_schema` (SQLite: PRAGMA user_version).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from bot.store.pg_connections import (
    CONNECTION_LOST,
    SERVER_SETTINGS,
    STATEMENT_CACHE,
    PgConnection,
    PgReader,
    close_or_cut,
)
from bot.store.write_log import Notes

log = logging.getLogger(__name__)

CHANNEL = "trackside_writes"
# pg_advisory_xact_lock key: every Trackside write, in every process, takes it.
WRITE_LOCK = 0x7472_6B73  # "trks"
MIGRATIONS_PACKAGE = "bot.store.migrations.postgresql"
# While the LISTEN connection is down: poll trackside_writes at most this often, and try
# to LISTEN again after RELISTEN_FIRST seconds, doubling up to RELISTEN_LONGEST.
POLL_SECONDS = 0.5
RELISTEN_FIRST = 0.5
RELISTEN_LONGEST = 10.0
# One row counting every committed write: what NOTIFY carries, and what a process that
# is not listening (its LISTEN connection lost) polls.
_WRITE_VERSION = "SELECT version FROM trackside_writes"
_BUMP_AND_NOTIFY = (
    "WITH bump AS (UPDATE trackside_writes SET version = version + 1 RETURNING version) "
    "SELECT version, pg_notify($1, $2 || ' ' || version) FROM bump"
)


def is_postgres_url(target: object) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


class PgDatabase:
    """An open PostgreSQL store; `await PgDatabase.open(url)` and `await db.close()`."""

    dialect = "postgresql"
    # How often the bot looks at data_version (bot.py): an in-memory count while the
    # listener is up; one small query at most every POLL_SECONDS while it is down.
    watch_seconds = 0.25

    def __init__(self, url: str, writer: asyncpg.Connection):
        self.url = url
        self.path = redact(url)
        self._writer = writer
        self._reader = PgReader(url)
        self._write_lock = asyncio.Lock()
        self._token = uuid.uuid4().hex
        self._listener: asyncpg.Connection | None = None
        self._relisten: asyncio.Task[None] | None = None
        self._closing = False
        self._foreign_writes = 0
        # trackside_writes.version as far as we know it, and the versions our own commits
        # made since: a newer version that is not all ours is another process's write.
        self._seen = 0
        self._own: set[int] = set()
        self._polled_at = float("-inf")
        self.polls = 0  # how often trackside_writes was polled (listener down)
        # See Database.own_version: our own commits never count in data_version here.
        self.own_version: int | None = None
        self.notes = Notes()

    @classmethod
    async def open(cls, url: str, *, migrate: bool = True) -> PgDatabase:
        from bot.store.database import StoreError

        try:
            writer = await _connect(url)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise StoreError(
                f"cannot connect to PostgreSQL at {redact(url)} ({exc}); check DATABASE_URL "
                "and that the server is running"
            ) from None
        db = None
        try:
            if migrate:
                await _migrate(writer)
            else:
                await _check_version(writer)
            db = cls(url, writer)
            db._listener = await db._listen()
            if db._listener is None:
                raise StoreError(f"cannot LISTEN on PostgreSQL at {redact(url)}")
            db._seen = await _write_version(writer)
        except BaseException:
            if db is not None:
                await db._close_listener()
                await db._reader.close()
            await writer.close()
            raise
        return db

    # -- noticing other processes' writes ---------------------------------------------

    @property
    def listening(self) -> bool:
        """Whether LISTEN/NOTIFY is up (else data_version polls trackside_writes)."""
        return self._listener is not None and not self._listener.is_closed()

    async def _listen(self) -> asyncpg.Connection | None:
        """A new listening connection; None (logged) when the server cannot be reached."""
        try:
            conn = await asyncpg.connect(self.url)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("cannot LISTEN on PostgreSQL yet (%s); polling for changes", exc)
            return None
        try:
            await conn.add_listener(CHANNEL, self._on_notify)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            conn.terminate()
            log.warning("cannot LISTEN on PostgreSQL yet (%s); polling for changes", exc)
            return None
        conn.add_termination_listener(self._on_listener_lost)
        return conn

    def _on_notify(self, _conn, _pid, _channel, payload: str) -> None:
        token, _, version = payload.partition(" ")
        if token != self._token:
            self._foreign_writes += 1
        if version.isdigit():
            self._saw(int(version))

    def _saw(self, version: int) -> None:
        if version > self._seen:
            self._seen = version
            self._own = {v for v in self._own if v > version}

    def _on_listener_lost(self, conn: asyncpg.Connection) -> None:
        if conn is not self._listener or self._closing:
            return
        log.warning("PostgreSQL LISTEN connection lost; polling for changes until it is back")
        self._listener = None
        self._start_relisten()

    def _start_relisten(self) -> None:
        if self._closing or (self._relisten is not None and not self._relisten.done()):
            return
        self._relisten = asyncio.get_running_loop().create_task(
            self._relisten_until_back(), name="trackside-pg-relisten"
        )

    async def _relisten_until_back(self) -> None:
        delay = RELISTEN_FIRST
        while not self._closing:
            await asyncio.sleep(delay)
            conn = await self._listen()
            if conn is not None:
                # A write between the last poll and LISTEN sent its NOTIFY to nobody.
                await self._poll()
                self._listener = conn
                log.info("PostgreSQL LISTEN connection back; change polling stopped")
                return
            delay = min(delay * 2, RELISTEN_LONGEST)

    async def _poll(self) -> None:
        """Read trackside_writes.version: newer than we know, and not all of it our own
        commits, counts as another process's write."""
        self._polled_at = asyncio.get_running_loop().time()
        self.polls += 1
        try:
            rows = await self._reader.execute_fetchall(_WRITE_VERSION)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.debug("cannot poll PostgreSQL for changes: %s", exc)
            return
        version = int(rows[0][0]) if rows else 0
        if version > self._seen:
            ours = sum(1 for v in self._own if self._seen < v <= version)
            if ours < version - self._seen:
                self._foreign_writes += 1
        elif version < self._seen:  # the counter went back: a restored database
            self._foreign_writes += 1
            self._seen = version
            self._own.clear()
        self._saw(version)

    async def data_version(self) -> int:
        """Changes when another process commits: the NOTIFYs other processes send, counted
        as they arrive; while the listening connection is down (server restart, dropped
        connection), a poll of trackside_writes, at most every POLL_SECONDS, while a
        background task reconnects it."""
        if not self.listening and not self._closing:
            self._start_relisten()
            if asyncio.get_running_loop().time() - self._polled_at >= POLL_SECONDS:
                await self._poll()
        return self._foreign_writes

    async def _close_listener(self) -> None:
        self._closing = True
        if self._relisten is not None:
            self._relisten.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._relisten
        listener, self._listener = self._listener, None
        if listener is not None:
            await close_or_cut(listener)

    # -- the store's interface ---------------------------------------------------------

    async def close(self) -> None:
        async with self._write_lock:
            try:
                await self._close_listener()
                await self._reader.close()
            finally:
                if not self._writer.is_closed():
                    await self._writer.close()

    @property
    def reader(self) -> PgReader:
        return self._reader

    async def read(self, fn, *args):
        """`fn(connection, *args)` as Database.read runs it (see PgReader.run_sync)."""
        return await self._reader.run_sync(fn, *args)

    @asynccontextmanager
    async def transaction(
        self, *, quiet: bool = False, short: bool = False
    ) -> AsyncIterator[PgConnection]:
        """One write transaction, serialised across processes by the advisory lock.
        `quiet`: nothing another process keeps in memory changes (delivery bookkeeping),
        so no NOTIFY, and the write count stays. `short` is SQLite's (every statement is a
        round trip to the server here, on this loop)."""
        async with self._write_lock:
            if self._writer.is_closed():
                # The server restarted (or dropped us) since the last write: the failed
                # transaction was reported then; this one gets a new connection.
                log.info("PostgreSQL writer connection lost; connecting again")
                self._writer = await _connect(self.url)
            try:
                async with self._writer.transaction():
                    await self._writer.execute("SELECT pg_advisory_xact_lock($1)", WRITE_LOCK)
                    conn = PgConnection(self._writer)
                    self.notes.begin()
                    yield conn
                    await self.notes.before_commit(conn, bool(conn.total_changes), quiet)
                    # Delivered at commit, and only if the transaction commits (and wrote:
                    # a claim that found nothing due must not make every other process
                    # look).
                    version = None
                    if conn.total_changes and not quiet:
                        version = await self._writer.fetchval(
                            _BUMP_AND_NOTIFY, CHANNEL, self._token
                        )
            except CONNECTION_LOST:
                # Cut mid-transaction (asyncpg may not have noticed yet, and then reports a
                # protocol state error): drop it, so the next transaction connects afresh.
                self._writer.terminate()
                raise
            self.notes.committed()
            if version is not None:
                self._own.add(int(version))

    async def after_bulk_load(self) -> None:
        """After `trackside db copy`: planner statistics, and the visibility map that lets
        a top list read the legal-marks index alone (an index-only scan), now rather than
        whenever autovacuum gets to a million new rows. VACUUM runs outside a transaction."""
        # VACUUM marks a page all-visible only once the commit of its rows is flushed,
        # which an asynchronous commit (synchronous_commit off) may not be yet: one
        # transaction committed synchronously flushes the log up to it. On a connection of
        # its own: run on the writer, right after the copy, it still left every page of
        # results and athletes not all-visible (PostgreSQL 15), and having vacuumed,
        # autovacuum would not come back to them (tests/store/test_copy.py).
        conn = await _connect(self.url)
        try:
            await conn.execute("SET synchronous_commit = on; SELECT txid_current()")
            await conn.execute("VACUUM (ANALYZE)")
        finally:
            await conn.close()

    async def counts(self) -> dict[str, int]:
        counts = {}
        for table in ("athletes", "results", "splits", "record_entries", "seed_log"):
            rows = await self._reader.execute_fetchall(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed names
            counts[table] = int(rows[0][0])
        return counts

    async def schema_version(self) -> int:
        rows = await self._reader.execute_fetchall(
            "SELECT coalesce(max(version), 0) FROM trackside_schema"
        )
        return int(rows[0][0])


async def _connect(url: str) -> asyncpg.Connection:
    return await asyncpg.connect(
        url, statement_cache_size=STATEMENT_CACHE, server_settings=SERVER_SETTINGS
    )


async def _write_version(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval(_WRITE_VERSION) or 0)


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
        # The store's own bookkeeping beside the schema version, as SQLite keeps PRAGMA
        # data_version: a count of committed writes (see _BUMP_AND_NOTIFY, _poll). Not a
        # numbered migration, so the two stores' migrations stay numbered alike.
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS trackside_writes (id INTEGER PRIMARY KEY "
            "CHECK (id = 1), version BIGINT NOT NULL)"
        )
        await conn.execute(
            "INSERT INTO trackside_writes (id, version) VALUES (1, 0) ON CONFLICT DO NOTHING"
        )
        current = await _check_version(conn)
        for version, name, sql in migrations()[current:]:
            log.info("applying migration postgresql/%s", name)
            async with conn.transaction():  # a savepoint: the whole file or nothing
                await conn.execute(sql)
                await conn.execute(
                    "INSERT INTO trackside_schema (version, name) VALUES ($1, $2)", version, name
                )
