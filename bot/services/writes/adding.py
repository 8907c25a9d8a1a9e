"""Adding results: one result a moderator typed (after its preview), or a whole CSV file,
all rows or none."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from bot.domain.announcements import Announcement
from bot.domain.events import Event, Sex
from bot.domain.models import Athlete, Result
from bot.domain.records import Preview, RecordCheck
from bot.services.errors import AmbiguousError, InvalidInputError, NotFoundError, TracksideError
from bot.services.writes.bulk_filing import (
    file_records_in_bulk,
    record_candidates,
    row_details,
    stored_result,
)
from bot.services.writes.csv_import import (
    IMPORT_COLUMNS,
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
    column_of,
    identity,
    import_rows,
    next_rows,
    same_results,
    staged_row,
)
from bot.services.writes.drafts import (
    Actor,
    ResultDraft,
    build,
    gate,
    implausible,
    preview,
)
from bot.services.writes.filing import Added, add_in, after_write, audit
from bot.store import bulk

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

    Reading and checking rows is CPU work of seconds: it runs in a worker thread, a batch
    at a time (`asyncio.to_thread`), so the bot keeps answering meanwhile. Checking only
    reads the in-memory indexes; each row becomes a compact `Staged` tuple, so a million
    rows fit in memory. The writes happen back on the loop, in one transaction, a whole
    file at a time (`bot.store.bulk`): athletes by identity, results and splits as
    prepared tuples, records through `bulk_filing.file_records_in_bulk` — the same checks, in
    the same order (oldest first), as filing the rows one by one.
    """
    staged = await _checked_rows(app, data, bounded)
    announcements, created = await _write_import(app, staged, actor)
    for athlete in created.values():
        app.athlete_index.add(athlete)
    await after_write(app)
    return ImportReport(len(staged), tuple(announcements))


async def _checked_rows(app: Trackside, data: bytes, bounded: bool) -> list[Staged]:
    """Every row read and checked, oldest first; raises with every bad row at once."""
    checking = CheckingApp(app)
    rows = import_rows(data, bounded)
    staged: list[Staged] = []
    errors: list[RowError] = []
    while True:
        batch, unreadable = await asyncio.to_thread(next_rows, rows, IMPORT_BATCH)
        errors += unreadable
        if not batch:
            break
        good, bad = await asyncio.to_thread(_check_batch, checking, batch)
        staged += good
        errors += bad
    # Oldest first, so each row is checked against the records as they stood that day.
    staged.sort(key=lambda row: (row[STAGED_DATE], row[STAGED_LINE]))  # C: quick
    errors += await asyncio.to_thread(same_results, staged)
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
) -> tuple[list[Announcement], dict[tuple[str, str, str], Athlete]]:
    """The one transaction: athletes, results, splits, records, announcements, audit."""
    source = f"added by {actor.user_id}" if actor.user_id else "added"
    async with app.db.transaction() as conn:
        known = await bulk.athlete_ids(conn)
        # Again inside the transaction: another moderator may have written meanwhile.
        on_file = await _on_file(conn, staged, known)
        if on_file:
            raise ImportError_(sorted(on_file, key=lambda e: e.row))
        created = await _create_athletes(conn, staged, known, source)
        athletes = await asyncio.to_thread(_athletes_of, app, staged, known, created)
        async with bulk.bulk_load(conn, len(staged)):
            ids: list[int] = []
            for start in range(0, len(staged), WRITE_CHUNK):  # chunks: a bounded peak RSS
                rows = await asyncio.to_thread(
                    _result_rows, staged, athletes, start, start + WRITE_CHUNK, actor.user_id
                )
                ids += await bulk.insert_results(conn, rows)
            split_ids = await bulk.insert_splits(
                conn,
                [(rid, *split) for rid, row in zip(ids, staged, strict=True)
                 for split in row[STAGED_SPLITS]],
            )  # fmt: skip
        candidates = await record_candidates(conn, app, staged, athletes)
        stored = await asyncio.to_thread(
            lambda: [stored_result(app, staged[i], athletes[i], ids[i], split_ids, actor.user_id)
                     for i in candidates]
        )  # fmt: skip
        announcements, checks = await file_records_in_bulk(conn, app, stored)
        at = datetime.now(UTC).isoformat(timespec="seconds")
        for start in range(0, len(staged), WRITE_CHUNK):
            details = await asyncio.to_thread(
                _audit_details, app, staged, athletes, ids, checks, at, start
            )
            await bulk.add_audit_rows(conn, actor.user_id, actor.guild_id, details)
        rows_read = f"{len(staged)} rows"
        await audit(conn, actor, "result.import", rows_read, {"rows": len(staged)})
    return announcements, created


