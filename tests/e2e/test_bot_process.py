"""The bot as a real process: `python -m bot run` against the fake Discord."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from contextlib import closing
from pathlib import Path

import pytest

from tests.e2e.fake_discord import FakeDiscord

ROOT = Path(__file__).resolve().parents[2]
LAUNCH = ROOT / "tests" / "e2e" / "launch.py"
TOKEN = "process-test-token-abc123"
MESSAGES = r"/channels/\d+/messages$"
READY_LINE = "ready as "  # bot.py's on_ready log line


class BotProcess:
    def __init__(self, fake: FakeDiscord, tmp_path: Path):
        self.fake = fake
        self.db = tmp_path / "process.db"
        self.log = tmp_path / "bot.log"
        self.proc: asyncio.subprocess.Process | None = None

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_"))}
        env.update(self.fake.env())
        env.update(
            DISCORD_TOKEN=TOKEN,
            DATABASE_PATH=str(self.db),
            OWNER_IDS=str(self.fake.owner.id),
            TRUSTED_GUILD_IDS=str(self.fake.guild_id),
            SYNC_COMMANDS="1",
            LOG_LEVEL="INFO",
            PYTHONPATH=str(ROOT),
            MPLBACKEND="Agg",
        )
        return env

    async def start(self) -> None:
        identified = self.fake.identify_count
        readies = self.output().count(READY_LINE) if self.log.exists() else 0
        log = open(self.log, "ab")  # noqa: SIM115 - handed to the child process
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, str(LAUNCH), "bot", "run",
            cwd=self.db.parent, env=self.env(), stdout=log, stderr=log,
        )  # fmt: skip
        log.close()
        await self.fake.wait_ready(timeout=30, identified=identified + 1)
        await self.fake.wait_synced("record", timeout=30)
        # on_ready (after guild_ready_timeout) logs this; the announcer starts with it.
        await self.fake.wait_for(
            lambda: self.output().count(READY_LINE) > readies, 30, "the bot to log ready"
        )

    async def stop(self, sig: int = signal.SIGTERM) -> int:
        assert self.proc is not None
        self.proc.send_signal(sig)
        return await asyncio.wait_for(self.proc.wait(), 20)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@pytest.fixture
async def bot_process(fake_discord: FakeDiscord, tmp_path: Path):
    process = BotProcess(fake_discord, tmp_path)
    yield process
    if process.proc is not None and process.proc.returncode is None:
        process.proc.kill()
        await process.proc.wait()


async def test_sigterm_closes_cleanly_and_the_token_never_shows(fake_discord, bot_process):
    await bot_process.start()
    rec = await fake_discord.slash("record", {"event": "mile", "venue": "indoor"})
    assert "3:45.14" in str((await rec.response()).embeds)
    assert await bot_process.stop(signal.SIGTERM) == 0
    output = bot_process.output()
    assert "SIGTERM received: closing the bot and the store" in output
    assert "store closed" in output
    assert TOKEN not in output
    with sqlite3.connect(bot_process.db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    wal = Path(str(bot_process.db) + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0  # checkpointed on close


async def test_killed_mid_delivery_then_restarted_posts_exactly_once(fake_discord, bot_process):
    await bot_process.start()
    owner = fake_discord.owner
    rec = await fake_discord.slash("alerts set", {"channel": fake_discord.channel}, user=owner)
    await rec.response()
    # Discord takes the message but the answer never reaches the bot: it is killed first.
    fake_discord.fail_next("POST", MESSAGES, 500, apply=True, delay=10.0)
    options = {
        "athlete": "Jakob Ingebrigtsen", "event": "mile", "mark": "3:44.90", "venue": "indoor",
        "date": "2026-02-01", "competition": "Test Indoor Meet",
    }  # fmt: skip
    rec = await fake_discord.slash("result add", options, user=owner)
    await rec.response()
    await (await fake_discord.click(rec.original, "result:confirm", user=owner)).response()
    await fake_discord.wait_for(
        lambda: fake_discord.channel_messages.get(fake_discord.channel_id), timeout=20
    )
    assert await bot_process.stop(signal.SIGKILL) == -signal.SIGKILL

    with sqlite3.connect(bot_process.db) as conn:
        assert conn.execute("SELECT status FROM deliveries").fetchall() == [("pending",)]

    await bot_process.start()  # resumes the undelivered announcement

    def delivered() -> bool:
        with closing(sqlite3.connect(bot_process.db)) as conn:
            return conn.execute("SELECT status FROM deliveries").fetchall() == [("delivered",)]

    await fake_discord.wait_for(delivered, 10, "the resumed delivery to be marked delivered")
    posted = fake_discord.channel_messages[fake_discord.channel_id]
    assert len(posted) == 1  # the retry's nonce found the message already there
    assert posted[0]["embeds"][0]["title"] == "NEW WORLD INDOOR RECORD"
    assert fake_discord.nonce_hits
    assert await bot_process.stop() == 0
