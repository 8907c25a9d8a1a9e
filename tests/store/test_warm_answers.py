"""Answers kept warm between writes (`bot.services.warm`): after every kind of write —
add, edit, ratify, import, remove, and a write by another process seen through the store
watcher's `refresh_if_changed` — the next answer to every read is what a cold read of the
store gives, and the write shows in it. Both stores (tests/store runs PostgreSQL too)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.config import Settings
from bot.domain.answers import TopListBy
from bot.domain.events import Sex, Venue
from bot.domain.models import RecordStatus
from bot.services.app import Trackside
from bot.services.warm import WarmAnswers
from bot.services.writes import IMPORT_COLUMNS, Actor, ResultDraft, Writes
from tests.conftest import TODAY
from tests.store import toplist_oracle

MOD = Actor(user_id=1001, guild_id=2001)
RUNNER = "Warm Runner"

Ask = Callable[[Trackside], Awaitable[object]]
ASKED: dict[str, Ask] = {
    "top list": lambda app: app.top_list("mile", Venue.INDOOR, Sex.MEN),
    "performers": lambda app: app.top_list(
        "mile", Venue.INDOOR, Sex.MEN, by=TopListBy.PERFORMERS, limit=100
    ),
    "season performers": lambda app: app.top_list(
        "mile", Venue.INDOOR, Sex.MEN, 2024, TopListBy.PERFORMERS
    ),
    "profile": lambda app: app.athlete_profile(RUNNER),
    "rivalry": lambda app: app.rivalry(RUNNER, "Jakob Ingebrigtsen"),
    "record": lambda app: app.record("mile", Venue.INDOOR),
    "records": lambda app: app.records(Venue.INDOOR),
}


def _mile(mark: str, day: str, meeting: str) -> ResultDraft:
    return draft(RUNNER, "mile", mark, day, meeting, nation="ISL", place="1")


def draft(
    athlete: str, event: str, mark: str, day: str, meeting: str, nation: str = "NOR", **more
) -> ResultDraft:
    """An indoor men's final, as a moderator types it."""
    return ResultDraft(
        athlete=athlete,
        nation=nation,
        sex="M",
        event=event,
        mark=mark,
        venue="indoor",
        date=day,
        competition=meeting,
        round="final",
        **{"place": "3", **more},
    )


async def _cold(app: Trackside, ask: Ask) -> object:
    """What the store says now, read past every kept answer (and keeping none)."""
    warm, app.warm = app.warm, WarmAnswers()
    try:
        return await ask(app)
    finally:
        app.warm = warm


async def _answers(app: Trackside) -> dict[str, object]:
    return {name: await ask(app) for name, ask in ASKED.items()}


async def _check_after_write(
    app: Trackside, before: dict[str, object], changed: set[str]
) -> dict[str, object]:
    """Every answer equals a cold read; those named in `changed` differ from `before`."""
    after = await _answers(app)
    for name, ask in ASKED.items():
        assert after[name] == await _cold(app, ask), name
        assert (after[name] != before[name]) == (name in changed), name
        assert await ask(app) is after[name], name  # and is kept warm again
    return after


async def test_every_kind_of_write_makes_the_next_answer_right(app):
    writes = Writes(app)
    first = await writes.add_result(
        _mile("3:44.00", "2024-02-10", "Warm Meet"), MOD, confirm_implausible=True
    )
    before = await _answers(app)
    assert await ASKED["top list"](app) is before["top list"]  # kept

    await writes.edit_result(
        first.result_id, _mile("3:44.50", "2024-02-10", "Warm Meet"), MOD, confirm_implausible=True
    )
    every = set(ASKED)
    before = await _check_after_write(app, before, every)

    (pending,) = [
        e for e in writes.pending_records() if e.athlete.name == RUNNER and e.key.scope.is_world
    ]
    await writes.ratify(pending.id, RecordStatus.RATIFIED, MOD, "test")
    before = await _check_after_write(app, before, {"profile", "rivalry", "record", "records"})

    row = _mile("3:43.00", "2024-03-01", "Warm Import")
    lines = [",".join(IMPORT_COLUMNS), ",".join(str(getattr(row, c) or "") for c in IMPORT_COLUMNS)]
    await writes.import_csv(("\n".join(lines) + "\n").encode(), MOD, bounded=True)
    before = await _check_after_write(app, before, every)

    imported = next(r for r in before["top list"].rows if r.result.competition == "Warm Import")  # type: ignore[attr-defined]
    await writes.remove_result(imported.result.id, MOD, "test")
    await _check_after_write(app, before, every)


