"""A top-list page on PostgreSQL is one statement (`toplists._page_statement`): one round
trip to the server instead of three or more. It must read what the SQLite way reads —
the lines asked for and the keys of every line up to one past them — which both are held
to against the old whole-list reads (`toplist_oracle`), on a store made to be awkward:
one athlete owning the first thirty lines (a performers list must widen its walk), equal
marks on one day and across days (ranks across page boundaries), splits beating their
runner's race marks and tying others, marks a list leaves out, other venues and years, and
an event where higher is better. Both stores."""

from __future__ import annotations

import pytest

from bot.domain.events import Sex, Venue
from bot.services.app import Trackside
from bot.store import pg_connections
from tests.store import toplist_oracle

YEAR = 2026
# (event, its list is lower-is-better): a mile list, a 1500 m list holding splits run
# inside the miles, a long-jump list.
EVENTS = (("mile", True), ("1500m", True), ("lj", False))


async def _awkward_store(app: Trackside) -> None:
    """Results far better than the shipped ones, so they are the first lines of each list:
    (athlete, event, venue, mark, date, status, hand timed, wind, 1500 m split inside)."""
    rows: list[tuple[str, str, str, int, str, str, int, int | None, tuple[int, int] | None]] = []
    for i in range(30):  # one performer owns the first 30 lines of the indoor mile
        rows.append(("Walk Alpha", "mile", "indoor", 18000 + i, f"{YEAR}-01-{1 + i % 28:02d}",
                     "valid", 0, None, None))  # fmt: skip
    rows += [
        ("Walk Alpha", "mile", "indoor", 17900, f"{YEAR}-01-05", "valid", 1, None, None),  # hand
        ("Walk Alpha", "mile", "indoor", 17800, f"{YEAR}-01-06", "dq", 0, None, None),
        ("Tie Bravo", "mile", "indoor", 18100, f"{YEAR}-02-01", "valid", 0, None, None),
        ("Tie Charlie", "mile", "indoor", 18100, f"{YEAR}-02-01", "valid", 0, None, None),
        ("Tie Delta", "mile", "indoor", 18100, f"{YEAR}-02-01", "valid", 0, None, None),
        ("Tie Echo", "mile", "indoor", 18100, f"{YEAR - 1}-12-01", "valid", 0, None, None),
        ("Tie Bravo", "mile", "indoor", 18100, f"{YEAR}-02-08", "valid", 0, None, None),
        ("Out Foxtrot", "mile", "outdoor", 18050, f"{YEAR}-06-01", "valid", 0, None, None),
        ("Out Foxtrot", "mile", "outdoor", 18100, f"{YEAR - 1}-06-01", "valid", 0, None, None),
        # 1500 m: a race and a split of the same mark on one day (the race is listed first),
        ("Split Golf", "1500m", "outdoor", 17050, f"{YEAR}-03-01", "valid", 0, None, None),
        ("Split Golf", "mile", "outdoor", 18300, f"{YEAR}-03-01", "valid", 0, None, (17050, 0)),
        # the list's best mark a split, tied by another runner's split a day later,
        ("Split Hotel", "mile", "outdoor", 18200, f"{YEAR}-03-02", "valid", 0, None, (17000, 0)),
        ("Split Kilo", "mile", "indoor", 18250, f"{YEAR}-03-03", "valid", 0, None, (17000, 0)),
        # a runner whose split beats their race, splits left out (hand-timed, a dq race),
        ("Split India", "1500m", "outdoor", 17100, f"{YEAR}-03-02", "valid", 0, None, None),
        ("Split India", "mile", "outdoor", 18400, f"{YEAR}-03-05", "valid", 0, None, (17020, 0)),
        ("Split Juliet", "mile", "outdoor", 18500, f"{YEAR}-03-06", "valid", 0, None, (16900, 1)),
        ("Split Juliet", "mile", "outdoor", 18600, f"{YEAR}-03-07", "dq", 0, None, (16800, 0)),
        ("Split Juliet", "1500m", "indoor", 17100, f"{YEAR - 1}-02-02", "valid", 0, None, None),
        # long jump, higher is better: ties, a wind-aided mark left out, +2.0 kept.
        ("Jump Lima", "lj", "outdoor", 960, f"{YEAR}-05-01", "valid", 0, 20, None),
        ("Jump Lima", "lj", "outdoor", 958, f"{YEAR}-05-02", "valid", 0, 0, None),
        ("Jump Mike", "lj", "outdoor", 958, f"{YEAR}-05-02", "valid", 0, -5, None),
        ("Jump Mike", "lj", "outdoor", 970, f"{YEAR}-05-03", "valid", 0, 21, None),
        ("Jump November", "lj", "indoor", 958, f"{YEAR - 1}-02-02", "valid", 0, None, None),
    ]
    async with app.db.transaction() as conn:
        athletes: dict[str, int] = {}
        for name, *_ in rows:
            if name not in athletes:
                cursor = await conn.execute(
                    "INSERT INTO athletes (name, search_key, nation, sex) "
                    "VALUES (?, ?, 'ISL', 'M')",
                    (name, name.casefold()),
                )
                athletes[name] = cursor.lastrowid
        for n, (name, event, venue, mark, day, status, hand, wind, split) in enumerate(rows):
            cursor = await conn.execute(
                "INSERT INTO results (athlete_id, event_key, sex, venue, mark, hand_timed, wind, "
                "date, competition, round, status, source) "
                "VALUES (?, ?, 'M', ?, ?, ?, ?, ?, ?, 'final', ?, 'test')",
                (athletes[name], event, venue, mark, hand, wind, day, f"Awkward {n}", status),
            )
            if split is not None:
                await conn.execute(
                    "INSERT INTO splits (result_id, event_key, mark, hand_timed) "
                    "VALUES (?, '1500m', ?, ?)",
                    (cursor.lastrowid, *split),
                )


