"""An in-memory index of every record entry on file.

Record entries are few (thousands at most, against millions of results), every read
command needs them, and an SQLite round trip through aiosqlite costs ~20× the lookup
itself. So the services keep them here, loaded once and kept in step with every write.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date

from bot.domain.catalogue import EventCatalogue
from bot.domain.events import Sex, Venue
from bot.domain.models import RecordEntry, RecordKey, RecordScope
from bot.domain.records import chronological, standing_record


class RecordBook:
    def __init__(self, catalogue: EventCatalogue, entries: Iterable[RecordEntry] = ()):
        self._catalogue = catalogue
        self._by_key: dict[RecordKey, list[RecordEntry]] = defaultdict(list)
        for entry in entries:
            self._by_key[entry.key].append(entry)
        # Per scope, every entry in the order scope_entries gives them; built here, with the
        # book, so that a write's announcement ("first since") does not walk every key.
        self._by_scope: dict[RecordScope, list[RecordEntry]] = defaultdict(list)
        for key, progression in self._by_key.items():
            if len(progression) > 1:  # most national records have one entry on file
                progression.sort(key=chronological(catalogue.get(key.event_key)))
            self._by_scope[key.scope].extend(progression)
        self._forget()

    def _forget(self) -> None:
        """Drop what is derived from the entries; rebuilt on the next read."""
        self._current: dict[RecordKey, tuple[RecordEntry, ...]] = {}
        self._scopes: set[RecordScope] | None = None
        self._held: dict[int, list[tuple[RecordKey, RecordEntry]]] | None = None
        self._set: dict[int, list[RecordEntry]] | None = None

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_key.values())

    def replace_all(self, entries: Iterable[RecordEntry]) -> None:
        fresh = RecordBook(self._catalogue, entries)
        self._by_key = fresh._by_key
        self._by_scope = fresh._by_scope
        self._forget()

    def replace_keys(
        self, keys: Iterable[RecordKey], found: dict[RecordKey, list[RecordEntry]]
    ) -> None:
        """Replace the progressions of these records with `found` (a key missing from it has
        no entry left); every other record is kept as it is."""
        changed: dict[RecordScope, list[RecordKey]] = {}
        for key in keys:
            changed.setdefault(key.scope, []).append(key)
            entries = found.get(key)
            if entries:
                self._by_key[key] = sorted(
                    entries, key=chronological(self._catalogue.get(key.event_key))
                )
            else:
                self._by_key.pop(key, None)
        for scope, scope_keys in changed.items():
            # The scope's keys in the book's order: those it had (a key keeps its place
            # when its entries are replaced), then those new to the book, which are last.
            # Only this scope's entries are walked, never every record's.
            order: dict[RecordKey, None] = {}
            last = None
            for entry in self._by_scope.get(scope, ()):  # grouped by key: one lookup a key
                if entry.key is not last:
                    last = entry.key
                    order[last] = None
            order.update(dict.fromkeys(scope_keys))
            self._by_scope[scope] = [e for k in order for e in self._by_key.get(k, ())]
        self._forget()

    def entries(self, key: RecordKey) -> list[RecordEntry]:
        """Every entry of a record's progression on file, rejected ones included, oldest first."""
        return list(self._by_key.get(key, ()))

    def progression(self, key: RecordKey) -> list[RecordEntry]:
        """The progression as shown: oldest first, without rejected or superseded entries."""
        return [e for e in self._by_key.get(key, ()) if e.counts]

    def current(self, key: RecordKey, on: date | None = None) -> tuple[RecordEntry, ...]:
        """The standing record (every holder of an equalled mark), or () if none on file."""
        if on is None and key in self._current:
            return self._current[key]
        entries = self._by_key.get(key)
        if not entries:
            return ()
        event = self._catalogue.get(key.event_key)
        standing = standing_record(event, entries, on or date.max)
        if on is None:
            self._current[key] = standing
        return standing

    def scope_entries(self, scope: RecordScope) -> list[RecordEntry]:
        """Every entry of every record of one scope (world: "first since" searches)."""
        return list(self._by_scope.get(scope, ()))

    def on_file(self, keys: Iterable[RecordKey]) -> dict[RecordKey, list[RecordEntry]]:
        """The entries of these records, shaped for `record_breaks_for`."""
        return {key: list(self._by_key[key]) for key in keys if key in self._by_key}

    def keys(
        self,
        scope: RecordScope | None = None,
        list_venue: Venue | None = None,
        sex: Sex | None = None,
        event_key: str | None = None,
    ) -> Iterator[RecordKey]:
        for key, entries in self._by_key.items():
            if not entries:
                continue
            if scope is not None and key.scope != scope:
                continue
            if list_venue is not None and key.list is not list_venue:
                continue
            if sex is not None and key.sex is not sex:
                continue
            if event_key is not None and key.event_key != event_key:
                continue
            yield key

    def scopes(self) -> set[RecordScope]:
        if self._scopes is None:
            self._scopes = {key.scope for key, entries in self._by_key.items() if entries}
        return set(self._scopes)

    def set_by(self, athlete_id: int) -> list[RecordEntry]:
        """Every counting entry the athlete set, current or since broken."""
        if self._set is None:
            self._set = defaultdict(list)
            for entries in self._by_key.values():
                for entry in entries:
                    if entry.counts:
                        self._set[entry.athlete.id].append(entry)
        return list(self._set.get(athlete_id, ()))

    def held_by(self, athlete_id: int) -> list[tuple[RecordKey, RecordEntry]]:
        """Records the athlete holds now (alone or equal)."""
        if self._held is None:
            self._held = defaultdict(list)
            for key in list(self._by_key):
                for entry in self.current(key):
                    self._held[entry.athlete.id].append((key, entry))
        return list(self._held.get(athlete_id, ()))
