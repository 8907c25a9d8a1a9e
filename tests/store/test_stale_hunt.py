"""No answer is stale after an own write: after each write of a long sequence — a race
with a split, edits of its wind (legality), venue, date (another season), splits (added,
removed) and status (DNF), a record set, ratified, rejected, a record setter removed (the
previous holder's record restored), an import — every answer the bot gives (top lists
whole and by page, season, indoor/outdoor, performers; profiles; rivalries; /record,
/records, /progression) equals what a second process reading the store afresh gives.
Both stores (tests/store runs PostgreSQL too)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from bot.config import Settings
from bot.domain.answers import TopListBy
from bot.domain.events import Sex, Venue
from bot.domain.models import RecordStatus
from bot.services.app import Trackside
from bot.services.toplists import top_list_page
from bot.services.writes import IMPORT_COLUMNS, Actor, ResultChanges, ResultDraft, Writes
from tests.conftest import TODAY

MOD = Actor(user_id=1001, guild_id=2001)
HUNTER = "Stale Hunter"
CHASER = "Stale Chaser"
STAR = "Jakob Ingebrigtsen"

Ask = Callable[[Trackside], Awaitable[object]]


def _lists() -> dict[str, Ask]:
    asked: dict[str, Ask] = {}
    for event in ("mile", "1500m", "3000m"):
        for venue in (Venue.INDOOR, Venue.OUTDOOR, None):
            for year in (None, 2024, 2025):
                for by in TopListBy:
                    spec = (event, venue, Sex.MEN, year, by)
                    asked[f"list {spec}"] = lambda app, s=spec: app.top_list(*s, limit=100)
                    asked[f"page 0 {spec}"] = lambda app, s=spec: top_list_page(
                        app, *s, index=0, per_page=15
                    )
    return asked


ASKED: dict[str, Ask] = {
    **_lists(),
    "hunter": lambda app: app.athlete_profile(HUNTER),
    "chaser": lambda app: app.athlete_profile(CHASER),
    "star": lambda app: app.athlete_profile(STAR),
    "hunter v star": lambda app: app.rivalry(HUNTER, STAR),
    "hunter v chaser": lambda app: app.rivalry(HUNTER, CHASER),
    "chaser v star": lambda app: app.rivalry(CHASER, STAR),
    "record mile in": lambda app: app.record("mile", Venue.INDOOR),
    "record 1500 in": lambda app: app.record("1500m", Venue.INDOOR),
    "records in": lambda app: app.records(Venue.INDOOR),
    "records out": lambda app: app.records(Venue.OUTDOOR),
    "progression mile in": lambda app: app.progression("mile", Venue.INDOOR),
    "progression 1500 in": lambda app: app.progression("1500m", Venue.INDOOR),
}


def _draft(athlete: str, event: str, mark: str, day: str, meeting: str, **more) -> ResultDraft:
    return ResultDraft(
        athlete=athlete,
        nation="ISL",
        sex="M",
        event=event,
        mark=mark,
        venue=more.pop("venue", "indoor"),
        date=day,
        competition=meeting,
        round="final",
        **{"place": "1", **more},
    )


@pytest.fixture
async def fresh(settings: Settings) -> AsyncIterator[Trackside]:
    """A second process on the same store, brought in step by a whole reload each time."""
    second = await Trackside.open(settings, today=lambda: TODAY)
    try:
        yield second
    finally:
        await second.close()


async def _same_as_a_fresh_read(app: Trackside, fresh: Trackside, step: str) -> None:
    await fresh.reload()
    for name, ask in ASKED.items():
        assert await ask(app) == await ask(fresh), f"{step}: {name}"


async def test_every_answer_equals_a_fresh_read_after_each_own_write(app, fresh):
    writes = Writes(app)

    async def check(step: str) -> None:
        await _same_as_a_fresh_read(app, fresh, step)

    for who in (HUNTER, CHASER):
        opener = _draft(who, "3000m", "8:30.00", "2024-01-05", "Hunt Openers")
        await writes.add_result(opener, MOD, confirm_implausible=True)
    await check("start")  # every answer kept warm from here on
    await writes.add_result(
        _draft(CHASER, "mile", "3:58.00", "2024-02-01", "Hunt Opener", splits="1500m=3:42.00"),
        MOD,
        confirm_implausible=True,
    )
    await check("chaser's mile")
    added = await writes.add_result(
        _draft(HUNTER, "mile", "3:50.00", "2024-02-10", "Hunt Mile", splits="1500m=3:35.00"),
        MOD,
        confirm_implausible=True,
    )
    await check("hunter's mile")
    rid = added.result_id

    async def edit(step: str, **changes: object) -> None:
        draft = await writes.edit_draft(rid, ResultChanges(**changes))  # type: ignore[arg-type]
        await writes.edit_result(rid, draft, MOD, confirm_implausible=True)
        await check(step)

    await edit("splits removed", splits="")
    await edit("splits added back", splits="1500m=3:34.00")
    await edit("outdoors", venue="outdoor")
    await edit("a year later", date="2025-02-10")
    await edit("back indoors, 2024", venue="indoor", date="2024-02-10")
    await edit("a world record", mark="3:40.00")
    pending = [
        e for e in writes.pending_records() if e.athlete.name == HUNTER and e.key.scope.is_world
    ]
    assert pending, "the 3:40 mile is a world indoor record"
    await writes.ratify(pending[0].id, RecordStatus.RATIFIED, MOD, "test")
    await check("ratified")
    for entry in [e for e in writes.pending_records() if e.athlete.name == HUNTER][:2]:
        await writes.ratify(entry.id, RecordStatus.REJECTED, MOD, "test")
        await check(f"rejected {entry.key}")
    await edit("slower again", mark="3:52.00")
    await edit("a DNF", mark="DNF")
    await edit("running again", mark="3:41.00")

    row = _draft(HUNTER, "1500m", "3:30.00", "2025-02-20", "Hunt Import")
    lines = [",".join(IMPORT_COLUMNS), ",".join(str(getattr(row, c) or "") for c in IMPORT_COLUMNS)]
    await writes.import_csv(("\n".join(lines) + "\n").encode(), MOD, bounded=True)
    await check("import")

    await writes.remove_result(rid, MOD, "test")
    await check("the record setter removed: the record back with its holder before")


# -- /toplist a page at a time, against the whole list read another way -------------------


def _csv(rows: list[tuple[str, ...]]) -> bytes:
    header = ",".join(IMPORT_COLUMNS)
    return ("\n".join([header, *(",".join(row) for row in rows)]) + "\n").encode()


def _row(athlete: str, event: str, mark: str, day: str, splits: str = "") -> tuple[str, ...]:
    """A women's indoor final as `trackside import` reads it (IMPORT_COLUMNS' order)."""
    return (athlete, "ISL", "women", event, mark, "indoor", day, f"Paged Meet {day}",
            "Reykjavik", "ISL", "final", "1", "", splits, "test")  # fmt: skip


Line = tuple[int, int, str, int, str | None, int]


async def _oracle(app: Trackside, event: str, year: int, by: TopListBy, limit: int) -> list[Line]:
    """The list as (rank, result id, event, mark, race event of a split, athlete), from
    every race and every split read whole (`toplist_oracle`), merged and ranked here."""
    from tests.store import toplist_oracle

    lower = app.catalogue.get(event).lower_is_better
    spec = dict(lower_is_better=lower, venue=Venue.INDOOR, year=year, limit=100_000)
    races = await toplist_oracle.top_list(app.results, event, Sex.WOMEN, **spec)  # type: ignore[arg-type]
    splits = await toplist_oracle.split_top_list(app.results, event, Sex.WOMEN, **spec)  # type: ignore[arg-type]
    lines = [(r, None) for r in races] + [(r, of) for r, of in splits]
    sign = 1 if lower else -1
    assert all(r.mark is not None for r, _ in lines)
    lines.sort(key=lambda line: (sign * line[0].mark.value, line[0].date, line[1] is not None))  # type: ignore[union-attr]
    if by is TopListBy.PERFORMERS:
        firsts: dict[int, tuple] = {}
        for line in lines:
            firsts.setdefault(line[0].athlete.id, line)
        lines = list(firsts.values())
    lines = lines[:limit]
    ranked: list[Line] = []
    for i, (r, of) in enumerate(lines):
        same = i > 0 and lines[i - 1][0].mark.value == r.mark.value  # type: ignore[union-attr]
        rank = ranked[-1][0] if same else i + 1
        ranked.append((rank, r.id or 0, r.event.key, r.mark.value, of and of.key, r.athlete.id))  # type: ignore[union-attr]
    return ranked


async def _paged(app: Trackside, event: str, year: int, by: TopListBy) -> list[Line]:
    """Every page of the list joined, checking each page's place and `more`."""
    lines: list[Line] = []
    index = 0
    while True:
        page = await top_list_page(app, event, Venue.INDOOR, Sex.WOMEN, year, by, index=index)
        assert page.page is not None and page.page.first_line == index * 15 + 1
        lines += [
            (row.rank, row.result.id or 0, row.result.event.key, row.result.mark.value,  # type: ignore[union-attr]
             row.split_of and row.split_of.key, row.result.athlete.id)
            for row in page.rows
        ]  # fmt: skip
        if not page.page.more:
            assert len(page.rows) == (len(lines) - 1) % 15 + 1 if lines else not page.rows
            return lines
        assert len(page.rows) == 15
        index += 1


