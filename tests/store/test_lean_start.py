"""Startup reads less (issue 10) and still gives what the full reads gave.

- An athlete's prominence counts its record entries from the record book, not from a join
  of the entries with every result: the same counts the join gives.
- The progressions of several records come back in one statement: the same entries, in
  the same order, as one statement per record.
"""

from __future__ import annotations

from bot.domain.models import RecordEntry, RecordScope
from bot.services.app import records_by_athlete

COUNTED = ("world", "area", "nation")


async def test_record_counts_from_the_book_match_the_store(app):
    rows = await app.db.reader.execute_fetchall(
        "SELECT r.athlete_id, e.scope_kind FROM record_entries e "
        "JOIN results r ON r.id = e.result_id WHERE e.status != 'rejected'"
    )
    expected: dict[int, list[int]] = {}
    for athlete_id, kind in rows:
        if kind in COUNTED:
            expected.setdefault(athlete_id, [0, 0, 0])[COUNTED.index(kind)] += 1
    assert expected  # the shipped world records
    assert records_by_athlete(app.book) == {k: tuple(v) for k, v in expected.items()}


async def test_progressions_of_many_records_read_in_one_go(app):
    keys = sorted(app.book.keys(scope=RecordScope.world()))
    assert len(keys) > 60  # more than one statement's worth (50 records each)
    together = await app.record_entries.for_keys(app.db.reader, keys)
    apart = {}
    for key in keys:
        apart.update(await app.record_entries.for_keys(app.db.reader, [key]))
    assert together == apart
    for key in keys:  # the book keeps them in its own (chronological) order
        assert sorted(together[key], key=by_id) == sorted(app.book.entries(key), key=by_id)


def by_id(entry: RecordEntry) -> int:
    return entry.id
