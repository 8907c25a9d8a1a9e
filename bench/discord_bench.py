"""The discord suite: interaction round trips of the real bot against a fake Discord.

Everything runs in this process, on 127.0.0.1, with the fake Discord of the e2e tests
(`tests/e2e/fake_discord.py`): discord.py is redirected to it and a socket guard refuses any
connection or DNS lookup that would leave the machine.

1. Generate (or reuse) the synthetic store of `bench.generate` (shared `--db`/`--results`).
2. The floor: a bot that only answers `/ping` with "pong" (`bench.discord_ping.PingBot`), on
   a fake Discord of its own. Its round trip is what discord.py, aiohttp, the gateway and the
   fake cost with no work at all in the handler. Timed alone first, for information.
3. The real `bot.bot.TracksideBot` on the generated store, on a second fake (a fake serves
   one gateway connection; both bots stay connected). For `/record mile indoor` (the target)
   and a few more read commands (for information), one after the other, the command and
   `/ping` take turns, one interaction each: both are timed over the same stretch of the
   run, so their ratio does not depend on how the machine's speed drifts (on a shared VM it
   does, by 20-30 % between batches a few seconds apart). Each row's floor is its own /ping
   half. The bot keeps answers warm until the next write (`bot.services.warm`): rows
   marked "cold: after a write" drop them before each interaction (outside the timed
   window), so that command reads the store and renders afresh every time; rows marked
   "after an own write elsewhere" drop only what our write of another event by another
   athlete can change (`WarmAnswers.forget`), which leaves them warm.

A round trip is from the fake writing INTERACTION_CREATE on the gateway socket
(`InteractionRecord.sent_at`) to the bot's interaction callback reaching the fake's handler
(`responded_at`), both `time.perf_counter`. Interactions are sequential: the next one goes out
only once the bot has finished the previous command (`on_app_command_completion`), so no bot
ever works on two at a time. Each answer is checked (accepted, public, the expected content)
outside the timed window.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import contextvars
import cProfile
import gc
import io
import json
import logging
import pstats
import random
import sqlite3
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import discord
import discord.gateway
import discord.http
import yarl

from bench import generate
from bench.core import Check, LatencyRow, Progress, Suite, SuiteReport, Timings, peak_rss_mb
from bench.discord_ping import PONG, PingBot
from bench.store_bench import ELSEWHERE, TOP_LIST_YEAR, WRITE_ELSEWHERE
from bench.store_bench import _samples as store_samples
from bot.bot import TracksideBot
from bot.config import DEFAULT_DATA_DIR, Settings
from bot.services.app import Trackside
from tests.e2e.fake_discord import (
    CallbackRecord,
    CallbackType,
    FakeDiscord,
    InteractionRecord,
    Violation,
)
from tests.e2e.launch import install_loopback_guard, is_loopback_host

P99_TARGET_MS = 20.0
RATIO_TARGET = 2.0  # every read command's p50 over the /ping floor's p50 (issue 10)
RECORD_RATIO_TARGET = 1.5  # /record, the showcase, closer still
READY_TARGET_MS = 2_000.0  # start to READY on the 1,000,000-result store
DEFAULT_INTERACTIONS = 1_000
DEFAULT_WARMUP = 100
ATHLETE_SAMPLES = 200  # distinct synthetic athletes /athlete cycles through
PROFILE_INTERACTIONS = 300

TOKEN = "bench-token"
READY_TIMEOUT = 60.0  # the Trackside bot opens a 1M-result store in setup_hook
SYNC_TIMEOUT = 10.0
RESPONSE_TIMEOUT = 5.0  # per interaction; Discord itself allows 3 s
CLOSE_TIMEOUT = 10.0
QUIET_LOGGERS = ("discord", "bot")
TARGET_LABEL = "/record mile indoor"
FLOOR_NOTE = (
    "a /ping-only bot (bench/discord_ping.py) on a second fake Discord, connected at the "
    "same time; each row's /ping interactions took turns with that row's command"
)

AnswerCheck = Callable[[CallbackRecord], str | None]  # None when the answer is right, else why


# --------------------------------------------------------------------------- commands


@dataclass
class Command:
    """One slash command as a user would send it, cycling through `options`."""

    label: str
    name: str
    options: list[dict[str, Any]]
    expect: AnswerCheck
    targeted: bool = False  # the suite's headline command (/record)
    # Each time as right after a write: the bot's warm answers (bot.services.warm) dropped
    # before the interaction goes out, so the command reads the store and renders anew.
    cold: bool = False
    # Each time as right after our own write of another event by another athlete
    # (bench.store_bench.WRITE_ELSEWHERE): only what that write can change is dropped.
    elsewhere: bool = False
    timings: Timings | None = None
    floor: Timings | None = None  # the /ping round trips that took turns with this command


def _embed_text(cb: CallbackRecord) -> str:
    return json.dumps(cb.embeds, ensure_ascii=False)


def _public_embed(*needles: str) -> AnswerCheck:
    def check(cb: CallbackRecord) -> str | None:
        if cb.type != CallbackType.CHANNEL_MESSAGE:
            return f"callback type {cb.type}, expected {int(CallbackType.CHANNEL_MESSAGE)}"
        if cb.ephemeral:
            return f"an ephemeral answer (an error?): {_embed_text(cb)[:300]}"
        if not cb.embeds:
            return f"no embed: {cb.data!r:.300}"
        text = _embed_text(cb)
        missing = [n for n in needles if n not in text]
        if missing:
            return f"embed lacks {missing}: {text[:300]}"
        return None

    return check


def _deferred(cb: CallbackRecord) -> str | None:
    """A command that defers (the chart of /progression takes a while) answers with a
    public "thinking..." first: its round trip is up to that callback."""
    if cb.type != CallbackType.DEFERRED_CHANNEL_MESSAGE or cb.ephemeral:
        return f"expected a public deferral, got type {cb.type}: {cb.data!r:.300}"
    return None


def _pong(cb: CallbackRecord) -> str | None:
    if cb.type != CallbackType.CHANNEL_MESSAGE or cb.content != PONG:
        return f"expected a public {PONG!r}, got type {cb.type}: {cb.data!r:.300}"
    return None


PING = Command("/ping", "ping", [{}], _pong)


COLD = " (cold: after a write)"
# A /toplist answers with its first page alone: its first 15 lines, the first ranked 1.
PAGE_ONE = ("Lines 1–15 · ", "`  1.` **")


def _trackside_commands(athletes: Sequence[str], pairs: Sequence[tuple[str, str]]) -> list[Command]:
    commands = _warm_commands(athletes, pairs)
    cold = ("/athlete: ", "/toplist mile indoor, by performers", "/toplist 1500m 2015", "/rivalry")
    return (
        commands
        + [
            replace(c, label=c.label + COLD, cold=True)
            for c in commands
            if c.label.startswith(cold)
        ]
        + [
            replace(c, label=c.label + ELSEWHERE, elsewhere=True)
            for c in commands
            if c.label.startswith(cold)
        ]
    )


def _warm_commands(athletes: Sequence[str], pairs: Sequence[tuple[str, str]]) -> list[Command]:
    return [
        Command(
            TARGET_LABEL,
            "record",
            [{"event": "mile", "venue": "indoor"}],
            _public_embed("Mile", "indoor"),
            targeted=True,
        ),
        Command(
            "/record 100m (both lists, both sexes)",
            "record",
            [{"event": "100m"}],
            _public_embed("100"),
        ),
        Command(
            f"/athlete: {len(athletes)} synthetic athletes",
            "athlete",
            [{"name": name} for name in athletes],
            _public_embed("Athlete "),
        ),
        Command(
            "/athlete Jakob Ingebrigtsen",
            "athlete",
            [{"name": "Jakob Ingebrigtsen"}],
            _public_embed("Ingebrigtsen"),
        ),
        Command(
            "/toplist 1500m", "toplist", [{"event": "1500m"}], _public_embed("1500", *PAGE_ONE)
        ),
        Command(
            "/toplist mile indoor, by performers",
            "toplist",
            [{"event": "mile", "venue": "indoor", "by": "performers"}],
            _public_embed("Mile", *PAGE_ONE),
        ),
        Command(
            f"/toplist 1500m {TOP_LIST_YEAR}, by performers",
            "toplist",
            [{"event": "1500m", "year": TOP_LIST_YEAR, "by": "performers"}],
            _public_embed("1500", *PAGE_ONE),
        ),
        Command(
            f"/rivalry: {len(pairs)} pairs that met",
            "rivalry",
            [{"athlete": first, "opponent": second} for first, second in pairs],
            _public_embed("Meetings"),
        ),
        Command("/records indoor", "records", [{"venue": "indoor"}], _public_embed("records")),
        Command(
            "/progression mile indoor men (deferral)",
            "progression",
            [{"event": "mile", "venue": "indoor", "sex": "men"}],
            _deferred,
        ),
    ]


def _synthetic_athletes(path: Path, seed: int, count: int) -> list[str]:
    """Names of synthetic (non-team) athletes with results, read from the store read-only."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        names = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM athletes a WHERE source = ? AND is_team = 0 "
                "AND EXISTS (SELECT 1 FROM results r WHERE r.athlete_id = a.id) ORDER BY id",
                (generate.SOURCE,),
            )
        ]
    finally:
        conn.close()
    if not names:
        raise RuntimeError(f"{path} holds no synthetic athletes with results")
    return random.Random(seed).sample(names, min(count, len(names)))


