"""Top lists: the best legal marks of an event, per performance or per performer, and the
best splits run inside longer races. Legal is `legal_sql`, which the covering index
`results_legal_by_mark` (migration 0008) holds in the order a list is read."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

from bot.domain.events import Event, Sex, Venue
from bot.domain.models import Result
from bot.store.database import run_on
from bot.store.repositories.common import (
    ATHLETE_COLUMNS,
    RESULT_COLUMNS,
    ResultRows,
    legal_sql,
    stored_mark,
)


class TopLists(ResultRows):
    """The top-list reads of `ResultRepository`."""

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
        query = _list_query(event_key, sex, lower_is_better, venue, year)
        return await run_on(
            self._reader, self._top_list_in_thread, *query, performers, limit, offset
        )

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
        query = _split_query(event_key, sex, lower_is_better, venue, year)
        return await run_on(
            self._reader, self._split_top_list_in_thread, event_key, *query, performers, limit
        )

    async def top_list_with_splits(
        self,
        event_key: str,
        sex: Sex,
        *,
        lower_is_better: bool,
        venue: Venue | None = None,
        year: int | None = None,
        performers: bool = False,
        limit: int = 25,
    ) -> tuple[list[Result], list[tuple[Result, Event]]]:
        """`top_list` and `split_top_list` of one description, in one hop to the reader."""
        described = (event_key, sex, lower_is_better, venue, year)
        return await run_on(
            self._reader,
            self._both_in_thread,
            event_key,
            _list_query(*described),
            _split_query(*described),
            performers,
            limit,
        )

    def _both_in_thread(
        self,
        conn: sqlite3.Connection,
        event_key: str,
        races: tuple[str, str, list[object]],
        splits: tuple[str, list[object]],
        performers: bool,
        limit: int,
    ) -> tuple[list[Result], list[tuple[Result, Event]]]:
        return (
            self._top_list_in_thread(conn, *races, performers, limit, 0),
            self._split_top_list_in_thread(conn, event_key, *splits, performers, limit),
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
                f"SELECT {RESULT_COLUMNS}, {ATHLETE_COLUMNS} "
                "FROM results r JOIN athletes a ON a.id = r.athlete_id "
                f"WHERE r.id IN ({marks}) {ordering}",
                ids,
            ).fetchall()
        else:
            rows = conn.execute(
                f"SELECT {RESULT_COLUMNS}, {ATHLETE_COLUMNS} "
                "FROM results r JOIN athletes a ON a.id = r.athlete_id "
                f"WHERE {conditions} {ordering} LIMIT ? OFFSET ?",
                (*params, limit, offset),
            ).fetchall()
        return self._rows_to_results(rows)

    def _split_top_list_in_thread(
        self,
        conn: sqlite3.Connection,
        event_key: str,
        condition: str,
        params: list[object],
        performers: bool,
        limit: int,
    ) -> list[tuple[Result, Event]]:
        sql = (
            f"SELECT {RESULT_COLUMNS}, {ATHLETE_COLUMNS}, "
            "s.id AS s_id, s.mark AS s_mark, s.hand_timed AS s_hand_timed FROM splits s "
            "JOIN results r ON r.id = s.result_id JOIN athletes a ON a.id = r.athlete_id "
            f"{condition}"
        )
        if not performers:  # every line is kept: read no more than are shown
            sql += " LIMIT ?"
            params = [*params, limit]
        rows = conn.execute(sql, params).fetchall()
        event = self._catalogue.get(event_key)
        kept = []
        seen: set[int] = set()
        for row in rows:
            if performers:
                if row[16] in seen:  # the athlete's id (ATHLETE_COLUMNS follow the result's)
                    continue
                seen.add(row[16])
            kept.append(row)
            if len(kept) == limit:
                break
        found: list[tuple[Result, Event]] = []
        for race, row in zip(self._rows_to_results(kept), kept, strict=True):
            mark = stored_mark(row["s_mark"], event.unit, row["s_hand_timed"])
            found.append((replace(race, event=event, mark=mark, wind=None, splits=()), race.event))
        return found


def _list_query(
    event_key: str, sex: Sex, lower_is_better: bool, venue: Venue | None, year: int | None
) -> tuple[str, str, list[object]]:
    """(conditions, ordering, parameters) of a list of race marks."""
    order = "ASC" if lower_is_better else "DESC"
    where = ["r.event_key = ?", "r.sex = ?", legal_sql("r")]
    params: list[object] = [event_key, sex.value]
    _narrow_to(where, params, venue, year)
    return " AND ".join(where), f"ORDER BY r.mark {order}, r.date, r.id", params


def _split_query(
    event_key: str, sex: Sex, lower_is_better: bool, venue: Venue | None, year: int | None
) -> tuple[str, list[object]]:
    """(WHERE … ORDER BY …, parameters) of a list of split marks."""
    order = "ASC" if lower_is_better else "DESC"
    where = ["s.event_key = ?", "r.sex = ?", legal_sql("r", split="s")]
    params: list[object] = [event_key, sex.value]
    _narrow_to(where, params, venue, year)
    return f"WHERE {' AND '.join(where)} ORDER BY s.mark {order}, r.date, s.id", params


_LINES_PER_PERFORMER = 3  # a performers list's first walk reads this many lines a performer
_WIDER = 4  # and each further walk this many times more


def _performer_bests(
    conn: sqlite3.Connection, conditions: str, ordering: str, params: list[object], wanted: int
) -> list[int]:
    """Ids of each athlete's best performance, best first, `wanted` of them at most.

    Walks the performances list in the order the covering index `results_legal_by_mark`
    gives it and keeps each athlete's first line, instead of grouping every result of the
    event (tens of thousands): the first lines usually hold the top performers (25 of them
    within 30-90 lines, 100 within 100-400, on a million generated results). The walk
    starts at three lines a performer and widens fourfold until it has enough, or has read
    the whole list.
    """
    if wanted <= 0:
        return []
    window = wanted * _LINES_PER_PERFORMER
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
        window *= _WIDER


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
