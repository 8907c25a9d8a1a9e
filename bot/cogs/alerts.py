"""/alerts set, off and status, and /moderator-role: server managers' settings."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.options import SexChoice, app_of
from bot.cogs.permissions import actor_of, defer_write, managers_only
from bot.render.discord_embeds import safe
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
class AlertCommands(app_commands.Group, name="alerts", description="Record announcements"):
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
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        scopes: app_commands.Range[str, 1, 200] | None = None,
        events: app_commands.Range[str, 1, 200] | None = None,
        sex: SexChoice | None = None,
    ) -> None:
        await defer_write(interaction)
        missing = missing_permissions(channel)
        if missing:
            raise TracksideError(
                f"I can't post in {channel.mention}: I need {', '.join(missing)} there. "
                "Give me those permissions in that channel, then run /alerts set again."
            )
        subscription = await Writes(app_of(interaction)).set_alerts(
            actor_of(interaction), channel.id, scopes=scopes, events=events, sex=sex
        )
        await interaction.followup.send(
            f"Record announcements will go to {channel.mention}{_filters(subscription)}.",
            ephemeral=True,
        )

    @app_commands.command(name="off", description="Stop record announcements in this server")
    @managers_only()
    async def off(self, interaction: discord.Interaction) -> None:
        await defer_write(interaction)
        removed = await Writes(app_of(interaction)).alerts_off(actor_of(interaction))
        text = "Record announcements are off." if removed else "Announcements were not on here."
        await interaction.followup.send(text, ephemeral=True)

    @app_commands.command(name="status", description="Where announcements go, and any problem")
    async def status(self, interaction: discord.Interaction) -> None:
        subscription = await Writes(app_of(interaction)).subscription(interaction.guild_id)
        if subscription is None:
            text = "Record announcements are off here. A server manager can run /alerts set."
        else:
            text = (
                f"Record announcements go to <#{subscription.channel_id}>{_filters(subscription)}."
            )
            if subscription.problem:
                text += (
                    f"\n⚠️ Last delivery problem ({subscription.problem_at}): "
                    f"{safe(subscription.problem, 500)}"
                )
        text += "\n" + _shard_line(interaction)
        await interaction.response.send_message(text, ephemeral=True)


def _shard_line(interaction: discord.Interaction) -> str:
    """Which shard carries this server, and which shards the answering process runs."""
    bot = interaction.client
    shard = bot.shard_of(interaction.guild_id or 0)  # type: ignore[attr-defined]
    return f"This server is on shard {shard}; this process runs {bot.shards_text()}."  # type: ignore[attr-defined]


def _filters(subscription) -> str:
    parts = []
    if subscription.scopes:
        parts.append("scopes " + ", ".join(safe(s, 50) for s in subscription.scopes))
    if subscription.events:
        parts.append("events " + ", ".join(subscription.events))
    if subscription.sex:
        parts.append(f"{subscription.sex.label} only")
    return f" ({'; '.join(parts)})" if parts else " (every record)"


class Alerts(commands.Cog):
    def __init__(self, bot: commands.Bot):
        self.bot = bot
        self.group = AlertCommands()
        bot.tree.add_command(self.group)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.group.name)

    @app_commands.command(
        name="moderator-role",
        description="Server managers: the role whose members may add results (trusted servers)",
    )
    @app_commands.describe(role="The moderator role; leave empty to clear it")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @managers_only()
    async def moderator_role(
        self, interaction: discord.Interaction, role: discord.Role | None = None
    ) -> None:
        await defer_write(interaction)
        await Writes(app_of(interaction)).set_moderator_role(
            actor_of(interaction), role.id if role else None
        )
        text = (
            f"Members with {role.mention} may now add results (in trusted servers)."
            if role
            else "The moderator role is cleared: only Manage Server members may add results."
        )
        await interaction.followup.send(text, ephemeral=True)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Alerts(bot))
