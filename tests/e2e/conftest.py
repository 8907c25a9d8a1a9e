"""Fixtures for end-to-end tests against the fake Discord (tests/e2e/fake_discord.py).

- ``fake_discord``: a started :class:`FakeDiscord` on 127.0.0.1 with discord.py redirected
  to it (``Route.BASE`` / ``DEFAULT_GATEWAY``); closed and globals restored afterwards.
- ``running_bot``: ``bot = await running_bot(factory)`` starts an in-process bot
  (``bot.start(token)`` as a task), waits until it is ready (fails fast if it dies or
  hangs), and closes it at teardown. ERROR logs from discord.py (exceptions in commands,
  views, events) are collected in ``running_bot.errors`` and fail the test at teardown
  unless the test clears the list.
- An autouse guard refuses (and fails the test on) any non-loopback connection or DNS
  lookup made by this process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterator

import discord
import pytest

from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.launch import install_loopback_guard

BOT_TOKEN = "fake-token"


@pytest.fixture(autouse=True)
def _loopback_only() -> Iterator[list[str]]:
    blocked: list[str] = []
    uninstall = install_loopback_guard(blocked)
    try:
        yield blocked
    finally:
        uninstall()
    assert not blocked, f"a test tried to leave 127.0.0.1: {blocked}"


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    await fake.start()
    fake.redirect_discord()
    try:
        yield fake
    finally:
        fake.restore_discord()
        await fake.close()


class _ErrorCollector(logging.Handler):
    def __init__(self, on_record: Callable[[], None]) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []
        self._on_record = on_record

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self._on_record()  # wake fake.wait_for(lambda: running_bot.errors)


class BotRunner:
    """Starts in-process bots against the fake and stops them at teardown."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.bots: list[tuple[discord.Client, asyncio.Task[None]]] = []
        self._collector = _ErrorCollector(fake.notify)

    @property
    def errors(self) -> list[logging.LogRecord]:
        """ERROR records logged by discord.py while the bots ran (clear to accept them)."""
        return self._collector.records

    def error_messages(self) -> list[str]:
        out = []
        for r in self.errors:
            text = r.getMessage()
            if r.exc_info and r.exc_info[1] is not None:
                text += f": {r.exc_info[1]!r}"
            out.append(text)
        return out

    async def __call__(
        self,
        factory: Callable[[], discord.Client],
        *,
        token: str = BOT_TOKEN,
        ready_timeout: float = 10.0,
    ) -> discord.Client:
        logging.getLogger("discord").addHandler(self._collector)
        bot = factory()
        task = asyncio.create_task(bot.start(token), name=f"bot-{len(self.bots)}")
        self.bots.append((bot, task))
        ready = asyncio.create_task(bot.wait_until_ready())
        done, _ = await asyncio.wait(
            {task, ready}, timeout=ready_timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if ready not in done:
            ready.cancel()
            if task in done:
                exc = task.exception()
                raise AssertionError(f"the bot stopped before it was ready: {exc!r}") from exc
            raise AssertionError(
                f"the bot was not ready within {ready_timeout}s\n{self.fake.diagnostics()}"
            )
        return bot

    async def close_all(self) -> None:
        for bot, task in reversed(self.bots):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(bot.close(), 5)
            if not task.done():
                task.cancel()
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(task, 5)
        logging.getLogger("discord").removeHandler(self._collector)


@pytest.fixture
async def running_bot(fake_discord: FakeDiscord) -> AsyncIterator[BotRunner]:
    runner = BotRunner(fake_discord)
    try:
        yield runner
    finally:
        await runner.close_all()
    if runner.errors:
        pytest.fail("the bot logged errors:\n  " + "\n  ".join(runner.error_messages()))
