"""Answers kept warm are dropped precisely (`bot.services.warm`): after each kind of our
own write — add, a race carrying a split, an edit that moves a result to another event
and athlete, remove, ratify, import — the next answer of every command it can change
equals a cold read of the store, and every other answer is the very object kept before
(it came from memory). A write by another process that lands around one of ours before
the store watcher has looked is caught up with right after ours, as precisely as one the
watcher sees first (test_catching_up). Both stores (tests/store runs PostgreSQL too)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from bot.domain.events import Sex, Venue
from bot.domain.models import RecordStatus
from bot.services import app as app_module
from bot.services import warm as warm_module
from bot.services.app import Trackside
from bot.services.warm import RECORDS, Touched, WarmAnswers, depends_on
from bot.services.writes import IMPORT_COLUMNS, Actor, Writes
from tests.store.test_warm_answers import _cold, two_processes_after
from tests.store.test_warm_answers import draft as _draft

MOD = Actor(user_id=1001, guild_id=2001)
MILER = "Precise Miler"
SPRINTER = "Precise Sprinter"
STAR = "Jakob Ingebrigtsen"

Ask = Callable[[Trackside], Awaitable[object]]
ASKED: dict[str, Ask] = {
    "mile list": lambda app: app.top_list("mile", Venue.INDOOR, Sex.MEN),
    "1500 list": lambda app: app.top_list("1500m", Venue.INDOOR, Sex.MEN),
    "3000 list": lambda app: app.top_list("3000m", Venue.INDOOR, Sex.MEN),
    "60 list": lambda app: app.top_list("60m", Venue.INDOOR, Sex.MEN),
    "miler": lambda app: app.athlete_profile(MILER),
    "sprinter": lambda app: app.athlete_profile(SPRINTER),
    "star": lambda app: app.athlete_profile(STAR),
    "miler v star": lambda app: app.rivalry(MILER, STAR),
    "sprinter v star": lambda app: app.rivalry(SPRINTER, STAR),
    "record": lambda app: app.record("mile", Venue.INDOOR),
    "records": lambda app: app.records(Venue.INDOOR),
}
EVERY = set(ASKED)


async def _answers(app: Trackside) -> dict[str, object]:
    return {name: await ask(app) for name, ask in ASKED.items()}


async def _after_write(
    app: Trackside, before: dict[str, object], dropped: set[str]
) -> dict[str, object]:
    """Every answer equals a cold read; those named in `dropped` were read afresh, every
    other one is the object kept before the write."""
    after = await _answers(app)
    for name, ask in ASKED.items():
        assert after[name] == await _cold(app, ask), name
        if name in dropped:
            assert after[name] is not before[name], f"{name} should have been dropped"
        else:
            assert after[name] is before[name], f"{name} should have stayed warm"
        assert await ask(app) is after[name], name  # and is kept again
    return after


@pytest.fixture
async def writes(app) -> Writes:
    writes = Writes(app)
    # Slow marks by Norwegians: nowhere near a record (Norway's are Ingebrigtsen's).
    for draft in (
        _draft(MILER, "mile", "4:05.00", "2024-02-01", "Precise Opener"),
        _draft(SPRINTER, "60m", "7.20", "2024-02-01", "Precise Opener"),
    ):
        await writes.add_result(draft, MOD, confirm_implausible=True)
    return writes


async def test_each_own_write_drops_only_the_answers_it_can_change(app, writes):
    before = await _answers(app)
    for name, ask in ASKED.items():
        assert await ask(app) is before[name], name  # kept

    # A 60 m result: the 60 m list and the sprinter (his rivalry too), nothing else.
    await writes.add_result(_draft(SPRINTER, "60m", "7.15", "2024-02-08", "Precise Sprint"), MOD)
    before = await _after_write(app, before, {"60 list", "sprinter", "sprinter v star"})
    assert before["sprinter"].latest[0].competition == "Precise Sprint"  # type: ignore[attr-defined]

    # A mile carrying a 1500 m split: the split is on the 1500 m list, so that goes too.
    added = await writes.add_result(
        _draft(MILER, "mile", "4:02.00", "2024-02-15", "Precise Mile", splits="1500m=3:45.00"),
        MOD,
    )
    before = await _after_write(app, before, {"mile list", "1500 list", "miler", "miler v star"})
    assert any(r.split_of for r in before["1500 list"].rows)  # type: ignore[attr-defined]

    # An edit moving it to another event and athlete: the lists and profiles it leaves
    # (mile, its 1500 m split, the miler) and those it joins (3000 m, the sprinter).
    moved = _draft(SPRINTER, "3000m", "8:30.00", "2024-02-15", "Precise Mile")
    await writes.edit_result(added.result_id, moved, MOD, confirm_implausible=True)
    every_but = {"60 list", "star", "record", "records"}
    before = await _after_write(app, before, EVERY - every_but)

    # Removing it: the 3000 m list and the sprinter's answers.
    await writes.remove_result(added.result_id, MOD, "test")
    before = await _after_write(app, before, {"3000 list", "sprinter", "sprinter v star"})

    # An import of one 60 m row.
    row = _draft(SPRINTER, "60m", "7.18", "2024-03-01", "Precise Import")
    lines = [",".join(IMPORT_COLUMNS), ",".join(str(getattr(row, c) or "") for c in IMPORT_COLUMNS)]
    await writes.import_csv(("\n".join(lines) + "\n").encode(), MOD, bounded=True)
    before = await _after_write(app, before, {"60 list", "sprinter", "sprinter v star"})


async def test_a_record_drops_the_record_answers_and_its_holders(app, writes):
    """A world indoor mile record: the record answers, the mile list (the 1500 m one
    stays), the new holder's and the old ones' profiles and rivalries; ratifying it drops
    those of that record's holders; the 60 m answers stay warm throughout."""
    before = await _answers(app)
    await writes.add_result(
        _draft(MILER, "mile", "3:40.00", "2024-03-02", "Precise Record"),
        MOD,
        confirm_implausible=True,
    )
    # The star held it: his rivalry with the sprinter goes too (he holds a record less).
    changed = EVERY - {"60 list", "sprinter", "3000 list", "1500 list"}
    before = await _after_write(app, before, changed)
    assert before["record"].lines[0].entry.athlete.name == MILER  # type: ignore[attr-defined]

    pending, *_ = [
        e
        for e in writes.pending_records()
        if e.athlete.name == MILER and e.key.scope.is_world and e.key.event_key == "mile"
    ]
    await writes.ratify(pending.id, RecordStatus.RATIFIED, MOD, "test")
    changed = {"record", "records", "mile list", "miler", "miler v star"}
    if app.athlete(STAR).id in {e.athlete.id for e in app.book.entries(pending.key)}:
        changed |= {"star", "sprinter v star"}  # one of its holders
    before = await _after_write(app, before, changed)


