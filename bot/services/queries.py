"""Read use cases: every answer the read commands give, built from the store.

`Trackside` is the application: it owns the database, the reference tables and the
in-memory indexes (records, athlete names), and turns what a user typed into answers.
"""

from __future__ import annotations

import asyncio
import csv
import io
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from dateutil.relativedelta import relativedelta

from bot.config import Settings
from bot.domain.answers import (
    AthleteAnswer,
    BestOrigin,
    HeldRecord,
    ListSource,
    Meeting,
    Outcome,
    PersonalBest,
    ProgressionAnswer,
    ProgressionRow,
    RecordAnswer,
    RecordLine,
    RecordsListAnswer,
    RivalryAnswer,
    ScopeInfo,
    SharedBest,
    TopListAnswer,
    TopListBy,
    TopListRow,
    data_age,
)
from bot.domain.catalogue import EventCatalogue, UnknownEventError
from bot.domain.events import Event, Sex, Venue
from bot.domain.marks import compare, margin
from bot.domain.models import Athlete, RecordKey, Result, ResultStatus, ScopeKind
from bot.domain.nations import NationTable
from bot.domain.recordbook import RecordBook
from bot.domain.records import counts_for_lists, record_name_for, record_type_of
from bot.services.athletes import AthleteIndex
from bot.services.errors import InvalidInputError, NotFoundError, clip
from bot.services.scopes import ScopeResolver
from bot.store.database import Database
from bot.store.outbox import GuildSettingsRepository
from bot.store.repositories import AthleteRepository, RecordRepository, ResultRepository
from bot.store.seed import SeedReport, seed

log = logging.getLogger(__name__)

_SEX_ORDER = (Sex.MEN, Sex.WOMEN, Sex.MIXED)
# Which record names a performance by first when it set several.
_SCOPE_ORDER = (ScopeKind.WORLD, ScopeKind.AREA, ScopeKind.U20, ScopeKind.NATION, ScopeKind.MEETING)
_VENUE_ORDER = (Venue.OUTDOOR, Venue.INDOOR)
# Past this many records touched by one write (a big import), reading every entry in one
# statement is cheaper than one statement per record.
_MOST_KEYS_READ_ONE_BY_ONE = 200


@dataclass(frozen=True)
class Reference:
    """The reference tables shipped in data/: events and nations."""

    catalogue: EventCatalogue
    nations: NationTable
    sources: tuple[ListSource, ...] = ()  # what the shipped record lists are current to

    @classmethod
    def load(cls, data_dir: Path) -> Reference:
        return cls(
            catalogue=EventCatalogue.from_csv_text(
                (data_dir / "events.csv").read_text(encoding="utf-8")
            ),
            nations=NationTable.from_csv_text(
                (data_dir / "nations.csv").read_text(encoding="utf-8")
            ),
            sources=_list_sources(data_dir / "records" / "sources.csv"),
        )

    @property
    def data_age(self) -> str:
        return data_age(self.sources)


def _list_sources(path: Path) -> tuple[ListSource, ...]:
    """data/records/sources.csv (name,as_of,source,notes); () when absent. A row with an
    unreadable date is left out with a warning rather than stopping the bot."""
    if not path.is_file():
        return ()
    sources = []
    for row in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))):
        try:
            as_of = date.fromisoformat((row.get("as_of") or "").strip())
        except ValueError:
            log.warning("%s: bad as_of %r for %r", path, row.get("as_of"), row.get("name"))
            continue
        sources.append(
            ListSource(
                name=(row.get("name") or "").strip() or "record lists",
                as_of=as_of,
                source=(row.get("source") or "").strip(),
                notes=(row.get("notes") or "").strip(),
            )
        )
    return tuple(sources)


