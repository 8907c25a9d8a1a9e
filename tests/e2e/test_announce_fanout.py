"""Announcements fan out to every subscribed server, each channel exactly once."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import aiohttp
import pytest

from bot.services.delivery import nonce_for
from bot.store.outbox import Delivery
from tests.e2e.conftest import BotRunner
from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.harness import start_trackside
from tests.e2e.test_write_commands import answered

MILLROSE = {
    "athlete": "Yared Nuguse", "event": "mile", "mark": "3:46.63", "venue": "indoor",
    "date": "2025-02-08", "competition": "Millrose Games", "place": 1,
    "source": "athleticsweekly.com Millrose 2025 report",
}  # fmt: skip


async def until(
    fake: FakeDiscord,
    check: Callable[[], Awaitable[Any]],
    timeout: float,  # noqa: ASYNC109
    what: str,
) -> Any:
    """Await ``check()`` until it returns something truthy, re-checking whenever the fake
    sees a request (a delivery row changes only after one) and at least every 0.1 s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (result := await check()):
        if loop.time() > deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        seen = len(fake.requests)
        with contextlib.suppress(TimeoutError):
            await fake.wait_for(lambda seen=seen: len(fake.requests) > seen, timeout=0.1)
    return result


async def settled(fake: FakeDiscord, bot, columns: str) -> list[tuple]:
    """Every delivery row once none is pending (the announcer is idle), by channel:
    its status, then `columns`."""

    async def check() -> list[tuple] | None:
        rows = await bot.app.db.reader.execute_fetchall(
            f"SELECT status, {columns} FROM deliveries ORDER BY channel_id"
        )
        return [tuple(r) for r in rows] if rows and all(r[0] != "pending" for r in rows) else None

    return await until(fake, check, timeout=20, what="every delivery row final")


def announcements(fake: FakeDiscord, channel_id: int) -> list[dict]:
    return [m for m in fake.channel_messages.get(channel_id, []) if m.get("embeds")]


async def test_fake_answers_a_repeated_nonce_with_the_first_message_in_any_channel(
    fake_discord: FakeDiscord,
):
    """As Discord does: same author + same nonce (enforce_nonce) within the window returns
    the message already created, even when it is posted to another channel."""
    fake = fake_discord
    other = fake.add_guild("Other Club")
    assert other.default_channel is not None
    body = {"content": "record!", "nonce": "same-nonce", "enforce_nonce": True}
    async with aiohttp.ClientSession(headers={"Authorization": "Bot x"}) as http:
        answers = []
        for channel_id in (fake.channel_id, other.default_channel.id):
            url = f"{fake.api_base}/channels/{channel_id}/messages"
            async with http.post(url, json=body) as response:
                assert response.status == 200
                answers.append(await response.json())
    assert answers[0]["id"] == answers[1]["id"]
    assert answers[1]["channel_id"] == str(fake.channel_id)  # not the channel asked for
    assert len(fake.channel_messages[fake.channel_id]) == 1
    assert not fake.channel_messages.get(other.default_channel.id)
    assert fake.nonce_hits == 1


@pytest.fixture
async def two_servers(fake_discord: FakeDiscord, running_bot: BotRunner, tmp_path):
    """The bot in the default server and a second one, both known before it connects."""
    second = fake_discord.add_guild("Second Club")
    bot = await start_trackside(fake_discord, running_bot, tmp_path, as_of=date(2025, 2, 7))
    return bot, second


async def test_two_subscribed_servers_each_get_exactly_one_announcement(fake_discord, two_servers):
    fake = fake_discord
    bot, second = two_servers
    assert second.default_channel is not None and second.owner is not None
    subscribers = [
        (fake.guild_id, fake.channel, fake.owner),
        (second.id, second.default_channel, second.owner),
    ]
    for guild_id, channel, owner in subscribers:
        rec = await fake.slash("alerts set", {"channel": channel}, user=owner, guild_id=guild_id)
        # /alerts set writes, so it defers first: its answer is the followup.
        assert "Record announcements will go to" in (await answered(rec))["content"]

    rec = await fake.slash("result add", MILLROSE, user=fake.owner, check_permissions=False)
    await rec.response()
    click = await fake.click(rec.original, "result:confirm", user=fake.owner)
    await click.response()
    await rec.wait_original(lambda m: "Saved" in (m.get("content") or ""))

    rows = await settled(fake, bot, "channel_id, message_id")
    for _, channel, _ in subscribers:
        posted = announcements(fake, channel.id)
        assert len(posted) == 1, f"channel {channel.id} got {len(posted)} announcements"
        assert posted[0]["embeds"][0]["title"] == "NEW WORLD INDOOR RECORD"
    by_channel = {r[1]: (r[0], r[2]) for r in rows}
    for _, channel, _ in subscribers:
        status, message_id = by_channel[channel.id]
        assert status == "delivered"
        assert fake.messages[message_id]["channel_id"] == str(channel.id)
    fake.assert_clean()


