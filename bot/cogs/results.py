"""/result add, import, remove, edit and /ratify: moderators' writes."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.errors import answer_error
from bot.cogs.options import (
    AthleteOption,
    EventOption,
    SexChoice,
    VenueChoice,
    app_of,
    choice_name,
)
from bot.cogs.permissions import actor_of, defer_write, refusal_for, writers_only
from bot.domain.models import RecordStatus
from bot.render.common import format_day
from bot.render.discord_embeds import preview_embed, safe
from bot.services.errors import TracksideError
from bot.services.writes import (
    MAX_IMPORT_BYTES,
    Added,
    ImplausibleMarkError,
    Preview,
    ResultChanges,
    ResultDraft,
    Writes,
)

log = logging.getLogger(__name__)


def _added_text(added: Added) -> str:
    if not added.check.breaks:
        return f"Saved as result #{added.result_id}. It breaks or equals no record on file."
    names = ", ".join(
        f"{b.kind.value} the {b.performance.event.name} "
        f"{safe(b.key.scope.code, 60)} {b.key.list.value} record"
        for b in added.check.breaks
    )
    return f"Saved as result #{added.result_id}: {names}. Announced to subscribed channels."


def _edited_text(added: Added) -> str:
    return "Corrected. " + _added_text(added).replace("Saved as", "Now")


CONFIRM_ID = "result:confirm"
CANCEL_ID = "result:cancel"
EXPIRED = "This preview has expired — run /result add again."
EDIT_EXPIRED = "This correction has expired — run /result edit again."
EDIT_PROMPT = "⚠️ Not corrected yet: "
_SAVED = re.compile(r"(?:Saved as|Now) result #(\d+)")


def _already_saved(result_id: int) -> str:
    return f"This result was already saved (#{result_id})."


async def _refused(interaction: discord.Interaction) -> bool:
    """Re-run the write permission check for the member who clicked, with their roles as
    they are now: a preview does not keep a right that was taken away."""
    refusal = refusal_for(interaction)
    if refusal is None:
        return False
    await interaction.response.send_message(f"Not saved: {refusal}", ephemeral=True)
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
        self.confirm = discord.ui.Button(
            label="Confirm" if edit_of is None else "Confirm — I checked the mark",
            style=discord.ButtonStyle.success if edit_of is None else discord.ButtonStyle.danger,
            custom_id=CONFIRM_ID,
        )
        self.cancel = discord.ui.Button(
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

    async def handle(self, interaction: discord.Interaction, custom_id: str) -> None:
        if self.done:
            await self._repeat(interaction)
            return
        if interaction.user.id != self.author_id:
            await interaction.response.send_message(
                "Only the moderator who previewed this result can confirm it.", ephemeral=True
            )
            return
        if custom_id == CANCEL_ID:
            self._finish()
            self._settle(None)
            await interaction.response.edit_message(
                content="Cancelled: nothing was saved.", view=self
            )
            return
        if await _refused(interaction):
            return
        if self.needs_second_click:
            self.needs_second_click = False
            self.confirm.label = "Confirm again — I checked the mark"
            self.confirm.style = discord.ButtonStyle.danger
            await interaction.response.edit_message(
                content="⚠️ This mark beats a world record by more than 2%. "
                "Check it, then confirm again to save it.",
                view=self,
            )
            return
        # Writing waits its turn behind other writers: acknowledge the click first so the
        # interaction never misses Discord's 3-second window.
        self._finish()
        await interaction.response.edit_message(content="Saving…", view=self)
        try:
            if self.edit_of is not None:
                result_id, draft = self.edit_of
                added = await self.writes.edit_result(
                    result_id, draft, actor_of(interaction), confirm_implausible=True
                )
                text = _edited_text(added)
            else:
                assert self.preview is not None
                added = await self.writes.add_result(
                    self.preview, actor_of(interaction), confirm_implausible=True
                )
                text = _added_text(added)
        except TracksideError as exc:
            self._settle(None)
            await interaction.edit_original_response(
                content=f"Not saved: {safe(str(exc), 1800)}", view=self
            )
            return
        except BaseException:
            self._settle(None)
            raise
        self._settle(added.result_id)
        await interaction.edit_original_response(content=text, view=self)

    async def _repeat(self, interaction: discord.Interaction) -> None:
        """A click on a preview that was already confirmed or cancelled."""
        if not self.saved.done():  # still being saved: say how it ends
            await interaction.response.defer(ephemeral=True, thinking=True)
            result_id = await asyncio.shield(self.saved)
            await interaction.followup.send(
                _already_saved(result_id) if result_id else "That preview was not saved.",
                ephemeral=True,
            )
            return
        result_id = self.saved.result()
        expired = EXPIRED if self.edit_of is None else EDIT_EXPIRED
        await interaction.response.send_message(
            _already_saved(result_id) if result_id else expired, ephemeral=True
        )

    async def on_timeout(self) -> None:
        if self.done or self.message is None:
            return
        self._finish()
        self._settle(None)
        try:
            await self.message.edit(content="Timed out: nothing was saved.", view=self)
        except discord.HTTPException as exc:
            log.debug("could not close an expired preview: %s", exc)


async def answer_stale_click(interaction: discord.Interaction) -> None:
    """A Confirm/Cancel click on a preview this process does not know: made before a
    restart, or timed out. Saved previews say so in their text."""
    content = (interaction.message.content if interaction.message else "") or ""
    found = _SAVED.search(content)
    expired = EDIT_EXPIRED if content.startswith(EDIT_PROMPT) else EXPIRED
    text = _already_saved(int(found.group(1))) if found else expired
    await interaction.response.send_message(text, ephemeral=True)


class PendingRecordOption(app_commands.Transformer):
    """Autocomplete over the records awaiting ratification; the value is the entry id."""

    async def transform(self, interaction: discord.Interaction, value: str) -> int:
        text = value.strip().lstrip("#")
        if not text.isdigit():
            raise TracksideError("Pick a pending record from the list.")
        return int(text)

    async def autocomplete(
        self, interaction: discord.Interaction, value: str
    ) -> list[app_commands.Choice[str]]:
        app = app_of(interaction)
        query = value.casefold()
        choices = []
        for entry in Writes(app).pending_records():
            event = app.catalogue.get(entry.key.event_key)
            label = (
                f"{event.name} {entry.key.scope.code} {entry.key.list.value} "
                f"{entry.key.sex.label}: {entry.mark} {entry.athlete.name} "
                f"({format_day(entry.date)})"
            )
            if query in label.casefold():
                choices.append(app_commands.Choice(name=choice_name(label), value=str(entry.id)))
            if len(choices) == 25:
                break
        return choices


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class ResultCommands(app_commands.Group, name="result", description="Moderators: results"):
    @app_commands.command(name="add", description="Add a result (preview, then confirm)")
    @app_commands.describe(
        athlete="The athlete (pick from the list, or type a new name with nation and sex)",
        event="The event, e.g. mile, 100m",
        mark="The mark as written: 3:45.14, 9.58, 8.95, 9126; DNF/DNS/DQ",
        venue="Indoor (short track) or outdoor",
        date="The competition's local date, e.g. 2025-02-13",
        competition="The competition, e.g. Millrose Games",
        nation="Nation code (for a new athlete), e.g. NOR",
        sex="Men or women (for a new athlete)",
        place="Place in the race",
        round="Round: heat, semi, final",
        wind="Wind in m/s, e.g. +1.2 (wind-affected outdoor events)",
        splits="Intermediate times, e.g. 1500m=3:29.63",
        source="Where the result comes from (URL or text)",
        city="The city of the competition, e.g. Liévin",
        country="The country of the competition, e.g. FRA",
    )
    @writers_only()
    async def add(
        self,
        interaction: discord.Interaction,
        athlete: app_commands.Transform[str, AthleteOption],
        event: app_commands.Transform[str, EventOption],
        mark: app_commands.Range[str, 1, 50],
        venue: VenueChoice,
        date: app_commands.Range[str, 1, 40],
        competition: app_commands.Range[str, 1, 100],
        nation: app_commands.Range[str, 1, 60] | None = None,
        sex: SexChoice | None = None,
        place: app_commands.Range[int, 1, 1000] | None = None,
        round: app_commands.Range[str, 1, 30] | None = None,
        wind: app_commands.Range[str, 1, 10] | None = None,
        splits: app_commands.Range[str, 1, 300] | None = None,
        source: app_commands.Range[str, 1, 500] | None = None,
        city: app_commands.Range[str, 1, 100] | None = None,
        country: app_commands.Range[str, 1, 60] | None = None,
    ) -> None:
        app = app_of(interaction)
        writes = Writes(app)
        draft = ResultDraft(
            athlete=athlete, event=event, mark=mark, venue=venue, date=date,
            competition=competition, nation=nation, sex=sex, place=place, round=round,
            wind=wind, splits=splits, source=source, city=city, country=country,
        )  # fmt: skip
        preview = await writes.preview(draft)
        view = ConfirmResult(writes, preview, interaction.user.id, interaction.guild_id)
        sent = await interaction.response.send_message(
            embed=preview_embed(preview, app.flags), view=view, ephemeral=True
        )
        # Known before the next await, so the first click already finds it.
        if sent.message_id is not None:
            previews_of(interaction)[sent.message_id] = view
        view.message = await interaction.original_response()
        previews_of(interaction)[view.message.id] = view

    @app_commands.command(name="import", description="Import results from a CSV file")
    @app_commands.describe(file="CSV with columns athlete,nation,sex,event,mark,venue,date,…")
    @writers_only()
    async def import_(self, interaction: discord.Interaction, file: discord.Attachment) -> None:
        if file.size > MAX_IMPORT_BYTES:
            raise TracksideError(
                f"That file is {file.size:,} bytes; an import takes at most {MAX_IMPORT_BYTES:,}."
            )
        await defer_write(interaction)
        data = await file.read()
        report = await Writes(app_of(interaction)).import_csv(data, actor_of(interaction))
        records = [
            a.headline.capitalize() + f": {safe(a.athlete)} {a.mark}" for a in report.announcements
        ]
        text = f"Imported {report.imported} results in one go."
        if records:
            text += " Records:\n" + "\n".join(f"• {r}" for r in records[:20])
            if len(records) > 20:
                text += f"\n… and {len(records) - 20} more"
        else:
            text += " No records broken or equalled."
        await interaction.followup.send(text[:2000], ephemeral=True)

    @app_commands.command(name="remove", description="Remove a result; its records revert")
    @app_commands.describe(id="The result number, e.g. 1234", reason="Why (kept in the audit log)")
    @writers_only()
    async def remove(
        self,
        interaction: discord.Interaction,
        id: app_commands.Range[int, 1],
        reason: app_commands.Range[str, 1, 300] | None = None,
    ) -> None:
        await defer_write(interaction)
        correction = await Writes(app_of(interaction)).remove_result(
            id, actor_of(interaction), reason or ""
        )
        text = f"Removed result #{id}."
        if correction is not None:
            text += " " + safe(correction.text, 1500) + " Subscribed channels are told."
        await interaction.followup.send(text, ephemeral=True)

    @app_commands.command(name="edit", description="Correct a result; records are recomputed")
    @app_commands.describe(
        id="The result number",
        mark="New mark",
        wind="New wind",
        date="New date",
        venue="New venue",
        competition="New competition",
        place="New place",
        round="New round",
        splits="New splits (replace the old ones), e.g. 1500m=3:29.63",
        source="New source",
    )
    @writers_only()
    async def edit(
        self,
        interaction: discord.Interaction,
        id: app_commands.Range[int, 1],
        mark: app_commands.Range[str, 1, 50] | None = None,
        wind: app_commands.Range[str, 1, 10] | None = None,
        date: app_commands.Range[str, 1, 40] | None = None,
        venue: VenueChoice | None = None,
        competition: app_commands.Range[str, 1, 100] | None = None,
        place: app_commands.Range[int, 1, 1000] | None = None,
        round: app_commands.Range[str, 1, 30] | None = None,
        splits: app_commands.Range[str, 1, 300] | None = None,
        source: app_commands.Range[str, 1, 500] | None = None,
    ) -> None:
        await defer_write(interaction)
        writes = Writes(app_of(interaction))
        changes = ResultChanges(
            mark=mark, wind=wind, date=date, venue=venue, competition=competition,
            place=place, round=round, splits=splits, source=source,
        )  # fmt: skip
        draft = await writes.edit_draft(id, changes)
        try:
            added = await writes.edit_result(id, draft, actor_of(interaction))
        except ImplausibleMarkError as exc:
            # The same second confirmation as /result add asks for a probable typo.
            view = ConfirmResult(
                writes, None, interaction.user.id, interaction.guild_id, edit_of=(id, draft)
            )
            view.message = await interaction.followup.send(
                EDIT_PROMPT
                + safe(" ".join(exc.warnings), 1500)
                + " Check it, then confirm to save it.",
                view=view,
                ephemeral=True,
                wait=True,
            )
            previews_of(interaction)[view.message.id] = view
            return
        await interaction.followup.send(_edited_text(added), ephemeral=True)


def previews_of(interaction: discord.Interaction) -> dict[int, ConfirmResult]:
    """This bot's previews awaiting (or past) their Confirm, by message id."""
    cog = interaction.client.get_cog("Results")  # type: ignore[attr-defined]
    return cog.previews