def _pairs(path: Path, seed: int, count: int) -> list[tuple[str, str]]:
    """Pairs of synthetic athletes who ran the same race (as the store suite samples them)."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return store_samples(conn, seed, count).pairs
    finally:
        conn.close()


# --------------------------------------------------------------------------- running bots


class _ErrorLog(logging.Handler):
    """Collects ERROR records of discord.py and the bot (exceptions in commands, events)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = f"{record.name}: {record.getMessage()}"
        if record.exc_info and record.exc_info[1] is not None:
            text += f": {record.exc_info[1]!r}"
        self.messages.append(text)


@contextlib.contextmanager
def _quiet_logging(errors: _ErrorLog) -> Any:
    """discord.py and the bot log at INFO and above; keep only WARNING+ (and count errors)."""
    saved = []
    for name in QUIET_LOGGERS:
        logger = logging.getLogger(name)
        saved.append((logger, logger.level))
        logger.setLevel(logging.WARNING)
        logger.addHandler(errors)
    try:
        yield
    finally:
        for logger, level in saved:
            logger.removeHandler(errors)
            logger.setLevel(level)


class _Completions:
    """Counts finished app commands (the bot's `on_app_command_completion`)."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.count = 0
        self._fake = fake

    async def on_app_command_completion(self, *_: object) -> None:
        self.count += 1
        self._fake.notify()


_FAKE_URLS: contextvars.ContextVar[tuple[str, yarl.URL]] = contextvars.ContextVar("fake_urls")


class _ContextURL:
    """A class attribute (`Route.BASE`, `DEFAULT_GATEWAY`) whose value is the one the
    reading task's context holds: each bot's tasks inherit the context of the task that
    started the bot, so a request that bot makes at any moment (a paginator's timeout edit
    180 s later, while the bench talks to the other bot) goes to that bot's own fake."""

    def __init__(self, index: int, default: object) -> None:
        self._index = index
        self._default = default

    def __get__(self, obj: object, owner: type | None = None) -> object:
        urls = _FAKE_URLS.get(None)
        return self._default if urls is None else urls[self._index]