async def test_a_stalled_channel_does_not_hold_up_the_others(fake_discord, two_servers):
    """The first server's channel answers nothing for 30 s; the second is posted to
    meanwhile (the announcer once posted to one channel after another)."""
    fake = fake_discord
    _, second = two_servers
    assert second.default_channel is not None and second.owner is not None
    assert fake.channel_id < second.default_channel.id  # the stalled one comes first
    for guild_id, channel, owner in [
        (fake.guild_id, fake.channel, fake.owner),
        (second.id, second.default_channel, second.owner),
    ]:
        rec = await fake.slash("alerts set", {"channel": channel}, user=owner, guild_id=guild_id)
        await rec.response()
    stall = fake.fail_next("POST", rf"^/channels/{fake.channel_id}/messages$", None, delay=30)

    rec = await fake.slash("result add", MILLROSE, user=fake.owner, check_permissions=False)
    await rec.response()
    await (await fake.click(rec.original, "result:confirm", user=fake.owner)).response()

    await fake.wait_channel_message(second.default_channel.id, timeout=10)
    assert len(stall.hits) == 1 and stall.hits[0].status is None  # still unanswered
    assert not fake.channel_messages.get(fake.channel_id)


async def test_an_unexpected_error_counts_as_a_failed_attempt(fake_discord, two_servers):
    """A bug while posting to one channel (here: rendering fails once) is logged, counted
    and retried with backoff like a Discord error; the other channel is not held up."""
    fake = fake_discord
    bot, second = two_servers
    assert second.default_channel is not None and second.owner is not None
    for guild_id, channel, owner in [
        (fake.guild_id, fake.channel, fake.owner),
        (second.id, second.default_channel, second.owner),
    ]:
        rec = await fake.slash("alerts set", {"channel": channel}, user=owner, guild_id=guild_id)
        await rec.response()
    # The cog's module as discord.py loaded it (load_extension makes a module of its own).
    announcer = sys.modules[type(bot.get_cog("Announcer")).__module__]
    real_embed = announcer.announcement_embed
    broken = []

    def embed_once_broken(announcement, flags):
        if not broken:
            broken.append(True)
            raise RuntimeError("renderer bug")
        return real_embed(announcement, flags)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(announcer, "announcement_embed", embed_once_broken)
        rec = await fake.slash("result add", MILLROSE, user=fake.owner, check_permissions=False)
        await rec.response()
        await (await fake.click(rec.original, "result:confirm", user=fake.owner)).response()
        rows = await settled(fake, bot, "attempts")
    assert [r[0] for r in rows] == ["delivered", "delivered"]
    assert sorted(r[1] for r in rows) == [1, 2]  # one channel needed a second attempt
    assert all(len(announcements(fake, c.id)) == 1 for c in (fake.channel, second.default_channel))


async def test_a_message_discord_places_in_another_channel_is_not_a_delivery(
    fake_discord, two_servers
):
    """Something else (another copy of the bot, say) already used this delivery's nonce in
    another channel: Discord answers with that message. The delivery is not marked done
    with it; it is retried, and once Discord has forgotten the nonce it is posted."""
    fake = fake_discord
    bot, second = two_servers
    assert second.default_channel is not None
    rec = await fake.slash("alerts set", {"channel": fake.channel}, user=fake.owner)
    await rec.response()
    rows = await bot.app.db.reader.execute_fetchall(
        "SELECT coalesce(max(id), 0) FROM announcements"
    )
    upcoming = Delivery(rows[0][0] + 1, fake.channel_id, fake.guild_id, 0, announcement=None)  # type: ignore[arg-type]
    planted = {"content": "not ours", "nonce": nonce_for(upcoming), "enforce_nonce": True}
    async with aiohttp.ClientSession(headers={"Authorization": "Bot x"}) as http:
        url = f"{fake.api_base}/channels/{second.default_channel.id}/messages"
        async with http.post(url, json=planted) as response:
            assert response.status == 200
    fake.nonce_window = 1.0  # Discord forgets nonces after a few minutes; here, a second

    rec = await fake.slash("result add", MILLROSE, user=fake.owner, check_permissions=False)
    await rec.response()
    await (await fake.click(rec.original, "result:confirm", user=fake.owner)).response()

    ((status, attempts, message_id),) = await settled(fake, bot, "attempts, message_id")
    assert status == "delivered"
    assert fake.nonce_hits == 1 and attempts == 2  # the clash, then the real post
    assert fake.messages[message_id]["channel_id"] == str(fake.channel_id)
    assert len(announcements(fake, fake.channel_id)) == 1
    assert [m["content"] for m in fake.channel_messages[second.default_channel.id]] == ["not ours"]
