"""Rebuild data/records/{records,conflicts,sources}.csv from a snapshot of nimarion/records.

    python tools/refresh_records.py --repo /path/to/records.git [--commit SHA]
    python tools/refresh_records.py --repo /path/to/checked-out/records

github.com/nimarion/records scrapes World Athletics' record lists into CSV files. This script
reads those files (with ``git show`` from a bare or normal git directory, or straight from a
checked-out folder), maps them onto the project's event catalogue and nations table, and
reconciles them the way a statistician would before anything is shipped:

* a mark must parse and pass its event's limit (bot.domain.marks.parse_mark);
* one row per record holder: older, slower rows of the same list and repeats are dropped;
* no national record may be slower than a result on file (data/reference and the other
  World Athletics lists) by an athlete of that nation dated on or before the national list;
* an area record is the best national record of its area's nations;
* a world record is the best area record, and never behind data/reference/world_records.csv;
* a U20 record is set by an athlete under 20 that year, and no area U20 record beats the
  world U20 record.

A conflict is either resolved from tools/record_resolutions.csv (a second source, cited) or
from another World Athletics list, or the row is left out; every such row is written to
data/records/conflicts.csv with the check and why. Nothing here contacts the internet, and
the output depends only on the snapshot and the project's data files.

For each list the newest version at or before the snapshot commit is used; when that version
lacks a whole sex or venue (the scrape of world, area and U20 lists dropped the men's lists
after July 2024), those groups come from the newest older version that has them, and the rows
say which commit they come from.
"""

from __future__ import annotations

import argparse
import csv
import io
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a plain script: python tools/refresh_records.py
    sys.path.insert(0, str(ROOT))

from bot.domain.catalogue import EventCatalogue, UnknownEventError  # noqa: E402
from bot.domain.events import Event, MarkKind, Unit, Venue  # noqa: E402
from bot.domain.marks import (  # noqa: E402
    Mark,
    MarkError,
    WindError,
    compare,
    format_mark,
    format_wind,
    parse_mark,
    parse_wind,
    wind_legal,
)
from bot.domain.nations import NationTable  # noqa: E402
from bot.domain.text import fold  # noqa: E402

RECORD_COLUMNS = [
    "scope_kind",
    "scope_code",
    "event",
    "venue",
    "sex",
    "mark",
    "wind",
    "athlete",
    "nation",
    "birth_year",
    "birth_date",
    "date",
    "city",
    "country",
    "status",
    "source",
]
CONFLICT_COLUMNS = [
    "scope_kind",
    "scope_code",
    "event",
    "venue",
    "sex",
    "mark",
    "athlete",
    "nation",
    "date",
    "check",
    "why",
    "resolution",
    "source",
]
SOURCE_COLUMNS = ["name", "as_of", "source", "notes"]
RESOLUTION_COLUMNS = [
    "check",
    "scope_kind",
    "scope_code",
    "event",
    "venue",
    "sex",
    "scraped_mark",
    "action",
    *RECORD_COLUMNS[5:],
    "note",
]

SCOPE_KINDS = ("world", "area", "nation", "u20")
STATUSES = ("ratified", "ratification_unconfirmed", "pending")
# Statuses of data/reference rows that count as valid results on file.
VALID_REFERENCE_STATUSES = frozenset({"ratified", "ratification_unconfirmed"})
_SEXES = {"Male": "M", "Female": "W", "Mixed": "X"}
_VENUES = {"Outdoor": Venue.OUTDOOR, "Indoor": Venue.INDOOR}
_BASE_GROUPS = frozenset((sex, venue) for sex in ("M", "W") for venue in _VENUES)
_RELAY_GROUP = "relays"
DERIVED = "; newer than the area list"
# From 1977 World Athletics records in the sprints needed fully automatic timing.
AUTOMATIC_TIMING_FROM = "1977-01-01"

# The lists read from the snapshot: (file, scope_kind, scope_code or None = from the row).
LISTS: tuple[tuple[str, str, str | None, str], ...] = (
    ("records/national.csv", "nation", None, "World Athletics national records"),
    ("records/area.csv", "area", None, "World Athletics area records"),
    ("records/world.csv", "world", "", "World Athletics world records"),
    ("records/world-u20.csv", "u20", "world", "World Athletics world U20 records"),
    ("records/european-u20/men.csv", "u20", "EUR", "European Athletics European U20 records"),
    ("records/european-u20/women.csv", "u20", "EUR", "European Athletics European U20 records"),
)
MAPPING_FILE = "mapping/disciplines.csv"
AREAS_FILE = "mapping/areas.csv"


# --------------------------------------------------------------------------- reading