class _Redirect:
    """Points discord.py (this process) at one fake or the other, and back at the end.

    What `FakeDiscord.redirect_discord` does, for two fakes: `Route.BASE` and the default
    gateway become per-context values (`_ContextURL`); `point_at` sets them for the calling
    task and every task it starts afterwards (a bot started then keeps talking to that fake,
    whatever the bench points at later).
    """

    def __init__(self) -> None:
        self._saved = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
        self._urls: dict[int, tuple[str, yarl.URL]] = {}
        discord.http.Route.BASE = _ContextURL(0, self._saved[0])  # type: ignore[assignment]
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = _ContextURL(1, self._saved[1])  # type: ignore[assignment]

    def point_at(self, fake: FakeDiscord) -> None:
        urls = self._urls.get(id(fake))
        if urls is None:
            for url in (fake.api_base, fake.gateway_url):
                if not is_loopback_host(urlsplit(url).hostname):
                    raise RuntimeError(f"refusing to point discord.py at {url}")
            urls = self._urls[id(fake)] = (fake.api_base, yarl.URL(fake.gateway_url))
        _FAKE_URLS.set(urls)

    def restore(self) -> None:
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = self._saved


@dataclass
class _Bot:
    """A bot connected to its own fake."""

    what: str
    client: discord.Client
    fake: FakeDiscord
    completions: _Completions
    ready_ms: float


