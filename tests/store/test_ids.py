"""Ids users see (result #170, record entry #12) and announcement ids are never reused, and
migration 0005, which gives their tables AUTOINCREMENT, keeps every existing id and link."""

from __future__ import annotations

import sqlite3

from bot.store import database
from bot.store.database import Database, head_version

REBUILT = ("results", "splits", "record_entries", "announcements")


def _schema(path) -> dict[str, str]:
    with sqlite3.connect(path) as conn:
        return {
            name: sql
            for name, sql in conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
            )
        }


async def _store_at_0004(path, monkeypatch) -> None:
    """A store as version 4 left it, with results, splits, record entries, announcements,
    deliveries and audit rows, and the highest result id removed (as /result remove does)."""
    shipped = database.migrations()
    with monkeypatch.context() as patch:
        patch.setattr(database, "migrations", lambda: shipped[:4])
        db = await Database.open(path)
    try:
        # Quiet: no write log then (0013) to note the write in.
        async with db.transaction(quiet=True) as conn:
            await conn.execute(
                "INSERT INTO athletes (id, name, search_key, sex) VALUES (7, 'A', 'a', 'M')"
            )
            for result_id in (3, 5, 170, 171):
                await conn.execute(
                    "INSERT INTO results (id, athlete_id, event_key, sex, venue, mark, date, "
                    "competition) VALUES (?, 7, 'mile', 'M', 'indoor', ?, '2025-02-13', 'x')",
                    (result_id, 22000 + result_id),
                )
            await conn.execute(
                "INSERT INTO splits (id, result_id, event_key, mark) "
                "VALUES (40, 170, '1500m', 21000)"
            )
            await conn.execute(
                "INSERT INTO record_entries (id, scope_kind, scope_code, event_key, list, sex, "
                "result_id, split_id, mark, date, status, superseded) VALUES "
                "(12, 'world', 'world', '1500m', 'indoor', 'M', 170, 40, 21000, '2025-02-13', "
                "'pending', 1)"
            )
            await conn.execute(
                "INSERT INTO announcements (id, kind, result_id, payload) "
                "VALUES (9, 'record', 170, '{}')"
            )
            await conn.execute(
                "INSERT INTO deliveries (announcement_id, channel_id, guild_id) VALUES (9, 1, 2)"
            )
            await conn.execute(
                "INSERT INTO audit_log (action, target) VALUES ('result.add', 'result #171')"
            )
            await conn.execute(
                "INSERT INTO audit_log (action, target) VALUES ('result.remove', 'result #171')"
            )
            await conn.execute("DELETE FROM results WHERE id = 171")
    finally:
        await db.close()
    assert _schema(path)["results"].count("AUTOINCREMENT") == 0


async def test_migration_keeps_ids_links_indexes_and_triggers(tmp_path, monkeypatch):
    path = tmp_path / "t.db"
    await _store_at_0004(path, monkeypatch)
    before = _schema(path)
    db = await Database.open(path)
    try:
        assert await db.schema_version() == head_version() >= 5
        rows = await db.reader.execute_fetchall("SELECT id FROM results ORDER BY id")
        assert [r[0] for r in rows] == [3, 5, 170]
        entry = await db.reader.execute_fetchall(
            "SELECT id, result_id, split_id, superseded FROM record_entries"
        )
        assert [tuple(r) for r in entry] == [(12, 170, 40, 1)]
        split = await db.reader.execute_fetchall("SELECT id, result_id FROM splits")
        assert [tuple(r) for r in split] == [(40, 170)]
        assert (await db.reader.execute_fetchall("SELECT id FROM announcements"))[0][0] == 9
        assert (await db.reader.execute_fetchall("SELECT count(*) FROM deliveries"))[0][0] == 1
        assert (await db.reader.execute_fetchall("PRAGMA foreign_key_check")) == []
        assert (await db.reader.execute_fetchall("PRAGMA integrity_check"))[0][0] == "ok"
        assert (await db.reader.execute_fetchall("PRAGMA foreign_keys"))[0][0] == 1
        # #171 was removed before the migration, but the audit log names it: not reused.
        async with db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO results (athlete_id, event_key, sex, venue, mark, date, "
                "competition) VALUES (7, 'mile', 'M', 'indoor', 23000, '2025-02-14', 'y')"
            )
            assert cursor.lastrowid == 172
        # Splits still cascade and foreign keys still hold after the rebuild.
        async with db.transaction() as conn:
            await conn.execute("DELETE FROM record_entries WHERE result_id = 170")
            await conn.execute("DELETE FROM results WHERE id = 170")
        assert (await db.reader.execute_fetchall("SELECT count(*) FROM splits"))[0][0] == 0
    finally:
        await db.close()
    after = _schema(path)
    # Every index and trigger is back, plus what later migrations add (0006: top lists
    # of splits; 0008: the covering index the performers list walks; 0009: the record
    # change log's triggers; 0011: pending deliveries by channel; 0012 widens
    # results_by_athlete to cover what profiles and head-to-heads scan; 0013: the write
    # log), less the two indexes of results that 0014 drops (no statement read them).
    unread = {"results_by_event_mark", "results_by_race"}
    assert unread <= set(before)
    assert set(after) == (set(before) - unread) | {
        "splits_by_event_mark",
        "results_legal_by_mark",
        "record_entries_changed_on_insert",
        "record_entries_changed_on_update",
        "record_entries_changed_on_delete",
        "results_change_their_records",
        "splits_change_their_records",
        "athletes_change_their_records",
        "record_changes",
        "deliveries_pending_by_channel",
        "write_log",
    }
    for name, sql in after.items():
        if name in REBUILT:
            assert "AUTOINCREMENT" in sql
        elif name == "athletes":  # 0006 adds birth_year; the rest is as it was
            assert sql.startswith(before[name].rstrip().removesuffix(")")), name
            assert "birth_year INTEGER" in sql
        elif name == "results_by_athlete":
            assert "ON results (athlete_id, date, id, event_key," in " ".join(sql.split())
        elif name in before:
            assert sql == before[name], name


async def test_a_removed_id_is_never_handed_out_again(tmp_path):
    db = await Database.open(tmp_path / "t.db")
    try:
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO athletes (id, name, search_key, sex) VALUES (1, 'A', 'a', 'M')"
            )

        async def add(mark: int) -> int:
            async with db.transaction() as conn:
                cursor = await conn.execute(
                    "INSERT INTO results (athlete_id, event_key, sex, venue, mark, date, "
                    "competition) VALUES (1, 'mile', 'M', 'indoor', ?, '2025-02-13', 'x')",
                    (mark,),
                )
                return cursor.lastrowid

        first, second = await add(22000), await add(22100)
        async with db.transaction() as conn:
            await conn.execute("DELETE FROM results WHERE id = ?", (second,))
        third = await add(22200)
        assert third > second > first
        for table, insert in (
            (
                "announcements",
                "INSERT INTO announcements (kind, payload) VALUES ('record', '{}')",
            ),
            (
                "record_entries",
                "INSERT INTO record_entries (scope_kind, scope_code, event_key, list, sex, "
                f"result_id, mark, date, status) VALUES ('world', 'world', 'mile', 'indoor', "
                f"'M', {third}, 22200, '2025-02-13', 'pending')",
            ),
        ):
            async with db.transaction() as conn:
                old = (await conn.execute(insert)).lastrowid
                await conn.execute(f"DELETE FROM {table} WHERE id = ?", (old,))
                new = (await conn.execute(insert)).lastrowid
            assert new > old, table
    finally:
        await db.close()