class Snapshot:
    """Files of a nimarion/records snapshot: a git directory at a commit, or a folder."""

    def __init__(self, repo: Path, commit: str | None) -> None:
        self.repo = repo
        # A git directory (bare, or a clone's work tree) is read at a commit; anything else
        # is a plain copy of the repository's files.
        self.is_folder = not ((repo / "HEAD").is_file() or (repo / ".git").exists())
        if self.is_folder:
            if commit:
                raise SystemExit("--commit needs a git directory, not a checked-out folder")
            self.commit = ""
        else:
            self.commit = self._git("rev-parse", "--verify", f"{commit or 'HEAD'}^{{commit}}")

    def _git(self, *args: str) -> str:
        done = subprocess.run(
            ["git", f"--git-dir={self._git_dir()}", *args],
            check=True,
            capture_output=True,
            text=True,
            encoding="utf-8",
        )
        return done.stdout.strip() if args[0] != "show" else done.stdout

    def _git_dir(self) -> Path:
        return self.repo / ".git" if (self.repo / ".git").exists() else self.repo

    def versions(self, path: str) -> list[tuple[str, str]]:
        """(short sha, commit date) of each version of `path`, newest first."""
        if self.is_folder:
            return [("", "")]
        log = self._git("log", "--format=%h %cs", self.commit, "--", path)
        return [tuple(line.split(" ", 1)) for line in log.splitlines() if line]  # type: ignore[misc]

    def read(self, path: str, sha: str = "") -> str:
        if self.is_folder:
            return (self.repo / path).read_text(encoding="utf-8")
        return self._git("show", f"{sha or self.commit}:{path}")

    def label(self, sha: str, day: str) -> str:
        return f"@{sha} ({day})" if sha else "(checked-out folder)"


def _semicolon_rows(text: str) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";")
    return [{(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in reader]


@dataclass(frozen=True)
class RawRow:
    file: str
    scope_kind: str
    scope_code: str | None
    sha: str
    day: str
    cells: dict[str, str]


def read_list(
    snapshot: Snapshot, path: str, scope_kind: str, scope_code: str | None
) -> tuple[list[RawRow], list[tuple[str, str, str]]]:
    """The rows of one list, each (sex, venue) group from the newest version that has it."""
    rows: list[RawRow] = []
    used: list[tuple[str, str, str]] = []  # (sha, day, what was taken)
    covered: set[tuple[str, str]] = set()
    for sha, day in snapshot.versions(path):
        try:
            cells_list = _semicolon_rows(snapshot.read(path, sha))
        except (subprocess.CalledProcessError, FileNotFoundError):
            continue
        groups = {(_SEXES.get(c.get("Sex", ""), "?"), c.get("Environment", "")) for c in cells_list}
        # A version counts for a group only if its rows are well formed (old versions of the
        # scrape shifted columns: a birth year in the Sex column).
        new = {g for g in groups if g[0] != "?" and g[1] in _VENUES and g not in covered}
        # Mixed relays come with the men's lists in these files.
        if ("X", "Outdoor") in new and not ({("M", "Outdoor")} & (new | covered)):
            new.discard(("X", "Outdoor"))
        if not new:
            continue
        for cells in cells_list:
            group = (_SEXES.get(cells.get("Sex", ""), "?"), cells.get("Environment", ""))
            if group in new:
                rows.append(RawRow(path, scope_kind, scope_code, sha, day, cells))
        covered |= new
        used.append((sha, day, ", ".join(f"{s} {v.lower()}" for s, v in sorted(new))))
        if covered >= _BASE_GROUPS:
            break
    return rows, used


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Record:
    scope_kind: str
    scope_code: str
    event: str  # catalogue key
    venue: str
    sex: str
    mark: str
    wind: str
    athlete: str
    nation: str
    birth_year: str
    birth_date: str
    date: str
    city: str
    country: str
    status: str
    source: str

    @property
    def group(self) -> tuple[str, str, str, str, str]:
        return (self.scope_kind, self.scope_code, self.event, self.venue, self.sex)

    def row(self) -> dict[str, str]:
        return {column: getattr(self, column) for column in RECORD_COLUMNS}


@dataclass
class Conflicts:
    rows: list[dict[str, str]]

    def add(self, record: Record, check: str, why: str, resolution: str, source: str) -> None:
        self.rows.append(
            {
                "scope_kind": record.scope_kind,
                "scope_code": record.scope_code,
                "event": record.event,
                "venue": record.venue,
                "sex": record.sex,
                "mark": record.mark,
                "athlete": record.athlete,
                "nation": record.nation,
                "date": record.date,
                "check": check,
                "why": why,
                "resolution": resolution,
                "source": source,
            }
        )


class Context:
    """The project's own tables the checks need."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.catalogue = EventCatalogue.from_csv_text(
            (data_dir / "events.csv").read_text(encoding="utf-8")
        )
        self.nations = NationTable.from_csv_text(
            (data_dir / "nations.csv").read_text(encoding="utf-8")
        )

    def event(self, key: str) -> Event:
        return self.catalogue.get(key)

    def mark(self, record: Record) -> Mark:
        return parse_mark(record.mark, self.event(record.event))

    def better(self, a: Record, b: Record) -> int:
        """>0 when `a` is the better mark, 0 when equal."""
        return compare(self.event(a.event), self.mark(a), self.mark(b))


def _holder_key(record: Record) -> str:
    return fold(record.athlete)


def discipline_names(text: str) -> dict[str, str]:
    """The snapshot's discipline code -> its World Athletics records name ("1K5" -> ...)."""
    names: dict[str, str] = {}
    for row in csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))):
        code = (row.get("taf") or "").strip()
        # The records name where there is one, else the ranking slug ("300-metres").
        name = (row.get("worldathletics_records") or "").strip() or (
            (row.get("worldathletics_ranking") or "").replace("-", " ").strip()
        )
        if code and name and code not in names:
            names[code] = name
    return names


