"""The discord bench's two fakes: a bot keeps talking to the fake it was started against.

Both bots share one process, so the bench cannot swap `Route.BASE` globally: a request one
bot makes while the bench talks to the other (a paginator disabling its buttons when it
times out) went to the wrong fake, which answered `unknown_webhook`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import discord
import discord.gateway
import discord.http

from bench.discord_bench import _Redirect


@dataclass
class _Fake:
    api_base: str
    gateway_url: str


async def test_each_bot_task_keeps_its_own_fake_whatever_the_bench_points_at_later():
    first = _Fake("http://127.0.0.1:1001/api/v10", "ws://127.0.0.1:1001/")
    second = _Fake("http://127.0.0.1:1002/api/v10", "ws://127.0.0.1:1002/")
    original = discord.http.Route.BASE
    redirect = _Redirect()
    try:
        go = asyncio.Event()

        async def bot() -> tuple[str, str]:
            await go.wait()  # a timeout firing later, after the bench moved on
            url = discord.http.Route("PATCH", "/webhooks/1/t/messages/@original").url
            return url, str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)

        redirect.point_at(first)
        first_bot = asyncio.create_task(bot())
        redirect.point_at(second)
        second_bot = asyncio.create_task(bot())
        redirect.point_at(first)  # the bench talks to the first bot again
        go.set()
        assert await first_bot == (
            f"{first.api_base}/webhooks/1/t/messages/@original",
            first.gateway_url,
        )
        assert await second_bot == (
            f"{second.api_base}/webhooks/1/t/messages/@original",
            second.gateway_url,
        )
    finally:
        redirect.restore()
    assert original == discord.http.Route.BASE
    assert discord.http.Route("GET", "/x").url == f"{original}/x"