@asynccontextmanager
async def two_processes_after(
    tmp_path: Path, drafts: Iterable[ResultDraft]
) -> AsyncIterator[tuple[Trackside, Trackside]]:
    """Two apps on one store, as two processes have it: the first adds `drafts`, then the
    second opens (so both start with them)."""
    settings = Settings(database_path=tmp_path / "shared.db")
    async with AsyncExitStack() as opened:  # closed in reverse: the second first
        first = await Trackside.open(settings, today=lambda: TODAY)
        opened.push_async_callback(first.close)
        for draft in drafts:
            await Writes(first).add_result(draft, MOD, confirm_implausible=True)
        second = await Trackside.open(settings, today=lambda: TODAY)
        opened.push_async_callback(second.close)
        yield first, second


@pytest.fixture
async def two_processes(tmp_path: Path) -> AsyncIterator[tuple[Trackside, Trackside]]:
    async with two_processes_after(tmp_path, [_mile("3:48.00", "2024-02-10", "Warm Meet")]) as two:
        yield two


async def test_a_write_by_another_process_reaches_the_answers_kept_warm(two_processes):
    first, second = two_processes
    before = await _answers(first)
    await Writes(second).add_result(
        _mile("3:44.00", "2024-03-01", "Other Process Meet"), MOD, confirm_implausible=True
    )
    # What the bot's store watcher does: poll until the other process's write is seen.
    deadline = asyncio.get_running_loop().time() + 2.0
    while not await first.refresh_if_changed():
        assert asyncio.get_running_loop().time() < deadline, "no refresh within two seconds"
        await asyncio.sleep(0.02)
    after = await _check_after_write(first, before, set(ASKED))
    assert after["top list"].rows[0].result.competition == "Other Process Meet"  # type: ignore[attr-defined]


async def test_an_answer_read_across_a_write_is_not_kept():
    """A read that began before a write and ended after it may hold what the write
    changed: it is handed to its caller, never kept for the next one."""
    warm = WarmAnswers()
    writing = asyncio.Event()

    async def read_across_a_write() -> str:
        writing.set()
        await asyncio.sleep(0)
        warm.forget_all()  # the write's reload, while the read was under way
        return "read before the write"

    assert await warm.answer("asked", read_across_a_write) == "read before the write"
    assert warm.get("asked") is None

    async def read_after() -> str:
        return "read after the write"

    assert await warm.answer("asked", read_after) == "read after the write"
    assert warm.get("asked") == "read after the write"


def test_only_the_most_recently_asked_answers_are_kept():
    """Up to a number of lines (an answer's tuples' items, plus one)."""
    warm = WarmAnswers(lines=6)
    for key in ("a", "b"):
        warm.keep(key, warm.generation, Answer(key.upper(), ("row", "row")))  # 3 lines each
    assert warm.get("a") == Answer("A", ("row", "row"))  # now the most recent
    warm.keep("c", warm.generation, Answer("C", ()))
    assert [warm.get(key) is not None for key in "abc"] == [True, False, True]
    warm.keep("big", warm.generation, Answer("BIG", ("row",) * 10))  # alone over the limit
    assert [warm.get(key) is not None for key in ("a", "c", "big")] == [False, False, True]
    warm.forget_all()
    assert len(warm) == 0


@dataclass(frozen=True)
class Answer:
    name: str
    rows: tuple[str, ...]


def test_answers_kept_are_frozen():
    """Kept answers are shared by everyone who asks: none can be changed in place."""
    import dataclasses

    from bot.domain import answers

    for name in ("AthleteAnswer", "RivalryAnswer", "TopListAnswer", "RecordAnswer"):
        cls = getattr(answers, name)
        assert cls.__dataclass_params__.frozen, name
    assert dataclasses.is_dataclass(answers.RecordsListAnswer)
    assert answers.RecordsListAnswer.__dataclass_params__.frozen


async def test_a_performers_list_widens_its_walk_past_one_athletes_many_marks(app):
    """The walk reads three lines a performer first: with one athlete holding the first
    dozen marks it must widen to find the next performers."""
    writes = Writes(app)
    for day in range(1, 13):
        draft = _mile(f"3:40.{day:02d}", f"2024-02-{day:02d}", f"Fast Meet {day}")
        await writes.add_result(draft, MOD, confirm_implausible=True)
    got = await toplist_oracle.top_list(
        app.results, "mile", Sex.MEN, lower_is_better=True, performers=True, limit=3
    )
    everyone = await toplist_oracle.top_list(
        app.results, "mile", Sex.MEN, lower_is_better=True, limit=10_000
    )
    firsts: dict[int, int] = {}
    for result in everyone:
        firsts.setdefault(result.athlete.id, result.id)
    assert [r.id for r in got] == list(firsts.values())[:3]
    assert got[0].athlete.name == RUNNER and len({r.athlete.id for r in got}) == 3
