"""Starting and stopping the bot: token check, logging, signals, command sync."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

import discord

from bot.bot import TracksideBot
from bot.config import Settings
from bot.services.app import Trackside

log = logging.getLogger(__name__)

NO_TOKEN = """\
trackside: no DISCORD_TOKEN is set, so the bot cannot log in to Discord.

  1. Open https://discord.com/developers/applications, create an application (or pick
     yours), open "Bot" and press "Reset Token" to get the token.
  2. Put it in a file named .env in this folder:   DISCORD_TOKEN=your-token-here
     (or export DISCORD_TOKEN in the environment). See .env.example for every setting.

To try Trackside without Discord:  trackside ask "/record mile indoor"
"""


def _setup_logging(settings: Settings) -> None:
    discord.utils.setup_logging(level=settings.log_level_number, root=True)


def _require_token(settings: Settings) -> str | None:
    if not settings.discord_token:
        print(NO_TOKEN, file=sys.stderr, end="")
        return None
    return settings.discord_token.reveal()


def run_bot(settings: Settings, *, sync: bool = False) -> int:
    """`trackside run`: run until Discord closes us, or SIGTERM/SIGINT asks us to stop."""
    token = _require_token(settings)
    if token is None:
        return 2
    _setup_logging(settings)
    try:
        return asyncio.run(_run(settings, token, sync=sync))
    except KeyboardInterrupt:  # a second Ctrl-C while closing
        return 130


async def _run(settings: Settings, token: str, *, sync: bool) -> int:
    # The store is opened before logging in: a damaged, read-only or too new database stops
    # the start with one line (StoreError, reported by `bot.__main__`) instead of a bot
    # that answers every write with "something went wrong".
    app = await Trackside.open(settings)
    handed: list[Trackside] = []

    async def opener(_settings: Settings) -> Trackside:
        handed.append(app)  # from here on the bot closes it
        return app

    bot = TracksideBot(settings, sync_on_start=sync or settings.sync_commands, opener=opener)
    log.info("starting Trackside on %s", settings.shards_text())
    loop = asyncio.get_running_loop()
    closing: list[asyncio.Task[None]] = []  # held so the close task is not collected

    def stop(signame: str) -> None:
        if not closing:
            log.info("%s received: closing the bot and the store", signame)
            closing.append(loop.create_task(bot.close()))

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop, sig.name)
    try:
        async with bot:
            await bot.start(token)
    except discord.LoginFailure:
        log.error("Discord refused the token: check DISCORD_TOKEN (reset it if it leaked)")
        return 1
    except discord.PrivilegedIntentsRequired:
        log.error("Discord refused the gateway intents requested")
        return 1
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        if closing:
            await closing[0]
        if not handed:  # never logged in far enough to take it
            await app.close()
    return 0


def sync_commands(settings: Settings, *, guild_id: int | None = None) -> int:
    """`trackside sync [--guild ID]`: log in over HTTP only, sync, exit."""
    token = _require_token(settings)
    if token is None:
        return 2
    _setup_logging(settings)
    return asyncio.run(_sync(settings, token, guild_id or settings.dev_guild_id))


async def _sync(settings: Settings, token: str, guild_id: int | None) -> int:
    bot = TracksideBot(settings, sync_on_start=False)
    try:
        async with bot:
            await bot.login(token)  # runs setup_hook: store opened, cogs loaded
            synced = await bot.sync_commands(guild_id)
    except discord.LoginFailure:
        log.error("Discord refused the token: check DISCORD_TOKEN")
        return 1
    where = f"to server {guild_id}" if guild_id else "globally (may take up to an hour to show)"
    print(f"synced {len(synced)} commands {where}: {', '.join('/' + c.name for c in synced)}")
    return 0
