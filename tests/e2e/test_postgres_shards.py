"""Two bot processes (shards 0 and 1 of 2) on one PostgreSQL store and the fake Discord:
each server's commands are answered by its shard's process, a record is announced once in
every subscribed channel of both shards, a process killed -9 mid-delivery is finished by
the other exactly once, and a write in one process shows in the other's answers soon."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import asyncpg
import pytest

from tests import pg
from tests.e2e.fake_discord import FakeDiscord, FakeGuild
from tests.e2e.test_announce_fanout import until
from tests.e2e.test_announce_load import MILE, W1500, add_record
from tests.e2e.test_shards import ShardProcess, two_shard_world

pytestmark = pytest.mark.postgresql


async def answered(rec) -> str:
    await rec.response(timeout=15)
    message = (await rec.followups(1, timeout=15))[0]
    return (message.get("content") or "") + str(message.get("embeds") or "")


async def deliveries(url: str) -> list[tuple]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT announcement_id, channel_id, status FROM deliveries ORDER BY 1, 2"
        )
    finally:
        await conn.close()
    return [tuple(r) for r in rows]


def messages_with(fake: FakeDiscord, channel_id: int, mark: str) -> int:
    return sum(1 for m in fake.channel_messages.get(channel_id, []) if mark in str(m))


async def test_two_processes_on_one_postgresql(fake_discord: FakeDiscord, tmp_path: Path):
    pg.server_url()
    name = await pg.create_database()
    url = pg.database_url(name)
    fake = fake_discord
    guilds: dict[int, FakeGuild] = two_shard_world(fake)
    home_shard = next(s for s, g in guilds.items() if g.id == fake.get_guild().id)
    other_shard = 1 - home_shard
    procs = {
        i: ShardProcess(
            fake, tmp_path / "unused.db", tmp_path / f"shard{i}.log",
            SHARD_COUNT="2", SHARD_IDS=str(i), DATABASE_URL=url,
            **({"SYNC_COMMANDS": "1"} if i == 0 else {}),
        )
        for i in (0, 1)
    }  # fmt: skip
    try:
        await procs[0].start()  # creates, migrates and seeds the store
        await fake.wait_shards([0], 2, timeout=90)
        await procs[1].start()
        await fake.wait_shards([0, 1], 2, timeout=90)
        for p in procs.values():
            await fake.wait_for(lambda p=p: "ready as" in p.output(), 60, "ready in the log")
        await fake.wait_synced("record", timeout=30)

        # Each server subscribes, answered by its own shard's process.
        for shard_id, guild in guilds.items():
            assert guild.default_channel is not None
            rec = await fake.slash(
                "alerts set", {"channel": guild.default_channel}, user=guild.owner,
                guild_id=guild.id,
            )  # fmt: skip
            assert "Record announcements will go to" in await answered(rec)
            assert rec.shard_id == shard_id

        # A moderator's write in the home server's process shows in /record answered by
        # the other process soon after (its store watch: LISTEN/NOTIFY).
        await add_record(fake, MILE)
        written = time.perf_counter()
        other = guilds[other_shard]

        async def other_sees_it() -> bool:
            rec = await fake.slash(
                "record", {"event": "mile", "venue": "indoor"}, user=other.member,
                guild_id=other.id,
            )  # fmt: skip
            text = str((await rec.response(timeout=15)).embeds)
            assert rec.shard_id == other_shard
            return "3:44.90" in text

        while not await other_sees_it():
            assert time.perf_counter() - written < 10, "the other process never saw the write"
        print(f"\nwrite seen by the other process after {time.perf_counter() - written:.2f} s")

        # Announced once in every subscribed channel, on both shards.
        channels = [g.default_channel.id for g in guilds.values()]  # type: ignore[union-attr]
        await fake.wait_for(
            lambda: all(messages_with(fake, c, "3:44.90") for c in channels), 20, "MILE posts"
        )

        # Whichever process claims the next announcement's post to the other shard's
        # channel hangs posting it; killed -9 there, the other process finishes it once
        # the lease expires, with the same nonce.
        hung_channel = other.default_channel.id  # type: ignore[union-attr]
        hung = fake.fail_next("POST", rf"^/channels/{hung_channel}/messages$", None, delay=60)
        await add_record(fake, W1500)
        await fake.wait_for(lambda: hung.hits, 20, "the post to hang")
        claim = f"2:{hung_channel}"
        claimer = next(i for i, p in procs.items() if claim in p.output())
        assert await procs[claimer].stop(signal.SIGKILL) == -signal.SIGKILL
        assert any(r[2] == "pending" for r in await deliveries(url))
        killed = time.perf_counter()

        async def all_delivered() -> list[tuple] | None:
            rows = await deliveries(url)
            return rows if rows and all(r[2] == "delivered" for r in rows) else None

        await until(fake, all_delivered, timeout=40, what="every delivery delivered")
        print(f"finished by the other process {time.perf_counter() - killed:.1f} s after kill -9")
        for channel in channels:
            assert messages_with(fake, channel, "3:44.90") == 1, channel
            assert messages_with(fake, channel, "3:52.00") == 1, channel
    finally:
        for p in procs.values():
            if p.proc is not None and p.proc.returncode is None:
                p.proc.kill()
                await p.proc.wait()
        await pg.drop_database(name)
