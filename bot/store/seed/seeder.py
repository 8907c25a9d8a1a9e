"""Loading the shipped reference data (data/reference/*.csv, data/splits.csv) into the store.

Every row loaded is logged in `seed_log`, so loading twice adds nothing, and a row a
moderator later removes is not brought back by the next start. The whole load is one
transaction. `as_of` loads only what had happened by that day (to replay history).
"""

from __future__ import annotations

import logging
import re
from datetime import date
from pathlib import Path

from bot.domain.catalogue import EventCatalogue
from bot.domain.events import Event, Sex, Venue
from bot.domain.marks import Mark, parse_wind
from bot.domain.models import Athlete, RecordKey, RecordScope, Result, Split
from bot.domain.text import fold
from bot.store.connection import Store
from bot.store.repositories import AthleteRepository, RecordRepository, ResultRepository
from bot.store.seed.base import STATUS, SeedError, SeedReport, read_rows, row_key, split_location
from bot.store.seed.record_lists import RecordLists

log = logging.getLogger(__package__)  # bot.store.seed

REFERENCE_FILES = ("races.csv", "world_records.csv", "progression.csv", "athletes.csv")
_RACE_NAME = re.compile(r"^(?P<meeting>.+?)\s+(?P<year>\d{4})\b.*?-\s*(?P<race>.+)$")
_AS_OF_KEY = "reference_as_of"


class Seeder(RecordLists):
    """One load of the reference data: each file's step, in the order `seed` runs them."""

    async def load_races(self) -> None:
        file = "races.csv"
        splits = self._splits()
        async for line, row, day, key in self._dated_rows(file):
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
        for line, row in read_rows(self.data_dir / file):
            event = self._event(file, line, row["split_event"])
            mark = self._mark(file, line, row["split_mark"], event)
            splits.setdefault((row["race"], row["athlete"]), []).append((event, mark))
        return splits

    async def load_records(self, file: str) -> None:
        """world_records.csv and progression.csv: world-scope record entries."""
        async for line, row, day, key in self._dated_rows(file):
            event = self._event(file, line, row["event"])
            try:
                sex = Sex.parse(row["sex"])
                list_venue = Venue(row["venue"])
            except ValueError as exc:
                raise SeedError(f"{file} line {line}: {exc}") from None
            status = STATUS.get(row["status"])
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

    async def mark_equals(self) -> None:
        """Flag entries that only equalled the mark standing before them (Privalova's 6.92s)."""
        rows = await self.conn.execute_fetchall(
            "SELECT id, scope_kind, scope_code, event_key, list, sex, mark, equal "
            "FROM record_entries WHERE status != 'rejected' AND superseded = 0 "
            "ORDER BY date, result_id, id"
        )
        best: dict[tuple[str, ...], int] = {}
        changed: list[tuple[int, int]] = []
        for row in rows:
            key = (row[1], row[2], row[3], row[4], row[5])
            event = self.catalogue.get(row[3])
            standing = best.get(key)
            equal = standing is not None and row[6] == standing
            if standing is None or _better(event.lower_is_better, row[6], standing):
                best[key] = row[6]
            if equal != bool(row[7]):
                changed.append((int(equal), row[0]))
        await self.conn.executemany("UPDATE record_entries SET equal = ? WHERE id = ?", changed)

    async def load_athletes(self) -> None:
        file = "athletes.csv"
        for line, row in read_rows(self.data_dir / "reference" / file):
            key = row_key(row)
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


def _better(lower_is_better: bool, a: int, b: int) -> bool:
    return a < b if lower_is_better else a > b


def _race_event(race: str) -> str:
    """The event of a race title: "men's Wanamaker Mile (short track)" -> "mile"."""
    text = re.sub(r"\(.*?\)", "", race).casefold()
    found = re.search(r"(\d[\d,]*\s?m\b|mile)", text)
    return found.group(1) if found else text


async def seed(
    db: Store,
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
            rows = list(
                await conn.execute_fetchall("SELECT value FROM meta WHERE key = ?", (_AS_OF_KEY,))
            )
            as_of = date.fromisoformat(rows[0][0]) if rows else None
        seeder = Seeder(conn, catalogue, data_dir, as_of)
        await seeder.load_races()
        await seeder.load_records("world_records.csv")
        await seeder.load_records("progression.csv")
        await seeder.load_record_lists()
        await seeder.load_athletes()
        await seeder.flush_log()
        if seeder.report.record_entries_added:
            # Only new entries can leave an equal flag wrong (writes keep their own
            # progressions' flags): a start that loads nothing reads no entry.
            await seeder.mark_equals()
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
