"""Exactly-once delivery across processes: two Trackside instances ("processes", each
with its own store connections) on one store, on SQLite and on PostgreSQL. A delivery
is claimed by one of them with a lease; a process that dies mid-post leaves the lease to
expire and the other finishes the post with the same nonce, so each channel gets one
message."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.services.app import Trackside
from bot.services.delivery import LEASE, MAX_HOLD, DeliveryLog, nonce_for
from bot.services.writes import Actor, Writes
from bot.store.outbox import Delivery
from tests.store.test_writes import MOD, lievin, millrose, open_store

CHANNELS = {100 + i: 1000 + i for i in range(6)}  # guild id -> alerts channel id


class Channels:
    """Discord's side of a post: a repeated nonce gets the message already created."""

    def __init__(self) -> None:
        self.messages: dict[int, list[str]] = {}
        self._by_nonce: dict[str, int] = {}

    def post(self, delivery: Delivery) -> int:
        nonce = nonce_for(delivery)
        if nonce not in self._by_nonce:
            self.messages.setdefault(delivery.channel_id, []).append(nonce)
            self._by_nonce[nonce] = len(self._by_nonce) + 1
        return self._by_nonce[nonce]


@pytest.fixture
async def two_processes(tmp_path: Path) -> AsyncIterator[tuple[Trackside, Trackside]]:
    async with AsyncExitStack() as opened:  # closed in reverse: the second first
        first = await open_store(tmp_path / "shared.db")
        opened.push_async_callback(first.close)
        writes = Writes(first)
        for guild_id, channel_id in CHANNELS.items():
            await writes.set_alerts(Actor(user_id=1, guild_id=guild_id), channel_id)
        await writes.add_result(millrose(), MOD)
        await writes.add_result(lievin(), MOD)
        second = await open_store(tmp_path / "shared.db")
        opened.push_async_callback(second.close)
        yield first, second


def at(app: Trackside, moment: datetime) -> DeliveryLog:
    return DeliveryLog(app, now=lambda: moment)


async def test_a_claimed_delivery_is_not_claimed_again_by_another_process(two_processes):
    first, second = two_processes
    now = datetime.now(UTC)
    claimed = await at(first, now).claim(limit=50)
    # One per channel (its oldest announcement first), all of them, to the first process.
    assert sorted(d.channel_id for d in claimed) == sorted(CHANNELS.values())
    assert await at(second, now).claim(limit=50) == []
    assert await at(second, now + LEASE - timedelta(seconds=1)).claim(limit=50) == []


async def test_a_process_killed_mid_post_is_finished_by_another_exactly_once(two_processes):
    first, second = two_processes
    channels = Channels()
    now = datetime.now(UTC)
    claimed = await at(first, now).claim(limit=50)
    # The first process posts to half the channels, then dies before recording anything.
    for delivery in claimed[:3]:
        channels.post(delivery)
    # The lease expires; the second process takes every delivery over and finishes both
    # announcements in every channel.
    later = now + LEASE + timedelta(seconds=1)
    for _ in range(10):
        due = await at(second, later).claim(limit=50)
        if not due:
            break
        for delivery in due:
            assert await at(second, later).posted(
                delivery, channels.post(delivery), delivery.channel_id
            )
    assert await at(second, later).counts() == {"delivered": 2 * len(CHANNELS)}
    assert {channel: len(nonces) for channel, nonces in channels.messages.items()} == {
        channel: 2 for channel in CHANNELS.values()
    }


async def test_two_processes_claiming_together_never_share_a_delivery(two_processes):
    first, second = two_processes
    now = datetime.now(UTC)
    results = await asyncio.gather(
        *(at(app, now).claim(limit=2) for app in (first, second) for _ in range(5))
    )
    keys = [(d.announcement_id, d.channel_id) for batch in results for d in batch]
    assert len(keys) == len(set(keys)) == len(CHANNELS)


async def test_a_write_in_one_process_refreshes_the_other_within_a_second(two_processes):
    """SQLite: PRAGMA data_version; PostgreSQL: LISTEN/NOTIFY. The bot polls
    refresh_if_changed; here it is polled until it sees the other process's write."""
    first, second = two_processes
    assert not await second.refresh_if_changed()
    await Writes(first).set_moderator_role(Actor(user_id=1, guild_id=100), 4242)
    deadline = asyncio.get_running_loop().time() + 1.0
    while not await second.refresh_if_changed():
        assert asyncio.get_running_loop().time() < deadline, "no refresh within a second"
        await asyncio.sleep(0.02)
    assert second.moderator_roles[100] == 4242
    # Its own writes do not make a process reload.
    await Writes(second).set_moderator_role(Actor(user_id=1, guild_id=101), 4343)
    assert not await second.refresh_if_changed()


