"""`trackside db copy --to TARGET`: every row of one store into another, empty one —
SQLite into PostgreSQL when a bot outgrows one machine, or back. Ids are copied as they
are (announcement ids make message nonces; users see result numbers), and the copy is one
transaction on the target, checked table by table against the source's counts."""

from __future__ import annotations

from bot.store.connection import Store
from bot.store.database import StoreError
from bot.store.reading import on_thread

# Every table, parents before the tables that point at them.
TABLES = (
    "athletes",
    "athlete_aliases",
    "results",
    "splits",
    "record_entries",
    "seed_log",
    "meta",
    "guild_settings",
    "subscriptions",
    "announcements",
    "deliveries",
    "audit_log",
)
# Logs a new store starts afresh (not copied): record changes, which the target's own
# triggers fill as the rows above arrive, and the write log (bot/store/write_log.py).
DERIVED = ("record_changes", "write_log")
BATCH = 5_000
# The order rows are read from the source and so written to the target. PostgreSQL keeps a
# table's rows in the order they arrived (SQLite keeps them by id whatever the order), so
# results go in athlete by athlete: a profile or a head-to-head reads every result of its
# athletes, and an athlete's results then lie on a page or two instead of one page each
# (on 1,000,000 results a profile's statement took 0.24 instead of 0.39 ms). Results added
# later arrive at the end, as they would have anyway.
ORDER = {"results": " ORDER BY athlete_id, date, id"}
# What the copy's layout is; a copy kept for reuse (bench/postgres_bench.py) names it.
LAYOUT = 2  # 2: results by athlete


async def _count(db: Store, table: str) -> int:
    rows = list(await db.reader.execute_fetchall(f"SELECT count(*) FROM {table}"))  # noqa: S608 - fixed names
    return int(rows[0][0])


async def copy_store(source: Store, target: Store) -> dict[str, int]:
    """Copy every row; returns rows per table. Refuses a target that holds any row."""
    for table in TABLES:
        if await _count(target, table):
            raise StoreError(
                f"the target already holds {table}: copy into a new, empty database "
                "(created by `trackside db migrate`, not seeded)"
            )
    counts = {}
    async with target.transaction() as conn:
        for table in TABLES:
            whole = f"SELECT * FROM {table}{ORDER.get(table, '')}"  # noqa: S608 - fixed names
            rows = list(await on_thread(source.reader).execute_fetchall(whole))  # long
            counts[table] = len(rows)
            if not rows:
                continue
            columns = list(rows[0].keys())
            sql = (
                f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 - catalogue names
                f"VALUES ({', '.join('?' * len(columns))})"
            )
            copy_rows = getattr(conn, "copy_rows", None)  # PostgreSQL: COPY
            for start in range(0, len(rows), BATCH):
                batch = [tuple(row) for row in rows[start : start + BATCH]]
                if copy_rows is not None:
                    await copy_rows(table, columns, batch)
                else:
                    await conn.executemany(sql, batch)
    after_bulk_load = getattr(target, "after_bulk_load", None)  # PostgreSQL: VACUUM ANALYZE
    if after_bulk_load is not None:
        await after_bulk_load()
    for table, expected in counts.items():
        found = await _count(target, table)
        if found != expected:
            raise StoreError(f"copy check failed: {table} has {found} rows, the source {expected}")
    return counts
