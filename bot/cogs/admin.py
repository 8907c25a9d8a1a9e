"""Owner-only commands: syncing slash commands from Discord (RoboDanny's ?sync, as a slash
command, since the bot reads no message content)."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

log = logging.getLogger(__name__)


async def is_owner(interaction: discord.Interaction) -> bool:
    if await interaction.client.is_owner(interaction.user):  # type: ignore[attr-defined]
        return True
    raise app_commands.CheckFailure("Only the bot's owners can do that.")


class Admin(commands.Cog):
    def __init__(self, bot: commands.Bot):
        self.bot = bot

    @app_commands.command(name="sync", description="Owner only: sync slash commands")
    @app_commands.describe(here="Sync to this server only (instant) instead of globally")
    @app_commands.default_permissions(administrator=True)  # hidden from most members
    @app_commands.check(is_owner)
    async def sync(self, interaction: discord.Interaction, here: bool = False) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild_id = interaction.guild_id if here else None
        synced = await self.bot.sync_commands(guild_id)  # type: ignore[attr-defined]
        where = "to this server" if guild_id else "globally"
        log.info("%s synced %d commands %s", interaction.user.id, len(synced), where)
        await interaction.followup.send(f"Synced {len(synced)} commands {where}.", ephemeral=True)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Admin(bot))
