"""The top-list reads from before lists were read a page at a time: race marks and the
splits inside longer races read apart, whole, best first (`TopLists.top_list_lines` now
merges them and reads only the lines shown). Tests hold the paged reads equal to these,
and test the SQL conditions both share (`_list_query`, `_split_query`) through them."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from typing import Any

from bot.domain.events import Event, Sex, Venue
from bot.domain.models import Result
from bot.store.database import run_on
from bot.store.repositories.common import ATHLETE_COLUMNS, RESULT_COLUMNS, stored_mark
from bot.store.repositories.results import ResultRepository
from bot.store.repositories.toplists import _list_query, _performer_keys, _split_query


async def top_list(
    results: ResultRepository,
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

    def read(conn: sqlite3.Connection) -> list[Result]:
        conditions, ordering, params = query
        if performers:
            keys = _performer_keys(conn, conditions, ordering, params, limit + offset)
            ids = [row[0] for row in keys][offset:]
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
        return results._rows_to_results(rows)

    return await run_on(results._reader, read)


async def split_top_list(
    results: ResultRepository,
    event_key: str,
    sex: Sex,
    *,
    lower_is_better: bool,
    venue: Venue | None = None,
    year: int | None = None,
    performers: bool = False,
    limit: int = 25,
) -> list[tuple[Result, Event]]:
    """Best splits at an event run inside longer valid races, best first, as (the race's
    result carrying the split's event and mark, the race's event); one per athlete with
    `performers`."""
    condition, params = _split_query(event_key, sex, lower_is_better, venue, year)

    def read(conn: sqlite3.Connection) -> list[tuple[Result, Event]]:
        sql = (
            f"SELECT {RESULT_COLUMNS}, {ATHLETE_COLUMNS}, "
            "s.id AS s_id, s.mark AS s_mark, s.hand_timed AS s_hand_timed FROM splits s "
            "JOIN results r ON r.id = s.result_id JOIN athletes a ON a.id = r.athlete_id "
            f"{condition}"
        )
        rows = conn.execute(sql, params).fetchall()
        event = results._catalogue.get(event_key)
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
        for race, row in zip(results._rows_to_results(kept), kept, strict=True):
            mark = stored_mark(row["s_mark"], event.unit, row["s_hand_timed"])
            found.append((replace(race, event=event, mark=mark, wind=None, splits=()), race.event))
        return found

    return await run_on(results._reader, read)


async def merged_list(
    results: ResultRepository, event_key: str, sex: Sex, **wanted: Any
) -> list[tuple[Result, Event | None]]:
    """The first `limit` lines of a list as `top_list_lines` gives them, from the two lists
    above (`wanted`: their keyword arguments) read whole: merged best first, earlier first
    on equal marks, a race before a split on the same day; with `performers`, each
    athlete's first line."""
    races = await top_list(results, event_key, sex, **wanted)
    splits = await split_top_list(results, event_key, sex, **wanted)
    lines: list[tuple[Result, Event | None]] = [(r, None) for r in races]
    lines += splits
    sign = 1 if wanted["lower_is_better"] else -1
    lines.sort(key=lambda line: (sign * _value(line[0]), line[0].date, line[1] is not None))
    if wanted.get("performers"):
        firsts: dict[int, tuple[Result, Event | None]] = {}
        for line in lines:
            firsts.setdefault(line[0].athlete.id, line)
        lines = list(firsts.values())
    return lines[: wanted.get("limit", 25)]


def _value(result: Result) -> int:
    assert result.mark is not None  # a listed mark
    return result.mark.value
