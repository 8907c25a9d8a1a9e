"""/record, /progression and /records."""

from __future__ import annotations

import asyncio
import io

import discord
from discord import app_commands
from discord.ext import commands

from bot.bot import Interaction, TracksideBot
from bot.cogs.options import (
    EventOption,
    ScopeOption,
    SexChoice,
    VenueChoice,
    app_of,
    sex_of,
    venue_of,
)
from bot.cogs.views import Paginator, answer_stale_page_click, stop_pages
from bot.domain.answers import ProgressionAnswer
from bot.domain.events import Venue
from bot.render.discord_embeds import progression_embed, record_embed, records_pages
from bot.render.once import rendered

CHART_NAME = "progression.png"


def _chart(answer: ProgressionAnswer) -> bytes:
    """The progression chart, drawn off the event loop. matplotlib (with numpy) is imported
    here, on the first chart, not with the cog: it is ~40 MB resident and half a second
    of a start, for a command many processes never see."""
    from bot.render.chart import progression_chart

    return progression_chart(answer)


class Records(commands.Cog):
    def __init__(self, bot: TracksideBot):
        self.bot = bot

    async def cog_unload(self) -> None:
        """The bot is closing (or the cog reloading): its page buttons stop with it."""
        stop_pages(self.bot)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: Interaction) -> None:
        """Page buttons no live paginator owns (/records, /toplist) still get an answer."""
        await answer_stale_page_click(interaction)

    @app_commands.command(name="record", description="The current record(s) of an event")
    @app_commands.describe(
        event="The event, e.g. mile, 100m, pole vault",
        venue="Indoor (short track) or outdoor list; both if left out",
        sex="Men or women; both if left out",
        scope="World (default), an area, a nation or a meeting",
    )
    async def record(
        self,
        interaction: Interaction,
        event: app_commands.Transform[str, EventOption],
        venue: VenueChoice | None = None,
        sex: SexChoice | None = None,
        scope: app_commands.Transform[str, ScopeOption] | None = None,
    ) -> None:
        app = app_of(interaction)
        answer = await app.record(event, venue_of(venue), sex_of(sex), scope)
        await interaction.response.send_message(embed=rendered(record_embed, answer, app.flags))

    @app_commands.command(name="progression", description="A record's history, with a chart")
    @app_commands.describe(
        event="The event, e.g. mile, 100m, pole vault",
        venue="Indoor (short track) or outdoor list",
        sex="Men or women",
        scope="World (default), an area, a nation or a meeting",
    )
    async def progression(
        self,
        interaction: Interaction,
        event: app_commands.Transform[str, EventOption],
        venue: VenueChoice | None = None,
        sex: SexChoice | None = None,
        scope: app_commands.Transform[str, ScopeOption] | None = None,
    ) -> None:
        app = app_of(interaction)
        # Resolving and reading is instant and may fail with a message for the user, who
        # should see it privately: do it before deferring. The chart is the slow part.
        answer = await app.progression(event, venue_of(venue), sex_of(sex), scope)
        await interaction.response.defer(thinking=True)
        png = await asyncio.to_thread(_chart, answer)
        embed = progression_embed(answer, app.flags)
        embed.set_image(url=f"attachment://{CHART_NAME}")
        await interaction.followup.send(
            embed=embed, file=discord.File(io.BytesIO(png), filename=CHART_NAME)
        )

    @app_commands.command(name="records", description="Every record of a list, page by page")
    @app_commands.describe(
        venue="Outdoor (the main list, default) or indoor (short track)",
        sex="Men or women; both if left out",
        scope="World (default), an area, a nation or a meeting",
    )
    async def records(
        self,
        interaction: Interaction,
        venue: VenueChoice | None = None,
        sex: SexChoice | None = None,
        scope: app_commands.Transform[str, ScopeOption] | None = None,
    ) -> None:
        app = app_of(interaction)
        answer = await app.records(venue_of(venue) or Venue.OUTDOOR, sex_of(sex), scope)
        pages = rendered(records_pages, answer, app.flags)
        await Paginator(pages, interaction.user.id).start(interaction)


async def setup(bot: TracksideBot) -> None:
    await bot.add_cog(Records(bot))
