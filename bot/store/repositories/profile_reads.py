"""Reading what a profile (/athlete) and a head-to-head (/rivalry) need of athletes'
results, each store its fastest way: the results repository's read side for them."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any, TypeVar

from bot.domain.models import Athlete, Result, Split
from bot.store.connection import Row
from bot.store.database import run_on
from bot.store.dialect import is_postgres
from bot.store.repositories.common import (
    ATHLETE_COLUMNS,
    RESULT_COLUMNS,
    SPLIT_COLUMNS,
    ResultRows,
    athlete_at,
    each_with_splits,
    legal_sql,
)

_LATEST = 10  # a profile shows this many latest results
# The two stores answer a profile differently, each the way that measured fastest there.
#
# SQLite (`_profiles_by_scan`): a light scan of the athlete's results, newest first, with
# just what picking needs (the mark where legal for lists, `legal_sql`; whether splits
# were run inside, which the splits table's unique index answers), then the wanted ones
# whole, splits folded in. Statements cost little there, and every result's whole row
# costs more than the second statement.
_PROFILE_SCAN = (
    f"SELECT r.id, r.event_key, r.venue, CASE WHEN {legal_sql('r')} THEN r.mark END, "
    "EXISTS (SELECT 1 FROM splits s WHERE s.result_id = r.id) "
    "FROM results r WHERE r.athlete_id = ? ORDER BY r.date DESC, r.id DESC"
)
# A head-to-head's scan adds what names a race (`_RACE`: event at 1, then date,
# competition, round and sex): the two athletes' scans find the races both ran, so no
# statement of their own (a join over both athletes' results) is needed.
_RACE_SCAN = _PROFILE_SCAN.replace(
    " FROM results r", ", r.date, r.competition, r.round, r.sex FROM results r", 1
)
_RACE = itemgetter(1, 5, 6, 7, 8)
_WANTED = (
    f"SELECT {RESULT_COLUMNS}, {ATHLETE_COLUMNS}, {SPLIT_COLUMNS} FROM results r "
    "JOIN athletes a ON a.id = r.athlete_id LEFT JOIN splits s ON s.result_id = r.id "
    "WHERE r.id IN ({marks}) ORDER BY r.date DESC, r.id DESC, s.id"
)
# PostgreSQL: one statement a profile or a head-to-head (each statement is a round trip
# there), read on the bot's loop (`PgReader.fetch`: no hop to a reader thread): every
# result of the athletes whole, and the athletes on rows of their own, in no order
# (_PG_ROWS); Python sorts them and picks what SQLite's scan picks (`_wanted`), and finds
# the meetings as SQLite's way does (`_met`). Measured at 1,000,000 results, picking in SQL
# (window functions over the athlete's results, a join for the meetings, an ORDER BY over
# both arms) cost the server more than the extra rows cost to send and read: the
# head-to-head's statement took half the time without, a profile's three quarters.
# Rows: a result's RESULT_COLUMNS, its athlete's id, NULL for the other athlete columns,
# SPLIT_COLUMNS (once per split where it has splits) and the mark where legal for lists
# (`legal_sql`); an athlete's row NULL but for its ATHLETE_COLUMNS, from 16.
_NULLS = {n: ", ".join(["NULL"] * n) for n in (5, 6, 8, 16)}
_PG_ROWS = (
    f"SELECT {RESULT_COLUMNS}, r.athlete_id, {_NULLS[8]}, {SPLIT_COLUMNS}, "
    f"CASE WHEN {legal_sql('r')} THEN r.mark END FROM results r "
    "LEFT JOIN splits s ON s.result_id = r.id WHERE r.athlete_id {ids} "
    f"UNION ALL SELECT {_NULLS[16]}, {ATHLETE_COLUMNS}, {_NULLS[6]} FROM athletes a "
    "WHERE a.id {ids}"
)
_PG_PROFILE = _PG_ROWS.replace("{ids}", "= ?")
_PG_HEAD_TO_HEAD = _PG_ROWS.replace("{ids}", "IN (?, ?)")
_PG_LEGAL = 30
_NEWEST = itemgetter(7, 0)  # date, id: newest first when reversed, as _WANTED orders
_PG_RACE = itemgetter(1, 7, 8, 11, 2)  # what names a race, in _RACE's order
# Rows picked from on the bot's loop; more go to a worker thread (`_here_or_off`): picking
# costs about two microseconds a row, and a typical athlete has tens of results.
_ON_LOOP_ROWS = 500
T = TypeVar("T")
# Every race both athletes ran: same competition, date, event, round and sex (`meetings`).
# CROSS JOIN keeps `mine` outer, and the unary + keeps SQLite from probing the race index
# (about ten rows a race) instead of the opponent's own results. A pair's rows come
# together, the first athlete's first.
_MEETING_ROWS = (
    f"SELECT {RESULT_COLUMNS}, {ATHLETE_COLUMNS}, {_NULLS[5]}, 0 AS part, "
    "0 AS k1, r.date AS k2, mine.id AS k3, theirs.id AS k4, "
    f"CASE WHEN r.athlete_id = ? THEN 0 ELSE 1 END AS k5, {_NULLS[5]} "
    "FROM results mine "
    "CROSS JOIN results theirs ON theirs.athlete_id = ? "
    "AND theirs.event_key = mine.event_key AND theirs.date = mine.date "
    "AND +theirs.competition = mine.competition AND +theirs.round = mine.round "
    "AND +theirs.sex = mine.sex "
    "JOIN results r ON r.id IN (mine.id, theirs.id) "
    "JOIN athletes a ON a.id = r.athlete_id "
    "WHERE mine.athlete_id = ?"
)
# Meetings newest first.
_ORDER = " ORDER BY part, k1, k2 DESC, k3, k4, k5"
_MEETINGS = f"{_MEETING_ROWS}{_ORDER}"


def _met(
    mine: Sequence[Row], theirs: Sequence[Row], race: itemgetter, day: int
) -> list[tuple[str, int, int]]:
    """(date, mine, theirs) of every race both athletes ran, newest first then by the two
    ids (as _MEETINGS orders them), from rows one per result with the id at 0, what `race`
    gets naming the race (every column NOT NULL, compared as SQLite's BINARY collation
    does) and the date at `day`."""
    races: dict[tuple[str, ...], list[int]] = {}
    for row in theirs:
        races.setdefault(race(row), []).append(row[0])
    met = [(row[day], row[0], other) for row in mine for other in races.get(race(row), ())]
    met.sort(key=itemgetter(1, 2))
    met.sort(key=itemgetter(0), reverse=True)  # stable: equal dates keep the ids' order
    return met


async def _here_or_off(rows: Sequence[Row], fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)`, picking from `rows`: on this loop, or on a worker thread when there are
    more than _ON_LOOP_ROWS of them (an athlete with hundreds of results or more), so
    that no read holds the loop for more than about a millisecond of Python."""
    if len(rows) > _ON_LOOP_ROWS:
        return await asyncio.to_thread(fn, *args)
    return fn(*args)


