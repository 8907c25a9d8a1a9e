"""The PostgreSQL suite: the store suite's lookups on PostgreSQL beside SQLite, one run.

1. Generate (or reuse) the synthetic SQLite store of `bench.generate` (1,000,000 results
   by default) and copy it into a new PostgreSQL database with `trackside db copy`'s code.
2. Time each lookup of the store suite through the service layer on both stores: the
   table's "floor" columns are SQLite's figures here, and the ratio PostgreSQL/SQLite
   (target: every read within 1.5x).
3. Announcement throughput: 1,000 subscribed channels, one record, delivered by two OS
   processes claiming with leases against the same PostgreSQL (Discord simulated: a
   repeated nonce gets the message already created); counts duplicates and losses.

PostgreSQL: --pg-url, or TRACKSIDE_BENCH_PG / TRACKSIDE_TEST_PG (a server URL; the suite
creates and drops its own databases there). `.ci/pg start DIR` starts a throwaway one.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bench import generate, store_bench
from bench.core import Check, LatencyRow, Progress, Suite, SuiteReport
from bot.config import DEFAULT_DATA_DIR, Secret, Settings
from bot.services.app import Trackside
from bot.store.copy import copy_store
from bot.store.database import Database

RATIO_TARGET = 1.5
CHANNELS = 1_000
WORKERS = 2
IN_FLIGHT = 8  # bot/cogs/announcer.py MAX_CHANNELS_AT_ONCE


def _server_url(args: argparse.Namespace) -> str:
    url = (
        args.pg_url
        or os.environ.get("TRACKSIDE_BENCH_PG")
        or os.environ.get("TRACKSIDE_TEST_PG", "")
    )
    if not url:
        raise SystemExit(
            "the postgres suite needs a PostgreSQL server: --pg-url postgresql://…, or "
            'TRACKSIDE_BENCH_PG (eval "$(.ci/pg start /tmp/pg)" starts a throwaway one)'
        )
    return url


def _database_url(server: str, name: str) -> str:
    return urlunsplit(urlsplit(server)._replace(path=f"/{name}"))


async def _create(server: str, name: str | None = None) -> str:
    name = name or f"bench_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(server)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return name


async def _drop(server: str, name: str) -> None:
    conn = await asyncpg.connect(server)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def add_arguments(group: argparse._ArgumentGroup) -> None:
    store_bench.add_arguments(group)
    group.add_argument("--pg-url", help="PostgreSQL server URL (default: TRACKSIDE_BENCH_PG)")
    group.add_argument(
        "--in-flight",
        type=int,
        default=IN_FLIGHT,
        help=f"channels each delivering process posts to at once (default {IN_FLIGHT}, "
        "the announcer's MAX_CHANNELS_AT_ONCE)",
    )
    group.add_argument(
        "--pg-reuse",
        action="store_true",
        help="keep the PostgreSQL copy of the store (database bench_kept_…) and reuse it "
        "next time instead of copying again",
    )


async def run(args: argparse.Namespace) -> SuiteReport:
    progress = Progress(enabled=not args.quiet)
    server = _server_url(args)
    config = generate.config_from(args)
    report = SuiteReport("postgres", "PostgreSQL beside SQLite")
    with tempfile.TemporaryDirectory(prefix="trackside-bench-") as scratch:
        load = await generate.ensure_store(args.db, config, progress, Path(scratch))
        kept = _kept_name(config) if args.pg_reuse else None
        if kept and await _copied(server, kept):
            name = kept
            progress(f"reusing the PostgreSQL copy {name} (--pg-reuse)")
            report.checks.append(Check("copy SQLite -> PostgreSQL", f"reused {name}", "-", None))
        else:
            name = await _create(server, kept)
        url = _database_url(server, name)
        try:
            if name != kept or not await _copied(server, name):
                await _copy(Path(load.path), url, report, progress)
                if kept:
                    await _mark_copied(url)
            await _lookups(args, Path(load.path), url, report, progress)
        finally:
            if name != kept:
                await _drop(server, name)
        await _throughput(server, report, progress, args.in_flight)
    return report


def _kept_name(config: generate.GenerateConfig) -> str:
    """The database --pg-reuse keeps: named after what decides its rows and their layout
    (`bot.store.copy.LAYOUT`)."""
    from bot.store.copy import LAYOUT
    from bot.store.postgres import migrations

    identity = "_".join(str(v) for v in config.identity().values())
    return f"bench_kept_{identity}_v{len(migrations())}_l{LAYOUT}"


async def _copied(server: str, name: str) -> bool:
    """Whether database `name` exists and a copy into it finished."""
    conn = await asyncpg.connect(server)
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            return False
    finally:
        await conn.close()
    conn = await asyncpg.connect(_database_url(server, name))
    try:
        return bool(await conn.fetchval("SELECT to_regclass('bench_copied') IS NOT NULL"))
    finally:
        await conn.close()


async def _mark_copied(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("CREATE TABLE bench_copied (at TIMESTAMPTZ DEFAULT now())")
    finally:
        await conn.close()


async def _copy(path: Path, url: str, report: SuiteReport, progress: Progress) -> None:
    progress(f"copying {path} into PostgreSQL")
    started = time.perf_counter()
    source = await Database.open(path)
    target = await Database.open(url)
    try:
        counts = await copy_store(source, target)
    finally:
        await target.close()
        await source.close()
    copy_s = time.perf_counter() - started
    report.checks.append(
        Check(
            "copy SQLite -> PostgreSQL",
            f"{counts['results']:,} results in {copy_s:,.0f} s",
            "-",
            None,
        )
    )


async def _lookups(
    args: argparse.Namespace, path: Path, url: str, report: SuiteReport, progress: Progress
) -> None:
    today = store_bench.TODAY
    lite = await Trackside.open(Settings(database_path=path, data_dir=DEFAULT_DATA_DIR),
                                seed_data=False, today=lambda: today)  # fmt: skip
    started = time.perf_counter()
    post = await Trackside.open(
        Settings(database_url=Secret(url), data_dir=DEFAULT_DATA_DIR),
        seed_data=False,
        today=lambda: today,
    )
    startup_ms = (time.perf_counter() - started) * 1000
    floor_conn = store_bench._floor_connection(path)
    try:
        samples = store_bench._samples(floor_conn, store_bench._sample_seed(args), args.calls)
        ops = [
            op
            for op in store_bench._operations(samples, args.calls)
            if not args.only or any(text in op.name for text in args.only)
        ]
        figures = {}
        for op in ops:
            progress(f"timing {op.name} on SQLite and PostgreSQL")
            on_sqlite = await store_bench._time_service(lite, op, args.warmup)
            on_postgres = await store_bench._time_service(post, op, args.warmup)
            report.latency.append(
                LatencyRow(
                    operation=op.name,
                    calls=op.calls,
                    p50_ms=on_postgres.p50,
                    p99_ms=on_postgres.p99,
                    floor_p50_ms=on_sqlite.p50,
                    floor_p99_ms=on_sqlite.p99,
                    p99_target_ms=store_bench.P99_TARGET_MS,
                    ratio_target=RATIO_TARGET,
                    floor_note="SQLite",
                )
            )
            figures[op.name] = {"postgresql": on_postgres.summary(), "sqlite": on_sqlite.summary()}
        report.figures["lookups"] = figures
    finally:
        floor_conn.close()
        await post.close()
        await lite.close()
    report.checks.append(
        Check("PostgreSQL startup: Trackside.open + reload", f"{startup_ms:,.0f} ms", "-", None)
    )
    report.notes.append(
        "latency table: p50/p99 are PostgreSQL's, the floor columns SQLite's (same lookups, "
        "same samples, one run); ratio = PostgreSQL / SQLite p50, target <= 1.5"
    )


def _deliver_worker(url: str, in_flight: int) -> tuple[int, list[str], float, float]:
    """One OS process: claim and 'post' until nothing is pending; returns (posts, nonces,
    when it first claimed, when it finished) (time.time())."""
    return asyncio.run(_deliver(url, in_flight))


async def _deliver(url: str, in_flight: int) -> tuple[int, list[str], float, float]:
    """As the announcer (bot/cogs/announcer.py) drives DeliveryLog: up to `in_flight`
    channels posting at once, one post per channel at a time, claiming for free channels
    only; a 'post' is instant (Discord simulated), so this measures the store's side."""
    from bot.services.delivery import Delivery, DeliveryLog, nonce_for

    app = await Trackside.open(Settings(database_url=Secret(url)), seed_data=False)
    log = DeliveryLog(app)
    nonces: list[str] = []
    posting: dict[int, asyncio.Task[None]] = {}
    first = 0.0

    async def post(delivery: Delivery) -> None:
        nonces.append(nonce_for(delivery))
        await log.posted(delivery, len(nonces), delivery.channel_id)

    try:
        while True:
            free = in_flight - len(posting)
            batch = await log.claim(limit=free, busy=posting.keys()) if free else []
            if batch and not first:
                first = time.time()
            for delivery in batch:
                posting[delivery.channel_id] = asyncio.create_task(post(delivery))
            if posting:
                done, _ = await asyncio.wait(posting.values(), return_when=asyncio.FIRST_COMPLETED)
                for channel, task in list(posting.items()):
                    if task in done:
                        del posting[channel]
                        task.result()  # a failed post fails the run
                continue
            if not (await log.counts()).get("pending"):
                break
            await asyncio.sleep(0.01)  # the rest is leased to the other process
    finally:
        await app.close()
    return len(nonces), nonces, first, time.time()


