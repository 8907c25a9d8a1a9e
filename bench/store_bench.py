"""The store suite: bulk load, lookup latency against a raw-SQL floor, and memory.

1. Generate (or reuse) a synthetic store with `bench.generate`: its bulk-load throughput.
2. Open it with `Trackside` and time each read use case through the service layer: current
   record, progression, athlete profile, head-to-head and top lists. Answers the services
   keep warm until the next write (`bot.services.warm`) are timed twice: as asked again
   (warm), "cold: after a write", each call reading the store, and "after an own write
   elsewhere" (of another event by another athlete: those stay warm).
3. Time the *floor* of each: the very SQL the repositories ran for that call, replayed with
   the stdlib `sqlite3` module (+ fetchall) on the same file. The statements are captured
   from the repositories at run time, reading past the warm answers (a recording stand-in
   for the reader connection), so the floor follows the repositories as they change (a
   warm answer's floor is the same SQL: what answering it takes without the services'
   memory). Record lookups are answered from the
   in-memory RecordBook, so their floor is the equivalent indexed SQL over
   `record_entries`, written here.
4. Memory: the target is the peak RSS of Trackside alone, a child process that imports the
   bot, opens the store and answers every lookup (`bench.memory_child`); this process's
   own peak (Trackside plus the harness: samples, floor connection, timings; the store is
   generated in another child, whose peak is reported apart) is shown for information;
   tracemalloc peak of a separate service-layer pass (tracemalloc slows Python down, so it
   never runs while timing).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import math
import pstats
import random
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import cycle, islice
from pathlib import Path
from typing import Any, cast

from bench import generate
from bench.core import (
    Check,
    LatencyRow,
    Progress,
    Suite,
    SuiteReport,
    Timings,
    current_rss_mb,
    peak_rss_mb,
)
from bot.config import DEFAULT_DATA_DIR, Settings
from bot.domain.answers import TopListBy
from bot.domain.events import Sex, Venue
from bot.services.app import Trackside
from bot.services.warm import Touched
from bot.store.database import BUSY_TIMEOUT_MS, Database
from bot.store.reading import run_on
from bot.store.repositories import RecordRepository

TODAY = date(2026, 12, 31)  # answers say how long records have stood; pin the day
P99_TARGET_MS = 5.0
RATIO_TARGET = 2.0  # issue 10: every lookup within 2x of the SQL that answers it
LOAD_TARGET = 50_000  # results/s, the generated store's bulk load (the import's is 100,000/s)
MEMORY_TARGET_MB = 150.0  # issue 10: peak RSS with 1,000,000 results
DEFAULT_CALLS = 1_000
DEFAULT_WARMUP = 50
TRACEMALLOC_CALLS = 50  # per operation, in the memory pass
TOP_LIST_YEAR = 2015
PROFILE_CALLS = 300

Statement = tuple[str, tuple[Any, ...]]
ServiceCall = Callable[[Trackside, Any], Awaitable[object]]

# Top lists over several events: (what a user types, venue, sex).
TOP_LIST_EVENTS: tuple[tuple[str, Venue | None, Sex | None], ...] = (
    ("100m", Venue.OUTDOOR, Sex.MEN),
    ("400m", None, Sex.WOMEN),
    ("800m", None, Sex.MEN),
    ("1500m", Venue.OUTDOOR, Sex.WOMEN),
    ("mile", Venue.INDOOR, Sex.MEN),
    ("60m", None, Sex.WOMEN),
    ("110mh", Venue.OUTDOOR, None),
    ("long jump", Venue.OUTDOOR, Sex.MEN),
    ("shot put", None, Sex.WOMEN),
    ("marathon", None, Sex.MEN),
)


# --------------------------------------------------------------------------- operations


@dataclass
class Operation:
    """One lookup: its distinct inputs, how the service answers one, and its floor.

    Calls cycle through `samples` until there are `calls` of them. `floor` holds, per
    sample, the statements the floor runs; None until `_capture_floors` records what the
    repositories run (record lookups give theirs up front: they run no SQL).
    """

    name: str
    samples: list[Any]
    call: ServiceCall
    calls: int
    floor: list[list[Statement]] | None = None
    floor_note: str = "same SQL as the repository, stdlib sqlite3 + fetchall"

    @property
    def inputs(self) -> list[Any]:
        return list(islice(cycle(self.samples), self.calls))

    @property
    def floor_inputs(self) -> list[list[Statement]]:
        assert self.floor is not None, "floor not captured yet"
        return list(islice(cycle(self.floor), self.calls))


def _record_entries_sql(extra_where: str, order: str) -> str:
    # RecordRepository._SELECT is the SELECT ... FROM ... JOIN the RecordBook is loaded
    # with; the WHERE uses the record_entries_by_record index columns.
    return (
        RecordRepository._SELECT
        + " WHERE e.event_key = ? AND e.list = ? AND e.scope_kind = 'world' "
        # Only entries that count (RecordEntry.counts): neither rejected nor superseded.
        + "AND e.scope_code = 'world' AND e.status != 'rejected' AND e.superseded = 0 "
        + extra_where
        + " ORDER BY "
        + order
    )


# The standing record of each sex: the counting entries with the best mark on file
# (equalled records have several). The mile is a time, so the best mark is the lowest.
_RECORD_SQL = _record_entries_sql(
    "AND e.sex IN ('M', 'W') AND e.mark = (SELECT min(x.mark) FROM record_entries x "
    "WHERE x.event_key = e.event_key AND x.list = e.list AND x.sex = e.sex "
    "AND x.scope_kind = e.scope_kind AND x.scope_code = e.scope_code "
    "AND x.status != 'rejected' AND x.superseded = 0)",
    "e.sex, e.date, e.id",
)
# One record's progression, oldest first, as the RecordBook shows it.
_PROGRESSION_SQL = _record_entries_sql("AND e.sex = 'M'", "e.date, e.id")


def _operations(samples: Samples, calls: int) -> list[Operation]:
    in_memory = "RecordBook in memory; floor: indexed SQL over record_entries"
    ops = [
        Operation(
            "record: mile indoor",
            [None],
            lambda app, _: app.record("mile", Venue.INDOOR, None, None),
            calls,
            floor=[[(_RECORD_SQL, ("mile", "indoor"))]],
            floor_note=in_memory,
        ),
        Operation(
            "progression: mile indoor men",
            [None],
            lambda app, _: app.progression("mile", Venue.INDOOR, Sex.MEN, None),
            calls,
            floor=[[(_PROGRESSION_SQL, ("mile", "indoor"))]],
            floor_note=in_memory,
        ),
        Operation(
            f"athlete profile: {len(samples.athletes)} synthetic",
            samples.athletes,
            lambda app, name: app.athlete_profile(name),
            calls,
        ),
        Operation(
            "athlete profile: Jakob Ingebrigtsen",
            ["Jakob Ingebrigtsen"],
            lambda app, name: app.athlete_profile(name),
            calls,
        ),
        Operation(
            f"head-to-head: {len(samples.pairs)} pairs that met",
            samples.pairs,
            lambda app, pair: app.rivalry(*pair),
            calls,
        ),
    ]
    for year in (None, TOP_LIST_YEAR):
        for by in (TopListBy.PERFORMANCES, TopListBy.PERFORMERS):
            label = "all-time" if year is None else str(year)
            specs = [(event, venue, sex, year, by) for event, venue, sex in TOP_LIST_EVENTS]
            ops.append(
                Operation(
                    f"top list: {label}, {by.value}, {len(specs)} events",
                    specs,
                    lambda app, spec: app.top_list(*spec),
                    calls,
                )
            )
    kept = [op for op in ops if op.floor is None]
    return ops + [_cold(op) for op in kept] + [_after_write_elsewhere(op) for op in kept]


COLD = " (cold: after a write)"


def _cold(op: Operation) -> Operation:
    """The same lookup right after a write: nothing kept warm (`bot.services.warm`), so
    every call reads the store."""
    lookup = op.call

    async def call(app: Trackside, args: Any) -> object:
        app.warm.forget_all()
        return await lookup(app, args)

    return Operation(op.name + COLD, op.samples, call, op.calls)


ELSEWHERE = " (after an own write elsewhere)"
# What our own write of one 10,000 m result (an event on no list timed here) by an
# athlete nobody asks about (ids start at 1) tells the warm answers: `Touched`, as
# `Trackside.reload_records` passes it on when the write set no record.
WRITE_ELSEWHERE = Touched(events={"10000m"}, athletes={0})


def _after_write_elsewhere(op: Operation) -> Operation:
    """The same lookup right after our own write of another event by another athlete:
    only the answers that write can change are dropped (`WarmAnswers.forget`), so these
    stay warm."""
    lookup = op.call

    async def call(app: Trackside, args: Any) -> object:
        app.warm.forget(WRITE_ELSEWHERE.dependencies())
        return await lookup(app, args)

    return Operation(op.name + ELSEWHERE, op.samples, call, op.calls)


async def _reload_watched(app: Trackside) -> tuple[float, float]:
    """A full reload (`Trackside.reload`: after a big import by another process), and the
    longest the event loop went without a turn meanwhile, both in ms: a task that wakes
    every millisecond notes each gap (the reload's work runs on worker threads)."""
    gaps: list[float] = []
    done = asyncio.Event()

    async def tick() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    ticker = asyncio.create_task(tick())
    await asyncio.sleep(0)
    started = time.perf_counter()
    await app.reload()
    took = time.perf_counter() - started
    done.set()
    await ticker
    return took * 1000, max(gaps, default=0.0) * 1000


# --------------------------------------------------------------------------- samples


@dataclass(frozen=True)
class Samples:
    athletes: list[str]  # names of synthetic athletes
    pairs: list[tuple[str, str]]  # names of two athletes who ran the same race


_FIELD_IDS = 500  # a generated race's field lies within this many ids of each of its results


def _samples(conn: sqlite3.Connection, seed: int, count: int) -> Samples:
    rng = random.Random(seed)
    names = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM athletes WHERE source = ? AND is_team = 0 ORDER BY id",
            (generate.SOURCE,),
        )
    ]
    athletes = rng.sample(names, min(count, len(names)))

    low, high = conn.execute(
        "SELECT min(id), max(id) FROM results WHERE source = ?", (generate.SOURCE,)
    ).fetchone()
    pairs: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    while len(pairs) < count:
        drawn = rng.randint(low, high)
        race = conn.execute(
            "SELECT competition, date, event_key, round, sex FROM results WHERE id = ?", (drawn,)
        ).fetchone()
        # The same race, sex included: the men's and women's races of an event at one
        # meeting share competition, date, event and round. The generator writes a race's
        # field together, so it lies among the ids around the one drawn (no index of the
        # store finds a race's field: the bot never asks for one).
        field = [
            row[0]
            for row in conn.execute(
                "SELECT a.name FROM results r JOIN athletes a ON a.id = r.athlete_id "
                "WHERE r.id BETWEEN ? AND ? AND r.competition = ? AND r.date = ? "
                "AND r.event_key = ? AND r.round = ? AND r.sex = ? ORDER BY a.id",
                (drawn - _FIELD_IDS, drawn + _FIELD_IDS, *race),
            )
        ]
        if len(field) < 2:
            continue
        pair = cast(tuple[str, str], tuple(rng.sample(field, 2)))
        if pair not in seen:
            seen.add(pair)
            pairs.append(pair)
    return Samples(athletes, pairs)


