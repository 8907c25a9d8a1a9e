"""Another process's write around one of ours is never taken for our own, on PostgreSQL
too (SQLite's case: test_stale_hunt, `data_version` read with BEGIN IMMEDIATE).

On SQLite a write reads the version marker it compares against in the same step as taking
the write lock, because the marker (PRAGMA data_version) moves for every commit and a
foreign commit in between would look like our own. PostgreSQL's marker is different: it
counts the NOTIFYs of other processes (each carries its sender's token) or, while the
listener is down, the committed versions that are not ours (`PgDatabase._own`). A foreign
commit can therefore arrive late — its NOTIFY seen after our transaction read the marker,
or after our commit — but it is never counted as ours: whenever it is seen, it is caught
up with (right after our write, or by the store watcher). These tests hold another
process's notification back and let it through at each point of our write, and cut the
listener so the marker is polled, and check that the other process's write reaches the
answers kept warm every time."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import asynccontextmanager

import pytest

from bot.services.app import Trackside
from bot.services.writes import Writes
from bot.store import postgres
from tests.store.test_pg_listen import terminate, two_processes, until
from tests.store.test_warm_answers import MOD, RUNNER, _mile, draft

OTHER = "Other Process Meet"
__all__ = ["two_processes"]  # the fixture: two apps on one PostgreSQL store (else skipped)


async def _warm(first: Trackside) -> object:
    """The runner's first mile, added by the first process; its profile, kept warm."""
    await Writes(first).add_result(
        _mile("3:48.00", "2024-02-10", "Warm Meet"), MOD, confirm_implausible=True
    )
    return await first.athlete_profile(RUNNER)


async def _other_write(second: Trackside) -> None:
    """The other process adds a (slower, record-free) mile for the runner whose profile
    the first process keeps warm."""
    await Writes(second).add_result(
        _mile("3:58.00", "2024-03-01", OTHER), MOD, confirm_implausible=True
    )


async def _own_write(first: Trackside) -> None:
    own = draft("Race Sprinter", "60m", "7.20", "2024-02-11", "Own Meet")
    await Writes(first).add_result(own, MOD, confirm_implausible=True)


async def _shows_the_other_write(first: Trackside) -> bool:
    """What the bot's store watcher does (`refresh_if_changed`), then the warm profile."""
    await first.refresh_if_changed()
    profile = await first.athlete_profile(RUNNER)
    return profile.latest[0].competition == OTHER


def _around_transactions(
    first: Trackside, *, inside: Callable | None = None, after: Callable | None = None
) -> None:
    """Run `inside()` in each of the first process's write transactions once its write
    lock is taken (before the write reads the marker), `after()` once it has committed
    (before the write reads the marker again)."""
    transaction = first.db.transaction

    @asynccontextmanager
    async def wrapped(**kwargs):
        async with transaction(**kwargs) as conn:
            if inside is not None:
                await inside()
            yield conn
        if after is not None:
            await after()

    first.db.transaction = wrapped  # type: ignore[method-assign]


class HeldNotifications:
    """The first process's listener, with the notifications it gets held until `release`
    (they are delivered then, in order, as if they had been slow to arrive)."""

    def __init__(self, app: Trackside):
        self.db = app.db
        self.held: list[tuple] = []
        self.holding = True

    async def start(self) -> HeldNotifications:
        listener = self.db._listener  # type: ignore[attr-defined]
        await listener.remove_listener("trackside_writes", self.db._on_notify)  # type: ignore[attr-defined]
        await listener.add_listener("trackside_writes", self._arrived)
        return self

    def _arrived(self, *args: object) -> None:
        if self.holding:
            self.held.append(args)
        else:
            self.db._on_notify(*args)  # type: ignore[attr-defined]

    async def release(self) -> None:
        """Deliver what was held (once), and check that the marker counted it."""
        if not self.holding:
            return
        before = await self.db.data_version()
        self.holding = False
        for args in self.held:
            self.db._on_notify(*args)  # type: ignore[attr-defined]
        self.held.clear()
        assert await self.db.data_version() != before

    async def has_held(self) -> bool:
        return bool(self.held)


