"""Bulk loading for imports: the SQL that writes thousands of rows in a few statements.

An import of a whole file (`trackside import`, `/result import`) runs inside one
`Database.transaction()`, as every write does; these functions take its connection and
never commit. They batch what `repositories` does one row at a time: athletes looked up
and created as sets; athletes, results, splits and audit rows inserted with `executemany`
of prepared tuples (all but splits with `COPY` on PostgreSQL); record entries and their
progression fixes written together; and, for a very large import into SQLite, the
secondary indexes dropped and built again once, inside the same transaction, so a
failure anywhere leaves the store as it was.

Ids: a statement that inserts many rows does not say which ids they got. Under the write
lock (BEGIN IMMEDIATE on SQLite, the advisory lock on PostgreSQL) nobody else inserts, so
the rows with an id above the largest one before are exactly ours, in insertion order.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from bot.domain.announcements import Announcement
from bot.domain.events import Sex
from bot.store.connection import Connection
from bot.store.dialect import is_postgres
from bot.store.pg_connections import PgConnection

# The columns of a result row as `insert_results` takes it (the order of _INSERT_RESULT in
# repositories, athlete id first, added_by last).
RESULT_COLUMNS = (
    "athlete_id", "event_key", "sex", "venue", "mark", "hand_timed", "wind", "date",
    "competition", "city", "country", "round", "place", "status", "source", "added_by",
)  # fmt: skip
ATHLETE_COLUMNS = ("name", "search_key", "nation", "sex", "is_team", "source")
AUDIT_COLUMNS = ("actor_id", "guild_id", "action", "target", "details")
SPLIT_COLUMNS = ("result_id", "event_key", "mark", "hand_timed")
_INSERT_SPLIT = f"INSERT INTO splits ({', '.join(SPLIT_COLUMNS)}) VALUES (?, ?, ?, ?)"  # noqa: S608 - fixed names
# Imports at least this big rebuild the results' secondary indexes once instead of
# keeping them up to date row by row (SQLite): sorting a million keys once is several
# times faster than a million B-tree insertions in random order.
REBUILD_INDEXES_FROM = 100_000
# Page cache for a bulk load (KiB): the indexes being built and the pages being filled.
BULK_CACHE_KIB = 128 * 1024
SORT_THREADS = 2
# The secondary indexes of `results` (name, exact text), which a large import drops and
# builds again: all of them, so an index a later migration adds is rebuilt too.
RESULT_INDEXES = (
    "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
    "AND tbl_name = 'results' AND sql IS NOT NULL ORDER BY name"
)


async def _append(
    conn: Connection, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert rows (values in `columns` order) into `table`, a schema name: with COPY on
    PostgreSQL, its bulk path (200,000 audit rows 4.7 s with prepared INSERTs, 0.8 s with
    COPY), else one prepared INSERT (`executemany`)."""
    if isinstance(conn, PgConnection):
        await conn.copy_rows(table, columns, [tuple(r) for r in rows])
        return
    placeholders = ", ".join("?" * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608 - schema names
    await conn.executemany(sql, rows)


async def _largest_id(conn: Connection, table: str) -> int:
    rows = await conn.execute_fetchall(f"SELECT coalesce(max(id), 0) FROM {table}")  # noqa: S608 - fixed names
    return int(next(iter(rows))[0])


# -- athletes ---------------------------------------------------------------------------------


async def athlete_ids(conn: Connection) -> dict[tuple[str, str, str], int]:
    """Every athlete's id by identity (folded name, nation or '', sex): what
    `AthleteRepository.find_exact` answers for one, for all of them in one query."""
    rows = await conn.execute_fetchall(
        "SELECT search_key, coalesce(nation, ''), sex, id FROM athletes"
    )
    return {(row[0], row[1], row[2]): row[3] for row in rows}


async def add_athletes(
    conn: Connection, athletes: Sequence[tuple[str, str, str | None, str, int, str]]
) -> dict[tuple[str, str, str], int]:
    """Insert (name, search_key, nation, sex, is_team, source) rows; their ids by identity."""
    if not athletes:
        return {}
    before = await _largest_id(conn, "athletes")
    await _append(conn, "athletes", ATHLETE_COLUMNS, athletes)
    rows = await conn.execute_fetchall(
        "SELECT search_key, coalesce(nation, ''), sex, id FROM athletes WHERE id > ?", (before,)
    )
    return {(row[0], row[1], row[2]): row[3] for row in rows}


# -- results ----------------------------------------------------------------------------------


async def results_of(
    conn: Connection, athlete_ids: Iterable[int]
) -> list[tuple[int, str, str, int, str, int]]:
    """(athlete id, event, date, mark or -1, round, id) of every result of these athletes:
    what `ResultRepository.exists` compares, for a whole file in one query."""
    ids = sorted(set(athlete_ids))
    if not ids:
        return []
    rows = await conn.execute_fetchall(
        "SELECT athlete_id, event_key, date, coalesce(mark, -1), round, id FROM results "
        "WHERE athlete_id IN (SELECT value FROM json_each(?))",
        (json.dumps(ids),),
    )
    return [tuple(row) for row in rows]


async def insert_results(conn: Connection, rows: Sequence[Sequence[Any]]) -> list[int]:
    """Insert result rows (RESULT_COLUMNS); their ids, in the order given. A duplicate
    raises IntegrityError, and the caller's transaction then keeps none of them."""
    if not rows:
        return []
    before = await _largest_id(conn, "results")
    if is_postgres(conn):
        await _append(conn, "results", RESULT_COLUMNS, rows)
    else:
        async with checks_held_already(conn):  # rows of checked domain objects
            await _append(conn, "results", RESULT_COLUMNS, rows)
    found = await conn.execute_fetchall(
        "SELECT id FROM results WHERE id > ? ORDER BY id", (before,)
    )
    ids = [row[0] for row in found]
    if len(ids) != len(rows):
        raise RuntimeError(f"inserted {len(rows)} results but found {len(ids)}: another writer?")
    return ids


async def insert_splits(
    conn: Connection, rows: Sequence[tuple[int, str, int, int]]
) -> dict[tuple[int, str], int]:
    """Insert (result id, event, mark, hand_timed) rows; split ids by (result id, event)."""
    if not rows:
        return {}
    before = await _largest_id(conn, "splits")
    await conn.executemany(_INSERT_SPLIT, rows)
    found = await conn.execute_fetchall(
        "SELECT result_id, event_key, id FROM splits WHERE id > ?", (before,)
    )
    return {(row[0], row[1]): row[2] for row in found}


@asynccontextmanager
async def checks_held_already(conn: Connection) -> AsyncIterator[None]:
    """Around a bulk insert of rows built from checked domain objects (enums, parsed
    marks), whose CHECK constraints therefore hold by construction: SQLite does not
    evaluate them row by row for these statements (it evaluates each IN-list check by
    building temporary tables, which halves bulk-load speed). PostgreSQL ignores it."""
    await conn.execute("PRAGMA ignore_check_constraints = ON")
    try:
        yield
    finally:
        await conn.execute("PRAGMA ignore_check_constraints = OFF")


@asynccontextmanager
async def bulk_load(conn: Connection, rows: int) -> AsyncIterator[Callable[[], Awaitable[None]]]:
    """Inside an open transaction, around inserting `rows` results: on SQLite a larger page
    cache, and from REBUILD_INDEXES_FROM rows on the secondary indexes of `results` dropped
    first and created again after (their exact text from the schema, so an index a later
    migration adds is kept too). DDL is transactional in SQLite: if anything fails the
    rollback restores the indexes with the rows. PostgreSQL keeps its indexes (dropping
    one there locks out every reader until the commit).

    Gives `rebuild`, which builds the indexes again as soon as the rows are in: a caller
    may run it beside CPU work of its own (SQLite builds them in C, without the GIL; the
    connection is busy meanwhile). Leaving the block without an error rebuilds them if
    the caller did not."""
    rebuilt = False
    indexes: list[tuple[str, str]] = []

    async def rebuild() -> None:
        nonlocal rebuilt
        if not rebuilt:
            rebuilt = True
            for _, sql in indexes:
                await conn.execute(sql)

    if is_postgres(conn):
        yield rebuild
        return
    (cache,) = next(iter(await conn.execute_fetchall("PRAGMA cache_size")))
    (threads,) = next(iter(await conn.execute_fetchall("PRAGMA threads")))
    await conn.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    # Helper threads for the sorts that build the indexes again (a second core).
    await conn.execute(f"PRAGMA threads = {SORT_THREADS}")
    try:
        if rows >= REBUILD_INDEXES_FROM:
            found = await conn.execute_fetchall(RESULT_INDEXES)
            indexes = [(row[0], row[1]) for row in found]
            for name, _ in indexes:
                await conn.execute(f'DROP INDEX "{name}"')
        yield rebuild
        await rebuild()
    finally:
        await conn.execute(f"PRAGMA cache_size = {int(cache)}")
        await conn.execute(f"PRAGMA threads = {int(threads)}")


# -- records ----------------------------------------------------------------------------------


async def record_marks(
    conn: Connection,
) -> list[tuple[str, str, str, str, str, int, str]]:
    """(scope kind, scope code, event, list, sex, mark, date) of every entry that counts
    (not superseded, not rejected), oldest first: enough to tell which rows of an import
    cannot touch a record, without building an entry."""
    rows = await conn.execute_fetchall(
        "SELECT scope_kind, scope_code, event_key, list, sex, mark, date FROM record_entries "
        "WHERE superseded = 0 AND status <> 'rejected' ORDER BY date, id"
    )
    return [tuple(row) for row in rows]


async def record_changes_seq(conn: Connection) -> int:
    """The record change log's newest sequence (0: none), as `conn` sees it; what
    `RecordRepository.changes_since` answers first."""
    rows = await conn.execute_fetchall("SELECT coalesce(max(seq), 0) FROM record_changes")
    return int(next(iter(rows))[0])


async def next_id(conn: Connection, table: str) -> int:
    """The first id an insert into `table` may take that was never used (ids are never
    reused: AUTOINCREMENT on SQLite, an identity sequence on PostgreSQL)."""
    largest = await _largest_id(conn, table)
    if is_postgres(conn):
        rows = await conn.execute_fetchall(
            f"SELECT coalesce(pg_sequence_last_value(pg_get_serial_sequence('{table}', 'id')), 0)"
        )
    else:
        rows = await conn.execute_fetchall(
            "SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = ?", (table,)
        )
    return max(largest, int(next(iter(rows))[0])) + 1


async def insert_record_entries(conn: Connection, rows: Sequence[Sequence[Any]]) -> None:
    """Entries with the ids `next_id` handed out: (id, scope kind, scope code, event, list,
    sex, result id, split id, mark, date, equal, status, source, superseded)."""
    await conn.executemany(
        "INSERT INTO record_entries (id, scope_kind, scope_code, event_key, list, sex, "
        "result_id, split_id, mark, date, equal, status, source, superseded) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


async def set_entry_flags(conn: Connection, rows: Sequence[tuple[int, int, int]]) -> None:
    """(superseded, equal, id) of entries on file whose progression the import changed."""
    await conn.executemany("UPDATE record_entries SET superseded = ?, equal = ? WHERE id = ?", rows)


async def queue_announcements(
    conn: Connection,
    announcements: Sequence[tuple[Announcement, Sex | None]],
    channels_of: Any,
) -> list[int]:
    """Queue many announcements (with the outbox's columns, see OutboxRepository.add) and one
    delivery per channel `channels_of(announcement, sex)` names; their ids."""
    if not announcements:
        return []
    first = await next_id(conn, "announcements")
    ids = list(range(first, first + len(announcements)))
    values = await asyncio.to_thread(
        lambda: [
            (
                announcement_id,
                a.kind,
                a.result_id,
                a.to_json(),
                json.dumps(a.scope_codes),
                json.dumps(a.event_keys),
                sex.value if sex else None,
            )
            for announcement_id, (a, sex) in zip(ids, announcements, strict=True)
        ]
    )
    await conn.executemany(
        "INSERT INTO announcements (id, kind, result_id, payload, scopes, events, sex) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        values,
    )
    deliveries = [
        (announcement_id, channel_id, guild_id)
        for announcement_id, (a, sex) in zip(ids, announcements, strict=True)
        for guild_id, channel_id in channels_of(a, sex)
    ]
    if deliveries:
        await conn.executemany(
            "INSERT INTO deliveries (announcement_id, channel_id, guild_id) VALUES (?, ?, ?)",
            deliveries,
        )
    return ids


async def add_audit_rows(
    conn: Connection, rows: Sequence[tuple[int | None, int | None, str, str, str]]
) -> None:
    """(actor id, guild id, action, target, details as JSON text) audit rows (see
    AuditRepository.add, which takes the details as a dict): an import writes one a
    result."""
    await _append(conn, "audit_log", AUDIT_COLUMNS, rows)
