"""/result add, import, remove, edit and /ratify: moderators' writes."""

from __future__ import annotations

import logging
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.bot import Interaction, TracksideBot
from bot.cogs.confirm import CLICK_IDS, ConfirmResult, answer_stale_click
from bot.cogs.errors import answer_error
from bot.cogs.options import (
    MAX_CHOICES,
    AthleteOption,
    Choices,
    EventOption,
    SexChoice,
    VenueChoice,
    app_of,
    choice_name,
)
from bot.cogs.permissions import actor_of, defer_write, writers_only
from bot.cogs.views import custom_id_of
from bot.domain.models import RecordStatus
from bot.render import replies
from bot.render.embeds_writes import preview_embed
from bot.services.errors import TracksideError
from bot.services.writes import (
    MAX_IMPORT_BYTES,
    ImplausibleMarkError,
    ResultChanges,
    ResultDraft,
    Writes,
)

log = logging.getLogger(__name__)


class PendingRecordOption(app_commands.Transformer[TracksideBot]):
    """Autocomplete over the records awaiting ratification; the value is the entry id."""

    async def transform(self, interaction: Interaction, value: str) -> int:
        text = value.strip().lstrip("#")
        if not text.isdigit():
            raise TracksideError("Pick a pending record from the list.")
        return int(text)

    async def autocomplete(self, interaction: Interaction, value: int | float | str) -> Choices:
        app = app_of(interaction)
        query = str(value).casefold()
        choices: Choices = []
        for entry in Writes(app).pending_records():
            label = replies.pending_label(entry, app.catalogue.get(entry.key.event_key))
            if query in label.casefold():
                choices.append(app_commands.Choice(name=choice_name(label), value=str(entry.id)))
            if len(choices) == MAX_CHOICES:
                break
        return choices


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Results(commands.GroupCog, group_name="result", group_description="Moderators: results"):
    """/result …: a preview to confirm, an import, a removal, an edit. Also answers every
    click on a Confirm/Cancel button (see ConfirmResult)."""

    MAX_PREVIEWS = 1000  # finished previews are kept a while to answer a repeated click

    def __init__(self, bot: TracksideBot):
        self.bot = bot
        # This bot's previews awaiting (or past) their Confirm, by message id.
        self.previews: dict[int, ConfirmResult] = {}

    @commands.Cog.listener()
    async def on_interaction(self, interaction: Interaction) -> None:
        custom_id = custom_id_of(interaction)
        if custom_id not in CLICK_IDS:
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
        interaction: Interaction,
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
            self.previews[sent.message_id] = view
        view.message = await interaction.original_response()
        self.previews[view.message.id] = view

    @app_commands.command(name="import", description="Import results from a CSV file")
    @app_commands.describe(file="CSV with columns athlete,nation,sex,event,mark,venue,date,…")
    @writers_only()
    async def import_(self, interaction: Interaction, file: discord.Attachment) -> None:
        if file.size > MAX_IMPORT_BYTES:
            raise TracksideError(replies.import_too_large(file.size, MAX_IMPORT_BYTES))
        await defer_write(interaction)
        data = await file.read()
        report = await Writes(app_of(interaction)).import_csv(data, actor_of(interaction))
        text = replies.imported(report.imported, report.announcements)
        await interaction.followup.send(text, ephemeral=True)

    @app_commands.command(name="remove", description="Remove a result; its records revert")
    @app_commands.describe(id="The result number, e.g. 1234", reason="Why (kept in the audit log)")
    @writers_only()
    async def remove(
        self,
        interaction: Interaction,
        id: app_commands.Range[int, 1],
        reason: app_commands.Range[str, 1, 300] | None = None,
    ) -> None:
        await defer_write(interaction)
        correction = await Writes(app_of(interaction)).remove_result(
            id, actor_of(interaction), reason or ""
        )
        await interaction.followup.send(replies.removed(id, correction), ephemeral=True)

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
        interaction: Interaction,
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
        # The service merges the changes with the stored result (same athlete, by id).
        draft = await writes.edit_draft(id, changes)
        try:
            added = await writes.edit_result(id, draft, actor_of(interaction))
        except ImplausibleMarkError as exc:
            # The same second confirmation as /result add asks for a probable typo.
            view = ConfirmResult(
                writes, None, interaction.user.id, interaction.guild_id, edit_of=(id, draft)
            )
            view.message = await interaction.followup.send(
                replies.confirm_edit(exc.warnings), view=view, ephemeral=True, wait=True
            )
            self.previews[view.message.id] = view
            return
        text = replies.corrected(added.result_id, added.check)
        await interaction.followup.send(text, ephemeral=True)


class Ratification(commands.Cog):
    def __init__(self, bot: TracksideBot):
        self.bot = bot

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
        interaction: Interaction,
        record: app_commands.Transform[int, PendingRecordOption],
        status: Literal["ratified", "rejected"],
        note: app_commands.Range[str, 1, 300] | None = None,
    ) -> None:
        await defer_write(interaction)
        announcement = await Writes(app_of(interaction)).ratify(
            record, RecordStatus(status), actor_of(interaction), note or ""
        )
        await interaction.followup.send(replies.ratified(announcement), ephemeral=True)


async def setup(bot: TracksideBot) -> None:
    await bot.add_cog(Results(bot))
    await bot.add_cog(Ratification(bot))
