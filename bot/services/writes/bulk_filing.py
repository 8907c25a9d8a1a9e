"""Filing the records of a whole import at once: find the rows that could set a record (a row
worse than every record it could touch, as that record stood on its day, cannot), file only
those — oldest first, with the same record checks as one result — on progressions kept in
memory, and write everything together inside the import's transaction."""

from __future__ import annotations

import asyncio
import bisect
import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from bot.domain.announcements import Announcement, announcement_for
from bot.domain.events import Sex, Venue
from bot.domain.marks import Mark
from bot.domain.models import (
    Athlete,
    RecordEntry,
    RecordKey,
    RecordScope,
    Result,
    ResultStatus,
    Split,
)
from bot.domain.records import (
    RecordCheck,
    lists_checked,
    recompute_progression,
    record_breaks_for,
    record_keys_for,
    scopes_for,
)
from bot.services.writes.filing import (
    channels_for,
    entry_for,
    progressions_of,
    scope_label,
    with_fix,
)
from bot.store import bulk
from bot.store.connection import Connection
from bot.store.outbox import Subscription, SubscriptionRepository

if TYPE_CHECKING:
    from bot.services.app import Trackside

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoreForFiling:
    """What filing an import's records reads from the store, read at once inside the
    import's transaction before the connection is given to building the results' indexes
    again (seconds of SQLite's C, `bulk.bulk_load`): the filing then runs in worker
    threads at the same time, on the machine's other core."""

    marks: list[tuple[str, str, str, str, str, int, str]]  # bulk.record_marks
    seq: int  # the record change log's, as the transaction sees it
    next_entry: int  # the first id a new record entry takes
    subscriptions: list[Subscription]

    @classmethod
    async def read(cls, conn: Connection) -> StoreForFiling:
        return cls(
            await bulk.record_marks(conn),
            await bulk.record_changes_seq(conn),
            await bulk.next_id(conn, "record_entries"),
            await SubscriptionRepository.all(conn),
        )


def record_candidates(
    app: Trackside, store: StoreForFiling, staged: Sequence[tuple], athletes: Sequence[Athlete]
) -> list[int]:
    """Which of an import's stored rows (`csv_import.Staged`, oldest first) could set or
    equal a record: the others need no record check at all. CPU work over every row:
    runs in a worker thread.

    A row is left out only when, for every record it could touch, its mark is worse than
    the record as it stood on its day with what was on file before the import. That is
    safe: what the import itself files only ever makes a record better on every day
    (an entry is filed only when it beats or equals the standing record; one superseded
    is worse than one before it), so a row worse than the old standing record is worse
    than the new one too. The scopes taken are a superset of `scopes_for`'s (U20 scopes
    whenever a birth year is known); `record_breaks_for` then decides exactly.
    """
    steps = _standing_steps(app, store.marks)
    if not steps:
        return []
    records = _Records(app, steps)
    valid = ResultStatus.VALID.value
    candidates = []
    for index, row in enumerate(staged):
        (day, _, _, event_key, sex, venue, mark, hand, _, _, competition, *_) = row
        splits = row[-1]
        if row[-3] != valid or (mark is None and not splits):
            continue
        athlete = athletes[index]
        performances = [(event_key, mark, hand)] if mark is not None else []
        performances += splits
        for perf_event, perf_mark, perf_hand in performances:
            if perf_hand:
                continue  # hand times never count
            standing = records.of(athlete, competition, perf_event, venue, sex)
            if any(_may_count(step, day, sign * perf_mark) for step, sign in standing):
                candidates.append(index)
                break
    return candidates