class Results(commands.Cog):
    MAX_PREVIEWS = 1000  # finished previews are kept a while to answer a repeated click

    def __init__(self, bot: commands.Bot):
        self.bot = bot
        self.group = ResultCommands()
        bot.tree.add_command(self.group)
        self.previews: dict[int, ConfirmResult] = {}

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Every click on a Confirm/Cancel button gets an answer (see ConfirmResult)."""
        if interaction.type is not discord.InteractionType.component:
            return
        custom_id = (interaction.data or {}).get("custom_id")
        if custom_id not in (CONFIRM_ID, CANCEL_ID):
            return
        message_id = interaction.message.id if interaction.message else None
        view = self.previews.get(message_id) if message_id else None
        try:
            if view is None:
                await answer_stale_click(interaction)
            else:
                await view.handle(interaction, custom_id)
        except Exception as exc:
            await answer_error(interaction, exc)
        finally:
            self._forget_old()

    def _forget_old(self) -> None:
        while len(self.previews) > self.MAX_PREVIEWS:
            oldest = next(iter(self.previews))
            if not self.previews[oldest].done:
                break
            del self.previews[oldest]

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.group.name)

    @app_commands.command(
        name="ratify", description="Moderators: ratify or reject a pending record"
    )
    @app_commands.describe(
        record="The pending record", status="Ratified or rejected", note="A note (kept with it)"
    )
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @writers_only()
    async def ratify(
        self,
        interaction: discord.Interaction,
        record: app_commands.Transform[int, PendingRecordOption],
        status: Literal["ratified", "rejected"],
        note: app_commands.Range[str, 1, 300] | None = None,
    ) -> None:
        await defer_write(interaction)
        announcement = await Writes(app_of(interaction)).ratify(
            record, RecordStatus(status), actor_of(interaction), note or ""
        )
        await interaction.followup.send(
            f"{safe(announcement.text, 1800)} Subscribed channels are told.", ephemeral=True
        )


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Results(bot))
