"""WAL checkpoints run beside the commits (bot/store/checkpoints.py), never inside one:
a Confirm no longer pays for copying every other write's pages back into the file."""

from __future__ import annotations

import asyncio

import pytest

from bot.store.database import Database


async def test_a_commit_copies_nothing_back_and_a_checkpoint_follows(tmp_path, store_backend):
    if store_backend != "sqlite":
        pytest.skip("about SQLite's write-ahead log")
    path = tmp_path / "wal.db"
    db = await Database.open(path)
    try:
        before = path.stat().st_size
        async with db.transaction() as conn:
            await conn.execute("CREATE TABLE filler (b BLOB)")
            # ~6 MB: past SQLite's 1,000-page automatic checkpoint and ours.
            await conn.executemany("INSERT INTO filler VALUES (?)", [(b"x" * 4000,)] * 1500)
        assert path.stat().st_size == before  # the commit itself wrote the WAL only
        await asyncio.wait_for(db._checkpoints.settled(), 30)
        assert path.stat().st_size > before + 5_000_000  # then, beside it, the file
        rows = await db.reader.execute_fetchall("SELECT count(*) FROM filler")
        assert next(iter(rows))[0] == 1500
    finally:
        await db.close()