class Clock:
    """A DeliveryLog's `now` that a test moves on."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


async def test_an_idle_pass_does_not_wait_for_the_write_lock(two_processes):
    """Nothing due: claiming is a read, so a process whose pass finds nothing does not
    queue behind another process's write (SQLite's BEGIN IMMEDIATE, PostgreSQL's advisory
    lock). Here the other process holds its write transaction open around the whole pass:
    a pass that took the lock would wait for a commit that never comes."""
    first, second = two_processes
    now = datetime.now(UTC)
    assert await at(first, now).claim(limit=50)  # every channel's head leased to `first`
    async with first.db.transaction():
        assert await asyncio.wait_for(at(second, now).claim(limit=50), timeout=30) == []
    # With something due, the claim takes the lock and gets it.
    later = now + LEASE + timedelta(seconds=1)
    assert len(await at(second, later).claim(limit=50)) == len(CHANNELS)


async def test_a_slow_post_keeps_its_lease_renewed(two_processes):
    first, second = two_processes
    clock = Clock(datetime.now(UTC))
    poster = DeliveryLog(first, now=clock)
    claimed = await poster.claim(limit=50)
    assert len(claimed) == len(CHANNELS)
    start = clock.moment
    # The post takes longer than a lease: renewed along the way, nobody else takes it.
    for step in range(1, 4):
        clock.moment = start + step * LEASE * 0.8
        assert await poster.renew_leases() == len(CHANNELS)
        assert await at(second, clock.moment + LEASE * 0.5).claim(limit=50) == []
    # Posted: delivered once, no longer renewed.
    channels = Channels()
    for delivery in claimed:
        assert await poster.posted(delivery, channels.post(delivery), delivery.channel_id)
    assert await poster.renew_leases() == 0
    # What is left (the second announcement) is due to anyone.
    left = await at(second, clock.moment).claim(limit=50)
    assert sorted(d.channel_id for d in left) == sorted(CHANNELS.values())
    assert {d.announcement_id for d in left}.isdisjoint({d.announcement_id for d in claimed})


async def test_a_lease_is_renewed_for_at_most_max_hold(two_processes):
    first, second = two_processes
    clock = Clock(datetime.now(UTC))
    poster = DeliveryLog(first, now=clock)
    assert await poster.claim(limit=50)
    clock.moment += MAX_HOLD
    assert await poster.renew_leases() == 0  # let go: the lease runs out as it stands
    taken = await at(second, clock.moment).claim(limit=50)
    assert sorted(d.channel_id for d in taken) == sorted(CHANNELS.values())


async def test_a_lease_another_process_took_over_is_not_renewed(two_processes):
    first, second = two_processes
    clock = Clock(datetime.now(UTC))
    stalled = DeliveryLog(first, now=clock)
    claimed = await stalled.claim(limit=50)
    # The first process stalls past its lease; the second claims the deliveries.
    clock.moment += LEASE + timedelta(seconds=1)
    taken = await at(second, clock.moment).claim(limit=50)
    assert {_key(d) for d in taken} == {_key(d) for d in claimed}
    # The first wakes up: its leases are gone, and the second's are left as they are.
    assert await stalled.renew_leases() == 0
    assert await at(first, clock.moment + LEASE - timedelta(seconds=1)).claim(limit=50) == []
    assert len(await at(first, clock.moment + LEASE + timedelta(seconds=1)).claim(limit=50)) == (
        len(CHANNELS)
    )


def _key(delivery: Delivery) -> tuple[int, int]:
    return delivery.announcement_id, delivery.channel_id


async def test_posts_finishing_together_are_recorded_together(two_processes):
    """The announcer posts to several channels at once; their outcomes share one commit.
    Each caller returns only once its own post is recorded."""
    first, second = two_processes
    now = datetime.now(UTC)
    poster = at(first, now)
    claimed = await poster.claim(limit=50)
    channels = Channels()
    recorded = await asyncio.gather(
        *(poster.posted(d, channels.post(d), d.channel_id) for d in claimed)
    )
    assert recorded == [True] * len(CHANNELS)
    assert await at(second, now).counts() == {"delivered": len(CHANNELS), "pending": len(CHANNELS)}
    # And a post recorded alone afterwards is recorded too.
    later = await at(second, now).claim(limit=1)
    assert await at(second, now).posted(later[0], channels.post(later[0]), later[0].channel_id)
    assert (await at(first, now).counts())["delivered"] == len(CHANNELS) + 1