# --------------------------------------------------------------------------- capturing SQL


class _RecordingReader:
    """Stands in for the aiosqlite reader: runs every query and remembers (sql, params)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.statements: list[Statement] = []

    async def execute_fetchall(self, sql: str, parameters: Sequence[Any] | None = None) -> Any:
        self.statements.append((sql, tuple(parameters or ())))
        return await self._inner.execute_fetchall(sql, parameters)

    async def run_sync(self, fn: Callable[..., Any], *args: Any) -> Any:
        """What `bot.store.reading.run_on` calls: fn as the store's reader runs it, over a
        connection that records each statement it executes."""

        def recorded(conn: sqlite3.Connection, *rest: Any) -> Any:
            return fn(_RecordingConnection(conn, self.statements), *rest)

        return await run_on(self._inner, recorded, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _RecordingConnection:
    """Stands in for the sqlite3 connection inside a function run on the reader's thread."""

    def __init__(self, inner: sqlite3.Connection, statements: list[Statement]) -> None:
        self._inner = inner
        self._statements = statements

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> sqlite3.Cursor:
        self._statements.append((sql, tuple(parameters)))
        return self._inner.execute(sql, parameters)


class _RecordingDatabase:
    def __init__(self, db: Database) -> None:
        self.reader = _RecordingReader(db.reader)


