"""Who may write to the shared records store, checked in the bot on every write.

Discord's default member permissions on a command are only a hint a server admin can
change (and do nothing on subcommands), so this check runs on every invocation: bot
owners anywhere; in trusted servers, members with Manage Server or the server's
moderator role. Everyone else is refused and nothing changes.
"""

from __future__ import annotations

import discord
from discord import app_commands

from bot.bot import Interaction
from bot.config import Settings
from bot.services.writes import Actor


class NotAllowed(app_commands.CheckFailure):
    """Refused, with a message that says why and what would allow it."""


def write_refusal(
    interaction: Interaction, settings: Settings, moderator_roles: dict[int, int | None]
) -> str | None:
    """None when the user may write here; otherwise the reason, for the user."""
    user = interaction.user
    if user.id in settings.owner_ids:
        return None
    if interaction.guild_id is None:
        return "Results are added from a server, not from direct messages."
    if interaction.guild_id not in settings.trusted_guild_ids:
        return (
            "This server is not trusted to change the shared records store, so results "
            "cannot be added here. Reading and alerts work everywhere; ask the bot's owner "
            "to add this server to TRUSTED_GUILD_IDS."
        )
    permissions = interaction.permissions
    if permissions.manage_guild or permissions.administrator:
        return None
    role_id = moderator_roles.get(interaction.guild_id)
    if role_id and isinstance(user, discord.Member) and any(r.id == role_id for r in user.roles):
        return None
    return "You need the Manage Server permission or this server's moderator role to do that."


def refusal_for(interaction: Interaction) -> str | None:
    """`write_refusal` with this bot's settings: the check every write runs, on the command
    and again on the click that confirms it (the member's roles as they are then)."""
    bot = interaction.client
    return write_refusal(interaction, bot.settings, bot.app.moderator_roles)


def writers_only():
    """An app-command check: only those who may write pass."""

    async def predicate(interaction: Interaction) -> bool:
        refusal = refusal_for(interaction)
        if refusal is not None:
            raise NotAllowed(refusal)
        return True

    return app_commands.check(predicate)


def managers_only():
    """Server managers (Manage Server), in any server: alerts and server settings."""

    async def predicate(interaction: Interaction) -> bool:
        if interaction.guild_id is None:
            raise NotAllowed("This works in a server, not in direct messages.")
        if interaction.user.id in interaction.client.settings.owner_ids:
            return True
        permissions = interaction.permissions
        if not (permissions.manage_guild or permissions.administrator):
            raise NotAllowed("You need the Manage Server permission to do that.")
        return True

    return app_commands.check(predicate)


async def defer_write(interaction: Interaction) -> None:
    """Acknowledge a write at once (ephemeral "thinking…"), before any store work.

    A write waits its turn for the store's write lock, which another process (a CLI
    import) may hold for seconds; answering only afterwards would miss Discord's 3-second
    window. The answer then goes out as a followup (`interaction.followup.send`)."""
    if not interaction.response.is_done():
        await interaction.response.defer(ephemeral=True, thinking=True)


def actor_of(interaction: Interaction) -> Actor:
    return Actor(user_id=interaction.user.id, guild_id=interaction.guild_id)
