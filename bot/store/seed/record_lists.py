"""Loading the World Athletics lists in data/records/: records.csv (current world, area,
national and U20 records) and progressions.csv (world-record histories).

Tens of thousands of rows load at startup, so nothing here costs a statement per row:
seed_log, athletes and the results the rows may already describe are read once, and new
athletes, results, entries and log rows go in with executemany.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bot.domain.events import Event, Sex, Venue
from bot.domain.marks import Mark, MarkError, parse_wind
from bot.domain.models import RecordScope, RecordStatus, ScopeKind
from bot.domain.text import fold
from bot.store.bulk import checks_held_already
from bot.store.seed.base import STATUS, SeederBase, SeedError, read_rows, row_key

# World Athletics lists (data/records/): current records of every scope, world histories.
RECORD_LIST_FILES = ("records.csv", "progressions.csv")
_RECORD_COLUMNS = frozenset(
    {"scope_kind", "scope_code", "event", "venue", "sex", "mark", "athlete", "nation"}
    | {"date", "status", "source"}
)
# meta key prefix: the sha256 of a record-list file whose every row has been loaded.
_LOADED_KEY = "record_list_loaded:"


@dataclass
class _RecordRow:
    """One row of records.csv or progressions.csv, read and checked."""

    file: str
    scope: RecordScope
    event: Event
    venue: Venue  # the list: outdoor (main) or indoor (short track)
    sex: Sex
    mark: Mark
    wind: int | None
    name: str
    nation: str | None
    birth_year: int | None
    birth_date: date | None
    day: date
    city: str | None
    country: str | None
    status: RecordStatus
    source: str
    note: str | None
    row_key: str = ""
    athlete_id: int = 0
    result_id: int = 0
    split_id: int | None = None


def _record_scope(kind: str, code: str) -> RecordScope:
    """records.csv scope columns: world '', area 'EUR', nation 'NOR', u20 'world' or 'EUR'."""
    scope_kind = ScopeKind(kind)
    if scope_kind is ScopeKind.WORLD:
        return RecordScope.world()
    if scope_kind is ScopeKind.U20:
        return RecordScope.u20(code or "world")
    if scope_kind not in (ScopeKind.AREA, ScopeKind.NATION) or not code:
        raise ValueError(f"scope {kind!r} needs a code (an area or nation), got {code!r}")
    return RecordScope(scope_kind, code)


class RecordLists(SeederBase):
    """The record-list step of `Seeder`."""

    async def load_record_lists(self) -> None:
        """data/records/records.csv and progressions.csv, in a few batched statements.

        A record row present in both files (a current world record) is one result and one
        entry: rows describing the same performance share their result, and an entry is
        unique per record and result.
        """
        rows: list[_RecordRow] = []
        loaded_files: list[tuple[str, str]] = []
        for file in RECORD_LIST_FILES:
            path = self.data_dir / "records" / file
            if not path.is_file():
                continue
            # A file loaded in full before, unchanged since, has nothing new: skip reading
            # its rows (a restart with the lists costs a hash, not a parse).
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            marker = await self._not_loaded_yet(file, digest)
            if marker is None:
                continue
            if self.as_of is None:
                loaded_files.append(marker)
            rows.extend(await self._new_record_rows(file, path))
        await self.conn.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            loaded_files,
        )
        if not rows:
            return
        # Every value below comes from a checked, typed row (scope kinds, venues, sexes,
        # statuses are enums; marks parsed).
        async with checks_held_already(self.conn):
            await self._insert_record_rows(rows)
        self.report.rows_loaded += len(rows)
        for r in rows:
            self.report.files[r.file] = self.report.files.get(r.file, 0) + 1

    async def _not_loaded_yet(self, file: str, digest: str) -> tuple[str, str] | None:
        """(meta key, digest) of a list file to read; None when the file with this very
        sha256 was loaded in full before."""
        marker = f"{_LOADED_KEY}{file}"
        done = await self.conn.execute_fetchall(
            "SELECT 1 FROM meta WHERE key = ? AND value = ?", (marker, digest)
        )
        return None if done else (marker, digest)

    async def _new_record_rows(self, file: str, path: Path) -> list[_RecordRow]:
        """The file's rows, read and checked, but those already in seed_log or after as_of."""
        seen = {
            row[0]
            for row in await self.conn.execute_fetchall(
                "SELECT row_key FROM seed_log WHERE file = ?", (file,)
            )
        }
        rows = []
        for line, row in read_rows(path):
            missing = _RECORD_COLUMNS - row.keys()
            if missing:
                raise SeedError(f"{file} line {line}: no column {', '.join(sorted(missing))}")
            key = row_key(row)
            if key in seen:
                self.report.rows_skipped += 1
                continue
            parsed = self._record_row(file, line, row)
            if self._too_new(parsed.day):
                self.report.rows_skipped += 1
                continue
            seen.add(key)  # the same row twice in a file loads once
            parsed.row_key = key
            rows.append(parsed)
        return rows

    async def _insert_record_rows(self, rows: list[_RecordRow]) -> None:
        await self._athletes_for(rows)
        await self._results_for(rows)
        before = self.conn.total_changes
        await self.conn.executemany(
            "INSERT OR IGNORE INTO record_entries (scope_kind, scope_code, event_key, list, "
            "sex, result_id, split_id, mark, date, status, source, note) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    r.scope.kind.value,
                    r.scope.code,
                    r.event.key,
                    r.venue.value,
                    r.sex.value,
                    r.result_id,
                    r.split_id,
                    r.mark.value,
                    r.day.isoformat(),
                    r.status.value,
                    r.source,
                    r.note,
                )
                for r in rows
            ],
        )
        self.report.record_entries_added += self.conn.total_changes - before
        await self.conn.executemany(
            "INSERT INTO seed_log (file, row_key) VALUES (?, ?)",
            [(r.file, r.row_key) for r in rows],
        )

    def _record_row(self, file: str, line: int, row: dict[str, str]) -> _RecordRow:
        try:
            scope = _record_scope(row["scope_kind"], row["scope_code"])
            sex = Sex.parse(row["sex"])
            venue = Venue(row["venue"])
        except (KeyError, ValueError) as exc:
            raise SeedError(f"{file} line {line}: {exc}") from None
        event = self._events.get(row["event"])
        if event is None:
            event = self._events[row["event"]] = self._event(file, line, row["event"])
        status = STATUS.get(row["status"])
        if status is None:
            raise SeedError(f"{file} line {line}: unknown status {row['status']!r}")
        if not row.get("source"):
            raise SeedError(f"{file} line {line}: every record row must name its source")
        birth_year = row.get("birth_year", "")
        birth_date = row.get("birth_date", "")
        try:
            wind = parse_wind(row.get("wind") or None)
        except MarkError as exc:
            raise SeedError(f"{file} line {line}: wind {row.get('wind')!r}: {exc}") from None
        return _RecordRow(
            file=file,
            scope=scope,
            event=event,
            venue=venue,
            sex=sex,
            mark=self._mark(file, line, row["mark"], event),
            wind=wind,
            name=row["athlete"],
            nation=row.get("nation") or None,
            birth_year=int(birth_year) if birth_year.isdigit() else None,
            birth_date=self._date(file, line, birth_date) if birth_date else None,
            day=self._date(file, line, row["date"]),
            city=row.get("city") or None,
            country=row.get("country") or None,
            status=status,
            source=row["source"],
            note=row.get("notes") or None,
        )

    async def _athletes_for(self, rows: list[_RecordRow]) -> None:
        """Match each row's holder by name and nation (and sex), creating those not on
        file with one statement; keep birth years the store does not know yet."""
        known: dict[tuple[str, str, str], tuple[int, int | None, str | None]] = {
            (row[1], row[2], row[3]): (row[0], row[4], row[5])
            for row in await self.conn.execute_fetchall(
                "SELECT id, search_key, coalesce(nation, ''), sex, birth_year, birth_date "
                "FROM athletes"
            )
        }
        next_id = max((v[0] for v in known.values()), default=0) + 1
        new, years = [], {}
        folded: dict[str, str] = {}
        for r in rows:
            key = folded.get(r.name)
            if key is None:
                key = folded[r.name] = fold(r.name)
            memo = (key, r.nation or "", r.sex.value)
            found = known.get(memo)
            year = r.birth_date.year if r.birth_date else r.birth_year
            if found is None:
                found = known[memo] = (next_id, year, None)
                new.append(_athlete_row(next_id, r, key, year))
                next_id += 1
            elif found[1] is None and year is not None:
                years[found[0]] = (year, r.birth_date.isoformat() if r.birth_date else None)
                known[memo] = (found[0], year, found[2])
            r.athlete_id = found[0]
        await self.conn.executemany(
            "INSERT INTO athletes (id, name, search_key, nation, sex, birth_date, birth_year, "
            "is_team, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            new,
        )
        await self.conn.executemany(
            "UPDATE athletes SET birth_year = ?, birth_date = coalesce(birth_date, ?) WHERE id = ?",
            [(year, day, athlete_id) for athlete_id, (year, day) in years.items()],
        )
        self.report.athletes_added += len(new)

    async def _results_for(self, rows: list[_RecordRow]) -> None:
        """The result (or split) each row describes: one on file for the same athlete,
        event, day and mark, or one new result per performance."""
        performances = await self._performances_of(rows)
        last = list(await self.conn.execute_fetchall("SELECT coalesce(max(id), 0) FROM results"))
        next_id = last[0][0] + 1
        new = []
        for r in rows:
            identity = (r.athlete_id, r.event.key, r.day.isoformat(), r.mark.value)
            found = performances.get(identity)
            if found is None:
                found = performances[identity] = (next_id, None)
                new.append(_result_row(next_id, r))
                next_id += 1
            r.result_id, r.split_id = found
        await self.conn.executemany(
            "INSERT INTO results (id, athlete_id, event_key, sex, venue, mark, hand_timed, "
            "wind, date, competition, city, country, source) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            new,
        )
        self.report.results_added += len(new)

    async def _performances_of(
        self, rows: list[_RecordRow]
    ) -> dict[tuple[int, str, str, int], tuple[int, int | None]]:
        """(athlete id, event, day, mark) -> (result id, split id or None) of every mark
        on file of the rows' athletes, splits included."""
        athlete_ids = json.dumps(sorted({r.athlete_id for r in rows}))
        performances: dict[tuple[int, str, str, int], tuple[int, int | None]] = {}
        for row in await self.conn.execute_fetchall(
            "SELECT r.id, s.id, r.athlete_id, s.event_key, r.date, s.mark FROM splits s "
            "JOIN results r ON r.id = s.result_id "
            "WHERE r.athlete_id IN (SELECT value FROM json_each(?))",
            (athlete_ids,),
        ):
            performances.setdefault((row[2], row[3], row[4], row[5]), (row[0], row[1]))
        # Results after splits: a race's own mark wins over a split of the same value.
        for row in await self.conn.execute_fetchall(
            "SELECT id, athlete_id, event_key, date, mark FROM results "
            "WHERE athlete_id IN (SELECT value FROM json_each(?)) AND mark IS NOT NULL "
            "ORDER BY id DESC",
            (athlete_ids,),
        ):
            performances[(row[1], row[2], row[3], row[4])] = (row[0], None)
        return performances


def _athlete_row(athlete_id: int, r: _RecordRow, search_key: str, year: int | None) -> tuple:
    """The new athlete holding a record row, as _athletes_for inserts it."""
    return (
        athlete_id,
        r.name,
        search_key,
        r.nation,
        r.sex.value,
        r.birth_date.isoformat() if r.birth_date else None,
        year,
        int(r.event.group == "relays"),
        r.source,
    )


def _result_row(result_id: int, r: _RecordRow) -> tuple:
    """The new result a record row describes, as _results_for inserts it."""
    return (
        result_id,
        r.athlete_id,
        r.event.key,
        r.sex.value,
        r.venue.value,
        r.mark.value,
        int(r.mark.hand_timed),
        r.wind,
        r.day.isoformat(),
        r.city or r.country or "unknown",  # the competition: the lists name only the place
        r.city,
        r.country,
        r.source,
    )
