"""Delivering announcements to many channels, on a real SQLite store: what is due per
channel, answers from the wrong channel, and problems reported to the right server."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.services.app import Trackside
from bot.services.delivery import DeliveryLog
from bot.services.writes import Actor, Writes
from tests.store.test_writes import MOD, lievin, millrose, open_store

A, B = Actor(user_id=11, guild_id=100), Actor(user_id=12, guild_id=200)
CHANNEL_A, CHANNEL_B = 1000, 2000


@pytest.fixture
async def two_records(tmp_path: Path) -> AsyncIterator[Trackside]:
    """Two servers subscribed, two records (Millrose, then Liévin) queued for both."""
    app = await open_store(tmp_path / "delivery.db")
    try:
        writes = Writes(app)
        await writes.set_alerts(A, CHANNEL_A)
        await writes.set_alerts(B, CHANNEL_B)
        await writes.add_result(millrose(), MOD)
        await writes.add_result(lievin(), MOD)
        yield app
    finally:
        await app.close()


def log_at(app: Trackside, moment: datetime) -> DeliveryLog:
    return DeliveryLog(app, now=lambda: moment)


@pytest.fixture
def clock(two_records) -> datetime:
    """A fixed "now", a minute after the fixture queued its deliveries."""
    return datetime.now(UTC) + timedelta(minutes=1)


def pairs(deliveries) -> list[tuple[int, int]]:
    return [(d.announcement_id, d.channel_id) for d in deliveries]


async def rows(app: Trackside) -> dict[tuple[int, int], tuple]:
    found = await app.db.reader.execute_fetchall(
        "SELECT announcement_id, channel_id, status, attempts, message_id, last_error "
        "FROM deliveries"
    )
    return {(r[0], r[1]): tuple(r[2:]) for r in found}


async def test_each_channel_gets_its_oldest_announcement_first(two_records, clock):
    log = log_at(two_records, clock)
    first, second = sorted({a for a, _ in await rows(two_records)})
    assert pairs(await log.due()) == [(first, CHANNEL_A), (first, CHANNEL_B)]
    # Channel A fails and backs off: its second announcement waits behind the first
    # (never a correction before its record), while channel B goes on.
    (head_a, head_b) = await log.due()
    await log.retry_later(head_a, "Discord error 503")
    await log.posted(head_b, 555, CHANNEL_B)
    assert pairs(await log.due()) == [(second, CHANNEL_B)]
    assert await log.seconds_until_next() == 0.0  # B's is due now
    await log.posted((await log.due())[0], 556, CHANNEL_B)
    assert await log.seconds_until_next() == pytest.approx(2.0, abs=0.01)  # A's retry, 2 s on
    later = log_at(two_records, clock + timedelta(seconds=3))
    assert pairs(await later.due()) == [(first, CHANNEL_A)]


async def test_busy_channels_are_left_out(two_records, clock):
    log = log_at(two_records, clock)
    first = min(d.announcement_id for d in await log.due())
    assert pairs(await log.due(busy={CHANNEL_A})) == [(first, CHANNEL_B)]
    assert await log.due(busy={CHANNEL_A, CHANNEL_B}) == []
    assert await log.seconds_until_next(busy={CHANNEL_A, CHANNEL_B}) is None
    assert await log.seconds_until_next(busy={CHANNEL_A}) == 0.0


async def test_a_message_in_another_channel_is_not_a_delivery(two_records, clock):
    log = log_at(two_records, clock)
    head_a, head_b = await log.due()
    assert await log.posted(head_a, 777, CHANNEL_A) is True
    # Discord matched B's nonce to A's message: B has nothing yet.
    assert await log.posted(head_b, 777, CHANNEL_A) is False
    found = await rows(two_records)
    assert found[(head_a.announcement_id, CHANNEL_A)][:3] == ("delivered", 1, 777)
    status, attempts, message_id, error = found[(head_b.announcement_id, CHANNEL_B)]
    assert (status, attempts, message_id) == ("pending", 1, None)
    assert "in channel 1000, not in channel 2000" in error and "clashed" in error
    later = log_at(two_records, clock + timedelta(seconds=3))
    assert (head_b.announcement_id, CHANNEL_B) in pairs(await later.due())


async def test_a_problem_is_reported_to_the_server_only_if_it_still_uses_that_channel(
    two_records, clock
):
    writes = Writes(two_records)
    log = log_at(two_records, clock)
    head_a, head_b = await log.due()
    await writes.set_alerts(A, 1001)  # server A moved its alerts meanwhile
    await log.give_up(head_a, "the alerts channel 1000 no longer exists")
    await log.give_up(head_b, "I am not allowed to post in <#2000>")
    assert (await writes.subscription(A.guild_id)).problem is None
    assert (await writes.subscription(B.guild_id)).problem == "I am not allowed to post in <#2000>"
    found = await rows(two_records)
    assert found[(head_a.announcement_id, CHANNEL_A)][0] == "failed"


async def test_a_long_history_of_delivered_rows_changes_nothing_that_is_due(two_records, clock):
    """What is due is worked out from the pending rows alone (comparing each pending row
    with every older delivery in the table took 21 s at 200,000 rows). The time is
    printed, not asserted."""
    app = two_records
    log = log_at(app, clock)
    before = pairs(await log.due())
    async with app.db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO announcements (id, kind, payload) VALUES (?, 'record', '{}')",
            [(i,) for i in range(1000, 21_000)],
        )
        await conn.executemany(
            "INSERT INTO deliveries (announcement_id, channel_id, guild_id, status, message_id) "
            "VALUES (?, ?, ?, 'delivered', ?)",
            [(i, c, g, i) for i in range(1000, 21_000) for g, c in ((100, 1000), (200, 2000))],
        )
    started = time.perf_counter()
    assert pairs(await log.due()) == before
    assert await log.seconds_until_next() == 0.0
    print(f"\ndue per channel with 40,000 delivered rows: {time.perf_counter() - started:.4f} s")
