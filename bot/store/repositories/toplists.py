"""Top lists: the best legal marks of an event, per performance or per performer, and the
best splits run inside longer races. Legal is `legal_sql`, which the covering index
`results_legal_by_mark` (migration 0008) holds in the order a list is read."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import NamedTuple

from bot.domain.events import Event, Sex, Venue
from bot.domain.models import Result
from bot.store.connection import Row
from bot.store.database import run_on
from bot.store.dialect import is_postgres
from bot.store.repositories.common import (
    ATHLETE_COLUMNS,
    RESULT_COLUMNS,
    ResultRows,
    legal_sql,
    stored_copy,
    stored_mark,
)


class TopLists(ResultRows):
    """The top-list reads of `ResultRepository`."""

    async def top_list_lines(
        self,
        event_key: str,
        sex: Sex,
        *,
        lower_is_better: bool,
        venue: Venue | None = None,
        year: int | None = None,
        performers: bool = False,
        start: int = 0,
        stop: int = 25,
    ) -> ListLines:
        """Lines `start` to `stop` (from 0, `stop` left out) of the list that merges race
        marks and the splits inside longer races, best first; with `performers`, each
        athlete's best of either kind once. In one go: every line before `stop`, and one
        more (to tell whether lines follow), is read as a key from the indexes, and only
        the lines asked for as whole rows. On SQLite in a few cheap statements (`run_on`);
        on PostgreSQL, where each statement is a round trip to the server, in one
        (`_page_statement`), read on this loop (`PgReader.fetch`: no hop to a thread)."""
        described = (event_key, sex, lower_is_better, venue, year)
        races, splits = _list_query(*described), _split_query(*described)
        if is_postgres(self._reader):  # one statement, read on this loop (PgReader.fetch)
            page = range(start, stop)
            sql, params = _page_statement(races, splits, lower_is_better, performers, page)
            rows = await self._fetch_here(sql, params)
            return self._page_lines(event_key, rows, page)
        return await run_on(
            self._reader,
            self._lines_in_thread,
            event_key,
            lower_is_better,
            races,
            splits,
            performers,
            start,
            stop,
        )

    def _lines_in_thread(
        self,
        conn: sqlite3.Connection,
        event_key: str,
        lower_is_better: bool,
        races: tuple[str, str, list[object]],
        splits: tuple[str, list[object]],
        performers: bool,
        start: int,
        stop: int,
    ) -> ListLines:
        wanted = stop + 1
        conditions, ordering, params = races
        if performers:
            race_keys = _performer_keys(conn, conditions, ordering, params, wanted)
        else:
            race_keys = conn.execute(
                f"SELECT {_KEY_COLUMNS} FROM results r WHERE {conditions} {ordering} LIMIT ?",
                (*params, wanted),
            ).fetchall()
        condition, split_params = splits
        sql = (
            "SELECT s.id, r.athlete_id, s.mark, r.date FROM splits s "
            f"JOIN results r ON r.id = s.result_id {condition}"
        )
        if not performers:  # every line is kept: read no more than are wanted
            sql += " LIMIT ?"
            split_params = [*split_params, wanted]
        split_keys = conn.execute(sql, split_params).fetchall()
        keys = _merged(race_keys, split_keys, lower_is_better, performers)[:wanted]
        shown = keys[start:stop]
        found = self._whole_lines(conn, event_key, shown)
        return ListLines(keys, [found[key.split, key.line_id] for key in shown])

    def _whole_lines(
        self, conn: sqlite3.Connection, event_key: str, shown: list[LineKey]
    ) -> dict[tuple[bool, int], tuple[Result, Event | None]]:
        """The lines of `shown` read whole, by (is a split, id)."""
        found: dict[tuple[bool, int], tuple[Result, Event | None]] = {}
        race_ids = [key.line_id for key in shown if not key.split]
        if race_ids:
            marks = ", ".join("?" * len(race_ids))
            rows = conn.execute(
                f"SELECT {RESULT_COLUMNS}, {ATHLETE_COLUMNS} "
                "FROM results r JOIN athletes a ON a.id = r.athlete_id "
                f"WHERE r.id IN ({marks})",
                race_ids,
            ).fetchall()
            for row, result in zip(rows, self._rows_to_results(rows), strict=True):
                found[False, row[0]] = (result, None)
        split_ids = [key.line_id for key in shown if key.split]
        if split_ids:
            marks = ", ".join("?" * len(split_ids))
            rows = conn.execute(
                f"SELECT {RESULT_COLUMNS}, {ATHLETE_COLUMNS}, "
                "s.id AS s_id, s.mark AS s_mark, s.hand_timed AS s_hand_timed FROM splits s "
                "JOIN results r ON r.id = s.result_id JOIN athletes a ON a.id = r.athlete_id "
                f"WHERE s.id IN ({marks})",
                split_ids,
            ).fetchall()
            event = self._catalogue.get(event_key)
            for race, row in zip(self._rows_to_results(rows), rows, strict=True):
                found[True, row["s_id"]] = _split_line(race, event, row)
        return found

    def _page_lines(self, event_key: str, rows: Sequence[Row], shown: range) -> ListLines:
        """On PostgreSQL, what `_lines_in_thread` gives on SQLite, from the rows of
        `_page_statement`: one a line, best first, whole for the lines `shown`."""
        keys = [LineKey(*row[_KEY_AT : _KEY_AT + 5]) for row in rows]
        whole = rows[shown.start : shown.stop]
        event = self._catalogue.get(event_key)
        lines: list[tuple[Result, Event | None]] = []
        for result, row in zip(self._rows_to_results(whole), whole, strict=True):
            lines.append(_split_line(result, event, row) if row["k_split"] else (result, None))
        return ListLines(keys, lines)


def _split_line(race: Result, event: Event, row: Row) -> tuple[Result, Event | None]:
    """A split's line from its race's result and the split's `s_mark`, `s_hand_timed`:
    the race's result carrying the split's event and mark, and the race's event."""
    mark = stored_mark(row["s_mark"], event.unit, row["s_hand_timed"])
    return stored_copy(race, event=event, mark=mark, wind=None, splits=()), race.event


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