async def _throughput(server: str, report: SuiteReport, progress: Progress, in_flight: int) -> None:
    from bot.services.writes import Actor, ResultDraft, Writes

    millrose = ResultDraft(  # Nuguse's 3:46.63 world indoor mile record, 8 Feb 2025
        athlete="Yared Nuguse", event="mile", mark="3:46.63", venue="indoor",
        date="2025-02-08", competition="Millrose Games", city="New York", country="USA",
        place=1,
    )  # fmt: skip

    name = await _create(server)
    url = _database_url(server, name)
    try:
        progress(f"queueing one record for {CHANNELS:,} subscribed channels")
        app = await Trackside.open(
            Settings(database_url=Secret(url)), as_of=datetime(2025, 2, 7, tzinfo=UTC).date()
        )
        try:
            writes = Writes(app)
            for i in range(CHANNELS):
                await writes.set_alerts(Actor(user_id=1, guild_id=10_000 + i), 20_000 + i)
            await writes.add_result(millrose, Actor(user_id=1, guild_id=10_000))
        finally:
            await app.close()
        progress(f"delivering with {WORKERS} processes")
        started = time.perf_counter()
        with multiprocessing.get_context("spawn").Pool(WORKERS) as pool:
            results = pool.starmap(_deliver_worker, [(url, in_flight)] * WORKERS)
        seconds = time.perf_counter() - started
        nonces = [n for _, batch, _, _ in results for n in batch]
        # From the first claim to the last post: without the processes' start-up.
        posting_s = max(r[3] for r in results) - min(r[2] for r in results if r[2])
        conn = await asyncpg.connect(url)
        try:
            delivered = await conn.fetchval(
                "SELECT count(*) FROM deliveries WHERE status = 'delivered'"
            )
        finally:
            await conn.close()
        duplicates = len(nonces) - len(set(nonces))
        lost = CHANNELS - delivered
        report.checks.append(
            Check(
                f"announcement throughput, {WORKERS} processes x {in_flight} channels in "
                f"flight, {CHANNELS:,} channels",
                f"{delivered / posting_s:,.0f} deliveries/s ({posting_s:.1f} s posting, "
                f"{seconds:.1f} s with start-up; per process "
                f"{', '.join(str(r[0]) for r in results)})",
                "-",
                None,
            )
        )
        report.checks.append(
            Check(
                "duplicate / lost deliveries",
                f"{duplicates} / {lost}",
                "0 / 0",
                duplicates == 0 and lost == 0,
            )
        )
    finally:
        await _drop(server, name)


SUITE = Suite(
    name="postgres",
    help="PostgreSQL beside SQLite: the store lookups at 1,000,000 results, and "
    "announcement throughput with 2 processes and 1,000 channels",
    run=run,
    add_arguments=add_arguments,
    order=15,
)
