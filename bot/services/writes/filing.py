"""Inside a write transaction: store a checked result, file the records it sets, fix the
progressions it changes, queue its announcement and write the audit row. The callers
(adding, corrections, ratification) own the transaction; `after_write` brings the
in-memory indexes in step once it is committed."""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.domain.announcements import Announcement, announcement_for
from bot.domain.events import Sex
from bot.domain.models import (
    RecordEntry,
    RecordKey,
    RecordScope,
    RecordStatus,
    Result,
    ScopeKind,
)
from bot.domain.records import (
    BreakKind,
    ProgressionFix,
    RecordBreak,
    RecordCheck,
    recompute_progression,
    record_breaks_for,
    record_keys_for,
)
from bot.services.warm import Touched
from bot.services.writes.drafts import Actor, DuplicateResultError
from bot.store import bulk, write_log
from bot.store.connection import Connection, IntegrityError
from bot.store.outbox import (
    AuditRepository,
    OutboxRepository,
    Subscription,
    SubscriptionRepository,
)
from bot.store.repositories import AthleteRepository, RecordRepository, ResultRepository

if TYPE_CHECKING:
    from bot.services.app import Trackside

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Added:
    result_id: int
    check: RecordCheck
    announcement: Announcement | None
    announcement_id: int | None


@dataclass(frozen=True)
class Filed:
    """What storing one result did: returned from the transaction, so nothing of a write
    that rolls back outlives it (the new athlete's id reaches the indexes only on commit)."""

    added: Added
    new_athlete_id: int | None
    written: RecordsWritten | None = None


@dataclass(frozen=True)
class RecordsWritten:
    """The whole progressions of the records a write touched, as it left them, and the
    record change log's sequence before and after it (Trackside.reload_records)."""

    before: int
    after: int
    progressions: dict[RecordKey, list[RecordEntry]]

    def exact(self, seen: int | None, seq: int, changed: set[RecordKey] | None) -> bool:
        """Whether the store has these progressions for every record changed since `seen`
        up to `seq`: the book was in step before the write (seen is `before`), no other
        write came after it (seq is `after`), and it changed no record not given here."""
        return (
            changed is not None
            and seen == self.before
            and seq == self.after
            and changed <= self.progressions.keys()
        )


async def add_in(conn: Connection, app: Trackside, result: Result, actor: Actor) -> Filed:
    """Store a checked result (and its athlete, when new) in the caller's transaction."""
    new_athlete_id = None
    if result.athlete.id == 0:
        new_athlete_id = await _athlete_id(conn, result, actor)
        result = replace(result, athlete=replace(result.athlete, id=new_athlete_id))
    duplicate = await ResultRepository.exists(conn, result)
    if duplicate is not None:
        raise DuplicateResultError(f"That result is already on file (#{duplicate}).")
    result = replace(result, added_by=actor.user_id)
    try:
        result_id = await ResultRepository.insert(conn, result)
    except IntegrityError:
        raise DuplicateResultError("That result is already on file.") from None
    result = await with_split_ids(conn, replace(result, id=result_id))
    filed = await _records_in(conn, app, result, (), {})
    check, announcement, announcement_id, progressions, before = filed
    details = result_details(result, check)
    await audit(conn, actor, "result.add", f"result #{result_id}", details)
    written = RecordsWritten(before, await bulk.record_changes_seq(conn), progressions)
    return Filed(Added(result_id, check, announcement, announcement_id), new_athlete_id, written)


async def _athlete_id(conn: Connection, result: Result, actor: Actor) -> int:
    athlete = result.athlete
    existing_id = await AthleteRepository.find_exact(
        conn, athlete.name, athlete.nation, athlete.sex
    )
    if existing_id is not None:
        return existing_id
    return await AthleteRepository.create(
        conn,
        athlete.name,
        athlete.nation,
        athlete.sex,
        is_team=athlete.is_team,
        source=f"added by {actor.user_id}" if actor.user_id else "added",
    )


async def with_split_ids(conn: Connection, result: Result) -> Result:
    """The stored result with the ids its splits got."""
    assert result.id is not None
    if not result.splits:  # most results: no statement for nothing
        return result
    split_ids = await ResultRepository.split_ids(conn, result.id)
    splits = tuple(replace(s, id=split_ids[s.event.key]) for s in result.splits)
    return replace(result, splits=splits)


async def records_for(
    conn: Connection,
    app: Trackside,
    result: Result,
    announced: Collection[tuple[RecordKey, int, bool]] = (),
    statuses: Mapping[tuple[RecordKey, int], RecordStatus] | None = None,
) -> tuple[RecordCheck, Announcement | None, int | None]:
    """Check a stored result against the records as this transaction sees them, file
    the records it sets, fix the progressions it changes, and queue its announcement.

    `announced` holds (key, mark, equal) of records this result was already announced
    for (an edit re-files them): those are no news and are left out of the announcement;
    `statuses` keeps the ratification status those re-filed records had.
    """
    check, announcement, announcement_id, _, _ = await _records_in(
        conn, app, result, announced, statuses or {}
    )
    return check, announcement, announcement_id


