"""Edits and removals: a result corrected or deleted, its records recomputed, and a
correction told to subscribers for each record it no longer holds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING

from bot.domain.announcements import Announcement, Undone, correction_for
from bot.domain.marks import format_wind
from bot.domain.models import RecordEntry, Result
from bot.domain.records import record_name_for, standing_record
from bot.services.athletes import athlete_ref
from bot.services.errors import InvalidInputError, NotFoundError
from bot.services.writes.drafts import (
    MAX_SOURCE,
    Actor,
    DuplicateResultError,
    ResultDraft,
    build,
    clean_text,
    gate,
)
from bot.services.writes.filing import (
    Added,
    after_write,
    audit,
    fix_progressions,
    noted,
    queue,
    records_for,
    result_details,
    scope_label,
    touching,
    with_split_ids,
)
from bot.store.connection import Connection
from bot.store.repositories import RecordRepository, ResultRepository

if TYPE_CHECKING:
    from bot.services.app import Trackside


async def remove_result(
    app: Trackside, result_id: int, actor: Actor, reason: str = ""
) -> Announcement | None:
    """Delete a result; records it set go back to the previous entry of their progression."""
    reason = clean_text(reason, "reason", MAX_SOURCE)
    async with app.db.transaction(short=True) as conn:
        touched = await touching(app)
        result = await app.results.get(result_id, conn)
        if result is None:
            raise NotFoundError(f"No result #{result_id} is on file.")
        touched.results(result)
        entries = await app.record_entries.for_result(conn, result_id)
        await RecordRepository.delete(conn, [e.id for e in entries])
        await ResultRepository.delete(conn, result_id)
        await fix_progressions(conn, app, {e.key for e in entries})
        what = f"removed{': ' + reason if reason else ''}"
        announcement = await _correction(conn, app, result, entries, what)
        details = {"removed": result_details(result, None), "reason": reason}
        await audit(conn, actor, "result.remove", f"result #{result_id}", details)
        await noted(app, conn, touched)
    await after_write(app, touched=touched)
    return announcement


@dataclass(frozen=True)
class ResultChanges:
    """What a moderator changes of a stored result (`/result edit`); None keeps it."""

    mark: str | None = None
    wind: str | None = None
    date: str | None = None
    venue: str | None = None
    competition: str | None = None
    place: int | None = None
    round: str | None = None
    splits: str | None = None  # replaces all the old splits
    source: str | None = None


def merged_draft(old: Result, changes: ResultChanges) -> ResultDraft:
    """The draft of a stored result with the changes applied: every field as text, so
    the edit is checked like an added result. The athlete stays the same (by id)."""

    def keep(new: str | None, stored: str) -> str:
        return new if new is not None else stored

    return ResultDraft(
        athlete=athlete_ref(old.athlete.id),
        event=old.event.key,
        mark=changes.mark or (str(old.mark) if old.mark else old.status.value),
        venue=changes.venue or old.venue.value,
        date=changes.date or old.date.isoformat(),
        competition=changes.competition or old.competition,
        place=changes.place if changes.place is not None else old.place,
        round=keep(changes.round, old.round),
        wind=changes.wind if changes.wind is not None else _wind_text(old.wind),
        splits=keep(changes.splits, ", ".join(f"{s.event.key}={s.mark}" for s in old.splits)),
        source=keep(changes.source, old.source),
        city=old.city,
        country=old.country,
    )


async def edit_draft(app: Trackside, result_id: int, changes: ResultChanges) -> ResultDraft:
    """The draft `edit_result` takes: the stored result #result_id with the changes."""
    old = await app.results.get(result_id)
    if old is None:
        raise NotFoundError(f"No result #{result_id} is on file.")
    return merged_draft(old, changes)


def _wind_text(tenths: int | None) -> str | None:
    return None if tenths is None else format_wind(tenths)


async def edit_result(
    app: Trackside,
    result_id: int,
    draft: ResultDraft,
    actor: Actor,
    *,
    confirm_implausible: bool = False,
) -> Added:
    """Correct a result: its records are recomputed as if it were added again.

    The corrected result passes the same plausibility gate as an added one (`gate`):
    a probable typo needs `confirm_implausible`, the moderator's second confirmation."""
    async with app.db.transaction(short=True) as conn:
        touched = await touching(app)
        old = await app.results.get(result_id, conn)
        if old is None:
            raise NotFoundError(f"No result #{result_id} is on file.")
        new, _ = build(app, draft)
        if new.athlete.id == 0:
            raise InvalidInputError("Edit keeps the athlete: name someone already on file.")
        gate(app, new, confirm_implausible, "corrected")
        new = replace(new, id=result_id, added_by=old.added_by)
        touched.results(old, new)  # the lists and profiles it leaves, and those it joins
        clash = await ResultRepository.exists(conn, new)
        if clash is not None and clash != result_id:
            raise DuplicateResultError(f"That result is already on file (#{clash}).")
        entries = await app.record_entries.for_result(conn, result_id)
        await RecordRepository.delete(conn, [e.id for e in entries])
        await fix_progressions(conn, app, {e.key for e in entries})
        await ResultRepository.update(conn, new)
        new = await with_split_ids(conn, new)
        # Records it keeps with the same mark were announced when it was added: an edit of
        # its city must not announce them again. Records it no longer holds get a correction,
        # even when it keeps others (a mistyped mile keeps its 1500 m split record).
        check, announcement, announcement_id = await records_for(
            conn,
            app,
            new,
            announced={(e.key, e.mark.value, e.equal) for e in entries},
            statuses={(e.key, e.mark.value): e.status for e in entries},
        )
        kept = {b.key for b in check.breaks}
        lost = [e for e in entries if e.key not in kept]
        correction = await _correction(conn, app, old, lost, "corrected")
        announcement = announcement or correction
        details = {"before": result_details(old, None), "after": result_details(new, check)}
        await audit(conn, actor, "result.edit", f"result #{result_id}", details)
        await noted(app, conn, touched)
    await after_write(app, touched=touched)
    return Added(result_id, check, announcement, announcement_id)


async def _correction(
    conn: Connection,
    app: Trackside,
    result: Result,
    entries: Sequence[RecordEntry],
    what: str,
) -> Announcement | None:
    """Queue a correction for the records of `entries` that a result no longer holds."""
    if not entries:
        return None
    undone = []
    for key in dict.fromkeys(e.key for e in entries):
        event = app.catalogue.get(key.event_key)
        remaining = await app.record_entries.for_keys(conn, [key])
        undone.append(
            Undone(
                key=key,
                event=event,
                name=record_name_for(key, event, scope_label(app, key.scope)),
                removed=next(e for e in entries if e.key == key),
                standing=standing_record(event, remaining.get(key, []), date.max),
            )
        )
    announcement = correction_for(result, undone, what)
    await queue(conn, announcement, result.sex)
    return announcement
