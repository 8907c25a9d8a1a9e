"""Delivering queued announcements: what is due, and what happened to each attempt.

The Discord side (bot/cogs/announcer.py) sends; this decides retries and backoff and
records outcomes, so the rules are testable without Discord.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta

from bot.services.app import Trackside
from bot.store import write_log
from bot.store.outbox import Delivery, OutboxRepository, SubscriptionRepository

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=2)
LONGEST_RETRY = timedelta(minutes=10)
# How long a claimed delivery stays this process's (OutboxRepository.claim) unless renewed:
# a crashed process's posts are finished by another (or by itself, restarted) this soon
# after. The setting DELIVERY_LEASE_SECONDS changes it (bot/config.py). While a post is
# under way (discord.py retrying a 5xx for ~25 s, waiting out a rate limit) its lease is
# renewed every third of a lease, for at most MAX_HOLD; a post outlasting even that may be
# claimed again, by another process only (in this one the channel is busy), and then posts
# with the same nonce, which Discord answers with the message already created.
LEASE = timedelta(seconds=10)
MAX_HOLD = timedelta(minutes=2)


def backoff(attempts: int) -> timedelta:
    """2 s, 4 s, 8 s … capped at 10 minutes: `attempts` is how many have failed so far."""
    return min(FIRST_RETRY * (2 ** max(attempts, 0)), LONGEST_RETRY)


NONCE_LIMIT = 25  # Discord refuses longer nonces
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def _base36(number: int) -> str:
    digits = ""
    while True:
        number, digit = divmod(number, 36)
        digits = _BASE36[digit] + digits
        if not number:
            return digits


def nonce_for(delivery: Delivery) -> str:
    """The nonce of one delivery: one announcement to one channel.

    Discord answers a repeated nonce from the same author (within a few minutes, in ANY
    channel) with the message it already created, so a retry after a crash or a lost
    answer cannot post twice, and each channel needs a nonce of its own. Built from the
    delivery's key alone, so it is the same on every retry and after a restart:
    ``ts`` + the announcement id + ``.`` + the channel id, both in base 36 (a snowflake
    takes at most 13 characters), which fits in 25 characters for any announcement id
    below 36**9; past that a hash of the pair (never reached in practice)."""
    announcement, channel = delivery.announcement_id, delivery.channel_id
    nonce = f"ts{_base36(announcement)}.{_base36(channel)}"
    if len(nonce) > NONCE_LIMIT:
        pair = f"{announcement}:{channel}".encode()
        nonce = "th" + hashlib.blake2b(pair, digest_size=11).hexdigest()  # 24 characters
    return nonce


class DeliveryLog:
    def __init__(
        self,
        app: Trackside,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        lease: timedelta = LEASE,
    ):
        self.app = app
        self.now = now
        self.lease = lease
        # What this process has claimed and not yet recorded an outcome for: (announcement
        # id, channel id) -> (the lease it wrote, when it claimed); see `renew_leases`.
        self._held: dict[tuple[int, int], tuple[datetime, datetime]] = {}
        self._renewer: asyncio.Task[None] | None = None
        self._claimed_last = False  # whether the last claim found anything
        # Posts recorded together (see _record_delivered).
        self._batch: list[tuple[int, int, int]] | None = None
        self._batch_done: asyncio.Future[None] | None = None
        self._flushing: set[asyncio.Task[None]] = set()

    async def due(self, limit: int = 20, busy: Collection[int] = ()) -> list[Delivery]:
        """The next delivery of each channel (oldest announcement first, so a channel gets
        its announcements in order) that is due now, leaving out `busy` channels."""
        return await OutboxRepository.due_per_channel(self.app.db.reader, self.now(), limit, busy)

    async def claim(self, limit: int = 20, busy: Collection[int] = ()) -> list[Delivery]:
        """Like `due`, but claimed with a lease, so that of several processes (shards)
        exactly one posts each delivery; see OutboxRepository.claim.

        A pass that finds nothing due is a read: the write transaction (SQLite's BEGIN
        IMMEDIATE, PostgreSQL's advisory lock) is taken only when there is something to
        claim, so idle processes do not queue behind each other's writes. What the read saw
        may be gone by the time the lock is held (another process claimed it): the claim
        then finds less, or nothing, and that is all. Right after a claim that found
        something the look is skipped: a busy stream of deliveries would only pay for the
        same query twice."""
        if not self._claimed_last and not await OutboxRepository.due_per_channel(
            self.app.db.reader, self.now(), 1, busy
        ):
            return []
        now = self.now()
        async with self.app.db.transaction(quiet=True, short=True) as conn:
            claimed = await OutboxRepository.claim(conn, now, self.lease, limit, busy)
        # While deliveries keep coming, the next pass most likely finds some too: it skips
        # the look (the same query again) and claims straight away.
        self._claimed_last = bool(claimed)
        if claimed:
            log.info(
                "claimed deliveries (announcement:channel) %s",
                ", ".join(f"{d.announcement_id}:{d.channel_id}" for d in claimed),
            )
            for delivery in claimed:
                self._held[_key(delivery)] = (now + self.lease, now)
            self._start_renewing()
        return claimed

    def _start_renewing(self) -> None:
        if self._renewer is None or self._renewer.done():
            self._renewer = asyncio.get_running_loop().create_task(
                self._renew_while_held(), name="trackside-lease-renewal"
            )

    async def _renew_while_held(self) -> None:
        while self._held:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            try:
                await self.renew_leases()
            except Exception:  # the store failing: the leases run out, another takes over
                log.exception("could not renew delivery leases")

    async def renew_leases(self) -> int:
        """Extend the lease of every delivery this process is still posting (claimed, no
        outcome recorded yet), so a slow post is not taken over by another process; one
        held longer than MAX_HOLD is let go. A lease another process has taken since (it
        expired while this one stalled) is not ours to extend. Returns how many were
        extended."""
        now = self.now()
        for key, (_, claimed_at) in list(self._held.items()):
            if now - claimed_at >= MAX_HOLD:
                log.warning(
                    "announcement %d to channel %d: post running for over %s; letting its "
                    "lease run out",
                    *key,
                    MAX_HOLD,
                )
                del self._held[key]
        if not self._held:
            return 0
        until = now + self.lease
        leases = [(key, held) for key, (held, _) in self._held.items()]
        async with self.app.db.transaction(quiet=True, short=True) as conn:
            kept = await OutboxRepository.extend_leases(
                conn, [(key[0], key[1], held, until) for key, held in leases]
            )
        for key, _held in leases:
            if key not in self._held:  # an outcome was recorded meanwhile
                continue
            if key in kept:
                self._held[key] = (until, self._held[key][1])
            else:
                del self._held[key]
        return len(kept)

    def _release(self, delivery: Delivery) -> None:
        """An outcome is being recorded: the lease is no longer renewed (if recording it
        fails, the lease runs out and the delivery is claimed again)."""
        self._held.pop(_key(delivery), None)

    async def seconds_until_next(self, busy: Collection[int] = ()) -> float | None:
        moment = await OutboxRepository.next_due(self.app.db.reader, busy)
        if moment is None:
            return None
        return max((moment - self.now()).total_seconds(), 0.0)

    async def posted(self, delivery: Delivery, message_id: int, channel_id: int) -> bool:
        """Discord answered with message `message_id` in `channel_id`. Delivered only if
        that is the delivery's channel: a message elsewhere means Discord matched the
        nonce to another message (a clash), and this channel still has nothing."""
        if channel_id != delivery.channel_id:
            problem = (
                f"Discord answered with message {message_id} in channel {channel_id}, not in "
                f"channel {delivery.channel_id} (nonce {nonce_for(delivery)} clashed)"
            )
            log.error("announcement %d: %s", delivery.announcement_id, problem)
            await self.retry_later(delivery, problem)
            return False
        self._release(delivery)
        await self._record_delivered(delivery, message_id)
        return True

    async def _record_delivered(self, delivery: Delivery, message_id: int) -> None:
        """Record a post, in one write transaction with the other posts that finished at
        the same moment (the announcer has several channels in flight): one commit (one
        lock, one NOTIFY) for all of them. Returns once it is committed; raises what the
        commit raised."""
        if self._batch is None or self._batch_done is None:
            self._batch = []
            self._batch_done = asyncio.get_running_loop().create_future()
            asyncio.get_running_loop().call_soon(self._flush_soon)
        done = self._batch_done
        self._batch.append((delivery.announcement_id, delivery.channel_id, message_id))
        await asyncio.shield(done)

    def _flush_soon(self) -> None:
        batch, done = self._batch, self._batch_done
        self._batch, self._batch_done = None, None
        if batch is None or done is None:
            return
        task = asyncio.get_running_loop().create_task(self._flush(batch, done))
        self._flushing.add(task)
        task.add_done_callback(self._flushing.discard)

    async def _flush(self, batch, done: asyncio.Future) -> None:
        try:
            async with self.app.db.transaction(quiet=True, short=True) as conn:
                await OutboxRepository.delivered_all(conn, batch)
        except asyncio.CancelledError:
            done.cancel()
            raise
        except Exception as exc:
            done.set_exception(exc)
        else:
            done.set_result(None)

    async def retry_later(self, delivery: Delivery, error: str) -> bool:
        """Schedule another attempt; False (and the delivery failed) once attempts run out."""
        self._release(delivery)
        if delivery.attempts + 1 >= MAX_ATTEMPTS:
            await self.give_up(delivery, f"gave up after {MAX_ATTEMPTS} attempts: {error}")
            return False
        delay = backoff(delivery.attempts)
        async with self.app.db.transaction(quiet=True, short=True) as conn:
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
        self._release(delivery)
        async with self.app.db.transaction(short=True) as conn:
            await OutboxRepository.failed(
                conn, delivery.announcement_id, delivery.channel_id, problem
            )
            await SubscriptionRepository.report_problem(
                conn, delivery.guild_id, delivery.channel_id, problem
            )
            await write_log.note(self.app.db.notes, conn, (), settings=True)
        log.warning(
            "announcement %d not delivered to channel %d of server %d: %s",
            delivery.announcement_id,
            delivery.channel_id,
            delivery.guild_id,
            problem,
        )

    async def counts(self) -> dict[str, int]:
        return await OutboxRepository.counts(self.app.db.reader)


def _key(delivery: Delivery) -> tuple[int, int]:
    return delivery.announcement_id, delivery.channel_id
