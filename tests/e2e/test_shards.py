"""Sharding: the real bot against the fake Discord's per-shard gateway sessions.

Servers are placed on chosen shards by their id (Discord's formula:
``(guild_id >> 22) % shard_count``). Which process answered is read from the answers
themselves (`/alerts status` names the shards of the process that answered) and from the
fake, which records the session each interaction was routed to.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from tests.e2e.fake_discord import FakeDiscord, FakeGuild
from tests.e2e.harness import start_trackside

ROOT = Path(__file__).resolve().parents[2]
LAUNCH = ROOT / "tests" / "e2e" / "launch.py"
TOKEN = "shard-test-token"


def guild_on_shard(fake: FakeDiscord, name: str, shard_id: int, shard_count: int) -> FakeGuild:
    """A new server whose id puts it on `shard_id` of `shard_count`."""
    ms = fake.snowflake() >> 22
    ms += (shard_id - ms) % shard_count
    # Low bits unlike the fake's own snowflakes ((1 << 17) + n), so ids never collide.
    return fake.add_guild(name, guild_id=(ms << 22) | 12345)


def two_shard_world(fake: FakeDiscord) -> dict[int, FakeGuild]:
    """The default server plus one on the other shard of 2: {shard id: server}."""
    home = fake.get_guild()
    on = (home.id >> 22) % 2
    other = guild_on_shard(fake, "Second Shard Club", 1 - on, 2)
    return {on: home, 1 - on: other}


async def drop_and_resume(fake: FakeDiscord, shard_id: int, other: int) -> None:
    """Close one shard's connection: it resumes, and the other shard's is never touched."""
    stays, resumed = fake.sessions[other].conn, fake.resume_count
    assert stays is not None
    await fake.disconnect(4000, shard_id=shard_id)
    await fake.wait_for(
        lambda: fake.resume_count > resumed and fake.sessions[shard_id].live,
        15,
        f"shard {shard_id} to resume",
    )
    assert fake.sessions[other].conn is stays and not stays.closed


async def status_line(fake: FakeDiscord, guild: FakeGuild):
    rec = await fake.slash("alerts status", {}, user=guild.owner, guild_id=guild.id)
    return rec, (await rec.response()).content


async def test_one_process_runs_the_recommended_two_shards(fake_discord, running_bot, tmp_path):
    fake = fake_discord
    fake.recommended_shards = 2  # no SHARD_COUNT: the bot asks GET /gateway/bot
    guilds = two_shard_world(fake)
    bot = await start_trackside(fake, running_bot, tmp_path, ready_timeout=30)

    assert any(r.path == "/gateway/bot" for r in fake.requests)
    assert (bot.shard_count, sorted(bot.shards)) == (2, [0, 1])
    assert {p["shard"][0] for p in fake.identify_payloads} == {0, 1}
    for shard_id, guild in guilds.items():
        assert bot.get_guild(guild.id).shard_id == shard_id  # each shard got its own server
        rec = await fake.slash(
            "record", {"event": "mile", "venue": "indoor"}, user=guild.member, guild_id=guild.id
        )
        assert "3:45.14" in str((await rec.response()).embeds)
        assert rec.shard_id == shard_id
        rec, text = await status_line(fake, guild)
        assert f"This server is on shard {shard_id}; this process runs shards 0, 1 of 2." in text
    for shard_id, guild in guilds.items():  # each session saw only its own server's events
        sent = [f for f, _ in fake.sessions[shard_id].buffer if f["t"] != "READY"]
        about = {f["d"].get("guild_id") or f["d"].get("id") for f in sent} - {None}
        assert about == {str(guild.id)}, [f["t"] for f in sent]

    await drop_and_resume(fake, 1, other=0)
    for shard_id, guild in guilds.items():
        rec = await fake.slash("alerts status", {}, user=guild.owner, guild_id=guild.id)
        assert f"on shard {shard_id};" in (await rec.response()).content
    fake.assert_clean()


class ShardProcess:
    """`python -m bot run` (through launch.py) running some shards of a shared store."""

    def __init__(self, fake: FakeDiscord, store: Path, log: Path, **env: str):
        self.fake, self.store, self.log, self.extra = fake, store, log, env
        self.proc: asyncio.subprocess.Process | None = None

    def env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DISCORD_", "DATABASE_", "SHARD_"))
        }
        env.update(self.fake.env())
        env.update(
            DISCORD_TOKEN=TOKEN,
            DATABASE_PATH=str(self.store),
            OWNER_IDS=str(self.fake.owner.id),
            LOG_LEVEL="INFO",
            PYTHONPATH=str(ROOT),
            MPLBACKEND="Agg",
            **self.extra,
        )
        return env

    async def start(self) -> None:
        with open(self.log, "ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, str(LAUNCH), "bot", "run",
                cwd=self.store.parent, env=self.env(), stdout=log, stderr=log,
            )  # fmt: skip

    async def stop(self, sig: int = signal.SIGTERM) -> int:
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(sig)
        return await asyncio.wait_for(self.proc.wait(), 20)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@pytest.fixture
async def shard_processes(fake_discord, tmp_path):
    started: list[ShardProcess] = []

    def make(name: str, **env: str) -> ShardProcess:
        log = tmp_path / f"{name}.log"
        process = ShardProcess(fake_discord, tmp_path / "shared.db", log, **env)
        started.append(process)
        return process

    yield make
    for process in started:
        if process.proc is not None and process.proc.returncode is None:
            process.proc.kill()
            await process.proc.wait()


async def test_two_processes_split_two_shards_over_one_store(fake_discord, shard_processes):
    fake = fake_discord
    guilds = two_shard_world(fake)
    first = shard_processes("shard0", SHARD_COUNT="2", SHARD_IDS="0", SYNC_COMMANDS="1")
    second = shard_processes("shard1", SHARD_COUNT="2", SHARD_IDS="1")
    # One after the other: the first creates and seeds the shared store.
    await first.start()
    await fake.wait_shards([0], 2, timeout=60)
    await second.start()
    await fake.wait_shards([0, 1], 2, timeout=60)
    for process in (first, second):  # on_ready, once the servers' GUILD_CREATEs settled
        await fake.wait_for(lambda p=process: "ready as" in p.output(), 30, "ready in the log")
    await fake.wait_synced("record", timeout=30)
    assert not any(r.path == "/gateway/bot" for r in fake.requests)  # SHARD_COUNT was set

    for shard_id, guild in guilds.items():
        rec = await fake.slash(
            "record", {"event": "mile", "venue": "indoor"}, user=guild.member, guild_id=guild.id
        )
        assert "3:45.14" in str((await rec.response(timeout=15)).embeds)
        assert rec.shard_id == shard_id
        rec, text = await status_line(fake, guild)
        assert f"This server is on shard {shard_id}; this process runs shards {shard_id} of 2." in (
            text
        )
    ids = sorted(tuple(p["shard"]) for p in fake.identify_payloads)
    assert ids == [(0, 2), (1, 2)]  # each process identified its own shard, once

    await drop_and_resume(fake, 0, other=1)
    rec, text = await status_line(fake, guilds[0])
    assert "this process runs shards 0 of 2." in text and rec.shard_id == 0

    # Shard 1's process goes away: its session drops, shard 0's process keeps answering.
    assert await second.stop(signal.SIGTERM) == 0
    await fake.wait_for(lambda: not fake.sessions[1].live, 10, "shard 1's connection to close")
    assert fake.sessions[0].live
    home = guilds[0]
    rec = await fake.slash(
        "record", {"event": "mile", "venue": "indoor"}, user=home.member, guild_id=home.id
    )
    assert "3:45.14" in str((await rec.response(timeout=15)).embeds)
    assert rec.shard_id == 0
    assert fake.session_for(guilds[1].id) is fake.sessions[1]  # nobody else gets its events

    assert await first.stop(signal.SIGTERM) == 0
    out0, out1 = first.output(), second.output()
    assert "starting Trackside on shards 0 of 2" in out0
    assert "shard 0 of 2 ready, servers: 1" in out0
    assert "ready as Trackside" in out0 and "on shards 0 of 2" in out0
    assert "starting Trackside on shards 1 of 2" in out1
    assert "shard 1 of 2 ready, servers: 1" in out1
    assert TOKEN not in out0 + out1
    fake.assert_clean()
