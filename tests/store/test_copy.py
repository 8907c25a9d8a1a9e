"""`trackside db copy`: a SQLite store into PostgreSQL and back, every row, counts checked,
ids kept and never handed out again afterwards."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bot.config import Secret, Settings
from bot.services.app import Trackside
from bot.services.writes import Actor, Writes
from bot.store.copy import BATCH, DERIVED, TABLES, copy_store
from bot.store.database import Database, StoreError
from tests import pg
from tests.conftest import TODAY
from tests.store.test_writes import MOD, lievin, millrose, open_store


async def test_every_table_is_copied(tmp_path: Path):
    db = await Database.open(tmp_path / "t.db")
    try:
        rows = await db.reader.execute_fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'sqlite_sequence'"
        )
    finally:
        await db.close()
    assert {row[0] for row in rows} == set(TABLES) | set(DERIVED)


@pytest.mark.postgresql
async def test_sqlite_to_postgresql_and_back(tmp_path: Path):
    # Skips (no TRACKSIDE_TEST_PG) before the SQLite store is open: skipping with it open
    # left its thread running, and a serial run never exited.
    name = await pg.create_database()
    source = await open_store(tmp_path / "source.db")
    url = pg.database_url(name)
    try:
        writes = Writes(source)
        await writes.set_alerts(Actor(user_id=1, guild_id=100), 1000)
        await writes.add_result(millrose(), MOD)
        expected = await source.db.counts()
        last = (await source.db.reader.execute_fetchall("SELECT max(id) FROM results"))[0][0]

        target = await Database.open(url)
        try:
            counts = await copy_store(source.db, target)
            with pytest.raises(StoreError, match="already holds"):
                await copy_store(source.db, target)
            # Vacuumed: every page all-visible, so a top list reads its index alone.
            visible = await target.reader.execute_fetchall(
                "SELECT relname, relpages, relallvisible FROM pg_class "
                "WHERE relname IN ('results', 'athletes', 'record_entries') ORDER BY relname"
            )
            assert [tuple(row) for row in visible] == [
                (name, pages, pages) for name, pages, _ in visible
            ]
            assert all(pages > 0 for _, pages, _ in visible)
            # Written athlete by athlete (copy.ORDER): each athlete's results lie together
            # on PostgreSQL's pages, for profiles and head-to-heads to read. (Not strictly
            # in order: a batch's first row may take room left on an earlier page.)
            rows = await target.reader.execute_fetchall(
                "SELECT athlete_id, (ctid::text::point)[0] FROM results"
            )
            assert len(rows) == expected["results"]
            pages: dict[int, set[float]] = {}
            for athlete, page in rows:
                pages.setdefault(athlete, set()).add(page)
            held = Counter(row[0] for row in rows)
            several = [a for a, n in held.items() if n >= 3]
            assert len(several) > 100  # enough to tell together from scattered
            # A page holds about 30 of these rows: ten a page is a generous bound. A COPY
            # batch's first row may take room left on an earlier page: one athlete a batch.
            spread = [a for a in several if len(pages[a]) > held[a] // 10 + 2]
            assert len(spread) <= len(rows) // BATCH
        finally:
            await target.close()
        assert counts["deliveries"] == 1 and counts["audit_log"] >= 2

        moved = await Trackside.open(
            Settings(database_url=Secret(url)), seed_data=False, today=lambda: TODAY
        )
        try:
            assert await moved.db.counts() == expected
            assert [a.action for a in await Writes(moved).audit(10)] == [
                a.action for a in await writes.audit(10)
            ]
            # The identity sequence is past the copied ids: the next result gets a new one.
            added = await Writes(moved).add_result(lievin(), MOD)
            assert added.result_id > last
            back = await Database.open(tmp_path / "back.db")
            try:
                counts_back = await copy_store(moved.db, back)
            finally:
                await back.close()
        finally:
            await moved.close()
        assert counts_back["results"] == counts["results"] + 1
        assert counts_back["deliveries"] == 2
    finally:
        await source.close()
        await pg.drop_database(name)
