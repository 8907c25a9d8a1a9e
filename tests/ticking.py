"""Telling whether the event loop ran while something else was busy (a worker thread's
work, say): a task counts the loop's turns; a thread that waits for the count to move
proves it does not hold the loop (`held_until_the_loop_ticks`)."""

from __future__ import annotations

import asyncio
import time
from types import TracebackType


class LoopTicks:
    """`async with LoopTicks() as ticks:` a task on the loop adds one to `ticks.count` on
    each turn of the loop until the block ends."""

    def __init__(self) -> None:
        self.count = 0
        self._done = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> LoopTicks:
        self._task = asyncio.create_task(self._tick())
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._done.set()
        if self._task is not None:
            await self._task

    async def _tick(self) -> None:
        while not self._done.is_set():
            self.count += 1
            await asyncio.sleep(0)

    def held_until_the_loop_ticks(self, seconds: float = 10) -> bool:
        """Wait (blocking this thread) until the loop has turned; whether it did within
        `seconds`. On the loop's own thread it never can: False after `seconds`."""
        start = self.count
        until = time.monotonic() + seconds
        while self.count == start and time.monotonic() < until:
            time.sleep(0.001)
        return self.count != start
