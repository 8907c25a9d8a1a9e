"""Owner-only commands: syncing slash commands from Discord (RoboDanny's ?sync, as a slash
command, since the bot reads no message content)."""

from __future__ import annotations

import logging

from discord import app_commands
from discord.ext import commands

from bot.bot import Interaction, TracksideBot
from bot.render import replies

log = logging.getLogger(__name__)


async def is_owner(interaction: Interaction) -> bool:
    if await interaction.client.is_owner(interaction.user):
        return True
    raise app_commands.CheckFailure("Only the bot's owners can do that.")


class Admin(commands.Cog):
    def __init__(self, bot: TracksideBot):
        self.bot = bot

    @app_commands.command(name="sync", description="Owner only: sync slash commands")
    @app_commands.describe(here="Sync to this server only (instant) instead of globally")
    @app_commands.default_permissions(administrator=True)  # hidden from most members
    @app_commands.check(is_owner)
    async def sync(self, interaction: Interaction, here: bool = False) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild_id = interaction.guild_id if here else None
        synced = await self.bot.sync_commands(guild_id)
        log.info("%s synced %d commands (server %s)", interaction.user.id, len(synced), guild_id)
        await interaction.followup.send(replies.synced(len(synced), guild_id), ephemeral=True)


async def setup(bot: TracksideBot) -> None:
    await bot.add_cog(Admin(bot))
