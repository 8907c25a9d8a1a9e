"""The background task that delivers queued announcements to subscribed channels.

Announcements are written to the outbox in the same transaction as the result; this task
posts them, several channels at once but one post at a time (and in order) per channel,
retrying with backoff on Discord errors (429, 5xx, network), resuming whatever was
undelivered after a restart, and never posting twice in a channel: each delivery (one
announcement to one channel) has a stable nonce of its own, so Discord returns the message
it already has, and a message Discord places in another channel is not taken as delivered.
A channel that is gone or forbidden is reported to its server (log and /alerts status),
not retried forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

import aiohttp
import discord
from discord.ext import commands
from discord.http import handle_message_parameters

from bot.bot import TracksideBot
from bot.render.embeds_writes import announcement_embed
from bot.services.delivery import Delivery, DeliveryLog, nonce_for

log = logging.getLogger(__name__)

IDLE_POLL_SECONDS = 30.0  # also picks up announcements queued by another process (CLI import)
MAX_CHANNELS_AT_ONCE = 8  # posts in flight together, one per channel (discord.py rate-limits)
AFTER_UNEXPECTED_ERROR = 5.0  # seconds a channel rests after a bug, so it cannot spin


async def wait_for_wakeup(wakeup: asyncio.Event, seconds: float) -> None:
    """Until `wakeup` is set or `seconds` have passed. Not asyncio.wait_for: on Python
    3.11 it returns instead of raising when cancelled just as the event is set, and that
    swallowed bot.close()'s cancellation of the announcer (a write or the store watcher's
    reload sets the event): the process did not exit on SIGTERM."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await wakeup.wait()


class Announcer(commands.Cog):
    def __init__(self, bot: TracksideBot):
        self.bot = bot
        lease = timedelta(seconds=bot.settings.delivery_lease_seconds)
        self.log = DeliveryLog(bot.app, lease=lease)
        self._task: asyncio.Task[None] | None = None
        # Channel id -> the task posting to it. One post per channel at a time keeps each
        # channel's announcements in order; different channels do not wait for each other
        # (a channel answering 500s, retried by discord.py for ~25 s, holds up only itself).
        self._in_flight: dict[int, asyncio.Task[None]] = {}

    async def cog_load(self) -> None:
        self._task = asyncio.create_task(self._run(), name="trackside-announcer")

    async def cog_unload(self) -> None:
        tasks = [t for t in (self._task, *self._in_flight.values()) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        await self.bot.wait_until_ready()
        wakeup = self.bot.app.outbox_wakeup
        while not self.bot.is_closed():
            wakeup.clear()
            try:
                await self.start_due()
                wait = await self.log.seconds_until_next(busy=self._in_flight.keys())
            except Exception:  # never let one bad row stop announcements for good
                log.exception("announcer pass failed; trying again shortly")
                wait = 5.0
            if len(self._in_flight) >= MAX_CHANNELS_AT_ONCE:
                wait = None  # a finishing post sets wakeup
            timeout = IDLE_POLL_SECONDS if wait is None else min(wait, IDLE_POLL_SECONDS)
            await wait_for_wakeup(wakeup, max(timeout, 0.05))

    async def start_due(self) -> int:
        """Start posting the due delivery of each idle channel, up to the limit; returns
        how many posts were started."""
        free = MAX_CHANNELS_AT_ONCE - len(self._in_flight)
        if free <= 0:
            return 0
        due = await self.log.claim(limit=free, busy=self._in_flight.keys())
        for delivery in due:
            self._in_flight[delivery.channel_id] = asyncio.create_task(
                self._deliver_in_turn(delivery),
                name=f"trackside-announce-{delivery.announcement_id}-{delivery.channel_id}",
            )
        return len(due)

    async def _deliver_in_turn(self, delivery: Delivery) -> None:
        try:
            await self.deliver(delivery)
        except Exception as exc:  # a bug, or the store failing: count it as an attempt
            log.exception(
                "announcement %d to channel %d: unexpected error",
                delivery.announcement_id,
                delivery.channel_id,
            )
            try:
                await self.log.retry_later(delivery, f"unexpected error: {exc!r}"[:300])
            except Exception:  # the row stays due: rest before the channel is tried again
                log.exception("could not record the failed attempt")
                await asyncio.sleep(AFTER_UNEXPECTED_ERROR)
        finally:
            self._in_flight.pop(delivery.channel_id, None)
            self.bot.app.outbox_wakeup.set()

    async def deliver(self, delivery: Delivery) -> bool:
        try:
            channel = self.bot.get_channel(delivery.channel_id) or await self.bot.fetch_channel(
                delivery.channel_id
            )
            if not isinstance(channel, discord.abc.Messageable):
                await self.log.give_up(delivery, "the alerts channel is not a text channel")
                return False
            embed = announcement_embed(delivery.announcement, self.bot.app.flags)
            # discord.py's own send, minus building a Message: we need the channel Discord
            # answers with (a Message takes the channel we asked for).
            with handle_message_parameters(
                embed=embed,
                nonce=nonce_for(delivery),
                allowed_mentions=discord.AllowedMentions.none(),
            ) as params:
                data = await self.bot.http.send_message(delivery.channel_id, params=params)
        except discord.NotFound:
            await self.log.give_up(
                delivery, f"the alerts channel {delivery.channel_id} no longer exists"
            )
            return False
        except discord.Forbidden:
            await self.log.give_up(
                delivery,
                f"I am not allowed to post in <#{delivery.channel_id}> "
                "(I need View Channel, Send Messages and Embed Links)",
            )
            return False
        except discord.HTTPException as exc:  # 429 after discord.py's own retries, 5xx, …
            await self.log.retry_later(delivery, f"Discord error {exc.status}: {exc.text[:200]}")
            return False
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            await self.log.retry_later(delivery, f"network error: {exc!r}"[:300])
            return False
        if not await self.log.posted(delivery, int(data["id"]), int(data["channel_id"])):
            return False
        log.info(
            "announcement %d delivered to channel %d", delivery.announcement_id, delivery.channel_id
        )
        return True


async def setup(bot: TracksideBot) -> None:
    await bot.add_cog(Announcer(bot))