def area_ids(text: str, nations: NationTable) -> dict[str, str]:
    """The snapshot's numeric area ids -> area codes, by the project's nation -> area table."""
    votes: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))):
        area = nations.area_of((row.get("Country") or "").strip())
        if area:
            votes[(row.get("AreaId") or "").strip()][area] += 1
    return {
        area_id: max(sorted(counts), key=lambda a: counts[a]) for area_id, counts in votes.items()
    }


@dataclass
class Skips:
    counts: dict[tuple[str, str, str, str], int]

    def add(self, file: str, what: str, venue: str, sex: str) -> None:
        key = (file, what, venue, sex)
        self.counts[key] = self.counts.get(key, 0) + 1


def to_record(
    raw: RawRow,
    ctx: Context,
    names: dict[str, str],
    areas: dict[str, str],
    skips: Skips,
    conflicts: Conflicts,
) -> Record | None:
    c = raw.cells
    code = c.get("Discipline", "")
    sex = _SEXES.get(c.get("Sex", ""), "")
    environment = c.get("Environment", "")
    source = (
        f"{LIST_TITLES[raw.file]} via github.com/nimarion/records {raw.file} @{raw.sha} ({raw.day})"
        if raw.sha
        else f"{LIST_TITLES[raw.file]} via github.com/nimarion/records {raw.file}"
    )
    name = names.get(code)
    if not name:
        skips.add(raw.file, f"{code} (no discipline mapping)", environment, sex)
        return None
    try:
        event = ctx.catalogue.resolve(f"{name} mixed" if sex == "X" else name)
    except UnknownEventError:
        skips.add(raw.file, f"{code} {name} (not in catalogue)", environment, sex)
        return None
    venue = _VENUES.get(environment)
    list_venue = event.list_for(venue) if venue else None
    if list_venue is None or sex not in {s.value for s in event.sexes}:
        skips.add(raw.file, f"{event.key} (no {environment.lower()} {sex} list)", environment, sex)
        return None

    if raw.scope_kind == "nation":
        scope_code = c.get("Type", "")
    elif raw.scope_kind == "area":
        scope_code = areas.get(c.get("Type", ""), "")
    else:
        scope_code = raw.scope_code or ""
    nation = c.get("Nation", "")
    if event.group == _RELAY_GROUP:
        known = ctx.nations.get(nation) if nation else None
        athlete = (
            known.name
            if known
            else " ".join(p for p in (c.get("Firstname", ""), c.get("Lastname", "")) if p)
        )
    else:
        athlete = " ".join(p for p in (c.get("Firstname", ""), c.get("Lastname", "")) if p)
    wind_text = c.get("Wind", "")
    record = Record(
        scope_kind=raw.scope_kind,
        scope_code=scope_code,
        event=event.key,
        venue=list_venue.value,
        sex=sex,
        mark=c.get("Result", ""),
        wind="",
        athlete=athlete,
        nation=nation,
        birth_year=c.get("YOB", ""),
        birth_date="",
        date=c.get("Date", ""),
        city=c.get("Venue", ""),
        country=c.get("Venue Country", ""),
        status="ratified",
        source=source,
    )
    problems: list[tuple[str, str]] = []
    if raw.scope_kind == "nation" and ctx.nations.get(scope_code) is None:
        problems.append(("nation_code", f"nation code {scope_code!r} is not in data/nations.csv"))
    if raw.scope_kind == "area" and not scope_code:
        problems.append(("area_code", f"area id {c.get('Type', '')!r} maps to no area"))
    try:
        record = replace(record, mark=official_mark(record.mark, event, record.date))
    except MarkError as error:
        problems.append(("limit", str(error)))
    try:
        wind = parse_wind(wind_text)
        record = replace(record, wind=format_wind(wind))
        if event.wind_affected and list_venue is Venue.OUTDOOR and not wind_legal(wind):
            problems.append(("wind", f"wind {format_wind(wind)} is over +2.0 m/s"))
    except WindError as error:
        problems.append(("wind", str(error)))
    try:
        date.fromisoformat(record.date)
    except ValueError:
        problems.append(("date", f"date {record.date!r} is not YYYY-MM-DD"))
    if len(record.city) == 2 and record.city.isalpha() and record.city.isupper():
        # The scrape keeps only the state of "Indianapolis, IN": no city rather than a wrong one.
        conflicts.add(
            record,
            "city",
            f"city {record.city!r} is a state code, not a city",
            "kept: without a city",
            source,
        )
        record = replace(record, city="")
    birth = record.birth_year
    if birth and birth.isdigit() and 1880 <= int(birth) <= 2030 and record.date[:4].isdigit():
        if int(birth) > int(record.date[:4]) - 10:
            problems.append(
                ("birth_year", f"born {birth}, too young for a record on {record.date}")
            )
    elif birth:
        conflicts.add(
            record,
            "birth_year",
            f"birth year {birth!r} is impossible",
            "kept: without a birth year",
            source,
        )
        record = replace(record, birth_year="")
    if problems:
        for check, why in problems:
            conflicts.add(record, check, why, "left out", source)
        return None
    return record


