"""Catching up with other processes' writes: what the store watcher
(`Trackside.refresh_if_changed`) does when the store says another process wrote.

The write log (`bot.store.write_log`) says what each write touched. When every write
since the last look names what it touched, exactly that is refreshed, as after a write
of our own (`Trackside.reload_records`): the records it changed, the athletes it added to
or changed (their names in the index, their prominence) and the warm answers depending
on any of it; the rest stays warm. A write that touched too much to name (a big import),
one that did not say, or a gap in the log (this process fell more than `write_log.KEPT`
writes behind) means a full reload, as every foreign write used to. Delivery
bookkeeping writes nothing to the log: nothing to catch up with. A write of our own that
another process's landed around (before the watcher had looked, or right after our
commit) is followed by a catch-up at once (`Trackside.reload_records`): our own rows of
the log are skipped, the other's refreshed exactly as here.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.services.warm import Touched
from bot.store import write_log
from bot.store.outbox import GuildSettingsRepository

if TYPE_CHECKING:
    from bot.services.app import Trackside

log = logging.getLogger(__name__)


async def after_own_write(app: Trackside) -> None:
    """What another process wrote around our own write, caught up with now, as the store
    watcher would (`Trackside.refresh_if_changed`). Our write is committed whatever happens
    here: a store error is logged and left to the watcher, which tries again (the catch-up
    stays wanted)."""
    try:
        await app.refresh_if_changed()
    except Exception:
        log.exception("could not catch up after a write; the store watcher will")


async def catch_up(app: Trackside, version: int) -> bool:
    """Bring `app` in step with what other processes wrote, up to the store's data
    `version`. Whether anything was read again."""
    entries = await write_log.since(app.db.reader, app.log_seen)
    theirs = None if entries is None else [e for e in entries if e.seq not in app.db.notes.own]
    touched = None if theirs is None else _touched(theirs)
    if touched is None:
        await app.reload()
    else:
        if entries:
            app.log_seen = entries[-1].seq
        await app.reload_records(touched.athletes, touched=touched, in_step=version)
        if any(entry.settings for entry in theirs or ()):
            app.moderator_roles = await GuildSettingsRepository.moderator_roles(app.db.reader)
    app.notify_outbox()  # they may have queued announcements
    return touched is None or bool(theirs)


def _touched(entries: list[write_log.Entry]) -> Touched | None:
    """What these writes touched together; None: too much to name."""
    touched = Touched()
    for entry in entries:
        if entry.events is None:
            return None
        touched.events |= entry.events
        touched.athletes |= entry.athletes
    return None if touched.dependencies() is None else touched
