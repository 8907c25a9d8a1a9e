"""The nonce of a delivery: one per (announcement, channel), stable, within Discord's 25."""

from __future__ import annotations

import itertools
import random

from bot.services.delivery import NONCE_LIMIT, nonce_for
from bot.store.outbox import Delivery


def delivery(announcement_id: int, channel_id: int, attempts: int = 0) -> Delivery:
    return Delivery(announcement_id, channel_id, 1, attempts, announcement=None)  # type: ignore[arg-type]


# Snowflakes as Discord hands them out today (19 digits), the largest a snowflake can be,
# and small ones.
CHANNELS = [1, 35, 36, 1_575_224_028_250_112_005, 1_575_224_028_250_112_006, 2**63 - 1, 2**64 - 1]
ANNOUNCEMENTS = [1, 2, 35, 36, 170, 1_000_000, 36**9 - 1, 36**9, 2**63 - 1]


def test_every_nonce_fits_discords_limit():
    for a, c in itertools.product(ANNOUNCEMENTS, CHANNELS):
        assert 1 <= len(nonce_for(delivery(a, c))) <= NONCE_LIMIT == 25


def test_each_announcement_and_channel_has_its_own_nonce():
    pairs = list(itertools.product(ANNOUNCEMENTS, CHANNELS))
    rng = random.Random(7)
    pairs += [(rng.randint(1, 10**7), rng.randint(10**17, 2**64 - 1)) for _ in range(20_000)]
    pairs += [(a, 1_575_224_028_250_112_000 + c) for a in range(1, 60) for c in range(60)]
    pairs = list(dict.fromkeys(pairs))
    nonces = {nonce_for(delivery(a, c)) for a, c in pairs}
    assert len(nonces) == len(pairs)


def test_the_same_delivery_has_the_same_nonce_on_every_retry_and_restart():
    first = nonce_for(delivery(170, 1_575_224_028_250_112_005, attempts=0))
    assert nonce_for(delivery(170, 1_575_224_028_250_112_005, attempts=5)) == first
    # Nothing random or process-specific in it: a fixed, readable value.
    assert first == "ts4q.byuabci4ycjp"


def test_two_channels_of_one_announcement_differ():
    assert nonce_for(delivery(1, 1_575_224_028_250_112_005)) != nonce_for(
        delivery(1, 1_575_224_028_250_112_006)
    )
