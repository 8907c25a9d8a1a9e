"""PostgreSQL's change watch survives losing its LISTEN connection: while it is down, a
write in another process is still seen (by polling trackside_writes), and the listener
comes back by itself. The connections are cut for real, with pg_terminate_backend from
another connection, as a server restart or a dropped connection would cut them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import asyncpg
import pytest

from bot.services.app import Trackside
from bot.services.writes import Actor, Writes
from tests.store.test_writes import open_store


@pytest.fixture
async def two_processes(
    tmp_path: Path, store_backend: str
) -> AsyncIterator[tuple[Trackside, Trackside]]:
    if store_backend != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's (SQLite: PRAGMA data_version)")
    async with AsyncExitStack() as opened:  # closed in reverse: the second first
        first = await open_store(tmp_path / "shared.db")
        opened.push_async_callback(first.close)
        second = await open_store(tmp_path / "shared.db")
        opened.push_async_callback(second.close)
        yield first, second


async def terminate(app: Trackside, *, only_listener: bool) -> int:
    """Cut `app`'s listening connection (or every connection of its database, as a server
    restart would) from a connection of its own; returns how many were cut."""
    db = app.db
    conn = await asyncpg.connect(db.url)
    try:
        if only_listener:
            pids = [db._listener.get_server_pid()]
        else:
            pids = await conn.fetch(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()"
            )
            pids = [row[0] for row in pids]
        for pid in pids:
            assert await conn.fetchval("SELECT pg_terminate_backend($1)", pid)
        return len(pids)
    finally:
        await conn.close()


async def until(condition, what: str, seconds: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, f"not within {seconds} s: {what}"
        await asyncio.sleep(0.02)


async def sees_role(app: Trackside, guild_id: int, role_id: int) -> bool:
    await app.refresh_if_changed()
    return app.moderator_roles.get(guild_id) == role_id


async def test_a_write_is_seen_while_the_listener_is_down_and_after_it_is_back(two_processes):
    first, second = two_processes
    assert second.db.listening
    await terminate(second, only_listener=True)
    await until(lambda: _false_async(second.db.listening), "the lost listener noticed")
    # Down: the other process's write is still seen, by polling.
    await Writes(first).set_moderator_role(Actor(user_id=1, guild_id=100), 4242)
    await until(lambda: sees_role(second, 100, 4242), "a write seen while not listening")
    # Back by itself, and a write is seen through NOTIFY again.
    await until(lambda: _true_async(second.db.listening), "listening again")
    polls = second.db.polls
    await Writes(first).set_moderator_role(Actor(user_id=1, guild_id=101), 4343)
    await until(lambda: sees_role(second, 101, 4343), "a write seen after listening again")
    assert second.db.polls == polls  # through NOTIFY, not polling
    # Its own writes still do not make it reload, listening or not.
    await Writes(second).set_moderator_role(Actor(user_id=1, guild_id=102), 4444)
    assert not await second.refresh_if_changed()


async def test_every_connection_cut_as_by_a_server_restart(two_processes):
    first, second = two_processes
    assert await terminate(second, only_listener=False) >= 4  # both processes' connections
    # The writer of the first process reconnects for its next write (the one in flight
    # when a server goes away fails; this one starts after), the reader threads of the
    # second reconnect to poll and reload, and its listener comes back.
    await until(lambda: _write_role(first, 100, 4242), "the first process writing again")
    await until(lambda: sees_role(second, 100, 4242), "the write seen by the second")
    await until(lambda: _true_async(second.db.listening), "listening again")
    await Writes(first).set_moderator_role(Actor(user_id=1, guild_id=101), 4343)
    await until(lambda: sees_role(second, 101, 4343), "a later write seen")


async def _write_role(app: Trackside, guild_id: int, role_id: int) -> bool:
    try:
        await Writes(app).set_moderator_role(Actor(user_id=1, guild_id=guild_id), role_id)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError):
        return False
    return True


async def _true_async(value: bool) -> bool:
    return value


async def _false_async(value: bool) -> bool:
    return not value