@contextlib.asynccontextmanager
async def _running(
    fake: FakeDiscord,
    redirect: _Redirect,
    factory: Callable[[], discord.Client],
    what: str,
    sync_name: str,
) -> AsyncIterator[_Bot]:
    """Start a bot in-process against `fake`, sync its commands, and close it afterwards."""
    redirect.point_at(fake)
    started = time.perf_counter()
    client = factory()
    completions = _Completions(fake)
    client.add_listener(completions.on_app_command_completion, "on_app_command_completion")
    task = asyncio.create_task(client.start(TOKEN), name=f"bench-{what}")
    ready = asyncio.create_task(client.wait_until_ready())
    try:
        done, _ = await asyncio.wait(
            {task, ready}, timeout=READY_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
        )
        if ready not in done:
            if task in done:
                exc = task.exception()
                raise RuntimeError(f"the {what} stopped before it was ready: {exc!r}") from exc
            raise RuntimeError(
                f"the {what} was not ready within {READY_TIMEOUT:g} s\n{fake.diagnostics()}"
            )
        ready_ms = (time.perf_counter() - started) * 1000
        await asyncio.wait_for(client.tree.sync(), SYNC_TIMEOUT)  # type: ignore[attr-defined]
        await fake.wait_synced(sync_name, timeout=SYNC_TIMEOUT)
        yield _Bot(what, client, fake, completions, ready_ms)
    finally:
        ready.cancel()
        redirect.point_at(fake)  # whatever it still sends on its way out goes to its fake
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.close(), CLOSE_TIMEOUT)
        if not task.done():
            task.cancel()
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(task, CLOSE_TIMEOUT)
        with contextlib.suppress(TimeoutError):
            await fake.wait_for(lambda: fake.connection is None, CLOSE_TIMEOUT, f"{what} to go")


# --------------------------------------------------------------------------- timing


async def _round_trip(
    bot: _Bot, redirect: _Redirect, name: str, options: dict[str, Any]
) -> tuple[float, CallbackRecord, InteractionRecord]:
    """One interaction: send it, wait for the answer and for the command to finish."""
    fake = bot.fake
    redirect.point_at(fake)
    done_before = bot.completions.count
    rec = await fake.slash(name, options)
    if rec.sent_at is None:
        raise RuntimeError(f"/{name} was never written to the {bot.what} (connection lost?)")
    cb = await rec.response(RESPONSE_TIMEOUT)
    assert rec.responded_at is not None
    # One in flight at a time: the bot must be done with this one before the next goes out.
    await fake.wait_for(
        lambda: bot.completions.count > done_before, RESPONSE_TIMEOUT, f"/{name} to complete"
    )
    return rec.responded_at - rec.sent_at, cb, rec


def _forget(fake: FakeDiscord, rec: InteractionRecord) -> None:
    """Drop what the fake logged about one finished interaction (its requests, the record,
    the answer message), unless the answer still has live buttons (a paginated /toplist,
    whose buttons the bot disables on timeout: that edit must still find it).

    The fake keeps every request, interaction and message: over thousands of interactions
    that heap (tens of containers each) grows in this very process, and it is what would
    trigger the full garbage collections (~150 ms each next to a 1M-result Trackside) that
    land in the bot's round trips. The fake is not what is measured, so it keeps nothing.
    Violations are kept.
    """
    fake.requests.clear()
    if fake.session is not None:
        fake.session.buffer.clear()  # frames kept for a RESUME; nothing is in flight
    original = rec.original
    if original is not None and original.get("components"):
        return
    fake.interactions.pop(rec.id, None)
    fake._interactions_by_token.pop(rec.token, None)
    if rec.original_id is not None:
        fake.messages.pop(rec.original_id, None)
        fake._message_interaction.pop(rec.original_id, None)


