"""A short write transaction on SQLite, run on the event loop's own thread.

A write of one result (a moderator's Confirm, an edit, a ratification), a setting or a
delivery's bookkeeping is a dozen short statements in one transaction. On aiosqlite's
writer thread each statement is a hop there and back: the loop wakes the thread, the
thread wakes the loop (about 70 µs each on the benchmark's machine, more than most of the
statements themselves, and most of a Confirm's time from BEGIN to COMMIT). A transaction
opened with `Database.transaction(short=True)` runs them here instead, as the reader runs
short answers (`bot.store.reading`).

What stays on the writer's thread:
- BEGIN IMMEDIATE when another process holds the write lock: it is tried here without
  waiting, and on the thread it waits up to busy_timeout for the lock.
- ROLLBACK: it must come after a statement of a cancelled task that may still be running
  there.
- A SELECT through `execute` (its cursor is read later, on the thread).
- An `executemany` of more than LOOP_ROWS rows, and every statement of a transaction not
  marked short (imports, seeding, copying a store: seconds of work).
- A SELECT past the reader's budget (`reading.Budget`): SQLite stops it, which leaves the
  transaction as it was (a read changes nothing), and it is read again on the thread.

A statement that writes is never stopped (SQLite would roll back the whole transaction),
so only transactions whose writes touch a few rows by key are marked short.

The connection is aiosqlite's, opened with check_same_thread off: the loop and the
thread never use it at once, as every statement is awaited in turn under the store's
write lock (`Database.transaction`).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Sequence
from typing import Any

import aiosqlite

from bot.store.connection import Cursor
from bot.store.reading import PROGRESS_STEPS, Budget, run_on, too_long_for_the_loop

LOOP_ROWS = 100  # rows an executemany on the loop may take (a delivery's claims, splits)


class _Done:
    """What a statement run on the loop leaves behind (`connection.Cursor`)."""

    __slots__ = ("lastrowid", "rowcount")

    def __init__(self, cursor: sqlite3.Cursor):
        self.lastrowid = cursor.lastrowid
        self.rowcount = cursor.rowcount


def _then_data_version(conn: sqlite3.Connection, statement: str) -> int:
    """Run `statement` (a BEGIN), then read the connection's PRAGMA data_version."""
    conn.execute(statement)
    return int(conn.execute("PRAGMA data_version").fetchone()[0])


def _reads_only(sql: str) -> bool:
    """Whether a statement is a plain SELECT (one SQLite may stop at no cost)."""
    return sql.lstrip()[:6].upper() == "SELECT"


class LoopWriter:
    """The connection of a write transaction on SQLite (`connection.Connection`). While
    `short` is set (by `Database.transaction(short=True)`) and on the thread that opened
    it, statements run here (the module's docstring); otherwise on aiosqlite's writer
    thread (`threaded`), as every statement did before."""

    def __init__(self, threaded: aiosqlite.Connection, busy_timeout_ms: int):
        self.threaded = threaded
        self._busy_timeout_ms = busy_timeout_ms
        # aiosqlite's sqlite3 connection: private API, as `reading.run_on` uses it.
        self._conn: sqlite3.Connection = threaded._conn
        self._owner = threading.get_ident()
        self.budget = Budget()
        self.short = False
        self.on_loop = 0  # statements run on the loop
        self.moved = 0  # SELECTs stopped at the budget and read again on the thread
        self.waited = 0  # short transactions that found the write lock taken

    @property
    def total_changes(self) -> int:
        return self._conn.total_changes

    def _here(self) -> bool:
        return self.short and threading.get_ident() == self._owner

    async def begin(self) -> int:
        """BEGIN IMMEDIATE, then the connection's PRAGMA data_version (one hop when on the
        thread): for a short transaction tried here first, without waiting for the lock."""
        if self._here():
            conn = self._conn
            conn.execute("PRAGMA busy_timeout = 0")
            try:
                version = _then_data_version(conn, "BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if not too_long_for_the_loop(exc):  # the lock is taken: wait on the thread
                    raise
                self.waited += 1
            else:
                self.on_loop += 1
                return version
            finally:
                conn.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms:d}")
        return await run_on(self.threaded, _then_data_version, "BEGIN IMMEDIATE")

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> Cursor:
        if self._here() and not _reads_only(sql):
            self.on_loop += 1
            return _Done(self._conn.execute(sql, parameters))
        return await self.threaded.execute(sql, parameters)

    async def execute_fetchall(self, sql: str, parameters: Sequence[Any] = ()) -> list[Any]:
        if self._here():
            if not _reads_only(sql):  # INSERT ... RETURNING, PRAGMA: never stopped
                self.on_loop += 1
                return self._conn.execute(sql, parameters).fetchall()
            rows = self._read_here(sql, parameters)
            if rows is not None:
                return rows
        return list(await self.threaded.execute_fetchall(sql, parameters))

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> object:
        if not self._here():
            return await self.threaded.executemany(sql, parameters)
        rows = parameters if isinstance(parameters, list) else list(parameters)
        if len(rows) > LOOP_ROWS:
            return await self.threaded.executemany(sql, rows)
        self.on_loop += 1
        return _Done(self._conn.executemany(sql, rows))

    def _read_here(self, sql: str, parameters: Sequence[Any]) -> list[Any] | None:
        """A SELECT's rows, read here under the budget; None if SQLite stopped it."""
        conn = self._conn
        self.budget.start()
        conn.set_progress_handler(self.budget.past, PROGRESS_STEPS)
        try:
            rows = conn.execute(sql, parameters).fetchall()
        except sqlite3.OperationalError as exc:
            if not too_long_for_the_loop(exc):
                raise
            self.moved += 1
            return None
        finally:
            conn.set_progress_handler(None, 0)
        self.on_loop += 1
        return rows