async def _same_as_oracle(app: Trackside, event: str, year: int, lines: int | None = None) -> None:
    for by in TopListBy:
        whole = await _oracle(app, event, year, by, 100)
        assert await _paged(app, event, year, by) == whole, (event, year, by)
        if lines is not None and by is TopListBy.PERFORMANCES:
            assert len(whole) == lines


EVENTS = ("1500m", "mile", "hj")


async def test_pages_joined_equal_the_whole_list_read_another_way(app):
    writes = Writes(app)
    for year in range(2019, 1960, -1):  # a season with no women's indoor marks on file
        if not any([await _oracle(app, e, year, TopListBy.PERFORMERS, 1) for e in EVENTS]):
            break
    day = f"{year}-02-10"
    # Splits only: miles carrying 1500 m splits, equal splits, one athlete twice.
    await writes.import_csv(
        _csv(
            [
                _row(f"Split Runner {i}", "mile", f"4:3{i % 4}.00", day, f"1500m=4:1{i % 3}.00")
                for i in range(1, 9)
            ]
            + [_row("Split Runner 1", "mile", "4:29.00", f"{year}-03-01", "1500m=4:09.00")]
        ),
        MOD,
    )
    await _same_as_oracle(app, "1500m", year, 9)
    # Races tying with splits on the same day (a race before a split), a performer whose
    # best is a split, up to exactly 15 lines, then 30 (a page boundary on a tie).
    await writes.import_csv(
        _csv([_row(f"Race Runner {i}", "1500m", f"4:1{i % 3}.00", day) for i in range(1, 7)]),
        MOD,
    )
    await _same_as_oracle(app, "1500m", year, 15)
    await writes.import_csv(
        _csv(
            [
                _row(f"Race Runner {i}", "1500m", f"4:1{i % 3}.00", f"{year}-02-{i:02d}")
                for i in range(7, 22)
            ]
        ),
        MOD,
    )
    await _same_as_oracle(app, "1500m", year, 30)
    # Exactly 100 lines, then 101 (the list stops at 100).
    await writes.import_csv(
        _csv(
            [
                _row(
                    f"Race Runner {i % 20}",
                    "1500m",
                    f"4:{20 + i % 30}.{i:02d}",
                    f"{year}-04-{1 + i % 28:02d}",
                )
                for i in range(70)
            ]
        ),
        MOD,
    )
    await _same_as_oracle(app, "1500m", year, 100)
    await writes.import_csv(
        _csv([_row("Race Runner 99", "1500m", "4:59.00", f"{year}-05-01")]), MOD
    )
    await _same_as_oracle(app, "1500m", year, 100)
    # A field event (higher is better), ties on 15 and across a page boundary.
    await writes.import_csv(
        _csv(
            [
                _row(f"Jumper {i}", "hj", f"1.{80 + i % 7}", f"{year}-02-{1 + i % 20:02d}")
                for i in range(45)
            ]
        ),
        MOD,
    )
    await _same_as_oracle(app, "hj", year, 45)
    await _same_as_oracle(app, "mile", year)


