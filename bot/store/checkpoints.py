"""SQLite checkpoints off the commit path.

In WAL mode a commit appends to the -wal file; a checkpoint copies those pages back into
the database file and fsyncs it. SQLite's default runs that checkpoint inside whichever
commit takes the WAL past 1,000 pages, so one Confirm in every few dozen paid for
writing back the others' pages (tens of ms on a million results). Here the writer's
automatic checkpoints are off, and after a commit that leaves a WAL of some size a PASSIVE
checkpoint runs on a connection of its own, on its own thread: it never takes the write
lock, so commits and reads go on meanwhile, and at most one runs a second.

Durability is unchanged: synchronous=NORMAL in WAL mode syncs the WAL at checkpoints, as
before; a commit is atomic either way (see Database).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from pathlib import Path

import aiosqlite

log = logging.getLogger(__name__)

WAL_CHECKPOINT_BYTES = 4 * 1024 * 1024  # about SQLite's own 1,000-page default
MIN_INTERVAL_S = 1.0


class Checkpointer:
    """Runs the WAL checkpoints of one database file in the background."""

    def __init__(self, path: Path, busy_timeout_ms: int):
        self._path = path
        self._wal = Path(f"{path}-wal")
        self._busy_timeout_ms = busy_timeout_ms
        self._conn: aiosqlite.Connection | None = None
        self._task: asyncio.Task[None] | None = None
        self._last = 0.0

    def after_commit(self) -> None:
        """Start a checkpoint when the WAL has grown and none ran in the last second."""
        if self._task is not None and not self._task.done():
            return
        if time.monotonic() - self._last < MIN_INTERVAL_S:
            return
        try:
            if self._wal.stat().st_size < WAL_CHECKPOINT_BYTES:
                return
        except OSError:  # no WAL (yet): nothing to copy back
            return
        self._last = time.monotonic()
        self._task = asyncio.get_running_loop().create_task(self._checkpoint())

    async def _checkpoint(self) -> None:
        try:
            if self._conn is None:
                self._conn = await aiosqlite.connect(self._path, isolation_level=None)
                await self._conn.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms:d}")
            await self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error as exc:  # busy, or the file went away: the next one retries
            log.debug("background checkpoint skipped: %s", exc)

    async def settled(self) -> None:
        """Return once no checkpoint is running."""
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def close(self) -> None:
        """Wait for a running checkpoint, then close the connection (its thread)."""
        await self.settled()
        if self._conn is not None:
            await self._conn.close()
            self._conn = None
