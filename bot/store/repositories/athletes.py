"""Athletes: reading them for the name index, matching and creating them on writes."""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping
from datetime import date

from bot.domain.events import Sex
from bot.domain.models import Athlete
from bot.domain.text import fold
from bot.store.connection import Connection, Reader, new_id
from bot.store.reading import on_thread
from bot.store.repositories.common import ATHLETE_COLUMNS, athlete_from_row

# Athlete ids per counting statement (well under either store's limit of parameters).
_IDS_AT_ONCE = 500
_COUNT_EVERYONE_ABOVE = 5_000


class AthleteRepository:
    def __init__(self, reader: Reader):
        self._reader = reader

    async def all(self) -> list[Athlete]:
        """Every athlete, by id; made from their rows on a worker thread (a tenth of a
        second at 20,000 athletes: never on the event loop)."""
        rows = await on_thread(self._reader).execute_fetchall(  # long: on the reader's thread
            f"SELECT {ATHLETE_COLUMNS} FROM athletes a ORDER BY a.id"
        )
        return await asyncio.to_thread(lambda: [athlete_from_row(row) for row in rows])

    async def aliases(self) -> list[tuple[int, str]]:
        rows = await self._reader.execute_fetchall(
            "SELECT athlete_id, alias_key FROM athlete_aliases"
        )
        return [(row[0], row[1]) for row in rows]

    async def prominence(
        self,
        records: Mapping[int, tuple[int, int, int]],
        athlete_ids: Collection[int] | None = None,
    ) -> dict[int, tuple[int, ...]]:
        """Athlete id -> (world, area, national record entries, results) on file: how
        prominent an athlete is, to tell apart several equally good name matches. The
        record counts come from the caller's record book; the results are counted here
        (one pass over the covering index results_by_athlete) — of every athlete with
        results, or of `athlete_ids` (each of them in the answer; when they are very many,
        everyone is counted in that one pass instead)."""
        if athlete_ids is None or len(athlete_ids) > _COUNT_EVERYONE_ABOVE:
            rows = await self._reader.execute_fetchall(
                "SELECT athlete_id, COUNT(*) FROM results GROUP BY athlete_id"
            )
            counts = {row[0]: row[1] for row in rows}
        else:
            ids = sorted(athlete_ids)
            counts = dict.fromkeys(ids, 0)
            for start in range(0, len(ids), _IDS_AT_ONCE):
                some = ids[start : start + _IDS_AT_ONCE]
                marks = ", ".join("?" * len(some))
                rows = await self._reader.execute_fetchall(
                    f"SELECT athlete_id, COUNT(*) FROM results WHERE athlete_id IN ({marks}) "
                    "GROUP BY athlete_id",
                    some,
                )
                counts.update((row[0], row[1]) for row in rows)
        if len(counts) > _COUNT_EVERYONE_ABOVE:  # 20 ms at 20,000 athletes: not on the loop
            return await asyncio.to_thread(_with_records, records, counts)
        return _with_records(records, counts)

    async def get(self, athlete_id: int) -> Athlete | None:
        rows = list(
            await self._reader.execute_fetchall(
                f"SELECT {ATHLETE_COLUMNS} FROM athletes a WHERE a.id = ?", (athlete_id,)
            )
        )
        return athlete_from_row(rows[0]) if rows else None

    @staticmethod
    async def find_exact(conn: Connection, name: str, nation: str | None, sex: Sex) -> int | None:
        rows = list(
            await conn.execute_fetchall(
                "SELECT id FROM athletes "
                "WHERE search_key = ? AND coalesce(nation, '') = ? AND sex = ?",
                (fold(name), nation or "", sex.value),
            )
        )
        return rows[0][0] if rows else None

    @staticmethod
    async def create(
        conn: Connection,
        name: str,
        nation: str | None,
        sex: Sex,
        *,
        birth_date: date | None = None,
        is_team: bool = False,
        birth_place: str | None = None,
        profile: str | None = None,
        source: str | None = None,
    ) -> int:
        cursor = await conn.execute(
            "INSERT INTO athletes (name, search_key, nation, sex, birth_date, is_team, "
            "birth_place, profile, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                name,
                fold(name),
                nation,
                sex.value,
                birth_date.isoformat() if birth_date else None,
                int(is_team),
                birth_place,
                profile,
                source,
            ),
        )
        return new_id(cursor)

    @staticmethod
    async def update_profile(
        conn: Connection,
        athlete_id: int,
        *,
        birth_date: date | None,
        birth_place: str | None,
        profile: str | None,
        source: str | None,
    ) -> None:
        await conn.execute(
            "UPDATE athletes SET birth_date = coalesce(?, birth_date), "
            "birth_place = coalesce(?, birth_place), profile = coalesce(?, profile), "
            "source = coalesce(?, source) WHERE id = ?",
            (
                birth_date.isoformat() if birth_date else None,
                birth_place,
                profile,
                source,
                athlete_id,
            ),
        )


def _with_records(
    records: Mapping[int, tuple[int, int, int]], counts: Mapping[int, int]
) -> dict[int, tuple[int, ...]]:
    """`AthleteRepository.prominence` from the record counts and the result counts."""
    return {
        athlete_id: (*records.get(athlete_id, (0, 0, 0)), count)
        for athlete_id, count in counts.items()
    }
