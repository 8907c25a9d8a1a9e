"""Ratification: a pending record is ratified or rejected, and subscribers are told."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from bot.domain.announcements import Announcement, ratification_for
from bot.domain.models import RecordEntry, RecordStatus
from bot.domain.records import record_name_for, standing_record
from bot.services.errors import InvalidInputError, NotFoundError
from bot.services.writes.drafts import MAX_SOURCE, Actor, clean_text
from bot.services.writes.filing import (
    after_write,
    audit,
    fix_progressions,
    noted,
    queue,
    scope_label,
    touching,
)
from bot.store.repositories import RecordRepository

if TYPE_CHECKING:
    from bot.services.app import Trackside


def pending_records(app: Trackside) -> list[RecordEntry]:
    """Every pending record entry, newest first (autocomplete for /ratify)."""
    pending = [
        e
        for key in list(app.book.keys())
        for e in app.book.progression(key)
        if e.status is RecordStatus.PENDING
    ]
    return sorted(pending, key=lambda e: (e.date, e.id), reverse=True)


async def ratify(
    app: Trackside, entry_id: int, status: RecordStatus, actor: Actor, note: str = ""
) -> Announcement:
    if status not in (RecordStatus.RATIFIED, RecordStatus.REJECTED):
        raise InvalidInputError("A record is ratified or rejected.")
    note = clean_text(note, "note", MAX_SOURCE)
    async with app.db.transaction(short=True) as conn:
        touched = await touching(app)  # no result: the record it changed says the rest
        entry = await app.record_entries.get(conn, entry_id)
        if entry is None:
            raise NotFoundError(f"No record entry #{entry_id} is on file.")
        if entry.status is not RecordStatus.PENDING:
            raise InvalidInputError(
                f"That record is {entry.status.value}, not pending ratification."
            )
        await RecordRepository.set_status(conn, entry_id, status, note or None)
        await fix_progressions(conn, app, {entry.key})
        event = app.catalogue.get(entry.key.event_key)
        name = record_name_for(entry.key, event, scope_label(app, entry.key.scope))
        remaining = await app.record_entries.for_keys(conn, [entry.key])
        standing = standing_record(event, remaining.get(entry.key, []), date.max)
        announcement = ratification_for(entry, event, name, status, standing, note)
        await queue(conn, announcement, entry.key.sex)
        details = {
            "mark": str(entry.mark),
            "event": event.key,
            "scope": entry.key.scope.code,
            "note": note,
        }
        target = f"record entry #{entry_id}"
        await audit(conn, actor, f"record.{status.value}", target, details)
        await noted(app, conn, touched)
    await after_write(app, touched=touched)
    return announcement
