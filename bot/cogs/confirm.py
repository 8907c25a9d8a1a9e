"""The Confirm / Cancel buttons under a result preview (/result add) or a correction that
needs a second look (/result edit)."""

from __future__ import annotations

import asyncio
import logging

import discord

from bot.bot import Interaction
from bot.cogs.permissions import actor_of, refusal_for
from bot.render import replies
from bot.services.errors import TracksideError
from bot.services.writes import Added, Preview, ResultDraft, Writes

log = logging.getLogger(__name__)

CONFIRM_ID = "result:confirm"
CANCEL_ID = "result:cancel"
CLICK_IDS = (CONFIRM_ID, CANCEL_ID)


async def _refused(interaction: Interaction) -> bool:
    """Re-run the write permission check for the member who clicked, with their roles as
    they are now: a preview does not keep a right that was taken away."""
    refusal = refusal_for(interaction)
    if refusal is None:
        return False
    await interaction.response.send_message(replies.refused(refusal), ephemeral=True)
    return True


class ConfirmResult(discord.ui.View):
    """Confirm / Cancel for a previewed result, locked to the moderator who asked.

    A mark that beats a world record by an implausible margin needs a second click.

    Clicks are answered by `Results.on_interaction` through `handle`, not by button
    callbacks, so that one place answers every click on a Confirm/Cancel button: those on
    a live preview, a second click on a saved one, and clicks on previews this process
    never made (sent before a restart), which would otherwise go unanswered."""

    def __init__(
        self,
        writes: Writes,
        preview: Preview | None,
        author_id: int,
        guild_id: int | None,
        *,
        edit_of: tuple[int, ResultDraft] | None = None,
    ):
        super().__init__(timeout=300)
        self.writes = writes
        self.preview = preview
        self.edit_of = edit_of  # (result id, draft) for an edit that awaits its second click
        self.author_id = author_id
        self.guild_id = guild_id
        self.needs_second_click = bool(preview.warnings) if preview else False
        self.message: discord.InteractionMessage | discord.WebhookMessage | None = None
        self.done = False
        self.saved: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self.confirm: discord.ui.Button[ConfirmResult] = discord.ui.Button(
            label="Confirm" if edit_of is None else "Confirm — I checked the mark",
            style=discord.ButtonStyle.success if edit_of is None else discord.ButtonStyle.danger,
            custom_id=CONFIRM_ID,
        )
        self.cancel: discord.ui.Button[ConfirmResult] = discord.ui.Button(
            label="Cancel", style=discord.ButtonStyle.secondary, custom_id=CANCEL_ID
        )
        self.add_item(self.confirm)
        self.add_item(self.cancel)

    def _finish(self) -> None:
        self.done = True
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        self.stop()

    def _settle(self, result_id: int | None) -> None:
        if not self.saved.done():
            self.saved.set_result(result_id)

    async def handle(self, interaction: Interaction, custom_id: str) -> None:
        if self.done:
            await self._repeat(interaction)
        elif interaction.user.id != self.author_id:
            await interaction.response.send_message(replies.NOT_YOURS, ephemeral=True)
        elif custom_id == CANCEL_ID:
            self._finish()
            self._settle(None)
            await interaction.response.edit_message(content=replies.CANCELLED, view=self)
        elif await _refused(interaction):
            return
        elif self.needs_second_click:
            self.needs_second_click = False
            self.confirm.label = "Confirm again — I checked the mark"
            self.confirm.style = discord.ButtonStyle.danger
            await interaction.response.edit_message(content=replies.CONFIRM_AGAIN, view=self)
        else:
            await self._save(interaction)

    async def _save(self, interaction: Interaction) -> None:
        # Writing waits its turn behind other writers: acknowledge the click first so the
        # interaction never misses Discord's 3-second window.
        self._finish()
        await interaction.response.edit_message(content=replies.SAVING, view=self)
        try:
            added = await self._write(interaction)
        except TracksideError as exc:
            self._settle(None)
            await interaction.edit_original_response(content=replies.not_saved(str(exc)), view=self)
            return
        except BaseException:
            self._settle(None)
            raise
        self._settle(added.result_id)
        text = (replies.saved if self.edit_of is None else replies.corrected)(
            added.result_id, added.check
        )
        await interaction.edit_original_response(content=text, view=self)

    async def _write(self, interaction: Interaction) -> Added:
        actor = actor_of(interaction)
        if self.edit_of is not None:
            result_id, draft = self.edit_of
            return await self.writes.edit_result(result_id, draft, actor, confirm_implausible=True)
        assert self.preview is not None  # a view is made with a preview or an edit
        return await self.writes.add_result(self.preview, actor, confirm_implausible=True)

    async def _repeat(self, interaction: Interaction) -> None:
        """A click on a preview that was already confirmed or cancelled."""
        if not self.saved.done():  # still being saved: say how it ends
            await interaction.response.defer(ephemeral=True, thinking=True)
            result_id = await asyncio.shield(self.saved)
            await interaction.followup.send(
                replies.already_saved(result_id) if result_id else replies.NOT_SAVED_PREVIEW,
                ephemeral=True,
            )
            return
        result_id = self.saved.result()
        expired = replies.EXPIRED if self.edit_of is None else replies.EDIT_EXPIRED
        await interaction.response.send_message(
            replies.already_saved(result_id) if result_id else expired, ephemeral=True
        )

    async def on_timeout(self) -> None:
        if self.done or self.message is None:
            return
        self._finish()
        self._settle(None)
        try:
            await self.message.edit(content=replies.TIMED_OUT, view=self)
        except discord.HTTPException as exc:
            log.debug("could not close an expired preview: %s", exc)


async def answer_stale_click(interaction: Interaction) -> None:
    """A Confirm/Cancel click on a preview this process does not know: made before a
    restart, or timed out. Saved previews say so in their text."""
    content = (interaction.message.content if interaction.message else "") or ""
    await interaction.response.send_message(replies.expired(content), ephemeral=True)
