"""Imports in bulk (bot/store/bulk.py, bulk_filing.file_records_in_bulk): the records a file sets
and the announcements it queues are exactly those of filing its rows one by one, oldest
first; a file of tens of thousands of rows with one bad row last imports nothing; a failure
inside the transaction after the bulk insert (indexes dropped and rebuilt) leaves the store
as it was, indexes included."""

from __future__ import annotations

import csv
import gc
import io
from datetime import date, timedelta
from pathlib import Path

import pytest

from bench.generate import GenerateConfig, write_import_csv
from bot.config import Settings
from bot.services.app import Trackside
from bot.services.writes import Actor, ImportError_, Writes, adding, filing, row_check
from bot.services.writes.csv_import import read_import_csv
from bot.store import bulk
from tests.conftest import TODAY
from tests.store.import_oracle import check_import_rows

MOD = Actor(user_id=1001, guild_id=2001)


async def generated_file(app: Trackside, tmp_path: Path, rows: int) -> bytes:
    """A generated import file (the bench's races), its rows up to TODAY: new athletes and
    athletes on file, national records among what it breaks."""
    athletes = await app.athletes.all()
    existing = [a for a in athletes if not a.is_team and a.nation and a.sex.value in "MW"]
    path = tmp_path / "generated.csv"
    config = GenerateConfig(results=rows, athletes=400, meetings=60, seed=11)
    entries = await app.record_entries.all()
    write_import_csv(path, app.reference, entries, config, existing[:300], 0.2)
    lines = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    kept = [lines[0]] + [r for r in lines[1:] if r[6] <= TODAY.isoformat()]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(kept)
    return out.getvalue().encode()


def seen(announcement) -> tuple:
    return (
        announcement.headline,
        announcement.athlete,
        announcement.mark,
        [(r.event_key, r.previous_mark, r.margin, r.stood) for r in announcement.records],
    )


async def entries_of(app: Trackside) -> list[tuple]:
    return sorted(
        (
            e.key.scope.kind.value,
            e.key.scope.code,
            e.key.event_key,
            e.key.list.value,
            e.key.sex.value,
            e.mark.value,
            e.date,
            e.athlete.name,
            e.equal,
            e.status.value,
            e.superseded,
            e.split_id is not None,
        )
        for e in await app.record_entries.all()
    )


async def test_records_and_announcements_are_those_of_filing_one_by_one(app, tmp_path):
    data = await generated_file(app, tmp_path, 1_500)
    other = await Trackside.open(
        Settings(database_path=tmp_path / "one-by-one.db"), today=lambda: TODAY
    )
    try:
        # One by one, oldest first, as the import did before it went in bulk.
        rows, unreadable = read_import_csv(data, bounded=False)
        drafts, errors = check_import_rows(other, rows)
        assert not unreadable and not errors
        drafts.sort(key=lambda d: (d[1].date, d[0]))
        one_by_one = []
        async with other.db.transaction() as conn:
            for _, result in drafts:
                filed = await filing.add_in(conn, other, result, MOD)
                if filed.added.announcement is not None:
                    one_by_one.append(filed.added.announcement)
        await filing.after_write(other)

        report = await Writes(app).import_csv(data, MOD, bounded=False)
        assert report.imported == len(drafts)
        assert len(report.announcements) > 10  # national records fall, and more
        assert [seen(a) for a in report.announcements] == [seen(a) for a in one_by_one]
        assert await entries_of(app) == await entries_of(other)
        assert (await app.db.counts()) == (await other.db.counts())
        # Each row's audit details are those filing it alone writes (the import builds
        # them as text from fragments: import_audit.AuditTexts), key order included.
        assert await audited(app) == await audited(other)
    finally:
        await other.close()


async def audited(app: Trackside) -> list[list[tuple]]:
    """The `result.add` audit details, oldest first, without the time they were written."""
    rows = await Writes(app).audit(limit=100_000)
    found = []
    for row in reversed(rows):
        if row.action == "result.add":
            details = {k: v for k, v in row.details.items() if k != "at"}
            found.append([(row.target, row.actor_id, row.guild_id), *details.items()])
    return found


