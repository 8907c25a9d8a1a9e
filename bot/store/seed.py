"""Loading the shipped reference data (data/reference/*.csv, data/splits.csv) into the store.

Every row loaded is logged in `seed_log`, so loading twice adds nothing, and a row a
moderator later removes is not brought back by the next start. The whole load is one
transaction. `as_of` loads only what had happened by that day (to replay history).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import aiosqlite

from bot.domain.catalogue import EventCatalogue
from bot.domain.events import Event, Sex, Unit, Venue
from bot.domain.marks import Mark, MarkError, parse_mark, parse_wind
from bot.domain.models import (
    Athlete,
    RecordKey,
    RecordScope,
    RecordStatus,
    Result,
    ScopeKind,
    Split,
)
from bot.domain.text import fold
from bot.store.database import Database
from bot.store.repositories import AthleteRepository, RecordRepository, ResultRepository

log = logging.getLogger(__name__)

REFERENCE_FILES = ("races.csv", "world_records.csv", "progression.csv", "athletes.csv")
# World Athletics lists (data/records/): current records of every scope, world histories.
RECORD_LIST_FILES = ("records.csv", "progressions.csv")
_RECORD_COLUMNS = frozenset(
    {"scope_kind", "scope_code", "event", "venue", "sex", "mark", "athlete", "nation"}
    | {"date", "status", "source"}
)

# Reference-data statuses (data/reference/README.md) -> record entry statuses.
_STATUS = {
    "ratified": RecordStatus.RATIFIED,
    "ratification_unconfirmed": RecordStatus.PENDING,
    "pending": RecordStatus.PENDING,
    "not_ratified": RecordStatus.REJECTED,
    "world_best": RecordStatus.UNOFFICIAL,
    "world_indoor_best_unofficial": RecordStatus.UNOFFICIAL,
}
_ONE_DECIMAL = re.compile(r"^[\d:]+\.\d$")
_RACE_NAME = re.compile(r"^(?P<meeting>.+?)\s+(?P<year>\d{4})\b.*?-\s*(?P<race>.+)$")


class SeedError(ValueError):
    """A reference row that cannot be loaded; names the file and line."""


@dataclass
class SeedReport:
    rows_loaded: int = 0
    rows_skipped: int = 0
    results_added: int = 0
    athletes_added: int = 0
    record_entries_added: int = 0
    files: dict[str, int] = field(default_factory=dict)


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    for row in reader:
        # Line number of the row in the file (header is line 1), for error messages.
        yield reader.line_num, {k: (v or "").strip() for k, v in row.items() if k is not None}


def _row_key(row: dict[str, str]) -> str:
    canonical = "\x1f".join(f"{k}={row[k]}" for k in sorted(row))
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def official_mark(text: str, event: Event) -> Mark:
    """A mark as written in a reference list: a time with tenths only is a hand time."""
    if event.unit is Unit.CENTISECONDS and _ONE_DECIMAL.match(text):
        return parse_mark(text + "h", event)
    return parse_mark(text, event)


def split_location(location: str) -> tuple[str, str | None]:
    """'Berlin, GER' -> ('Berlin', 'GER'); 'Saint-Denis (Paris), FRA (outdoor)' -> (..., 'FRA')."""
    location = re.sub(r"\s*\((indoor|outdoor)\)\s*$", "", location)
    parts = [p.strip() for p in location.split(",")]
    if len(parts) >= 2 and re.fullmatch(r"[A-Z]{3}", parts[-1]):
        return parts[-2], parts[-1]
    return location, None


class Seeder:
    def __init__(
        self,
        conn: aiosqlite.Connection,
        catalogue: EventCatalogue,
        data_dir: Path,
        as_of: date | None,
    ):
        self.conn = conn
        self.catalogue = catalogue
        self.data_dir = data_dir
        self.as_of = as_of
        self.report = SeedReport()
        self._athletes: dict[tuple[str, str, Sex], Athlete] = {}
        self._events: dict[str, Event] = {}

    # -- helpers -------------------------------------------------------------------------

    async def _seen(self, file: str, key: str) -> bool:
        rows = await self.conn.execute_fetchall(
            "SELECT 1 FROM seed_log WHERE file = ? AND row_key = ?", (file, key)
        )
        return bool(rows)

    async def _log(self, file: str, key: str) -> None:
        await self.conn.execute("INSERT INTO seed_log (file, row_key) VALUES (?, ?)", (file, key))
        self.report.rows_loaded += 1
        self.report.files[file] = self.report.files.get(file, 0) + 1

    async def athlete(self, name: str, nation: str | None, sex: Sex, *, team: bool) -> Athlete:
        nation = nation or None
        memo = (name, nation or "", sex)
        if memo in self._athletes:
            return self._athletes[memo]
        athlete_id = await AthleteRepository.find_exact(self.conn, name, nation, sex)
        if athlete_id is None:
            athlete_id = await AthleteRepository.create(self.conn, name, nation, sex, is_team=team)
            self.report.athletes_added += 1
        athlete = Athlete(id=athlete_id, name=name, nation=nation, sex=sex, is_team=team)
        self._athletes[memo] = athlete
        return athlete

    def _event(self, file: str, line: int, text: str) -> Event:
        try:
            return self.catalogue.resolve(text)
        except LookupError as exc:
            raise SeedError(f"{file} line {line}: {exc}") from None

    def _mark(self, file: str, line: int, text: str, event: Event) -> Mark:
        try:
            return official_mark(text, event)
        except MarkError as exc:
            raise SeedError(f"{file} line {line}: mark {text!r}: {exc}") from None

    def _date(self, file: str, line: int, text: str) -> date:
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise SeedError(
                f"{file} line {line}: bad date {text!r} (expected YYYY-MM-DD)"
            ) from None

    def _too_new(self, day: date) -> bool:
        return self.as_of is not None and day > self.as_of

    # -- files ---------------------------------------------------------------------------

    async def load_races(self) -> None:
        file = "races.csv"
        splits = self._splits()
        for line, row in _rows(self.data_dir / "reference" / file):
            day = self._date(file, line, row["date"])
            key = _row_key(row)
            if self._too_new(day) or await self._seen(file, key):
                self.report.rows_skipped += 1
                continue
            match = _RACE_NAME.match(row["race"])
            if not match:
                raise SeedError(f"{file} line {line}: cannot read race name {row['race']!r}")
            race = match.group("race")
            event = self._event(file, line, _race_event(race))
            sex = Sex.WOMEN if re.search(r"\bwomen'?s\b", race, re.I) else Sex.MEN
            venue = Venue.INDOOR if "(indoor)" in row["venue"] else Venue.OUTDOOR
            city, country = split_location(row["venue"])
            athlete = await self.athlete(row["athlete"], row["nationality"], sex, team=False)
            race_splits = tuple(
                Split(split_event, split_mark)
                for split_event, split_mark in splits.get((row["race"], row["athlete"]), [])
            )
            result = Result(
                athlete=athlete,
                event=event,
                sex=sex,
                venue=venue,
                mark=self._mark(file, line, row["mark"], event),
                date=day,
                competition=match.group("meeting"),
                city=city,
                country=country,
                round="final" if re.search(r"\bfinal\b", race, re.I) else "",
                place=int(row["place"]) if row["place"].isdigit() else None,
                splits=race_splits,
                source=row["source"],
            )
            await ResultRepository.insert(self.conn, result)
            self.report.results_added += 1
            await self._log(file, key)

    def _splits(self) -> dict[tuple[str, str], list[tuple[Event, Mark]]]:
        file = "splits.csv"
        splits: dict[tuple[str, str], list[tuple[Event, Mark]]] = {}
        for line, row in _rows(self.data_dir / file):
            event = self._event(file, line, row["split_event"])
            mark = self._mark(file, line, row["split_mark"], event)
            splits.setdefault((row["race"], row["athlete"]), []).append((event, mark))
        return splits

    async def load_records(self, file: str) -> None:
        """world_records.csv and progression.csv: world-scope record entries."""
        for line, row in _rows(self.data_dir / "reference" / file):
            day = self._date(file, line, row["date"])
            key = _row_key(row)
            if self._too_new(day) or await self._seen(file, key):
                self.report.rows_skipped += 1
                continue
            event = self._event(file, line, row["event"])
            try:
                sex = Sex.parse(row["sex"])
                list_venue = Venue(row["venue"])
            except ValueError as exc:
                raise SeedError(f"{file} line {line}: {exc}") from None
            status = _STATUS.get(row["status"])
            if status is None:
                raise SeedError(f"{file} line {line}: unknown status {row['status']!r}")
            mark = self._mark(file, line, row["mark"], event)
            performed_indoors = row.get("performed_indoors", "") == "yes" or (
                file == "progression.csv" and list_venue is Venue.INDOOR
            )
            venue = Venue.INDOOR if performed_indoors else Venue.OUTDOOR
            athlete = await self.athlete(
                row["athlete"], row["nationality"], sex, team=event.group == "relays"
            )
            result_id, split_id = await self._result_for(row, event, sex, venue, mark, day, athlete)
            record_key = RecordKey(RecordScope.world(), event.key, list_venue, sex)
            entry_id = await RecordRepository.insert(
                self.conn,
                record_key,
                result_id=result_id,
                split_id=split_id,
                mark=mark.value,
                day=day,
                status=status,
                source=row["source"],
                note=row.get("notes") or None,
            )
            if entry_id is not None:
                self.report.record_entries_added += 1
            await self._log(file, key)

    async def _result_for(
        self,
        row: dict[str, str],
        event: Event,
        sex: Sex,
        venue: Venue,
        mark: Mark,
        day: date,
        athlete: Athlete,
    ) -> tuple[int, int | None]:
        """The result (or split) a record row describes: the one on file, or a new one."""
        found = await ResultRepository.find_id(self.conn, athlete.id, event.key, day, mark.value)
        if found is not None:
            return found, None
        split = await ResultRepository.find_split_id(
            self.conn, athlete.id, event.key, day, mark.value
        )
        if split is not None:
            return split
        city, country = split_location(row["location"])
        result = Result(
            athlete=athlete,
            event=event,
            sex=sex,
            venue=venue,
            mark=mark,
            wind=parse_wind(row.get("wind") or None),
            date=day,
            competition=city,
            city=city,
            country=country,
            source=row["source"],
        )
        result_id = await ResultRepository.insert(self.conn, result)
        self.report.results_added += 1
        return result_id, None

    async def load_record_lists(self) -> None:
        """data/records/records.csv (current world, area, national and U20 records) and
        progressions.csv (world-record histories), in a few batched statements.

        Tens of thousands of rows load at startup, so nothing here costs a statement per
        row: seed_log, athletes and the results the rows may already describe are read
        once, and new athletes, results, entries and log rows go in with executemany. A
        record row present in both files (a current world record) is one result and one
        entry: rows describing the same performance share their result, and an entry is
        unique per record and result.
        """
        rows = []
        loaded_files: list[tuple[str, str]] = []
        for file in RECORD_LIST_FILES:
            path = self.data_dir / "records" / file
            if not path.is_file():
                continue
            # A file loaded in full before, unchanged since, has nothing new: skip reading
            # its rows (a restart with the lists costs a hash, not a parse).
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            marker = f"{_LOADED_KEY}{file}"
            done = await self.conn.execute_fetchall(
                "SELECT 1 FROM meta WHERE key = ? AND value = ?", (marker, digest)
            )
            if done:
                continue
            if self.as_of is None:
                loaded_files.append((marker, digest))
            seen = {
                row[0]
                for row in await self.conn.execute_fetchall(
                    "SELECT row_key FROM seed_log WHERE file = ?", (file,)
                )
            }
            for line, row in _rows(path):
                missing = _RECORD_COLUMNS - row.keys()
                if missing:
                    raise SeedError(f"{file} line {line}: no column {', '.join(sorted(missing))}")
                key = _row_key(row)
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
        await self.conn.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            loaded_files,
        )
        if not rows:
            return
        # Every value below comes from a checked, typed row (scope kinds, venues, sexes,
        # statuses are enums; marks parsed), so the tables' CHECK constraints hold by
        # construction; SQLite evaluating each IN-list check per row halves bulk-load
        # speed (as in ResultRepository.insert_many). Off for these statements only.
        await self.conn.execute("PRAGMA ignore_check_constraints = ON")
        try:
            await self._insert_record_rows(rows)
        finally:
            await self.conn.execute("PRAGMA ignore_check_constraints = OFF")
        self.report.rows_loaded += len(rows)
        for r in rows:
            self.report.files[r.file] = self.report.files.get(r.file, 0) + 1

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
        status = _STATUS.get(row["status"])
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
                new.append(
                    (
                        next_id,
                        r.name,
                        memo[0],
                        r.nation,
                        r.sex.value,
                        r.birth_date.isoformat() if r.birth_date else None,
                        year,
                        int(r.event.group == "relays"),
                        r.source,
                    )
                )
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
        last = await self.conn.execute_fetchall("SELECT coalesce(max(id), 0) FROM results")
        next_id = last[0][0] + 1
        new = []
        for r in rows:
            identity = (r.athlete_id, r.event.key, r.day.isoformat(), r.mark.value)
            found = performances.get(identity)
            if found is None:
                found = performances[identity] = (next_id, None)
                city = r.city or r.country or "unknown"
                new.append(
                    (
                        next_id,
                        r.athlete_id,
                        r.event.key,
                        r.sex.value,
                        r.venue.value,
                        r.mark.value,
                        int(r.mark.hand_timed),
                        r.wind,
                        r.day.isoformat(),
                        city,
                        r.city,
                        r.country,
                        r.source,
                    )
                )
                next_id += 1
            r.result_id, r.split_id = found
        await self.conn.executemany(
            "INSERT INTO results (id, athlete_id, event_key, sex, venue, mark, hand_timed, "
            "wind, date, competition, city, country, source) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            new,
        )
        self.report.results_added += len(new)

    async def mark_equals(self) -> None:
        """Flag entries that only equalled the mark standing before them (Privalova's 6.92s)."""
        rows = await self.conn.execute_fetchall(
            "SELECT id, scope_kind, scope_code, event_key, list, sex, mark, equal "
            "FROM record_entries WHERE status != 'rejected' AND superseded = 0 "
            "ORDER BY date, result_id, id"
        )
        best: dict[tuple[str, ...], int] = {}
        for row in rows:
            key = (row[1], row[2], row[3], row[4], row[5])
            event = self.catalogue.get(row[3])
            standing = best.get(key)
            equal = standing is not None and row[6] == standing
            if standing is None or _better(event.lower_is_better, row[6], standing):
                best[key] = row[6]
            if equal != bool(row[7]):
                await self.conn.execute(
                    "UPDATE record_entries SET equal = ? WHERE id = ?", (int(equal), row[0])
                )

    async def load_athletes(self) -> None:
        file = "athletes.csv"
        for line, row in _rows(self.data_dir / "reference" / file):
            key = _row_key(row)
            if await self._seen(file, key):
                self.report.rows_skipped += 1
                continue
            rows = await self.conn.execute_fetchall(
                "SELECT id FROM athletes WHERE search_key = ? AND nation = ? AND is_team = 0",
                (fold(row["name"]), row["nationality"]),
            )
            if not rows:
                # Profiles only enrich athletes that have results on file (as_of may hide them).
                self.report.rows_skipped += 1
                continue
            birth = self._date(file, line, row["birth_date"]) if row["birth_date"] else None
            profile = "\n".join(part for part in (row["pbs"], row["notes"]) if part) or None
            for (athlete_id,) in rows:
                await AthleteRepository.update_profile(
                    self.conn,
                    athlete_id,
                    birth_date=birth,
                    birth_place=row["birth_place"] or None,
                    profile=profile,
                    source=row["source"] or None,
                )
            await self._log(file, key)


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


def _better(lower_is_better: bool, a: int, b: int) -> bool:
    return a < b if lower_is_better else a > b


def _race_event(race: str) -> str:
    """The event of a race title: "men's Wanamaker Mile (short track)" -> "mile"."""
    text = re.sub(r"\(.*?\)", "", race).casefold()
    found = re.search(r"(\d[\d,]*\s?m\b|mile)", text)
    return found.group(1) if found else text


_AS_OF_KEY = "reference_as_of"
# meta key prefix: the sha256 of a record-list file whose every row has been loaded.
_LOADED_KEY = "record_list_loaded:"


async def seed(
    db: Database,
    catalogue: EventCatalogue,
    data_dir: Path,
    *,
    as_of: date | None = None,
    pin: bool = False,
) -> SeedReport:
    """Load the shipped reference data; rows already loaded are skipped.

    With `pin`, `as_of` is remembered in the database (None forgets it), so a store
    replaying history stays as it stood on that day across restarts; without `pin`, a
    remembered day applies.
    """
    async with db.transaction() as conn:
        if pin:
            await conn.execute("DELETE FROM meta WHERE key = ?", (_AS_OF_KEY,))
            if as_of is not None:
                await conn.execute(
                    "INSERT INTO meta (key, value) VALUES (?, ?)", (_AS_OF_KEY, as_of.isoformat())
                )
        elif as_of is None:
            rows = await conn.execute_fetchall(
                "SELECT value FROM meta WHERE key = ?", (_AS_OF_KEY,)
            )
            as_of = date.fromisoformat(rows[0][0]) if rows else None
        seeder = Seeder(conn, catalogue, data_dir, as_of)
        await seeder.load_races()
        await seeder.load_records("world_records.csv")
        await seeder.load_records("progression.csv")
        await seeder.load_record_lists()
        await seeder.load_athletes()
        await seeder.mark_equals()
        if seeder.report.record_entries_added:
            # Thousands of rows logged as changed: readers re-read everything anyway.
            await RecordRepository.prune_changes(conn)
    report = seeder.report
    if report.rows_loaded:
        log.info(
            "loaded reference data: %d rows, %d results, %d record entries, %d athletes",
            report.rows_loaded,
            report.results_added,
            report.record_entries_added,
            report.athletes_added,
        )
    return report
