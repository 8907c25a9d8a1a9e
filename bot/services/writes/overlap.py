"""Store work and CPU work side by side, for the bulk writes of an import: a long statement
SQLite runs in C on the connection's thread without the GIL (building an index) leaves the
machine's other core to Python work in a worker thread meanwhile."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from typing import TypeVar

T = TypeVar("T")


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
