"""A profile's and a head-to-head's scans of an athlete's results (SQLite) read the index
results_by_athlete alone (migration 0012), newest first without sorting: at a million
results the table rows they would otherwise visit lie on as many scattered pages."""

from __future__ import annotations

import pytest

from bot.store.database import Database
from bot.store.repositories import profile_reads


@pytest.mark.parametrize("scan", ["_PROFILE_SCAN", "_RACE_SCAN"])
async def test_the_scans_walk_the_covering_index_alone(tmp_path, scan, store_backend):
    if store_backend != "sqlite":
        pytest.skip("SQLite's EXPLAIN QUERY PLAN (PostgreSQL reads a profile in one statement)")
    db = await Database.open(tmp_path / "plans.db")
    try:
        sql = getattr(profile_reads, scan)
        plan = " | ".join(
            row[-1] for row in await db.reader.execute_fetchall(f"EXPLAIN QUERY PLAN {sql}", (1,))
        )
        assert "SEARCH r USING COVERING INDEX results_by_athlete (athlete_id=?)" in plan, plan
        assert "TEMP B-TREE" not in plan, plan
    finally:
        await db.close()
