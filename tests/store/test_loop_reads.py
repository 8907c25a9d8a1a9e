"""Answers read on the event loop (bot/store/reading.py): short reads never leave the loop's
thread, a read past the budget is stopped there and read again on the reader's thread with
the same answer, a locked database waits on the thread, and every other error is the
read's own. SQLite only: the budget is SQLite's progress handler."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time

import aiosqlite
import pytest

from bot.store import reading
from bot.store.database import BUSY_TIMEOUT_MS, Database
from bot.store.reading import LoopReader, on_thread, run_on

# About 10 million SQLite steps: far past any budget (a few tenths of a second).
LONG = (
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000) "
    "SELECT count(*), sum(i) FROM n"
)


@pytest.fixture
async def db(tmp_path):
    store = await Database.open(tmp_path / "t.db")
    try:
        yield store
    finally:
        await store.close()


def _threads_and(sql: str, ran_on: list[int]):
    def read(conn: sqlite3.Connection) -> tuple:
        ran_on.append(threading.get_ident())
        return tuple(conn.execute(sql).fetchone())

    return read


async def test_a_short_answer_is_read_on_the_loops_own_thread(db):
    ran_on: list[int] = []
    answer = await db.read(_threads_and("SELECT count(*) FROM athletes", ran_on))
    assert answer == (0,)
    assert ran_on == [threading.get_ident()]
    assert (db.reader.on_loop, db.reader.moved) == (1, 0)


async def test_a_read_past_the_budget_is_stopped_and_read_again_on_the_thread(db):
    loop_thread = threading.get_ident()
    ran_on: list[int] = []
    beat = 0

    async def heartbeat() -> None:  # the loop is free while the thread reads
        nonlocal beat
        while True:
            beat += 1
            await asyncio.sleep(0)

    beating = asyncio.create_task(heartbeat())
    try:
        answer = await db.read(_threads_and(LONG, ran_on))
    finally:
        beating.cancel()
    assert answer == (1_000_000, 1_000_000 * 1_000_001 // 2)
    assert len(ran_on) == 2 and ran_on[0] == loop_thread != ran_on[1]
    assert (db.reader.on_loop, db.reader.moved) == (0, 1)
    assert beat > 1
    # The loop's connection is fine after the stop: the next short read stays there.
    assert await db.read(_threads_and("SELECT 1", ran_on)) == (1,)
    assert ran_on[-1] == loop_thread and db.reader.on_loop == 1


def _paused_then(pause_s: float, ran_on: list[int]):
    """A read that waits `pause_s` (as for a disk, or for a core another process has) and
    then does a little work, so SQLite's progress handler looks at the clocks after."""

    def read(conn: sqlite3.Connection) -> tuple:
        ran_on.append(threading.get_ident())
        conn.create_function("pause", 0, lambda: time.sleep(pause_s) or 1)
        sql = (
            "WITH RECURSIVE n(i) AS (SELECT pause() UNION ALL SELECT i + 1 FROM n "
            "WHERE i < 1000) SELECT count(*) FROM n"
        )
        return tuple(conn.execute(sql).fetchone())

    return read


async def test_a_read_that_waits_is_not_stopped_for_it_within_the_clock_limit(db, monkeypatch):
    """The budget counts the loop thread's work, not a pause: a read paused longer than the
    budget stays on the loop; one paused past LOOP_READ_WALL_S goes to the thread."""
    monkeypatch.setattr(reading, "LOOP_READ_WALL_S", 0.5)
    ran_on: list[int] = []
    assert await db.read(_paused_then(10 * reading.LOOP_READ_BUDGET_S, ran_on)) == (1000,)
    assert ran_on == [threading.get_ident()] and (db.reader.on_loop, db.reader.moved) == (1, 0)

    monkeypatch.setattr(reading, "LOOP_READ_WALL_S", 0.01)
    ran_on.clear()
    assert await db.read(_paused_then(0.05, ran_on)) == (1000,)
    assert len(ran_on) == 2 and ran_on[1] != threading.get_ident()
    assert (db.reader.on_loop, db.reader.moved) == (1, 1)


