"""Reading the record lists: /record (an event's current records), /progression (one
record's history) and /records (every record of a list), from the in-memory record book."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dateutil.relativedelta import relativedelta

from bot.domain.answers import (
    ProgressionAnswer,
    ProgressionRow,
    RecordAnswer,
    RecordLine,
    RecordsListAnswer,
    ScopeInfo,
)
from bot.domain.events import Event, Sex, Venue
from bot.domain.marks import compare, margin
from bot.domain.models import RecordKey
from bot.domain.records import record_type_of
from bot.services.errors import NotFoundError

if TYPE_CHECKING:
    from bot.services.app import Trackside

SEX_ORDER = (Sex.MEN, Sex.WOMEN, Sex.MIXED)
_VENUE_ORDER = (Venue.OUTDOOR, Venue.INDOOR)


def record(
    app: Trackside,
    event_text: str,
    venue: Venue | None = None,
    sex: Sex | None = None,
    scope_text: str | None = None,
) -> RecordAnswer:
    """/record: the current record(s) of an event; both sexes and lists unless narrowed.
    Kept warm until the next write (`bot.services.warm`)."""
    asked = ("record", event_text, venue, sex, scope_text, app.today())
    return app.warm.answer_now(asked, lambda: _read_record(app, event_text, venue, sex, scope_text))


def _read_record(
    app: Trackside,
    event_text: str,
    venue: Venue | None,
    sex: Sex | None,
    scope_text: str | None,
) -> RecordAnswer:
    event = app.event(event_text)
    scope = app.scope(scope_text)
    lines = []
    for list_venue in _lists(event, venue):
        for each_sex in sexes_of(event, sex):
            key = RecordKey(scope.scope, event.key, list_venue, each_sex)
            line = _record_line(app, key, event)
            if line is not None:
                lines.append(line)
    if not lines:
        raise NotFoundError(_nothing_on_file(event, scope, venue, sex))
    return RecordAnswer(event, scope, tuple(lines), app.today(), venue, sex)


def _record_line(app: Trackside, key: RecordKey, event: Event) -> RecordLine | None:
    holders = app.book.current(key)
    if not holders:
        return None
    return RecordLine(
        key=key,
        event=event,
        holders=holders,
        record_type=record_type_of(event, key.list, key.scope),
        stood=relativedelta(app.today(), holders[0].date),
    )


def _lists(event: Event, venue: Venue | None) -> list[Venue]:
    if venue is None:
        return [v for v in _VENUE_ORDER if v in event.lists]
    list_venue = event.list_for(venue)
    if list_venue is None:
        kept = " and ".join(v.value for v in _VENUE_ORDER if v in event.lists) or "no"
        raise NotFoundError(
            f"{event.name} has no {venue.value} record list (it has {kept}) — try without a venue."
        )
    return [list_venue]


def sexes_of(event: Event, sex: Sex | None) -> list[Sex]:
    """The sexes to answer for: `sex` if the event has it (else NotFoundError), or all."""
    if sex is None:
        return [s for s in SEX_ORDER if s in event.sexes]
    if sex not in event.sexes:
        kept = ", ".join(s.label for s in SEX_ORDER if s in event.sexes)
        raise NotFoundError(f"{event.name} is not a {sex.label}'s event (it is {kept}).")
    return [sex]


def _nothing_on_file(event: Event, scope: ScopeInfo, venue: Venue | None, sex: Sex | None) -> str:
    narrowed = " ".join(p for p in (sex.label if sex else "", venue.value if venue else "") if p)
    what = f"{scope.label} {narrowed + ' ' if narrowed else ''}{event.name}".strip()
    return f"No {what} record is on file. Try another scope or venue" + (
        ", or ask a moderator to add a baseline." if not scope.scope.is_world else "."
    )


def progression(
    app: Trackside,
    event_text: str,
    venue: Venue | None = None,
    sex: Sex | None = None,
    scope_text: str | None = None,
) -> ProgressionAnswer:
    """/progression: one record's history, oldest first, margins and how long each stood."""
    event = app.event(event_text)
    scope = app.scope(scope_text)
    key = _first_with_history(app, event, scope, venue, sex)
    today = app.today()
    cached = app.progressions.get((key, today))
    if cached is not None:
        return cached
    entries = app.book.progression(key)
    current = set(e.id for e in app.book.current(key))
    rows = []
    best = None
    for index, entry in enumerate(entries):
        gain: int | None = None if best is None else margin(event, entry.mark, best.mark)
        if best is None or compare(event, entry.mark, best.mark) >= 0:
            best = entry
        later = [e for e in entries[index + 1 :] if compare(event, e.mark, entry.mark) > 0]
        stood = relativedelta(later[0].date, entry.date) if later else None
        rows.append(ProgressionRow(entry, gain, stood, entry.id in current))
    answer = ProgressionAnswer(
        key, event, scope, tuple(rows), record_type_of(event, key.list, key.scope), today
    )
    # Answers depend only on the record's entries and the day: kept until a write.
    app.progressions[(key, today)] = answer
    return answer


def _first_with_history(
    app: Trackside, event: Event, scope: ScopeInfo, venue: Venue | None, sex: Sex | None
) -> RecordKey:
    """The first record (list, then sex) asked for that has a progression on file."""
    for list_venue in _lists(event, venue):
        for each_sex in sexes_of(event, sex):
            candidate = RecordKey(scope.scope, event.key, list_venue, each_sex)
            if app.book.progression(candidate):
                return candidate
    raise NotFoundError(_nothing_on_file(event, scope, venue, sex))


def records(
    app: Trackside,
    venue: Venue = Venue.OUTDOOR,
    sex: Sex | None = None,
    scope_text: str | None = None,
) -> RecordsListAnswer:
    """/records: every current record of a list, in catalogue order. Kept warm until the
    next write (`bot.services.warm`)."""
    asked = ("records", venue, sex, scope_text, app.today())
    return app.warm.answer_now(asked, lambda: _read_records(app, venue, sex, scope_text))


def _read_records(
    app: Trackside, venue: Venue, sex: Sex | None, scope_text: str | None
) -> RecordsListAnswer:
    scope = app.scope(scope_text)
    lines = []
    single_list = []
    for event in app.catalogue.events_for(venue, sex):
        list_venue = event.list_for(venue)
        # A straight event's one list (60 m, 60 m hurdles: indoor) shows under that
        # list only, never among the other venue's records.
        if list_venue is None or list_venue is not venue:
            continue
        if event.straight:
            single_list.append(event.name)
        for each_sex in sexes_of(event, sex) if sex is None else [sex]:
            line = _record_line(app, RecordKey(scope.scope, event.key, list_venue, each_sex), event)
            if line is not None:
                lines.append(line)
    if not lines:
        narrowed = f"{sex.label}'s " if sex else ""
        raise NotFoundError(
            f"No {scope.label} {narrowed}{venue.value} records are on file — "
            "try another scope or venue."
        )
    notes = []
    shown = {line.event.name for line in lines}
    straight = [name for name in dict.fromkeys(single_list) if name in shown]
    if straight:
        notes.append(
            f"{', '.join(straight)}: run indoors, one list; their records are "
            f"{scope.label} records."
        )
    if app.reference.data_age:
        notes.append(f"Lists current to: {app.reference.data_age}.")
    return RecordsListAnswer(scope, venue, sex, tuple(lines), app.today(), tuple(notes))
