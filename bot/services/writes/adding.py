"""Adding results: one result a moderator typed (after its preview), or a whole CSV file,
all rows or none."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bot.domain.models import Result
from bot.domain.records import Preview
from bot.services.errors import AmbiguousError, InvalidInputError, NotFoundError
from bot.services.writes.csv_import import (
    IMPORT_COLUMNS,
    ImportError_,
    ImportReport,
    RowError,
    column_of,
    identity,
    read_import_csv,
)
from bot.services.writes.drafts import (
    Actor,
    DuplicateResultError,
    ResultDraft,
    build,
    gate,
    implausible,
    preview,
)
from bot.services.writes.filing import Added, add_in, after_write, audit
from bot.store.repositories import ResultRepository

if TYPE_CHECKING:
    from bot.services.app import Trackside


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
    async with app.db.transaction() as conn:
        filed = await add_in(conn, app, checked.result, actor)
    await after_write(app, [filed.new_athlete_id] if filed.new_athlete_id else [])
    return filed.added


async def import_csv(
    app: Trackside, data: bytes, actor: Actor, *, bounded: bool = True
) -> ImportReport:
    """Validate every row first; import all of them in one transaction, or none.

    `bounded`: at most MAX_IMPORT_BYTES and MAX_IMPORT_ROWS, what a Discord attachment
    (`/result import`) may bring. `trackside import` reads a local file the operator
    chose (say a `trackside export` of the whole store) and passes False.

    Reading and checking thousands of rows is CPU work of seconds: it runs in a worker
    thread (`asyncio.to_thread`) so the bot keeps answering meanwhile. Checking only
    reads the in-memory indexes; the writes happen back on the loop, in one transaction.
    """
    rows, unreadable = await asyncio.to_thread(read_import_csv, data, bounded)
    drafts, errors = await asyncio.to_thread(check_import_rows, app, rows)
    errors += unreadable
    # Rows already on file are reported all at once, each with its row, not only the
    # first one the transaction would meet. (A new athlete has no results yet.)
    for line, result in drafts:
        if result.athlete.id:
            existing = await ResultRepository.exists(app.db.reader, result)
            if existing is not None:
                errors.append(RowError(line, "mark", f"already on file (#{existing})"))
    if errors:
        raise ImportError_(sorted(errors, key=lambda e: e.row))
    if not drafts:
        raise InvalidInputError("The file has no rows to import.")
    # Oldest first, so each row is checked against the records as they stood that day.
    drafts.sort(key=lambda d: (d[1].date, d[0]))
    announcements = []
    new_athletes: list[int] = []
    async with app.db.transaction() as conn:
        for line, result in drafts:
            try:
                filed = await add_in(conn, app, result, actor)
            except DuplicateResultError as exc:  # written by someone else meanwhile
                raise ImportError_([RowError(line, "mark", str(exc))]) from None
            if filed.new_athlete_id:
                new_athletes.append(filed.new_athlete_id)
            if filed.added.announcement is not None:
                announcements.append(filed.added.announcement)
        rows_read = f"{len(drafts)} rows"
        await audit(conn, actor, "result.import", rows_read, {"rows": len(drafts)})
    await after_write(app, new_athletes)
    return ImportReport(len(drafts), tuple(announcements))


def check_import_rows(
    app: Trackside, rows: Sequence[tuple[int, dict[str, str]]]
) -> tuple[list[tuple[int, Result]], list[RowError]]:
    """Build every row (in a worker thread: see `import_csv`); the rows that pass, and
    an error for each problem, by row and column."""
    drafts: list[tuple[int, Result]] = []
    errors: list[RowError] = []
    seen: dict[tuple[object, ...], int] = {}
    for line, values in rows:
        fields: dict[str, Any] = {c: values.get(c) for c in IMPORT_COLUMNS}
        draft = ResultDraft(**fields)
        try:
            result = _build_row(app, draft)
        except (InvalidInputError, NotFoundError, AmbiguousError) as exc:
            errors.append(RowError(line, column_of(exc), str(exc)))
            continue
        # An import has no second confirmation, so a probable typo is a bad row
        # (add_result refuses it too unless the moderator confirms it).
        typos = [
            RowError(line, column, f"{warning} To keep it, add it alone and confirm.")
            for column, warning in implausible(app, result)
        ]
        if typos:
            errors.extend(typos)
            continue
        same = identity(result)
        if same in seen:
            errors.append(RowError(line, "mark", f"the same result as row {seen[same]}"))
            continue
        seen[same] = line
        drafts.append((line, result))
    return drafts, errors


def _build_row(app: Trackside, draft: ResultDraft) -> Result:
    try:
        return build(app, draft)[0]
    except RuntimeError as exc:
        # The loop added an athlete (another moderator's write) while this thread
        # walked the name index: the index is whole again, so check the row again.
        if "changed size during iteration" not in str(exc):
            raise
        return build(app, draft)[0]
