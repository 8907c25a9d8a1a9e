"""How an answer is read from SQLite: a whole answer (a plain function over the stdlib
connection, several statements) in one go, on the event loop's own thread while it stays
short, on the reader's thread past that.

A hop to a reader thread and back costs more than the short indexed reads most answers are
(a top-list page, a profile, a head-to-head: 0.1-0.4 ms of SQLite at 1,000,000 results):
the loop wakes a thread, the thread wakes the loop, and each takes the GIL in turn. So
`LoopReader.run_sync` runs the function here, on a connection of its own, with SQLite's
progress handler watching the clocks: past `LOOP_READ_BUDGET_S` of work (or
`LOOP_READ_WALL_S` of waiting) SQLite stops the statement and the whole function runs
again on the reader's thread (aiosqlite's), where it may take as long as it needs without
holding up the loop. Reads change nothing, so running one again is harmless, and what
holds the loop is bounded by the budget, not by the read. A database another connection
has locked (SQLITE_BUSY: the loop's connection never waits) goes to the thread too, which
waits as the reader always has. Reads known to be long (the whole record book at startup)
go to the thread directly (`on_thread`).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.store.connection import Reader

T = TypeVar("T")

# How much work one answer may do on the event loop before it goes to the reader's thread:
# the guide's "a few milliseconds" at most; the hot reads take a tenth of it. Counted in
# the loop thread's CPU time, so that a read the machine merely paused (another process on
# the core) is not thrown away and read again for it; and, however spent (waiting for the
# disk, say), never more than LOOP_READ_WALL_S of the clock.
LOOP_READ_BUDGET_S = 0.002
LOOP_READ_WALL_S = 0.02
# SQLite virtual-machine steps between two looks at the clock (about 10-100 µs of work):
# fine enough for the budget, rare enough to cost nothing.
PROGRESS_STEPS = 1_000


async def run_on(conn: Reader, fn: Callable[..., T], *args: Any) -> T:
    """Run `fn(sqlite3_connection, *args)`, a whole answer, in one go: on the event loop
    when `conn` is the store's `LoopReader` (see the module's docstring), else on `conn`'s
    own thread (one hop for the answer instead of one per statement). `fn` is plain
    synchronous code over the stdlib connection (execute, fetchall), changes nothing, and
    must not keep cursors past its return.

    aiosqlite runs every call of a connection, in order, on one thread fed by a queue; its
    `_execute` is how its own methods put a function on that queue. It is private API, so
    a stand-in for the connection (the PostgreSQL reader, the benchmark's recorder) offers
    `run_sync` instead.
    """
    runner = getattr(conn, "run_sync", None)
    if runner is not None:
        return await runner(fn, *args)
    if not isinstance(conn, aiosqlite.Connection):
        raise TypeError(f"{conn!r} can run no function on its thread")
    return await conn._execute(fn, conn._conn, *args)


def on_thread(reader: Reader) -> Reader:
    """The connection behind `reader` that reads on a thread of its own: for a read known
    to take long, which would only be stopped at the budget and read again there."""
    threaded = getattr(reader, "threaded", None)
    return reader if threaded is None else threaded


# Why SQLite may stop a read on the loop: the budget ran out (the progress handler said
# so), or another connection holds a lock the loop's connection will not wait for.
_READ_AGAIN_ON_THE_THREAD = frozenset({sqlite3.SQLITE_INTERRUPT, sqlite3.SQLITE_BUSY})


def too_long_for_the_loop(exc: sqlite3.OperationalError) -> bool:
    """Whether SQLite stopped a read for one of those reasons (primary result code)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in _READ_AGAIN_ON_THE_THREAD


def _fetchall(conn: sqlite3.Connection, sql: str, parameters: Sequence[Any]) -> list[Any]:
    return conn.execute(sql, parameters).fetchall()


class Budget:
    """How long one piece of work may hold the event loop (LOOP_READ_BUDGET_S of the loop
    thread's CPU time, at most LOOP_READ_WALL_S of the clock): `start` it, and SQLite's
    progress handler asks `past` whether to stop the statement."""

    def __init__(self) -> None:
        self.budget_s = LOOP_READ_BUDGET_S
        self._deadline = self._cpu_deadline = self._wall_deadline = 0.0

    def start(self) -> None:
        now = time.perf_counter()
        self._deadline, self._wall_deadline = now + self.budget_s, now + LOOP_READ_WALL_S
        self._cpu_deadline = time.thread_time() + self.budget_s

    def past(self) -> bool:
        """Whether the work is past its budget. The thread's CPU clock costs a system call,
        so it is read only past the budget's time."""
        now = time.perf_counter()
        if now <= self._deadline:
            return False
        return now > self._wall_deadline or time.thread_time() > self._cpu_deadline


class LoopReader:
    """The store's reader on SQLite: `run_sync` and `execute_fetchall` answer on the event
    loop under a budget (the module's docstring), `execute` on aiosqlite's reader
    (`threaded`). Used from the thread that opened it; from any other thread
    (another event loop) every answer goes to the reader's thread."""

    def __init__(self, path: Path, threaded: aiosqlite.Connection, cache_kib: int):
        self.threaded = threaded
        self.budget = Budget()
        self.on_loop = 0  # answers read on the loop
        self.moved = 0  # answers stopped at the budget (or locked out) and read on the thread
        self._owner = threading.get_ident()
        # The loop's own connection: it never waits for a lock (busy_timeout 0) and never
        # writes. check_same_thread is off only so that closing it from another thread
        # (a loop shutting down elsewhere) works; reads check `_owner` themselves.
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA busy_timeout = 0")
            conn.execute(f"PRAGMA cache_size = -{cache_kib:d}")
            conn.execute("PRAGMA query_only = ON")
            conn.execute("PRAGMA foreign_keys = ON")  # as every connection of the store
            conn.row_factory = sqlite3.Row
            conn.set_progress_handler(self.budget.past, PROGRESS_STEPS)
        except BaseException:
            conn.close()
            raise
        self._conn: sqlite3.Connection | None = conn

    async def run_sync(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(sqlite3_connection, *args)`: on the loop within the budget, else on the
        reader's thread (see `run_on`)."""
        conn = self._conn
        if conn is not None and threading.get_ident() == self._owner:
            self.budget.start()
            try:
                answer = fn(conn, *args)
            except sqlite3.OperationalError as exc:
                if not too_long_for_the_loop(exc):
                    raise
                self.moved += 1
            else:
                self.on_loop += 1
                return answer
        return await run_on(self.threaded, fn, *args)

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> aiosqlite.Cursor:
        return await self.threaded.execute(sql, parameters)

    async def execute_fetchall(self, sql: str, parameters: Sequence[Any] = ()) -> Iterable[Any]:
        """One statement's rows, read as an answer is (`run_sync`)."""
        return await self.run_sync(_fetchall, sql, parameters)

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()
