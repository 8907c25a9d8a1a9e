"""Repositories: the only place with SQL. They take and return domain objects.

Reads go through `Database.reader`. The busiest answers (profiles, head-to-heads' bests,
top lists) run as one plain function on the reader's own thread (`run_on`): one hop to the
thread per answer, and only the rows the answer shows become domain objects.
Writes take the connection of an open `Database.transaction()`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date

import aiosqlite

from bot.domain.catalogue import EventCatalogue
from bot.domain.events import Event, Sex, Venue
from bot.domain.marks import Mark
from bot.domain.models import (
    Athlete,
    RecordEntry,
    RecordKey,
    RecordScope,
    RecordStatus,
    Result,
    ResultStatus,
    ScopeKind,
    Split,
)
from bot.domain.text import fold
from bot.store.database import run_on

_ATHLETE_COLUMNS = (
    "a.id AS a_id, a.name AS a_name, a.nation AS a_nation, a.sex AS a_sex, "
    "a.birth_date AS a_birth_date, a.is_team AS a_is_team, a.birth_place AS a_birth_place, "
    "a.profile AS a_profile, a.birth_year AS a_birth_year"
)
_RESULT_COLUMNS = (
    "r.id, r.event_key, r.sex, r.venue, r.mark, r.hand_timed, r.wind, r.date, r.competition, "
    "r.city, r.country, r.round, r.place, r.status, r.source, r.added_by"
)


# Enum members by stored value: a dict lookup is several times cheaper than Enum(value),
# which adds up over a top list or an athlete's hundreds of results.
_SEXES = {s.value: s for s in Sex}
_VENUES = {v.value: v for v in Venue}
_STATUSES = {s.value: s for s in ResultStatus}
_SCOPE_KINDS = {k.value: k for k in ScopeKind}
_RECORD_STATUSES = {s.value: s for s in RecordStatus}


_INSERT_RESULT = (
    "INSERT INTO results (athlete_id, event_key, sex, venue, mark, hand_timed, wind, "
    "date, competition, city, country, round, place, status, source, added_by) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _result_fields(result: Result) -> tuple:
    """A result's stored fields, in the column order of _INSERT_RESULT (without added_by)."""
    mark = result.mark
    return (
        result.athlete.id,
        result.event.key,
        result.sex.value,
        result.venue.value,
        mark.value if mark else None,
        int(bool(mark and mark.hand_timed)),
        result.wind,
        result.date.isoformat(),
        result.competition,
        result.city,
        result.country,
        result.round,
        result.place,
        result.status.value,
        result.source,
    )


async def _insert_splits(
    conn: aiosqlite.Connection, result_id: int, splits: Sequence[Split]
) -> None:
    await conn.executemany(
        "INSERT INTO splits (result_id, event_key, mark, hand_timed) VALUES (?, ?, ?, ?)",
        [(result_id, s.event.key, s.mark.value, int(s.mark.hand_timed)) for s in splits],
    )


def athlete_from_row(row: aiosqlite.Row) -> Athlete:
    return Athlete(
        id=row["a_id"],
        name=row["a_name"],
        nation=row["a_nation"],
        sex=_SEXES[row["a_sex"]],
        birth_date=date.fromisoformat(row["a_birth_date"]) if row["a_birth_date"] else None,
        is_team=bool(row["a_is_team"]),
        birth_place=row["a_birth_place"],
        profile=row["a_profile"],
        birth_year=row["a_birth_year"],
    )


def _athlete_at(row: Sequence, i: int) -> Athlete:
    """The athlete whose _ATHLETE_COLUMNS start at position `i` of the row."""
    return Athlete(
        id=row[i],
        name=row[i + 1],
        nation=row[i + 2],
        sex=_SEXES[row[i + 3]],
        birth_date=date.fromisoformat(row[i + 4]) if row[i + 4] else None,
        is_team=bool(row[i + 5]),
        birth_place=row[i + 6],
        profile=row[i + 7],
        birth_year=row[i + 8],
    )


