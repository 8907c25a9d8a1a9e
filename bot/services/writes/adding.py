"""Adding results: one result a moderator typed (after its preview), or a whole CSV file,
all rows or none."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.domain.announcements import Announcement
from bot.domain.events import Sex
from bot.domain.models import Athlete
from bot.domain.records import Preview, RecordCheck
from bot.services.collecting import collecting_later
from bot.services.errors import InvalidInputError
from bot.services.warm import MOST_TOUCHED, Touched
from bot.services.writes.bulk_filing import (
    FiledInBulk,
    StoreForFiling,
    file_records_in_bulk,
    record_candidates,
    stored_result,
)
from bot.services.writes.csv_import import (
    STAGED_ATHLETE,
    STAGED_DATE,
    STAGED_EVENT,
    STAGED_FIELDS,
    STAGED_LINE,
    STAGED_MARK,
    STAGED_ROUND,
    STAGED_SPLITS,
    ImportError_,
    ImportReport,
    RowError,
    Staged,
    import_rows,
    next_rows,
)
from bot.services.writes.drafts import (
    Actor,
    ResultDraft,
    gate,
    preview,
)
from bot.services.writes.filing import (
    Added,
    RecordsWritten,
    add_in,
    after_write,
    audit,
    noted,
    touching,
)
from bot.services.writes.import_audit import AuditTexts
from bot.services.writes.overlap import beside
from bot.services.writes.row_check import RowChecker
from bot.store import bulk
from bot.store.connection import Connection

if TYPE_CHECKING:
    from bot.services.app import Trackside

__all__ = ["add_result", "import_csv"]


async def add_result(
    app: Trackside,
    draft: ResultDraft | Preview,
    actor: Actor,
    *,
    confirm_implausible: bool = False,
) -> Added:
    """Store a result, the records it breaks, its announcement and an audit row."""
    checked = draft if isinstance(draft, Preview) else await preview(app, draft)
    gate(app, checked.result, confirm_implausible, "added")
    async with app.db.transaction(short=True) as conn:
        touched = await touching(app)
        filed = await add_in(conn, app, checked.result, actor)
        touched.results(checked.result)
        new_athletes = [filed.new_athlete_id] if filed.new_athlete_id else []
        touched.athletes.update(new_athletes)
        await noted(app, conn, touched)
    await after_write(app, new_athletes, filed.written, touched)
    return filed.added


async def import_csv(
    app: Trackside, data: bytes, actor: Actor, *, bounded: bool = True
) -> ImportReport:
    """Validate every row first; import all of them in one transaction, or none.

    `bounded`: at most MAX_IMPORT_BYTES and MAX_IMPORT_ROWS, what a Discord attachment
    (`/result import`) may bring. `trackside import` reads a local file the operator
    chose (say a `trackside export` of the whole store) and passes False.

    Reading and checking rows is CPU work of seconds: it runs in a worker thread, a batch
    at a time (`asyncio.to_thread`), so the bot keeps answering meanwhile. Checking only
    reads the in-memory indexes; each row becomes a compact `Staged` tuple, so a million
    rows fit in memory. The writes happen back on the loop, in one transaction, a whole
    file at a time (`bot.store.bulk`): athletes by identity, results and splits as
    prepared tuples, records through `bulk_filing.file_records_in_bulk` — the same checks, in
    the same order (oldest first), as filing the rows one by one.
    """
    with collecting_later():  # a million rows' objects, none in a cycle
        staged = await _checked_rows(app, data, bounded)
        announcements, created, written, touched = await _write_import(app, staged, actor)
    async with app.reloading:  # not into an index a whole reload is about to replace
        for athlete in created.values():
            app.athlete_index.add(athlete)
    await after_write(app, (), written, touched)
    return ImportReport(len(staged), tuple(announcements))


async def _checked_rows(app: Trackside, data: bytes, bounded: bool) -> list[Staged]:
    """Every row read and checked, oldest first; raises with every bad row at once."""
    checker = RowChecker(app)
    rows = import_rows(data, bounded)
    staged: list[Staged] = []
    errors: list[RowError] = []
    while True:
        batch, unreadable = await asyncio.to_thread(next_rows, rows, IMPORT_BATCH)
        errors += unreadable
        if not batch:
            break
        good, bad = await asyncio.to_thread(checker.check, batch)
        staged += good
        errors += bad
    # Oldest first, so each row is checked against the records as they stood that day.
    staged.sort(key=lambda row: (row[STAGED_DATE], row[STAGED_LINE]))  # C: quick
    # Rows already on file are reported all at once, each with its row, not only the
    # first one the transaction would meet. (A new athlete has no results yet.)
    errors += await _on_file(app.db.reader, staged, {})
    if errors:
        raise ImportError_(sorted(errors, key=lambda e: e.row))
    if not staged:
        raise InvalidInputError("The file has no rows to import.")
    return staged


async def _write_import(
    app: Trackside, staged: list[Staged], actor: Actor
) -> tuple[list[Announcement], dict[tuple[str, str, str], Athlete], RecordsWritten, Touched]:
    """The one transaction: athletes, results, splits, records, announcements, audit.
    Also gives what it touched: the athletes it added results to, and their events."""
    source = f"added by {actor.user_id}" if actor.user_id else "added"
    async with app.db.transaction() as conn:
        touched = await touching(app)
        store = await StoreForFiling.read(conn)
        known = await bulk.athlete_ids(conn)
        # Again inside the transaction: another moderator may have written meanwhile.
        on_file = await _on_file(conn, staged, known)
        if on_file:
            raise ImportError_(sorted(on_file, key=lambda e: e.row))
        created = await _create_athletes(conn, staged, known, source)
        athletes = await asyncio.to_thread(_athletes_of, app, staged, known, created)
        ids, filed = await _insert_and_file(conn, app, store, staged, athletes, actor)
        await filed.write(conn, store)
        texts = AuditTexts(app, datetime.now(UTC).isoformat(timespec="seconds"))
        for start in range(0, len(staged), WRITE_CHUNK):  # chunks: a bounded peak RSS
            details = await asyncio.to_thread(
                _audit_details, texts, actor, staged, athletes, ids, filed.checks, start
            )
            await bulk.add_audit_rows(conn, details)
        rows_read = f"{len(staged)} rows"
        await audit(conn, actor, "result.import", rows_read, {"rows": len(staged)})
        seq = await bulk.record_changes_seq(conn)
        written = RecordsWritten(store.seq, seq, filed.progressions)
        touched = _touched_by(touched, staged, athletes)
        await noted(app, conn, touched)
    return filed.announcements, created, written, touched


async def _insert_and_file(
    conn: Connection,
    app: Trackside,
    store: StoreForFiling,
    staged: list[Staged],
    athletes: list[Athlete],
    actor: Actor,
) -> tuple[list[int], FiledInBulk]:
    """The results and splits inserted (their ids), and the records they set filed in
    memory. Two cores: while SQLite builds the results' indexes again (in C, on the
    connection's thread, without the GIL), the records are filed in worker threads.
    (Not beside the inserts: executemany takes the GIL back for every row, and Python
    work beside it only slowed both.)"""
    async with bulk.bulk_load(conn, len(staged)) as rebuild:
        ids: list[int] = []
        for start in range(0, len(staged), WRITE_CHUNK):  # chunks: a bounded peak RSS
            rows = await asyncio.to_thread(_result_rows, staged, athletes, actor.user_id, start)
            ids += await bulk.insert_results(conn, rows)
        splits = await asyncio.to_thread(_split_rows, staged, ids)
        split_ids = await bulk.insert_splits(conn, splits)
        async with beside(rebuild()) as building:
            candidates = await asyncio.to_thread(record_candidates, app, store, staged, athletes)
            stored = await asyncio.to_thread(
                lambda: [stored_result(app, staged[i], athletes[i], ids[i], split_ids,
                                       actor.user_id) for i in candidates]
            )  # fmt: skip
            filed = await file_records_in_bulk(conn, app, store, stored)
            await building
    return ids, filed


def _touched_by(touched: Touched, staged: list[Staged], athletes: list[Athlete]) -> Touched:
    """What an import touched: its athletes, and its rows' events (not looked up when
    there are too many rows: then every answer goes)."""
    touched.athletes = {athlete.id for athlete in athletes}
    if len(staged) > MOST_TOUCHED:
        touched.everything = True
    else:
        for row in staged:
            touched.row(row[STAGED_EVENT], row[STAGED_SPLITS])
    return touched


IMPORT_BATCH = 5_000  # rows checked per trip to the worker thread
WRITE_CHUNK = 50_000  # rows per statement of the bulk writes


def _result_rows(
    staged: Sequence[Staged], athletes: Sequence[Athlete], added_by: int | None, start: int
) -> list[tuple]:
    """The WRITE_CHUNK rows from `start` as `bulk.insert_results` takes them."""
    return [(athletes[i].id, *staged[i][STAGED_FIELDS], added_by)
            for i in range(start, min(start + WRITE_CHUNK, len(staged)))]  # fmt: skip


def _split_rows(staged: Sequence[Staged], ids: Sequence[int]) -> list[tuple[int, str, int, int]]:
    """The splits of the rows as `bulk.insert_splits` takes them."""
    return [(rid, *split) for rid, row in zip(ids, staged, strict=True)
            for split in row[STAGED_SPLITS]]  # fmt: skip


def _audit_details(
    texts: AuditTexts,
    actor: Actor,
    staged: Sequence[Staged],
    athletes: Sequence[Athlete],
    ids: Sequence[int],
    checks: Mapping[int, RecordCheck],
    start: int,
) -> list[tuple[int | None, int | None, str, str, str]]:
    """The `result.add` audit rows of one chunk of an import, as `bulk.add_audit_rows`
    takes them."""
    text, user, guild = texts.text, actor.user_id, actor.guild_id
    return [
        (user, guild, "result.add", f"result #{ids[i]}",
         text(staged[i], athletes[i], checks.get(ids[i])))
        for i in range(start, min(start + WRITE_CHUNK, len(staged)))
    ]  # fmt: skip


async def _on_file(
    conn: Any, staged: Sequence[Staged], known: dict[tuple[str, str, str], int]
) -> list[RowError]:
    """An error for each row whose result is already on file (ResultRepository.exists's
    rule: the same athlete, event, day and mark, in the same round or where either names
    none). `known`: athlete ids by identity, for rows naming an athlete new to the index
    whom the store has (another moderator added them meanwhile)."""
    ids = await asyncio.to_thread(_known_ids, staged, known)
    on_file = await bulk.results_of(conn, ids.values())
    if not on_file:
        return []
    return await asyncio.to_thread(_already_on_file, staged, ids, on_file)


def _known_ids(
    staged: Sequence[Staged], known: dict[tuple[str, str, str], int]
) -> dict[object, int]:
    """The store's id of each athlete the rows name who is on file, by `Staged` athlete."""
    ids = {}
    for ref in {row[STAGED_ATHLETE] for row in staged}:
        found = ref if isinstance(ref, int) else known.get(ref[:3], 0)
        if found:
            ids[ref] = found
    return ids