class Trackside:
    """The records application: queries now, writes through the same indexes later."""

    def __init__(
        self,
        db: Database,
        reference: Reference,
        *,
        today: Callable[[], date] = date.today,
    ):
        self.db = db
        self.reference = reference
        self.catalogue = reference.catalogue
        self.nations = reference.nations
        self.scopes = ScopeResolver(reference.nations)
        self.flags = {nation.code: nation.flag for nation in reference.nations if nation.flag}
        self.today = today
        self.athletes = AthleteRepository(db.reader)
        self.results = ResultRepository(db.reader, reference.catalogue)
        self.record_entries = RecordRepository(db.reader, reference.catalogue)
        self.book = RecordBook(reference.catalogue)
        self.athlete_index = AthleteIndex()
        self.seed_report: SeedReport | None = None
        # Per-server moderator roles (guild id -> role id), read on every write check.
        self.moderator_roles: dict[int, int | None] = {}
        # Set after every commit that queued announcements: wakes the delivery task.
        self.outbox_wakeup = asyncio.Event()
        self._data_version: int | None = None
        self._changes_seen: int | None = None  # record_changes read up to here
        self._progressions: dict[tuple[RecordKey, date], ProgressionAnswer] = {}

    @classmethod
    async def open(
        cls,
        settings: Settings,
        *,
        seed_data: bool = True,
        as_of: date | None = None,
        today: Callable[[], date] = date.today,
    ) -> Trackside:
        """Open (creating and migrating if need be) the database, load shipped data once."""
        reference = Reference.load(settings.data_dir)
        db = await Database.open(settings.store)
        try:
            app = cls(db, reference, today=today)
            if seed_data:
                app.seed_report = await seed(
                    db, reference.catalogue, settings.data_dir, as_of=as_of, pin=as_of is not None
                )
            await app.reload()
        except BaseException:
            await db.close()
            raise
        return app

    async def close(self) -> None:
        await self.db.close()

    async def reload(self) -> None:
        """Rebuild the in-memory indexes from the store."""
        await self.reload_records()
        self.athlete_index = AthleteIndex(
            await self.athletes.all(),
            await self.athletes.aliases(),
            prominence=await self.athletes.prominence(),
        )
        self.moderator_roles = await GuildSettingsRepository.moderator_roles(self.db.reader)

    async def reload_records(self, new_athlete_ids: Iterable[int] = ()) -> None:
        """After our own write: re-read only the records the store's change log says were
        touched since the last read (all of them the first time, after a gap, or when a
        write touched very many); athletes are many, so add only those the write created."""
        self._data_version = await self.db.data_version()
        seq, changed = await self.record_entries.changes_since(self._changes_seen)
        if changed is None or len(changed) > _MOST_KEYS_READ_ONE_BY_ONE:
            self.book.replace_all(await self.record_entries.all())
        elif changed:
            found = await self.record_entries.for_keys(self.db.reader, changed)
            self.book.replace_keys(changed, found)
        self._changes_seen = seq
        self._progressions.clear()
        for athlete_id in new_athlete_ids:
            athlete = await self.athletes.get(athlete_id)
            if athlete is not None:  # None: the write that created it was rolled back
                self.athlete_index.add(athlete)

    async def refresh_if_changed(self) -> bool:
        """Reload when another process (say `trackside import`) has written to the store."""
        version = await self.db.data_version()
        if version in (self._data_version, self.db.own_version):
            return False
        await self.reload()
        self.notify_outbox()
        return True

    def notify_outbox(self) -> None:
        self.outbox_wakeup.set()

    # -- resolving what people type ------------------------------------------------------

    def event(self, text: str | None) -> Event:
        if not text or not text.strip():
            raise InvalidInputError("Name an event, e.g. 'mile', '100m', 'pole vault'.")
        try:
            return self.catalogue.resolve(text)
        except UnknownEventError as exc:
            raise NotFoundError(str(exc)) from None

    def athlete(self, text: str) -> Athlete:
        return self.athlete_index.resolve(text)

    def scope(self, text: str | None) -> ScopeInfo:
        return self.scopes.resolve(text, self.book.scopes())

    def flag(self, nation: str | None) -> str:
        found = self.nations.get(nation) if nation else None
        return found.flag if found else ""

    def _record_line(self, key: RecordKey, event: Event) -> RecordLine | None:
        holders = self.book.current(key)
        if not holders:
            return None
        return RecordLine(
            key=key,
            event=event,
            holders=holders,
            record_type=record_type_of(event, key.list, key.scope),
            stood=relativedelta(self.today(), holders[0].date),
        )

    # -- read commands ---------------------------------------------------------------------

    async def record(
        self,
        event_text: str,
        venue: Venue | None = None,
        sex: Sex | None = None,
        scope_text: str | None = None,
    ) -> RecordAnswer:
        """/record: the current record(s) of an event; both sexes and lists unless narrowed."""
        event = self.event(event_text)
        scope = self.scope(scope_text)
        lines = []
        for list_venue in self._lists(event, venue):
            for each_sex in self._sexes(event, sex):
                key = RecordKey(scope.scope, event.key, list_venue, each_sex)
                line = self._record_line(key, event)
                if line is not None:
                    lines.append(line)
        if not lines:
            raise NotFoundError(self._nothing_on_file(event, scope, venue, sex))
        return RecordAnswer(event, scope, tuple(lines), self.today(), venue, sex)

    def _lists(self, event: Event, venue: Venue | None) -> list[Venue]:
        if venue is None:
            return [v for v in _VENUE_ORDER if v in event.lists]
        list_venue = event.list_for(venue)
        if list_venue is None:
            kept = " and ".join(v.value for v in _VENUE_ORDER if v in event.lists) or "no"
            raise NotFoundError(
                f"{event.name} has no {venue.value} record list (it has {kept}) — "
                f"try without a venue."
            )
        return [list_venue]

    def _sexes(self, event: Event, sex: Sex | None) -> list[Sex]:
        if sex is None:
            return [s for s in _SEX_ORDER if s in event.sexes]
        if sex not in event.sexes:
            kept = ", ".join(s.label for s in _SEX_ORDER if s in event.sexes)
            raise NotFoundError(f"{event.name} is not a {sex.label}'s event (it is {kept}).")
        return [sex]

    def _nothing_on_file(
        self, event: Event, scope: ScopeInfo, venue: Venue | None, sex: Sex | None
    ) -> str:
        narrowed = " ".join(
            p for p in (sex.label if sex else "", venue.value if venue else "") if p
        )
        what = f"{scope.label} {narrowed + ' ' if narrowed else ''}{event.name}".strip()
        return f"No {what} record is on file. Try another scope or venue" + (
            ", or ask a moderator to add a baseline." if not scope.scope.is_world else "."
        )

    async def progression(
        self,
        event_text: str,
        venue: Venue | None = None,
        sex: Sex | None = None,
        scope_text: str | None = None,
    ) -> ProgressionAnswer:
        """/progression: one record's history, oldest first, margins and how long each stood."""
        event = self.event(event_text)
        scope = self.scope(scope_text)
        key = None
        for list_venue in self._lists(event, venue):
            for each_sex in self._sexes(event, sex):
                candidate = RecordKey(scope.scope, event.key, list_venue, each_sex)
                if self.book.progression(candidate):
                    key = candidate
                    break
            if key is not None:
                break
        if key is None:
            raise NotFoundError(self._nothing_on_file(event, scope, venue, sex))
        today = self.today()
        cached = self._progressions.get((key, today))
        if cached is not None:
            return cached
        entries = self.book.progression(key)
        current = set(e.id for e in self.book.current(key))
        rows = []
        best = None
        for index, entry in enumerate(entries):
            gain = None if best is None else margin(event, entry.mark, best.mark)
            if best is None or compare(event, entry.mark, best.mark) >= 0:
                best = entry
            later = [e for e in entries[index + 1 :] if compare(event, e.mark, entry.mark) > 0]
            stood = relativedelta(later[0].date, entry.date) if later else None
            rows.append(ProgressionRow(entry, gain, stood, entry.id in current))
        answer = ProgressionAnswer(
            key, event, scope, tuple(rows), record_type_of(event, key.list, key.scope), today
        )
        # Answers depend only on the record's entries and the day: kept until a write.
        self._progressions[(key, today)] = answer
        return answer

    async def records(
        self,
        venue: Venue = Venue.OUTDOOR,
        sex: Sex | None = None,
        scope_text: str | None = None,
    ) -> RecordsListAnswer:
        """/records: every current record of a list, in catalogue order."""
        scope = self.scope(scope_text)
        lines = []
        single_list = []
        for event in self.catalogue.events_for(venue, sex):
            list_venue = event.list_for(venue)
            # A straight event's one list (60 m, 60 m hurdles: indoor) shows under that
            # list only, never among the other venue's records.
            if list_venue is None or list_venue is not venue:
                continue
            if event.straight:
                single_list.append(event.name)
            for each_sex in self._sexes(event, sex) if sex is None else [sex]:
                line = self._record_line(
                    RecordKey(scope.scope, event.key, list_venue, each_sex), event
                )
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
        if self.reference.data_age:
            notes.append(f"Lists current to: {self.reference.data_age}.")
        return RecordsListAnswer(scope, venue, sex, tuple(lines), self.today(), tuple(notes))

    def _held(self, athlete_id: int) -> tuple[HeldRecord, ...]:
        held = []
        for key, entry in self.book.held_by(athlete_id):
            event = self.catalogue.get(key.event_key)
            held.append(
                HeldRecord(
                    key,
                    event,
                    entry,
                    self.scopes.info(key.scope),
                    record_type_of(event, key.list, key.scope),
                )
            )
        held.sort(
            key=lambda h: (
                _SCOPE_ORDER.index(h.key.scope.kind),
                h.key.scope,
                _catalogue_position(self.catalogue, h.event),
                h.key.list,
            )
        )
        return tuple(held)

    def _record_marks(self, athlete_id: int) -> dict[tuple[int, int | None], str]:
        """(result id, split id) of every record entry the athlete set -> the record's
        name, widest scope first ("world indoor record" over "Norwegian indoor record")."""
        names: dict[tuple[int, int | None], str] = {}
        entries = sorted(
            self.book.set_by(athlete_id), key=lambda e: _SCOPE_ORDER.index(e.key.scope.kind)
        )
        for entry in entries:
            event = self.catalogue.get(entry.key.event_key)
            names.setdefault(
                (entry.result_id, entry.split_id),
                record_name_for(entry.key, event, self.scopes.info(entry.key.scope).label),
            )
        return names

    async def athlete_profile(self, name: str) -> AthleteAnswer:
        """/athlete: nation, age, personal bests, records held, latest results."""
        athlete = self.athlete(name)
        results, count = await self.results.profile_results(athlete.id)
        nation = self.nations.get(athlete.nation) if athlete.nation else None
        return AthleteAnswer(
            athlete=athlete,
            age=athlete.age_on(self.today()),
            nation_name=nation.name if nation else None,
            flag=nation.flag if nation else "",
            personal_bests=tuple(
                personal_bests(self.catalogue, results, self._record_marks(athlete.id))
            ),
            records=self._held(athlete.id),
            latest=tuple(results[:10]),
            result_count=count,
            today=self.today(),
        )

    async def rivalry(self, first_name: str, second_name: str) -> RivalryAnswer:
        """/rivalry: head-to-head record, every meeting, PBs side by side, records held."""
        first = self.athlete(first_name)
        second = self.athlete(second_name)
        if first.id == second.id:
            raise InvalidInputError("Pick two different athletes for a rivalry.")
        pairs = await self.results.meetings(first.id, second.id)
        meetings = tuple(Meeting(a, b, _outcome(a, b)) for a, b in pairs)
        wins = (
            sum(m.outcome is Outcome.FIRST for m in meetings),
            sum(m.outcome is Outcome.SECOND for m in meetings),
        )
        ties = sum(m.outcome is Outcome.TIE for m in meetings)
        results = await self.results.profiles([first.id, second.id])
        first_bests = personal_bests(
            self.catalogue, results[first.id][0], self._record_marks(first.id)
        )
        second_bests = personal_bests(
            self.catalogue, results[second.id][0], self._record_marks(second.id)
        )
        second_by = {(r.event.key, r.venue): r for r in second_bests}
        shared = [
            SharedBest(r.event, r.venue, r, second_by[(r.event.key, r.venue)])
            for r in first_bests
            if (r.event.key, r.venue) in second_by
        ]
        return RivalryAnswer(
            first=first,
            second=second,
            first_flag=self.flag(first.nation),
            second_flag=self.flag(second.nation),
            meetings=meetings,
            wins=wins,
            ties=ties,
            bests=tuple(shared),
            first_records=self._held(first.id),
            second_records=self._held(second.id),
            today=self.today(),
        )

    async def top_list(
        self,
        event_text: str,
        venue: Venue | None = None,
        sex: Sex | None = None,
        year: int | None = None,
        by: TopListBy = TopListBy.PERFORMANCES,
        limit: int = 25,
    ) -> TopListAnswer:
        """/toplist: best legal marks on file, all-time or one year, performances or performers."""
        event = self.event(event_text)
        if sex is None:
            sex = next(s for s in _SEX_ORDER if s in event.sexes)
        else:
            self._sexes(event, sex)
        if year is not None and not 1800 <= year <= self.today().year:
            raise InvalidInputError(
                f"Year {year} is out of range — give a year from 1800 to {self.today().year}."
            )
        # Whole races and the splits inside longer ones, from one description of the list.
        wanted = dict(
            lower_is_better=event.lower_is_better,
            venue=venue,
            year=year,
            performers=by is TopListBy.PERFORMERS,
            limit=limit,
        )
        results = await self.results.top_list(event.key, sex, **wanted)
        splits = await self.results.split_top_list(event.key, sex, **wanted)
        merged = _merge_marks(event, results, splits, performers=by is TopListBy.PERFORMERS)
        merged = merged[:limit]
        marks = [r for r, _ in merged]
        rows = tuple(
            TopListRow(_rank(marks, i, event), r, self.flag(r.athlete.nation), split_of)
            for i, (r, split_of) in enumerate(merged)
        )
        notes = ("Wind-aided, hand-timed and invalid marks are left out.",)
        if any(split_of for _, split_of in merged):
            notes += ("Splits (times passed inside a longer race) are marked as such.",)
        return TopListAnswer(event, sex, venue, year, by, rows, self.today(), notes)

    # -- autocomplete ----------------------------------------------------------------------

    def suggest_events(self, text: str, limit: int = 25) -> list[Event]:
        return self.catalogue.suggest(text[:100], limit)

    def suggest_athletes(self, text: str, limit: int = 25) -> list[Athlete]:
        return self.athlete_index.suggest(text[:100], limit)

    def suggest_scopes(self, text: str, limit: int = 25) -> list[ScopeInfo]:
        return self.scopes.suggest(text[:100], self.book.scopes(), limit)


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
    best: dict[tuple[str, Venue], PersonalBest] = {}

    def consider(candidate: PersonalBest) -> None:
        slot = (candidate.event.key, candidate.venue)
        held = best.get(slot)
        if held is None:
            best[slot] = candidate
            return
        order = compare(candidate.event, candidate.mark, held.mark)
        if order > 0 or (order == 0 and candidate.date < held.date):
            best[slot] = candidate

    for result in results:
        if result.status is not ResultStatus.VALID:
            continue
        if counts_for_lists(result):
            record = records.get((result.id, None), "")
            origin = BestOrigin.RECORD if record else BestOrigin.RACE
            consider(PersonalBest(result, origin, record=record))
        for split in result.splits:
            if split.mark.hand_timed:
                continue
            as_result = replace(result, event=split.event, mark=split.mark, wind=None, splits=())
            consider(
                PersonalBest(
                    as_result,
                    BestOrigin.SPLIT,
                    split_of=result.event,
                    record=records.get((result.id, split.id), ""),
                )
            )
    return sorted(
        best.values(),
        key=lambda r: (_catalogue_position(catalogue, r.event), r.venue != Venue.OUTDOOR),
    )


