"""The announcer's idle wait gives way to a cancellation (bot.close unloading the cog)
even when a wake-up (a write, the store watcher's reload) lands in the same moment.

It used asyncio.wait_for, which on Python 3.11 returns the awaited result instead of
raising when it is cancelled just as that result arrives: the announcer swallowed the
bot's close, waited out its 30-second idle poll and went round again, so `trackside run`
did not exit after SIGTERM (tests/e2e/test_shards.py: no "store closed" within 20 s, right
after "store changed elsewhere: indexes reloaded")."""

from __future__ import annotations

import asyncio

import pytest

from bot.cogs.announcer import wait_for_wakeup


@pytest.mark.parametrize("turns", range(5))
async def test_a_cancel_landing_with_a_wakeup_is_not_lost(turns):
    wakeup = asyncio.Event()
    waiting = asyncio.create_task(wait_for_wakeup(wakeup, 30))
    await asyncio.sleep(0)  # waiting for the event
    wakeup.set()
    for _ in range(turns):  # the wake-up reaches the waiting task over a few turns
        await asyncio.sleep(0)
    if waiting.cancel():  # still waiting: the cancellation must end it
        with pytest.raises(asyncio.CancelledError):
            await waiting
    else:  # it had already returned: nothing to cancel
        assert waiting.done() and waiting.result() is None


async def test_the_wait_ends_on_the_event_or_the_timeout():
    wakeup = asyncio.Event()
    wakeup.set()
    await asyncio.wait_for(wait_for_wakeup(wakeup, 30), 5)  # set: returns at once
    wakeup.clear()
    await asyncio.wait_for(wait_for_wakeup(wakeup, 0.01), 5)  # not set: times out quietly