@pytest.fixture
async def two_processes(tmp_path: Path) -> AsyncIterator[tuple[Trackside, Trackside]]:
    openers = (
        _draft(MILER, "mile", "4:05.00", "2024-02-01", "Precise Opener"),
        _draft(SPRINTER, "60m", "7.20", "2024-02-01", "Precise Opener"),
    )
    async with two_processes_after(tmp_path, openers) as two:
        yield two


async def test_an_own_write_right_after_another_processs_catches_up_precisely(two_processes):
    """Another process adds a mile; before our store watcher has looked, we add a 60 m
    result. Right after ours, the other write is caught up with from the write log: the
    answers either write can change go (the mile's and the 60 m's), every other stays
    warm, and the watcher finds nothing left to do."""
    first, second = two_processes
    before = await _answers(first)
    await _other_process_adds_a_mile(first, second)
    index = first.athlete_index
    await Writes(first).add_result(_draft(SPRINTER, "60m", "7.16", "2024-03-02", "Own Meet"), MOD)
    theirs = {"mile list", "miler", "miler v star"}
    ours = {"60 list", "sprinter", "sprinter v star"}
    after = await _after_write(first, before, theirs | ours)
    assert after["miler"].latest[0].competition == "Other Process Meet"  # type: ignore[attr-defined]
    assert first.athlete_index is index  # not reloaded
    assert not await first.refresh_if_changed()
    # In step again: the next own write is precise.
    before = await _answers(first)
    await Writes(first).add_result(_draft(SPRINTER, "60m", "7.14", "2024-03-03", "Own Meet 2"), MOD)
    await _after_write(first, before, {"60 list", "sprinter", "sprinter v star"})


