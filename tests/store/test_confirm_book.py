"""A Confirm takes the progressions it checks from the record book when the store's change
log shows no write since the book was read, and after its commit puts what it filed into
the book without reading it back; a write from elsewhere sends both back to the store."""

from __future__ import annotations

from pathlib import Path

from bot.services.app import Trackside
from tests.store import test_writes as tw
from tests.store.test_import_bulk import MOD, generated_file
from tests.store.test_record_changes import assert_book_is_fresh
from tests.store.test_writes import feb7  # noqa: F401 - a fixture


def count_reads(app: Trackside) -> list[int]:
    reads = [0]
    for_keys = app.record_entries.for_keys

    async def counted(conn, keys):
        reads[0] += 1
        return await for_keys(conn, keys)

    app.record_entries.for_keys = counted  # type: ignore[method-assign]
    return reads


async def test_a_confirm_in_step_with_the_store_reads_no_entry(feb7: Trackside):  # noqa: F811
    app = feb7
    reads = count_reads(app)
    writes = tw.Writes(app)
    millrose = await writes.add_result(tw.millrose(), tw.MOD)
    lievin = await writes.add_result(tw.lievin(), tw.MOD)
    assert tw.MILE_INDOOR in {b.key for b in millrose.check.breaks}
    assert tw.MILE_INDOOR in {b.key for b in lievin.check.breaks}
    assert lievin.announcement_id is not None
    assert reads == [0]  # neither inside the transactions nor after them
    await assert_book_is_fresh(app)
    assert [str(e.mark) for e in app.book.progression(tw.MILE_INDOOR)][-2:] == [
        "3:46.63",
        "3:45.14",
    ]


async def test_a_write_from_elsewhere_is_checked_against_the_store(
    feb7: Trackside,  # noqa: F811
    tmp_path: Path,
):
    app = feb7
    other = await tw.open_store(tmp_path / "feb7.db")  # the same store (see the fixture)
    try:
        await tw.Writes(other).add_result(tw.lievin(), tw.MOD)  # app has not seen it
        reads = count_reads(app)
        slower = tw.millrose(mark="3:46.00", date="2025-02-14", competition="Later Meet")
        added = await tw.Writes(app).add_result(slower, tw.MOD)
        # 3:46.00 beats the book app had, not the 3:45.14 the store has.
        assert tw.MILE_INDOOR not in {b.key for b in added.check.breaks}
        assert reads[0] >= 1
        await assert_book_is_fresh(app)
    finally:
        await other.close()


async def test_an_import_files_into_the_book_without_reading_it_back(app: Trackside, tmp_path):
    data = await generated_file(app, tmp_path, 1_500)
    full_reads = [0]
    all_entries = app.record_entries.all

    async def counted_all():
        full_reads[0] += 1
        return await all_entries()

    app.record_entries.all = counted_all  # type: ignore[method-assign]
    reads = count_reads(app)
    report = await tw.Writes(app).import_csv(data, MOD, bounded=False)
    assert len(report.announcements) > 10  # many records touched: once a full read
    assert full_reads == [0] and reads == [0]
    await assert_book_is_fresh(app)
