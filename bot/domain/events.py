"""What an athletics event is: its kind, unit, direction and the record lists it has.

The catalogue of events itself is data (data/events.csv), read by
:mod:`bot.domain.catalogue`; this module only defines the shapes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class MarkKind(StrEnum):
    """What a mark measures; decides the direction of 'better'."""

    TIME = "time"
    DISTANCE = "distance"
    HEIGHT = "height"
    POINTS = "points"

    @property
    def lower_is_better(self) -> bool:
        return self is MarkKind.TIME


class Unit(StrEnum):
    """The integer unit a mark of an event is stored in. Never a float."""

    CENTISECONDS = "cs"  # track times: 3:45.14 -> 22514
    SECONDS = "s"  # road races and road walks, timed to the whole second: 2:00:35 -> 7235
    CENTIMETRES = "cm"  # jumps and throws: 8.95 -> 895
    POINTS = "pts"  # combined events: 9126


class Venue(StrEnum):
    """Which record list: `outdoor` is World Athletics' main list, `indoor` the short track."""

    OUTDOOR = "outdoor"
    INDOOR = "indoor"

    @classmethod
    def parse(cls, text: str | None) -> Venue:
        """The one venue vocabulary (terminal, Discord options, CSV import): 'indoor',
        'indoors', 'short track', 'sh', 'outdoor', 'outdoors' -> Venue; ValueError otherwise."""
        venue = VENUE_WORDS.get(" ".join((text or "").casefold().split()))
        if venue is None:
            raise ValueError("Give the venue: indoor or outdoor.")
        return venue


VENUE_WORDS = {
    "indoor": Venue.INDOOR,
    "indoors": Venue.INDOOR,
    "short track": Venue.INDOOR,
    "sh": Venue.INDOOR,
    "outdoor": Venue.OUTDOOR,
    "outdoors": Venue.OUTDOOR,
}


class Sex(StrEnum):
    MEN = "M"
    WOMEN = "W"
    MIXED = "X"

    @property
    def label(self) -> str:
        return {"M": "men", "W": "women", "X": "mixed"}[self.value]

    @classmethod
    def parse(cls, text: str) -> Sex:
        """'men', 'M', 'male', 'women', 'w', 'mixed' -> Sex; ValueError otherwise."""
        key = text.strip().casefold()
        for sex, words in _SEX_WORDS.items():
            if key in words:
                return sex
        raise ValueError(f"Unknown sex {text!r} — use men, women or mixed.")


_SEX_WORDS = {
    Sex.MEN: {"m", "men", "man", "male", "males", "mens", "men's"},
    Sex.WOMEN: {"w", "f", "women", "woman", "female", "females", "womens", "women's"},
    Sex.MIXED: {"x", "mixed", "mix"},
}


class RecordType(StrEnum):
    """Whether the best mark on a list is an official world record or only a world best."""

    RECORD = "record"
    WORLD_BEST = "best"


@dataclass(frozen=True)
class Event:
    """One event of the catalogue.

    `lists` maps each venue that keeps a list for this event to whether that list holds
    records or only world bests. A *straight* event (50 m, 60 m, 60 m hurdles) has a single
    list, whatever venue it is run at.
    """

    key: str  # stable identifier stored in the database: "mile", "1500m", "110mh", "pv"
    name: str  # display name: "Mile", "1500 m", "110 m hurdles", "Pole vault"
    kind: MarkKind
    unit: Unit
    group: str  # sprints, hurdles, middle, long, steeple, relays, road, walks, jumps, ...
    wind_affected: bool  # outdoor marks over +2.0 m/s never count
    lists: dict[Venue, RecordType]
    sexes: frozenset[Sex]
    distance_m: int | None  # race distance in metres for running/walking events, else None
    limit: int  # the best humanly possible mark, in `unit`; a better one is rejected
    straight: bool = False
    aliases: tuple[str, ...] = field(default=(), compare=False)

    @property
    def lower_is_better(self) -> bool:
        return self.kind.lower_is_better

    def list_for(self, venue: Venue) -> Venue | None:
        """The record list a result at `venue` is filed under (None when there is none)."""
        if self.straight:
            return next(iter(self.lists), None)
        return venue if venue in self.lists else None

    def record_type(self, venue: Venue) -> RecordType | None:
        list_venue = self.list_for(venue)
        return None if list_venue is None else self.lists[list_venue]

    def __str__(self) -> str:
        return self.name
