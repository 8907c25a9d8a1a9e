"""Athletes: /athlete (a profile: personal bests, records held, latest results) and
/rivalry (two athletes head to head)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from bot.domain.answers import (
    AthleteAnswer,
    BestOrigin,
    HeldRecord,
    Meeting,
    Outcome,
    PersonalBest,
    RivalryAnswer,
    SharedBest,
)
from bot.domain.catalogue import EventCatalogue
from bot.domain.events import Event, Venue
from bot.domain.marks import Mark, compare
from bot.domain.models import Athlete, Result, ResultStatus, ScopeKind, Split
from bot.domain.records import counts_for_lists, record_name_for, record_type_of
from bot.services.errors import InvalidInputError

if TYPE_CHECKING:
    from bot.services.app import Trackside

# Which record names a performance by first when it set several.
_SCOPE_ORDER = (ScopeKind.WORLD, ScopeKind.AREA, ScopeKind.U20, ScopeKind.NATION, ScopeKind.MEETING)


async def athlete_profile(app: Trackside, name: str) -> AthleteAnswer:
    """/athlete: nation, age, personal bests, records held, latest results. Kept warm
    until the next write (`bot.services.warm`)."""
    athlete = app.athlete(name)
    asked = ("athlete", athlete.id, app.today())
    return await app.warm.answer(asked, lambda: _read_profile(app, athlete))


async def _read_profile(app: Trackside, athlete: Athlete) -> AthleteAnswer:
    results, count = await app.results.profile_results(athlete.id)
    nation = app.nations.get(athlete.nation) if athlete.nation else None
    held, marks = _records_of(app, athlete.id)
    return AthleteAnswer(
        athlete=athlete,
        age=athlete.age_on(app.today()),
        nation_name=nation.name if nation else None,
        flag=app.flag(athlete.nation),
        personal_bests=tuple(personal_bests(app.catalogue, results, marks)),
        records=held,
        latest=tuple(results[:10]),
        result_count=count,
        today=app.today(),
    )


async def rivalry(app: Trackside, first_name: str, second_name: str) -> RivalryAnswer:
    """/rivalry: head-to-head record, every meeting, PBs side by side, records held."""
    first = app.athlete(first_name)
    second = app.athlete(second_name)
    if first.id == second.id:
        raise InvalidInputError("Pick two different athletes for a rivalry.")
    asked = ("rivalry", first.id, second.id, app.today())
    return await app.warm.answer(asked, lambda: _read_rivalry(app, first, second))


async def _read_rivalry(app: Trackside, first: Athlete, second: Athlete) -> RivalryAnswer:
    pairs, results = await app.results.head_to_head(first.id, second.id)
    meetings, outcomes = _meetings(pairs)
    wins = (outcomes[Outcome.FIRST], outcomes[Outcome.SECOND])
    ties = outcomes[Outcome.TIE]
    first_held, first_marks = _records_of(app, first.id)
    second_held, second_marks = _records_of(app, second.id)
    first_bests = personal_bests(app.catalogue, results[first.id][0], first_marks)
    second_bests = personal_bests(app.catalogue, results[second.id][0], second_marks)
    second_by = {(r.event.key, r.venue): r for r in second_bests}
    shared = [
        SharedBest(r.event, r.venue, r, second_by[(r.event.key, r.venue)])
        for r in first_bests
        if (r.event.key, r.venue) in second_by
    ]
    return RivalryAnswer(
        first=first,
        second=second,
        first_flag=app.flag(first.nation),
        second_flag=app.flag(second.nation),
        meetings=meetings,
        wins=wins,
        ties=ties,
        bests=tuple(shared),
        first_records=first_held,
        second_records=second_held,
        today=app.today(),
    )


def _meetings(
    pairs: list[tuple[Result, Result]],
) -> tuple[tuple[Meeting, ...], dict[Outcome, int]]:
    """Each race the two ran, with who won it, and how many races each outcome had."""
    outcomes = dict.fromkeys(Outcome, 0)
    meetings = []
    for a, b in pairs:
        outcome = _outcome(a, b)
        outcomes[outcome] += 1
        meetings.append(Meeting(a, b, outcome))
    return tuple(meetings), outcomes


def _records_of(
    app: Trackside, athlete_id: int
) -> tuple[tuple[HeldRecord, ...], dict[tuple[int, int | None], str]]:
    """(records the athlete holds, `record_marks`): both from the record book alone, so an
    athlete who set records keeps them in `app.athlete_records` until the records are next
    read (`Trackside.reload_records` empties it; nothing else changes the book)."""
    found = app.athlete_records.get(athlete_id)
    if found is None:
        found = (_held(app, athlete_id), record_marks(app, athlete_id))
        if found[0] or found[1]:
            app.athlete_records[athlete_id] = found
    return found


def _held(app: Trackside, athlete_id: int) -> tuple[HeldRecord, ...]:
    held = []
    for key, entry in app.book.held_by(athlete_id):
        event = app.catalogue.get(key.event_key)
        held.append(
            HeldRecord(
                key,
                event,
                entry,
                app.scopes.info(key.scope),
                record_type_of(event, key.list, key.scope),
            )
        )
    held.sort(
        key=lambda h: (
            _SCOPE_ORDER.index(h.key.scope.kind),
            h.key.scope,
            app.catalogue.position(h.event.key),
            h.key.list,
        )
    )
    return tuple(held)


def record_marks(app: Trackside, athlete_id: int) -> dict[tuple[int, int | None], str]:
    """(result id, split id) of every record entry the athlete set -> the record's
    name, widest scope first ("world indoor record" over "Norwegian indoor record")."""
    names: dict[tuple[int, int | None], str] = {}
    entries = sorted(
        app.book.set_by(athlete_id), key=lambda e: _SCOPE_ORDER.index(e.key.scope.kind)
    )
    for entry in entries:
        event = app.catalogue.get(entry.key.event_key)
        names.setdefault(
            (entry.result_id, entry.split_id),
            record_name_for(entry.key, event, app.scopes.info(entry.key.scope).label),
        )
    return names


def personal_bests(
    catalogue: EventCatalogue,
    results: list[Result],
    records: Mapping[tuple[int, int | None], str] | None = None,
) -> list[PersonalBest]:
    """Best valid, legal mark per event and venue from every mark on file — results, the
    splits run inside them, and the records the athlete set (every record entry is a
    result or split on file) — in catalogue order, each saying where it came from.

    `records` maps (result id, split id or None) of the athlete's record entries to the
    record's name ("European record"). On equal marks the earlier stays.
    """
    records = records or {}
    # Per event and venue, the best so far: (its result, the split or None for the race,
    # the mark). Only the winners become PersonalBests, at the end.
    best: dict[tuple[str, Venue], tuple[Result, Split | None, Mark]] = {}
    for result in results:
        if result.status is not ResultStatus.VALID:
            continue
        if result.mark is not None and counts_for_lists(result):
            _keep_better(best, result.event, result.mark, result, None)
        for split in result.splits:
            if not split.mark.hand_timed:
                _keep_better(best, split.event, split.mark, result, split)
    position = catalogue.position
    return sorted(
        (_personal_best(result, split, records) for result, split, _ in best.values()),
        key=lambda r: (position(r.event.key), r.venue != Venue.OUTDOOR),
    )


def _personal_best(
    result: Result, split: Split | None, records: Mapping[tuple[int, int | None], str]
) -> PersonalBest:
    """The race's (`split` None) or the split's personal best, saying where it came from."""
    if split is None:
        record = _record_of(records, result.id, None)
        return PersonalBest(result, BestOrigin.RECORD if record else BestOrigin.RACE, record=record)
    return PersonalBest(
        replace(result, event=split.event, mark=split.mark, wind=None, splits=()),
        BestOrigin.SPLIT,
        split_of=result.event,
        record=_record_of(records, result.id, split.id),
    )


def _record_of(
    records: Mapping[tuple[int, int | None], str], result_id: int | None, split_id: int | None
) -> str:
    """The record a result (or its split) set, or "": never one for a result not on file."""
    return "" if result_id is None else records.get((result_id, split_id), "")


def _keep_better(
    best: dict[tuple[str, Venue], tuple[Result, Split | None, Mark]],
    event: Event,
    mark: Mark,
    result: Result,
    split: Split | None,
) -> None:
    """Put the mark (`result`'s own, or its `split`'s) in its event and venue's slot if it
    beats what is there (on an equal mark, if it is earlier)."""
    slot = (event.key, result.venue)
    held = best.get(slot)
    if held is None:
        best[slot] = (result, split, mark)
        return
    order = compare(event, mark, held[2])
    if order > 0 or (order == 0 and result.date < held[0].date):
        best[slot] = (result, split, mark)


def _outcome(first: Result, second: Result) -> Outcome:
    """Who won a race: by place where both have one, else by mark; a finisher beats a DNF."""
    if first.place and second.place and first.status is second.status is ResultStatus.VALID:
        if first.place == second.place:
            return Outcome.TIE
        return Outcome.FIRST if first.place < second.place else Outcome.SECOND
    first_mark = first.mark if first.status is ResultStatus.VALID else None
    second_mark = second.mark if second.status is ResultStatus.VALID else None
    if first_mark is not None and second_mark is not None:
        order = compare(first.event, first_mark, second_mark)
        return Outcome.TIE if order == 0 else (Outcome.FIRST if order > 0 else Outcome.SECOND)
    if (first_mark is None) != (second_mark is None):
        return Outcome.FIRST if first_mark is not None else Outcome.SECOND
    return Outcome.UNKNOWN
