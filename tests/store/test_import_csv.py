"""CSV import and export on real stores: header and quote errors, every row already on file
reported, formula cells neutralised on export and read back on import, and row checks run
off the event loop."""

from __future__ import annotations

import csv
import io
import threading
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.config import Settings
from bot.services.app import Trackside
from bot.services.errors import InvalidInputError
from bot.services.exports import export_csv
from bot.services.spreadsheet import from_spreadsheet, spreadsheet_safe
from bot.services.writes import IMPORT_COLUMNS, Actor, ImportError_, ResultDraft, Writes, fields
from bot.services.writes.row_check import RowChecker
from tests.conftest import TODAY
from tests.ticking import LoopTicks

MOD = Actor(user_id=1001, guild_id=2001)
HEADER = ",".join(IMPORT_COLUMNS)
KERR = (
    "Josh Kerr,GBR,men,1500m,3:29.38,outdoor,2023-08-23,World Athletics Championships "
    "Budapest 23,Budapest,HUN,final,1,,,worldathletics.org"
)
NORDAS = (
    "Narve Gilje Nordås,NOR,men,1500m,3:29.68,outdoor,2023-08-23,World Athletics "
    "Championships Budapest 23,Budapest,HUN,final,3,,,worldathletics.org"
)


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


async def count(app: Trackside) -> int:
    return (await app.db.reader.execute_fetchall("SELECT count(*) FROM results"))[0][0]


async def test_a_repeated_header_column_is_refused_by_name(app):
    before = await count(app)
    header = HEADER.replace(",place,", ",mark,")  # 'mark' twice: which one is meant?
    with pytest.raises(InvalidInputError, match="names the column mark more than once"):
        await Writes(app).import_csv(csv_bytes(KERR, header=header), MOD)
    assert await count(app) == before


async def test_an_unclosed_quote_is_reported_on_the_line_it_opens(app):
    data = csv_bytes('"' + KERR, NORDAS, NORDAS.replace("3:29.68", "3:29.70"))
    with pytest.raises(InvalidInputError, match="cannot be read at line 2: unexpected end"):
        await Writes(app).import_csv(data, MOD)
    data = csv_bytes(NORDAS, '"' + KERR, NORDAS.replace("3:29.68", "3:29.70"))
    with pytest.raises(InvalidInputError, match="cannot be read at line 3:"):
        await Writes(app).import_csv(data, MOD)


async def test_every_row_already_on_file_is_reported_with_its_row(app):
    writes = Writes(app)
    await writes.import_csv(csv_bytes(KERR, NORDAS), MOD)
    before = await count(app)
    fresh = KERR.replace("3:29.38", "3:31.00").replace("2023-08-23", "2023-08-20")
    with pytest.raises(ImportError_) as caught:
        await writes.import_csv(csv_bytes(KERR, fresh, NORDAS), MOD)
    assert [(e.row, e.column) for e in caught.value.errors] == [(2, "mark"), (4, "mark")]
    assert all("already on file (#" in e.message for e in caught.value.errors)
    assert await count(app) == before


@pytest.mark.parametrize(
    "text",
    ["=SUM(1)", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tx", "'=x", "''@x", "'Ofa", "a=b", ""],
)
def test_spreadsheet_cells_round_trip(text):
    safe = spreadsheet_safe(text)
    assert not safe.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert from_spreadsheet(safe) == text


HOSTILE = {
    "athlete": '=HYPERLINK("http://evil.example","Results")',
    "competition": "+cmd|' /C calc'!A0",
    "city": "@SUM(1+1)",
    "round": "-1+1",
    "source": "'=already quoted",
}


async def test_export_neutralises_formulas_and_import_reads_them_back(tmp_path: Path):
    async def store(name: str) -> Trackside:
        settings = Settings(database_path=tmp_path / name)
        return await Trackside.open(settings, seed_data=False, today=lambda: TODAY)

    first = await store("a.db")
    try:
        await Writes(first).add_result(
            ResultDraft(
                athlete=HOSTILE["athlete"],
                nation="USA",
                sex="men",
                event="100m",
                mark="10.50",
                venue="outdoor",
                date="2025-06-01",
                competition=HOSTILE["competition"],
                city=HOSTILE["city"],
                round=HOSTILE["round"],
                wind="-0.3",
                source=HOSTILE["source"],
            ),
            MOD,
        )
        text = await export_csv(first)
    finally:
        await first.close()
    (row,) = list(csv.DictReader(io.StringIO(text)))
    for column, value in HOSTILE.items():
        assert row[column] == "'" + value, column
    assert row["wind"] == "-0.3"  # a number, left alone
    assert row["mark"] == "10.50"

    second = await store("b.db")
    try:
        report = await Writes(second).import_csv(text.encode(), MOD)
        assert report.imported == 1
        (result,) = await second.results.everything()
        assert result.athlete.name == HOSTILE["athlete"]
        assert result.competition == HOSTILE["competition"]
        assert result.city == HOSTILE["city"]
        assert result.round == HOSTILE["round"]
        assert result.source == HOSTILE["source"]
        assert result.wind == -3
    finally:
        await second.close()


async def test_row_checks_run_off_the_event_loop(app, monkeypatch):
    """While thousands of rows are checked, the loop goes on serving other tasks: every
    row is checked in a worker thread, and a task on the loop keeps running meanwhile."""
    writes = Writes(app)
    seen: list[bool] = []  # per row: checked on the loop's thread
    ticked_meanwhile: list[bool] = []
    values = RowChecker._values  # what a row's values are: once per row

    def watched(checker, raw):
        seen.append(threading.current_thread() is threading.main_thread())
        if len(seen) == 1:
            # Checking is quick now (each distinct value once): hold the first row until
            # the loop has ticked, which it can only do if this is not the loop's thread.
            ticked_meanwhile.append(not seen[0] and ticks.held_until_the_loop_ticks())
        return values(checker, raw)

    monkeypatch.setattr(RowChecker, "_values", watched)
    day = date(2015, 1, 1)
    rows = [
        f"Jakob Ingebrigtsen,NOR,men,mile,4:{10 + i % 40:02d}.{i % 100:02d},indoor,"
        f"{day + timedelta(days=i)},Indoor Meet {i},,,,,,,test"
        for i in range(1500)
    ]
    rows.append("Nobody Known,,,mile,4:00.00,indoor,2020-01-01,X,,,,,,,test")  # fails it all
    async with LoopTicks() as ticks:
        with pytest.raises(ImportError_):
            await writes.import_csv(csv_bytes(*rows), MOD)
    assert len(seen) == len(rows)
    assert not any(seen)
    assert ticked_meanwhile == [True]  # the loop ran while a row was being checked


async def test_a_row_met_by_a_concurrent_new_athlete_is_checked_again(app, monkeypatch):
    """The worker thread walks the name index while the loop may add an athlete to it (a
    moderator's /result add): Python then raises 'dictionary changed size during
    iteration' in the thread. Simulated here: the row is checked again, not lost."""
    writes = Writes(app)
    athlete_step = fields.athlete_step  # what walks the index: once per athlete
    calls = 0

    def racing(*args):
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("dictionary changed size during iteration")
        return athlete_step(*args)

    monkeypatch.setattr(fields, "athlete_step", racing)
    report = await writes.import_csv(csv_bytes(KERR, NORDAS), MOD)
    assert report.imported == 2 and calls == 3
