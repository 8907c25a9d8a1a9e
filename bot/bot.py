"""The Discord bot: a `commands.Bot` that owns the records application.

It receives its settings and how to open the store in its constructor (as discord.py's
`examples/advanced_startup.py` does), opens and migrates the store in `setup_hook`, loads
one cog per area, and closes the store when it closes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import discord
from discord import app_commands
from discord.ext import commands

from bot.config import Settings
from bot.services.queries import Trackside

log = logging.getLogger(__name__)

EXTENSIONS = (
    "bot.cogs.records",
    "bot.cogs.athletes",
    "bot.cogs.toplists",
    "bot.cogs.admin",
    "bot.cogs.results",
    "bot.cogs.alerts",
    "bot.cogs.announcer",
)

STORE_WATCH_SECONDS = 5.0

AppOpener = Callable[[Settings], Awaitable[Trackside]]


async def open_app(settings: Settings) -> Trackside:
    return await Trackside.open(settings)


class TracksideBot(commands.Bot):
    """Trackside on Discord. Past ~1,000 servers, subclass `commands.AutoShardedBot`
    instead: nothing here depends on the base class."""

    app: Trackside

    def __init__(
        self,
        settings: Settings,
        *,
        opener: AppOpener = open_app,
        sync_on_start: bool | None = None,
        **options,
    ):
        intents = discord.Intents.none()
        intents.guilds = True  # channels and roles for permission checks; no message content
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            # Nothing the bot sends may ping: user-supplied names are shown, never obeyed.
            allowed_mentions=discord.AllowedMentions.none(),
            owner_ids=set(settings.owner_ids) or None,
            help_command=None,
            tree_cls=TracksideTree,
            **options,
        )
        self.settings = settings
        self._opener = opener
        self._sync_on_start = settings.sync_commands if sync_on_start is None else sync_on_start
        self._app: Trackside | None = None
        self._watcher: asyncio.Task[None] | None = None

    async def setup_hook(self) -> None:
        self._app = await self._opener(self.settings)
        self.app = self._app
        self._watcher = asyncio.create_task(self._watch_store(), name="trackside-store-watch")
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        if self._sync_on_start:
            synced = await self.sync_commands(self.settings.dev_guild_id)
            log.info("synced %d application commands at start-up", len(synced))

    async def sync_commands(self, guild_id: int | None = None) -> list[app_commands.AppCommand]:
        """Sync slash commands globally, or to one server (instant, for development)."""
        if guild_id is None:
            return await self.tree.sync()
        guild = discord.Object(id=guild_id)
        self.tree.copy_global_to(guild=guild)
        return await self.tree.sync(guild=guild)

    async def on_ready(self) -> None:
        log.info("ready as %s in %d servers", self.user, len(self.guilds))

    async def _watch_store(self) -> None:
        """Keep the in-memory indexes in step with writes from other processes."""
        while True:
            await asyncio.sleep(STORE_WATCH_SECONDS)
            try:
                if await self.app.refresh_if_changed():
                    log.info("store changed elsewhere: indexes reloaded")
            except Exception:
                log.exception("could not check the store for outside changes")

    async def close(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
        try:
            await super().close()
        finally:
            if self._app is not None:
                app, self._app = self._app, None
                await app.close()
                log.info("store closed")


class TracksideTree(app_commands.CommandTree):
    """The command tree with one place that answers every error."""

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        from bot.cogs.errors import answer_error

        await answer_error(interaction, error)
