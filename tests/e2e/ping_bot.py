"""A tiny discord.py bot answering ``/ping`` with "pong", to prove the fake Discord.

Run it against the fake (it refuses to run otherwise, exit status 2):

    python tests/e2e/launch.py tests.e2e.ping_bot
    python -m tests.e2e.ping_bot

with ``TRACKSIDE_FAKE_DISCORD_API`` and ``TRACKSIDE_FAKE_DISCORD_GATEWAY`` set. It syncs
its commands globally in ``setup_hook`` and uses ``TRACKSIDE_FAKE_DISCORD_TOKEN`` (default
"fake-token").
"""

from __future__ import annotations

import os
import sys

import discord
from discord.ext import commands


class PingBot(commands.Bot):
    def __init__(self, *, sync_on_start: bool = False) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            guild_ready_timeout=0.05,
        )
        self.sync_on_start = sync_on_start

        @self.tree.command(name="ping", description="Is the bot alive?")
        async def ping(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("pong")

        @self.tree.command(name="whoami", description="Which process answers?")
        async def whoami(interaction: discord.Interaction) -> None:
            await interaction.response.send_message(f"pid {os.getpid()}", ephemeral=True)

    async def setup_hook(self) -> None:
        if self.sync_on_start:
            await self.tree.sync()


def main() -> int:
    from tests.e2e.launch import redirect_from_env

    try:
        redirect_from_env()
    except ValueError as exc:
        print(f"ping_bot: {exc}", file=sys.stderr)
        return 2
    bot = PingBot(sync_on_start=True)
    bot.run(os.environ.get("TRACKSIDE_FAKE_DISCORD_TOKEN", "fake-token"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