# -- another process's write right after our own commit -------------------------------------


async def test_a_write_by_another_process_right_after_our_commit_is_seen(tmp_path, store_backend):
    """Another process commits between our COMMIT and our reading of the version it left
    (SQLite's data_version moves once for both): its write must still reach the answers
    kept warm, not be taken for our own and missed until some later write."""
    if store_backend != "sqlite":
        pytest.skip("SQLite's data_version; PostgreSQL counts other processes' notifications")
    from tests.store.test_warm_answers import _mile, two_processes_after
    from tests.store.test_warm_answers import draft as _warm_draft

    openers = [_mile("3:48.00", "2024-02-10", "Warm Meet")]
    async with two_processes_after(tmp_path, openers) as (first, second):
        # The transaction's connection (`bot.store.writing.LoopWriter`), which commits.
        commit = first.db.writer.execute  # type: ignore[attr-defined]
        others = [_mile("3:58.00", "2024-03-01", "Other Process Meet")]  # no record

        async def execute(sql: str, *args: object) -> object:
            done = await commit(sql, *args)
            if sql == "COMMIT" and others:  # the other process, right after our commit
                await Writes(second).add_result(others.pop(), MOD, confirm_implausible=True)
            return done

        before = await first.athlete_profile("Warm Runner")
        first.db.writer.execute = execute  # type: ignore[attr-defined]
        own = _warm_draft("Race Sprinter", "60m", "7.20", "2024-02-11", "Own Meet")
        await Writes(first).add_result(own, MOD, confirm_implausible=True)
        assert not others
        # Caught up with right after our write, from the write log (test_precise_warm).
        after = await first.athlete_profile("Warm Runner")
        assert after is not before
        assert after.latest[0].competition == "Other Process Meet"
        assert not await first.refresh_if_changed()  # nothing left for the store watcher


