"""Store work and CPU work side by side, for the bulk writes of an import: SQLite runs its
statements in C on the connection's thread without the GIL, so the Python work of the
next step can run in a worker thread on the machine's other core meanwhile."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


@asynccontextmanager
async def beside(job: Awaitable[T]) -> AsyncIterator[asyncio.Future[T]]:
    """Run `job` while the block runs (the block awaits it for its result). Leaving the
    block by an error still waits for the job to end: nothing of it outlives the
    transaction it works in."""
    task = asyncio.ensure_future(job)
    try:
        yield task
    finally:
        if not task.done():
            await asyncio.wait([task])
        if not task.cancelled():
            task.exception()  # retrieved: the block's error is the one that counts


async def pipelined(
    chunks: Iterable[int],
    build: Callable[[int], list[Any]],
    write: Callable[[list[Any]], Awaitable[R]],
) -> list[R]:
    """`write(build(chunk))` for each chunk in order, building each chunk (in a worker
    thread) while the one before is written: at most two chunks in memory at once."""
    written: list[R] = []
    pending: asyncio.Future[R] | None = None
    try:
        for chunk in chunks:
            rows = await asyncio.to_thread(build, chunk)
            if pending is not None:
                written.append(await pending)
            pending = asyncio.ensure_future(write(rows))
        if pending is not None:
            written.append(await pending)
            pending = None
    finally:
        if pending is not None:  # a build failed while a write ran: let the write end
            await asyncio.wait([pending])
            if not pending.cancelled():
                pending.exception()
    return written
