"""What the repositories share: the column lists they select, reading rows back into
domain objects, writing a result's fields, and `legal_sql`, the SQL form of the one
rule for what counts in top lists (`bot.domain.records.legal_for_lists`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar, cast

from bot.domain.catalogue import EventCatalogue
from bot.domain.events import Sex, Unit, Venue
from bot.domain.marks import WIND_LEGAL_MAX, Mark
from bot.domain.models import (
    Athlete,
    RecordStatus,
    Result,
    ResultStatus,
    ScopeKind,
    Split,
)
from bot.store.connection import Connection, Reader, Row

if TYPE_CHECKING:
    from bot.store.pg_connections import PgReader

ATHLETE_COLUMNS = (
    "a.id AS a_id, a.name AS a_name, a.nation AS a_nation, a.sex AS a_sex, "
    "a.birth_date AS a_birth_date, a.is_team AS a_is_team, a.birth_place AS a_birth_place, "
    "a.profile AS a_profile, a.birth_year AS a_birth_year"
)
RESULT_COLUMNS = (
    "r.id, r.event_key, r.sex, r.venue, r.mark, r.hand_timed, r.wind, r.date, r.competition, "
    "r.city, r.country, r.round, r.place, r.status, r.source, r.added_by"
)
# Splits as `splits_by_result` reads them, by position.
SPLIT_COLUMNS = "s.result_id, s.id, s.event_key, s.mark, s.hand_timed"


# Enum members by stored value: a dict lookup is several times cheaper than Enum(value),
# which adds up over a top list or an athlete's hundreds of results.
SEXES = {s.value: s for s in Sex}
VENUES = {v.value: v for v in Venue}
STATUSES = {s.value: s for s in ResultStatus}
SCOPE_KINDS = {k.value: k for k in ScopeKind}
RECORD_STATUSES = {s.value: s for s in RecordStatus}


def legal_sql(alias: str = "r", *, split: str | None = None) -> str:
    """SQL true exactly where `bot.domain.records.legal_for_lists` accepts the row: for
    the result `alias`, or with `split` for that split of it (the race's status; the
    split's mark and timing; a split carries no wind of its own).

    The terms are written out as the partial index `results_legal_by_mark` (migration
    0008) spells them, limit included as a literal, so SQLite sees the index applies.
    """
    if split is not None:
        return (
            f"{alias}.status = '{ResultStatus.VALID.value}' AND {split}.mark IS NOT NULL "
            f"AND {split}.hand_timed = 0"
        )
    return (
        f"{alias}.status = '{ResultStatus.VALID.value}' AND {alias}.mark IS NOT NULL "
        f"AND {alias}.hand_timed = 0 AND ({alias}.wind IS NULL OR {alias}.wind <= {WIND_LEGAL_MAX})"
    )


INSERT_RESULT = (
    "INSERT INTO results (athlete_id, event_key, sex, venue, mark, hand_timed, wind, "
    "date, competition, city, country, round, place, status, source, added_by) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def result_fields(result: Result) -> tuple:
    """A result's stored fields, in the column order of INSERT_RESULT (without added_by)."""
    mark = result.mark
    return (
        result.athlete.id,
        result.event.key,
        result.sex.value,
        result.venue.value,
        mark.value if mark else None,
        int(bool(mark and mark.hand_timed)),
        result.wind,
        result.date.isoformat(),
        result.competition,
        result.city,
        result.country,
        result.round,
        result.place,
        result.status.value,
        result.source,
    )


async def insert_splits(conn: Connection, result_id: int, splits: Sequence[Split]) -> None:
    await conn.executemany(
        "INSERT INTO splits (result_id, event_key, mark, hand_timed) VALUES (?, ?, ?, ?)",
        [(result_id, s.event.key, s.mark.value, int(s.mark.hand_timed)) for s in splits],
    )


T = TypeVar("T")
_new = object.__new__


def stored(cls: type[T], values: dict[str, Any]) -> T:
    """The frozen dataclass `cls` holding exactly `values` (every field, by name), built
    without running its __init__ (which sets each field through object.__setattr__ and
    is most of the cost of reading a list of rows). Only for what the store reads back:
    values the domain objects it wrote from had already checked. `tests/store` holds each
    use equal to the object built the ordinary way."""
    made = _new(cls)
    made.__dict__.update(values)
    return made


def stored_mark(value: int, unit: Unit, hand_timed: int) -> Mark:
    """A mark read back from the store. A hand time goes through Mark's own checks (a
    tenth, track times only: rules no column constraint holds); others are ints > 0 by
    the tables' CHECK constraints."""
    if hand_timed:
        return Mark(value, unit, True)
    return stored(Mark, {"value": value, "unit": unit, "hand_timed": False})


def athlete_from_row(row: Row) -> Athlete:
    return Athlete(
        id=row["a_id"],
        name=row["a_name"],
        nation=row["a_nation"],
        sex=SEXES[row["a_sex"]],
        birth_date=date.fromisoformat(row["a_birth_date"]) if row["a_birth_date"] else None,
        is_team=bool(row["a_is_team"]),
        birth_place=row["a_birth_place"],
        profile=row["a_profile"],
        birth_year=row["a_birth_year"],
    )


def athlete_at(row: Row, i: int) -> Athlete:
    """The athlete whose ATHLETE_COLUMNS start at position `i` of the row."""
    return stored(
        Athlete,
        {
            "id": row[i],
            "name": row[i + 1],
            "nation": row[i + 2],
            "sex": SEXES[row[i + 3]],
            "birth_date": date.fromisoformat(row[i + 4]) if row[i + 4] else None,
            "is_team": bool(row[i + 5]),
            "birth_place": row[i + 6],
            "profile": row[i + 7],
            "birth_year": row[i + 8],
        },
    )


def stored_copy(thing: T, **changes: Any) -> T:
    """A copy of an object the store read back, with `changes`: built as `stored` builds
    (dataclasses.replace runs __init__ over every field again, several times the cost, for
    values already checked)."""
    return stored(type(thing), {**thing.__dict__, **changes})


def with_splits(result: Result, splits: Sequence[Split]) -> Result:
    """A result read back, with its splits."""
    return stored_copy(result, splits=tuple(splits))


def each_with_splits(
    results: Iterable[Result], splits: Mapping[int, Sequence[Split]]
) -> list[Result]:
    """The results, in order, each with its splits from `splits` (by result id: a result
    read back has one); one it holds none for as it is."""
    return [
        with_splits(r, splits[r.id]) if r.id is not None and r.id in splits else r for r in results
    ]


# Athletes read back, kept by the values of their ATHLETE_COLUMNS: a row that reads the
# same is the same athlete, so one object serves every read of it with nothing to
# invalidate (an athlete renamed reads differently and gets a new object). At most this
# many (about 0.7 kB each), emptied when full.
ATHLETES_KEPT = 2_048


class ResultRows:
    """Reading results: rows of RESULT_COLUMNS then ATHLETE_COLUMNS, and their splits."""

    def __init__(self, reader: Reader, catalogue: EventCatalogue):
        self._reader = reader
        self._catalogue = catalogue
        self._athletes: dict[tuple[Any, ...], Athlete] = {}

    async def _fetch_here(self, sql: str, params: Sequence[Any]) -> list[Row]:
        """One statement's rows from PostgreSQL's reader, read on this loop
        (`PgReader.fetch`: no hop to a reader thread)."""
        return await cast("PgReader", self._reader).fetch(sql, params)

    def _rows_to_results(self, rows: Iterable[Row], athlete: Athlete | None = None) -> list[Result]:
        """Results from rows that start with RESULT_COLUMNS then ATHLETE_COLUMNS, read by
        position (several times cheaper than by name over a list of hundreds). With
        `athlete`, every row is that athlete's and its athlete columns are not read."""
        athletes = self._athletes  # see ATHLETES_KEPT
        days: dict[str, date] = {}
        catalogue = self._catalogue
        results = []
        by_row = athlete is None
        for row in rows:
            if by_row:
                columns = row[16:25]  # a tuple (sqlite3.Row, asyncpg.Record)
                athlete = athletes.get(columns)
                if athlete is None:
                    if len(athletes) >= ATHLETES_KEPT:
                        athletes.clear()
                    athlete = athletes[columns] = athlete_at(row, 16)
            event = catalogue.get(row[1])
            day = days.get(row[7])
            if day is None:
                day = days[row[7]] = date.fromisoformat(row[7])
            results.append(
                stored(
                    Result,
                    {
                        "athlete": athlete,
                        "event": event,
                        "sex": SEXES[row[2]],
                        "venue": VENUES[row[3]],
                        "mark": (
                            stored_mark(row[4], event.unit, row[5]) if row[4] is not None else None
                        ),
                        "date": day,
                        "competition": row[8],
                        "wind": row[6],
                        "city": row[9],
                        "country": row[10],
                        "round": row[11],
                        "place": row[12],
                        "splits": (),
                        "status": STATUSES[row[13]],
                        "source": row[14],
                        "added_by": row[15],
                        "added_at": None,
                        "id": row[0],
                    },
                )
            )
        return results

    def _splits_by_result(self, rows: Iterable[Row | tuple[Any, ...]]) -> dict[int, list[Split]]:
        """Splits by result id, from rows of SPLIT_COLUMNS (read by position)."""
        splits: dict[int, list[Split]] = {}
        for row in rows:
            event = self._catalogue.get(row[2])
            mark = stored_mark(row[3], event.unit, row[4])
            splits.setdefault(row[0], []).append(Split(event, mark, row[1]))
        return splits
