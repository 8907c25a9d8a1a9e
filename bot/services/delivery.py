"""Delivering queued announcements: what is due, and what happened to each attempt.

The Discord side (bot/cogs/announcer.py) sends; this decides retries and backoff and
records outcomes, so the rules are testable without Discord.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.services.queries import Trackside
from bot.store.outbox import Delivery, OutboxRepository, SubscriptionRepository

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=2)
LONGEST_RETRY = timedelta(minutes=10)


def backoff(attempts: int) -> timedelta:
    """2 s, 4 s, 8 s … capped at 10 minutes: `attempts` is how many have failed so far."""
    return min(FIRST_RETRY * (2 ** max(attempts, 0)), LONGEST_RETRY)


def nonce_for(delivery: Delivery) -> str:
    """A stable nonce (≤ 25 characters): Discord returns the message already posted for a
    repeated nonce, so a retry after a crash cannot post the announcement twice."""
    return f"ts-{delivery.announcement_id}"


class DeliveryLog:
    def __init__(self, app: Trackside, *, now: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.app = app
        self.now = now

    async def due(self, limit: int = 20) -> list[Delivery]:
        return await OutboxRepository.due(self.app.db.reader, self.now(), limit)

    async def seconds_until_next(self) -> float | None:
        moment = await OutboxRepository.next_due(self.app.db.reader)
        if moment is None:
            return None
        return max((moment - self.now()).total_seconds(), 0.0)

    async def delivered(self, delivery: Delivery, message_id: int) -> None:
        async with self.app.db.transaction() as conn:
            await OutboxRepository.delivered(
                conn, delivery.announcement_id, delivery.channel_id, message_id
            )

    async def retry_later(self, delivery: Delivery, error: str) -> bool:
        """Schedule another attempt; False (and the delivery failed) once attempts run out."""
        if delivery.attempts + 1 >= MAX_ATTEMPTS:
            await self.give_up(delivery, f"gave up after {MAX_ATTEMPTS} attempts: {error}")
            return False
        delay = backoff(delivery.attempts)
        async with self.app.db.transaction() as conn:
            await OutboxRepository.retry(
                conn, delivery.announcement_id, delivery.channel_id, error, delay, self.now()
            )
        log.info(
            "announcement %d to channel %d failed (%s); retrying in %.0f s",
            delivery.announcement_id,
            delivery.channel_id,
            error,
            delay.total_seconds(),
        )
        return True

    async def give_up(self, delivery: Delivery, problem: str) -> None:
        """The channel is gone or forbidden (or never answers): stop, and tell its server's
        managers through /alerts status and the log."""
        async with self.app.db.transaction() as conn:
            await OutboxRepository.failed(
                conn, delivery.announcement_id, delivery.channel_id, problem
            )
            await SubscriptionRepository.report_problem(conn, delivery.guild_id, problem)
        log.warning(
            "announcement %d not delivered to channel %d of server %d: %s",
            delivery.announcement_id,
            delivery.channel_id,
            delivery.guild_id,
            problem,
        )

    async def counts(self) -> dict[str, int]:
        return await OutboxRepository.counts(self.app.db.reader)
