"""One place that turns every app-command error into a short ephemeral answer.

Errors users can act on say what to do; anything unexpected is logged with its traceback
and answered with a short apology, never silence (Red-DiscordBot's tree.py does the same).
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.bot import Interaction
from bot.render.discord_embeds import error_embed
from bot.services.errors import TracksideError

log = logging.getLogger(__name__)

APOLOGY = "Sorry — something went wrong on our side answering that. It has been logged."


def message_for(error: BaseException) -> str | None:
    """The user-facing message for an error, or None if it is unexpected."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, app_commands.TransformerError) and error.__cause__ is not None:
        error = error.__cause__
    if isinstance(error, TracksideError):
        return error.message
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command works in a server, not in direct messages."
    if isinstance(error, app_commands.MissingPermissions):
        needed = ", ".join(p.replace("_", " ") for p in error.missing_permissions)
        return f"You need the {needed} permission for that."
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down — try again in {error.retry_after:.0f} s."
    if isinstance(error, app_commands.CheckFailure):
        return str(error) or "You are not allowed to use this command here."
    if isinstance(error, app_commands.TransformerError):
        return f"'{str(error.value)[:60]}' is not a valid value for that option."
    return None


async def send_ephemeral(interaction: Interaction, message: str) -> None:
    """Reply through `response` or `followup`, whichever is still open."""
    embed = error_embed(message)
    try:
        if interaction.response.is_done():
            await interaction.followup.send(embed=embed, ephemeral=True)
        else:
            await interaction.response.send_message(embed=embed, ephemeral=True)
    except discord.HTTPException:
        # The interaction expired or was answered elsewhere: nothing more we can say.
        log.warning("could not deliver an error reply for /%s", _name(interaction))


async def answer_error(interaction: Interaction, error: BaseException) -> None:
    message = message_for(error)
    if message is None:
        log.error("unexpected error in /%s", _name(interaction), exc_info=error)
        message = APOLOGY
    await send_ephemeral(interaction, message)


def _name(interaction: Interaction) -> str:
    command = interaction.command
    return command.qualified_name if command else "?"