class _Records:
    """The records on file a performance could touch, with their signs: those of the
    athlete's scopes (by nation and whether a birth year is known) and of the meeting's,
    on the lists its event and venue are checked on (`lists_checked`), each found once."""

    def __init__(self, app: Trackside, steps: dict[tuple[str, str, str, str, str], Any]):
        self._app, self._steps = app, steps
        self._scopes: dict[object, tuple[tuple[str, str], ...]] = {}
        self._lists: dict[tuple[str, str], tuple[tuple[str, int], ...]] = {}
        self._found: dict[object, tuple[tuple[Any, int], ...]] = {}

    def of(
        self, athlete: Athlete, competition: str, event: str, venue: str, sex: str
    ) -> tuple[tuple[Any, int], ...]:
        who = (athlete.nation, athlete.year_of_birth is not None)
        found = self._found.get(key := (who, event, venue, sex))
        if found is None:
            scopes = self._scopes.get(who)
            if scopes is None:  # scopes_for's without the meeting's (competition "")
                scopes = self._scopes[who] = _scopes(self._app, athlete, "")
            found = self._found[key] = self._standing(scopes, event, venue, sex)
        meeting = self._found.get(at := (competition, event, venue, sex))
        if meeting is None:
            scopes = self._scopes.get(competition)
            if scopes is None:  # the meeting's: all that the competition adds
                everyone = _scopes(self._app, athlete, competition)
                scopes = self._scopes[competition] = everyone[
                    len(_scopes(self._app, athlete, "")) :
                ]
            meeting = self._found[at] = self._standing(scopes, event, venue, sex)
        return found + meeting if meeting else found

    def _standing(
        self, scopes: tuple[tuple[str, str], ...], event: str, venue: str, sex: str
    ) -> tuple[tuple[Any, int], ...]:
        checked = self._lists.get((event, venue))
        if checked is None:
            performed = self._app.catalogue.get(event)
            sign = -1 if performed.lower_is_better else 1
            checked = self._lists[(event, venue)] = tuple(
                (v.value, sign) for v in lists_checked(performed, Venue(venue))
            )
        found = ((self._steps.get((kind, code, event, list_value, sex)), sign)
                 for list_value, sign in checked for kind, code in scopes)  # fmt: skip
        return tuple((step, sign) for step, sign in found if step is not None)


def _standing_steps(
    app: Trackside, marks: Sequence[tuple[str, str, str, str, str, int, str]]
) -> dict[tuple[str, str, str, str, str], tuple[list[str], list[int]]]:
    """Per record: (days, the best mark by then, signed so that higher is better), from
    the counting entries oldest first — the record as it stood on any day, by bisection."""
    steps: dict[tuple[str, str, str, str, str], tuple[list[str], list[int]]] = {}
    signs: dict[str, int] = {}
    for kind, code, event_key, list_value, sex, mark, day in marks:
        sign = signs.get(event_key)
        if sign is None:
            sign = signs[event_key] = -1 if app.catalogue.get(event_key).lower_is_better else 1
        days, bests = steps.setdefault((kind, code, event_key, list_value, sex), ([], []))
        best = max(sign * mark, bests[-1]) if bests else sign * mark
        if days and days[-1] == day:
            bests[-1] = best
        else:
            days.append(day)
            bests.append(best)
    return steps


def _may_count(step: tuple[list[str], list[int]], day: str, signed: int) -> bool:
    """(A record not on file is not in `_Records`: nothing to claim, see record_breaks_for.)"""
    days, bests = step
    if signed < bests[0]:  # worse than it ever stood (bests only grow)
        return False
    at = bisect.bisect_right(days, day) - 1
    return at >= 0 and signed >= bests[at]


def _scopes(app: Trackside, athlete: Athlete, competition: str) -> tuple[tuple[str, str], ...]:
    """(kind, code) of every scope a row could set a record in: `scopes_for`'s, with the
    U20 ones whenever the athlete's birth year is known (the exact check follows)."""
    area = app.nations.area_of(athlete.nation)
    found = scopes_for(athlete, area, competition, any_u20=True)
    return tuple((scope.kind.value, scope.code) for scope in found)


def stored_result(
    app: Trackside,
    row: tuple,
    athlete: Athlete,
    result_id: int,
    split_ids: Mapping[tuple[int, str], int],
    added_by: int | None,
) -> Result:
    """The Result an import row became, with the ids the store gave it and its splits."""
    (day, _, _, event_key, sex, venue, mark, hand, wind, _, competition, city, country,
     round_, place, status, source, splits) = row  # fmt: skip
    catalogue = app.catalogue
    event = catalogue.get(event_key)
    return Result(
        athlete=athlete, event=event, sex=Sex(sex), venue=Venue(venue),
        mark=Mark(mark, event.unit, bool(hand)) if mark is not None else None,
        date=date.fromisoformat(day), competition=competition, wind=wind, city=city,
        country=country, round=round_, place=place,
        splits=tuple(
            Split(catalogue.get(key), Mark(value, catalogue.get(key).unit, bool(split_hand)),
                  id=split_ids[(result_id, key)])
            for key, value, split_hand in splits
        ),
        status=ResultStatus(status), source=source, added_by=added_by, id=result_id,
    )  # fmt: skip