Lane = tuple[_Bot, Command]


def _as_timed(bot: _Bot, command: Command) -> None:
    """Before each interaction of a row, outside its timed window: a cold row drops the
    bot's warm answers (as after a write), an "elsewhere" row only what our write of
    another event by another athlete can change."""
    if command.cold:
        bot.client.app.warm.forget_all()  # type: ignore[attr-defined]
    if command.elsewhere:
        bot.client.app.warm.forget(WRITE_ELSEWHERE.dependencies())  # type: ignore[attr-defined]


async def _time_lanes(
    redirect: _Redirect, lanes: Sequence[Lane], calls: int, warmup: int
) -> list[Timings]:
    """Round trips of each lane's command, taking turns (lane 1, lane 2, lane 1, ...).

    With two lanes on two bots, both see the same moments of the machine: their p50s can be
    compared even when the machine's speed drifts over a run.
    """

    async def once(lane: Lane, i: int) -> float:
        bot, command = lane
        options = command.options[i % len(command.options)]
        _as_timed(bot, command)
        seconds, cb, rec = await _round_trip(bot, redirect, command.name, options)
        problem = command.expect(cb)
        if problem is not None:
            raise RuntimeError(f"wrong answer to /{command.name} {rec.payload['data']}: {problem}")
        _forget(bot.fake, rec)
        return seconds

    for i in range(warmup):
        for lane in lanes:
            await once(lane, i)
    gc.collect()  # every measured batch starts from the same heap state
    durations: list[list[float]] = [[] for _ in lanes]
    for i in range(calls):
        for lane, out in zip(lanes, durations, strict=True):
            out.append(await once(lane, i))
    return [Timings(tuple(sorted(d * 1000 for d in out))) for out in durations]


async def _profile(redirect: _Redirect, bot: _Bot, command: Command, calls: int) -> str:
    """cProfile of `calls` round trips: the bot, discord.py, aiohttp and the fake alike (they
    share this thread and event loop; SQLite work in aiosqlite's thread shows as waiting).
    Each as the row timed it (`_as_timed`: a cold row's warm answers dropped first, outside
    the profile)."""
    profiler = cProfile.Profile()
    for i in range(calls):
        _as_timed(bot, command)
        profiler.enable()
        await _round_trip(bot, redirect, command.name, command.options[i % len(command.options)])
        profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(15)
    stats.sort_stats("cumulative").print_stats(25)
    return out.getvalue()


# --------------------------------------------------------------------------- the suite


def add_arguments(group: argparse._ArgumentGroup) -> None:
    generate.add_arguments(group)
    group.add_argument(
        "--interactions",
        type=int,
        default=DEFAULT_INTERACTIONS,
        help=f"timed interactions per command (default {DEFAULT_INTERACTIONS:,})",
    )
    group.add_argument(
        "--interaction-warmup",
        type=int,
        default=DEFAULT_WARMUP,
        help=f"untimed interactions per command first (default {DEFAULT_WARMUP})",
    )
    group.add_argument(
        "--discord-profile",
        action="store_true",
        help=f"add cProfiles of {PROFILE_INTERACTIONS} round trips of /record and of the "
        "command furthest from its floor to the notes",
    )


async def run(args: argparse.Namespace) -> SuiteReport:
    progress = Progress(enabled=not args.quiet)
    if args.interactions < 1 or args.interaction_warmup < 0:
        raise SystemExit("--interactions must be at least 1 and --interaction-warmup >= 0")
    config = generate.config_from(args)
    with tempfile.TemporaryDirectory(prefix="trackside-bench-") as scratch:
        load = await generate.ensure_store(args.db, config, progress, Path(scratch))
        blocked: list[str] = []
        uninstall = install_loopback_guard(blocked)
        try:
            report = await _measure(args, load, progress)
        finally:
            uninstall()
        report.checks.append(
            Check(
                "connections refused (not 127.0.0.1)",
                str(len(blocked)),
                "0",
                not blocked,
                "; ".join(blocked[:3]),
            )
        )
        return report


