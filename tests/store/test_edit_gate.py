"""`/result edit` passes the same plausibility gate as `/result add` (issue 7 item 6): a
correction to a probable typo is refused until confirmed a second time, nothing written."""

from __future__ import annotations

import pytest

from bot.services.writes import ImplausibleMarkError, Writes
from tests.store.test_writes import MILE_INDOOR, MOD, feb7, marks, millrose, snapshot

__all__ = ["feb7"]  # the fixture


async def test_an_implausible_correction_needs_the_second_confirmation(feb7):
    writes = Writes(feb7)
    added = await writes.add_result(millrose(mark="3:44.70", splits=""), MOD)
    before = await snapshot(feb7)
    typo = millrose(athlete=f"#{(await feb7.results.get(added.result_id)).athlete.id}",
                    mark="3:01.00", splits="")  # fmt: skip
    with pytest.raises(ImplausibleMarkError, match="Not corrected") as refused:
        await writes.edit_result(added.result_id, typo, MOD)
    assert "3:01.00 beats the Mile world record" in refused.value.warnings[0]
    assert await snapshot(feb7) == before
    assert str((await feb7.results.get(added.result_id)).mark) == "3:44.70"
    assert marks(feb7.book.current(MILE_INDOOR)) == ["3:44.70"]

    await writes.edit_result(added.result_id, typo, MOD, confirm_implausible=True)
    assert str((await feb7.results.get(added.result_id)).mark) == "3:01.00"
    assert marks(feb7.book.current(MILE_INDOOR)) == ["3:01.00"]


async def test_a_plausible_correction_needs_no_second_confirmation(feb7):
    writes = Writes(feb7)
    added = await writes.add_result(millrose(splits=""), MOD)
    athlete = f"#{(await feb7.results.get(added.result_id)).athlete.id}"
    await writes.edit_result(
        added.result_id, millrose(athlete=athlete, mark="3:46.50", splits=""), MOD
    )
    assert marks(feb7.book.current(MILE_INDOOR)) == ["3:46.50"]