LIST_TITLES = {path: title for path, _, _, title in LISTS}


def official_mark(text: str, event: Event, day: str = "") -> str:
    """The mark in official notation: '6.6' -> '6.60', '7.1' (2004) -> '7.10'.

    The scrape reads marks without a ':' as numbers, which drops a trailing zero: field marks
    and times under a minute lose it (no 60 m time in the national list ends in 0). Such a
    time from the automatic-timing era (1977 on) is written back with two decimals. A time
    with a ':' is kept as the list writes it, so one decimal there is a hand time ('5:50.5'),
    as is a one-decimal sprint time from before 1977.
    """
    mark = parse_mark(text, event)
    if event.kind is MarkKind.TIME and event.unit is Unit.CENTISECONDS:
        _, point, fraction = text.rpartition(":")[2].partition(".")
        hand_era = ":" in text or not day or day < AUTOMATIC_TIMING_FROM
        if point and len(fraction) == 1 and hand_era:
            return text
    return format_mark(mark)


# --------------------------------------------------------------------------- checks


def one_per_holder(
    records: Iterable[Record], ctx: Context, conflicts: Conflicts
) -> dict[tuple[str, ...], list[Record]]:
    """Per list: only the best mark, once per holder (the earliest date it was set)."""
    groups: dict[tuple[str, ...], list[Record]] = defaultdict(list)
    for record in records:
        groups[record.group].append(record)
    kept: dict[tuple[str, ...], list[Record]] = {}
    for group, rows in groups.items():
        best = rows[0]
        for row in rows[1:]:
            if ctx.better(row, best) > 0:
                best = row
        holders: dict[str, Record] = {}
        for row in sorted(rows, key=lambda r: (r.date, r.athlete, r.source)):
            if ctx.better(row, best) < 0:
                conflicts.add(
                    row,
                    "superseded",
                    f"the same list has a better mark: {best.mark} {best.athlete} ({best.date})",
                    "left out",
                    row.source,
                )
            elif _holder_key(row) in holders:
                first = holders[_holder_key(row)]
                conflicts.add(
                    row,
                    "duplicate",
                    f"{row.athlete} already holds this record with {first.mark} ({first.date})",
                    "left out: kept once per holder (earliest date)",
                    row.source,
                )
            else:
                holders[_holder_key(row)] = row
        kept[group] = list(holders.values())
    return kept


@dataclass(frozen=True)
class Result:
    """A valid result on file: what no national record of its nation may be slower than."""

    event: str
    venue: str
    sex: str
    mark: str
    athlete: str
    nation: str
    date: str
    wind: str
    city: str
    country: str
    status: str
    source: str


