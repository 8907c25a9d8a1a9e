"""Short write transactions on the event loop (bot/store/writing.py): their statements run
on the loop's own thread, a SELECT past the budget is read again on the writer's thread
without losing the transaction, a write is never stopped, big batches and transactions not
marked short stay on the thread, and an error or a cancellation leaves nothing written.
SQLite only: PostgreSQL's statements are round trips on the loop already."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time

import pytest

from bot.store.database import Database
from bot.store.writing import LOOP_ROWS
from tests.store.test_loop_reads import LONG

# A read far past any budget, as a SELECT (a statement starting WITH may write: never
# stopped).
LONG_SELECT = f"SELECT * FROM ({LONG})"


@pytest.fixture
async def db(tmp_path):
    store = await Database.open(tmp_path / "t.db")
    # Each statement's thread, through a function SQLite calls while running it.
    store.ran_on = ran_on = []  # type: ignore[attr-defined]
    store.writer._conn.create_function(
        "here", 1, lambda x: ran_on.append(threading.get_ident()) or x
    )
    async with store.transaction() as conn:
        await conn.execute("CREATE TABLE t (x INTEGER UNIQUE)")
    try:
        yield store
    finally:
        await store.close()


async def _rows(db: Database) -> list[int]:
    return [row[0] for row in await db.reader.execute_fetchall("SELECT x FROM t ORDER BY x")]


async def test_a_short_transactions_statements_run_on_the_loops_own_thread(db):
    loop_thread = threading.get_ident()
    async with db.transaction(short=True) as conn:
        await conn.execute("INSERT INTO t VALUES (here(1))")
        await conn.executemany("INSERT INTO t VALUES (here(?))", [(2,), (3,)])
        assert [tuple(r) for r in await conn.execute_fetchall("SELECT here(count(*)) FROM t")] == [
            (3,)
        ]
    assert db.ran_on == [loop_thread] * 4
    assert db.writer.on_loop >= 4 and (db.writer.moved, db.writer.waited) == (0, 0)
    assert await _rows(db) == [1, 2, 3]


async def test_a_transaction_not_marked_short_runs_on_the_writers_thread(db):
    loop_thread = threading.get_ident()
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO t VALUES (here(1))")
        await conn.executemany("INSERT INTO t VALUES (here(?))", [(2,)])
        await conn.execute_fetchall("SELECT here(1)")
    assert len(db.ran_on) == 3 and loop_thread not in db.ran_on
    assert db.writer.on_loop == 0 and not db.writer.short
    assert await _rows(db) == [1, 2]


async def test_a_big_batch_of_a_short_transaction_goes_to_the_writers_thread(db):
    async with db.transaction(short=True) as conn:
        await conn.executemany(
            "INSERT INTO t VALUES (here(?))", [(i,) for i in range(LOOP_ROWS + 1)]
        )
    assert threading.get_ident() not in db.ran_on
    assert len(await _rows(db)) == LOOP_ROWS + 1


async def test_a_read_past_the_budget_is_read_again_on_the_thread_and_the_write_stands(db):
    db.writer.budget.budget_s = 0.0
    async with db.transaction(short=True) as conn:
        await conn.execute("INSERT INTO t VALUES (1)")
        rows = [tuple(r) for r in await conn.execute_fetchall(LONG_SELECT)]
        await conn.execute("INSERT INTO t VALUES (2)")
    assert rows == [(1_000_000, 1_000_000 * 1_000_001 // 2)]
    assert db.writer.moved == 1
    assert await _rows(db) == [1, 2]  # stopping the read rolled nothing back


async def test_a_write_on_the_loop_is_never_stopped(db):
    """SQLite would roll back the whole transaction with a stopped write: a write of a
    short transaction runs to its end whatever the budget."""
    db.writer.budget.budget_s = 0.0
    async with db.transaction(short=True) as conn:
        await conn.execute("INSERT INTO t VALUES (0)")
        await conn.execute(
            "INSERT INTO t WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
            "WHERE i < 200000) SELECT i FROM n"
        )
    assert db.writer.moved == 0
    assert len(await _rows(db)) == 200_001


async def test_an_error_in_a_short_transaction_leaves_nothing_written(db):
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction(short=True) as conn:
            await conn.execute("INSERT INTO t VALUES (1)")
            await conn.execute("INSERT INTO t VALUES (1)")  # UNIQUE
    assert await _rows(db) == []
    async with db.transaction(short=True) as conn:  # the writer is fine after it
        await conn.execute("INSERT INTO t VALUES (1)")
    assert await _rows(db) == [1]


async def test_a_cancelled_short_transaction_rolls_back_after_its_running_statement(db):
    """A task cancelled while a statement of its transaction runs on the writer's thread:
    the ROLLBACK goes there too, after that statement, so none of it is kept."""
    started = threading.Event()

    def slow(x: int) -> int:
        started.set()
        time.sleep(0.002)
        return x

    db.writer._conn.create_function("slow", 1, slow)

    async def write() -> None:
        async with db.transaction(short=True) as conn:
            await conn.execute("INSERT INTO t VALUES (-1)")
            rows = [(i,) for i in range(LOOP_ROWS * 2)]  # past LOOP_ROWS: on the thread
            await conn.executemany("INSERT INTO t VALUES (slow(?))", rows)

    task = asyncio.create_task(write())
    assert await asyncio.to_thread(started.wait, 10)  # the batch is running on the thread
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await _rows(db) == []
    async with db.transaction(short=True) as conn:
        await conn.execute("INSERT INTO t VALUES (1)")
    assert await _rows(db) == [1]


async def test_a_short_transaction_waits_for_another_processs_write_on_the_thread(db):
    """BEGIN IMMEDIATE is tried on the loop without waiting; while another connection (a
    process) holds the write lock, it waits on the writer's thread, the loop free."""
    holder = sqlite3.connect(db.path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")

        async def write() -> None:
            async with db.transaction(short=True) as conn:
                await conn.execute("INSERT INTO t VALUES (here(1))")

        task = asyncio.create_task(write())
        for beats in range(100_000):  # the loop turns meanwhile
            if db.writer.waited and beats >= 20:
                break
            await asyncio.sleep(0)
        assert db.writer.waited == 1 and not task.done() and db.ran_on == []
        holder.execute("COMMIT")
        await asyncio.wait_for(task, 10)
    finally:
        holder.close()
    assert db.writer.waited == 1 and db.ran_on == [threading.get_ident()]
    assert await _rows(db) == [1]