async def _capture_floors(app: Trackside, ops: Sequence[Operation]) -> None:
    """Fill in each operation's floor with the statements its repositories run per input."""
    recording = _RecordingDatabase(app.db)
    twin = Trackside(cast(Database, recording), app.reference, today=app.today)
    # Share the loaded in-memory indexes instead of loading them again.
    twin.book = app.book
    twin.athlete_index = app.athlete_index
    for op in ops:
        if op.floor is not None:
            continue
        floors = []
        for args in op.samples:
            recording.reader.statements.clear()
            twin.warm.forget_all()  # the floor is what reading the answer from the store runs
            await op.call(twin, args)
            floors.append(list(recording.reader.statements))
        op.floor = floors


# --------------------------------------------------------------------------- timing


async def _time_service(app: Trackside, op: Operation, warmup: int) -> Timings:
    inputs = op.inputs
    for args in inputs[:warmup]:
        await op.call(app, args)
    durations = []
    clock = time.perf_counter_ns
    for args in inputs:
        start = clock()
        await op.call(app, args)
        durations.append(clock() - start)
    return Timings.from_ns(durations)


def _time_floor(conn: sqlite3.Connection, op: Operation, warmup: int) -> Timings:
    inputs = op.floor_inputs
    for statements in inputs[:warmup]:
        for sql, params in statements:
            conn.execute(sql, params).fetchall()
    durations = []
    clock = time.perf_counter_ns
    for statements in inputs:
        start = clock()
        for sql, params in statements:
            conn.execute(sql, params).fetchall()
        durations.append(clock() - start)
    return Timings.from_ns(durations)