_POSITIONS: dict[int, dict[str, int]] = {}


def _catalogue_position(catalogue: EventCatalogue, event: Event) -> int:
    positions = _POSITIONS.get(id(catalogue))
    if positions is None:
        positions = {e.key: i for i, e in enumerate(catalogue)}
        _POSITIONS[id(catalogue)] = positions
    return positions.get(event.key, len(positions))


def _merge_marks(
    event: Event,
    results: list[Result],
    splits: list[tuple[Result, Event]],
    *,
    performers: bool,
) -> list[tuple[Result, Event | None]]:
    """Race marks and split marks in one list, best first (earlier first on equal marks);
    with `performers`, each athlete's best of either kind once."""
    merged: list[tuple[Result, Event | None]] = [(r, None) for r in results]
    merged += splits
    merged.sort(
        key=lambda item: (
            item[0].mark.value if event.lower_is_better else -item[0].mark.value,
            item[0].date,
            item[1] is not None,
        )
    )
    if not performers:
        return merged
    seen: set[int] = set()
    kept = []
    for item in merged:
        if item[0].athlete.id not in seen:
            seen.add(item[0].athlete.id)
            kept.append(item)
    return kept


def _rank(results: list[Result], index: int, event: Event) -> int:
    """Competition ranking: equal marks share a rank (1, 2, 2, 4)."""
    first = index
    while first > 0 and compare(event, results[first - 1].mark, results[index].mark) == 0:
        first -= 1
    return first + 1


def _outcome(first: Result, second: Result) -> Outcome:
    """Who won a race: by place where both have one, else by mark; a finisher beats a DNF."""
    if first.place and second.place and first.status is second.status is ResultStatus.VALID:
        if first.place == second.place:
            return Outcome.TIE
        return Outcome.FIRST if first.place < second.place else Outcome.SECOND
    first_ok = first.status is ResultStatus.VALID and first.mark is not None
    second_ok = second.status is ResultStatus.VALID and second.mark is not None
    if first_ok and second_ok:
        order = compare(first.event, first.mark, second.mark)
        return Outcome.TIE if order == 0 else (Outcome.FIRST if order > 0 else Outcome.SECOND)
    if first_ok != second_ok:
        return Outcome.FIRST if first_ok else Outcome.SECOND
    return Outcome.UNKNOWN


__all__ = ["Reference", "Trackside", "clip", "personal_bests"]
