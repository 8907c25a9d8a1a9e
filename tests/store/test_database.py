"""The database layer on real SQLite files: migrations, pragmas, transactions, writers."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from bot.store import database
from bot.store.database import Database, MigrationError, head_version


async def test_blank_database_migrates_to_head(tmp_path):
    db = await Database.open(tmp_path / "t.db")
    try:
        assert await db.schema_version() == head_version() >= 1
        rows = await db.reader.execute_fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        )
        tables = {row[0] for row in rows}
        assert {"athletes", "results", "splits", "record_entries", "seed_log"} <= tables
        mode = await db.reader.execute_fetchall("PRAGMA journal_mode")
        assert mode[0][0] == "wal"
        fk = await db.reader.execute_fetchall("PRAGMA foreign_keys")
        assert fk[0][0] == 1
    finally:
        await db.close()


async def test_reopening_applies_nothing_twice(tmp_path):
    for _ in range(2):
        db = await Database.open(tmp_path / "t.db")
        assert await db.schema_version() == head_version()
        await db.close()


async def test_a_newer_database_is_refused(tmp_path):
    path = tmp_path / "t.db"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {head_version() + 1}")
    with pytest.raises(MigrationError, match="newer than this Trackside"):
        await Database.open(path)


async def test_a_failing_migration_leaves_nothing_half_applied(tmp_path, monkeypatch):
    real = database.migrations()
    broken = (len(real) + 1, "9999_broken.sql", "CREATE TABLE half (x INTEGER);\nNOT SQL;")
    monkeypatch.setattr(database, "migrations", lambda: [*real, broken])
    with pytest.raises(sqlite3.OperationalError):
        await Database.open(tmp_path / "t.db")
    with sqlite3.connect(tmp_path / "t.db") as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(real)
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert "half" not in names


async def test_transaction_rolls_back_on_error(tmp_path):
    db = await Database.open(tmp_path / "t.db")
    try:
        with pytest.raises(RuntimeError):
            async with db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO athletes (name, search_key, sex) VALUES ('A', 'a', 'M')"
                )
                raise RuntimeError("boom")
        rows = await db.reader.execute_fetchall("SELECT count(*) FROM athletes")
        assert rows[0][0] == 0
    finally:
        await db.close()


async def test_foreign_keys_are_enforced(tmp_path):
    db = await Database.open(tmp_path / "t.db")
    try:
        with pytest.raises(sqlite3.IntegrityError):
            async with db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO results (athlete_id, event_key, sex, venue, mark, date, "
                    "competition) VALUES (999, 'mile', 'M', 'indoor', 22514, '2025-02-13', 'x')"
                )
    finally:
        await db.close()


async def test_concurrent_writers_on_two_connections_both_commit(tmp_path):
    """Two processes' worth of writers (two Database objects) never lose a write."""
    path = tmp_path / "t.db"
    first, second = await Database.open(path), await Database.open(path)

    async def write(db: Database, prefix: str) -> None:
        for i in range(25):
            async with db.transaction() as conn:
                name = f"{prefix}{i}"
                await conn.execute(
                    "INSERT INTO athletes (name, search_key, sex) VALUES (?, ?, 'M')",
                    (name, name),
                )

    try:
        await asyncio.gather(write(first, "a"), write(second, "b"), write(first, "c"))
        rows = await first.reader.execute_fetchall("SELECT count(*) FROM athletes")
        assert rows[0][0] == 75
    finally:
        await first.close()
        await second.close()


def test_migrations_are_numbered_without_gaps():
    versions = [v for v, _, _ in database.migrations()]
    assert versions == list(range(1, len(versions) + 1))


async def test_writes_from_another_process_are_noticed_and_our_own_are_not(tmp_path):
    from bot.config import Settings
    from bot.services.app import Trackside

    settings = Settings(database_path=tmp_path / "t.db")
    app = await Trackside.open(settings)
    other = await Trackside.open(settings, seed_data=False)
    try:
        assert not await app.refresh_if_changed()
        async with app.db.transaction() as conn:  # our own write (say, a delivery)
            await conn.execute("INSERT INTO meta (key, value) VALUES ('x', '1')")
        assert not await app.refresh_if_changed()
        async with other.db.transaction() as conn:  # another process's write
            await conn.execute("INSERT INTO meta (key, value) VALUES ('y', '1')")
        assert await app.refresh_if_changed()
        assert not await app.refresh_if_changed()
    finally:
        await other.close()
        await app.close()