async def _other_process_adds_a_mile(first: Trackside, second: Trackside) -> None:
    """The other process adds a mile for the miler, and waits until the first can see it
    (PostgreSQL: its NOTIFY arrived) before the first's store watcher has looked."""
    seen = await first.db.data_version()
    await Writes(second).add_result(
        _draft(MILER, "mile", "4:01.00", "2024-03-01", "Other Process Meet"), MOD
    )
    deadline = asyncio.get_running_loop().time() + 2.0
    while await first.db.data_version() == seen:
        assert asyncio.get_running_loop().time() < deadline, "the other write never showed"
        await asyncio.sleep(0.02)


async def test_a_catch_up_after_an_own_write_that_fails_is_left_to_the_watcher(
    two_processes, monkeypatch, caplog
):
    """The catch-up right after an own write that another process's landed around fails
    (the store went away for a moment): our write stands, its caller hears no error, and
    the store watcher catches up on its next look."""
    first, second = two_processes
    await _other_process_adds_a_mile(first, second)
    catch_up, calls = app_module.catch_up, []

    async def failing_once(app: Trackside, version: int) -> bool:
        calls.append(version)
        if len(calls) == 1:
            raise ConnectionError("the store went away for a moment")
        return await catch_up(app, version)

    monkeypatch.setattr(app_module, "catch_up", failing_once)
    added = await Writes(first).add_result(
        _draft(SPRINTER, "60m", "7.16", "2024-03-02", "Own Meet"), MOD
    )
    assert (await first.athlete_profile(SPRINTER)).latest[0].id == added.result_id
    assert "could not catch up after a write" in caplog.text
    assert await first.refresh_if_changed()  # the store watcher's next look
    assert len(calls) == 2
    profile = await first.athlete_profile(MILER)
    assert profile.latest[0].competition == "Other Process Meet"
    assert not await first.refresh_if_changed()


async def test_a_read_across_a_write_is_kept_only_when_the_write_missed_it(app):
    """A read that began before a write and ended after it is handed to its caller, and
    kept only if the write touched nothing the answer depends on."""
    mile = await _cold(app, ASKED["mile list"])
    assert depends_on(mile) == {("event", "mile")}
    warm = WarmAnswers()

    def read_across(touched: Touched) -> Callable[[], Awaitable[object]]:
        async def read() -> object:
            await asyncio.sleep(0)
            warm.forget(touched.dependencies())  # the write's reload, mid-read
            return mile

        return read

    elsewhere = Touched(events={"60m"}, athletes={999_999})
    assert await warm.answer("mile", read_across(elsewhere)) is mile
    assert warm.get("mile") is mile  # the write missed it: kept
    warm.forget(elsewhere.dependencies())
    assert warm.get("mile") is mile

    split_of_a_longer_race = Touched(events={"3000m", "mile"})
    warm.forget(split_of_a_longer_race.dependencies())
    assert warm.get("mile") is None
    assert await warm.answer("mile", read_across(split_of_a_longer_race)) is mile
    assert warm.get("mile") is None  # it may predate the write: not kept

    # An athlete of the list touched by a write of another event: the list stays.
    holder = mile.rows[0].result.athlete.id  # type: ignore[attr-defined]
    warm.keep("mile", warm.generation, mile)
    warm.forget(Touched(events={"60m"}, athletes={holder}).dependencies())
    assert warm.get("mile") is mile
    warm.forget([RECORDS])
    assert warm.get("mile") is mile


def test_unknown_answers_depend_on_everything():
    warm = WarmAnswers()
    warm.keep("other", warm.generation, ("an answer of a kind warm.py does not know",))
    assert depends_on(warm.get("other")) is None
    warm.forget({("event", "60m")})
    assert warm.get("other") is None
    generation = warm.generation
    warm.forget({("athlete", 1)})
    warm.keep("other", generation, ("read across a write",))
    assert warm.get("other") is None  # any write since its read began: not kept


def test_a_write_touching_very_many_things_forgets_everything():
    warm = WarmAnswers()
    warm.keep("kept", warm.generation, ("kept",))
    many = Touched(athletes=set(range(5_000)))
    assert many.dependencies() is None
    assert Touched(everything=True).dependencies() is None
    warm.forget(many.dependencies())
    assert len(warm) == 0


def test_what_is_remembered_of_forgets_stays_bounded(monkeypatch):
    monkeypatch.setattr(warm_module, "MOST_REMEMBERED", 10)
    warm = WarmAnswers()
    for athlete_id in range(30):
        warm.keep("kept", warm.generation, ("kept",))
        warm.forget({("athlete", athlete_id)})
        assert len(warm._forgotten_at) <= 11
    assert warm.get("kept") is None
