"""`Trackside`, the application: it owns the database, the reference tables and the
in-memory indexes (the record book, athlete names), resolves what a user typed, and is
the front door of the read use cases.

The reads themselves are one module per use case: `record_lists` (/record, /records,
/progression), `profiles` (/athlete, /rivalry), `toplists` (/toplist). The writes are
`bot.services.writes.Writes`, built on the same app.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable, Iterable
from datetime import date
from typing import TYPE_CHECKING

from bot.config import Settings
from bot.domain.answers import (
    AthleteAnswer,
    HeldRecord,
    ProgressionAnswer,
    RecordAnswer,
    RecordsListAnswer,
    RivalryAnswer,
    ScopeInfo,
    TopListAnswer,
    TopListBy,
)
from bot.domain.catalogue import UnknownEventError
from bot.domain.events import Event, Sex, Venue
from bot.domain.models import Athlete, RecordKey
from bot.domain.recordbook import RecordBook
from bot.services import profiles, record_lists, toplists
from bot.services.athletes import AthleteIndex, records_by_athlete
from bot.services.catching_up import after_own_write, catch_up
from bot.services.collecting import collecting_later
from bot.services.errors import InvalidInputError, NotFoundError
from bot.services.reference import Reference
from bot.services.scopes import ScopeResolver
from bot.services.warm import RECORDS, Touched, WarmAnswers
from bot.store import write_log
from bot.store.connection import Store
from bot.store.database import Database
from bot.store.outbox import GuildSettingsRepository
from bot.store.repositories import AthleteRepository, RecordRepository, ResultRepository
from bot.store.seed import SeedReport, seed

if TYPE_CHECKING:
    from bot.services.writes.filing import RecordsWritten

# Past this many records touched by one write (a big import), reading every entry in one
# statement is cheaper than one statement per record.
_MOST_KEYS_READ_ONE_BY_ONE = 200
_MOST_EVENT_TEXTS = 1_024  # event names as typed, resolved (`Trackside.event`)


class Trackside:
    """The records application: the store, the indexes over it, and the read use cases."""

    def __init__(
        self,
        db: Store,
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
        # /progression answers by (record, day), kept until the records are next read.
        self.progressions: dict[tuple[RecordKey, date], ProgressionAnswer] = {}
        # Per athlete who set records: (records held, names of the marks that set records),
        # derived from the record book alone; kept until the records are next read.
        self.athlete_records: dict[int, tuple[tuple[HeldRecord, ...], dict]] = {}
        # Read answers (top lists, profiles, ...) until a write changes them: see `warm`.
        self.warm = WarmAnswers()
        self._data_version: int | None = None
        self._changes_seen: int | None = None  # record_changes read up to here
        self.log_seen = 0  # the write log read up to here (bot.store.write_log)
        # Another process wrote around one of ours: caught up with right after it.
        self._catch_up_wanted = False
        self._catching_up = asyncio.Lock()  # one catch-up at a time (watcher, own write)
        # The record half of each athlete's prominence (see records_by_athlete), kept in
        # step with the book so a write updates it for the athletes it touched only.
        self._record_counts: dict[int, tuple[int, int, int]] = {}
        self.reloading = asyncio.Lock()  # reloads one at a time: none undoes a later one
        self._events_named: dict[str | None, Event] = {}  # see `event`

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
        with collecting_later():
            reference = Reference.load(settings.data_dir)
            db = await Database.open(settings.store)
            try:
                app = cls(db, reference, today=today)
                if seed_data:
                    app.seed_report = await seed(
                        db,
                        reference.catalogue,
                        settings.data_dir,
                        as_of=as_of,
                        pin=as_of is not None,
                    )
                await app.reload()
            except BaseException:
                await db.close()
                raise
        return app

    async def close(self) -> None:
        await self.db.close()

    async def reload(self) -> None:
        """Rebuild the in-memory indexes from the store (at startup; after another
        process's write, `refresh_if_changed`). The work over every athlete (0.25 s at
        20,000) runs on worker threads: the loop answers meanwhile, from the old index."""
        self._catch_up_wanted = False
        self.log_seen = await write_log.newest(self.db.reader)  # first: none is missed
        with collecting_later():
            await self.reload_records(recount=False)
            async with self.reloading:  # an own write's reload adds its athletes after
                # The book changes only under `reloading`: the thread reads it alone.
                self._record_counts = await asyncio.to_thread(records_by_athlete, self.book)
                athletes = await self.athletes.all()
                aliases = await self.athletes.aliases()
                prominence = await self.athletes.prominence(self._record_counts)
                self.athlete_index = await asyncio.to_thread(
                    AthleteIndex, athletes, aliases, prominence=prominence
                )
            # What startup (and each full reload) built lives till the next full reload,
            # none of it in a cycle (replaced, it is freed by counting): frozen, later
            # collections leave it alone instead of walking it, holding the loop 40-60 ms.
            gc.freeze()
        self.moderator_roles = await GuildSettingsRepository.moderator_roles(self.db.reader)
        self.warm.forget_all()  # profiles hold the index's athletes: none from before

    @property
    def records_seen(self) -> int | None:
        """The record change log's sequence the record book is in step with."""
        return self._changes_seen

    async def reload_records(
        self,
        new_athlete_ids: Iterable[int] = (),
        written: RecordsWritten | None = None,
        *,
        recount: bool = True,
        touched: Touched | None = None,
        in_step: int | None = None,
    ) -> None:
        """After our own write: re-read only the records the change log says were touched
        since the last read (all of them the first time, after a gap, or when very many);
        add only the athletes the write created. `written`: what our write left those records
        as, taken instead of a read when the log shows no other write before or after ours.
        `touched` (`bot.services.warm.Touched`): only answers depending on it or on a changed
        record go (all without it). With `recount`, its athletes' and changed records'
        holders' prominence is counted again. One at a time. If another process wrote
        around ours (`_in_step_after`), what it wrote is caught up with next, from the
        write log, as the store watcher would (`refresh_if_changed`). `in_step`: that
        catching up (`catch_up`), whose `touched` is exact, up to this data version."""
        async with self.reloading:
            if in_step is not None:
                self._data_version = in_step
            else:
                await self._in_step_after(touched)
            seq, changed = await self.record_entries.changes_since(self._changes_seen)
            held_before = records_by_athlete(self.book, changed) if recount and changed else {}
            # Records changed by anyone since the last read are all in `changed`; what
            # another process's write touched besides is its log row's, caught up with below.
            precise = changed is not None and len(changed) <= _MOST_KEYS_READ_ONE_BY_ONE
            holders = self._record_holders(changed) if precise and changed else set()
            if written is not None and written.exact(self._changes_seen, seq, changed):
                self.book.replace_keys(changed or (), written.progressions)
            elif changed is None or len(changed) > _MOST_KEYS_READ_ONE_BY_ONE:
                self.book.replace_all(await self.record_entries.all())
                changed = None
            elif changed:
                found = await self.record_entries.for_keys(self.db.reader, changed)
                self.book.replace_keys(changed, found)
            self._changes_seen = seq
            self._forget(touched if precise else None, changed, holders)
            for athlete_id in new_athlete_ids:
                athlete = await self.athletes.get(athlete_id)
                if athlete is not None:  # None: the write that created it was rolled back
                    self.athlete_index.add(athlete)
            if recount:
                athlete_ids = {*new_athlete_ids, *(touched.athletes if touched else ())}
                await self._count_again(held_before, changed, athlete_ids)
        if touched is not None and in_step is None and self._catch_up_wanted:
            await after_own_write(self)  # not a full reload's read: it may run inside one

    async def _count_again(
        self,
        held_before: dict[int, tuple[int, int, int]],
        changed: Iterable[RecordKey] | None,
        athlete_ids: set[int],
    ) -> None:
        """Bring the prominence of the athletes a write touched in step: record entries
        from the book (`held_before`: what the `changed` records counted before the write;
        `changed` None: every record was read again), results from the store."""
        if changed is None:
            counts = records_by_athlete(self.book)
            athlete_ids |= {
                athlete_id
                for athlete_id in counts.keys() | self._record_counts.keys()
                if counts.get(athlete_id) != self._record_counts.get(athlete_id)
            }
            self._record_counts = counts
        elif changed:
            held_after = records_by_athlete(self.book, changed)
            for athlete_id in held_before.keys() | held_after.keys():
                total = self._record_counts.get(athlete_id, (0, 0, 0))
                before = held_before.get(athlete_id, (0, 0, 0))
                after = held_after.get(athlete_id, (0, 0, 0))
                w, a, n = (t - b + x for t, b, x in zip(total, before, after, strict=True))
                now = (w, a, n)
                if now != total:
                    athlete_ids.add(athlete_id)
                if any(now):
                    self._record_counts[athlete_id] = now
                else:
                    self._record_counts.pop(athlete_id, None)
        if athlete_ids:
            found = await self.athletes.prominence(self._record_counts, athlete_ids)
            self.athlete_index.set_prominence(found)

    async def _in_step_after(self, touched: Touched | None) -> None:
        """After our write: in step with the store if it was alone (`_alone`); if not,
        what the other process wrote is to be caught up with (`refresh_if_changed`).
        Without `touched`, we are in step as before."""
        version = await self.db.data_version()
        if touched is None or self._alone(touched, version):
            self._data_version = version
        else:  # another process wrote around ours
            self._catch_up_wanted = True

    def _forget(
        self, touched: Touched | None, changed: set[RecordKey] | None, holders: set[int]
    ) -> None:
        """Drop what a write can have changed of what is kept in memory: the answers kept
        warm that depend on what it `touched` or on a `changed` record (`holders`: the
        athletes of those records' entries before the write); `touched` None: all."""
        if touched is None or changed:
            self.progressions.clear()
            self.athlete_records.clear()
        dependencies = touched.dependencies() if touched is not None else None
        if dependencies is not None and changed:
            # A record's holders before and after (profiles and rivalries show records
            # held and set), its event (for anything a list shows of records), the book.
            holders |= self._record_holders(changed)
            dependencies |= {("athlete", athlete_id) for athlete_id in holders}
            dependencies |= {("event", key.event_key) for key in changed}
            dependencies.add(RECORDS)
        self.warm.forget(dependencies)

    def _alone(self, touched: Touched, version: int) -> bool:
        """Whether no other process wrote since we were last in step with the store: not
        before our write (the version it saw inside its transaction is one we know, or
        our own latest commit's) nor after it (the version now is ours)."""
        if touched.seen is None or self._catch_up_wanted:
            return False
        inside, own_before = touched.seen
        known = (self._data_version, own_before)
        return inside in known and version in (self._data_version, self.db.own_version)

    def _record_holders(self, keys: Iterable[RecordKey]) -> set[int]:
        """The athletes of every entry of these records' progressions, in the book now."""
        return {entry.athlete.id for key in keys for entry in self.book.entries(key)}

    async def refresh_if_changed(self) -> bool:
        """Catch up when another process (say `trackside import`) has written to the store
        (`bot.services.catching_up`); whether anything was read again."""
        async with self._catching_up:
            version = await self.db.data_version()
            wanted, self._catch_up_wanted = self._catch_up_wanted, False
            if not wanted and version in (self._data_version, self.db.own_version):
                return False
            try:
                return await catch_up(self, version)
            except BaseException:
                self._catch_up_wanted = wanted
                raise

    def notify_outbox(self) -> None:
        self.outbox_wakeup.set()

    # -- resolving what people type ------------------------------------------------------

    def event(self, text: str | None) -> Event:
        """The event `text` names; each text resolved once (the catalogue never changes)."""
        found = self._events_named.get(text)
        if found is not None:
            return found
        if not text or not text.strip():
            raise InvalidInputError("Name an event, e.g. 'mile', '100m', 'pole vault'.")
        try:
            found = self.catalogue.resolve(text)
        except UnknownEventError as exc:
            raise NotFoundError(str(exc)) from None
        if len(self._events_named) >= _MOST_EVENT_TEXTS:
            self._events_named.clear()
        self._events_named[text] = found
        return found

    def athlete(self, text: str) -> Athlete:
        return self.athlete_index.resolve(text)

    def scope(self, text: str | None) -> ScopeInfo:
        return self.scopes.resolve(text, self.book.scopes())

    def flag(self, nation: str | None) -> str:
        if not nation:
            return ""
        flag = self.flags.get(nation)  # a stored code as it is, the common case
        if flag is not None:
            return flag
        found = self.nations.get(nation)
        return found.flag if found else ""

    # -- read commands ---------------------------------------------------------------------

    async def record(
        self,
        event_text: str,
        venue: Venue | None = None,
        sex: Sex | None = None,
        scope_text: str | None = None,
    ) -> RecordAnswer:
        return record_lists.record(self, event_text, venue, sex, scope_text)

    async def progression(
        self,
        event_text: str,
        venue: Venue | None = None,
        sex: Sex | None = None,
        scope_text: str | None = None,
    ) -> ProgressionAnswer:
        return record_lists.progression(self, event_text, venue, sex, scope_text)

    async def records(
        self,
        venue: Venue = Venue.OUTDOOR,
        sex: Sex | None = None,
        scope_text: str | None = None,
    ) -> RecordsListAnswer:
        return record_lists.records(self, venue, sex, scope_text)

    async def athlete_profile(self, name: str) -> AthleteAnswer:
        return await profiles.athlete_profile(self, name)

    async def rivalry(self, first_name: str, second_name: str) -> RivalryAnswer:
        return await profiles.rivalry(self, first_name, second_name)

    async def top_list(
        self,
        event_text: str,
        venue: Venue | None = None,
        sex: Sex | None = None,
        year: int | None = None,
        by: TopListBy = TopListBy.PERFORMANCES,
        limit: int = 25,
    ) -> TopListAnswer:
        return await toplists.top_list(self, event_text, venue, sex, year, by, limit)

    # -- autocomplete ----------------------------------------------------------------------

    def suggest_events(self, text: str, limit: int = 25) -> list[Event]:
        return self.catalogue.suggest(text[:100], limit)

    def suggest_athletes(self, text: str, limit: int = 25) -> list[Athlete]:
        return self.athlete_index.suggest(text[:100], limit)

    def suggest_scopes(self, text: str, limit: int = 25) -> list[ScopeInfo]:
        return self.scopes.suggest(text[:100], self.book.scopes(), limit)
