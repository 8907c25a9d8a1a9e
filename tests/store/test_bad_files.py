"""Database.open on files that are not a usable Trackside database: a StoreError with one
line that says what to do, connections closed; and no false alarm on a healthy file."""

from __future__ import annotations

import sqlite3
import stat

import pytest

from bot.store.database import Database, MigrationError, ReadOnlyStoreError, StoreError


async def make(path) -> None:
    db = await Database.open(path)
    async with db.transaction() as conn:
        for i in range(300):
            await conn.execute(
                "INSERT INTO athletes (name, search_key, sex) VALUES (?, ?, 'M')",
                (f"Athlete {i} " + "x" * 100, f"athlete {i}"),
            )
    await db.close()


@pytest.mark.parametrize(
    ("damage", "error", "message"),
    [
        (lambda p: p.write_bytes(b"name,mark\n" * 100), StoreError, "is not a SQLite database"),
        (lambda p: p.write_bytes(p.read_bytes()[:5000]), StoreError, "is truncated"),
        (lambda p: p.chmod(stat.S_IRUSR), ReadOnlyStoreError, "is read-only"),
    ],
)
async def test_an_unusable_file_is_one_clear_line(tmp_path, damage, error, message):
    path = tmp_path / "t.db"
    await make(path)
    damage(path)
    with pytest.raises(error, match=message) as caught:
        await Database.open(path)
    assert "\n" not in str(caught.value)


async def test_a_newer_schema_is_a_store_error(tmp_path):
    path = tmp_path / "t.db"
    await make(path)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 999")
    with pytest.raises(StoreError, match="newer than this Trackside"):
        await Database.open(path, migrate=False)
    with pytest.raises(MigrationError):
        await Database.open(path)


async def test_a_file_with_unsaved_wal_pages_is_not_called_truncated(tmp_path):
    """Another process's commits still in the WAL (not yet checkpointed) are fine."""
    path = tmp_path / "t.db"
    await make(path)
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("PRAGMA wal_autocheckpoint = 0")
        other.execute("BEGIN")
        for i in range(2000):
            other.execute(
                "INSERT INTO athletes (name, search_key, sex) VALUES (?, ?, 'W')",
                (f"Later {i} " + "y" * 100, f"later {i}"),
            )
        other.execute("COMMIT")
        db = await Database.open(path)
        try:
            rows = await db.reader.execute_fetchall("SELECT count(*) FROM athletes")
            assert rows[0][0] == 2300
        finally:
            await db.close()
    finally:
        other.close()
