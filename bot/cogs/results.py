"""/result add, import, remove, edit and /ratify: moderators' writes."""

from __future__ import annotations

import logging
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
from bot.cogs.permissions import actor_of, writers_only
from bot.domain.marks import format_wind
from bot.domain.models import RecordStatus
from bot.render.common import format_day
from bot.render.discord_embeds import preview_embed, safe
from bot.services.errors import TracksideError
from bot.services.writes import MAX_IMPORT_BYTES, Added, Preview, ResultDraft, Writes

log = logging.getLogger(__name__)


def _added_text(added: Added) -> str:
    if not added.check.breaks:
        return f"Saved as result #{added.result_id}. It breaks or equals no record on file."
    names = ", ".join(
        f"{b.kind.value} the {b.performance.event.name} "
        f"{b.key.scope.code} {b.key.list.value} record"
        for b in added.check.breaks
    )
    return f"Saved as result #{added.result_id}: {names}. Announced to subscribed channels."


class ConfirmResult(discord.ui.View):
    """Confirm / Cancel for a previewed result, locked to the moderator who asked.

    A mark that beats a world record by an implausible margin needs a second click."""

    def __init__(self, writes: Writes, preview: Preview, author_id: int, guild_id: int | None):
        super().__init__(timeout=300)
        self.writes = writes
        self.preview = preview
        self.author_id = author_id
        self.guild_id = guild_id
        self.needs_second_click = bool(preview.warnings)
        self.message: discord.InteractionMessage | None = None
        self.done = False

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.author_id:
            return True
        await interaction.response.send_message(
            "Only the moderator who previewed this result can confirm it.", ephemeral=True
        )
        return False

    def _finish(self) -> None:
        self.done = True
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        self.stop()

    @discord.ui.button(
        label="Confirm", style=discord.ButtonStyle.success, custom_id="result:confirm"
    )
    async def confirm(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        if self.needs_second_click:
            self.needs_second_click = False
            button.label = "Confirm again — I checked the mark"
            button.style = discord.ButtonStyle.danger
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
            added = await self.writes.add_result(
                self.preview, actor_of(interaction), confirm_implausible=True
            )
        except TracksideError as exc:
            await interaction.edit_original_response(content=f"Not saved: {exc}", view=self)
            return
        await interaction.edit_original_response(content=_added_text(added), view=self)

    @discord.ui.button(
        label="Cancel", style=discord.ButtonStyle.secondary, custom_id="result:cancel"
    )
    async def cancel(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        self._finish()
        await interaction.response.edit_message(content="Cancelled: nothing was saved.", view=self)

    async def on_timeout(self) -> None:
        if self.done or self.message is None:
            return
        self._finish()
        try:
            await self.message.edit(content="Timed out: nothing was saved.", view=self)
        except discord.HTTPException as exc:
            log.debug("could not close an expired preview: %s", exc)

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item
    ) -> None:
        await answer_error(interaction, error)


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
        await interaction.response.send_message(
            embed=preview_embed(preview, app.flags), view=view, ephemeral=True
        )
        view.message = await interaction.original_response()

    @app_commands.command(name="import", description="Import results from a CSV file")
    @app_commands.describe(file="CSV with columns athlete,nation,sex,event,mark,venue,date,…")
    @writers_only()
    async def import_(self, interaction: discord.Interaction, file: discord.Attachment) -> None:
        if file.size > MAX_IMPORT_BYTES:
            raise TracksideError(
                f"That file is {file.size:,} bytes; an import takes at most {MAX_IMPORT_BYTES:,}."
            )
        await interaction.response.defer(ephemeral=True, thinking=True)
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
        correction = await Writes(app_of(interaction)).remove_result(
            id, actor_of(interaction), reason or ""
        )
        text = f"Removed result #{id}."
        if correction is not None:
            text += " " + safe(correction.text, 1500) + " Subscribed channels are told."
        await interaction.response.send_message(text, ephemeral=True)

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
        app = app_of(interaction)
        old = await app.results.get(id)
        if old is None:
            raise TracksideError(f"No result #{id} is on file.")
        draft = ResultDraft(
            athlete=f"#{old.athlete.id}",
            event=old.event.key,
            mark=mark or (str(old.mark) if old.mark else old.status.value),
            venue=venue or old.venue.value,
            date=date or old.date.isoformat(),
            competition=competition or old.competition,
            place=place if place is not None else old.place,
            round=round if round is not None else old.round,
            wind=wind if wind is not None else _wind_text(old.wind),
            splits=splits
            if splits is not None
            else ", ".join(f"{s.event.key}={s.mark}" for s in old.splits),
            source=source if source is not None else old.source,
            city=old.city,
            country=old.country,
        )
        added = await Writes(app).edit_result(id, draft, actor_of(interaction))
        await interaction.response.send_message(
            "Corrected. " + _added_text(added).replace("Saved as", "Now"), ephemeral=True
        )


def _wind_text(tenths: int | None) -> str | None:
    return None if tenths is None else format_wind(tenths)


class Results(commands.Cog):
    def __init__(self, bot: commands.Bot):
        self.bot = bot
        self.group = ResultCommands()
        bot.tree.add_command(self.group)

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
        announcement = await Writes(app_of(interaction)).ratify(
            record, RecordStatus(status), actor_of(interaction), note or ""
        )
        await interaction.response.send_message(
            f"{safe(announcement.text, 1800)} Subscribed channels are told.", ephemeral=True
        )


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Results(bot))