@dataclass
class FiledInBulk:
    """What filing an import's records decided, not yet written (`write`)."""

    queued: list[tuple[Announcement, Sex | None]]  # with the sex of the result
    checks: dict[int, RecordCheck]  # by result id
    progressions: dict[RecordKey, list[RecordEntry]]  # every record the rows could touch
    new: list[tuple]  # the new entries' rows
    flags: list[tuple[int, int, int]]  # (superseded, equal, id) of entries on file

    @property
    def announcements(self) -> list[Announcement]:
        return [announcement for announcement, _ in self.queued]

    async def write(self, conn: Connection, store: StoreForFiling) -> None:
        """New entries (with the ids `StoreForFiling.next_entry` began), the flags of
        entries on file, one announcement per result that broke or equalled something,
        and its deliveries."""
        if self.new:
            await bulk.insert_record_entries(conn, self.new)
        if self.flags:
            await bulk.set_entry_flags(conn, self.flags)
        subscriptions = store.subscriptions
        await bulk.queue_announcements(
            conn,
            self.queued,
            lambda announcement, sex: channels_for(subscriptions, announcement, sex),
        )


async def file_records_in_bulk(
    conn: Connection, app: Trackside, store: StoreForFiling, stored: Sequence[Result]
) -> FiledInBulk:
    """`records_for` for many stored results, oldest first, as if they were filed one by
    one — the same checks on the same progressions in the same order — but with the
    progressions they touch read once (from the record book when it is the store's, as
    it usually is: then without the connection) and kept in memory; what they change is
    written together afterwards (`FiledInBulk.write`)."""
    if not stored:
        return FiledInBulk([], {}, {}, [], [])
    areas, keys = await asyncio.to_thread(_keys_of, app, stored)
    progressions = (await progressions_of(conn, app, keys, seq=store.seq))[0]
    on_file = {entry.id for entries in progressions.values() for entry in entries}
    checks: dict[int, RecordCheck] = {}
    queued = await asyncio.to_thread(_file_in_memory, app, stored, areas, progressions, checks,
                                     store.next_entry)  # fmt: skip
    new, flags = await asyncio.to_thread(_progression_rows, progressions, on_file)
    return FiledInBulk(queued, checks, progressions, new, flags)


def _file_in_memory(
    app: Trackside,
    stored: Sequence[Result],
    areas: Sequence[str | None],
    progressions: dict[RecordKey, list[RecordEntry]],
    checks: dict[int, RecordCheck],
    next_entry: int,
) -> list[tuple[Announcement, Sex | None]]:
    """The filing loop of `file_records_in_bulk` (pure, in a worker thread): updates
    `progressions` and `checks`; the announcements to queue, with their sex."""
    queued: list[tuple[Announcement, Sex | None]] = []
    history = app.book.scope_entries(RecordScope.world())
    for result, area in zip(stored, areas, strict=True):
        check = record_breaks_for(result, progressions, area=area)
        checks[result.id or 0] = check
        if not check.breaks:
            continue
        for brk in check.breaks:
            progressions.setdefault(brk.key, []).append(entry_for(result, brk, next_entry))
            next_entry += 1
        for key in {b.key for b in check.breaks}:
            fix = recompute_progression(app.catalogue.get(key.event_key), progressions[key])
            if fix.drop or fix.restore:
                log.info("%s: %d entries superseded, %d restored", key, len(fix.drop),
                         len(fix.restore))  # fmt: skip
            progressions[key] = with_fix(progressions[key], fix)
        announcement = announcement_for(
            result, check, lambda scope: scope_label(app, scope), result_id=result.id,
            history=history, distance_of=lambda key: app.catalogue.get(key).distance_m,
        )  # fmt: skip
        if announcement is not None:
            queued.append((announcement, result.sex))
    return queued


def _progression_rows(
    progressions: Mapping[RecordKey, list[RecordEntry]], on_file: Collection[int]
) -> tuple[list[tuple], list[tuple[int, int, int]]]:
    """The new entries' rows, and (superseded, equal, id) of every entry on file."""
    new, flags = [], []
    for entries in progressions.values():
        for e in entries:
            if e.id not in on_file:
                new.append((
                    e.id, e.key.scope.kind.value, e.key.scope.code, e.key.event_key,
                    e.key.list.value, e.key.sex.value, e.result_id, e.split_id, e.mark.value,
                    e.date.isoformat(), int(e.equal), e.status.value, e.source,
                    int(e.superseded),
                ))  # fmt: skip
            else:
                flags.append((int(e.superseded), int(e.equal), e.id))
    new.sort()
    return new, flags


def _keys_of(app: Trackside, stored: Sequence[Result]) -> tuple[list[str | None], set[RecordKey]]:
    """Each result's area, and every record the results could touch."""
    areas = [app.nations.area_of(result.athlete.nation) for result in stored]
    keys = {key for result, area in zip(stored, areas, strict=True)
            for key in record_keys_for(result, area)}  # fmt: skip
    return areas, keys