async def _records_in(
    conn: Connection,
    app: Trackside,
    result: Result,
    announced: Collection[tuple[RecordKey, int, bool]],
    statuses: Mapping[tuple[RecordKey, int], RecordStatus],
) -> tuple[RecordCheck, Announcement | None, int | None, dict[RecordKey, list[RecordEntry]], int]:
    """`records_for`, with the progressions of the records it filed as it left them and
    the change log's sequence before (see RecordsWritten)."""
    area = app.nations.area_of(result.athlete.nation)
    keys = record_keys_for(result, area)
    on_file, before = await progressions_of(conn, app, keys)
    check = record_breaks_for(result, on_file, area=area)
    progressions = await _file_breaks(conn, result, check, on_file, statuses)
    progressions = await fix_progressions(conn, app, progressions, progressions)
    news = tuple(
        b
        for b in check.breaks
        if (b.key, b.performance.mark.value, b.kind is BreakKind.EQUALS) not in announced
    )
    announcement = announcement_for(
        result,
        replace(check, breaks=news),
        lambda scope: scope_label(app, scope),
        result_id=result.id,
        history=app.book.scope_entries(RecordScope.world()),
        distance_of=lambda key: app.catalogue.get(key).distance_m,
    )
    announcement_id = None
    if announcement is not None:
        announcement_id = await queue(conn, announcement, result.sex)
    return check, announcement, announcement_id, progressions, before


async def progressions_of(
    conn: Connection, app: Trackside, keys: Collection[RecordKey], *, seq: int | None = None
) -> tuple[dict[RecordKey, list[RecordEntry]], int]:
    """The progressions of these records as this transaction sees them, and the record
    change log's sequence (`seq`: as the transaction read it already). The record book's
    when the log shows no write since the book was read (the book is then the store's,
    and one small statement replaces reading and building every entry), else read from
    the store."""
    if seq is None:
        seq = await bulk.record_changes_seq(conn)
    if seq == app.records_seen:
        return {key: found for key in keys if (found := app.book.entries(key))}, seq
    return await app.record_entries.for_keys(conn, keys), seq


def entry_for(result: Result, brk: RecordBreak, entry_id: int) -> RecordEntry:
    """The record entry a break files (its id as the store will give it)."""
    index = brk.performance.split_index
    split = result.splits[index] if index is not None else None
    # Meeting records are the organiser's to keep; the rest await ratification.
    meeting = brk.key.scope.kind is ScopeKind.MEETING
    return RecordEntry(
        id=entry_id,
        key=brk.key,
        mark=brk.performance.mark,
        date=result.date,
        athlete=result.athlete,
        result_id=result.id or 0,
        status=RecordStatus.RATIFIED if meeting else RecordStatus.PENDING,
        competition=result.competition,
        city=result.city,
        country=result.country,
        wind=result.wind if split is None else None,
        split_id=split.id if split else None,
        equal=brk.kind is BreakKind.EQUALS,
        source=result.source,
    )


async def _file_breaks(
    conn: Connection,
    result: Result,
    check: RecordCheck,
    on_file: Mapping[RecordKey, list[RecordEntry]],
    statuses: Mapping[tuple[RecordKey, int], RecordStatus],
) -> dict[RecordKey, list[RecordEntry]]:
    """File the records the result sets; the progressions they join as this transaction
    now has them: the entries read for the check and the ones filed (no second read)."""
    assert result.id is not None, "records are filed for a stored result"
    progressions = {b.key: list(on_file.get(b.key, ())) for b in check.breaks}
    for brk in check.breaks:
        filed = entry_for(result, brk, 0)
        # Meeting records are the organiser's to keep; the rest await ratification.
        status = statuses.get((brk.key, filed.mark.value), filed.status)
        entry_id = await RecordRepository.insert(
            conn, brk.key, result_id=result.id, split_id=filed.split_id, mark=filed.mark.value,
            day=result.date, status=status, equal=filed.equal, source=result.source,
        )  # fmt: skip
        if entry_id is not None:  # None: that very entry is on file, and read already
            progressions[brk.key].append(replace(filed, id=entry_id, status=status))
    return progressions


