"""Answer models: what each read command answers, as plain data.

The services build them; `bot.render` turns the same answer into terminal text or a
Discord embed, so both faces of the bot always say the same thing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from dateutil.relativedelta import relativedelta

from bot.domain.events import Event, RecordType, Sex, Venue
from bot.domain.models import Athlete, RecordEntry, RecordKey, RecordScope, Result


@dataclass(frozen=True)
class ListSource:
    """What one shipped record list is current to (data/records/sources.csv)."""

    name: str  # "World Athletics lists", "news reports"
    as_of: date
    source: str
    notes: str = ""


_ORGANISATION = re.compile(r"^(.*?\bAthletics)\b")
_LIST_NAME = re.compile(r"^(?P<kind>[^(]*?)\s*(?:\*\s*)?(?:\(.*\))?$")


def _list_kind(name: str) -> str:
    """A sources.csv list name as a reader says it: 'nation * (records/national.csv)' ->
    'national', 'u20 world (...)' -> 'world U20', 'u20 EUR (...)' -> 'EUR U20'."""
    match = _LIST_NAME.match(name.strip())
    # A name with an unclosed "(" does not match: then the whole name is the kind.
    kind = (match.group("kind") if match else name).replace("*", "").strip()
    if kind == "nation":
        return "national"
    if kind.startswith("u20 "):
        return f"{kind.removeprefix('u20 ')} U20"
    return kind


def data_age(sources: tuple[ListSource, ...]) -> str:
    """'World Athletics lists as of 2026-05-03 (national), 2024-07-20 (area); later records
    from news reports up to 2026-04-26': one part per organisation whose lists are shipped
    (a list's date: the newest record in it), then the news-sourced records; '' when no
    list says how current it is."""
    later = [s for s in sources if "news" in s.name.casefold()]
    groups: dict[str, dict[str, date]] = {}
    for source in sources:
        if source in later:
            continue
        organisation = _ORGANISATION.match(source.source)
        if organisation is None:  # a row naming itself ('World Athletics lists')
            groups.setdefault(source.name, {})[""] = source.as_of
            continue
        kinds = groups.setdefault(f"{organisation.group(1)} lists", {})
        kind = _list_kind(source.name)
        kinds[kind] = max(source.as_of, kinds.get(kind, source.as_of))
    parts = []
    for group, kinds in groups.items():
        dates = [
            f"{day.isoformat()} ({kind})" if kind else day.isoformat()
            for kind, day in kinds.items()
        ]
        parts.append(f"{group} as of {', '.join(dates)}")
    if later:
        newest = max(later, key=lambda s: s.as_of)
        name = re.sub(r"\s*\(.*\)$", "", newest.name)
        parts.append(f"later records from {name} up to {newest.as_of.isoformat()}")
    return "; ".join(parts)


@dataclass(frozen=True)
class ScopeInfo:
    """A scope with its human label: 'world', 'European', 'Norwegian', 'Millrose Games'."""

    scope: RecordScope
    label: str  # adjective or name used before "record": "world", "European", "Norwegian"
    flag: str = ""


@dataclass(frozen=True)
class RecordLine:
    """A current record: its key, holder(s) and how long it has stood."""

    key: RecordKey
    event: Event
    holders: tuple[RecordEntry, ...]  # more than one when the record was equalled
    record_type: RecordType
    stood: relativedelta  # since it was set (the first holder), up to the answer's day

    @property
    def entry(self) -> RecordEntry:
        return self.holders[0]


@dataclass(frozen=True)
class RecordAnswer:
    event: Event
    scope: ScopeInfo
    lines: tuple[RecordLine, ...]
    today: date
    venue: Venue | None = None
    sex: Sex | None = None


@dataclass(frozen=True)
class ProgressionRow:
    entry: RecordEntry
    margin: int | None  # improvement over the previous entry, in the event's unit; 0 = equal
    stood: relativedelta | None  # until the next improvement; None while it still stands
    current: bool


@dataclass(frozen=True)
class ProgressionAnswer:
    key: RecordKey
    event: Event
    scope: ScopeInfo
    rows: tuple[ProgressionRow, ...]
    record_type: RecordType
    today: date


@dataclass(frozen=True)
class RecordsListAnswer:
    scope: ScopeInfo
    venue: Venue
    sex: Sex | None
    lines: tuple[RecordLine, ...]
    today: date
    notes: tuple[str, ...] = ()  # what the list holds, and how current the data is


@dataclass(frozen=True)
class HeldRecord:
    key: RecordKey
    event: Event
    entry: RecordEntry
    scope: ScopeInfo
    record_type: RecordType


class BestOrigin(StrEnum):
    """Where a personal best on file comes from."""

    RACE = "race"  # a result
    SPLIT = "split"  # an intermediate time in a longer race (1500 m in a mile)
    RECORD = "record"  # a result that is a record entry (a record is a performance)


@dataclass(frozen=True)
class PersonalBest:
    """An athlete's best mark in one event and venue, from every mark on file.

    `result` is the performance as a result: for a split, the race's result with the
    split's event and mark (and no wind reading of its own); `split_of` is the race's event.
    """

    result: Result
    origin: BestOrigin
    split_of: Event | None = None
    record: str = ""  # "European record" when the performance is a record entry

    @property
    def event(self) -> Event:
        return self.result.event

    @property
    def venue(self) -> Venue:
        return self.result.venue

    @property
    def mark(self):
        return self.result.mark

    @property
    def wind(self) -> int | None:
        return self.result.wind

    @property
    def date(self) -> date:
        return self.result.date

    @property
    def where(self) -> str:
        return self.result.where

    @property
    def athlete(self) -> Athlete:
        return self.result.athlete

    @property
    def competition(self) -> str:
        return self.result.competition

    @property
    def city(self) -> str | None:
        return self.result.city

    @property
    def country(self) -> str | None:
        return self.result.country

    @property
    def came_from(self) -> str:
        """'split in Mile', 'European record', 'split in Mile · world indoor record', ''
        for a plain race."""
        split = f"split in {self.split_of.name}" if self.split_of is not None else ""
        return " · ".join(part for part in (split, self.record) if part)


@dataclass(frozen=True)
class AthleteAnswer:
    athlete: Athlete
    age: int | None
    nation_name: str | None
    flag: str
    personal_bests: tuple[PersonalBest, ...]
    records: tuple[HeldRecord, ...]
    latest: tuple[Result, ...]
    result_count: int
    today: date


class Outcome(StrEnum):
    FIRST = "first"  # the first-named athlete finished ahead
    SECOND = "second"
    TIE = "tie"
    UNKNOWN = "unknown"  # no places and a DNF on both sides


@dataclass(frozen=True)
class Meeting:
    first: Result
    second: Result
    outcome: Outcome


@dataclass(frozen=True)
class SharedBest:
    event: Event
    venue: Venue
    first: PersonalBest
    second: PersonalBest


@dataclass(frozen=True)
class RivalryAnswer:
    first: Athlete
    second: Athlete
    first_flag: str
    second_flag: str
    meetings: tuple[Meeting, ...]  # newest first
    wins: tuple[int, int]
    ties: int
    bests: tuple[SharedBest, ...]
    first_records: tuple[HeldRecord, ...]
    second_records: tuple[HeldRecord, ...]
    today: date


class TopListBy(StrEnum):
    PERFORMANCES = "performances"
    PERFORMERS = "performers"


@dataclass(frozen=True)
class TopListRow:
    rank: int
    result: Result  # for a split: the race's result with the split's event and mark
    flag: str = ""
    split_of: Event | None = None  # the race's event when the mark is a split


@dataclass(frozen=True)
class TopListPage:
    """Where a page of a top list sits in the whole list, and what came before it."""

    index: int  # from 0
    first_line: int  # the line number of its first row, from 1
    more: bool  # lines follow on a next page
    before: bytes  # a digest of the list's lines before this page, as read
    through: bytes  # the same with this page's lines


@dataclass(frozen=True)
class TopListAnswer:
    event: Event
    sex: Sex
    venue: Venue | None
    year: int | None
    by: TopListBy
    rows: tuple[TopListRow, ...]
    today: date
    notes: tuple[str, ...] = field(default=())
    page: TopListPage | None = None  # one page of the list; None: its first lines whole