def _floor_connection(path: Path) -> sqlite3.Connection:
    """A stdlib connection configured like the service's reader (see bot/store/database.py)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA query_only = ON")
    conn.row_factory = sqlite3.Row  # what aiosqlite.Row is
    return conn


def _plans(conn: sqlite3.Connection, op: Operation) -> list[dict[str, Any]]:
    """EXPLAIN QUERY PLAN of the operation's floor statements, one entry per distinct plan."""
    assert op.floor is not None
    plans: dict[tuple[str, ...], str] = {}
    for statements in op.floor:
        for sql, params in statements:
            rows = conn.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
            # Drop the node ids: the same plan of a variant statement numbers them anew.
            plan = tuple(str(row[3]) for row in rows)
            plans.setdefault(plan, " ".join(sql.split()))
    return [{"sql": sql, "plan": list(plan)} for plan, sql in plans.items()]


def _loop_reads(app: Trackside) -> str:
    """How the answers were read (`bot.store.reading`): on the event loop, or stopped at the
    budget (or locked out) and read again on the reader's thread."""
    reader = app.db.reader
    on_loop, moved = getattr(reader, "on_loop", None), getattr(reader, "moved", None)
    if on_loop is None or moved is None:
        return "reads: on the reader's thread"
    return (
        f"reads: {on_loop:,} answers on the event loop, {moved:,} past the "
        f"{reader.budget.budget_s * 1000:g} ms budget read again on the reader's thread"
    )


