"""The column-wise import checker (`row_check.RowChecker`) against `drafts.build` row by
row (`tests.store.import_oracle`, the path every single /result add takes): on files mixing good
rows with bad ones — hostile text (mentions, markdown, zero-width, RTL, formulas),
malformed marks, unknown names, bad dates, winds, hand times, splits, typos, the same
result twice — both give the same rows, staged the same, and the same errors (row,
column, words)."""

from __future__ import annotations

import csv
import io
import random
from typing import cast

import pytest

from bot.services.app import Trackside
from bot.services.writes import IMPORT_COLUMNS
from bot.services.writes.csv_import import (
    STAGED_LINE,
    Races,
    import_rows,
    next_rows,
    read_import_csv,
    same_as,
)
from bot.services.writes.row_check import CheckingApp, RowChecker
from tests.store.import_oracle import check_import_rows, staged_row

POOLS = {
    "athlete": ["Josh Kerr", "Narve Gilje Nordås", "Jakob Ingebrigtsen", "Nobody Known",
                "New Person", "@everyone", "**Bold** Name", "Ze\u200bro Width",
                "\u202eRTL Name", "<@123456>", "", "'=HYPERLINK(\"x\")", " josh kerr ",
                "A" * 150, "Kerr", "Faith Kipyegon", "Mondo Duplantis", "Tester\u00a0Two"],
    "nation": ["", "GBR", "NOR", "USA", "XXX", "Norway", "gbr", "KEN", "SWE"],
    "sex": ["", "men", "women", "M", "x", "robot", "W"],
    "event": ["1500m", "mile", "100m", "high jump", "pole vault", "4x100m", "marathon", "",
              "bogus event", "200m", "800m", "60m"],
    "mark": ["3:29.38", "3:29.68", "9.9", "10.0h", "9.58", "3:20.00", "2.45", "abc", "",
             "DNF", "dq", "1:2:3", "-5", "10.5", "3:45.1h", "12.34", "6.10", "1:43.00",
             "2:05:00", "3:50.00", "annulled", "7.40", "38.00"],
    "venue": ["outdoor", "indoor", "", "moon", "short track", "Outdoors"],
    "date": ["2023-08-23", "2024-01-01", "2099-01-01", "1800-01-01", "02/03/2020",
             "13 Feb 2025", "", "not a date", "2023-02-30", "2015-06-01"],
    "competition": ["World Champs", "", "**Meet** <@1>", "Meet \u200b 2024", "x" * 150,
                    "Bislett Games 2023", "'+cmd"],
    "city": ["", "Budapest", "@here", "Oslo"],
    "country": ["", "HUN", "ZZZ", "Norway"],
    "round": ["", "final", "heat 1", "FINAL", "r" * 40],
    "place": ["", "1", "3.", "0", "abc", "1001"],
    "wind": ["", "+1.2", "-0.5", "abc", "+25.0", "1.9", "+2.1"],
    "splits": ["", "800m=1:50.00", "1000m=2:20.49, 800m=1:52.00", "5000m=12:00.00", "junk",
               "800m=9:99.99", "800m=1:50.00; 800m=1:51.00"],
    "source": ["", "worldathletics.org", "`code` [link](http://x)"],
}  # fmt: skip
GOOD = [
    "Josh Kerr,GBR,men,1500m,3:29.38,outdoor,2023-08-23,World Champs,Budapest,HUN,final,1,,,wa",
    "Narve Gilje Nordås,,,1500m,3:29.68,outdoor,2023-08-23,World Champs,,,final,3,,,wa",
    "Jakob Ingebrigtsen,NOR,men,mile,3:43.73,outdoor,2023-07-21,Monaco,,,,,,,wa",
    "New Person,SWE,women,100m,11.20,outdoor,2022-05-05,Meet,,,,2,+1.1,,x",
    "New Person,SWE,women,100m,11.2h,outdoor,2022-05-06,Meet,,,,2,,,x",
]


def a_file(seed: int, rows: int) -> bytes:
    """A file of `rows` rows: drawn from the pools, with good rows and repeats among them."""
    pick = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(IMPORT_COLUMNS)
    written: list[list[str]] = []
    for _ in range(rows):
        roll = pick.random()
        if roll < 0.25:
            row = next(csv.reader([pick.choice(GOOD)]))
        elif roll < 0.35 and written:
            row = list(pick.choice(written))  # the same row again, or nearly
            if pick.random() < 0.5:
                row[IMPORT_COLUMNS.index("round")] = pick.choice(POOLS["round"])
        else:
            row = next(csv.reader([pick.choice(GOOD)]))
            for column in pick.sample(IMPORT_COLUMNS, pick.randint(1, 4)):
                row[IMPORT_COLUMNS.index(column)] = pick.choice(POOLS[column])
        written.append(row)
        writer.writerow(row)
    return out.getvalue().encode()


def row_by_row(app: Trackside, data: bytes) -> tuple[list[tuple], list[tuple]]:
    """drafts.build on each row, as the import checked rows before RowChecker; then the
    results given twice, among the rows that pass, oldest first."""
    rows, unreadable = read_import_csv(data, bounded=False)
    assert not unreadable
    drafts, errors = check_import_rows(cast("Trackside", CheckingApp(app)), rows)
    shared: dict = {}
    staged = sorted((staged_row(line, r, shared) for line, r in drafts), key=lambda s: s[:2])
    races, good = Races(), []
    for s in staged:
        first = races.first(s[2], s[3], s[0], s[6], s[13], s[1])
        if first is None:
            good.append(s)
        else:
            errors.append(same_as(s[1], first))
    return _sorted(good, errors)


def column_wise(app: Trackside, data: bytes) -> tuple[list[tuple], list[tuple]]:
    rows, unreadable = next_rows(import_rows(data, bounded=False), 10**9)
    assert not unreadable
    good, errors = RowChecker(app).check(rows)
    return _sorted(good, errors)


def _sorted(good: list, errors: list) -> tuple[list[tuple], list[tuple]]:
    return (sorted(good, key=lambda s: s[STAGED_LINE]),
            sorted((e.row, e.column, e.message) for e in errors))  # fmt: skip


@pytest.mark.parametrize("seed", range(12))
async def test_column_wise_checks_agree_with_build_row_by_row(app, seed):
    data = a_file(seed, 150)
    good, errors = column_wise(app, data)
    assert (good, errors) == row_by_row(app, data)
    assert good and errors  # the mix has both


async def test_every_kind_of_bad_value_gives_builds_error(app):
    """Each pool value alone in an otherwise good row: the same error, or none."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(IMPORT_COLUMNS)
    base = next(csv.reader([GOOD[0]]))
    date = IMPORT_COLUMNS.index("date")
    for column, values in POOLS.items():
        for n, value in enumerate(values):
            row = list(base)
            row[IMPORT_COLUMNS.index(column)] = value
            if column != "date":  # each row its own day: no row repeats another
                row[date] = f"20{10 + n % 10}-0{1 + IMPORT_COLUMNS.index(column) % 9}-1{n % 10}"
            writer.writerow(row)
    data = out.getvalue().encode()
    good, errors = column_wise(app, data)
    assert (good, errors) == row_by_row(app, data)
    columns = {column for _, column, _ in errors}
    assert {"athlete", "event", "mark", "date", "venue", "wind", "splits", "place"} <= columns
