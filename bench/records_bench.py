"""`python -m bench records`: startup with the World Athletics record lists on a fresh store.

Generates a records.csv of --record-rows rows (default 13,000, the size of the national,
area, world and U20 lists) beside the shipped data, then times `Trackside.open` on a new
database (migrations, seeding everything, building the indexes) and a second start, which
must load nothing. Target: the first start under 2 s.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import tempfile
import time
from pathlib import Path

from bench.core import Check, Suite, SuiteReport
from bot.config import DEFAULT_DATA_DIR, Settings
from bot.domain.events import Sex, Venue
from bot.domain.marks import Mark
from bot.services.app import Trackside
from bot.services.reference import Reference

COLUMNS = [
    "scope_kind", "scope_code", "event", "venue", "sex", "mark", "wind", "athlete", "nation",
    "birth_year", "birth_date", "date", "city", "country", "status", "source",
]  # fmt: skip
TARGET_S = 2.0


def generate(data_dir: Path, rows: int) -> int:
    """National records for every nation, event, list and sex until `rows` are written:
    marks within the event's limits, one holder per nation and event group, so athletes
    recur across rows as they do in the real lists."""
    reference = Reference.load(data_dir)
    nations = [n.code for n in reference.nations]
    slots = [
        (event, venue, sex)
        for event in reference.catalogue
        for venue in (Venue.OUTDOOR, Venue.INDOOR)
        if venue in event.lists
        for sex in (Sex.MEN, Sex.WOMEN)
        if sex in event.sexes
    ]
    written = 0
    (data_dir / "records").mkdir(exist_ok=True)
    with (data_dir / "records" / "records.csv").open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for index in range(rows):
            nation = nations[index % len(nations)]
            event, venue, sex = slots[(index // len(nations)) % len(slots)]
            factor = 1.05 + (index % 97) / 1000
            value = (
                int(event.limit * factor) if event.lower_is_better else int(event.limit / factor)
            )
            mark = Mark(value, event.unit, False)
            holder = f"Bench {event.group.title()} {sex.value}{index % 7} {nation}"
            writer.writerow(
                [
                    "nation", nation, event.key, venue.value, sex.value, str(mark), "",
                    holder, nation, 1990 + index % 15, "",
                    f"{2000 + index % 25}-06-{1 + index % 28:02d}",
                    "Benchtown", nation, "ratified", "bench: generated",
                ]
            )  # fmt: skip
            written += 1
    return written


async def run(args: argparse.Namespace) -> SuiteReport:
    report = SuiteReport(name="records", title="Startup with the record lists (fresh store)")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        shutil.copytree(DEFAULT_DATA_DIR, data, ignore=shutil.ignore_patterns("records"))
        rows = generate(data, args.record_rows)
        settings = Settings(database_path=Path(tmp) / "bench.db", data_dir=data)
        started = time.perf_counter()
        app = await Trackside.open(settings)
        first = time.perf_counter() - started
        loaded = app.seed_report.rows_loaded if app.seed_report else 0
        await app.close()
        started = time.perf_counter()
        app = await Trackside.open(settings)
        second = time.perf_counter() - started
        again = app.seed_report.rows_loaded if app.seed_report else 0
        await app.close()
    report.checks.append(
        Check(
            f"first start, {rows:,} list rows",
            f"{first:.2f} s",
            f"< {TARGET_S:.0f} s",
            first < TARGET_S,
            f"{loaded:,} rows loaded",
        )
    )
    report.checks.append(Check("second start", f"{second:.2f} s", "loads nothing", again == 0))
    report.figures.update(first_s=first, second_s=second, rows=rows, loaded=loaded)
    return report


def add_arguments(group: argparse._ArgumentGroup) -> None:
    group.add_argument(
        "--record-rows", type=int, default=13_000, help="rows of the generated records.csv"
    )


SUITE = Suite(
    name="records",
    help="startup with ~13,000 record-list rows on a fresh store",
    run=run,
    add_arguments=add_arguments,
    order=30,
)
