"""Record entries (progressions), their change log, and the writes that keep them."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import date
from typing import Any, TypeVar

from bot.domain.catalogue import EventCatalogue
from bot.domain.marks import Mark
from bot.domain.models import Athlete, RecordEntry, RecordKey, RecordScope, RecordStatus
from bot.store.connection import Connection, Reader, Row
from bot.store.reading import on_thread, run_on
from bot.store.repositories.common import (
    ATHLETE_COLUMNS,
    RECORD_STATUSES,
    SCOPE_KINDS,
    SEXES,
    VENUES,
    athlete_from_row,
)


def _record_key(kind: str, code: str, event_key: str, venue: str, sex: str) -> RecordKey:
    """A record's key from its stored columns (scope kind and code, event, list, sex)."""
    return RecordKey(RecordScope(SCOPE_KINDS[kind], code), event_key, VENUES[venue], SEXES[sex])


# Positions in _SELECT's rows (the athlete's columns, read by name, follow them).
_ID, _KIND, _EVENT, _SPLIT, _MARK, _DAY, _STATUS, _HAND = 0, 1, 3, 7, 8, 9, 11, 15
# One statement reads the progressions of at most this many records (5 parameters each).
_KEYS_PER_STATEMENT = 50
_KEY_TERM = (
    "(e.scope_kind = ? AND e.scope_code = ? AND e.event_key = ? AND e.list = ? AND e.sex = ?)"
)


_Text = TypeVar("_Text", str, str | None)


class _Entries:
    """Entries built from the rows of one read; the rows of a read share their record keys,
    athletes and days (startup reads every entry: tens of thousands with the national
    lists, against a few thousand athletes and days)."""

    __slots__ = ("_athletes", "_catalogue", "_days", "_keys", "_texts")

    def __init__(self, catalogue: EventCatalogue):
        self._catalogue = catalogue
        self._keys: dict[tuple, RecordKey] = {}
        self._athletes: dict[int, Athlete] = {}
        self._days: dict[str, date] = {}
        # One string per distinct source, meeting, city, country: a few hundred sources and
        # a couple of thousand meetings among tens of thousands of entries (~4 MB at start).
        self._texts: dict[Any, Any] = {}

    def _text(self, text: _Text) -> _Text:
        found: _Text = self._texts.setdefault(text, text)
        return found

    def entry(self, row: Row) -> RecordEntry:
        identity = (row[_KIND], row[2], row[_EVENT], row[4], row[5])
        key = self._keys.get(identity)
        if key is None:
            key = self._keys[identity] = _record_key(*identity)
        athlete = self._athletes.get(row["a_id"])
        if athlete is None:
            athlete = self._athletes[row["a_id"]] = athlete_from_row(row)
        day = self._days.get(row[_DAY])
        if day is None:
            day = self._days[row[_DAY]] = date.fromisoformat(row[_DAY])
        split_id = row[_SPLIT]
        return RecordEntry(
            id=row[_ID],
            key=key,
            mark=Mark(row[_MARK], self._catalogue.get(row[_EVENT]).unit, bool(row[_HAND])),
            date=day,
            athlete=athlete,
            result_id=row[6],
            split_id=split_id,
            status=RECORD_STATUSES[row[_STATUS]],
            competition=self._text(row[16]),
            city=self._text(row[17]),
            country=self._text(row[18]),
            # A split has no wind of its own worth showing; the race's wind is the result's.
            wind=row[19] if split_id is None else None,
            equal=bool(row[10]),
            source=self._text(row[12]),
            note=row[13],
            superseded=bool(row[14]),
        )


