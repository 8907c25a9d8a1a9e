"""Record rules: which records a result (and its splits) breaks or equals.

Pure functions over data: the caller passes the record entries on file for the records
a result could touch (see :func:`record_keys_for`), and gets back every break, every
equal, and why a performance could not count. Rules follow SPEC.md §1 and RULES.md:

- breaking is strictly better than the standing record on the result's date; equal is equal;
- a split counts like a result for the split's event, but only if the race was finished;
- wind over +2.0 m/s (or no reading) on a wind-affected outdoor event, hand timing and any
  status other than valid never set records;
- an indoor result is checked against the indoor (short-track) list and also the main list;
  an outdoor one only against the main list; straight events have one list;
- a scope with no record on file is never claimed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from dateutil.relativedelta import relativedelta

from bot.domain.events import Event, RecordType, Sex, Venue
from bot.domain.marks import Mark, compare, format_wind, margin, wind_legal
from bot.domain.models import (
    Athlete,
    RecordEntry,
    RecordKey,
    RecordScope,
    RecordStatus,
    Result,
    ResultStatus,
    ScopeKind,
)


class BreakKind(StrEnum):
    BREAKS = "breaks"
    EQUALS = "equals"


@dataclass(frozen=True)
class Performance:
    """A result, or one of its splits, seen as a record candidate."""

    result: Result
    event: Event
    mark: Mark
    split_index: int | None = None  # index into result.splits; None for the result itself

    @property
    def is_split(self) -> bool:
        return self.split_index is not None


@dataclass(frozen=True)
class RecordBreak:
    """One record a performance broke or equalled."""

    key: RecordKey
    performance: Performance
    kind: BreakKind
    previous: tuple[RecordEntry, ...]  # the standing record: its holder(s), earliest first
    margin: int  # in the event's unit; 0 for an equal
    record_type: RecordType  # a world best list says "world best", not "world record"

    @property
    def previous_entry(self) -> RecordEntry:
        return self.previous[0]

    @property
    def stood(self) -> relativedelta:
        """How long the standing record had stood when this performance came: since its
        mark was first set (an equal does not restart the clock)."""
        return relativedelta(self.performance.result.date, self.previous[0].date)


@dataclass(frozen=True)
class NotEligible:
    performance: Performance
    reason: str


@dataclass(frozen=True)
class RecordCheck:
    breaks: tuple[RecordBreak, ...]
    not_eligible: tuple[NotEligible, ...]

    @property
    def any(self) -> bool:
        return bool(self.breaks)


@dataclass(frozen=True)
class Preview:
    """What a result would do, before anything is written."""

    result: Result
    new_athlete: bool
    check: RecordCheck
    warnings: tuple[str, ...]  # implausible marks: need a second, explicit confirmation


def performances_of(result: Result) -> list[Performance]:
    """The result itself and each of its splits, as record candidates."""
    performances = []
    if result.mark is not None:
        performances.append(Performance(result, result.event, result.mark))
    for index, split in enumerate(result.splits):
        performances.append(Performance(result, split.event, split.mark, index))
    return performances


def ineligibility(performance: Performance) -> str | None:
    """Why this performance can never set a record, or None if it may."""
    result = performance.result
    if result.status is not ResultStatus.VALID:
        what = "race was not finished" if performance.is_split else "result is not valid"
        return f"the {what} ({result.status.value.upper()})"
    if performance.mark.hand_timed:
        return "hand-timed marks never count for records"
    event = performance.event
    if event.wind_affected and result.venue is Venue.OUTDOOR:
        if result.wind is None:
            return "no wind reading: a record needs a legal wind (+2.0 m/s or less)"
        if not wind_legal(result.wind):
            return f"wind-aided: {format_wind(result.wind)} m/s is over the +2.0 m/s limit"
    return None


def legal_for_lists(valid: bool, mark: int | None, hand_timed: bool, wind: int | None) -> bool:
    """Whether a mark counts for top lists and personal bests: the one rule, over plain
    values so the store can apply it to raw rows. A valid result's fully automatic mark,
    with no wind reading or a legal one (+2.0 m/s or less, RULES.md §4), whatever the event.

    The store's SQL mirrors it (`bot.store.repositories.legal_sql`, and the partial index
    `results_legal_by_mark`); tests/store/test_legality_sql.py proves the two agree.
    """
    return valid and mark is not None and not hand_timed and wind_legal(wind)


def counts_for_lists(result: Result) -> bool:
    """`legal_for_lists` for a result's own mark (its splits are performances of their own)."""
    mark = result.mark
    return legal_for_lists(
        result.status is ResultStatus.VALID,
        None if mark is None else mark.value,
        mark is not None and mark.hand_timed,
        result.wind,
    )


