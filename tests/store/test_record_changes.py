"""The record book a process keeps follows each write by re-reading only the records the
store's change log names (migration 0009). After every kind of write it must equal a book
read from scratch, and a write from another connection must be seen too."""

from __future__ import annotations

from bot.domain.models import RecordStatus
from bot.domain.recordbook import RecordBook
from bot.services.app import Trackside
from tests.store import test_writes as tw
from tests.store.test_writes import feb7  # noqa: F401 - a fixture


async def assert_book_is_fresh(app: Trackside) -> None:
    fresh = RecordBook(app.catalogue, await app.record_entries.all())
    kept = {key: app.book.entries(key) for key in app.book.keys(scope=None)}
    assert kept == {key: fresh.entries(key) for key in fresh.keys(scope=None)}
    for scope in fresh.scopes():
        assert app.book.scope_entries(scope) == fresh.scope_entries(scope)


async def test_the_book_follows_every_write_without_a_full_read(feb7: Trackside):  # noqa: F811
    app = feb7
    writes = tw.Writes(app)
    full_reads = 0
    all_entries = app.record_entries.all

    async def counted_all():
        nonlocal full_reads
        full_reads += 1
        return await all_entries()

    app.record_entries.all = counted_all  # type: ignore[method-assign]

    millrose = await writes.add_result(tw.millrose(), tw.MOD)
    await assert_book_is_fresh(app)
    lievin = await writes.add_result(tw.lievin(), tw.MOD)
    await assert_book_is_fresh(app)
    await writes.edit_result(millrose.result_id, tw.millrose(mark="3:46.70"), tw.MOD)
    await assert_book_is_fresh(app)
    pending = writes.pending_records()
    assert pending
    await writes.ratify(pending[0].id, RecordStatus.REJECTED, tw.MOD)
    await assert_book_is_fresh(app)
    await writes.remove_result(lievin.result_id, tw.MOD, "test")
    await assert_book_is_fresh(app)
    # Only the assertions above read every entry: the writes re-read just their records.
    assert full_reads == 5


async def test_a_change_log_gap_falls_back_to_a_full_read(feb7: Trackside):  # noqa: F811
    app = feb7
    await tw.Writes(app).add_result(tw.millrose(), tw.MOD)
    async with app.db.transaction() as conn:
        await conn.execute("UPDATE record_entries SET note = 'x' WHERE id = 1")
        await app.record_entries.prune_changes(conn)
        await conn.execute("UPDATE record_entries SET note = 'y' WHERE id = 2")
        await app.record_entries.prune_changes(conn)
    seen = app._changes_seen
    assert seen is not None
    await app.reload_records()
    assert app._changes_seen is not None and app._changes_seen > seen
    await assert_book_is_fresh(app)