def _already_on_file(
    staged: Sequence[Staged],
    ids: dict[object, int],
    on_file: Sequence[tuple[int, str, str, int, str, int]],
) -> list[RowError]:
    by_race: dict[tuple[int, str, str, int], list[tuple[str, int]]] = {}
    for athlete_id, event, day, mark, round_, result_id in on_file:
        by_race.setdefault((athlete_id, event, day, mark), []).append((round_, result_id))
    with_results = {race[0] for race in by_race}
    errors = []
    for row in staged:
        athlete_id = ids.get(row[STAGED_ATHLETE], 0)
        if athlete_id not in with_results:
            continue
        mark = row[STAGED_MARK]
        race = (athlete_id, row[STAGED_EVENT], row[STAGED_DATE], -1 if mark is None else mark)
        round_ = row[STAGED_ROUND]
        same = [rid for r, rid in by_race.get(race, ()) if r == round_ or not r or not round_]
        if same:
            errors.append(RowError(row[STAGED_LINE], "mark", f"already on file (#{min(same)})"))
    return errors


async def _create_athletes(
    conn: Any, staged: Sequence[Staged], known: dict[tuple[str, str, str], int], source: str
) -> dict[tuple[str, str, str], Athlete]:
    """Create the athletes the rows name that the store does not have (the first row's
    spelling, as filing them one by one did); the new ones by identity."""
    wanted: dict[tuple[str, str, str], tuple[str, str | None, str, bool]] = {}
    for row in staged:
        ref = row[STAGED_ATHLETE]
        if not isinstance(ref, int) and ref[:3] not in known and ref[:3] not in wanted:
            wanted[ref[:3]] = (ref[3], ref[1] or None, ref[2], ref[4])
    ids = await bulk.add_athletes(
        conn,
        [(name, key[0], nation, sex, int(team), source)
         for key, (name, nation, sex, team) in wanted.items()],
    )  # fmt: skip
    return {
        key: Athlete(ids[key], name, nation, Sex(sex), is_team=team)
        for key, (name, nation, sex, team) in wanted.items()
    }


def _athletes_of(
    app: Trackside,
    staged: Sequence[Staged],
    known: dict[tuple[str, str, str], int],
    created: dict[tuple[str, str, str], Athlete],
) -> list[Athlete]:
    """Each row's athlete, with the id the store gave them."""
    found: dict[object, Athlete] = {}
    athletes = []
    for row in staged:
        ref = row[STAGED_ATHLETE]
        athlete = found.get(ref)
        if athlete is None:
            if isinstance(ref, int):
                athlete = app.athlete_index.get(ref)
            elif ref[:3] in created:
                athlete = created[ref[:3]]
            else:
                athlete = app.athlete_index.get(known[ref[:3]])
                if athlete is None:  # added meanwhile by another process: as on file
                    athlete = Athlete(known[ref[:3]], ref[3], ref[1] or None, Sex(ref[2]),
                                      is_team=ref[4])  # fmt: skip
            assert athlete is not None, ref
            found[ref] = athlete
        athletes.append(athlete)
    return athletes