def lists_checked(event: Event, venue: Venue) -> list[Venue]:
    """Record lists a mark made at `venue` is checked against.

    An indoor mark also counts for the main (outdoor) list when it is better (RULES.md §2:
    Rojas's 15.74 triple jump, Duplantis's indoor vaults).
    """
    if event.straight:
        return list(event.lists)
    if venue is Venue.INDOOR:
        return [v for v in (Venue.INDOOR, Venue.OUTDOOR) if v in event.lists]
    return [Venue.OUTDOOR] if Venue.OUTDOOR in event.lists else []


def scopes_for(
    athlete: Athlete,
    area: str | None,
    competition: str,
    year: int | None = None,
    *,
    any_u20: bool = False,
) -> list[RecordScope]:
    """Every scope a performance could set a record in, widest first.

    U20 scopes (world U20, area U20) join when the athlete is known to be U20 in `year`,
    the year of competition (World Athletics: under 20 on 31 December of that year) — or,
    with `any_u20` (a coarse first pass; an exact check follows), whenever it is known.
    """
    scopes = [RecordScope.world()]
    if any_u20:
        u20 = athlete.year_of_birth is not None
    else:
        u20 = year is not None and athlete.is_u20_in(year) is True
    if u20:
        scopes.append(RecordScope.u20())
    if area:
        scopes.append(RecordScope(ScopeKind.AREA, area))
        if u20:
            scopes.append(RecordScope.u20(area))
    if athlete.nation:
        scopes.append(RecordScope(ScopeKind.NATION, athlete.nation))
    if competition.strip():
        scopes.append(RecordScope(ScopeKind.MEETING, meeting_name(competition)))
    return scopes


def meeting_name(competition: str) -> str:
    """The series a competition belongs to: 'Millrose Games 2025' -> 'Millrose Games'."""
    words = competition.split()
    if len(words) > 1 and words[-1].isdigit() and len(words[-1]) == 4:
        words = words[:-1]
    return " ".join(words)


def record_keys_for(result: Result, area: str | None) -> list[RecordKey]:
    """Every record a result or its splits could touch: what to load before checking."""
    keys: list[RecordKey] = []
    scopes = scopes_for(result.athlete, area, result.competition, result.date.year)
    for performance in performances_of(result):
        for list_venue in lists_checked(performance.event, result.venue):
            keys.extend(
                RecordKey(scope, performance.event.key, list_venue, result.sex) for scope in scopes
            )
    return list(dict.fromkeys(keys))


def chronological(event: Event) -> Callable[[RecordEntry], tuple[date, int, int, int]]:
    """Order of a progression: by day; within a day the worse mark first (a record broken
    twice in a day, as in a semi-final and final or a field event's rounds, was broken by
    the better mark later: files can list the two in any order), then the order results
    were filed that day, so an edit keeps an entry's place."""
    sign = -1 if event.lower_is_better else 1

    def key(entry: RecordEntry) -> tuple[date, int, int, int]:
        return (entry.date, sign * entry.mark.value, entry.result_id, entry.id)

    return key


def standing_record(
    event: Event,
    entries: Iterable[RecordEntry],
    on: date,
    *,
    before_result: int | None = None,
) -> tuple[RecordEntry, ...]:
    """The record as it stood on a day: the best counting entry dated on or before it.

    With `before_result`, entries of that day count only if their result was filed before
    that one: re-checking an edited result must not hold later records of its own day
    against it. Returns every holder of the mark (an equalled record has several),
    earliest first; empty when nothing was on file by then.
    """
    best: list[RecordEntry] = []  # one pass for the best mark; only its holders sorted
    for entry in entries:
        if not entry.counts or entry.date > on:
            continue
        if before_result is not None and entry.date == on and entry.result_id >= before_result:
            continue
        order = compare(event, entry.mark, best[0].mark) if best else 1
        if order > 0:
            best = [entry]
        elif order == 0:
            best.append(entry)
    if len(best) > 1:
        best.sort(key=chronological(event))
    return tuple(best)