def _heads(rows: Sequence[Row]) -> list[Row]:
    """One row per result (its first) of rows where a result with splits has consecutive
    rows, one per split."""
    heads: list[Row] = []
    last = None
    for row in rows:
        if row[0] != last:
            heads.append(row)
            last = row[0]
    return heads


class ProfileReads(ResultRows):
    """Profiles and head-to-heads (see `profiles`); part of `ResultRepository`."""

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
        those few rows become objects: on SQLite one hop to the reader and two statements
        an athlete (see _PROFILE_SCAN); on PostgreSQL one statement an athlete, read on
        this loop (`PgReader.fetch`: see _PG_ROWS)."""
        if not is_postgres(self._reader):
            return await run_on(self._reader, self._profiles_by_scan, tuple(athlete_ids))
        found: dict[int, tuple[list[Result], int]] = {}
        for athlete_id in athlete_ids:
            rows = await self._fetch_here(_PG_PROFILE, (athlete_id, athlete_id))
            found[athlete_id] = await _here_or_off(rows, self._profile_of, athlete_id, rows)
        return found

    def _profile_of(self, athlete_id: int, rows: Sequence[Row]) -> tuple[list[Result], int]:
        """One athlete's entry of `profiles`, from its rows of _PG_PROFILE."""
        athletes, results = self._by_athlete(rows)
        mine = results.get(athlete_id)
        return self._picked(athletes[athlete_id], *mine) if mine else ([], 0)

    def _profiles_by_scan(
        self, conn: sqlite3.Connection, athlete_ids: tuple[int, ...]
    ) -> dict[int, tuple[list[Result], int]]:
        """SQLite's way: a light scan of each athlete's results, then the wanted ones of
        them all, splits folded in. Statements cost little there, and every result's whole
        row (the one-statement way) costs more than the second statement."""
        counts: dict[int, int] = {}
        wanted: list[int] = []
        for athlete_id in athlete_ids:
            rows = conn.execute(_PROFILE_SCAN, (athlete_id,)).fetchall()
            counts[athlete_id] = len(rows)
            wanted += [rows[n][0] for n in self._wanted(rows, 2, 3, 4)]
        by_athlete: dict[int, list[Row]] = {athlete_id: [] for athlete_id in athlete_ids}
        if wanted:
            marks = ", ".join("?" * len(wanted))
            for row in conn.execute(_WANTED.format(marks=marks), wanted).fetchall():
                by_athlete[row[16]].append(row)
        return {a: (self._with_splits(rows), counts[a]) for a, rows in by_athlete.items()}

    def _wanted(
        self, rows: Sequence[Row], venue: int, legal: int, splits: int, latest: int = _LATEST
    ) -> list[int]:
        """Indexes of the results `profiles` keeps, from rows one per result, newest first,
        with the event key at 1 and at `venue`, `legal` and `splits` the venue, the mark
        where legal for lists (else NULL) and whether splits were run inside. `latest`: how
        many latest results are kept whatever they are (0: only what bests come from)."""
        best: dict[tuple[str, str], int] = {}
        lower: dict[str, bool] = {}
        for row in rows:
            mark = row[legal]
            if mark is None:
                continue
            key = row[1]
            low = lower.get(key)
            if low is None:
                low = lower[key] = self._catalogue.get(key).lower_is_better
            slot = (key, row[venue])
            held = best.get(slot)
            if held is None or (mark < held if low else mark > held):
                best[slot] = mark
        return [
            n
            for n, row in enumerate(rows)
            if n < latest
            or row[splits]
            or (row[legal] is not None and best[(row[1], row[venue])] == row[legal])
        ]

    def _with_splits(self, rows: Sequence[Row], athlete: Athlete | None = None) -> list[Result]:
        """Results from rows of RESULT_COLUMNS, ATHLETE_COLUMNS (or `athlete`'s alone) and
        SPLIT_COLUMNS, a result with splits on consecutive rows, one per split."""
        return each_with_splits(*self._results_and_splits(rows, athlete))

    def _results_and_splits(
        self, rows: Sequence[Row], athlete: Athlete | None = None
    ) -> tuple[list[Result], dict[int, list[Split]]]:
        """`_with_splits`'s results without their splits, and the splits by result id."""
        results = self._rows_to_results(_heads(rows), athlete)
        # row[25:30] is a tuple (sqlite3.Row, asyncpg.Record)
        split_rows = [row[25:30] for row in rows if row[25] is not None]
        return results, self._splits_by_result(split_rows) if split_rows else {}

    def _by_athlete(
        self, rows: Sequence[Row]
    ) -> tuple[dict[int, Athlete], dict[int, tuple[list[Row], list[Row]]]]:
        """From rows of _PG_ROWS: the athletes, and per athlete its results' rows newest
        first, a result with splits on consecutive rows in split order (as _WANTED), and
        one row per result of those (`_heads`)."""
        athletes: dict[int, Athlete] = {}
        results: dict[int, list[Row]] = {}
        with_split_rows = set()
        for row in rows:
            if row[0] is None:
                athletes[row[16]] = athlete_at(row, 16)
                continue
            results.setdefault(row[16], []).append(row)
            if row[26] is not None:
                with_split_rows.add(row[16])
        found = {}
        for athlete_id, mine in results.items():
            if athlete_id in with_split_rows:
                mine.sort(key=lambda row: row[26] or 0)  # the sort below keeps this order
            mine.sort(key=_NEWEST, reverse=True)
            found[athlete_id] = (mine, _heads(mine) if athlete_id in with_split_rows else mine)
        return athletes, found

    def _picked(
        self, athlete: Athlete, rows: Sequence[Row], heads: Sequence[Row], latest: int = _LATEST
    ) -> tuple[list[Result], int]:
        """(the results `profiles` keeps, how many there are) from one athlete's rows of
        _PG_ROWS and their heads, as `_by_athlete` gives them; `latest` as for `_wanted`."""
        kept = {heads[n][0] for n in self._wanted(heads, 3, _PG_LEGAL, 25, latest)}
        return self._with_splits([row for row in rows if row[0] in kept], athlete), len(heads)

    async def meetings(self, athlete_id: int, opponent_id: int) -> list[tuple[Result, Result]]:
        """Every race both athletes ran: same competition, date, event, round and sex."""
        return await run_on(self._reader, self._meetings_in_thread, athlete_id, opponent_id)

    async def head_to_head(
        self, athlete_id: int, opponent_id: int
    ) -> tuple[list[tuple[Result, Result]], dict[int, tuple[list[Result], int]]]:
        """`meetings`, and per athlete what personal bests come from (`profiles` without
        the latest results kept for showing: `latest` 0 in `_wanted`) and how many results
        they have: on SQLite in one hop to the reader, three statements (see
        `_head_to_head_by_scan`); on PostgreSQL one statement, read on this loop (see
        _PG_ROWS)."""
        if not is_postgres(self._reader):
            return await run_on(self._reader, self._head_to_head_by_scan, athlete_id, opponent_id)
        both = (athlete_id, opponent_id)
        rows = await self._fetch_here(_PG_HEAD_TO_HEAD, (*both, *both))
        return await _here_or_off(rows, self._head_to_head_of, both, rows)

    def _head_to_head_of(
        self, both: tuple[int, int], rows: Sequence[Row]
    ) -> tuple[list[tuple[Result, Result]], dict[int, tuple[list[Result], int]]]:
        """`head_to_head` from the rows of _PG_HEAD_TO_HEAD: the meetings matched as
        SQLite's way matches them (`_met`), the results picked as `_wanted` picks them."""
        athletes, results = self._by_athlete(rows)
        mine, theirs = (results.get(a, ([], [])) for a in both)
        met = _met(mine[1], theirs[1], _PG_RACE, 7)
        in_races = {i for _, m, t in met for i in (m, t)}
        by_id: dict[int | None, Result] = {}
        picked: dict[int, tuple[list[Result], int]] = {}
        for a, (found, heads) in zip(both, (mine, theirs), strict=True):
            wanted = {heads[n][0] for n in self._wanted(heads, 3, _PG_LEGAL, 25, latest=0)}
            needed = [row for row in found if row[0] in wanted or row[0] in in_races]
            read, splits = self._results_and_splits(needed, athletes.get(a))
            by_id.update((r.id, r) for r in read)
            picked[a] = (each_with_splits((r for r in read if r.id in wanted), splits), len(heads))
        return [(by_id[m], by_id[t]) for _, m, t in met], picked

    def _head_to_head_by_scan(
        self, conn: sqlite3.Connection, athlete_id: int, opponent_id: int
    ) -> tuple[list[tuple[Result, Result]], dict[int, tuple[list[Result], int]]]:
        """SQLite's way: a light scan of each athlete's results (_RACE_SCAN), the races
        both ran matched from the two (as _MEETING_ROWS joins them: same event, date,
        competition, round and sex; every column NOT NULL, compared as SQLite's BINARY
        collation does), then the meetings' results and those bests come from, whole, in
        one statement. The meetings' results carry no splits, as `meetings` reads them."""
        mine = conn.execute(_RACE_SCAN, (athlete_id,)).fetchall()
        theirs = conn.execute(_RACE_SCAN, (opponent_id,)).fetchall()
        met = _met(mine, theirs, _RACE, 5)
        wanted = {
            athlete_id: {mine[n][0] for n in self._wanted(mine, 2, 3, 4, latest=0)},
            opponent_id: {theirs[n][0] for n in self._wanted(theirs, 2, 3, 4, latest=0)},
        }
        ids = [*wanted[athlete_id], *wanted[opponent_id], *(i for _, m, t in met for i in (m, t))]
        picked: dict[int, tuple[list[Result], int]] = {athlete_id: ([], len(mine))}
        picked[opponent_id] = ([], len(theirs))
        if not ids:
            return [], picked
        ids = list(dict.fromkeys(ids))
        rows = conn.execute(_WANTED.format(marks=", ".join("?" * len(ids))), ids).fetchall()
        results, splits = self._results_and_splits(rows)
        by_id = {r.id: r for r in results}
        bests = (r for r in results if r.id in wanted[r.athlete.id])
        for result in each_with_splits(bests, splits):  # newest first, as `profiles` lists them
            picked[result.athlete.id][0].append(result)
        return [(by_id[m], by_id[t]) for _, m, t in met], picked

    def _meetings_in_thread(
        self, conn: sqlite3.Connection, athlete_id: int, opponent_id: int
    ) -> list[tuple[Result, Result]]:
        rows = conn.execute(_MEETINGS, (athlete_id, opponent_id, athlete_id)).fetchall()
        return self._pairs(rows)

    def _pairs(self, rows: Sequence[Row]) -> list[tuple[Result, Result]]:
        results = self._rows_to_results(rows)
        return [(results[i], results[i + 1]) for i in range(0, len(results) - 1, 2)]
