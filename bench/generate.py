"""A synthetic Trackside store: the real schema and reference data, plus N generated results.

The store is built through the real code: `Database.open` migrates it, `seed` loads the
shipped reference data, athletes go in through `AthleteRepository.create` and results
through an import's bulk path (`bot.store.bulk`: one `Database.transaction()`, the results'
secondary indexes built once at the end). Only the marker table `bench_meta` (what was
generated, and how fast) is written by hand.

What gets generated, from a seeded `random.Random` (the same arguments give the same store):

- ~20,000 athletes ("Athlete 00042"), relay teams ("Team 00042") among them, each with a
  nation from the nations table, a sex, an ability and a main event (plus, for individuals,
  up to two neighbouring events of the same group: a 1500 m runner also runs the mile);
- a few thousand meetings (name, city, nation, kind: indoor, outdoor track or road), each
  held on one day of some of the years 1990-2026;
- at every meeting, races over the real event catalogue (sprints and middle distance most
  common): 8-12 athletes of similar ability per race, places 1..n by mark, sometimes heats
  then a final of the best eight. Athletes therefore meet each other again and again,
  which is what head-to-head needs;
- marks in the event's unit around 1.05-1.3x the world record for times and 0.7-0.95x for
  field marks and points, never better than the event's `limit`; wind (tenths of m/s,
  -2.0..+4.0, sometimes not measured) on wind-affected events outdoors; a few hand times,
  DNFs, DNSs and DQs.

An athlete competes at most once a day per event and round (meetings are generated in date
order and a day's busy athletes are skipped), so the `results_identity` unique index never
rejects a batch.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import itertools
import json
import math
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench.core import Progress, peak_rss_mb
from bot.config import DEFAULT_DATA_DIR
from bot.domain.events import Event, RecordType, Sex, Unit, Venue
from bot.domain.marks import Mark
from bot.domain.models import Athlete, RecordScope, Result, ResultStatus
from bot.domain.recordbook import RecordBook
from bot.services.exports import csv_row
from bot.services.reference import Reference
from bot.services.writes import IMPORT_COLUMNS
from bot.store import bulk
from bot.store.database import Database
from bot.store.repositories import AthleteRepository, RecordRepository
from bot.store.repositories.common import result_fields
from bot.store.seed import seed

# Bump whenever the generated data changes for the same arguments: stores made by an older
# generator are then rebuilt instead of reused.
GENERATOR_VERSION = 1

DEFAULT_RESULTS = 1_000_000
QUICK_RESULTS = 50_000
DEFAULT_ATHLETES = 20_000
DEFAULT_MEETINGS = 3_000
DEFAULT_SEED = 20_240_612
DEFAULT_BATCH = 50_000

FIRST_YEAR, LAST_YEAR = 1990, 2026
SOURCE = "bench:synthetic"
META_TABLE = "bench_meta"

# Share of races per event group (split evenly across a group's events); sprints and
# middle distance dominate real meetings.
_GROUP_WEIGHT = {
    "sprints": 3.0,
    "middle": 3.0,
    "hurdles": 1.5,
    "long": 1.5,
    "steeple": 0.5,
    "relays": 0.6,
    "road": 1.2,
    "walks": 0.3,
    "jumps": 1.2,
    "throws": 1.0,
    "combined": 0.25,
}
# Events seldom run (world-best-only events, such as 300 m or 15 km road, too).
_RARE_EVENTS = frozenset(
    {"50m", "50mh", "1000m", "2000m", "hour", "dmr", "4x200m", "4x800m", "4x1500m", "road-relay"}
)
_RARE_FACTOR = 0.25

# Meeting kinds: how often, and how many results (relative) a meeting of that kind holds.
_KIND_SHARE = {"outdoor": 0.62, "indoor": 0.25, "road": 0.13}
_KIND_SIZE = {"outdoor": 1.2, "indoor": 0.8, "road": 0.15}
_RESULTS_PER_MEETING = 150  # average; decides how many meeting days a run needs
_KIND_SUFFIXES = {
    "outdoor": ("Grand Prix", "Games", "Classic", "Invitational", "Open", "Meeting"),
    "indoor": ("Indoor", "Indoor Games", "Indoor Classic", "Indoor Tour", "Hallen-Meeting"),
    "road": ("Marathon", "Road Races", "Run", "City Run", "Half Marathon"),
}
_SYLLABLES = (
    "ka", "lo", "ver", "mon", "sta", "ri", "bel", "tor", "na", "gra", "vik", "sen", "dal",
    "mar", "lin", "os", "ber", "ton", "ville", "ro", "fa", "zu", "quel", "hal", "en",
)  # fmt: skip

_SIZE = (8, 12)  # athletes per race
_HEATS_SHARE = 0.2  # events run as heats + final at a track meeting
_FINALISTS = 8
_STATUS_DRAW = ((0.012, ResultStatus.DNF), (0.017, ResultStatus.DNS), (0.021, ResultStatus.DQ))
_HAND_TIMED_SHARE = 0.03  # of sprint times before 2000
_WIND_NOT_MEASURED = 0.03
_WIND_RANGE = (-20, 40)  # tenths of m/s


# --------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class GenerateConfig:
    results: int = DEFAULT_RESULTS
    athletes: int = DEFAULT_ATHLETES
    meetings: int = DEFAULT_MEETINGS
    seed: int = DEFAULT_SEED
    batch: int = DEFAULT_BATCH

    def identity(self) -> dict[str, int]:
        """What decides the generated data (the batch size does not: the stream is the same)."""
        return {
            "generator_version": GENERATOR_VERSION,
            "results": self.results,
            "athletes": self.athletes,
            "meetings": self.meetings,
            "seed": self.seed,
        }


@dataclass
class LoadReport:
    """How the store was built. `generated` is False when an existing store was reused (the
    timings are then those recorded when it was generated)."""

    path: str
    generated: bool
    config: dict[str, int]
    results: int = 0
    athletes: int = 0
    teams: int = 0
    races: int = 0
    meeting_days: int = 0
    reference_results: int = 0
    seconds_migrate_seed: float = 0.0
    seconds_athletes: float = 0.0
    seconds_build: float = 0.0  # building Result objects (random draws included)
    seconds_insert: float = 0.0  # inserting, building the indexes, COMMIT (bot.store.bulk)
    seconds_total: float = 0.0
    batch_rates: list[float] = field(default_factory=list)  # results/s of each batch insert
    file_mb: float = 0.0
    peak_rss_mb: float = 0.0
    generated_at: str = ""

    @property
    def rate_excluding_build(self) -> float:
        return self.results / self.seconds_insert if self.seconds_insert else math.nan

    @property
    def rate_including_build(self) -> float:
        spent = self.seconds_insert + self.seconds_build
        return self.results / spent if spent else math.nan

    def to_json(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "rate_excluding_build": self.rate_excluding_build,
            "rate_including_build": self.rate_including_build,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LoadReport:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})


# --------------------------------------------------------------------------- the world


@dataclass(frozen=True)
class _Meeting:
    name: str
    city: str
    country: str
    kind: str  # outdoor, indoor, road
    day_of_year: int  # when it is usually held


@dataclass(frozen=True)
class _Occurrence:
    day: date
    meeting: _Meeting
    quota_weight: float


@dataclass
class _Population:
    """The athletes entered in one event and sex, strongest first."""

    event: Event
    sex: Sex
    weight: float
    members: list[int] = field(default_factory=list)  # athlete indexes, by ability


class World:
    """Athletes, meetings and reference marks: everything the race generator draws from."""

    def __init__(
        self,
        reference: Reference,
        record_marks: dict[tuple[str, Sex, Venue], int],
        config: GenerateConfig,
    ) -> None:
        self.catalogue = reference.catalogue
        self.config = config
        self.rng = random.Random(config.seed)
        self._record_marks = record_marks
        self.nations = sorted(n.code for n in reference.nations if n.area and n.iso2)
        self.populations = self._populations()
        self.athletes: list[Athlete] = []  # filled by create_athletes (ids from the store)
        self.abilities: list[float] = []
        self._athlete_specs = self._plan_athletes()
        self.meetings = self._meetings()

    # -- events

    def _event_weight(self, event: Event) -> float:
        group_events = sum(1 for e in self.catalogue if e.group == event.group)
        weight = _GROUP_WEIGHT[event.group] / group_events
        world_best_only = all(t is RecordType.WORLD_BEST for t in event.lists.values())
        if world_best_only or event.key in _RARE_EVENTS:
            weight *= _RARE_FACTOR
        return weight

    def _populations(self) -> dict[tuple[str, Sex], _Population]:
        found = {}
        for event in self.catalogue:
            weight = self._event_weight(event) / len(event.sexes)
            for sex in sorted(event.sexes):
                found[(event.key, sex)] = _Population(event, sex, weight)
        return found

    @staticmethod
    def meeting_kinds(event: Event) -> frozenset[str]:
        """The kinds of meeting an event is held at."""
        if event.group == "road" or (event.group == "walks" and event.unit is Unit.SECONDS):
            return frozenset({"road"})
        kinds = set()
        if Venue.INDOOR in event.lists:
            kinds.add("indoor")  # straight events (60 m) keep their only list indoors
        if Venue.OUTDOOR in event.lists:
            kinds.add("outdoor")
        return frozenset(kinds)

    # -- athletes

    def _plan_athletes(self) -> list[tuple[str, Sex, bool, float, list[tuple[str, Sex]]]]:
        """(name, sex, is_team, ability, entered events) of every athlete to create.

        Populations get athletes in proportion to how often their event is run (at least
        16, so that every race can fill), so everyone races about as often.
        """
        rng = self.rng
        pops = list(self.populations.values())
        total_weight = sum(p.weight for p in pops)
        wanted = [max(16, round(self.config.athletes * p.weight / total_weight)) for p in pops]
        # Rounding and the minimum leave the sum off by a little: take it from the largest.
        excess = sum(wanted) - self.config.athletes
        largest = max(range(len(pops)), key=wanted.__getitem__)
        wanted[largest] = max(16, wanted[largest] - excess)

        by_group: dict[tuple[str, Sex], list[Event]] = {}
        for event in self.catalogue:
            for sex in event.sexes:
                by_group.setdefault((event.group, sex), []).append(event)

        drawn = []
        for pop, count in zip(pops, wanted, strict=True):
            team = pop.event.group == "relays"
            for _ in range(count):
                # Most athletes are ordinary, few are elite: ability 0 is the best.
                ability = rng.random() ** 0.5
                entered = [(pop.event.key, pop.sex)]
                if not team:
                    group = by_group[(pop.event.group, pop.sex)]
                    at = group.index(pop.event)
                    for near in (at - 1, at + 1):
                        if 0 <= near < len(group) and rng.random() < 0.5:
                            entered.append((group[near].key, pop.sex))
                drawn.append((pop.sex, team, ability, entered))
        rng.shuffle(drawn)  # neither ids nor names should follow events

        specs = []
        people = teams = 0
        for sex, team, ability, entered in drawn:
            if team:
                teams += 1
                name = f"Team {teams:05d}"
            else:
                people += 1
                name = f"Athlete {people:05d}"
            specs.append((name, sex, team, ability, entered))
        return specs

    def _drawn_athletes(self) -> Iterator[tuple[Athlete, float, list[tuple[str, Sex]]]]:
        """(athlete without an id, ability, entered events) of every athlete, in order."""
        rng = self.rng
        first_birth = date(FIRST_YEAR - 25, 1, 1).toordinal()
        for name, sex, team, ability, entered in self._athlete_specs:
            nation = rng.choice(self.nations)
            birth = None if team else date.fromordinal(first_birth + rng.randrange(40 * 365))
            yield Athlete(0, name, nation, sex, birth_date=birth, is_team=team), ability, entered

    def _enlist(self, athlete: Athlete, ability: float, entered: list[tuple[str, Sex]]) -> None:
        index = len(self.athletes)
        self.athletes.append(athlete)
        self.abilities.append(ability)
        for key in entered:
            self.populations[key].members.append(index)

    def _rank_populations(self) -> None:
        for pop in self.populations.values():
            pop.members.sort(key=self.abilities.__getitem__)

    async def create_athletes(self, db: Database) -> None:
        """Insert every athlete through AthleteRepository.create, in one transaction."""
        async with db.transaction() as conn:
            for athlete, ability, entered in self._drawn_athletes():
                athlete_id = await AthleteRepository.create(
                    conn, athlete.name, athlete.nation, athlete.sex,
                    birth_date=athlete.birth_date, is_team=athlete.is_team, source=SOURCE,
                )  # fmt: skip
                self._enlist(replace(athlete, id=athlete_id), ability, entered)
        self._rank_populations()

    def plan_athletes(self) -> None:
        """The same athletes, not stored (an import file names them; the import creates
        them): each gets its position as a stand-in id."""
        for position, (athlete, ability, entered) in enumerate(self._drawn_athletes(), 1):
            self._enlist(replace(athlete, id=position), ability, entered)
        self._rank_populations()

    # -- meetings

    def _meetings(self) -> list[_Meeting]:
        rng = self.rng
        names: set[str] = set()
        meetings = []
        kinds = list(_KIND_SHARE)
        shares = list(_KIND_SHARE.values())
        while len(meetings) < self.config.meetings:
            city = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).title()
            kind = rng.choices(kinds, shares)[0]
            name = f"{city} {rng.choice(_KIND_SUFFIXES[kind])}"
            if name in names:
                continue
            names.add(name)
            season = {"indoor": (10, 70), "outdoor": (120, 260), "road": (60, 320)}[kind]
            meetings.append(
                _Meeting(name, city, rng.choice(self.nations), kind, rng.randint(*season))
            )
        return meetings

    def schedule(self) -> list[_Occurrence]:
        """The meeting days, in date order: some meetings held in some years."""
        rng = self.rng
        years = LAST_YEAR - FIRST_YEAR + 1
        needed = max(20, round(self.config.results / _RESULTS_PER_MEETING))
        needed = min(needed, len(self.meetings) * years)
        picks = rng.sample(range(len(self.meetings) * years), needed)
        held = []
        for pick in picks:
            meeting = self.meetings[pick % len(self.meetings)]
            year = FIRST_YEAR + pick // len(self.meetings)
            day_of_year = min(365, max(1, meeting.day_of_year + rng.randint(-3, 3)))
            day = date(year, 1, 1) + timedelta(days=day_of_year - 1)
            held.append(_Occurrence(day, meeting, _KIND_SIZE[meeting.kind]))
        held.sort(key=lambda o: (o.day, o.meeting.name))
        return held

    # -- marks

    def reference_mark(self, event: Event, sex: Sex, venue: Venue) -> int:
        """The world record the marks are drawn around, with fallbacks where none is on file."""
        marks = self._record_marks
        lists = [event.list_for(venue) or venue, *event.lists]
        for list_venue in lists:
            if (event.key, sex, list_venue) in marks:
                return marks[(event.key, sex, list_venue)]
        # Other sex: women ~10% slower, ~15% shorter; mixed relays sit in between.
        scale = {Sex.WOMEN: (1.10, 0.85), Sex.MEN: (1 / 1.10, 1 / 0.85), Sex.MIXED: (1.05, 0.9)}
        time_scale, field_scale = scale[sex]
        for other in (Sex.MEN, Sex.WOMEN):
            for list_venue in lists:
                if other != sex and (event.key, other, list_venue) in marks:
                    value = marks[(event.key, other, list_venue)]
                    return round(value * (time_scale if event.lower_is_better else field_scale))
        # Nothing on file at all: just off the limit of the humanly possible.
        return round(event.limit * (1.08 if event.lower_is_better else 0.9))


def record_marks(entries: Sequence[Any], reference: Reference) -> dict[tuple[str, Sex, Venue], int]:
    """World records on file, by (event, sex, list): what generated marks are scaled from."""
    book = RecordBook(reference.catalogue, entries)
    found = {}
    for key in book.keys(scope=RecordScope.world()):
        holders = book.current(key)
        if holders:
            found[(key.event_key, key.sex, key.list)] = holders[0].mark.value
    return found


# --------------------------------------------------------------------------- races


class RaceGenerator:
    """Turns the schedule into a stream of Result objects, meeting by meeting, in date order."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.rng = world.rng
        self.races = 0
        self.meeting_days = 0
        self._kind_pops: dict[str, list[_Population]] = {
            kind: [
                p
                for p in world.populations.values()
                if kind in World.meeting_kinds(p.event) and len(p.members) >= 2
            ]
            for kind in _KIND_SHARE
        }
        self._refs: dict[tuple[str, Sex, Venue], int] = {}
        self._index_by_id = {athlete.id: i for i, athlete in enumerate(world.athletes)}

    def results(self) -> Iterator[Result]:
        world, rng = self.world, self.rng
        total = world.config.results
        schedule = world.schedule()
        weights = list(itertools.accumulate(o.quota_weight for o in schedule))
        produced = 0
        busy: set[int] = set()  # athletes who already competed on the current day
        today: date | None = None
        for index, occurrence in enumerate(schedule):
            if occurrence.day != today:
                today, busy = occurrence.day, set()
            # Cumulative quotas keep the results spread evenly over the whole period.
            last = index == len(schedule) - 1
            target = total if last else round(total * weights[index] / weights[-1])
            if produced >= target:
                continue
            self.meeting_days += 1
            pops = self._kind_pops[occurrence.meeting.kind]
            held: dict[tuple[str, Sex], int] = {}
            attempts = 0
            while produced < target and attempts < 10_000:
                attempts += 1
                pop = rng.choices(pops, [p.weight for p in pops])[0]
                slot = (pop.event.key, pop.sex)
                # An event is held once per meeting; only when the quota cannot be met with
                # fresh events does a second race of one get a round name of its own.
                if slot in held and len(held) < len(pops):
                    continue
                held[slot] = held.get(slot, 0) + 1
                suffix = "" if held[slot] == 1 else f" {held[slot]}"
                for result in self._event(occurrence, pop, busy, suffix):
                    yield result
                    produced += 1
                    if produced >= total:
                        return
        if produced < total:
            raise RuntimeError(f"generated only {produced} of {total} results")

    def _event(
        self, occurrence: _Occurrence, pop: _Population, busy: set[int], suffix: str
    ) -> list[Result]:
        """One event at a meeting: a single race, or heats then a final."""
        rng = self.rng
        if occurrence.meeting.kind != "road" and rng.random() < _HEATS_SHARE:
            heats: list[Result] = []
            for number in range(1, rng.randint(2, 3) + 1):
                entrants = self._entrants(pop, busy)
                if len(entrants) >= 2:
                    heats += self._race(occurrence, pop, entrants, f"heat {number}{suffix}")
            finishers = sorted(
                (r for r in heats if r.place is not None and r.mark is not None),
                key=lambda r: _ranking(pop.event, r.mark.value, r.mark.hand_timed),
            )
            finalists = [self._index_by_id[r.athlete.id] for r in finishers[:_FINALISTS]]
            final = (
                self._race(occurrence, pop, finalists, f"final{suffix}")
                if len(finalists) >= 2
                else []
            )
            return heats + final
        entrants = self._entrants(pop, busy)
        if len(entrants) < 2:
            return []
        return self._race(occurrence, pop, entrants, suffix.strip())

    def _entrants(self, pop: _Population, busy: set[int]) -> list[int]:
        """8-12 athletes of similar ability who have not competed yet today."""
        rng = self.rng
        size = rng.randint(*_SIZE)
        members = pop.members
        centre = rng.randrange(len(members))
        half = max(2 * size, 15)
        window = [m for m in members[max(0, centre - half) : centre + half] if m not in busy]
        if len(window) < size:
            window = [m for m in members if m not in busy]
        chosen = rng.sample(window, min(size, len(window)))
        busy.update(chosen)
        return chosen

    def _race(
        self, occurrence: _Occurrence, pop: _Population, entrants: list[int], round_name: str
    ) -> list[Result]:
        rng, world = self.rng, self.world
        event, sex, meeting = pop.event, pop.sex, occurrence.meeting
        venue = Venue.INDOOR if meeting.kind == "indoor" else Venue.OUTDOOR
        ref_key = (event.key, sex, venue)
        ref = self._refs.get(ref_key)
        if ref is None:
            ref = self._refs[ref_key] = world.reference_mark(event, sex, venue)
        windy = venue is Venue.OUTDOOR and event.wind_affected
        race_wind = self._wind() if windy else None
        hand_possible = (
            event.unit is Unit.CENTISECONDS
            and (event.distance_m or 0) <= 400
            and occurrence.day.year < 2000
        )
        self.races += 1

        drawn = []
        for index in entrants:
            # Ability sets the level, the day's form moves it: 0 -> 1.05x WR, 1 -> 1.3x.
            level = min(1.0, max(0.0, 0.8 * world.abilities[index] + 0.2 * rng.random()))
            if event.lower_is_better:
                value = max(event.limit, math.ceil(ref * (1.05 + 0.25 * level)))
            else:
                value = max(1, min(event.limit, int(ref * (0.95 - 0.25 * level))))
            hand = hand_possible and rng.random() < _HAND_TIMED_SHARE
            if hand:
                value = -(-value // 10) * 10  # hand times are in tenths, rounded up
            draw = rng.random()
            status = next((s for bound, s in _STATUS_DRAW if draw < bound), ResultStatus.VALID)
            wind = race_wind if event.lower_is_better or not windy else self._wind()
            drawn.append((index, value, hand, status, None if status is ResultStatus.DNS else wind))

        # Places 1..n among valid marks, best first; equal marks share a place (1, 2, 2, 4).
        ranked = sorted(
            (d for d in drawn if d[3] is ResultStatus.VALID),
            key=lambda d: _ranking(event, d[1], d[2]),
        )
        places: dict[int, int] = {}
        last: tuple[int, bool] | None = None
        place = 0
        for position, (index, value, hand, _, _) in enumerate(ranked, start=1):
            if (value, hand) != last:
                last, place = (value, hand), position
            places[index] = place

        results = []
        for index, value, hand, status, wind in drawn:
            no_mark = status in (ResultStatus.DNF, ResultStatus.DNS)
            results.append(
                Result(
                    athlete=world.athletes[index],
                    event=event,
                    sex=sex,
                    venue=venue,
                    mark=None if no_mark else Mark(value, event.unit, hand),
                    date=occurrence.day,
                    competition=meeting.name,
                    wind=wind,
                    city=meeting.city,
                    country=meeting.country,
                    round=round_name,
                    place=places.get(index),
                    status=status,
                    source=SOURCE,
                )
            )
        results.sort(key=lambda r: (r.place is None, r.place or 0))
        return results

    def _wind(self) -> int | None:
        if self.rng.random() < _WIND_NOT_MEASURED:
            return None
        low, high = _WIND_RANGE
        return min(high, max(low, round(self.rng.gauss(8, 12))))


def _ranking(event: Event, value: int, hand_timed: bool) -> tuple[int, bool]:
    """Sort key putting the best mark first; an automatic time before an equal hand time."""
    return (value if event.lower_is_better else -value, hand_timed)


def write_import_csv(
    path: Path,
    reference: Reference,
    entries: Sequence[Any],
    config: GenerateConfig,
    existing: Sequence[Athlete] = (),
    existing_share: float = 0.0,
) -> int:
    """An import file of `config.results` generated rows, as `trackside export` writes
    them: the athletes are new to the store, except a share of the individuals (drawn
    with the seed) who are stand-ins for `existing` athletes of the same sex, named as on
    file. Returns how many rows were written."""
    world = World(reference, record_marks(entries, reference), config)
    world.plan_athletes()
    pick = random.Random(config.seed + 1)
    pools: dict[Sex, list[Athlete]] = {}
    for athlete in existing:
        pools.setdefault(athlete.sex, []).append(athlete)
    for pool in pools.values():
        pick.shuffle(pool)
    for index, athlete in enumerate(world.athletes):
        pool = pools.get(athlete.sex)
        if pool and not athlete.is_team and pick.random() < existing_share:
            known = pool.pop()
            world.athletes[index] = replace(athlete, name=known.name, nation=known.nation)
    written = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=IMPORT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for result in RaceGenerator(world).results():
            writer.writerow(csv_row(result))
            written += 1
    return written


# --------------------------------------------------------------------------- the store

_REPO_ROOT = Path(__file__).resolve().parents[1]  # where `python -m bench.generate` runs


def _meta(path: Path) -> dict[str, Any] | None:
    """The generator's marker in an existing store, or None if there is none."""
    if not path.exists() or path.stat().st_size == 0:
        return None
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        rows = conn.execute(f"SELECT key, value FROM {META_TABLE}").fetchall()  # noqa: S608
        meta = {key: json.loads(value) for key, value in rows}
        meta["results_on_file"] = conn.execute("SELECT count(*) FROM results").fetchone()[0]
        return meta
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def reusable(path: Path, config: GenerateConfig) -> LoadReport | None:
    """The load report of an existing store generated with this very config, if it is one."""
    meta = _meta(path)
    if not meta or meta.get("config") != config.identity() or "report" not in meta:
        return None
    report = LoadReport.from_json(meta["report"])
    if meta["results_on_file"] != report.reference_results + report.results:
        return None  # changed since it was generated
    report.generated = False
    report.path = str(path)
    report.file_mb = _file_mb(path)
    return report


def _remove_store(path: Path) -> None:
    """Delete a previous bench store; refuse anything that is not one (a real database)."""
    if path.exists() and path.stat().st_size > 0:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        except sqlite3.DatabaseError:
            tables = {"<not sqlite>"}
        finally:
            conn.close()
        if tables and META_TABLE not in tables:
            raise SystemExit(
                f"{path} exists and is not a bench store (no {META_TABLE} table); "
                "refusing to overwrite it — pass another --db path"
            )
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


async def generate(path: Path, config: GenerateConfig, progress: Progress) -> LoadReport:
    """Build a fresh store at `path` (replacing an older bench store there)."""
    _remove_store(path)
    _create_meta_table(path)
    report = LoadReport(path=str(path), generated=True, config=config.identity())
    started = time.perf_counter()

    db = await Database.open(path)
    try:
        reference = Reference.load(DEFAULT_DATA_DIR)
        await seed(db, reference.catalogue, DEFAULT_DATA_DIR)
        report.reference_results = (await db.counts())["results"]
        entries = await RecordRepository(db.reader, reference.catalogue).all()
        report.seconds_migrate_seed = time.perf_counter() - started
        progress(f"migrated and seeded {path} ({report.reference_results} reference results)")

        t0 = time.perf_counter()
        world = World(reference, record_marks(entries, reference), config)
        await world.create_athletes(db)
        report.seconds_athletes = time.perf_counter() - t0
        report.athletes = len(world.athletes)
        report.teams = sum(a.is_team for a in world.athletes)
        progress(f"created {report.athletes} athletes ({report.teams} relay teams)")

        races = RaceGenerator(world)
        stream = races.results()
        t_begin = time.perf_counter()
        async with db.transaction() as conn, bulk.bulk_load(conn, config.results) as rebuild:
            while True:
                t0 = time.perf_counter()
                batch = [
                    (*result_fields(r), r.added_by) for r in itertools.islice(stream, config.batch)
                ]
                t1 = time.perf_counter()
                if not batch:
                    break
                await bulk.insert_results(conn, batch)
                t2 = time.perf_counter()
                report.seconds_build += t1 - t0
                report.results += len(batch)
                report.batch_rates.append(len(batch) / (t2 - t1))
                progress(
                    f"  {report.results:>9,} results  build {t1 - t0:5.2f}s  "
                    f"insert {t2 - t1:5.2f}s ({len(batch) / (t2 - t1):,.0f}/s)"
                )
                del batch
            t0 = time.perf_counter()
            await rebuild()
            progress(f"  indexes built in {time.perf_counter() - t0:.1f} s")
        # Inserting, building the indexes and the COMMIT: everything but generating the rows.
        report.seconds_insert = time.perf_counter() - t_begin - report.seconds_build
        report.races = races.races
        report.meeting_days = races.meeting_days

        report.seconds_total = time.perf_counter() - started
        report.peak_rss_mb = peak_rss_mb()
        report.generated_at = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        # The rows go in last: a store without them is an interrupted run, never reused.
        async with db.transaction() as conn:
            await conn.executemany(
                f"INSERT OR REPLACE INTO {META_TABLE} (key, value) VALUES (?, ?)",  # noqa: S608
                [
                    ("config", json.dumps(config.identity())),
                    ("report", json.dumps(report.to_json())),
                ],
            )
    finally:
        await db.close()
    report.file_mb = _file_mb(path)
    return report


def _create_meta_table(path: Path) -> None:
    """The marker table goes in before anything else, so that even a store whose generation
    was interrupted is recognised as a bench store (and replaced) by the next run."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    try:
        conn.execute(f"CREATE TABLE {META_TABLE} (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        conn.commit()
    finally:
        conn.close()


def _file_mb(path: Path) -> float:
    return path.stat().st_size / (1024 * 1024)


async def ensure_store(
    path: Path | None,
    config: GenerateConfig,
    progress: Progress,
    scratch: Path | None = None,
    *,
    in_subprocess: bool = False,
) -> LoadReport:
    """Reuse the store at `path` if it was generated with this config, else generate it.

    Without a path the store goes in `scratch` (a temporary directory the caller removes).
    With `in_subprocess` the generating runs in a child process (`python -m bench.generate`),
    so that this process's peak RSS measures what it does itself (serving lookups), not
    the generator's batches of objects; the child's own peak is in the report.
    """
    if path is not None:
        found = reusable(path, config)
        if found is not None:
            progress(f"reusing {path}: {found.results:,} results generated {found.generated_at}")
            return found
    else:
        if scratch is None:
            raise ValueError("a scratch directory is needed when no --db path is given")
        path = scratch / "bench.db"
    progress(f"generating {config.results:,} results into {path}")
    if not in_subprocess:
        return await generate(path, config, progress)
    command = [sys.executable, "-m", "bench.generate", "--db", str(path)]
    command += ["--results", str(config.results), "--athletes", str(config.athletes)]
    command += ["--seed", str(config.seed)]
    child = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.DEVNULL, cwd=_REPO_ROOT
    )
    if await child.wait():
        raise SystemExit(f"generating the store failed: {' '.join(command)}")
    report = reusable(path, config)
    if report is None:
        raise SystemExit(f"the generator left no complete store at {path}")
    report.generated = True
    return report


# --------------------------------------------------------------------------- command line


def add_arguments(group: argparse._ArgumentGroup) -> None:
    group.add_argument(
        "--db",
        type=Path,
        help="store to use: reused when it was generated with the same size and seed, "
        "else (re)generated there; default: a temporary file",
    )
    sizes = group.add_mutually_exclusive_group()
    sizes.add_argument(
        "--results",
        type=int,
        default=DEFAULT_RESULTS,
        help=f"synthetic results to generate (default {DEFAULT_RESULTS:,})",
    )
    sizes.add_argument(
        "--quick",
        action="store_const",
        dest="results",
        const=QUICK_RESULTS,
        help=f"generate {QUICK_RESULTS:,} results",
    )
    group.add_argument(
        "--athletes", type=int, default=DEFAULT_ATHLETES, help="synthetic athletes (default 20,000)"
    )
    group.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")


def config_from(args: argparse.Namespace) -> GenerateConfig:
    if args.results < 1 or args.athletes < 100:
        raise SystemExit("--results must be at least 1 and --athletes at least 100")
    return GenerateConfig(results=args.results, athletes=args.athletes, seed=args.seed)


def main(argv: Sequence[str] | None = None) -> None:
    """`python -m bench.generate`: only build (or check) a store."""
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__)
    add_arguments(parser.add_argument_group("store"))
    args = parser.parse_args(argv)
    progress = Progress()
    with tempfile.TemporaryDirectory(prefix="trackside-bench-") as scratch:
        report = asyncio.run(ensure_store(args.db, config_from(args), progress, Path(scratch)))
    json.dump(report.to_json(), sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()


__all__ = [
    "DEFAULT_RESULTS",
    "QUICK_RESULTS",
    "GenerateConfig",
    "LoadReport",
    "add_arguments",
    "config_from",
    "ensure_store",
    "generate",
]
