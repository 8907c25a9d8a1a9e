"""The list rule has one home, `bot.domain.records.legal_for_lists`; the store's SQL
mirrors it (`legal_sql`). Here both judge every kind of row on a real store (SQLite and
PostgreSQL) and must pick the same ones: results, splits, and what the top lists show."""

from __future__ import annotations

import itertools
import sqlite3

import pytest

from bot.domain.events import Sex
from bot.domain.marks import WIND_LEGAL_MAX
from bot.domain.models import ResultStatus
from bot.domain.records import counts_for_lists, legal_for_lists
from bot.store.database import Database
from bot.store.repositories import AthleteRepository, ResultRepository, legal_sql
from tests.store import toplist_oracle

STATUSES = [s.value for s in ResultStatus]
MARKS = [None, 24000]  # 4:00.00 in the mile; NULL only for DNF/DNS in practice
WINDS = [None, -200, -30, 0, 1, WIND_LEGAL_MAX - 1, WIND_LEGAL_MAX, WIND_LEGAL_MAX + 1, 200]
# Every combination of what the rule looks at; each row also gets a 1500 m split, hand
# timed on every other row, so splits meet every race status both ways.
GRID = list(itertools.product(STATUSES, MARKS, (0, 1), WINDS))


async def _grid_store(tmp_path) -> tuple[Database, int, dict[int, tuple], dict[int, tuple]]:
    """A store holding the grid: (db, athlete id, result id -> row, split id -> row)."""
    db = await Database.open(tmp_path / "legal.db")
    results: dict[int, tuple] = {}
    splits: dict[int, tuple] = {}
    async with db.transaction() as conn:
        athlete_id = await AthleteRepository.create(conn, "Grid Runner", "ISL", Sex.MEN)
        for i, (status, mark, hand_timed, wind) in enumerate(GRID):
            cursor = await conn.execute(
                "INSERT INTO results (athlete_id, event_key, sex, venue, mark, hand_timed, "
                "wind, date, competition, round, status) "
                "VALUES (?, 'mile', 'M', 'outdoor', ?, ?, ?, ?, 'Grid Meet', ?, ?)",
                (athlete_id, mark, hand_timed, wind, f"2024-05-{1 + i % 28:02d}", f"r{i}", status),
            )
            results[cursor.lastrowid] = (status, mark, hand_timed, wind)
            split_hand = i % 2
            cursor = await conn.execute(
                "INSERT INTO splits (result_id, event_key, mark, hand_timed) "
                "VALUES (?, '1500m', ?, ?)",
                (cursor.lastrowid, 22000 + i * 10, split_hand),
            )
            splits[cursor.lastrowid] = (status, 22000 + i * 10, split_hand, None)
    return db, athlete_id, results, splits


def _accepted(rows: dict[int, tuple]) -> set[int]:
    return {
        row_id
        for row_id, (status, mark, hand_timed, wind) in rows.items()
        if legal_for_lists(status == ResultStatus.VALID.value, mark, bool(hand_timed), wind)
    }


async def test_the_sql_selects_exactly_the_results_the_domain_rule_accepts(tmp_path, catalogue):
    db, athlete_id, results, _ = await _grid_store(tmp_path)
    try:
        rows = await db.reader.execute_fetchall(f"SELECT r.id FROM results r WHERE {legal_sql()}")
        accepted = _accepted(results)
        assert {row[0] for row in rows} == accepted
        # Both sides of every term are on file, so the agreement is not vacuous.
        assert 0 < len(accepted) < len(results)
        # The rule over Result objects (services) is the same rule.
        repo = ResultRepository(db.reader, catalogue)
        read_back = await repo.for_athlete(athlete_id)
        assert {r.id for r in read_back if counts_for_lists(r)} == accepted
    finally:
        await db.close()


async def test_the_sql_selects_exactly_the_splits_the_domain_rule_accepts(tmp_path):
    db, _, _, splits = await _grid_store(tmp_path)
    try:
        rows = await db.reader.execute_fetchall(
            "SELECT s.id FROM splits s JOIN results r ON r.id = s.result_id "
            f"WHERE {legal_sql('r', split='s')}"
        )
        accepted = _accepted(splits)
        assert {row[0] for row in rows} == accepted
        assert 0 < len(accepted) < len(splits)
    finally:
        await db.close()


@pytest.mark.parametrize("performers", [False, True])
async def test_top_lists_show_exactly_the_legal_marks(tmp_path, catalogue, performers):
    db, _, results, splits = await _grid_store(tmp_path)
    try:
        repo = ResultRepository(db.reader, catalogue)
        listed = await toplist_oracle.top_list(
            repo, "mile", Sex.MEN, lower_is_better=True, performers=performers, limit=1000
        )
        legal = _accepted(results)
        if performers:  # one athlete: the list is their best legal mark
            assert len(listed) == 1 and listed[0].id in legal
        else:
            assert {r.id for r in listed} == legal
        split_list = await toplist_oracle.split_top_list(
            repo, "1500m", Sex.MEN, lower_is_better=True, performers=performers, limit=1000
        )
        legal_splits = _accepted(splits)
        marks = {s: mark for s, (_, mark, _, _) in splits.items()}
        shown = {r.mark.value for r, _ in split_list}
        if performers:
            assert len(shown) == 1 and shown <= {marks[s] for s in legal_splits}
        else:
            assert shown == {marks[s] for s in legal_splits}
    finally:
        await db.close()


async def test_the_legal_indexes_spell_the_rule_as_legal_sql_does(
    tmp_path, catalogue, store_backend
):
    """SQLite uses a partial index only when the query's terms imply its WHERE: the
    indexes' condition must stay the very text of `legal_sql` (migrations 0004/0005/0008),
    and the top lists' statements must be planned on `results_legal_by_mark`."""
    if store_backend != "sqlite":
        pytest.skip("SQLite's partial-index matching and EXPLAIN QUERY PLAN")
    db, _, _, _ = await _grid_store(tmp_path)
    try:
        indexes = await db.reader.execute_fetchall(
            "SELECT name, sql FROM sqlite_master "
            "WHERE type = 'index' AND name LIKE 'results_legal%'"
        )
        assert {name for name, _ in indexes} == {"results_legal_by_date", "results_legal_by_mark"}
        for _, sql in indexes:
            where = " ".join(sql.split("WHERE", 1)[1].split())
            assert where == legal_sql().replace("r.", "")
        statements = await _top_list_statements(db, catalogue)
        assert len(statements) >= 2  # the performances list and the performers walk
        for sql in statements:
            plan = await db.reader.execute_fetchall(f"EXPLAIN QUERY PLAN {sql}")
            assert "results_legal_by_mark" in " ".join(row[-1] for row in plan), sql
    finally:
        await db.close()


async def _top_list_statements(db: Database, catalogue) -> list[str]:
    """The statements the top lists run over `results`, with their values bound."""
    seen: list[str] = []

    def record(sql: str) -> None:
        if "FROM results r" in sql and "WHERE r.event_key" in sql:
            seen.append(sql)

    # The connection the store reads answers with (`reading.LoopReader`), traced.
    await db.read(sqlite3.Connection.set_trace_callback, record)
    try:
        repo = ResultRepository(db.reader, catalogue)
        for performers in (False, True):
            await repo.top_list_lines("mile", Sex.MEN, lower_is_better=True, performers=performers)
    finally:
        await db.read(sqlite3.Connection.set_trace_callback, None)
    assert db.reader.on_loop >= 2 and db.reader.moved == 0
    return seen