async def _profile(app: Trackside, op: Operation) -> str:
    """Top functions (by own time) of PROFILE_CALLS service calls of one operation.

    The event loop runs in this thread, so the profile covers the service layer and the
    loop; the SQLite work itself happens in aiosqlite's thread and shows up as time spent
    waiting for it (select/epoll).
    """
    profiler = cProfile.Profile()
    profiler.enable()
    for args in op.inputs[:PROFILE_CALLS]:
        await op.call(app, args)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
    return out.getvalue()


# --------------------------------------------------------------------------- the suite


def add_arguments(group: argparse._ArgumentGroup) -> None:
    generate.add_arguments(group)
    group.add_argument(
        "--calls",
        type=int,
        default=DEFAULT_CALLS,
        help=f"timed calls per lookup (default {DEFAULT_CALLS:,})",
    )
    group.add_argument(
        "--warmup",
        type=int,
        default=DEFAULT_WARMUP,
        help=f"untimed calls first (default {DEFAULT_WARMUP})",
    )
    group.add_argument(
        "--only",
        action="append",
        metavar="TEXT",
        help="time only lookups whose name contains TEXT (repeatable), e.g. --only 'top list'",
    )
    group.add_argument(
        "--explain", action="store_true", help="print EXPLAIN QUERY PLAN of every floor statement"
    )
    group.add_argument(
        "--profile", action="store_true", help="print a cProfile summary of each lookup"
    )


async def run(args: argparse.Namespace) -> SuiteReport:
    progress = Progress(enabled=not args.quiet)
    config = generate.config_from(args)
    with tempfile.TemporaryDirectory(prefix="trackside-bench-") as scratch:
        # Generated in a child process: this one's peak RSS is then Trackside's (plus the
        # harness), not the generator's.
        load = await generate.ensure_store(
            args.db, config, progress, Path(scratch), in_subprocess=True
        )
        return await _measure(args, load, progress)