async def fix_progressions(
    conn: Connection,
    app: Trackside,
    keys: Iterable[RecordKey],
    progressions: Mapping[RecordKey, list[RecordEntry]] | None = None,
) -> dict[RecordKey, list[RecordEntry]]:
    """Supersede, restore and flag equals in these records' progressions: as given in
    `progressions` (this transaction's view of them), else as read now. Returns the
    progressions of `keys` as they are now."""
    keys = set(keys)
    if not keys:
        return {}
    if progressions is None:
        progressions = await app.record_entries.for_keys(conn, keys)
    fixed = {}
    for key, entries in progressions.items():
        if key not in keys or not entries:
            continue
        fix = recompute_progression(app.catalogue.get(key.event_key), entries)
        fixed[key] = with_fix(entries, fix)
        if fix.drop or fix.restore:
            log.info("%s: %d entries superseded, %d restored", key, len(fix.drop), len(fix.restore))
        # Superseded, never deleted: a later correction can bring them back.
        for entry in fix.drop:
            await RecordRepository.set_superseded(conn, entry.id, True)
        for entry in fix.restore:
            await RecordRepository.set_superseded(conn, entry.id, False)
        for entry_id, equal in fix.equal_flags.items():
            await RecordRepository.set_equal(conn, entry_id, equal)
    return fixed


def with_fix(entries: list[RecordEntry], fix: ProgressionFix) -> list[RecordEntry]:
    """The entries with a progression fix applied (what fix_progressions writes)."""
    if not (fix.drop or fix.restore or fix.equal_flags):
        return entries
    superseded = {e.id: True for e in fix.drop} | {e.id: False for e in fix.restore}
    return [
        replace(
            entry,
            superseded=superseded.get(entry.id, entry.superseded),
            equal=fix.equal_flags.get(entry.id, entry.equal),
        )
        if entry.id in superseded or entry.id in fix.equal_flags
        else entry
        for entry in entries
    ]


def scope_label(app: Trackside, scope: RecordScope) -> str:
    return app.scopes.info(scope).label


async def queue(conn: Connection, announcement: Announcement, sex: Sex | None) -> int:
    """Write the announcement to the outbox with one delivery per matching channel."""
    channels = channels_for(await SubscriptionRepository.all(conn), announcement, sex)
    return await OutboxRepository.add(conn, announcement, sex, channels)


def channels_for(
    subscriptions: Iterable[Subscription], announcement: Announcement, sex: Sex | None
) -> list[tuple[int, int]]:
    """(guild id, channel id) of every subscription the announcement matches."""
    return [(s.guild_id, s.channel_id) for s in subscriptions if s.matches(announcement, sex)]


async def touching(app: Trackside) -> Touched:
    """What a write touched, begun inside its transaction (so after any other process's
    commit it could miss): with the store's data version as the write sees it and our
    own latest commit's, for `Trackside.reload_records` to tell whether it was alone."""
    return Touched(seen=(await app.db.data_version(), app.db.own_version))


async def noted(app: Trackside, conn: Connection, touched: Touched) -> None:
    """Note what the write touched in the write log, for the other processes on the store
    to catch up with exactly that (`bot.store.write_log`): inside its transaction, once
    the write knows (too much to name: everything)."""
    if touched.dependencies() is None:
        await write_log.note(app.db.notes, conn, None)
    else:
        await write_log.note(app.db.notes, conn, touched.events, touched.athletes)


async def after_write(
    app: Trackside,
    new_athlete_ids: Iterable[int] = (),
    written: RecordsWritten | None = None,
    touched: Touched | None = None,
) -> None:
    """Bring the in-memory indexes in step with what was committed (`written`: what it
    left the records it touched as, see RecordsWritten; `touched`: the events and
    athletes of the results it added, moved or removed, see `bot.services.warm`)."""
    await app.reload_records(list(new_athlete_ids), written, touched=touched)
    app.notify_outbox()


async def audit(
    conn: Connection, actor: Actor, action: str, target: str, details: dict[str, Any]
) -> None:
    await AuditRepository.add(conn, actor.user_id, actor.guild_id, action, target, details)


def result_details(result: Result, check: RecordCheck | None) -> dict[str, Any]:
    details: dict[str, Any] = {
        "athlete": result.athlete.name,
        "nation": result.athlete.nation,
        "event": result.event.key,
        "mark": str(result.mark) if result.mark else result.status.value,
        "venue": result.venue.value,
        "date": result.date.isoformat(),
        "competition": result.competition,
        "wind": result.wind,
        "splits": {s.event.key: str(s.mark) for s in result.splits},
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    if check is not None:
        details["records"] = records_text(check)
    return details


# -- many results at once (an import) ---------------------------------------------------------


def records_text(check: RecordCheck) -> list[str]:
    """The audit row's list of what a result set ("breaks W 1500m outdoor")."""
    return [
        f"{b.kind.value} {b.key.scope.code} {b.key.event_key} {b.key.list.value}"
        for b in check.breaks
    ]
