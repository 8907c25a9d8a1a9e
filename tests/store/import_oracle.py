"""The row-by-row check of an import's rows, as the import checked them before the
column-wise `row_check.RowChecker`: `drafts.build` on each row. The tests hold the import
to it (the same rows, staged the same, and the same errors)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bot.domain.models import Result
from bot.services.writes.csv_import import (
    IMPORT_COLUMNS,
    RowError,
    Staged,
    column_of,
    identity_of,
    same_as,
    staged,
    staged_splits,
    who_of,
)
from bot.services.writes.drafts import ResultDraft, build, implausible
from bot.services.writes.row_check import _ROW_ERRORS, _TYPO, _walking

if TYPE_CHECKING:
    from bot.services.app import Trackside


def check_import_rows(
    app: Trackside, rows: Sequence[tuple[int, dict[str, str]]]
) -> tuple[list[tuple[int, Result]], list[RowError]]:
    """Build every row with `drafts.build`; the rows that pass, and an error for each
    problem, by row and column. (What `RowChecker` answers, one row at a time.)"""
    drafts: list[tuple[int, Result]] = []
    errors: list[RowError] = []
    seen: dict[tuple[object, ...], int] = {}
    for line, values in rows:
        draft = ResultDraft(**{c: values.get(c) for c in IMPORT_COLUMNS})  # type: ignore[arg-type]
        try:
            result = _walking(build, app, draft)[0]
        except _ROW_ERRORS as exc:
            errors.append(RowError(line, column_of(exc), str(exc)))
            continue
        # An import has no second confirmation, so a probable typo is a bad row
        # (add_result refuses it too unless the moderator confirms it).
        typos = [RowError(line, column, _TYPO.format(w)) for column, w in implausible(app, result)]
        if typos:
            errors.extend(typos)
            continue
        same = identity(result)
        if same in seen:
            errors.append(same_as(line, seen[same]))
            continue
        seen[same] = line
        drafts.append((line, result))
    return drafts, errors


def identity(result: Result) -> tuple[object, ...]:
    """Two rows of one file with the same identity are the same result given twice."""
    mark = result.mark
    return identity_of(result.athlete.name.casefold(), result.athlete.nation, result.event.key,
                       result.date, result.round, mark.value if mark else None)  # fmt: skip


def staged_row(line: int, result: Result, shared: dict[Any, Any]) -> Staged:
    """A checked row as a `Staged` tuple; `shared` (one dict per import) makes the rows
    share one copy of each repeated value (a meeting's name, a new athlete's identity)."""
    mark, one = result.mark, shared.setdefault
    return staged(
        line, who_of(result.athlete, shared), result.event.key, result.sex.value,
        result.venue.value, mark.value if mark else None,
        int(bool(mark and mark.hand_timed)), result.wind, one(d := result.date.isoformat(), d),
        one(result.competition, result.competition),
        one(result.city, result.city) if result.city else result.city, result.country,
        one(result.round, result.round), result.place, result.status.value,
        one(result.source, result.source), staged_splits(result.splits),
    )  # fmt: skip
