"""/alerts set, off and status, and /moderator-role: server managers' settings."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.bot import Interaction, TracksideBot
from bot.cogs.options import SexChoice, app_of
from bot.cogs.permissions import actor_of, defer_write, managers_only
from bot.render import replies
from bot.services.errors import TracksideError
from bot.services.writes import Writes

NEEDED = ("view_channel", "send_messages", "embed_links")


def missing_permissions(channel: discord.abc.GuildChannel) -> list[str]:
    """What the bot lacks to post announcements in `channel` ([] when it can)."""
    me = channel.guild.me
    if me is None:  # member cache not filled yet: cannot tell; delivery will report
        return []
    permissions = channel.permissions_for(me)
    return [name.replace("_", " ") for name in NEEDED if not getattr(permissions, name)]


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Alerts(commands.GroupCog, group_name="alerts", group_description="Record announcements"):
    def __init__(self, bot: TracksideBot):
        self.bot = bot

    @app_commands.command(name="set", description="Announce new records in a channel")
    @app_commands.describe(
        channel="Where announcements go",
        scopes="Only these scopes, comma-separated: world, EUR, NOR, Millrose Games…",
        events="Only these events, comma-separated: mile, 1500m, 100m…",
        sex="Only men's or women's records",
    )
    @managers_only()
    async def set_(
        self,
        interaction: Interaction,
        channel: discord.TextChannel,
        scopes: app_commands.Range[str, 1, 200] | None = None,
        events: app_commands.Range[str, 1, 200] | None = None,
        sex: SexChoice | None = None,
    ) -> None:
        await defer_write(interaction)
        missing = missing_permissions(channel)
        if missing:
            raise TracksideError(replies.cannot_post(channel.mention, missing))
        subscription = await Writes(app_of(interaction)).set_alerts(
            actor_of(interaction), channel.id, scopes=scopes, events=events, sex=sex
        )
        text = replies.alerts_set(channel.mention, subscription)
        await interaction.followup.send(text, ephemeral=True)

    @app_commands.command(name="off", description="Stop record announcements in this server")
    @managers_only()
    async def off(self, interaction: Interaction) -> None:
        await defer_write(interaction)
        removed = await Writes(app_of(interaction)).alerts_off(actor_of(interaction))
        await interaction.followup.send(replies.alerts_off(removed), ephemeral=True)

    @app_commands.command(name="status", description="Where announcements go, and any problem")
    async def status(self, interaction: Interaction) -> None:
        guild_id = interaction.guild_id or 0  # a guild-only command: always set
        subscription = await Writes(app_of(interaction)).subscription(guild_id)
        bot = interaction.client
        text = replies.alerts_status(subscription, bot.shard_of(guild_id), bot.shards_text())
        await interaction.response.send_message(text, ephemeral=True)


class ServerSettings(commands.Cog):
    def __init__(self, bot: TracksideBot):
        self.bot = bot

    @app_commands.command(
        name="moderator-role",
        description="Server managers: the role whose members may add results (trusted servers)",
    )
    @app_commands.describe(role="The moderator role; leave empty to clear it")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @managers_only()
    async def moderator_role(
        self, interaction: Interaction, role: discord.Role | None = None
    ) -> None:
        await defer_write(interaction)
        await Writes(app_of(interaction)).set_moderator_role(
            actor_of(interaction), role.id if role else None
        )
        text = replies.moderator_role(role.mention if role else None)
        await interaction.followup.send(text, ephemeral=True)


async def setup(bot: TracksideBot) -> None:
    await bot.add_cog(Alerts(bot))
    await bot.add_cog(ServerSettings(bot))