# -- two own writes at once -----------------------------------------------------------------


async def test_a_slow_record_reload_never_brings_back_records_a_later_write_changed(app, fresh):
    """Two moderators at once: an edit's reload has read its records from the store when
    a record-breaking result commits and is reloaded; the edit's reload, finishing last,
    must not put back the records as they were before that result."""

    writes = Writes(app)
    for who in (HUNTER, CHASER):
        opener = _draft(who, "3000m", "8:30.00", "2024-01-05", "Hunt Openers")
        await writes.add_result(opener, MOD, confirm_implausible=True)
    first = await writes.add_result(
        _draft(HUNTER, "mile", "3:44.00", "2024-02-10", "Race Meet"), MOD, confirm_implausible=True
    )
    await _same_as_a_fresh_read(app, fresh, "a world indoor mile record")
    read = app.record_entries.for_keys
    paused, resume = asyncio.Event(), asyncio.Event()

    async def for_keys(conn, keys):  # type: ignore[no-untyped-def]
        found = await read(conn, keys)
        if conn is app.db.reader and not paused.is_set():  # the edit's reload, once
            paused.set()
            await resume.wait()
        return found

    app.record_entries.for_keys = for_keys  # type: ignore[method-assign]
    slower = _draft(HUNTER, "mile", "3:44.50", "2024-02-10", "Race Meet")
    edit = asyncio.create_task(
        writes.edit_result(first.result_id, slower, MOD, confirm_implausible=True)
    )
    await asyncio.wait_for(paused.wait(), 10)
    faster = _draft(CHASER, "mile", "3:43.00", "2024-03-01", "Race Meet 2")
    add = asyncio.create_task(writes.add_result(faster, MOD, confirm_implausible=True))
    # Let the faster mile commit and its reload run as far as it may while the edit's
    # waits (to the end, unless reloads wait for each other); then the edit's goes on.
    await asyncio.wait({add}, timeout=2)
    resume.set()
    await asyncio.wait_for(asyncio.gather(edit, add), 10)
    record = await app.record("mile", Venue.INDOOR)
    assert record.lines[0].entry.athlete.name == CHASER  # type: ignore[attr-defined]
    await _same_as_a_fresh_read(app, fresh, "both writes")


async def _whole_reload_paused(app: Trackside) -> tuple[asyncio.Task, asyncio.Event]:
    """The store watcher's whole reload, paused once it has read every athlete; it goes
    on when the event is set."""
    read = app.athletes.all
    paused, resume = asyncio.Event(), asyncio.Event()

    async def every_athlete():  # type: ignore[no-untyped-def]
        found = await read()
        paused.set()
        await resume.wait()
        return found

    app.athletes.all = every_athlete  # type: ignore[method-assign]
    reload = asyncio.create_task(app.reload())
    await asyncio.wait_for(paused.wait(), 10)
    return reload, resume


async def test_an_athlete_added_during_a_whole_reload_is_kept(app):
    """The store watcher's whole reload reads the athletes while an own write adds a new
    one and is reloaded: the index the reload builds must still have them."""
    reload, resume = await _whole_reload_paused(app)
    newcomer = _draft("Stale Newcomer", "mile", "4:20.00", "2024-02-10", "Newcomer Meet")
    add = asyncio.create_task(Writes(app).add_result(newcomer, MOD, confirm_implausible=True))
    # The new athlete's write commits and is reloaded as far as it may while the whole
    # reload waits (to the end, unless reloads wait for each other); then that goes on.
    await asyncio.wait({add}, timeout=2)
    resume.set()
    await asyncio.wait_for(asyncio.gather(reload, add), 10)
    assert app.athlete("Stale Newcomer").name == "Stale Newcomer"
    profile = await app.athlete_profile("Stale Newcomer")
    assert profile.latest[0].competition == "Newcomer Meet"


async def test_an_athlete_imported_during_a_whole_reload_is_kept(app):
    """As above, for an import: it adds the athletes it created to the index itself."""
    reload, resume = await _whole_reload_paused(app)
    row = _draft("Stale Importee", "mile", "4:20.00", "2024-02-10", "Import Meet")
    data = _csv([tuple(str(getattr(row, c) or "") for c in IMPORT_COLUMNS)])
    imported = asyncio.create_task(Writes(app).import_csv(data, MOD))
    await asyncio.wait({imported}, timeout=2)  # as far as it may while the reload waits
    resume.set()
    await asyncio.wait_for(asyncio.gather(reload, imported), 10)
    profile = await app.athlete_profile("Stale Importee")
    assert profile.latest[0].competition == "Import Meet"
