"""Starting the real Trackside bot against the fake Discord, for the e2e tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from bot.bot import TracksideBot
from bot.config import Settings
from bot.services.app import Trackside
from tests.conftest import TODAY
from tests.e2e.conftest import BotRunner
from tests.e2e.fake_discord import FakeDiscord


def settings_for(fake: FakeDiscord, tmp_path: Path, **overrides) -> Settings:
    settings = Settings(
        database_path=tmp_path / "e2e.db",
        owner_ids=frozenset({fake.owner.id}),
        trusted_guild_ids=frozenset({fake.guild_id}),
    )
    return replace(settings, **overrides)


async def start_trackside(
    fake: FakeDiscord,
    running_bot: BotRunner,
    tmp_path: Path,
    *,
    as_of: date | None = None,
    sync: bool = True,
    ready_timeout: float = 10.0,
    **overrides,
) -> TracksideBot:
    """The real bot (real discord.py, real store on a temp file), connected and synced."""
    settings = settings_for(fake, tmp_path, **overrides)

    async def opener(s: Settings) -> Trackside:
        return await Trackside.open(s, as_of=as_of, today=lambda: TODAY)

    bot = await running_bot(
        lambda: TracksideBot(settings, opener=opener, guild_ready_timeout=0.05),
        ready_timeout=ready_timeout,
    )
    if sync:
        await bot.tree.sync()
        await fake.wait_synced("record")
    return bot  # type: ignore[return-value]


def field(embed: dict, name_part: str) -> dict:
    """The embed field whose name contains `name_part`."""
    for item in embed.get("fields", []):
        if name_part in item["name"]:
            return item
    names = [f["name"] for f in embed.get("fields", [])]
    raise AssertionError(f"no field {name_part!r} in {names}")


def embed_text(embed: dict) -> str:
    parts = [embed.get("title", ""), embed.get("description", "")]
    parts += [f"{f['name']}\n{f['value']}" for f in embed.get("fields", [])]
    parts.append(embed.get("footer", {}).get("text", ""))
    return "\n".join(parts)