class AthleteRepository:
    def __init__(self, reader: aiosqlite.Connection):
        self._reader = reader

    async def all(self) -> list[Athlete]:
        rows = await self._reader.execute_fetchall(
            f"SELECT {_ATHLETE_COLUMNS} FROM athletes a ORDER BY a.id"
        )
        return [athlete_from_row(row) for row in rows]

    async def aliases(self) -> list[tuple[int, str]]:
        rows = await self._reader.execute_fetchall(
            "SELECT athlete_id, alias_key FROM athlete_aliases"
        )
        return [(row[0], row[1]) for row in rows]

    async def prominence(self) -> dict[int, tuple[int, int, int, int]]:
        """Athlete id -> (world, area, national record entries, results) on file: how
        prominent an athlete is, to tell apart several equally good name matches."""
        rows = await self._reader.execute_fetchall(
            """
            SELECT r.athlete_id,
                   COALESCE(SUM(e.scope_kind = 'world'), 0),
                   COALESCE(SUM(e.scope_kind = 'area'), 0),
                   COALESCE(SUM(e.scope_kind = 'nation'), 0)
            FROM record_entries e JOIN results r ON r.id = e.result_id
            WHERE e.status != 'rejected'
            GROUP BY r.athlete_id
            """
        )
        records = {row[0]: (row[1], row[2], row[3]) for row in rows}
        counts = await self._reader.execute_fetchall(
            "SELECT athlete_id, COUNT(*) FROM results GROUP BY athlete_id"
        )
        return {
            athlete_id: (*records.get(athlete_id, (0, 0, 0)), count) for athlete_id, count in counts
        }

    async def get(self, athlete_id: int) -> Athlete | None:
        rows = await self._reader.execute_fetchall(
            f"SELECT {_ATHLETE_COLUMNS} FROM athletes a WHERE a.id = ?", (athlete_id,)
        )
        return athlete_from_row(rows[0]) if rows else None

    @staticmethod
    async def find_exact(
        conn: aiosqlite.Connection, name: str, nation: str | None, sex: Sex
    ) -> int | None:
        rows = await conn.execute_fetchall(
            "SELECT id FROM athletes WHERE search_key = ? AND coalesce(nation, '') = ? AND sex = ?",
            (fold(name), nation or "", sex.value),
        )
        return rows[0][0] if rows else None

    @staticmethod
    async def create(
        conn: aiosqlite.Connection,
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
        return cursor.lastrowid

    @staticmethod
    async def update_profile(
        conn: aiosqlite.Connection,
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


class ResultRepository:
    def __init__(self, reader: aiosqlite.Connection, catalogue: EventCatalogue):
        self._reader = reader
        self._catalogue = catalogue

    def _rows_to_results(self, rows: Iterable[Sequence]) -> list[Result]:
        """Results from rows that start with _RESULT_COLUMNS then _ATHLETE_COLUMNS, read by
        position (several times cheaper than by name over a list of hundreds)."""
        athletes: dict[int, Athlete] = {}  # one object per athlete, not per row
        days: dict[str, date] = {}
        catalogue = self._catalogue
        results = []
        for row in rows:
            athlete = athletes.get(row[16])
            if athlete is None:
                athlete = athletes[row[16]] = _athlete_at(row, 16)
            event = catalogue.get(row[1])
            day = days.get(row[7])
            if day is None:
                day = days[row[7]] = date.fromisoformat(row[7])
            results.append(
                Result(
                    id=row[0],
                    athlete=athlete,
                    event=event,
                    sex=_SEXES[row[2]],
                    venue=_VENUES[row[3]],
                    mark=Mark(row[4], event.unit, bool(row[5])) if row[4] is not None else None,
                    wind=row[6],
                    date=day,
                    competition=row[8],
                    city=row[9],
                    country=row[10],
                    round=row[11],
                    place=row[12],
                    status=_STATUSES[row[13]],
                    source=row[14],
                    added_by=row[15],
                )
            )
        return results

    @staticmethod
    async def insert(conn: aiosqlite.Connection, result: Result) -> int:
        """Insert a result and its splits; returns the new id. Raises IntegrityError on a
        duplicate (the same athlete, event, day, round and mark)."""
        cursor = await conn.execute(_INSERT_RESULT, (*_result_fields(result), result.added_by))
        result_id = cursor.lastrowid
        await _insert_splits(conn, result_id, result.splits)
        return result_id

    @staticmethod
    async def insert_many(conn: aiosqlite.Connection, results: Iterable[Result]) -> int:
        """Bulk insert of split-less results in one statement (imports, benchmarks).

        Returns how many rows were written; a duplicate raises IntegrityError and, inside
        the caller's transaction, nothing of the batch stays.
        """
        rows = [(*_result_fields(r), r.added_by) for r in results]
        # The rows come from typed domain objects, so the table's CHECK constraints hold by
        # construction; SQLite re-evaluates each IN-list check by building temporary tables
        # per row, which halves bulk-load speed. Skip them for this statement only.
        await conn.execute("PRAGMA ignore_check_constraints = ON")
        try:
            await conn.executemany(_INSERT_RESULT, rows)
        finally:
            await conn.execute("PRAGMA ignore_check_constraints = OFF")
        return len(rows)

    @staticmethod
    async def find_id(
        conn: aiosqlite.Connection, athlete_id: int, event_key: str, day: date, mark: int | None
    ) -> int | None:
        """A result on file for this athlete, event, day and mark, whatever its round."""
        rows = await conn.execute_fetchall(
            "SELECT id FROM results WHERE athlete_id = ? AND event_key = ? AND date = ? "
            "AND coalesce(mark, -1) = ? ORDER BY id LIMIT 1",
            (athlete_id, event_key, day.isoformat(), -1 if mark is None else mark),
        )
        return rows[0][0] if rows else None

    @staticmethod
    async def find_split_id(
        conn: aiosqlite.Connection, athlete_id: int, event_key: str, day: date, mark: int
    ) -> tuple[int, int] | None:
        """(result id, split id) of a split with this mark run by the athlete that day."""
        rows = await conn.execute_fetchall(
            "SELECT r.id, s.id FROM splits s JOIN results r ON r.id = s.result_id "
            "WHERE r.athlete_id = ? AND s.event_key = ? AND r.date = ? AND s.mark = ? LIMIT 1",
            (athlete_id, event_key, day.isoformat(), mark),
        )
        return (rows[0][0], rows[0][1]) if rows else None

    @staticmethod
    async def split_ids(conn: aiosqlite.Connection, result_id: int) -> dict[str, int]:
        rows = await conn.execute_fetchall(
            "SELECT event_key, id FROM splits WHERE result_id = ?", (result_id,)
        )
        return {row[0]: row[1] for row in rows}

    @staticmethod
    async def exists(conn: aiosqlite.Connection, result: Result) -> int | None:
        """The id of a result on file for the same performance, or None: the same athlete,
        event, day and mark, in the same round — or where either side names no round, since
        reference rows often do not and the same race must not be filed twice."""
        rows = await conn.execute_fetchall(
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
        return rows[0][0] if rows else None

    @staticmethod
    async def delete(conn: aiosqlite.Connection, result_id: int) -> None:
        await conn.execute("DELETE FROM splits WHERE result_id = ?", (result_id,))
        await conn.execute("DELETE FROM results WHERE id = ?", (result_id,))

    @staticmethod
    async def update(conn: aiosqlite.Connection, result: Result) -> None:
        """Rewrite a result's fields and splits (its id and who added it stay)."""
        await conn.execute(
            "UPDATE results SET athlete_id = ?, event_key = ?, sex = ?, venue = ?, mark = ?, "
            "hand_timed = ?, wind = ?, date = ?, competition = ?, city = ?, country = ?, "
            "round = ?, place = ?, status = ?, source = ? WHERE id = ?",
            (*_result_fields(result), result.id),
        )
        await conn.execute("DELETE FROM splits WHERE result_id = ?", (result.id,))
        await _insert_splits(conn, result.id, result.splits)

    async def get(self, result_id: int, conn: aiosqlite.Connection | None = None) -> Result | None:
        conn = conn or self._reader
        rows = await conn.execute_fetchall(
            f"SELECT {_RESULT_COLUMNS}, {_ATHLETE_COLUMNS} FROM results r "
            "JOIN athletes a ON a.id = r.athlete_id WHERE r.id = ?",
            (result_id,),
        )
        if not rows:
            return None
        result = self._rows_to_results(rows)[0]
        split_rows = await conn.execute_fetchall(
            "SELECT id, event_key, mark, hand_timed FROM splits WHERE result_id = ? ORDER BY id",
            (result_id,),
        )
        splits = []
        for row in split_rows:
            event = self._catalogue.get(row["event_key"])
            splits.append(
                Split(event, Mark(row["mark"], event.unit, bool(row["hand_timed"])), row["id"])
            )
        return _with_splits(result, splits)

    async def everything(self) -> list[Result]:
        """Every result with its splits, oldest first (exports)."""
        rows = await self._reader.execute_fetchall(
            f"SELECT {_RESULT_COLUMNS}, {_ATHLETE_COLUMNS} FROM results r "
            "JOIN athletes a ON a.id = r.athlete_id ORDER BY r.date, r.id"
        )
        split_rows = await self._reader.execute_fetchall(
            "SELECT result_id, id, event_key, mark, hand_timed FROM splits ORDER BY id"
        )
        splits: dict[int, list[Split]] = {}
        for row in split_rows:
            event = self._catalogue.get(row["event_key"])
            mark = Mark(row["mark"], event.unit, bool(row["hand_timed"]))
            splits.setdefault(row["result_id"], []).append(Split(event, mark, row["id"]))
        return [_with_splits(r, splits.get(r.id, [])) for r in self._rows_to_results(rows)]

    async def for_athlete(self, athlete_id: int) -> list[Result]:
        """Every result of an athlete, newest first (profile: PBs and latest results)."""
        return (await self.for_athletes([athlete_id]))[athlete_id]

    async def for_athletes(self, athlete_ids: Sequence[int]) -> dict[int, list[Result]]:
        """Every result of each athlete, newest first, in one statement (head-to-head)."""
        marks = ", ".join("?" * len(athlete_ids))
        rows = await self._reader.execute_fetchall(
            f"SELECT {_RESULT_COLUMNS}, {_ATHLETE_COLUMNS} FROM results r "
            f"JOIN athletes a ON a.id = r.athlete_id WHERE r.athlete_id IN ({marks}) "
            "ORDER BY r.date DESC, r.id DESC",
            tuple(athlete_ids),
        )
        split_rows = await self._reader.execute_fetchall(
            "SELECT s.result_id, s.id, s.event_key, s.mark, s.hand_timed FROM splits s "
            f"JOIN results r ON r.id = s.result_id WHERE r.athlete_id IN ({marks}) "
            "ORDER BY s.id",
            tuple(athlete_ids),
        )
        splits: dict[int, list[Split]] = {}
        for row in split_rows:
            event = self._catalogue.get(row["event_key"])
            mark = Mark(row["mark"], event.unit, bool(row["hand_timed"]))
            splits.setdefault(row["result_id"], []).append(Split(event, mark, row["id"]))
        by_athlete: dict[int, list[Result]] = {athlete_id: [] for athlete_id in athlete_ids}
        for result in self._rows_to_results(rows):
            if result.id in splits:
                result = _with_splits(result, splits[result.id])
            by_athlete[result.athlete.id].append(result)
        return by_athlete

    async def profile_results(self, athlete_id: int) -> tuple[list[Result], int]:
        """What a profile needs of an athlete's results, newest first, and how many there
        are: see `profiles`."""
        return (await self.profiles([athlete_id]))[athlete_id]

    async def profiles(self, athlete_ids: Sequence[int]) -> dict[int, tuple[list[Result], int]]:
        """Per athlete: the results a profile shows or picks personal bests from, newest
        first as `for_athletes` orders them, and the count of all their results.

        The list is the subsequence of `for_athletes` holding the ten latest results, every
        result with splits, and in each (event, venue) every legal valid mark equal to the
        best one. Best-of over it is therefore the best-of over everything (`personal_bests`
        keeps the earlier of equal marks, so all ties stay in, in their order), and only
        those few rows become objects: one hop, a light scan of the athlete's index."""
        return await run_on(self._reader, self._profiles_in_thread, tuple(athlete_ids))

    def _profiles_in_thread(
        self, conn: sqlite3.Connection, athlete_ids: tuple[int, ...]
    ) -> dict[int, tuple[list[Result], int]]:
        found: dict[int, tuple[list[Result], int]] = {}
        for athlete_id in athlete_ids:
            rows = conn.execute(_PROFILE_SCAN, (athlete_id,)).fetchall()
            best: dict[tuple[str, str], int] = {}
            lower: dict[str, bool] = {}
            for row in rows:
                if row[6] != "valid" or row[3] is None or row[4] or (row[5] or 0) > 20:
                    continue
                key = row[1]
                low = lower.get(key)
                if low is None:
                    low = lower[key] = self._catalogue.get(key).lower_is_better
                slot = (key, row[2])
                held = best.get(slot)
                if held is None or (row[3] < held if low else row[3] > held):
                    best[slot] = row[3]
            wanted = [
                row[0]
                for i, row in enumerate(rows)
                if i < _LATEST
                or row[7]
                or (
                    row[6] == "valid"
                    and not row[4]
                    and (row[5] or 0) <= 20
                    and row[3] is not None
                    and best.get((row[1], row[2])) == row[3]
                )
            ]
            found[athlete_id] = (self._results_by_id(conn, wanted), len(rows))
        return found

    def _results_by_id(self, conn: sqlite3.Connection, ids: Sequence[int]) -> list[Result]:
        """These results with their splits, newest first (date, then id)."""
        if not ids:
            return []
        marks = ", ".join("?" * len(ids))
        rows = conn.execute(
            f"SELECT {_RESULT_COLUMNS}, {_ATHLETE_COLUMNS} FROM results r "
            f"JOIN athletes a ON a.id = r.athlete_id WHERE r.id IN ({marks}) "
            "ORDER BY r.date DESC, r.id DESC",
            tuple(ids),
        ).fetchall()
        split_rows = conn.execute(
            f"SELECT result_id, id, event_key, mark, hand_timed FROM splits "
            f"WHERE result_id IN ({marks}) ORDER BY id",
            tuple(ids),
        ).fetchall()
        splits: dict[int, list[Split]] = {}
        for row in split_rows:
            event = self._catalogue.get(row[2])
            splits.setdefault(row[0], []).append(
                Split(event, Mark(row[3], event.unit, bool(row[4])), row[1])
            )
        return [
            _with_splits(r, splits[r.id]) if r.id in splits else r
            for r in self._rows_to_results(rows)
        ]

    async def top_list(
        self,
        event_key: str,
        sex: Sex,
        *,
        lower_is_better: bool,
        venue: Venue | None = None,
        year: int | None = None,
        performers: bool = False,
        limit: int = 25,
        offset: int = 0,
    ) -> list[Result]:
        """Best legal marks of an event: one line per performance, or per performer."""
        order = "ASC" if lower_is_better else "DESC"
        where = [
            "r.event_key = ?",
            "r.sex = ?",
            "r.status = 'valid'",
            "r.mark IS NOT NULL",
            "r.hand_timed = 0",
            "(r.wind IS NULL OR r.wind <= 20)",
        ]
        params: list[object] = [event_key, sex.value]
        _narrow_to(where, params, venue, year)
        conditions = " AND ".join(where)
        ordering = f"ORDER BY r.mark {order}, r.date, r.id"
        return await run_on(
            self._reader,
            self._top_list_in_thread,
            conditions,
            ordering,
            params,
            performers,
            limit,
            offset,
        )

    def _top_list_in_thread(
        self,
        conn: sqlite3.Connection,
        conditions: str,
        ordering: str,
        params: list[object],
        performers: bool,
        limit: int,
        offset: int,
    ) -> list[Result]:
        if performers:
            ids = _performer_bests(conn, conditions, ordering, params, limit + offset)[offset:]
            if not ids:
                return []
            marks = ", ".join("?" * len(ids))
            rows = conn.execute(
                f"SELECT {_RESULT_COLUMNS}, {_ATHLETE_COLUMNS} "
                "FROM results r JOIN athletes a ON a.id = r.athlete_id "
                f"WHERE r.id IN ({marks}) {ordering}",
                ids,
            ).fetchall()
        else:
            rows = conn.execute(
                f"SELECT {_RESULT_COLUMNS}, {_ATHLETE_COLUMNS} "
                "FROM results r JOIN athletes a ON a.id = r.athlete_id "
                f"WHERE {conditions} {ordering} LIMIT ? OFFSET ?",
                (*params, limit, offset),
            ).fetchall()
        return self._rows_to_results(rows)

    async def split_top_list(
        self,
        event_key: str,
        sex: Sex,
        *,
        lower_is_better: bool,
        venue: Venue | None = None,
        year: int | None = None,
        performers: bool = False,
        limit: int = 25,
    ) -> list[tuple[Result, Event]]:
        """Best splits at an event run inside longer valid races, best first, as
        (the race's result carrying the split's event and mark, the race's event); one per
        athlete with `performers`. Statistics sites list these marked as splits."""
        order = "ASC" if lower_is_better else "DESC"
        where = ["s.event_key = ?", "r.sex = ?", "r.status = 'valid'", "s.hand_timed = 0"]
        params: list[object] = [event_key, sex.value]
        _narrow_to(where, params, venue, year)
        return await run_on(
            self._reader,
            self._split_top_list_in_thread,
            event_key,
            f"WHERE {' AND '.join(where)} ORDER BY s.mark {order}, r.date, s.id",
            params,
            performers,
            limit,
        )

    def _split_top_list_in_thread(
        self,
        conn: sqlite3.Connection,
        event_key: str,
        condition: str,
        params: list[object],
        performers: bool,
        limit: int,
    ) -> list[tuple[Result, Event]]:
        rows = conn.execute(
            f"SELECT {_RESULT_COLUMNS}, {_ATHLETE_COLUMNS}, "
            "s.id AS s_id, s.mark AS s_mark, s.hand_timed AS s_hand_timed FROM splits s "
            "JOIN results r ON r.id = s.result_id JOIN athletes a ON a.id = r.athlete_id "
            f"{condition}",
            params,
        ).fetchall()
        event = self._catalogue.get(event_key)
        found: list[tuple[Result, Event]] = []
        seen: set[int] = set()
        for race, row in zip(self._rows_to_results(rows), rows, strict=True):
            if performers:
                if race.athlete.id in seen:
                    continue
                seen.add(race.athlete.id)
            mark = Mark(row["s_mark"], event.unit, bool(row["s_hand_timed"]))
            found.append((replace(race, event=event, mark=mark, wind=None, splits=()), race.event))
            if len(found) == limit:
                break
        return found

    async def meetings(self, athlete_id: int, opponent_id: int) -> list[tuple[Result, Result]]:
        """Every race both athletes ran: same competition, date, event, round and sex."""
        # CROSS JOIN keeps `mine` outer, and the unary + keeps SQLite from probing the
        # race index (about ten rows a race) instead of the opponent's own results.
        rows = await self._reader.execute_fetchall(
            f"""
            SELECT {_RESULT_COLUMNS}, {_ATHLETE_COLUMNS}, r.athlete_id = ? AS is_first
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
        )
        results = self._rows_to_results(rows)
        return [(results[i], results[i + 1]) for i in range(0, len(results) - 1, 2)]


def _performer_bests(
    conn: sqlite3.Connection, conditions: str, ordering: str, params: list[object], wanted: int
) -> list[int]:
    """Ids of each athlete's best performance, best first, `wanted` of them at most.

    Walks the performances list in the order the covering index `results_legal_by_mark`
    gives it and keeps each athlete's first line, instead of grouping every result of the
    event (tens of thousands): the first few hundred lines usually hold the top performers.
    The walk widens tenfold until it has enough, or has read the whole list.
    """
    window = max(wanted * 8, 200)
    while True:
        rows = conn.execute(
            f"SELECT r.id, r.athlete_id FROM results r WHERE {conditions} {ordering} LIMIT ?",
            (*params, window),
        ).fetchall()
        seen: set[int] = set()
        ids: list[int] = []
        for result_id, athlete_id in rows:
            if athlete_id not in seen:
                seen.add(athlete_id)
                ids.append(result_id)
                if len(ids) == wanted:
                    return ids
        if len(rows) < window:
            return ids
        window *= 10


_LATEST = 10  # a profile shows this many latest results
# An athlete's results, newest first, with just what picking bests needs; the last column
# says whether splits were run inside (the splits table's unique index answers it).
_PROFILE_SCAN = (
    "SELECT r.id, r.event_key, r.venue, r.mark, r.hand_timed, r.wind, r.status, "
    "EXISTS (SELECT 1 FROM splits s WHERE s.result_id = r.id) "
    "FROM results r WHERE r.athlete_id = ? ORDER BY r.date DESC, r.id DESC"
)


def _with_splits(result: Result, splits: Sequence[Split]) -> Result:
    return replace(result, splits=tuple(splits))


def _narrow_to(
    where: list[str], params: list[object], venue: Venue | None, year: int | None
) -> None:
    """A list's conditions on the race: its venue, its calendar year."""
    if venue is not None:
        where.append("r.venue = ?")
        params.append(venue.value)
    if year is not None:
        where.append("r.date >= ? AND r.date < ?")
        params.extend([f"{year:04d}-01-01", f"{year + 1:04d}-01-01"])


class RecordRepository:
    """Record entries (progressions). The services keep them all in memory; see RecordBook."""

    def __init__(self, reader: aiosqlite.Connection, catalogue: EventCatalogue):
        self._reader = reader
        self._catalogue = catalogue
        # Entry id -> (its stored row as last read by `all`, the entry built from it).
        self._built: dict[int, tuple[tuple, RecordEntry]] = {}

    _SELECT = f"""
        SELECT e.id AS e_id, e.scope_kind, e.scope_code, e.event_key, e.list, e.sex AS e_sex,
               e.result_id, e.split_id, e.mark AS e_mark, e.date AS e_date, e.equal, e.status,
               e.source AS e_source, e.note AS e_note, e.superseded,
               coalesce(s.hand_timed, r.hand_timed) AS e_hand_timed,
               r.competition, r.city, r.country, r.wind, {_ATHLETE_COLUMNS}
        FROM record_entries e
        JOIN results r ON r.id = e.result_id
        LEFT JOIN splits s ON s.id = e.split_id
        JOIN athletes a ON a.id = r.athlete_id
    """

    def _entry(
        self,
        row: aiosqlite.Row,
        athletes: dict[int, Athlete] | None = None,
        keys: dict[tuple, RecordKey] | None = None,
    ) -> RecordEntry:
        """One entry; `athletes` and `keys` share objects across the rows of one read
        (startup reads every entry: tens of thousands with the national lists)."""
        event = self._catalogue.get(row["event_key"])
        identity = (
            row["scope_kind"],
            row["scope_code"],
            row["event_key"],
            row["list"],
            row["e_sex"],
        )
        key = keys.get(identity) if keys is not None else None
        if key is None:
            key = RecordKey(
                RecordScope(_SCOPE_KINDS[identity[0]], identity[1]),
                identity[2],
                _VENUES[identity[3]],
                _SEXES[identity[4]],
            )
            if keys is not None:
                keys[identity] = key
        athlete = athletes.get(row["a_id"]) if athletes is not None else None
        if athlete is None:
            athlete = athlete_from_row(row)
            if athletes is not None:
                athletes[athlete.id] = athlete
        return RecordEntry(
            id=row["e_id"],
            key=key,
            mark=Mark(row["e_mark"], event.unit, bool(row["e_hand_timed"])),
            date=date.fromisoformat(row["e_date"]),
            athlete=athlete,
            result_id=row["result_id"],
            split_id=row["split_id"],
            status=_RECORD_STATUSES[row["status"]],
            competition=row["competition"],
            city=row["city"],
            country=row["country"],
            # A split has no wind of its own worth showing; the race's wind is the result's.
            wind=row["wind"] if row["split_id"] is None else None,
            equal=bool(row["equal"]),
            source=row["e_source"],
            note=row["e_note"],
            superseded=bool(row["superseded"]),
        )

    async def changes_since(self, seq: int | None) -> tuple[int, set[RecordKey] | None]:
        """(the newest change sequence, the records changed after `seq`), in one hop; None
        for the records when `seq` is None or the log no longer reaches back to it (read
        them all). Read the sequence before the entries: a write landing in between is then
        read twice, never missed."""
        return await run_on(self._reader, lambda conn: self._changes_in_thread(conn, seq))

    def _changes_in_thread(
        self, conn: sqlite3.Connection, seq: int | None
    ) -> tuple[int, set[RecordKey] | None]:
        low, high = conn.execute("SELECT min(seq), max(seq) FROM record_changes").fetchone()
        newest = max(high or 0, seq or 0)
        if seq is None or (low is not None and low > seq + 1):
            return newest, None
        rows = conn.execute(
            "SELECT DISTINCT scope_kind, scope_code, event_key, list, sex FROM record_changes "
            "WHERE seq > ?",
            (seq,),
        ).fetchall()
        return newest, {
            RecordKey(RecordScope(_SCOPE_KINDS[kind], code), event_key, _VENUES[venue], _SEXES[sex])
            for kind, code, event_key, venue, sex in rows
        }

    @staticmethod
    async def prune_changes(conn: aiosqlite.Connection) -> None:
        """Drop the change log but its newest row (inside a write transaction): a process
        that had read less than that sees the gap and reads every entry again."""
        await conn.execute(
            "DELETE FROM record_changes WHERE seq < (SELECT max(seq) FROM record_changes)"
        )

    async def all(self) -> list[RecordEntry]:
        """Every entry, oldest first, in one hop. The services reload them all after each
        write; an entry whose stored row (athlete and result columns included) is exactly
        what it was last time is the same object again, so only changed rows are rebuilt."""
        return await run_on(self._reader, self._all_in_thread)

    def _all_in_thread(self, conn: sqlite3.Connection) -> list[RecordEntry]:
        rows = conn.execute(self._SELECT + " ORDER BY e.date, e.id").fetchall()
        athletes: dict[int, Athlete] = {}
        keys: dict[tuple, RecordKey] = {}
        before = self._built
        built: dict[int, tuple[tuple, RecordEntry]] = {}
        entries = []
        for row in rows:
            stored = tuple(row)
            held = before.get(stored[0])
            if held is not None and held[0] == stored:
                entry = held[1]
            else:
                entry = self._entry(row, athletes, keys)
            built[stored[0]] = (stored, entry)
            entries.append(entry)
        self._built = built
        return entries

    async def for_keys(
        self, conn: aiosqlite.Connection, keys: Iterable[RecordKey]
    ) -> dict[RecordKey, list[RecordEntry]]:
        """The progressions of these records as the connection sees them: inside a write
        transaction, the committed state plus this transaction's own changes."""
        found: dict[RecordKey, list[RecordEntry]] = {}
        for key in keys:
            rows = await conn.execute_fetchall(
                self._SELECT + " WHERE e.scope_kind = ? AND e.scope_code = ? AND e.event_key = ? "
                "AND e.list = ? AND e.sex = ? ORDER BY e.date, e.id",
                (
                    key.scope.kind.value,
                    key.scope.code,
                    key.event_key,
                    key.list.value,
                    key.sex.value,
                ),
            )
            if rows:
                found[key] = [self._entry(row) for row in rows]
        return found

    async def get(self, conn: aiosqlite.Connection, entry_id: int) -> RecordEntry | None:
        rows = await conn.execute_fetchall(self._SELECT + " WHERE e.id = ?", (entry_id,))
        return self._entry(rows[0]) if rows else None

    async def for_result(self, conn: aiosqlite.Connection, result_id: int) -> list[RecordEntry]:
        rows = await conn.execute_fetchall(
            self._SELECT + " WHERE e.result_id = ? ORDER BY e.id", (result_id,)
        )
        return [self._entry(row) for row in rows]

    @staticmethod
    async def delete(conn: aiosqlite.Connection, entry_ids: Iterable[int]) -> None:
        await conn.executemany("DELETE FROM record_entries WHERE id = ?", [(i,) for i in entry_ids])

    @staticmethod
    async def set_superseded(conn: aiosqlite.Connection, entry_id: int, superseded: bool) -> None:
        await conn.execute(
            "UPDATE record_entries SET superseded = ? WHERE id = ?", (int(superseded), entry_id)
        )

    @staticmethod
    async def set_equal(conn: aiosqlite.Connection, entry_id: int, equal: bool) -> None:
        await conn.execute(
            "UPDATE record_entries SET equal = ? WHERE id = ?", (int(equal), entry_id)
        )

    @staticmethod
    async def set_status(
        conn: aiosqlite.Connection, entry_id: int, status: RecordStatus, note: str | None
    ) -> None:
        await conn.execute(
            "UPDATE record_entries SET status = ?, note = coalesce(?, note) WHERE id = ?",
            (status.value, note, entry_id),
        )

    @staticmethod
    async def insert(
        conn: aiosqlite.Connection,
        key: RecordKey,
        *,
        result_id: int,
        split_id: int | None,
        mark: int,
        day: date,
        status: RecordStatus,
        equal: bool = False,
        source: str = "",
        note: str | None = None,
    ) -> int | None:
        """Add an entry to a progression; None when that very entry is already on file."""
        cursor = await conn.execute(
            "INSERT OR IGNORE INTO record_entries (scope_kind, scope_code, event_key, list, sex, "
            "result_id, split_id, mark, date, equal, status, source, note) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                key.scope.kind.value,
                key.scope.code,
                key.event_key,
                key.list.value,
                key.sex.value,
                result_id,
                split_id,
                mark,
                day.isoformat(),
                int(equal),
                status.value,
                source,
                note,
            ),
        )
        return cursor.lastrowid if cursor.rowcount else None
