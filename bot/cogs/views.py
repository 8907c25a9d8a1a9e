"""Views: a button paginator that only the person who asked can turn."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

import discord

from bot.bot import Interaction, TracksideBot
from bot.cogs.errors import answer_error

log = logging.getLogger(__name__)

PAGE_TIMEOUT = 180.0  # seconds of no clicks before the buttons are disabled
PAGES_EXPIRED = "These pages have expired — run the command again."
_LIVE: weakref.WeakKeyDictionary[TracksideBot, dict[int, Paginator]] = weakref.WeakKeyDictionary()


def _live_pages(client: TracksideBot) -> dict[int, Paginator]:
    """This bot's paginators that still answer clicks, by message id."""
    return _LIVE.setdefault(client, {})


def custom_id_of(interaction: Interaction) -> str:
    """The custom id of the button (or other component) clicked; '' for anything else."""
    if interaction.type is not discord.InteractionType.component or interaction.data is None:
        return ""
    data: Mapping[str, object] = interaction.data
    return str(data.get("custom_id", ""))


def stop_pages(client: TracksideBot) -> None:
    """Stop this bot's live paginators (it is closing): none times out afterwards and
    tries to edit its message over a closed connection."""
    for paginator in _live_pages(client).values():
        paginator.stop()
    _live_pages(client).clear()


async def answer_stale_page_click(interaction: Interaction) -> None:
    """A page button on a message no live paginator owns — sent before a restart, or timed
    out while the buttons stayed (the edit failed) — gets an answer, not "interaction
    failed"."""
    custom_id = custom_id_of(interaction)
    if not custom_id.startswith("pages:") or interaction.message is None:
        return
    if interaction.message.id in _live_pages(interaction.client):
        return  # the paginator answers it
    await interaction.response.send_message(PAGES_EXPIRED, ephemeral=True)


class PageSource:
    """Pages a paginator turns through, read when turned to. `count` is None while the
    number of pages is not known yet."""

    count: int | None = None

    async def page(self, index: int) -> tuple[discord.Embed, int]:
        """Page `index` (from 0) and the index of the page it is: a source may show
        another one instead (a list that changed starts again from its first page)."""
        raise NotImplementedError

    def has_next(self, index: int) -> bool:
        """Whether a page follows page `index`, the page shown last."""
        raise NotImplementedError


class FixedPages(PageSource):
    """Pages all known beforehand (rendered lazily, bot.render.discord_embeds.Pages)."""

    def __init__(self, pages: Sequence[discord.Embed]):
        self.pages = pages
        self.count = len(pages)

    async def page(self, index: int) -> tuple[discord.Embed, int]:
        return self.pages[index], index

    def has_next(self, index: int) -> bool:
        return index < len(self.pages) - 1


class Paginator(discord.ui.View):
    """Previous / page / next buttons over pages (RoboDanny's paginator, small): a list of
    embeds, or a `PageSource` whose pages are read as they are turned to. While the number
    of pages is unknown the counter says "2/…": the page one is on, more to follow."""

    def __init__(
        self,
        pages: Sequence[discord.Embed] | PageSource,
        author_id: int,
        *,
        timeout: float | None = None,
    ):
        super().__init__(timeout=timeout or PAGE_TIMEOUT)
        self.source = pages if isinstance(pages, PageSource) else FixedPages(pages)
        self.author_id = author_id
        self.index = 0
        self.message: discord.InteractionMessage | None = None
        self._client: discord.Client | None = None
        self._live: dict[int, Paginator] | None = None
        self._turning = asyncio.Lock()  # one page turn at a time: clicks in a row in order
        self._update_buttons()

    async def start(self, interaction: Interaction) -> None:
        """Send the first page as the answer to `interaction`."""
        first, self.index = await self.source.page(0)
        if not self.source.has_next(self.index):
            await interaction.response.send_message(embed=first)
            self.stop()
            return
        self._update_buttons()
        self._client = interaction.client
        sent = await interaction.response.send_message(embed=first, view=self)
        if sent.message_id is not None:  # before the next await: the first click finds it
            self._live = _live_pages(interaction.client)
            self._live[sent.message_id] = self
        # The callback's answer carries the message (discord.py asks with_response): no
        # second request to fetch it.
        message = sent.resource
        if isinstance(message, discord.InteractionMessage):
            self.message = message
        else:
            self.message = await interaction.original_response()

    def _update_buttons(self) -> None:
        count = self.source.count
        self.previous.disabled = self.index == 0
        self.next.disabled = not self.source.has_next(self.index)
        self.counter.label = f"{self.index + 1}/{count if count is not None else '…'}"

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.author_id:
            return True
        await interaction.response.send_message(
            "Only the person who asked can turn these pages — run the command yourself.",
            ephemeral=True,
        )
        return False

    async def _show(self, interaction: Interaction, step: int) -> None:
        async with self._turning:
            index = max(0, self.index + step)
            if self.source.count is not None:
                index = min(index, self.source.count - 1)
            embed, self.index = await self.source.page(index)
            self._update_buttons()
            await interaction.response.edit_message(embed=embed, view=self)

    async def on_error(
        self, interaction: discord.Interaction[Any], error: Exception, item: discord.ui.Item[Any]
    ) -> None:
        """A page read when turned to can fail (the store): the click gets the answer a
        failed command gets, not "interaction failed"."""
        await answer_error(interaction, error)

    @discord.ui.button(
        label="◀ Previous", style=discord.ButtonStyle.secondary, custom_id="pages:previous"
    )
    async def previous(
        self, interaction: Interaction, button: discord.ui.Button[Paginator]
    ) -> None:
        await self._show(interaction, -1)

    @discord.ui.button(
        label="1/1", style=discord.ButtonStyle.secondary, disabled=True, custom_id="pages:counter"
    )
    async def counter(self, interaction: Interaction, button: discord.ui.Button[Paginator]) -> None:
        await interaction.response.defer()  # a label, never enabled

    @discord.ui.button(label="Next ▶", style=discord.ButtonStyle.primary, custom_id="pages:next")
    async def next(self, interaction: Interaction, button: discord.ui.Button[Paginator]) -> None:
        await self._show(interaction, 1)

    async def on_timeout(self) -> None:
        if self._live is not None and self.message is not None:
            self._live.pop(self.message.id, None)
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        if self._client is not None and self._client.is_closed():
            return  # the bot has closed: there is no connection left to edit with
        if self.message is not None:
            try:
                await self.message.edit(view=self)
            except discord.HTTPException as exc:  # deleted, or the token expired
                log.debug("could not disable paginator buttons: %s", exc)