async def _measure(
    args: argparse.Namespace, load: generate.LoadReport, progress: Progress
) -> SuiteReport:
    path = Path(load.path)
    calls, warmup = args.interactions, args.interaction_warmup
    athletes = _synthetic_athletes(path, int(args.seed) + 2, ATHLETE_SAMPLES)
    commands = _trackside_commands(athletes, _pairs(path, int(args.seed) + 3, ATHLETE_SAMPLES))
    target = commands[0]
    only = getattr(args, "only", None)  # the store suite's --only: labels containing TEXT
    if only:
        commands = [c for c in commands if c.targeted or any(t in c.label for t in only)]
    settings = Settings(database_path=path, data_dir=DEFAULT_DATA_DIR)

    async def opener(s: Settings) -> Trackside:
        return await Trackside.open(s, seed_data=False)

    errors = _ErrorLog()
    profile_text = ""
    redirect = _Redirect()
    fakes = _Fakes(ping=FakeDiscord(), trackside=FakeDiscord())
    try:
        await fakes.ping.start()
        await fakes.trackside.start()
        with _quiet_logging(errors):
            async with contextlib.AsyncExitStack() as stack:
                ping = await stack.enter_async_context(
                    _running(
                        fakes.ping,
                        redirect,
                        lambda: PingBot(guild_ready_timeout=0.05),
                        "ping bot",
                        "ping",
                    )
                )
                progress(f"/ping alone: {warmup} warm-up + {calls:,} timed interactions")
                (ping_alone,) = await _time_lanes(redirect, [(ping, PING)], calls, warmup)

                progress(f"Trackside bot on {path} ({load.results:,} results)")
                trackside = await stack.enter_async_context(
                    _running(
                        fakes.trackside,
                        redirect,
                        lambda: TracksideBot(settings, opener=opener, guild_ready_timeout=0.05),
                        "Trackside bot",
                        "record",
                    )
                )
                for command in commands:
                    progress(f"{command.label} taking turns with /ping: {warmup} + {calls:,} each")
                    command.floor, command.timings = await _time_lanes(
                        redirect, [(ping, PING), (trackside, command)], calls, warmup
                    )
                if args.discord_profile:
                    for command in _profiled(commands):
                        progress(f"profiling {PROFILE_INTERACTIONS} {command.label} round trips")
                        text = await _profile(redirect, trackside, command, PROFILE_INTERACTIONS)
                        profile_text += f"{command.label}:\n{text}"
    finally:
        redirect.restore()
        await fakes.trackside.close()
        await fakes.ping.close()

    report = SuiteReport("discord", "Trackside Discord interaction benchmark")
    for command in commands:
        assert command.timings is not None and command.floor is not None
        floor = command.floor
        report.latency.append(
            LatencyRow(
                operation=command.label,
                calls=len(command.timings.ms),
                p50_ms=command.timings.p50,
                p99_ms=command.timings.p99,
                floor_p50_ms=floor.p50,
                floor_p99_ms=floor.p99,
                p99_target_ms=P99_TARGET_MS,
                ratio_target=RECORD_RATIO_TARGET if command.targeted else RATIO_TARGET,
                floor_note=FLOOR_NOTE,
            )
        )
    _add_checks(report, target, ping_alone, fakes, errors)
    report.checks.append(
        Check(
            "Trackside bot ready (open store + connect)",
            f"{trackside.ready_ms:,.0f} ms",
            f"<= {READY_TARGET_MS:,.0f} ms",
            trackside.ready_ms <= READY_TARGET_MS,
        )
    )
    report.checks.append(Check("/ping bot ready", f"{ping.ready_ms:,.0f} ms", "-", None))
    report.notes.extend(_notes(load, calls, warmup))
    if profile_text:
        report.notes.append(f"profiles of {PROFILE_INTERACTIONS} round trips:\n{profile_text}")
    report.figures = {
        "load": load.to_json(),
        "ping_alone": ping_alone.summary(),
        "commands": {
            c.label: {"timings": c.timings.summary(), "floor": c.floor.summary()}
            for c in commands
            if c.timings is not None and c.floor is not None
        },
        "trackside_ready_ms": trackside.ready_ms,
        "ping_ready_ms": ping.ready_ms,
        "interactions": calls,
        "warmup": warmup,
        "violations": [str(v) for v in fakes.violations],
        "errors": errors.messages,
        "peak_rss_mb": peak_rss_mb(),
    }
    return report