@pytest.mark.parametrize("seen", ["inside our transaction", "after our commit", "after our write"])
async def test_a_write_whose_notification_arrives_late_is_never_taken_for_ours(two_processes, seen):
    """The other process commits before our write takes the lock (our transaction reads
    its rows), but its NOTIFY reaches us only at `seen`."""
    first, second = two_processes
    await _in_step(first)
    before = await _warm(first)
    held = await HeldNotifications(first).start()
    marker = await first.db.data_version()
    await _other_write(second)
    await until(held.has_held, "the other process's notification held")
    assert await first.db.data_version() == marker  # not seen yet
    if seen == "inside our transaction":
        _around_transactions(first, inside=held.release)
    elif seen == "after our commit":
        _around_transactions(first, after=held.release)
    await _own_write(first)
    if seen == "after our write":
        # Our write was alone as far as it could tell: the profile stays warm (and stale)
        # until the other process's notification arrives.
        assert not first._catch_up_wanted  # type: ignore[attr-defined]
        assert await first.athlete_profile(RUNNER) is before
        await held.release()
        assert await first.refresh_if_changed()  # what the store watcher does
    else:  # seen while our write ran: not alone, so caught up with right after it
        assert not await first.refresh_if_changed()  # nothing left for the watcher
    assert not held.held
    assert await _shows_the_other_write(first)


async def test_a_write_right_after_our_commit_is_seen_by_polling_too(two_processes, monkeypatch):
    """The listener down (and kept down), so the marker is trackside_writes polled (here
    only when the test says, as the watcher's timer would): the other process commits
    right after our commit, before our write reads the marker again (the SQLite race);
    its version is not one of ours, so the next poll makes the watcher reload."""
    first, second = two_processes

    async def no_listener():
        return None

    first.db._listen = no_listener  # type: ignore[attr-defined]  # stays down
    await terminate(first, only_listener=True)
    await until(lambda: _not_listening(first), "the lost listener noticed")
    monkeypatch.setattr(postgres, "POLL_SECONDS", 3600.0)
    await _in_step(first)
    before = await _warm(first)
    others = [second]

    async def other_write() -> None:
        if others:
            await _other_write(others.pop())

    _around_transactions(first, after=other_write)
    await _own_write(first)
    assert not others
    assert not first._catch_up_wanted  # type: ignore[attr-defined]  # not polled yet
    assert await first.athlete_profile(RUNNER) is before
    await first.db._poll()  # type: ignore[attr-defined]
    assert await first.refresh_if_changed()
    assert await _shows_the_other_write(first)
    assert not first.db.listening
    # Our own write alone, polled: not taken for another process's.
    await _own_write_elsewhere(first)
    await first.db._poll()  # type: ignore[attr-defined]
    assert not await first.refresh_if_changed()


async def _in_step(first: Trackside) -> None:
    """The first process in step with the store: every write so far (the other's
    opening) seen and reloaded, so its next write, alone, is known to be alone."""
    rows = await first.db.reader.execute_fetchall("SELECT version FROM trackside_writes")

    async def seen_all() -> bool:
        await first.db.data_version()  # polls, while not listening
        return first.db._seen >= rows[0][0]  # type: ignore[attr-defined]

    if not first.db.listening:
        await first.db._poll()  # type: ignore[attr-defined]
    await until(seen_all, "every write so far seen")
    await first.refresh_if_changed()
    assert not first._catch_up_wanted  # type: ignore[attr-defined]


async def _own_write_elsewhere(first: Trackside) -> None:
    own = draft("Race Sprinter", "60m", "7.25", "2024-02-12", "Own Meet 2")
    await Writes(first).add_result(own, MOD, confirm_implausible=True)


async def _not_listening(app: Trackside) -> bool:
    return not app.db.listening