IMPORT_BATCH = 5_000  # rows checked per trip to the worker thread
WRITE_CHUNK = 50_000  # rows per statement of the bulk writes


class CheckingApp:
    """The app as one import's row checks see it: the same answers, but each athlete's
    name and each event's name looked up once per import, not once per row (a name new to
    the store costs a fuzzy search over every athlete to be sure). Everything else is the
    app's own."""

    def __init__(self, app: Trackside):
        self._app = app
        self._athletes: dict[str, tuple[Athlete | None, type[TracksideError] | None, str]] = {}
        self._events: dict[str, Event] = {}
        self.shared: dict[object, object] = {}  # see csv_import.staged_row

    def __getattr__(self, name: str) -> Any:
        return getattr(self._app, name)

    def athlete(self, text: str) -> Athlete:
        found = self._athletes.get(text)
        if found is None:
            try:
                # The hint of an unknown name's error is never shown: drafts.build
                # then takes the name as a new athlete's, or asks for nation and sex.
                found = (self._app.athlete_index.resolve(text, hint=False), None, "")
            except (NotFoundError, AmbiguousError) as exc:
                found = (None, type(exc), str(exc))
            self._athletes[text] = found
        athlete, error, message = found
        if error is not None:
            raise error(message)
        assert athlete is not None
        return athlete

    def event(self, text: str | None) -> Event:
        found = self._events.get(text or "")
        if found is None:
            found = self._events[text or ""] = self._app.event(text)
        return found


def _result_rows(
    staged: Sequence[Staged],
    athletes: Sequence[Athlete],
    start: int,
    stop: int,
    added_by: int | None,
) -> list[tuple]:
    """Rows start..stop as `bulk.insert_results` takes them."""
    return [(athletes[i].id, *staged[i][STAGED_FIELDS], added_by)
            for i in range(start, min(stop, len(staged)))]  # fmt: skip


def _audit_details(
    app: Trackside,
    staged: Sequence[Staged],
    athletes: Sequence[Athlete],
    ids: Sequence[int],
    checks: Mapping[int, RecordCheck],
    at: str,
    start: int,
) -> list[tuple[str, str, dict[str, Any]]]:
    """The `result.add` audit rows of one chunk of an import."""
    return [
        ("result.add", f"result #{ids[i]}",
         row_details(app, staged[i], athletes[i], checks.get(ids[i]), at))
        for i in range(start, min(start + WRITE_CHUNK, len(staged)))
    ]  # fmt: skip


def _check_batch(
    app: CheckingApp, rows: Sequence[tuple[int, dict[str, str]]]
) -> tuple[list[Staged], list[RowError]]:
    # CheckingApp answers everything a Trackside does (it delegates; see its docstring).
    drafts, errors = check_import_rows(cast("Trackside", app), rows)
    shared = app.shared
    return [staged_row(line, result, shared) for line, result in drafts], errors


async def _on_file(
    conn: Any, staged: Sequence[Staged], known: dict[tuple[str, str, str], int]
) -> list[RowError]:
    """An error for each row whose result is already on file (ResultRepository.exists's
    rule: the same athlete, event, day and mark, in the same round or where either names
    none). `known`: athlete ids by identity, for rows naming an athlete new to the index
    whom the store has (another moderator added them meanwhile)."""
    athlete_of = await asyncio.to_thread(lambda: [_known_id(row, known) for row in staged])
    on_file = await bulk.results_of(conn, [a for a in athlete_of if a])
    return await asyncio.to_thread(_already_on_file, staged, athlete_of, on_file)


def _already_on_file(
    staged: Sequence[Staged],
    athlete_of: Sequence[int],
    on_file: Sequence[tuple[int, str, str, int, str, int]],
) -> list[RowError]:
    by_race: dict[tuple[int, str, str, int], list[tuple[str, int]]] = {}
    for athlete_id, event, day, mark, round_, result_id in on_file:
        by_race.setdefault((athlete_id, event, day, mark), []).append((round_, result_id))
    errors = []
    for athlete_id, row in zip(athlete_of, staged, strict=True):
        if not athlete_id:
            continue
        mark = row[STAGED_MARK]
        race = (athlete_id, row[STAGED_EVENT], row[STAGED_DATE], -1 if mark is None else mark)
        round_ = row[STAGED_ROUND]
        same = [rid for r, rid in by_race.get(race, ()) if r == round_ or not r or not round_]
        if same:
            errors.append(RowError(row[STAGED_LINE], "mark", f"already on file (#{min(same)})"))
    return errors


def _known_id(row: Staged, known: dict[tuple[str, str, str], int]) -> int:
    ref = row[STAGED_ATHLETE]
    return ref if isinstance(ref, int) else known.get(ref[:3], 0)


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
