"""/toplist."""

from __future__ import annotations

import discord
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
from bot.cogs.views import PageSource, Paginator
from bot.render.discord_embeds import toplist_page
from bot.render.once import rendered
from bot.services.toplists import TopListPages

TOPLIST_LENGTH = 100  # lines over all its pages
TOPLIST_PER_PAGE = 15


class TopListSource(PageSource):
    """A top list's pages, each read when turned to (`TopListPages`): page 1 answers the
    command; how many pages there are is known once the last is reached."""

    def __init__(self, pages: TopListPages):
        self.pages = pages
        self._more: dict[int, bool] = {}  # per page read: whether lines follow it

    async def page(self, index: int) -> tuple[discord.Embed, int]:
        answer, changed = await self.pages.page(index)
        place = answer.page
        assert place is not None
        if changed:  # the list was read again from its top: what followed may not
            self._more.clear()
            self.count = None
        self._more[place.index] = place.more
        if not place.more:
            self.count = place.index + 1
        return rendered(toplist_page, answer, changed), place.index

    def has_next(self, index: int) -> bool:
        return self._more.get(index, False)


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
        pages = TopListPages(
            app_of(interaction),
            event,
            venue_of(venue),
            sex_of(sex),
            year,
            by_of(by),
            per_page=TOPLIST_PER_PAGE,
            limit=TOPLIST_LENGTH,
        )
        await Paginator(TopListSource(pages), interaction.user.id).start(interaction)


async def setup(bot: TracksideBot) -> None:
    await bot.add_cog(TopLists(bot))
