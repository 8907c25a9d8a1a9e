"""Catching up with another process's writes (`bot.services.catching_up`): the store
watcher refreshes exactly what the write log says each write touched, as after a write
of our own, instead of reloading everything; a write that does not say, or a gap in the
log, still reloads everything; delivery bookkeeping makes nobody reload. Both stores."""

from __future__ import annotations

import asyncio

from bot.services.app import Trackside
from bot.services.writes import Actor, Writes
from bot.store.dialect import is_postgres
from tests.store.test_precise_warm import (
    EVERY,
    MILER,
    MOD,
    SPRINTER,
    _after_write,
    _answers,
    _draft,
    two_processes,  # noqa: F401 - a fixture
)

OTHER = Actor(user_id=1002, guild_id=2002)


async def _caught_up(app: Trackside) -> None:
    """What the bot's store watcher does, until it has caught up with the other write
    (PostgreSQL: once its NOTIFY has arrived)."""
    deadline = asyncio.get_running_loop().time() + 2.0
    while not await app.refresh_if_changed():
        assert asyncio.get_running_loop().time() < deadline, "no catching up within 2 s"
        await asyncio.sleep(0.02)


async def test_another_processs_writes_drop_only_what_they_touched(two_processes):  # noqa: F811
    first, second = two_processes
    before = await _answers(first)
    index = first.athlete_index

    await Writes(second).add_result(
        _draft(SPRINTER, "60m", "7.15", "2024-02-08", "Far Sprint"), MOD
    )
    await _caught_up(first)
    before = await _after_write(first, before, {"60 list", "sprinter", "sprinter v star"})
    assert before["sprinter"].latest[0].competition == "Far Sprint"  # type: ignore[attr-defined]

    # An athlete new to the store, added there: found by name here, in the same index.
    await Writes(second).add_result(
        _draft("Far Newcomer", "60m", "7.40", "2024-02-09", "Far Sprint 2"), MOD
    )
    await _caught_up(first)
    before = await _after_write(first, before, {"60 list"})
    assert first.athlete("Far Newcomer").name == "Far Newcomer"

    # A world indoor mile record: the record answers, the holders old and new.
    await Writes(second).add_result(
        _draft(MILER, "mile", "3:40.00", "2024-03-02", "Far Record"), MOD, confirm_implausible=True
    )
    await _caught_up(first)
    before = await _after_write(
        first, before, EVERY - {"60 list", "sprinter", "3000 list", "1500 list"}
    )
    assert before["record"].lines[0].entry.athlete.name == MILER  # type: ignore[attr-defined]
    assert first.athlete_index is index  # never rebuilt
    assert not await first.refresh_if_changed()


async def test_delivery_bookkeeping_elsewhere_makes_nobody_reload(two_processes):  # noqa: F811
    first, second = two_processes
    await Writes(second).set_alerts(OTHER, 3003)
    await Writes(second).add_result(
        _draft(MILER, "mile", "3:40.00", "2024-03-02", "Far Record"), MOD, confirm_implausible=True
    )
    await _caught_up(first)
    before, index = await _answers(first), first.athlete_index
    version = await first.db.data_version()
    async with second.db.transaction(quiet=True) as conn:  # as the announcer's claims are
        await conn.execute("UPDATE deliveries SET attempts = attempts + 1")
    if not is_postgres(first.db.reader):  # SQLite sees every commit; PostgreSQL no NOTIFY
        assert await first.db.data_version() != version
    assert not await first.refresh_if_changed()
    await _after_write(first, before, set())
    assert first.athlete_index is index


async def test_a_write_that_does_not_say_reloads_everything(two_processes):  # noqa: F811
    first, second = two_processes
    before, index = await _answers(first), first.athlete_index
    async with second.db.transaction() as conn:  # wrote, noted nothing: the store notes all
        await conn.execute("UPDATE results SET place = 9 WHERE competition = 'Precise Opener'")
    await _caught_up(first)
    after = await _after_write(first, before, EVERY)
    assert after["miler"].latest[0].place == 9  # type: ignore[attr-defined]
    assert first.athlete_index is not index


async def test_a_full_reload_asked_for_a_catch_up_meanwhile_finishes(two_processes, monkeypatch):  # noqa: F811
    """The store watcher reloads everything (another process's write did not say what it
    touched); meanwhile an own write, another process's landed around, asks for a catch-up
    (`_catch_up_wanted`). The reload is itself inside a catch-up: it must leave the one
    asked for to that write (which waits for the reload), not wait for it forever."""
    first, second = two_processes
    async with second.db.transaction() as conn:  # wrote, noted nothing: the store notes all
        await conn.execute("UPDATE results SET place = 9 WHERE competition = 'Precise Opener'")
    reload_records = first.reload_records

    async def own_write_asks_meanwhile(*args: object, **kwargs: object) -> None:
        if kwargs.get("recount") is False:  # the full reload's own read of the records
            first._catch_up_wanted = True  # type: ignore[attr-defined]
        await reload_records(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(first, "reload_records", own_write_asks_meanwhile)
    await asyncio.wait_for(_caught_up(first), 10)
    assert (await first.athlete_profile(MILER)).latest[0].place == 9
    assert first._catch_up_wanted  # type: ignore[attr-defined]  # left for that write
    assert not await first.refresh_if_changed()  # which finds nothing more to read


async def test_a_gap_in_the_log_reloads_everything(two_processes):  # noqa: F811
    first, second = two_processes
    before, index = await _answers(first), first.athlete_index
    writes = Writes(second)
    await writes.add_result(_draft(SPRINTER, "60m", "7.15", "2024-02-08", "Far Sprint"), MOD)
    async with second.db.transaction(quiet=True) as conn:  # pruned before we looked
        await conn.execute("DELETE FROM write_log")
    await writes.add_result(_draft(SPRINTER, "60m", "7.14", "2024-02-09", "Far Sprint 2"), MOD)
    await _caught_up(first)
    await _after_write(first, before, EVERY)
    assert first.athlete_index is not index


async def test_a_moderator_role_set_elsewhere_counts_here(two_processes):  # noqa: F811
    first, second = two_processes
    before, index = await _answers(first), first.athlete_index
    await Writes(second).set_moderator_role(OTHER, 4004)
    await _caught_up(first)
    assert first.moderator_roles[OTHER.guild_id] == 4004
    await _after_write(first, before, set())
    assert first.athlete_index is index