async def _measure(
    args: argparse.Namespace, load: generate.LoadReport, progress: Progress
) -> SuiteReport:
    path = Path(load.path)
    rss_after_generation = peak_rss_mb()
    settings = Settings(database_path=path, data_dir=DEFAULT_DATA_DIR)

    started = time.perf_counter()
    app = await Trackside.open(settings, seed_data=False, today=lambda: TODAY)
    startup_ms = (time.perf_counter() - started) * 1000
    floor_conn = _floor_connection(path)
    report = SuiteReport("store", "Trackside store benchmark")
    try:
        samples = _samples(floor_conn, _sample_seed(args), args.calls)
        ops = [
            op
            for op in _operations(samples, args.calls)
            if not args.only or any(text in op.name for text in args.only)
        ]
        progress("capturing the SQL each lookup runs")
        await _capture_floors(app, ops)

        timings: dict[str, dict[str, Any]] = {}
        for op in ops:
            progress(f"timing {op.name}")
            service = await _time_service(app, op, args.warmup)
            floor = _time_floor(floor_conn, op, args.warmup)
            report.latency.append(
                LatencyRow(
                    operation=op.name,
                    calls=op.calls,
                    p50_ms=service.p50,
                    p99_ms=service.p99,
                    floor_p50_ms=floor.p50,
                    floor_p99_ms=floor.p99,
                    p99_target_ms=P99_TARGET_MS,
                    ratio_target=RATIO_TARGET,
                    floor_note=op.floor_note,
                )
            )
            timings[op.name] = {
                "service": service.summary(),
                "floor": floor.summary(),
                "statements_per_call": len(op.floor[0]) if op.floor else 0,
                "plans": _plans(floor_conn, op),
            }
        rss_after_lookups = peak_rss_mb()
        report.notes.append(_loop_reads(app))
        progress("a full reload, the event loop watched")
        reload_ms, gap_ms = await _reload_watched(app)

        if args.profile:
            for op in ops:
                progress(f"profiling {op.name}")
                report.notes.append(f"profile of {op.name}:\n{await _profile(app, op)}")
    finally:
        floor_conn.close()
        await app.close()

    progress("memory pass (tracemalloc)")
    traced_peak_mb = await _traced_service_pass(settings, ops)
    progress("memory pass (Trackside alone, in a child process)")
    alone = await _memory_alone(path, samples, args.calls)

    _add_checks(report, load, rss_after_generation, rss_after_lookups, traced_peak_mb)
    _add_memory_alone(report, alone)
    report.checks.append(
        Check("startup: Trackside.open + reload", f"{startup_ms:,.0f} ms", "-", None)
    )
    report.checks.append(
        Check(
            "a full reload (as after a big import elsewhere; info)",
            f"{reload_ms:,.0f} ms; the event loop's longest wait for a turn {gap_ms:.1f} ms",
            "-",
            None,
        )
    )
    report.notes.extend(_notes(load, samples, args))
    if args.explain:
        for name, figures in timings.items():
            for plan in figures["plans"]:
                report.notes.append(
                    f"plan for {name}: {plan['sql'][:160]}...\n      "
                    + "\n      ".join(plan["plan"])
                )
    report.figures = {
        "load": load.to_json(),
        "lookups": timings,
        "memory": {
            "peak_rss_after_generation_mb": rss_after_generation,
            "peak_rss_after_lookups_mb": rss_after_lookups,
            "rss_now_mb": current_rss_mb(),
            "tracemalloc_peak_service_mb": traced_peak_mb,
            "trackside_alone_mb": alone,
        },
        "startup_ms": startup_ms,
        "calls": args.calls,
        "warmup": args.warmup,
    }
    return report


def _sample_seed(args: argparse.Namespace) -> int:
    # Samples use their own stream so that changing them never changes the generated data.
    return int(args.seed) + 1


async def _traced_service_pass(settings: Settings, ops: Sequence[Operation]) -> float:
    """tracemalloc peak (MB) of opening Trackside and serving every lookup a while."""
    tracemalloc.start()
    try:
        app = await Trackside.open(settings, seed_data=False, today=lambda: TODAY)
        try:
            for op in ops:
                for args in op.inputs[:TRACEMALLOC_CALLS]:
                    await op.call(app, args)
        finally:
            await app.close()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / (1024 * 1024)


async def _memory_alone(path: Path, samples: Samples, calls: int) -> dict[str, dict[str, float]]:
    """/proc/self/status figures (MB) of a child process that only imports the bot, opens
    this store and answers every lookup `calls` times (`bench.memory_child`): the memory
    of Trackside itself, without this harness's."""
    job = {"db": str(path), "athletes": samples.athletes, "pairs": samples.pairs, "calls": calls}
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.memory_child",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await child.communicate(json.dumps(job).encode())
    if child.returncode:
        raise RuntimeError(f"bench.memory_child failed (exit status {child.returncode})")
    steps: dict[str, dict[str, float]] = json.loads(out)
    return steps


def _add_memory_alone(report: SuiteReport, steps: dict[str, dict[str, float]]) -> None:
    peak = steps["after lookups"].get("VmHWM", math.nan)
    parts = ", ".join(
        f"{step}: RSS {got.get('VmRSS', math.nan):,.1f} "
        f"(anon {got.get('RssAnon', math.nan):,.1f}, file {got.get('RssFile', math.nan):,.1f})"
        for step, got in steps.items()
    )
    report.checks.append(
        Check(
            "peak RSS of Trackside alone (child process, MB)",
            f"{peak:,.1f}",
            f"<= {MEMORY_TARGET_MB:g}",
            peak <= MEMORY_TARGET_MB,
            parts,
        )
    )


