"""A PostgreSQL restart while the store is open: reads, writes and the change watch
(LISTEN) all work again afterwards, in the same process, without reopening anything.

The server restarted is a cluster of this test's own (`.ci/pg start`, then `.ci/pg
restart`), never the one TRACKSIDE_TEST_PG names: other tests use that one meanwhile."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from bot.store.database import Database
from bot.store.postgres import PgDatabase
from tests import pg

pytestmark = pytest.mark.postgresql
CI_PG = Path(__file__).resolve().parents[2] / ".ci" / "pg"


def _pg(command: str, folder: str) -> str:
    done = subprocess.run(
        ["bash", str(CI_PG), command, folder], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def own_cluster() -> Iterator[tuple[str, str]]:
    """(URL, folder) of a throwaway cluster of this test's own."""
    pg.server_url()  # no PostgreSQL here: skip (fail in CI) as every PostgreSQL test does
    folder = tempfile.mkdtemp(prefix="trackside-pg-restart-")  # the server's user reads it
    os.chmod(folder, 0o755)
    try:
        line = _pg("start", folder).strip()
        assert line.startswith("export TRACKSIDE_TEST_PG="), line
        yield line.split("=", 1)[1], folder
    finally:
        _pg("stop", folder)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
async def two_processes(own_cluster) -> AsyncIterator[tuple[PgDatabase, PgDatabase, str]]:
    url, folder = own_cluster
    async with AsyncExitStack() as opened:  # closed in reverse: the second first
        first = await Database.open(url)
        opened.push_async_callback(first.close)
        second = await Database.open(url)
        opened.push_async_callback(second.close)
        assert isinstance(first, PgDatabase) and isinstance(second, PgDatabase)
        yield first, second, folder


async def write(db: PgDatabase, guild_id: int, role_id: int) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO guild_settings (guild_id, moderator_role_id) VALUES (?, ?) "
            "ON CONFLICT (guild_id) DO UPDATE SET moderator_role_id = excluded.moderator_role_id",
            (guild_id, role_id),
        )


async def roles(db: PgDatabase) -> dict[int, int]:
    rows = await db.reader.execute_fetchall(
        "SELECT guild_id, moderator_role_id FROM guild_settings"
    )
    return {row[0]: row[1] for row in rows}


async def until(condition, what: str, seconds: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def test_reads_writes_and_listen_work_again_after_a_restart(two_processes):
    first, second, folder = two_processes
    await write(first, 1, 10)
    assert await roles(second) == {1: 10}
    seen = await second.data_version()
    await write(first, 1, 11)
    await until(lambda: _moved(second, seen), "the NOTIFY of a write before the restart")

    await asyncio.to_thread(_pg, "restart", folder)

    # Reads: the reader connections were cut; a read connects again (and is retried).
    assert await roles(second) == {1: 11}
    # A write: the writer's connection was cut too; the next transaction gets a new one.
    await write(first, 2, 20)
    assert await roles(second) == {1: 11, 2: 20}
    # The change watch: the other process sees the write (by polling while its listening
    # connection is down), and LISTEN comes back by itself.
    seen = await second.data_version()
    await write(first, 2, 21)
    await until(lambda: _moved(second, seen), "the other process to see a write")
    await until(lambda: _listening(second), "LISTEN to come back")
    seen = await second.data_version()
    await write(first, 3, 30)
    await until(lambda: _moved(second, seen), "a NOTIFY after LISTEN came back")
    assert await roles(first) == {1: 11, 2: 21, 3: 30}


async def _moved(db: PgDatabase, seen: int) -> bool:
    return await db.data_version() != seen


async def _listening(db: PgDatabase) -> bool:
    await db.data_version()  # while down, this is what starts the reconnecting
    return db.listening
