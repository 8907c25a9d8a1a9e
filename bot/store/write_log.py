"""The write log: what each committed write touched, for the other processes on the store.

A process keeps answers and indexes in memory (`bot.services.warm`, the athlete index,
the moderator roles). Its own writes say what they touched; another process's write
reaches it only as "something changed" (SQLite's data_version, PostgreSQL's NOTIFY).
Reloading everything on each such change would cost every other process, at a million
results, 0.4 s of work and every warm answer, after each result another shard's process
added, and on SQLite after every delivery another process made.

So each write transaction appends one row (`note`, inside the transaction): the events and
athletes it touched, or "everything" (a big import, a write that does not say), and
whether server settings changed. A process that has read the log up to sequence N reads
the rows after N (`since`) and refreshes exactly what they name
(`Trackside.refresh_if_changed`); a gap (rows pruned below N) means a full reload.

Delivery bookkeeping (a quiet transaction) notes nothing: nothing another process keeps
changes. A transaction that wrote without noting what it touched is noted as
"everything" by the store before it commits (`Notes.before_commit`): a write can be
caught up with imprecisely, never missed.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass

from bot.store.connection import Connection, Reader

KEPT = 10_000  # rows kept; a process further behind than this reloads everything
_PRUNE_EVERY = 1_000  # notes between prunes


@dataclass(frozen=True)
class Entry:
    """One write's row: `events` None for everything."""

    seq: int
    events: frozenset[str] | None
    athletes: frozenset[int]
    settings: bool


class Notes:
    """A store's side of the log: the row the open write transaction noted, and the rows
    this process wrote (its own writes, which it caught up with itself)."""

    def __init__(self) -> None:
        self.noted: int | None = None
        self.own: set[int] = set()

    def begin(self) -> None:
        self.noted = None

    async def before_commit(self, conn: Connection, wrote: bool, quiet: bool) -> None:
        """Note "everything" for a transaction that wrote (not quietly) without noting."""
        if wrote and not quiet and self.noted is None:
            self.noted = await _insert(conn, None, (), settings=True)

    def committed(self) -> None:
        if self.noted is not None:
            self.own.add(self.noted)
            # Bounded, once in KEPT / 2 commits (never a pass over them all on every one): a
            # row forgotten here is one the log would show as another's, caught up with again,
            # which is harmless, and only a reader over KEPT / 2 writes behind meets one.
            if len(self.own) > KEPT:
                self.own = {own for own in self.own if own > self.noted - KEPT // 2}
        self.noted = None


async def note(
    notes: Notes,
    conn: Connection,
    events: Collection[str] | None,
    athletes: Collection[int] = (),
    *,
    settings: bool = False,
) -> None:
    """Note what the open write transaction touched (`events` None: everything)."""
    notes.noted = await _insert(conn, events, athletes, settings=settings)


async def _insert(
    conn: Connection, events: Collection[str] | None, athletes: Collection[int], *, settings: bool
) -> int:
    rows = list(
        await conn.execute_fetchall(
            "INSERT INTO write_log (events, athletes, settings) VALUES (?, ?, ?) RETURNING seq",
            (
                None if events is None else json.dumps(sorted(events)),
                json.dumps(sorted(athletes)),
                int(settings),
            ),
        )
    )
    seq = int(rows[0][0])
    if seq % _PRUNE_EVERY == 0:
        await conn.execute("DELETE FROM write_log WHERE seq <= ?", (seq - KEPT,))
    return seq


async def newest(reader: Reader) -> int:
    """The newest row's sequence (0: none)."""
    rows = list(await reader.execute_fetchall("SELECT coalesce(max(seq), 0) FROM write_log"))
    return int(rows[0][0])


async def since(reader: Reader, seq: int) -> list[Entry] | None:
    """The rows after `seq`, oldest first; None when the log no longer reaches back to it
    (rows pruned: read everything)."""
    rows = list(
        await reader.execute_fetchall(
            "SELECT seq, events, athletes, settings, (SELECT min(seq) FROM write_log) "
            "FROM write_log WHERE seq > ? ORDER BY seq",
            (seq,),
        )
    )
    if rows and rows[0][4] > seq + 1:  # the oldest row kept is past seq's next
        return None
    return [
        Entry(
            int(row[0]),
            None if row[1] is None else frozenset(json.loads(row[1])),
            frozenset(int(a) for a in json.loads(row[2])),
            bool(row[3]),
        )
        for row in rows
    ]