_KEY_COLUMNS = "r.id, r.athlete_id, r.mark, r.date"  # all in `results_legal_by_mark`
_LINES_PER_PERFORMER = 3  # a performers list's first walk reads this many lines a performer
_WIDER = 4  # and each further walk this many times more


def _performer_keys(
    conn: sqlite3.Connection, conditions: str, ordering: str, params: list[object], wanted: int
) -> list[tuple[int, int, int, str]]:
    """Each athlete's best performance as (result id, athlete id, mark, date), best
    first, `wanted` of them at most.

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
            f"SELECT {_KEY_COLUMNS} FROM results r WHERE {conditions} {ordering} LIMIT ?",
            (*params, window),
        ).fetchall()
        seen: set[int] = set()
        kept: list[tuple[int, int, int, str]] = []
        for row in rows:
            if row[1] not in seen:
                seen.add(row[1])
                kept.append(tuple(row))
                if len(kept) == wanted:
                    return kept
        if len(rows) < window:
            return kept
        window *= _WIDER


# A row of `_page_statement`: RESULT_COLUMNS (16), ATHLETE_COLUMNS (9), the split's mark and
# timing, then the line's key (LineKey's fields, in order).
_KEY_AT = 27


def _page_statement(
    races: tuple[str, str, list[object]],
    splits: tuple[str, list[object]],
    lower_is_better: bool,
    performers: bool,
    shown: range,
) -> tuple[str, list[object]]:
    """(SQL, parameters) of one statement that reads what `_lines_in_thread` reads in
    several: a row per line up to the last one `shown` and one more, best first, each
    with its key and, for the lines shown, the whole result (a split's race) and athlete.

    The same steps, in SQL: the race lines' keys from the covering index (for performers,
    `_performer_races`), and the split lines' (for performers, all of them, as
    `_lines_in_thread` reads them); merged as `_merged` merges them (by mark, then date, a
    race before a split, then id), each athlete's first line kept with `performers`; cut
    after the last line shown + 1. A statement costs PostgreSQL a round trip to the
    server, and this page needs one instead of three or more. Its numbers are in the text
    and its values blind (`_planned_blind`): a few texts per list shape, each planned once
    (`_planned_blind` says why)."""
    conditions, ordering, race_params = races
    split_condition, split_params = splits
    conditions, split_condition = _planned_blind(conditions), _planned_blind(split_condition)
    order = "ASC" if lower_is_better else "DESC"
    start, stop = int(shown.start), int(shown.stop)  # in the text, as the lengths below
    wanted = stop + 1
    if performers:
        sql, params = _performer_races(conditions, ordering, order, wanted), race_params * 3
        split_limit = ""
    else:
        sql = (
            f"WITH races AS (SELECT {_KEY_COLUMNS}, FALSE AS split FROM results r "
            f"WHERE {conditions} {ordering} LIMIT {wanted}), "
        )
        params, split_limit = list(race_params), f" LIMIT {wanted}"
    sql += (
        "split_lines AS (SELECT s.id, r.athlete_id, s.mark, r.date, TRUE AS split "
        f"FROM splits s JOIN results r ON r.id = s.result_id {split_condition}{split_limit}), "
    )
    return sql + _merged_page(order, performers, wanted, start, stop), [*params, *split_params]


def _merged_page(order: str, performers: bool, wanted: int, start: int, stop: int) -> str:
    """The end of `_page_statement`: `races` and `split_lines` merged, cut, numbered (from
    1) and read whole from `start` + 1 to `stop`."""
    merged_order = f"mark {order}, date, split, id"
    listed = (
        "SELECT DISTINCT ON (athlete_id) id, athlete_id, mark, date, split "
        f"FROM candidates ORDER BY athlete_id, {merged_order}"
        if performers
        else "SELECT * FROM candidates"
    )
    shown = f"k.n > {start} AND k.n <= {stop}"
    return (
        "candidates AS (SELECT * FROM races UNION ALL SELECT * FROM split_lines), "
        f"listed AS ({listed}), "
        f"keys AS (SELECT l.*, row_number() OVER (ORDER BY {merged_order}) AS n "
        f"FROM listed l ORDER BY n LIMIT {wanted}) "
        f"SELECT {RESULT_COLUMNS}, {ATHLETE_COLUMNS}, s.mark AS s_mark, "
        "s.hand_timed AS s_hand_timed, k.id AS k_id, k.athlete_id AS k_athlete_id, "
        "k.mark AS k_mark, k.date AS k_date, k.split AS k_split FROM keys k "
        f"LEFT JOIN splits s ON k.split AND s.id = k.id AND {shown} "
        "LEFT JOIN results r ON r.id = CASE WHEN k.split THEN s.result_id ELSE k.id END "
        f"AND {shown} LEFT JOIN athletes a ON a.id = r.athlete_id ORDER BY k.n"
    )


def _performer_races(conditions: str, ordering: str, order: str, wanted: int) -> str:
    """The start of `_page_statement` for a performers list (its parameters: the list's,
    three times): `races`, each athlete's first race line, walked as `_performer_keys`
    walks the list: a window of three lines a performer (`head`), widened fourfold
    (`walk`) until it holds `wanted` performers or the whole list."""
    first = wanted * _LINES_PER_PERFORMER
    return (
        f"WITH RECURSIVE head AS MATERIALIZED (SELECT {_KEY_COLUMNS} FROM results r "
        f"WHERE {conditions} {ordering} LIMIT {first}), "
        f"enough AS (SELECT count(DISTINCT athlete_id) >= {wanted} OR count(*) < {first} "
        "AS done FROM head), "
        f"walk(lines) AS (SELECT CAST({first * _WIDER} AS bigint) FROM enough WHERE NOT done "
        f"UNION ALL SELECT lines * {_WIDER} FROM walk WHERE (SELECT "
        f"count(DISTINCT w.athlete_id) < {wanted} AND count(*) = walk.lines FROM ("
        f"SELECT r.athlete_id FROM results r WHERE {conditions} {ordering} "
        "LIMIT walk.lines) w)), "
        "walked AS (SELECT * FROM head WHERE (SELECT done FROM enough) UNION ALL ("
        f"SELECT {_KEY_COLUMNS} FROM results r WHERE NOT (SELECT done FROM enough) "
        f"AND {conditions} {ordering} LIMIT (SELECT coalesce(max(lines), 0) FROM walk))), "
        "races AS (SELECT DISTINCT ON (athlete_id) id, athlete_id, mark, date, "
        f"FALSE AS split FROM walked ORDER BY athlete_id, mark {order}, date, id), "
    )


def _planned_blind(sql: str) -> str:
    """`sql` with each `?` read through a sub-select, which PostgreSQL plans as a value
    known only when the statement runs. Every value a list's conditions hold (`_list_query`,
    `_split_query`: event, sex, venue, dates) is text.

    With its values blind and its numbers (LIMITs, lines shown) in the text, a page's
    statement gets the same plan whatever it is run with, so PostgreSQL settles on one
    generic plan per text after its first five runs on a connection; where a parameter for
    a LIMIT, or values the planner weighs, kept it planning every run anew (and planning
    this statement costs more than running it)."""
    return sql.replace("?", "(SELECT CAST(? AS text))")


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


class LineKey(NamedTuple):
    """One line of a top list as its order needs it, read from the indexes alone."""

    line_id: int  # the result's id, or the split's
    athlete_id: int
    mark: int  # the stored value: a listed mark is never hand-timed (`legal_sql`)
    date: str
    split: bool


class ListLines(NamedTuple):
    """What `top_list_lines` reads: the keys of the list's lines up to the last one asked
    for and one more (fewer when the list ends), and the lines asked for, each as (the
    result, or for a split the race's result carrying the split's event and mark; the
    race's event for a split, else None)."""

    keys: list[LineKey]
    lines: list[tuple[Result, Event | None]]


def _merged(
    races: list[tuple[int, int, int, str]],
    splits: list[tuple[int, int, int, str]],
    lower_is_better: bool,
    performers: bool,
) -> list[LineKey]:
    """Race marks and split marks, each read best first, in one list: best first,
    earlier first on equal marks, a race before a split on the same day (then as read:
    by id); with `performers`, each athlete's best of either kind once (their first line).

    With `performers`, the first n lines need no more than the first n performers of each
    kind: an athlete among them has fewer than n athletes ahead of them in either."""
    keys = [LineKey(i, a, m, d, False) for i, a, m, d in races]
    keys += [LineKey(i, a, m, d, True) for i, a, m, d in splits]
    sign = 1 if lower_is_better else -1
    keys.sort(key=lambda key: (sign * key.mark, key.date, key.split))  # stable
    if not performers:
        return keys
    seen: set[int] = set()
    kept = []
    for key in keys:
        if key.athlete_id not in seen:
            seen.add(key.athlete_id)
            kept.append(key)
    return kept
