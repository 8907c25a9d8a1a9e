"""The floor of the Discord stack: a bot that only answers `/ping` with "pong".

It is configured like `bot.bot.TracksideBot` where that changes what travels over the wire
or what discord.py does per interaction (the same intents: guilds only, so the fake sends it
no MESSAGE_CREATE for its own answers; no allowed-mentions difference that matters for a
plain "pong"), but it has no store, no cogs and no error tree: whatever the Trackside bot
takes beyond this bot's round trip is Trackside's own work.
"""

from __future__ import annotations

import discord
from discord.ext import commands

PONG = "pong"


class PingBot(commands.Bot):
    def __init__(self, **options: object) -> None:
        intents = discord.Intents.none()
        intents.guilds = True  # as TracksideBot
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            **options,  # type: ignore[arg-type]
        )

        @self.tree.command(name="ping", description="Is the bot alive?")
        async def ping(interaction: discord.Interaction) -> None:
            await interaction.response.send_message(PONG)