def many_rows(count: int) -> list[str]:
    first = date(1995, 1, 1)
    return [
        f"Jakob Ingebrigtsen,NOR,men,mile,4:{10 + i % 40:02d}.{i % 100:02d},indoor,"
        f"{first + timedelta(days=i // 20)},Indoor Meet {i % 20},,,,,,,test"
        for i in range(count)
    ]


async def test_a_bad_row_last_of_twenty_thousand_imports_nothing(app):
    before = await app.db.counts()
    rows = many_rows(20_000)
    rows.append("Jakob Ingebrigtsen,NOR,men,mile,3:75.00,indoor,2020-01-01,Last,,,,,,,test")
    data = ("athlete,nation,sex,event,mark,venue,date,competition,city,country,round,place,"
            "wind,splits,source\n" + "\n".join(rows) + "\n").encode()  # fmt: skip
    with pytest.raises(ImportError_) as caught:
        await Writes(app).import_csv(data, MOD, bounded=False)
    (error,) = caught.value.errors
    assert (error.row, error.column) == (20_002, "mark")
    assert await app.db.counts() == before


async def indexes(app: Trackside) -> list:
    rows = await app.db.reader.execute_fetchall(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"
    )
    return [tuple(r) for r in rows]


# Where a big import fails: after the indexes were built again (the audit rows); while
# they are built, in the worker threads beside (the record candidates, the filing); in
# the insert itself.
FAILS_IN = {
    "audit": (bulk, "add_audit_rows"),
    "filing": (adding, "file_records_in_bulk"),
    "candidates": (adding, "record_candidates"),
    "insert": (bulk, "insert_results"),
}


@pytest.mark.parametrize("fails", [None, *FAILS_IN])
async def test_a_big_import_rebuilds_the_indexes_or_rolls_everything_back(
    app, monkeypatch, store_backend, fails
):
    """Over REBUILD_INDEXES_FROM rows SQLite drops the results' indexes and builds them
    again in the same transaction, beside Python work in worker threads: a failure
    anywhere restores rows and indexes, and waits for that work (the next import runs as
    usual); a success leaves every index as it was."""
    monkeypatch.setattr(bulk, "REBUILD_INDEXES_FROM", 100)
    monkeypatch.setattr(adding, "WRITE_CHUNK", 150)  # several chunks
    before = await app.db.counts()
    sqlite = store_backend == "sqlite"
    had = await indexes(app) if sqlite else None
    data = ("athlete,nation,sex,event,mark,venue,date,competition,source\n" + "\n".join(
        r.replace(",,,,,,,test", ",test") for r in many_rows(500)) + "\n").encode()  # fmt: skip
    if fails:
        module, name = FAILS_IN[fails]
        works = getattr(module, name)
        calls = 0

        def broken(*args, **kwargs):
            nonlocal calls
            calls += 1
            if calls == 2 or fails != "insert":  # the insert: its second chunk
                raise RuntimeError("disk full")
            return works(*args, **kwargs)

        monkeypatch.setattr(module, name, broken)
        with pytest.raises(RuntimeError, match="disk full"):
            await Writes(app).import_csv(data, MOD, bounded=False)
        assert await app.db.counts() == before
        monkeypatch.setattr(module, name, works)
    report = await Writes(app).import_csv(data, MOD, bounded=False)
    assert report.imported == 500
    assert (await app.db.counts())["results"] == before["results"] + 500
    if sqlite:
        assert await indexes(app) == had


async def test_an_import_pauses_the_cycle_collector_and_always_restarts_it(app, monkeypatch):
    """A million rows' objects, none in a cycle: the import checks and files them with the
    collector paused (bot.services.collecting), and it runs again after, even on a failure."""
    during: list[bool] = []
    check = row_check.RowChecker.check

    def watched(self, rows):
        during.append(gc.isenabled())
        return check(self, rows)

    monkeypatch.setattr(row_check.RowChecker, "check", watched)
    data = ("athlete,nation,sex,event,mark,venue,date,competition,source\n" + "\n".join(
        r.replace(",,,,,,,test", ",test") for r in many_rows(50)) + "\n").encode()  # fmt: skip
    assert gc.isenabled()
    await Writes(app).import_csv(data, MOD, bounded=False)
    assert during == [False] and gc.isenabled()
    with pytest.raises(ImportError_):  # the same rows again: already on file
        await Writes(app).import_csv(data, MOD, bounded=False)
    assert during == [False, False] and gc.isenabled()