def record_breaks_for(
    result: Result,
    records_on_file: Mapping[RecordKey, Sequence[RecordEntry]],
    *,
    area: str | None = None,
) -> RecordCheck:
    """Every record the result and its splits break or equal, and what could not count.

    `records_on_file` holds the progression entries of (at least) the keys from
    :func:`record_keys_for`; a key with no standing record is never claimed.
    """
    breaks: list[RecordBreak] = []
    not_eligible: list[NotEligible] = []
    scopes = scopes_for(result.athlete, area, result.competition, result.date.year)
    for performance in performances_of(result):
        reason = ineligibility(performance)
        if reason is not None:
            not_eligible.append(NotEligible(performance, reason))
            continue
        event = performance.event
        for list_venue in lists_checked(event, result.venue):
            for scope in scopes:
                key = RecordKey(scope, event.key, list_venue, result.sex)
                standing = standing_record(
                    event, records_on_file.get(key, ()), result.date, before_result=result.id
                )
                if not standing or any(_same_performance(e, performance) for e in standing):
                    continue
                order = compare(event, performance.mark, standing[0].mark)
                if order < 0:
                    continue
                breaks.append(
                    RecordBreak(
                        key=key,
                        performance=performance,
                        kind=BreakKind.BREAKS if order > 0 else BreakKind.EQUALS,
                        previous=standing,
                        margin=margin(event, performance.mark, standing[0].mark),
                        record_type=record_type_of(event, list_venue, scope),
                    )
                )
    return RecordCheck(tuple(breaks), tuple(not_eligible))


def record_type_of(event: Event, list_venue: Venue, scope: RecordScope) -> RecordType:
    """A world list may hold only world bests; every other scope keeps records."""
    if scope.is_world:
        return event.lists.get(list_venue, RecordType.RECORD)
    return RecordType.RECORD


def list_word(event: Event, list_venue: Venue) -> str:
    """'indoor' for the short-track list of an event that has two lists; '' for the main
    list, which World Athletics simply calls the world record."""
    if event.straight or len(event.lists) < 2:
        return ""
    return "indoor" if list_venue is Venue.INDOOR else ""


def record_name(label: str, record_type: RecordType, venue_word: str) -> str:
    """'world indoor record', 'European record', 'world best', 'Millrose Games record'."""
    noun = "best" if record_type is RecordType.WORLD_BEST else "record"
    return " ".join(part for part in (label, venue_word, noun) if part)


def record_name_for(key: RecordKey, event: Event, label: str) -> str:
    return record_name(
        label, record_type_of(event, key.list, key.scope), list_word(event, key.list)
    )


def _same_performance(entry: RecordEntry, performance: Performance) -> bool:
    """True when the entry is this very performance (re-checking a result already on file)."""
    result_id = performance.result.id
    if result_id is None or entry.result_id != result_id:
        return False
    if performance.split_index is None:
        return entry.split_id is None
    return entry.split_id == performance.result.splits[performance.split_index].id


def format_stood(delta: relativedelta) -> str:
    """'5 days', '6 years 2 months', '1 year', '3 months 4 days', 'the same day'."""
    parts = [(delta.years, "year"), (delta.months, "month"), (delta.days, "day")]
    nonzero = [(n, unit) for n, unit in parts if n > 0]
    if not nonzero:
        return "the same day"
    # Two largest units: "6 years 2 months" reads better than "6 years 2 months 11 days".
    first_index = parts.index(nonzero[0])
    shown = [p for p in parts[first_index : first_index + 2] if p[0] > 0]
    return " ".join(f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in shown)


def sex_of(event: Event, athlete_sex: Sex) -> Sex:
    """Mixed relays are their own category; otherwise the athlete's sex."""
    if event.sexes == frozenset({Sex.MIXED}):
        return Sex.MIXED
    return athlete_sex


@dataclass(frozen=True)
class ProgressionFix:
    """What to change so a progression is again a chain of improvements (and equals)."""

    drop: tuple[RecordEntry, ...]  # to supersede: no longer as good as the record before
    restore: tuple[RecordEntry, ...]  # superseded, but a record again
    equal_flags: dict[int, bool]  # entry id -> equal, where it differs from what is on file


def recompute_progression(event: Event, entries: Iterable[RecordEntry]) -> ProgressionFix:
    """Walk a record's entries oldest first and keep those that broke or equalled the
    record standing when they were set.

    After a back-filled, edited or removed result, entries that were records only because
    of what was (or was not) on file then are superseded, and superseded entries that are
    records again are restored; rejected entries never count.
    """
    best: RecordEntry | None = None
    drop: list[RecordEntry] = []
    restore: list[RecordEntry] = []
    flags: dict[int, bool] = {}
    for entry in sorted(entries, key=chronological(event)):
        if entry.status is RecordStatus.REJECTED:
            continue
        order = 1 if best is None else compare(event, entry.mark, best.mark)
        if order < 0:
            if not entry.superseded:
                drop.append(entry)
            continue
        if entry.superseded:
            restore.append(entry)
        equal = order == 0
        if equal != entry.equal:
            flags[entry.id] = equal
        if order > 0:
            best = entry
    return ProgressionFix(tuple(drop), tuple(restore), flags)
