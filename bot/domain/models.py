"""The things the records store holds: athletes, results and their splits, record entries."""

from __future__ import annotations

from calendar import isleap
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from dateutil.relativedelta import relativedelta

from bot.domain.events import Event, Sex, Venue
from bot.domain.marks import Mark


class ResultStatus(StrEnum):
    VALID = "valid"
    DNF = "dnf"
    DNS = "dns"
    DQ = "dq"
    ANNULLED = "annulled"


class ScopeKind(StrEnum):
    WORLD = "world"
    AREA = "area"
    NATION = "nation"
    MEETING = "meeting"
    # Under-20 records: code "world" (world U20) or an area code (European U20, "EUR").
    U20 = "u20"


class RecordStatus(StrEnum):
    PENDING = "pending"
    RATIFIED = "ratified"
    REJECTED = "rejected"
    # Never ratifiable: a world best in a non-record event, or an indoor mark before 1987.
    UNOFFICIAL = "unofficial"


@dataclass(frozen=True)
class Athlete:
    id: int
    name: str
    nation: str | None
    sex: Sex
    birth_date: date | None = None
    is_team: bool = False
    birth_place: str | None = None
    profile: str | None = None
    birth_year: int | None = None  # known more often than the day (record lists)

    @property
    def label(self) -> str:
        """'Jakob Ingebrigtsen (NOR)', or the bare name when the nation is unknown."""
        return f"{self.name} ({self.nation})" if self.nation else self.name

    def age_on(self, day: date) -> int | None:
        """Whole years since birth; born on 29 February, a year older on 28 February in
        other years (as dateutil's relativedelta counts, in a tenth of its time)."""
        born = self.birth_date
        if born is None:
            return None
        if (day.year, day.month, day.day) < (born.year, born.month, born.day):
            return relativedelta(day, born).years  # a day before the birth date (wrong data)
        birthday = (born.month, born.day)
        if birthday == (2, 29) and not isleap(day.year):
            birthday = (2, 28)
        return day.year - born.year - ((day.month, day.day) < birthday)

    @property
    def year_of_birth(self) -> int | None:
        return self.birth_date.year if self.birth_date else self.birth_year

    def is_u20_in(self, year: int) -> bool | None:
        """World Athletics: U20 is under 20 on 31 December of the year of competition, so
        an athlete born in 2007 is U20 through 2026. None when the birth year is unknown."""
        born = self.year_of_birth
        if born is None:
            return None
        return year - born < 20


@dataclass(frozen=True)
class Split:
    """An intermediate mark at a standard distance passed during a race (1500 m in a mile)."""

    event: Event
    mark: Mark
    id: int | None = None


@dataclass(frozen=True)
class Result:
    athlete: Athlete
    event: Event
    sex: Sex
    venue: Venue
    mark: Mark | None  # None for a DNF/DNS
    date: date
    competition: str
    wind: int | None = None  # tenths of m/s; None when not measured
    city: str | None = None
    country: str | None = None
    round: str = ""
    place: int | None = None
    splits: tuple[Split, ...] = ()
    status: ResultStatus = ResultStatus.VALID
    source: str = ""
    added_by: int | None = None
    added_at: datetime | None = None
    id: int | None = None

    @property
    def where(self) -> str:
        return ", ".join(part for part in (self.city, self.country) if part) or self.competition


@dataclass(frozen=True, order=True)
class RecordScope:
    """Where a record counts: world, an area (EUR), a nation (NOR) or a named meeting."""

    kind: ScopeKind
    code: str  # "world", "EUR", "NOR", "Millrose Games"

    @classmethod
    def world(cls) -> RecordScope:
        return cls(ScopeKind.WORLD, "world")

    @classmethod
    def u20(cls, area: str = "world") -> RecordScope:
        """World U20 (code "world") or an area's U20 records ("EUR")."""
        return cls(ScopeKind.U20, area)

    @property
    def is_world(self) -> bool:
        return self.kind is ScopeKind.WORLD

    @property
    def alert_code(self) -> str:
        """The scope as an alert filter names it: the code, or 'world U20' / 'EUR U20' for
        U20 records, which share their code with the senior scope."""
        return f"{self.code} U20" if self.kind is ScopeKind.U20 else self.code


@dataclass(frozen=True, order=True)
class RecordKey:
    """One record: a scope, an event, a list (outdoor main list or indoor short track), a sex."""

    scope: RecordScope
    event_key: str
    list: Venue
    sex: Sex


@dataclass(frozen=True)
class RecordEntry:
    """One entry of a record's progression, pointing at the result (or split) that set it."""

    id: int
    key: RecordKey
    mark: Mark
    date: date
    athlete: Athlete
    result_id: int
    status: RecordStatus
    competition: str = ""
    city: str | None = None
    country: str | None = None
    wind: int | None = None
    split_id: int | None = None
    equal: bool = False
    source: str = ""
    note: str | None = None
    # No longer a record because a result back-filled before it is better; kept so that
    # correcting or removing that result brings it back.
    superseded: bool = False

    @property
    def counts(self) -> bool:
        """Whether this entry is part of the record's progression."""
        return not self.superseded and self.status is not RecordStatus.REJECTED

    @property
    def where(self) -> str:
        return ", ".join(part for part in (self.city, self.country) if part) or self.competition
