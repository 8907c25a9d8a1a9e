"""Profiles and head-to-heads as `ResultRepository` read them before they took one
statement (a light scan of the athlete's results, then the wanted ones by id, then their
splits; meetings by a query of their own). The tests hold the one-statement reads to it:
the same results, in the same order, splits and all."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from bot.domain.models import Result, ResultStatus
from bot.domain.records import legal_for_lists
from bot.store.database import run_on
from bot.store.repositories.common import (
    ATHLETE_COLUMNS,
    RESULT_COLUMNS,
    SPLIT_COLUMNS,
    with_splits,
)
from bot.store.repositories.results import ResultRepository

_LATEST = 10
_PROFILE_SCAN = (
    "SELECT r.id, r.event_key, r.venue, r.mark, r.hand_timed, r.wind, r.status, "
    "EXISTS (SELECT 1 FROM splits s WHERE s.result_id = r.id) "
    "FROM results r WHERE r.athlete_id = ? ORDER BY r.date DESC, r.id DESC"
)
_VALID = ResultStatus.VALID.value


async def profiles(
    repo: ResultRepository, athlete_ids: Sequence[int]
) -> dict[int, tuple[list[Result], int]]:
    return await run_on(repo._reader, _profiles_in_thread, repo, tuple(athlete_ids))


async def head_to_head(
    repo: ResultRepository, athlete_id: int, opponent_id: int
) -> tuple[list[tuple[Result, Result]], dict[int, tuple[list[Result], int]]]:
    def both(conn):
        return (
            _meetings_in_thread(conn, repo, athlete_id, opponent_id),
            _profiles_in_thread(conn, repo, (athlete_id, opponent_id), latest=0),
        )

    return await run_on(repo._reader, both)


def _profiles_in_thread(
    conn: sqlite3.Connection,
    repo: ResultRepository,
    athlete_ids: tuple[int, ...],
    latest: int = _LATEST,
) -> dict[int, tuple[list[Result], int]]:
    """Per athlete, the latest `latest` results, those with splits and each (event,
    venue)'s best legal marks (newest first), and how many results there are. A
    head-to-head keeps no latest ones: only what personal bests come from."""
    found: dict[int, tuple[list[Result], int]] = {}
    for athlete_id in athlete_ids:
        rows = conn.execute(_PROFILE_SCAN, (athlete_id,)).fetchall()
        legal = [legal_for_lists(row[6] == _VALID, row[3], bool(row[4]), row[5]) for row in rows]
        best: dict[tuple[str, str], int] = {}
        for row, counts in zip(rows, legal, strict=True):
            if not counts:
                continue
            low = repo._catalogue.get(row[1]).lower_is_better
            slot = (row[1], row[2])
            held = best.get(slot)
            if held is None or (row[3] < held if low else row[3] > held):
                best[slot] = row[3]
        wanted = [
            row[0]
            for i, row in enumerate(rows)
            if i < latest or row[7] or (legal[i] and best.get((row[1], row[2])) == row[3])
        ]
        found[athlete_id] = (_results_by_id(conn, repo, wanted), len(rows))
    return found


def _results_by_id(
    conn: sqlite3.Connection, repo: ResultRepository, ids: Sequence[int]
) -> list[Result]:
    if not ids:
        return []
    marks = ", ".join("?" * len(ids))
    rows = conn.execute(
        f"SELECT {RESULT_COLUMNS}, {ATHLETE_COLUMNS} FROM results r "
        f"JOIN athletes a ON a.id = r.athlete_id WHERE r.id IN ({marks}) "
        "ORDER BY r.date DESC, r.id DESC",
        tuple(ids),
    ).fetchall()
    split_rows = conn.execute(
        f"SELECT {SPLIT_COLUMNS} FROM splits s WHERE s.result_id IN ({marks}) ORDER BY s.id",
        tuple(ids),
    ).fetchall()
    splits = repo._splits_by_result(split_rows)
    return [
        with_splits(r, splits[r.id]) if r.id in splits else r for r in repo._rows_to_results(rows)
    ]


def _meetings_in_thread(
    conn: sqlite3.Connection, repo: ResultRepository, athlete_id: int, opponent_id: int
) -> list[tuple[Result, Result]]:
    rows = conn.execute(
        f"""
        SELECT {RESULT_COLUMNS}, {ATHLETE_COLUMNS}, r.athlete_id = ? AS is_first
        FROM results mine
        CROSS JOIN results theirs ON theirs.athlete_id = ?
            AND theirs.event_key = mine.event_key AND theirs.date = mine.date
            AND +theirs.competition = mine.competition AND +theirs.round = mine.round
            AND +theirs.sex = mine.sex
        JOIN results r ON r.id IN (mine.id, theirs.id)
        JOIN athletes a ON a.id = r.athlete_id
        WHERE mine.athlete_id = ?
        ORDER BY r.date DESC, mine.id, is_first DESC
        """,
        (athlete_id, opponent_id, athlete_id),
    ).fetchall()
    results = repo._rows_to_results(rows)
    return [(results[i], results[i + 1]) for i in range(0, len(results) - 1, 2)]