def _add_checks(
    report: SuiteReport,
    load: generate.LoadReport,
    rss_after_generation: float,
    rss_after_lookups: float,
    traced_peak_mb: float,
) -> None:
    when = "" if load.generated else f"recorded when generated, {load.generated_at}"
    rate = load.rate_excluding_build
    report.checks.append(
        Check(
            "bulk load: insert, build indexes, commit (results/s)",
            f"{rate:,.0f}",
            f">= {LOAD_TARGET:,}",
            rate >= LOAD_TARGET,
            when,
        )
    )
    report.checks.append(  # the generator's random draws are no work of the bot's: info
        Check(
            "bulk load, incl. generating the rows (results/s)",
            f"{load.rate_including_build:,.0f}",
            "-",
            None,
            when,
        )
    )
    if load.generated:
        report.checks.append(
            Check("generator's peak RSS (child process, MB)", f"{load.peak_rss_mb:,.1f}", "-", None)
        )
    report.checks.append(
        Check("peak RSS before Trackside.open (MB)", f"{rss_after_generation:,.1f}", "-", None)
    )
    report.checks.append(
        Check(
            "peak RSS of this process after lookups (MB)",
            f"{rss_after_lookups:,.1f}",
            "-",
            None,
            "the harness's share included: samples, floor connection, timings",
        )
    )
    report.checks.append(
        Check(
            "tracemalloc peak, service phase (MB)",
            f"{traced_peak_mb:,.1f}",
            f"<= {MEMORY_TARGET_MB:g}",
            traced_peak_mb <= MEMORY_TARGET_MB,
        )
    )


def _notes(load: generate.LoadReport, samples: Samples, args: argparse.Namespace) -> list[str]:
    first, last = (min(load.batch_rates), max(load.batch_rates)) if load.batch_rates else (0, 0)
    reused = "reused" if not load.generated else "generated this run"
    return [
        f"store: {load.path} ({reused}; {load.file_mb:,.0f} MB): {load.results:,} synthetic "
        f"results in {load.races:,} races at {load.meeting_days:,} meeting days, "
        f"{load.athletes:,} athletes ({load.teams:,} relay teams), "
        f"+{load.reference_results} reference results",
        f"load: generating {load.seconds_build:.1f} s, insert {load.seconds_insert:.1f} s "
        f"(an import's bulk path, bot.store.bulk: one transaction, batches of "
        f"{generate.DEFAULT_BATCH:,} at {first:,.0f}..{last:,.0f}/s, the indexes built once "
        f"after), athletes {load.seconds_athletes:.1f} s, "
        f"migrate+seed {load.seconds_migrate_seed:.1f} s, total {load.seconds_total:.1f} s",
        f"latency: {args.calls:,} timed calls per lookup after {args.warmup} warm-up calls; "
        "ratio = service p50 / floor p50; floor = the repository's SQL replayed with stdlib "
        "sqlite3 (+ fetchall, sqlite3.Row) on the same file",
        f"samples: {len(samples.athletes):,} synthetic athletes, {len(samples.pairs):,} pairs "
        f"who ran the same race; top lists over {len(TOP_LIST_EVENTS)} events, "
        f"all-time and {TOP_LIST_YEAR}",
        "tracemalloc runs in a separate pass (Trackside.open + "
        f"{TRACEMALLOC_CALLS} calls per lookup), never while timing",
    ]


SUITE = Suite(
    name="store",
    help="generated store: bulk load, lookup latency vs raw SQL, memory",
    run=run,
    add_arguments=add_arguments,
    order=10,
)