def _lists():
    for event, lower in EVENTS:
        for venue in (None, Venue.INDOOR, Venue.OUTDOOR):
            for year in (None, YEAR):
                for performers in (False, True):
                    yield (
                        event,
                        dict(lower_is_better=lower, venue=venue, year=year, performers=performers),
                    )


def _pages(longest: int):
    """(start, stop) of every page of 1 and 4 lines up to `longest`, and one of 25."""
    for per_page in (1, 4):
        for start in range(0, longest, per_page):
            yield start, min(start + per_page, longest)
    yield 0, 25


async def test_every_page_reads_what_the_whole_lists_give(app):
    await _awkward_store(app)
    longest = 32
    for event, wanted in _lists():
        whole = await toplist_oracle.merged_list(
            app.results, event, Sex.MEN, **wanted, limit=longest + 1
        )
        assert whole, (event, wanted)
        for start, stop in _pages(longest):
            keys, lines = await app.results.top_list_lines(
                event, Sex.MEN, **wanted, start=start, stop=stop
            )
            assert lines == whole[start:stop], (event, wanted, start, stop)
            # The keys: every line up to `stop` and one more, in the list's order.
            assert [(k.athlete_id, k.mark, k.date, k.split) for k in keys] == [
                (r.athlete.id, r.mark.value, r.date.isoformat(), split_of is not None)
                for r, split_of in whole[: stop + 1]
            ], (event, wanted, start, stop)
            for key, (result, split_of) in zip(keys[start:stop], lines, strict=True):
                assert split_of is not None or key.line_id == result.id


async def test_the_awkward_store_is_awkward(app):
    """What the test above relies on: the first indoor-mile performers sit past a first
    walk of three lines a performer, ties share marks across pages, splits lead a list."""
    await _awkward_store(app)
    performers = await app.results.top_list_lines(
        "mile", Sex.MEN, lower_is_better=True, venue=Venue.INDOOR, performers=True, stop=3
    )
    assert [k.mark for k in performers.keys] == [18000, 18100, 18100, 18100]
    assert performers.keys[1].date == f"{YEAR - 1}-12-01"  # the earlier of equal marks first
    splits = await app.results.top_list_lines("1500m", Sex.MEN, lower_is_better=True, stop=4)
    assert [(k.mark, k.split) for k in splits.keys] == [
        (17000, True),
        (17000, True),
        (17020, True),
        (17050, False),
        (17050, True),
    ]


async def test_a_page_is_one_statement_on_postgresql(app, store_backend, monkeypatch):
    if store_backend != "postgresql":
        pytest.skip("round trips to a server: PostgreSQL's")
    await _awkward_store(app)
    statements: list[str] = []
    run = pg_connections._run

    async def counted(conn, sql, params):
        statements.append(sql)
        return await run(conn, sql, params)

    monkeypatch.setattr(pg_connections, "_run", counted)
    for event, wanted in _lists():
        for start, stop in ((0, 1), (0, 3), (3, 6), (0, 15), (15, 30), (0, 25)):
            statements.clear()
            await app.results.top_list_lines(event, Sex.MEN, **wanted, start=start, stop=stop)
            assert len(statements) == 1, (event, wanted, start, stop, statements)