async def test_a_database_locked_by_another_connection_is_read_on_the_thread(tmp_path):
    """The loop's connection never waits for a lock; the thread's waits as readers always
    have, and reads once the lock is gone. (In WAL mode, the store's, readers are hardly
    ever locked out; a file in rollback mode with a writer holding EXCLUSIVE always is.)"""
    path = tmp_path / "rollback.db"
    with sqlite3.connect(path) as setup:
        setup.execute("PRAGMA journal_mode = DELETE")
        setup.execute("CREATE TABLE t (x INTEGER)")
        setup.execute("INSERT INTO t VALUES (1)")
    setup.close()
    threaded = await aiosqlite.connect(path, isolation_level=None)
    await threaded.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    reader = LoopReader(path, threaded, 1024)
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("UPDATE t SET x = 2")
        ran_on: list[int] = []
        reading = asyncio.create_task(run_on(reader, _threads_and("SELECT x FROM t", ran_on)))
        await asyncio.sleep(0)  # the task's turn: refused on the loop, gone to the thread
        assert reader.moved == 1 and ran_on == [threading.get_ident()]
        assert not reading.done()
        holder.execute("COMMIT")
        assert await asyncio.wait_for(reading, 10) == (2,)
        assert len(ran_on) == 2 and ran_on[1] != threading.get_ident()
    finally:
        holder.close()
        reader.close()
        await threaded.close()


async def test_a_reads_own_error_is_raised_and_not_read_again(db):
    ran_on: list[int] = []
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        await db.read(_threads_and("SELECT * FROM no_such_table", ran_on))
    with pytest.raises(sqlite3.OperationalError, match=r"readonly|read-only"):
        await db.read(_threads_and("INSERT INTO meta (key, value) VALUES ('w', '1')", ran_on))
    assert len(ran_on) == 2 and db.reader.moved == 0
    rows = await db.reader.execute_fetchall("SELECT count(*) FROM meta WHERE key = 'w'")
    assert next(iter(rows))[0] == 0


async def test_an_answer_asked_from_another_thread_is_read_on_the_readers_thread(db):
    loop = asyncio.get_running_loop()
    ran_on: list[int] = []
    read = _threads_and("SELECT 2", ran_on)

    def from_another_loop() -> tuple:
        # Another event loop, in another thread: never the first loop's connection.
        return asyncio.run(_in_loop(db, read))

    assert await loop.run_in_executor(None, from_another_loop) == (2,)
    assert db.reader.on_loop == 0 and ran_on[0] != threading.get_ident()


async def _in_loop(db: Database, read) -> tuple:
    return await db.read(read)


async def test_reads_known_to_be_long_go_to_the_thread_directly(db):
    assert on_thread(db.reader) is db.reader.threaded
    assert on_thread(db.reader.threaded) is db.reader.threaded


async def test_a_single_statement_is_read_as_an_answer_is(db):
    """`execute_fetchall` (a repository's one statement) reads on the loop too, under the
    same budget: a short one there, a long one stopped and read again on the thread."""
    rows = await db.reader.execute_fetchall("SELECT count(*) FROM athletes")
    assert [tuple(row) for row in rows] == [(0,)]
    assert (db.reader.on_loop, db.reader.moved) == (1, 0)
    rows = await db.reader.execute_fetchall(LONG)
    assert [tuple(row) for row in rows] == [(1_000_000, 1_000_000 * 1_000_001 // 2)]
    assert (db.reader.on_loop, db.reader.moved) == (1, 1)


async def test_reads_known_to_be_long_go_straight_to_the_thread(db):
    """Every athlete (startup, a full reload) is read on the reader's thread at once, not
    tried on the loop first (`on_thread`)."""
    from bot.store.repositories.athletes import AthleteRepository

    assert await AthleteRepository(db.reader).all() == []
    assert (db.reader.on_loop, db.reader.moved) == (0, 0)
