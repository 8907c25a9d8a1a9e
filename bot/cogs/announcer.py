"""The background task that delivers queued announcements to subscribed channels.

Announcements are written to the outbox in the same transaction as the result; this task
posts them, retrying with backoff on Discord errors (429, 5xx, network), resuming
whatever was undelivered after a restart, and never posting twice in a channel (a stable
nonce makes Discord return the message it already has). A channel that is gone or
forbidden is reported to its server (log and /alerts status), not retried forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import aiohttp
import discord
from discord.ext import commands

from bot.render.discord_embeds import announcement_embed
from bot.services.delivery import DeliveryLog, nonce_for
from bot.store.outbox import Delivery

log = logging.getLogger(__name__)

IDLE_POLL_SECONDS = 30.0  # also picks up announcements queued by another process (CLI import)


class Announcer(commands.Cog):
    def __init__(self, bot: commands.Bot):
        self.bot = bot
        self.log = DeliveryLog(bot.app)  # type: ignore[attr-defined]
        self._task: asyncio.Task[None] | None = None

    async def cog_load(self) -> None:
        self._task = asyncio.create_task(self._run(), name="trackside-announcer")

    async def cog_unload(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        await self.bot.wait_until_ready()
        wakeup = self.bot.app.outbox_wakeup  # type: ignore[attr-defined]
        while not self.bot.is_closed():
            wakeup.clear()
            try:
                await self.deliver_due()
                wait = await self.log.seconds_until_next()
            except Exception:  # never let one bad row stop announcements for good
                log.exception("announcer pass failed; trying again shortly")
                wait = 5.0
            timeout = IDLE_POLL_SECONDS if wait is None else min(wait, IDLE_POLL_SECONDS)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wakeup.wait(), timeout=max(timeout, 0.05))

    async def deliver_due(self) -> int:
        """Post every due delivery once; returns how many were delivered."""
        delivered = 0
        while due := await self.log.due():
            progressed = False
            for delivery in due:
                if await self.deliver(delivery):
                    delivered += 1
                    progressed = True
            if not progressed:
                break  # everything left is scheduled for later
        return delivered

    async def deliver(self, delivery: Delivery) -> bool:
        try:
            channel = self.bot.get_channel(delivery.channel_id) or await self.bot.fetch_channel(
                delivery.channel_id
            )
            if not isinstance(channel, discord.abc.Messageable):
                await self.log.give_up(delivery, "the alerts channel is not a text channel")
                return False
            embed = announcement_embed(delivery.announcement, self.bot.app.flags)  # type: ignore[attr-defined]
            message = await channel.send(
                embed=embed,
                nonce=nonce_for(delivery),
                allowed_mentions=discord.AllowedMentions.none(),
            )
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
        await self.log.delivered(delivery, message.id)
        log.info(
            "announcement %d delivered to channel %d", delivery.announcement_id, delivery.channel_id
        )
        return True


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Announcer(bot))
