"""Results: writing them (inside a write transaction) and reading them back, an athlete's
at a time or a whole race. Top lists are in `toplists`, what profiles and head-to-heads
read in `profile_reads`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.domain.models import Result
from bot.store.connection import Connection, Reader, new_id
from bot.store.repositories.common import (
    ATHLETE_COLUMNS,
    INSERT_RESULT,
    RESULT_COLUMNS,
    SPLIT_COLUMNS,
    each_with_splits,
    insert_splits,
    result_fields,
    with_splits,
)
from bot.store.repositories.profile_reads import ProfileReads
from bot.store.repositories.toplists import TopLists


class ResultRepository(TopLists, ProfileReads):
    @staticmethod
    async def insert(conn: Connection, result: Result) -> int:
        """Insert a result and its splits; returns the new id. Raises IntegrityError on a
        duplicate (the same athlete, event, day, round and mark)."""
        cursor = await conn.execute(INSERT_RESULT, (*result_fields(result), result.added_by))
        result_id = new_id(cursor)
        await insert_splits(conn, result_id, result.splits)
        return result_id

    @staticmethod
    async def find_id(
        conn: Connection, athlete_id: int, event_key: str, day: date, mark: int | None
    ) -> int | None:
        """A result on file for this athlete, event, day and mark, whatever its round."""
        rows = list(
            await conn.execute_fetchall(
                "SELECT id FROM results WHERE athlete_id = ? AND event_key = ? AND date = ? "
                "AND coalesce(mark, -1) = ? ORDER BY id LIMIT 1",
                (athlete_id, event_key, day.isoformat(), -1 if mark is None else mark),
            )
        )
        return rows[0][0] if rows else None

    @staticmethod
    async def find_split_id(
        conn: Connection, athlete_id: int, event_key: str, day: date, mark: int
    ) -> tuple[int, int] | None:
        """(result id, split id) of a split with this mark run by the athlete that day."""
        rows = list(
            await conn.execute_fetchall(
                "SELECT r.id, s.id FROM splits s JOIN results r ON r.id = s.result_id "
                "WHERE r.athlete_id = ? AND s.event_key = ? AND r.date = ? AND s.mark = ? LIMIT 1",
                (athlete_id, event_key, day.isoformat(), mark),
            )
        )
        return (rows[0][0], rows[0][1]) if rows else None

    @staticmethod
    async def split_ids(conn: Connection, result_id: int) -> dict[str, int]:
        rows = await conn.execute_fetchall(
            "SELECT event_key, id FROM splits WHERE result_id = ?", (result_id,)
        )
        return {row[0]: row[1] for row in rows}

    @staticmethod
    async def exists(conn: Reader, result: Result) -> int | None:
        """The id of a result on file for the same performance, or None: the same athlete,
        event, day and mark, in the same round — or where either side names no round, since
        reference rows often do not and the same race must not be filed twice."""
        rows = list(
            await conn.execute_fetchall(
                "SELECT id FROM results WHERE athlete_id = ? AND event_key = ? AND date = ? "
                "AND coalesce(mark, -1) = ? AND (round = ? OR round = '' OR ? = '') "
                "ORDER BY id LIMIT 1",
                (
                    result.athlete.id,
                    result.event.key,
                    result.date.isoformat(),
                    result.mark.value if result.mark else -1,
                    result.round,
                    result.round,
                ),
            )
        )
        return rows[0][0] if rows else None

    @staticmethod
    async def delete(conn: Connection, result_id: int) -> None:
        await conn.execute("DELETE FROM splits WHERE result_id = ?", (result_id,))
        await conn.execute("DELETE FROM results WHERE id = ?", (result_id,))

    @staticmethod
    async def update(conn: Connection, result: Result) -> None:
        """Rewrite a result's fields and splits (its id and who added it stay)."""
        if result.id is None:
            raise ValueError("only a stored result (one with an id) can be updated")
        await conn.execute(
            "UPDATE results SET athlete_id = ?, event_key = ?, sex = ?, venue = ?, mark = ?, "
            "hand_timed = ?, wind = ?, date = ?, competition = ?, city = ?, country = ?, "
            "round = ?, place = ?, status = ?, source = ? WHERE id = ?",
            (*result_fields(result), result.id),
        )
        await conn.execute("DELETE FROM splits WHERE result_id = ?", (result.id,))
        await insert_splits(conn, result.id, result.splits)

    async def get(self, result_id: int, conn: Reader | None = None) -> Result | None:
        conn = conn or self._reader
        rows = await conn.execute_fetchall(
            f"SELECT {RESULT_COLUMNS}, {ATHLETE_COLUMNS} FROM results r "
            "JOIN athletes a ON a.id = r.athlete_id WHERE r.id = ?",
            (result_id,),
        )
        if not rows:
            return None
        result = self._rows_to_results(rows)[0]
        split_rows = await conn.execute_fetchall(
            f"SELECT {SPLIT_COLUMNS} FROM splits s WHERE s.result_id = ? ORDER BY s.id",
            (result_id,),
        )
        return with_splits(result, self._splits_by_result(split_rows).get(result_id, []))

    async def everything(self) -> list[Result]:
        """Every result with its splits, oldest first (exports)."""
        rows = await self._reader.execute_fetchall(
            f"SELECT {RESULT_COLUMNS}, {ATHLETE_COLUMNS} FROM results r "
            "JOIN athletes a ON a.id = r.athlete_id ORDER BY r.date, r.id"
        )
        split_rows = await self._reader.execute_fetchall(
            f"SELECT {SPLIT_COLUMNS} FROM splits s ORDER BY s.id"
        )
        return each_with_splits(self._rows_to_results(rows), self._splits_by_result(split_rows))

    async def for_athlete(self, athlete_id: int) -> list[Result]:
        """Every result of an athlete, newest first (profile: PBs and latest results)."""
        return (await self.for_athletes([athlete_id]))[athlete_id]

    async def for_athletes(self, athlete_ids: Sequence[int]) -> dict[int, list[Result]]:
        """Every result of each athlete, newest first, in one statement (head-to-head)."""
        marks = ", ".join("?" * len(athlete_ids))
        rows = await self._reader.execute_fetchall(
            f"SELECT {RESULT_COLUMNS}, {ATHLETE_COLUMNS} FROM results r "
            f"JOIN athletes a ON a.id = r.athlete_id WHERE r.athlete_id IN ({marks}) "
            "ORDER BY r.date DESC, r.id DESC",
            tuple(athlete_ids),
        )
        split_rows = await self._reader.execute_fetchall(
            f"SELECT {SPLIT_COLUMNS} FROM splits s "
            f"JOIN results r ON r.id = s.result_id WHERE r.athlete_id IN ({marks}) "
            "ORDER BY s.id",
            tuple(athlete_ids),
        )
        splits = self._splits_by_result(split_rows)
        by_athlete: dict[int, list[Result]] = {athlete_id: [] for athlete_id in athlete_ids}
        for result in each_with_splits(self._rows_to_results(rows), splits):
            by_athlete[result.athlete.id].append(result)
        return by_athlete
