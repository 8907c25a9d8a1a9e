"""The Discord bot: a `commands.AutoShardedBot` that owns the records application.

It receives its settings and how to open the store in its constructor (as discord.py's
`examples/advanced_startup.py` does), opens and migrates the store in `setup_hook`, loads
one cog per area, and closes the store when it closes.

Sharding: with `SHARD_COUNT`/`SHARD_IDS` unset the process runs every shard, as many as
Discord recommends (`GET /gateway/bot`); set them to split the shards between processes.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeAlias

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.config import Settings
from bot.services.app import Trackside

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

# How often SQLite's data_version is looked at (one PRAGMA on the reader's thread): another
# process's write shows here within this, caught up with precisely (bot.services.catching_up).
STORE_WATCH_SECONDS = 1.0

AppOpener = Callable[[Settings], Awaitable[Trackside]]


async def open_app(settings: Settings) -> Trackside:
    return await Trackside.open(settings)


class TracksideBot(commands.AutoShardedBot):
    """Trackside on Discord: one process runs some or all of the bot's shards."""

    app: Trackside

    def __init__(
        self,
        settings: Settings,
        *,
        opener: AppOpener = open_app,
        sync_on_start: bool | None = None,
        **options: Any,
    ):
        if settings.shard_ids is not None:  # else every shard, as many as Discord advises
            options["shard_ids"] = list(settings.shard_ids)
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
            shard_count=settings.shard_count,
            **options,
        )
        self.settings = settings
        self._opener = opener
        self._sync_on_start = settings.sync_commands if sync_on_start is None else sync_on_start
        self._app: Trackside | None = None

    async def setup_hook(self) -> None:
        self._app = await self._opener(self.settings)
        self.app = self._app
        # PostgreSQL's change count is in memory (LISTEN/NOTIFY): cheap to look at often.
        self.watch_store.change_interval(
            seconds=getattr(self.app.db, "watch_seconds", STORE_WATCH_SECONDS)
        )
        self.watch_store.start()
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

    def shards_text(self) -> str:
        """The shards this process runs, e.g. "shards 0, 1 of 4" (once connected)."""
        if self.shard_count is None:  # not connected yet: what the settings ask for
            return self.settings.shards_text()
        return f"shards {', '.join(map(str, sorted(self.shards)))} of {self.shard_count}"

    def shard_of(self, guild_id: int) -> int:
        """The shard that carries a server's events (Discord's formula)."""
        return (guild_id >> 22) % (self.shard_count or 1)

    async def on_ready(self) -> None:
        log.info("ready as %s in %d servers on %s", self.user, len(self.guilds), self.shards_text())

    async def on_shard_ready(self, shard_id: int) -> None:
        servers = sum(1 for g in self.guilds if g.shard_id == shard_id)
        log.info("shard %d of %s ready, servers: %d", shard_id, self.shard_count, servers)

    async def on_shard_disconnect(self, shard_id: int) -> None:
        log.info("shard %d disconnected", shard_id)

    async def on_shard_resumed(self, shard_id: int) -> None:
        log.info("shard %d resumed", shard_id)

    @tasks.loop(seconds=STORE_WATCH_SECONDS, name="trackside-store-watch")
    async def watch_store(self) -> None:
        """Keep the in-memory indexes in step with writes from other processes (a CLI
        import, another shard's process); the interval is set in `setup_hook`."""
        try:
            if await self.app.refresh_if_changed():
                log.info("store changed elsewhere: indexes reloaded")
        except Exception:  # a passing store error must not end the watch
            log.exception("could not check the store for outside changes")

    async def close(self) -> None:
        self.watch_store.cancel()
        try:
            await super().close()
        finally:
            if self._app is not None:
                app, self._app = self._app, None
                await app.close()
                log.info("store closed")


Interaction: TypeAlias = discord.Interaction[TracksideBot]
"""What every command, check, view and option of this bot receives: its `client` is the
TracksideBot, so `interaction.client.app` is typed."""


class TracksideTree(app_commands.CommandTree[TracksideBot]):
    """The command tree with one place that answers every error."""

    async def on_error(self, interaction: Interaction, error: app_commands.AppCommandError) -> None:
        from bot.cogs.errors import answer_error

        await answer_error(interaction, error)
