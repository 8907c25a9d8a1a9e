"""The bench's import floor (bench/import_floor.py) writes exactly what the import wrote:
the same athletes, results, splits and audit rows, into a copy of the same fresh store,
with the results' indexes built again. A floor that wrote less would be a floor too low."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from bench import import_floor
from bot.config import Settings
from bot.services.app import Trackside
from bot.services.writes import Writes
from tests.conftest import TODAY
from tests.store.test_import_bulk import MOD, generated_file


def _rows(path: Path, table: str) -> list[tuple]:
    columns = ", ".join(("id", *import_floor.TABLES[table]))
    with sqlite3.connect(path) as conn:
        return conn.execute(f"SELECT {columns} FROM {table} ORDER BY id").fetchall()


def _indexes(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'results' "
            "ORDER BY name"
        ).fetchall()


async def test_the_floor_writes_what_the_import_wrote(tmp_path):
    fresh, imported = tmp_path / "fresh.db", tmp_path / "imported.db"
    app = await Trackside.open(Settings(database_path=fresh), today=lambda: TODAY)
    try:
        data = await generated_file(app, tmp_path, 600)
    finally:
        await app.close()
    shutil.copyfile(fresh, imported)
    app = await Trackside.open(Settings(database_path=imported), today=lambda: TODAY)
    try:
        report = await Writes(app).import_csv(data, MOD, bounded=False)
    finally:
        await app.close()
    csv_path = tmp_path / "import.csv"
    csv_path.write_bytes(data)

    floor = import_floor.measure(fresh, imported, csv_path, tmp_path / "floor.db")

    assert floor.results == report.imported > 400
    for table in import_floor.TABLES:
        assert _rows(tmp_path / "floor.db", table) == _rows(imported, table), table
    assert len(_rows(imported, "audit_log")) > report.imported  # one a result, and the seed's
    assert _indexes(tmp_path / "floor.db") == _indexes(imported)
    assert set(floor.steps) >= {"reading the CSV", "writing results", "building the indexes"}
    assert floor.rate > 0