class RecordRepository:
    """Record entries (progressions). The services keep them all in memory; see RecordBook."""

    def __init__(self, reader: Reader, catalogue: EventCatalogue):
        self._reader = reader
        self._catalogue = catalogue

    # The first columns in the order of the positions above.
    _SELECT = f"""
        SELECT e.id AS e_id, e.scope_kind, e.scope_code, e.event_key, e.list, e.sex AS e_sex,
               e.result_id, e.split_id, e.mark AS e_mark, e.date AS e_date, e.equal, e.status,
               e.source AS e_source, e.note AS e_note, e.superseded,
               coalesce(s.hand_timed, r.hand_timed) AS e_hand_timed,
               r.competition, r.city, r.country, r.wind, {ATHLETE_COLUMNS}
        FROM record_entries e
        JOIN results r ON r.id = e.result_id
        LEFT JOIN splits s ON s.id = e.split_id
        JOIN athletes a ON a.id = r.athlete_id
    """

    def _entry(self, row: Row) -> RecordEntry:
        return _Entries(self._catalogue).entry(row)

    async def changes_since(self, seq: int | None) -> tuple[int, set[RecordKey] | None]:
        """(the newest change sequence, the records changed after `seq`), in one hop; None
        for the records when `seq` is None or the log no longer reaches back to it (read
        them all). Read the sequence before the entries: a write landing in between is then
        read twice, never missed."""
        return await run_on(self._reader, lambda conn: self._changes_in_thread(conn, seq))

    def _changes_in_thread(
        self, conn: sqlite3.Connection, seq: int | None
    ) -> tuple[int, set[RecordKey] | None]:
        low, high = conn.execute("SELECT min(seq), max(seq) FROM record_changes").fetchone()
        newest = max(high or 0, seq or 0)
        if seq is None or (low is not None and low > seq + 1):
            return newest, None
        rows = conn.execute(
            "SELECT DISTINCT scope_kind, scope_code, event_key, list, sex FROM record_changes "
            "WHERE seq > ?",
            (seq,),
        ).fetchall()
        return newest, {_record_key(*row) for row in rows}

    @staticmethod
    async def prune_changes(conn: Connection) -> None:
        """Drop the change log but its newest row (inside a write transaction): a process
        that had read less than that sees the gap and reads every entry again."""
        await conn.execute(
            "DELETE FROM record_changes WHERE seq < (SELECT max(seq) FROM record_changes)"
        )

    async def all(self) -> list[RecordEntry]:
        """Every entry, oldest first, in one hop: read at startup, after a gap in the
        change log, and after a write that touched very many records. The rows are
        streamed into entries, never all held at once. On the reader's thread, never the
        event loop: it reads every entry."""
        return await run_on(on_thread(self._reader), self._all_in_thread)

    def _all_in_thread(self, conn: sqlite3.Connection) -> list[RecordEntry]:
        build = _Entries(self._catalogue).entry
        return [build(row) for row in conn.execute(self._SELECT + " ORDER BY e.date, e.id")]

    async def for_keys(
        self, conn: Reader, keys: Iterable[RecordKey]
    ) -> dict[RecordKey, list[RecordEntry]]:
        """The progressions of these records as the connection sees them: inside a write
        transaction, the committed state plus this transaction's own changes. One
        statement per 50 records (each term an index search), oldest entries first."""
        wanted = list(dict.fromkeys(keys))
        entries = _Entries(self._catalogue)
        found: dict[RecordKey, list[RecordEntry]] = {}
        for at in range(0, len(wanted), _KEYS_PER_STATEMENT):
            chunk = wanted[at : at + _KEYS_PER_STATEMENT]
            params: list[object] = []
            for key in chunk:
                params += (key.scope.kind.value, key.scope.code, key.event_key)
                params += (key.list.value, key.sex.value)
            rows = await conn.execute_fetchall(
                self._SELECT + " WHERE " + " OR ".join([_KEY_TERM] * len(chunk))
                + " ORDER BY e.date, e.id",
                params,
            )  # fmt: skip
            for row in rows:
                entry = entries.entry(row)
                found.setdefault(entry.key, []).append(entry)
        return found

    async def get(self, conn: Connection, entry_id: int) -> RecordEntry | None:
        rows = list(await conn.execute_fetchall(self._SELECT + " WHERE e.id = ?", (entry_id,)))
        return self._entry(rows[0]) if rows else None

    async def for_result(self, conn: Connection, result_id: int) -> list[RecordEntry]:
        rows = await conn.execute_fetchall(
            self._SELECT + " WHERE e.result_id = ? ORDER BY e.id", (result_id,)
        )
        return [self._entry(row) for row in rows]

    @staticmethod
    async def delete(conn: Connection, entry_ids: Iterable[int]) -> None:
        await conn.executemany("DELETE FROM record_entries WHERE id = ?", [(i,) for i in entry_ids])

    @staticmethod
    async def set_superseded(conn: Connection, entry_id: int, superseded: bool) -> None:
        await conn.execute(
            "UPDATE record_entries SET superseded = ? WHERE id = ?", (int(superseded), entry_id)
        )

    @staticmethod
    async def set_equal(conn: Connection, entry_id: int, equal: bool) -> None:
        await conn.execute(
            "UPDATE record_entries SET equal = ? WHERE id = ?", (int(equal), entry_id)
        )

    @staticmethod
    async def set_status(
        conn: Connection, entry_id: int, status: RecordStatus, note: str | None
    ) -> None:
        await conn.execute(
            "UPDATE record_entries SET status = ?, note = coalesce(?, note) WHERE id = ?",
            (status.value, note, entry_id),
        )

    @staticmethod
    async def insert(
        conn: Connection,
        key: RecordKey,
        *,
        result_id: int,
        split_id: int | None,
        mark: int,
        day: date,
        status: RecordStatus,
        equal: bool = False,
        source: str = "",
        note: str | None = None,
    ) -> int | None:
        """Add an entry to a progression; None when that very entry is already on file."""
        cursor = await conn.execute(
            "INSERT OR IGNORE INTO record_entries (scope_kind, scope_code, event_key, list, sex, "
            "result_id, split_id, mark, date, equal, status, source, note) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                key.scope.kind.value,
                key.scope.code,
                key.event_key,
                key.list.value,
                key.sex.value,
                result_id,
                split_id,
                mark,
                day.isoformat(),
                int(equal),
                status.value,
                source,
                note,
            ),
        )
        return cursor.lastrowid if cursor.rowcount else None
