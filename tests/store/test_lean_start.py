"""Startup reads less (issue 10) and still gives what the full reads gave.

- An athlete's prominence counts its record entries from the record book, not from a join
  of the entries with every result: the same counts the join gives.
- RecordBook.replace_keys rebuilds only the scopes it touches, as a fresh book has them.
- The progressions of several records come back in one statement: the same entries, in
  the same order, as one statement per record.
"""

from __future__ import annotations

from dataclasses import replace

from bot.domain.models import RecordEntry, RecordScope, ScopeKind
from bot.domain.recordbook import RecordBook
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


async def test_replacing_some_records_keeps_every_scope_as_a_fresh_book_has_it(app):
    """RecordBook.replace_keys rebuilds only the touched scopes' entry lists (it walked
    every record for each): the same lists, in the same order, as a book built anew."""
    book = app.book
    world = sorted(book.keys(scope=RecordScope.world()))
    kept, emptied, moved = world[3], world[5], world[7]
    new_key = replace(moved, scope=RecordScope(ScopeKind.NATION, "ISL"))
    found = {
        kept: list(reversed(book.entries(kept))),
        new_key: [replace(e, key=new_key) for e in book.entries(moved)],
    }
    book.replace_keys([kept, emptied, new_key], found)
    assert book.entries(emptied) == []
    fresh = RecordBook(app.catalogue, [e for k in book.keys(scope=None) for e in book.entries(k)])
    assert fresh.scopes() == book.scopes()
    for scope in book.scopes():
        assert book.scope_entries(scope) == fresh.scope_entries(scope), scope