def _profiled(commands: Sequence[Command]) -> list[Command]:
    """The target and the command furthest from its floor (the slowest, relatively)."""
    target = next(c for c in commands if c.targeted)
    others = [c for c in commands if not c.targeted and c.timings and c.floor]
    if not others:
        return [target]
    slowest = max(others, key=lambda c: c.timings.p50 / c.floor.p50)  # type: ignore[union-attr]
    return [target, slowest]


@dataclass(frozen=True)
class _Fakes:
    ping: FakeDiscord
    trackside: FakeDiscord

    @property
    def violations(self) -> list[Violation]:
        return [*self.ping.violations, *self.trackside.violations]


def _add_checks(
    report: SuiteReport,
    target: Command,
    ping_alone: Timings,
    fakes: _Fakes,
    errors: _ErrorLog,
) -> None:
    timings, floor = target.timings, target.floor
    assert timings is not None and floor is not None
    ratio = timings.p50 / floor.p50 if floor.p50 > 0 else float("inf")
    report.checks.append(
        Check(
            f"{target.label} p50 / /ping p50",
            f"{ratio:.2f}x ({timings.p50:.3f} / {floor.p50:.3f} ms)",
            f"<= {RECORD_RATIO_TARGET:g}x",
            ratio <= RECORD_RATIO_TARGET,
        )
    )
    report.checks.append(
        Check(
            f"{target.label} p99",
            f"{timings.p99:.3f} ms",
            f"< {P99_TARGET_MS:g} ms",
            timings.p99 < P99_TARGET_MS,
            f"max {timings.max:.3f} ms",
        )
    )
    report.checks.append(
        Check(
            "/ping alone (before Trackside started)",
            f"p50 {ping_alone.p50:.3f} ms",
            "-",
            None,
            f"p99 {ping_alone.p99:.3f} ms; taking turns: p50 {floor.p50:.3f}, "
            f"p99 {floor.p99:.3f} ms",
        )
    )
    violations = fakes.violations
    report.checks.append(
        Check(
            "requests the fakes refused (violations)",
            str(len(violations)),
            "0",
            not violations,
            "; ".join(map(str, violations[:3])),
        )
    )
    report.checks.append(
        Check(
            "errors logged by the bots",
            str(len(errors.messages)),
            "0",
            not errors.messages,
            "; ".join(errors.messages[:3]),
        )
    )


def _notes(load: generate.LoadReport, calls: int, warmup: int) -> list[str]:
    reused = "reused" if not load.generated else "generated this run"
    return [
        f"store: {load.path} ({reused}; {load.file_mb:,.0f} MB): {load.results:,} synthetic "
        f"results, {load.athletes:,} athletes, +{load.reference_results} reference results",
        "round trip = INTERACTION_CREATE written by the fake gateway -> the bot's interaction "
        f"callback reaching the fake (time.perf_counter); {calls:,} timed interactions per "
        f"command after {warmup} warm-up ones, one in flight at a time (the next goes out "
        "once the bot's command has completed); every answer checked",
        f"floor: {FLOOR_NOTE}; ratio = command p50 / floor p50",
        "bots and fakes share one process and event loop on 127.0.0.1 (discord.py redirected "
        "to the fakes; non-loopback connections refused); discord.py logging at WARNING",
        f"targets (issue 10) apply to every row: p50 <= {RATIO_TARGET:g}x the floor p50 "
        f"({RECORD_RATIO_TARGET:g}x for {TARGET_LABEL}), p99 < {P99_TARGET_MS:g} ms",
    ]


SUITE = Suite(
    name="discord",
    help="interaction round trips of the bot through a fake Discord, vs a /ping bot",
    run=run,
    add_arguments=add_arguments,
    order=20,
)
