"""Announcements as data: what a subscribed channel is told, independent of Discord.

An announcement is built once, when the result is written, and stored as JSON in the
outbox; the renderer turns it into an embed whenever it is delivered, so a retry after a
restart says exactly what the first attempt would have said.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from bot.domain.events import Event, Venue
from bot.domain.marks import format_margin, format_wind
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
    RecordBreak,
    RecordCheck,
    format_stood,
    record_name_for,
)


class AnnouncementKind(StrEnum):
    """What an announcement is: a record broken or equalled, a correction (a result
    removed or edited), or a pending record ratified or rejected."""

    RECORD = "record"
    CORRECTION = "correction"
    RATIFICATION = "ratification"


class RecordNews(StrEnum):
    """What an announcement says of one record: a result broke or equalled it (a record
    announcement), it no longer stands (a correction), or it was ratified or rejected."""

    BREAKS = "breaks"
    EQUALS = "equals"
    CORRECTED = "corrected"
    RATIFIED = "ratified"
    REJECTED = "rejected"


# Headline order: senior world, area, then U20 (world U20 before area U20), national,
# meeting. A Norwegian's European record leads over the Norwegian record it also is.
_SCOPE_RANK = {
    ScopeKind.WORLD: 0,
    ScopeKind.AREA: 1,
    ScopeKind.U20: 2,
    ScopeKind.NATION: 3,
    ScopeKind.MEETING: 4,
}


@dataclass(frozen=True)
class AnnouncedRecord:
    """One record a result (or one of its splits) broke or equalled."""

    scope_kind: str
    scope_code: str
    record_name: str  # "world indoor record", "European record", "Millrose Games record"
    event_key: str
    event_name: str
    record_list: str  # "outdoor" or "indoor"; "list" in the stored JSON
    kind: RecordNews
    mark: str
    is_split: bool
    previous_holders: list[str]  # "Yared Nuguse (USA)"
    previous_mark: str
    previous_date: str  # ISO
    margin: str  # "1.49"; "" for an equal
    stood: str  # "5 days"
    pending: bool = True


# The outbox's JSON names AnnouncedRecord.record_list by the field's old name, so that
# announcements queued before the rename (or by an older process) read the same.
_STORED_LIST = "list"


def _announced_from_json(fields: dict[str, Any]) -> AnnouncedRecord:
    fields = dict(fields)
    if _STORED_LIST in fields:
        fields["record_list"] = fields.pop(_STORED_LIST)
    fields["kind"] = RecordNews(fields["kind"])
    return AnnouncedRecord(**fields)


@dataclass(frozen=True)
class Announcement:
    kind: AnnouncementKind
    headline: str  # "NEW WORLD INDOOR RECORD", "EQUALS WORLD RECORD", "CORRECTION"
    athlete: str
    nation: str | None
    event_name: str
    mark: str
    wind: str
    competition: str
    where: str
    date: str  # ISO date of the performance
    result_id: int | None
    records: list[AnnouncedRecord] = field(default_factory=list)
    text: str = ""  # the story of a correction or ratification
    # "First to set two world records in one race since John Landy (Turku, 1954)"
    first_since: str = ""

    def to_json(self) -> str:
        data = asdict(self)
        for record in data["records"]:
            record[_STORED_LIST] = record.pop("record_list")
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Announcement:
        data = json.loads(text)
        data["kind"] = AnnouncementKind(data["kind"])
        data["records"] = [_announced_from_json(r) for r in data.get("records", [])]
        return cls(**data)

    @property
    def scope_codes(self) -> list[str]:
        return sorted(
            {RecordScope(ScopeKind(r.scope_kind), r.scope_code).alert_code for r in self.records}
        )

    @property
    def event_keys(self) -> list[str]:
        return sorted({r.event_key for r in self.records})


def announcement_for(
    result: Result,
    check: RecordCheck,
    scope_label: Callable[[RecordScope], str],
    *,
    result_id: int | None,
    history: Iterable[RecordEntry] = (),
    distance_of: Callable[[str], int | None] = lambda _: None,
) -> Announcement | None:
    """The announcement of an added result, or None when it broke and equalled nothing.

    `history` is the world-record entries on file, for "first since" when the result
    sets two world records in one race (see :func:`first_since`).
    """
    if not check.breaks:
        return None
    breaks = sorted(check.breaks, key=_headline_order)
    records = [_announced_break(brk, scope_label) for brk in breaks]
    return Announcement(
        kind=AnnouncementKind.RECORD,
        headline=_headline(records),
        athlete=result.athlete.name,
        nation=result.athlete.nation,
        event_name=result.event.name,
        mark=str(result.mark),
        wind=format_wind(result.wind),
        competition=result.competition,
        where=result.where,
        date=result.date.isoformat(),
        result_id=result_id,
        records=records,
        first_since=first_since(result, check.breaks, history, distance_of),
    )


def _headline_order(brk: RecordBreak) -> tuple:
    """Which record an announcement leads with: widest scope, world before the area's
    own list, a break before an equal."""
    return (
        _SCOPE_RANK[brk.key.scope.kind],
        brk.key.scope.code != "world",
        brk.kind is BreakKind.EQUALS,
        # The main list before the short-track list: Duplantis's 6.31 indoors broke
        # both, and the news is the world record, not the world indoor record.
        brk.key.list is not Venue.OUTDOOR,
        brk.performance.is_split,
    )


def _announced_break(
    brk: RecordBreak, scope_label: Callable[[RecordScope], str]
) -> AnnouncedRecord:
    event = brk.performance.event
    previous = brk.previous
    return AnnouncedRecord(
        scope_kind=brk.key.scope.kind.value,
        scope_code=brk.key.scope.code,
        record_name=record_name_for(brk.key, event, scope_label(brk.key.scope)),
        event_key=event.key,
        event_name=event.name,
        record_list=brk.key.list.value,
        kind=RecordNews(brk.kind.value),
        mark=str(brk.performance.mark),
        is_split=brk.performance.is_split,
        previous_holders=[e.athlete.label for e in previous],
        previous_mark=str(previous[0].mark),
        previous_date=previous[0].date.isoformat(),
        margin="" if brk.kind is BreakKind.EQUALS else format_margin(event, brk.margin),
        stood=format_stood(brk.stood),
        pending=brk.key.scope.kind is not ScopeKind.MEETING,
    )


def _headline(records: Sequence[AnnouncedRecord]) -> str:
    """The headline, from the leading record: "NEW WORLD INDOOR RECORD", "EQUALS ..."."""
    top = records[0]
    # "RECORDS" only when several records of the headline's very name fell (Liévin: two
    # world indoor records), not a world record and a world indoor record.
    plural = (
        sum(1 for r in records if r.record_name == top.record_name and r.kind is top.kind) > 1
        and top.kind is RecordNews.BREAKS
    )
    name = top.record_name.upper() + ("S" if plural else "")
    return f"NEW {name}" if top.kind is RecordNews.BREAKS else f"EQUALS {name}"


@dataclass(frozen=True)
class Undone:
    """One record a removed or corrected result no longer holds, and what stands now."""

    key: RecordKey
    event: Event
    name: str  # "world indoor record"
    removed: RecordEntry
    standing: Sequence[RecordEntry]


def correction_for(result: Result, undone: Sequence[Undone], what: str) -> Announcement:
    """Tell subscribers that records set by a result no longer stand ('removed: reason',
    'corrected')."""
    records = []
    now_lines = []
    for gone in undone:
        standing = gone.standing
        records.append(
            _announced(gone.key, gone.event, gone.name, RecordNews.CORRECTED, gone.removed)
            | {
                "previous_holders": [e.athlete.label for e in standing],
                "previous_mark": str(standing[0].mark) if standing else "",
                "previous_date": standing[0].date.isoformat() if standing else "",
            }
        )
        if standing:
            now_lines.append(
                f"The {gone.event.name} {gone.name} is again {standing[0].mark} by "
                f"{standing[0].athlete.name}."
            )
        else:
            now_lines.append(f"No {gone.event.name} {gone.name} is on file now.")
    return Announcement(
        kind=AnnouncementKind.CORRECTION,
        headline="CORRECTION",
        athlete=result.athlete.name,
        nation=result.athlete.nation,
        event_name=result.event.name,
        mark=str(result.mark) if result.mark else result.status.value.upper(),
        wind="",
        competition=result.competition,
        where=result.where,
        date=result.date.isoformat(),
        result_id=result.id,
        records=[AnnouncedRecord(**r) for r in records],
        text=f"{result.athlete.name}'s {result.mark} ({result.event.name}, "
        f"{result.date.isoformat()}) was {what}. " + " ".join(now_lines),
    )


def ratification_for(
    entry: RecordEntry,
    event: Event,
    name: str,
    status: RecordStatus,
    standing: Sequence[RecordEntry],
    note: str = "",
) -> Announcement:
    """A pending record ratified or rejected (then what stands again)."""
    ratified = status is RecordStatus.RATIFIED
    if ratified:
        text = f"{entry.athlete.name}'s {entry.mark} is ratified as the {event.name} {name}."
    else:
        text = f"{entry.athlete.name}'s {entry.mark} ({event.name} {name}) was rejected."
        if standing:
            text += f" The record is again {standing[0].mark} by {standing[0].athlete.name}."
    if note:
        text += f" Note: {note}"
    news = RecordNews.RATIFIED if ratified else RecordNews.REJECTED
    return Announcement(
        kind=AnnouncementKind.RATIFICATION,
        headline=("RATIFIED " if ratified else "REJECTED ") + name.upper(),
        athlete=entry.athlete.name,
        nation=entry.athlete.nation,
        event_name=event.name,
        mark=str(entry.mark),
        wind="",
        competition=entry.competition,
        where=entry.where,
        date=entry.date.isoformat(),
        result_id=entry.result_id,
        records=[AnnouncedRecord(**_announced(entry.key, event, name, news, entry))],
        text=text,
    )


def _announced(
    key: RecordKey, event: Event, name: str, news: RecordNews, entry: RecordEntry
) -> dict[str, Any]:
    """The fields of an AnnouncedRecord that is not a break: no previous holder or margin."""
    return {
        "scope_kind": key.scope.kind.value,
        "scope_code": key.scope.code,
        "record_name": name,
        "event_key": event.key,
        "event_name": event.name,
        "record_list": key.list.value,
        "kind": news,
        "mark": str(entry.mark),
        "is_split": entry.split_id is not None,
        "previous_holders": [],
        "previous_mark": "",
        "previous_date": "",
        "margin": "",
        "stood": "",
        "pending": False,
    }


def first_since(
    result: Result,
    breaks: Iterable[RecordBreak],
    history: Iterable[RecordEntry],
    distance_of: Callable[[str], int | None] = lambda _: None,
) -> str:
    """When one race set two (or more) world records (the race and a split, as Landy's
    mile and 1500 m at Turku in 1954), who last did it, from the world-record entries on
    file. '' when the result set fewer than two, or no earlier such race is on file.

    Two entries are one race when one is a split of the other's result, or when the same
    athlete set them the same day at the same place at two distances of 800 m or more
    (the lists file a split as its own row, as Landy's 1500 m). Sprints on one day are
    separate races (Privalova's 50 m and 60 m in Madrid, 1995), so they need the split.
    """
    events = {
        b.performance.event.key
        for b in breaks
        if b.key.scope.is_world and b.kind is BreakKind.BREAKS
    }
    if len(events) < 2:
        return ""

    def distance_run(entry: RecordEntry) -> bool:
        distance = distance_of(entry.key.event_key)
        return distance is not None and distance >= 800

    races: dict[tuple, list[RecordEntry]] = {}
    for entry in history:
        if not entry.key.scope.is_world or not entry.counts or entry.date >= result.date:
            continue
        if entry.split_id is not None:
            races.setdefault(("result", entry.result_id), []).append(entry)
        if distance_run(entry):
            where = (entry.city or entry.competition).casefold()
            races.setdefault(("day", entry.athlete.id, entry.date, where), []).append(entry)
        else:
            races.setdefault(("result", entry.result_id), []).append(entry)
    doubles = [
        entries[0] for entries in races.values() if len({e.key.event_key for e in entries}) >= 2
    ]
    if not doubles:
        return ""
    last = max(doubles, key=lambda e: e.date)
    place = last.city or last.competition
    count = "two" if len(events) == 2 else str(len(events))
    return (
        f"First to set {count} world records in one race since "
        f"{last.athlete.name} ({place}, {last.date.year})"
    )