def reference_results(ctx: Context, as_of: str) -> list[Result]:
    """Results in data/reference (races, world records, progressions) dated <= `as_of`."""
    reference = ctx.data_dir / "reference"
    results: list[Result] = []

    def add(event_text: str, venue: Venue, sex: str, row: dict[str, str], source: str) -> None:
        day = row.get("date", "")
        if len(day) != 10 or day > as_of:
            return
        try:
            event = ctx.catalogue.resolve(event_text)
            parse_mark(row["mark"], event)
        except (UnknownEventError, MarkError):
            return
        list_venue = event.list_for(venue)
        if list_venue is None:
            return
        city, _, country = row.get("location", "").rpartition(", ")
        results.append(
            Result(
                event.key,
                list_venue.value,
                sex,
                row["mark"],
                row["athlete"],
                row.get("nationality", ""),
                day,
                row.get("wind", ""),
                city,
                country,
                row.get("status", "ratified") or "ratified",
                source,
            )
        )

    for name in ("world_records.csv", "progression.csv"):
        with (reference / name).open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                if row.get("status") in VALID_REFERENCE_STATUSES:
                    source = f"data/reference/{name} ({row.get('source', '')})"
                    add(row["event"], Venue(row["venue"]), row["sex"], row, source)
    with (reference / "races.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            race = row.get("race", "")
            if not row.get("mark") or not row.get("athlete"):
                continue
            event_text, sex = _race_event(race)
            if not event_text:
                continue
            indoor = "short track" in race or "(indoor)" in row.get("venue", "")
            city = row.get("venue", "")
            result_row = {**row, "location": city, "status": "ratified"}
            add(
                event_text,
                Venue.INDOOR if indoor else Venue.OUTDOOR,
                sex,
                result_row,
                f"data/reference/races.csv {race} ({row.get('source', '')})",
            )
    return results


def _race_event(race: str) -> tuple[str, str]:
    """'Olympic Games Paris 2024 - men's 1500m final' -> ('1500m', 'M')."""
    _, _, what = race.rpartition(" - ")
    words = what.replace("'s", "").split()
    if len(words) < 2 or words[0] not in ("men", "women"):
        return "", ""
    sex = "M" if words[0] == "men" else "W"
    # "Wanamaker Mile", "1500m final", "mile (short track)"
    for word in words[1:]:
        if word.lower() in ("mile", "1500m", "800m", "3000m", "5000m"):
            return word, sex
    return "", ""


def load_resolutions(path: Path) -> dict[tuple[str, ...], dict[str, str]]:
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != RESOLUTION_COLUMNS:
            raise SystemExit(f"{path}: header must be {','.join(RESOLUTION_COLUMNS)}")
        return {
            (
                r["check"],
                r["scope_kind"],
                r["scope_code"],
                r["event"],
                r["venue"],
                r["sex"],
                r["scraped_mark"],
            ): r
            for r in reader
        }


def _from_result(result: Result, record: Record, source: str) -> Record:
    return replace(
        record,
        mark=result.mark,
        wind=result.wind,
        athlete=result.athlete,
        nation=result.nation,
        birth_year="",
        birth_date="",
        date=result.date,
        city=result.city,
        country=result.country,
        # A ratified world record is a ratified performance; any other result stood behind a
        # different list or a race report, so this list's ratification is not confirmed.
        status="ratified"
        if result.status == "ratified" and record.scope_kind == "world"
        else "ratification_unconfirmed",
        source=source,
    )


def _from_resolution(resolution: dict[str, str], record: Record) -> Record:
    fields = {column: resolution[column] for column in RECORD_COLUMNS[5:]}
    return replace(record, **fields)


class Reconciler:
    def __init__(
        self,
        ctx: Context,
        conflicts: Conflicts,
        resolutions: dict[tuple[str, ...], dict[str, str]],
        national_as_of: str,
    ) -> None:
        self.ctx = ctx
        self.conflicts = conflicts
        self.resolutions = resolutions
        self.national_as_of = national_as_of
        self.used_resolutions: set[tuple[str, ...]] = set()

    def resolution(self, check: str, record: Record) -> dict[str, str] | None:
        key = (check, *record.group, record.mark)
        found = self.resolutions.get(key)
        if found is not None:
            self.used_resolutions.add(key)
        return found

    def best_of(self, rows: Iterable[Record]) -> list[Record]:
        rows = list(rows)
        if not rows:
            return []
        best = rows[0]
        for row in rows[1:]:
            if self.ctx.better(row, best) > 0:
                best = row
        return [row for row in rows if self.ctx.better(row, best) == 0]

    # -- nation: no record slower than a valid result on file by an athlete of that nation

    def check_nations(
        self, lists: dict[tuple[str, ...], list[Record]], results: list[Result]
    ) -> None:
        """No national record slower than a valid result on file by an athlete of that nation.

        A slower record is replaced by that result when the result is backed by a World
        Athletics list or by data/reference (rows there have two independent sources), or by
        a resolution row; a nation with a national list but no row for an event gets one when
        a World Athletics list holds a record by its athlete.
        """
        by_key: dict[tuple[str, str, str, str], list[Result]] = defaultdict(list)
        for result in results:
            by_key[(result.nation, result.event, result.venue, result.sex)].append(result)
        listed = {g[1] for g in lists if g[0] == "nation"}
        keys = {("nation", *key) for key in by_key if key[0] in listed}
        for group in sorted(keys | {g for g in lists if g[0] == "nation"}):
            _, nation, event_key, venue, sex = group
            candidates = by_key.get((nation, event_key, venue, sex), [])
            if not candidates:
                continue
            event = self.ctx.event(event_key)
            best = candidates[0]
            for result in candidates[1:]:
                order = compare(event, parse_mark(result.mark, event), parse_mark(best.mark, event))
                if order > 0 or (order == 0 and result.date < best.date):
                    best = result
            holders = lists.get(group, [])
            blank = Record(*group, *([""] * 11))
            if not holders:
                if event.group == _RELAY_GROUP or not best.source.startswith("World Athletics"):
                    continue
                added = _from_result(best, blank, best.source)
                self.conflicts.add(
                    added,
                    "nation_missing",
                    f"the {nation} national list has no {event_key} {venue} {sex} record, "
                    f"while {best.source.split(' via ')[0]} has one by a {nation} athlete",
                    "added from the other World Athletics list",
                    best.source,
                )
                lists[group] = [added]
                continue
            if compare(event, parse_mark(best.mark, event), self.ctx.mark(holders[0])) <= 0:
                continue
            why = (
                f"slower than {best.mark} by {best.athlete} ({best.nation}, {best.date}) on file "
                f"in {best.source.split(' (')[0]}"
            )
            resolution = self.resolution("nation_vs_result", holders[0])
            if resolution is not None and resolution["action"] == "keep":
                for holder in holders:
                    self.conflicts.add(
                        holder,
                        "nation_vs_result",
                        why,
                        f"kept: {resolution['note']}",
                        resolution["source"],
                    )
                continue
            if resolution is not None and resolution["action"] == "replace":
                fixed: Record | None = _from_resolution(resolution, holders[0])
            elif best.source.startswith(("World Athletics", "data/reference")):
                fixed = _from_result(best, holders[0], best.source)
            else:
                fixed = None
            for holder in holders:
                if fixed is None:
                    self.conflicts.add(
                        holder,
                        "nation_vs_result",
                        why,
                        "left out: no second source for the national record",
                        holder.source,
                    )
                else:
                    note = f": {resolution['note']}" if resolution and resolution["note"] else ""
                    self.conflicts.add(
                        holder,
                        "nation_vs_result",
                        why,
                        f"replaced by {fixed.mark} {fixed.athlete} ({fixed.date}){note}",
                        fixed.source,
                    )
            if fixed is None:
                del lists[group]
            else:
                lists[group] = [fixed]

    # -- area: the best national record of its nations

    def check_areas(self, lists: dict[tuple[str, ...], list[Record]]) -> None:
        national_by_area: dict[tuple[str, str, str, str], list[Record]] = defaultdict(list)
        for group, rows in lists.items():
            if group[0] == "nation":
                area = self.ctx.nations.area_of(group[1])
                if area:
                    national_by_area[(area, *group[2:])].extend(rows)
        for group in sorted(g for g in lists if g[0] == "area"):
            _, area, event_key, venue, sex = group
            area_rows = lists[group]
            nationals = self.best_of(national_by_area.get((area, event_key, venue, sex), []))
            if not nationals:
                for row in area_rows:
                    self.conflicts.add(
                        row,
                        "area_not_in_national",
                        f"no national record of an {area} nation in this event",
                        "kept: World Athletics area list",
                        row.source,
                    )
                continue
            order = self.ctx.better(nationals[0], area_rows[0])
            if order > 0:
                best = nationals[0]
                resolution = self.resolution("area_vs_national", area_rows[0])
                confirmed = resolution is not None and resolution["action"] == "confirm"
                world = lists.get(("world", "", event_key, venue, sex), [])
                new_rows = []
                for n in nationals:
                    status, source = "ratification_unconfirmed", f"{n.source}{DERIVED}"
                    ratified = [
                        w
                        for w in world
                        if w.status == "ratified"
                        and w.mark == n.mark
                        and _holder_key(w) == _holder_key(n)
                    ]
                    if ratified:
                        # A ratified world record is a record of its area too.
                        status = "ratified"
                        source += f"; the ratified world record ({ratified[0].source})"
                    if confirmed:
                        status = resolution["status"] or status
                        source += f"; {resolution['source']}"
                    new_rows.append(
                        replace(n, scope_kind="area", scope_code=area, status=status, source=source)
                    )
                how = (
                    "it is the ratified world record"
                    if new_rows[0].status == "ratified"
                    else "area ratification not seen (ratification_unconfirmed)"
                )
                if confirmed:
                    how = f"{resolution['note']}; {how}"
                for row in area_rows:
                    self.conflicts.add(
                        row,
                        "area_vs_national",
                        f"{best.scope_code} national record {best.mark} by {best.athlete} "
                        f"({best.date}) is better than the area list's record",
                        f"replaced by {best.mark} {best.athlete} ({best.date}) from the newer "
                        f"national list; {how}",
                        new_rows[0].source,
                    )
                lists[group] = new_rows
            elif order < 0:
                for row in area_rows:
                    self.conflicts.add(
                        row,
                        "area_not_in_national",
                        f"better than every {area} national record on the national list "
                        f"(best {nationals[0].mark} {nationals[0].athlete}, "
                        f"{nationals[0].scope_code}); the holder's nation ({row.nation}) list "
                        "lacks it",
                        "kept: World Athletics area list",
                        row.source,
                    )

    # -- world: the best area record, and never behind the project's world records file

    def check_world_reference(
        self, lists: dict[tuple[str, ...], list[Record]], reference: list[Result]
    ) -> None:
        ref_by: dict[tuple[str, str, str], list[Result]] = defaultdict(list)
        for result in reference:
            if result.source.startswith("data/reference/world_records.csv"):
                ref_by[(result.event, result.venue, result.sex)].append(result)
        for (event_key, venue, sex), results in sorted(ref_by.items()):
            group = ("world", "", event_key, venue, sex)
            event = self.ctx.event(event_key)
            best = max(
                results,
                key=lambda r: (
                    -parse_mark(r.mark, event).value
                    if event.lower_is_better
                    else parse_mark(r.mark, event).value,
                    # equal marks: the earliest holder first
                    [-ord(ch) for ch in r.date],
                ),
            )
            rows = lists.get(group, [])
            fresh = _from_result(
                best,
                Record("world", "", event_key, venue, sex, *([""] * 11)),
                best.source,
            )
            if not rows:
                continue  # the WA world list has no such record; world_records.csv ships it
            order = self.ctx.better(fresh, rows[0])
            if order > 0:
                for row in rows:
                    self.conflicts.add(
                        row,
                        "world_vs_reference",
                        f"data/reference/world_records.csv has {best.mark} by {best.athlete} "
                        f"({best.date})",
                        f"replaced by {best.mark} {best.athlete} ({best.date})",
                        best.source,
                    )
                lists[group] = [fresh]

    def check_world_vs_area(self, lists: dict[tuple[str, ...], list[Record]]) -> None:
        for group in sorted(g for g in lists if g[0] == "world"):
            world_rows = lists[group]
            for area_group in sorted(g for g in lists if g[0] == "area" and g[2:] == group[2:]):
                area_rows = lists[area_group]
                if self.ctx.better(area_rows[0], world_rows[0]) <= 0:
                    continue
                world = f"{world_rows[0].mark} {world_rows[0].athlete} ({world_rows[0].date})"
                if DERIVED in area_rows[0].source:
                    # Only the national list has it: neither the area nor the world list took
                    # it as a record (e.g. marks World Athletics never ratified). No area
                    # record is shipped rather than one that contradicts the world list.
                    for row in lists.pop(area_group):
                        self.conflicts.add(
                            row,
                            "world_vs_area",
                            f"national record better than the world record {world}; "
                            "neither the area nor the world list has it",
                            "left out: no area record shipped for this event",
                            row.source,
                        )
                else:
                    for row in area_rows:
                        self.conflicts.add(
                            row,
                            "world_vs_area",
                            f"the area list's record is better than the world list's {world}",
                            "kept: both World Athletics lists say so (the world list does not "
                            "count this mark as a world record)",
                            row.source,
                        )

    # -- U20: under 20 that year, and the world U20 record is the best

    def check_u20(self, lists: dict[tuple[str, ...], list[Record]]) -> None:
        for group in sorted(g for g in lists if g[0] == "u20"):
            kept = []
            for row in lists[group]:
                if row.birth_year and int(row.date[:4]) - int(row.birth_year) > 19:
                    self.conflicts.add(
                        row,
                        "u20_age",
                        f"born {row.birth_year}: not under 20 in {row.date[:4]}",
                        "left out",
                        row.source,
                    )
                else:
                    kept.append(row)
            if kept:
                lists[group] = kept
            else:
                del lists[group]
        for group in sorted(g for g in lists if g[0] == "u20" and g[1] != "world"):
            world = lists.get(("u20", "world", *group[2:]))
            senior = lists.get(("world", "", *group[2:]))
            for above, label in ((world, "world U20"), (senior, "senior world")):
                if above and group in lists and self.ctx.better(lists[group][0], above[0]) > 0:
                    for row in lists[group]:
                        self.conflicts.add(
                            row,
                            f"u20_vs_{label.replace(' ', '_')}",
                            f"better than the {label} record {above[0].mark} {above[0].athlete}",
                            "left out",
                            row.source,
                        )
                    del lists[group]


# --------------------------------------------------------------------------- main


def news_reports_as_of(data_dir: Path) -> str:
    """The newest record date among data/reference/world_records.csv rows whose source is
    news reports rather than the World Athletics list scrape (github.com/nimarion/records)."""
    with (data_dir / "reference" / "world_records.csv").open(encoding="utf-8", newline="") as f:
        days = [
            row["date"]
            for row in csv.DictReader(f)
            if row.get("date") and "nimarion/records" not in row.get("source", "")
        ]
    return max(days) if days else ""


def build(repo: Path, commit: str | None, data_dir: Path, resolutions_path: Path) -> dict:
    ctx = Context(data_dir)
    snapshot = Snapshot(repo, commit)
    mapping_versions = snapshot.versions(MAPPING_FILE)
    names = discipline_names(snapshot.read(MAPPING_FILE, mapping_versions[0][0]))
    area_versions = snapshot.versions(AREAS_FILE)
    areas = area_ids(snapshot.read(AREAS_FILE, area_versions[0][0]), ctx.nations)

    conflicts = Conflicts([])
    skips = Skips({})
    records: list[Record] = []
    sources: list[dict[str, str]] = []
    for path, scope_kind, scope_code, title in LISTS:
        raws, used = read_list(snapshot, path, scope_kind, scope_code)
        list_records = [
            r
            for r in (to_record(raw, ctx, names, areas, skips, conflicts) for raw in raws)
            if r is not None
        ]
        records.extend(list_records)
        as_of = max((r.date for r in list_records), default="")
        versions = "; ".join(f"{snapshot.label(sha, day)}: {what}" for sha, day, what in used)
        sources.append(
            {
                "name": " ".join(
                    part for part in (scope_kind, "*" if scope_code is None else scope_code) if part
                )
                + f" ({path})",
                "as_of": as_of,
                "source": f"{title} via github.com/nimarion/records {path}",
                "notes": f"newest record date {as_of}; snapshot {snapshot.commit[:7] or 'folder'}"
                f"; versions used: {versions}; "
                f"{len(raws)} rows read, {len(list_records)} mapped",
            }
        )
    national_as_of = next(s["as_of"] for s in sources if "national.csv" in s["name"])

    lists = one_per_holder(records, ctx, conflicts)
    reconciler = Reconciler(ctx, conflicts, load_resolutions(resolutions_path), national_as_of)
    reference = reference_results(ctx, national_as_of)
    reconciler.check_world_reference(lists, reference)
    wa_results = [
        Result(
            r.event,
            r.venue,
            r.sex,
            r.mark,
            r.athlete,
            r.nation,
            r.date,
            r.wind,
            r.city,
            r.country,
            r.status,
            r.source,
        )
        for group, rows in lists.items()
        if group[0] in ("world", "area") or group[:2] == ("u20", "world")
        for r in rows
        if r.date <= national_as_of and ctx.event(group[2]).group != _RELAY_GROUP
    ]
    reconciler.check_nations(lists, reference + wa_results)
    reconciler.check_areas(lists)
    reconciler.check_world_vs_area(lists)
    reconciler.check_u20(lists)
    unused = set(reconciler.resolutions) - reconciler.used_resolutions
    order = {kind: i for i, kind in enumerate(SCOPE_KINDS)}
    event_order = {event.key: i for i, event in enumerate(ctx.catalogue)}
    shipped = sorted(
        (r for rows in lists.values() for r in rows),
        key=lambda r: (
            order[r.scope_kind],
            r.scope_code,
            event_order[r.event],
            r.venue,
            r.sex,
            r.date,
            r.athlete,
        ),
    )
    conflict_rows = sorted(
        conflicts.rows,
        key=lambda c: (
            order[c["scope_kind"]],
            c["scope_code"],
            event_order[c["event"]],
            c["venue"],
            c["sex"],
            c["check"],
            c["date"],
            c["athlete"],
            c["mark"],
        ),
    )
    sources.append(
        {
            "name": "news reports (data/reference/world_records.csv)",
            "as_of": news_reports_as_of(data_dir),
            "source": "data/reference/world_records.csv rows not from a World Athletics list",
            "notes": "newest record date among them; each row names its reports; they replace "
            "stale world-list rows",
        }
    )
    return {
        "records": shipped,
        "conflicts": conflict_rows,
        "sources": sources,
        "skips": skips.counts,
        "unused_resolutions": sorted(unused),
    }


def write_csv(path: Path, columns: list[str], rows: Iterable[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(buffer.getvalue(), encoding="utf-8")
    tmp.replace(path)  # all or nothing: a failed run never leaves half a file


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, required=True, help="nimarion/records git dir/folder")
    parser.add_argument("--commit", help="snapshot commit (default HEAD)")
    parser.add_argument("--data", type=Path, default=ROOT / "data", help="project data dir")
    parser.add_argument("--out", type=Path, help="output dir (default <data>/records)")
    parser.add_argument(
        "--resolutions",
        type=Path,
        default=Path(__file__).with_name("record_resolutions.csv"),
        help="second-source resolutions of conflicts",
    )
    args = parser.parse_args(argv)
    if not args.repo.is_dir():
        parser.error(f"--repo {args.repo}: no such directory")
    try:
        built = build(args.repo, args.commit, args.data, args.resolutions)
    except subprocess.CalledProcessError as error:
        parser.error(f"git failed in {args.repo}: {(error.stderr or '').strip() or error}")
    except (OSError, UnicodeDecodeError) as error:
        # Nothing is written unless the whole snapshot was read.
        parser.error(f"cannot read the snapshot: {error}")
    out = args.out or args.data / "records"
    write_csv(out / "records.csv", RECORD_COLUMNS, (r.row() for r in built["records"]))
    write_csv(out / "conflicts.csv", CONFLICT_COLUMNS, built["conflicts"])
    write_csv(out / "sources.csv", SOURCE_COLUMNS, built["sources"])

    counts: dict[tuple[str, str], int] = defaultdict(int)
    for r in built["records"]:
        counts[(r.scope_kind, r.venue)] += 1
    print(f"records: {len(built['records'])}")
    for (kind, venue), n in sorted(counts.items()):
        print(f"  {kind:7} {venue:8} {n}")
    checks: dict[tuple[str, str], int] = defaultdict(int)
    for c in built["conflicts"]:
        checks[(c["check"], c["resolution"].split(":")[0].split(" by ")[0])] += 1
    print(f"conflicts: {len(built['conflicts'])}")
    for (check, resolution), n in sorted(checks.items()):
        print(f"  {check:22} {resolution:40} {n}")
    print("skipped (not in the catalogue or no such list):")
    for (file, what, venue, sex), n in sorted(built["skips"].items()):
        print(f"  {file:32} {what:48} {venue:8} {sex} {n}")
    for key in built["unused_resolutions"]:
        print(f"warning: resolution not used: {key}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
