"""PostgreSQL reads a profile, a head-to-head and a top-list page in one statement on the
bot's own loop (`PgReader.fetch`), on connections of the reader's own: several at once
each get their own answer, a connection cut under them (a restart, a terminated backend)
is replaced and the read retried, and closing the store closes them. Many rows (an
athlete with hundreds of results) are picked from on a worker thread instead of the loop,
to the same answer."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import asyncpg
import pytest

from bot.services.app import Trackside
from bot.store.repositories import profile_reads
from bot.store.repositories.profile_reads import ProfileReads
from tests.store.test_pg_listen import until


@pytest.fixture
def postgresql_only(store_backend: str) -> None:
    if store_backend != "postgresql":
        pytest.skip("PostgreSQL's reader (SQLite reads on its reader thread)")


async def _pairs(app: Trackside, count: int) -> list[tuple[int, int]]:
    """Pairs of athletes who ran the same race."""
    rows = await app.db.reader.execute_fetchall(
        "SELECT DISTINCT a.athlete_id, b.athlete_id FROM results a JOIN results b "
        "ON b.competition = a.competition AND b.date = a.date AND b.event_key = a.event_key "
        "AND b.round = a.round AND b.sex = a.sex AND b.athlete_id != a.athlete_id "
        "ORDER BY a.athlete_id, b.athlete_id"
    )
    return [(row[0], row[1]) for row in list(rows)[:count]]


async def _athletes(app: Trackside, count: int) -> list[int]:
    rows = await app.db.reader.execute_fetchall(
        "SELECT DISTINCT athlete_id FROM results ORDER BY athlete_id"
    )
    return [row[0] for row in list(rows)[:count]]


async def test_reads_at_once_each_get_their_own_answer(app, postgresql_only):
    athletes = await _athletes(app, 24)  # more at once than the reader has connections
    pairs = await _pairs(app, 12)
    assert len(athletes) == 24 and len(pairs) == 12
    one_by_one = [await app.results.profile_results(a) for a in athletes]
    meetings = [await app.results.head_to_head(*pair) for pair in pairs]
    at_once = await asyncio.gather(
        *(app.results.profile_results(a) for a in athletes),
        *(app.results.head_to_head(*pair) for pair in pairs),
    )
    assert list(at_once) == [*one_by_one, *meetings]
    assert all(results for results, _ in one_by_one)
    assert all(met for met, _ in meetings)


async def _terminate_all(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 10000)) "
            "FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
    finally:
        await conn.close()


def _cut_unnoticed(app: Trackside) -> int:
    """Cut every connection of `app`'s database, as a restart would, while its loop is
    held (this blocks it): a connection learns of it only when next used, as one cut
    between two reads does. Returns how many were cut."""
    with ThreadPoolExecutor(1) as other:
        return other.submit(asyncio.run, _terminate_all(app.db.url)).result()


async def test_a_read_after_its_connections_were_cut_reads_again(app, postgresql_only):
    athlete = (await _athletes(app, 1))[0]
    pair = (await _pairs(app, 1))[0]
    profile = await app.results.profile_results(athlete)
    rivalry = await app.results.head_to_head(*pair)
    assert profile[0] and rivalry[0]

    assert _cut_unnoticed(app)
    assert await app.results.profile_results(athlete) == profile
    assert _cut_unnoticed(app)
    assert await app.results.head_to_head(*pair) == rivalry


async def test_closing_the_store_closes_the_loop_readers_connections(settings, postgresql_only):
    app = await Trackside.open(settings)
    try:
        url = app.db.url
        athletes = await _athletes(app, 8)
        await asyncio.gather(*(app.results.profile_results(a) for a in athletes))
    finally:
        await app.close()
    conn = await asyncpg.connect(url)

    async def none_left() -> bool:
        return not await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )

    try:
        await until(none_left, "the closed store's connections to end")
    finally:
        await conn.close()


async def test_many_rows_are_picked_from_on_a_worker_thread_with_the_same_answers(
    app, postgresql_only, monkeypatch
):
    athletes = await _athletes(app, 6)
    pairs = await _pairs(app, 4)
    threads: list[threading.Thread] = []
    by_athlete = ProfileReads._by_athlete

    def watched(self, rows):
        threads.append(threading.current_thread())
        return by_athlete(self, rows)

    monkeypatch.setattr(ProfileReads, "_by_athlete", watched)

    async def read_all() -> list:
        return [
            *[await app.results.profile_results(a) for a in athletes],
            *[await app.results.head_to_head(*pair) for pair in pairs],
        ]

    on_the_loop = await read_all()
    assert threads and set(threads) == {threading.current_thread()}
    threads.clear()
    monkeypatch.setattr(profile_reads, "_ON_LOOP_ROWS", 0)
    assert await read_all() == on_the_loop
    assert len(threads) == len(on_the_loop)
    assert threading.current_thread() not in threads


async def test_a_top_list_page_is_read_on_the_loop_without_the_reader_threads(
    app, postgresql_only, monkeypatch
):
    """A top-list page is one statement too: read on the loop, it never waits for (or
    hops to) a reader thread; several pages at once each get their own lines."""
    from bot.domain.events import Sex, Venue
    from bot.store.pg_connections import PgReader

    asked = [
        ("mile", Venue.INDOOR, performers, start)
        for performers in (False, True)
        for start in (0, 15, 30)
    ]

    async def page(event_key, venue, performers, start):
        return await app.results.top_list_lines(
            event_key, Sex.MEN, lower_is_better=True, venue=venue,
            performers=performers, start=start, stop=start + 15,
        )  # fmt: skip

    one_by_one = [await page(*a) for a in asked]

    async def no_thread(self, fn, *args):
        raise AssertionError("a top-list page went to a reader thread")

    monkeypatch.setattr(PgReader, "run_sync", no_thread)
    at_once = await asyncio.gather(*(page(*a) for a in asked))
    assert list(at_once) == one_by_one
    assert all(lines.lines for lines in one_by_one[:1])
