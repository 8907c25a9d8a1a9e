"""/toplist."""

from __future__ import annotations

from discord import app_commands
from discord.ext import commands

from bot.bot import Interaction, TracksideBot
from bot.cogs.options import (
    ByChoice,
    EventOption,
    SexChoice,
    VenueChoice,
    app_of,
    by_of,
    sex_of,
    venue_of,
)
from bot.cogs.views import Paginator
from bot.render.discord_embeds import toplist_pages
from bot.render.once import rendered

TOPLIST_LENGTH = 100


class TopLists(commands.Cog):
    def __init__(self, bot: TracksideBot):
        self.bot = bot

    @app_commands.command(
        name="toplist", description="All-time or season list from results on file"
    )
    @app_commands.describe(
        event="The event, e.g. mile, 100m, pole vault",
        venue="Indoor or outdoor results only; both if left out",
        sex="Men or women (default: the event's first)",
        year="One season; all-time if left out",
        by="One line per performance (default) or per performer",
    )
    async def toplist(
        self,
        interaction: Interaction,
        event: app_commands.Transform[str, EventOption],
        venue: VenueChoice | None = None,
        sex: SexChoice | None = None,
        year: app_commands.Range[int, 1800, 2100] | None = None,
        by: ByChoice | None = None,
    ) -> None:
        answer = await app_of(interaction).top_list(
            event, venue_of(venue), sex_of(sex), year, by_of(by), limit=TOPLIST_LENGTH
        )
        await Paginator(rendered(toplist_pages, answer), interaction.user.id).start(interaction)


async def setup(bot: TracksideBot) -> None:
    await bot.add_cog(TopLists(bot))
