"""The same performance is filed once, whatever round label it is given."""

from __future__ import annotations

import pytest

from bot.services.writes import Actor, DuplicateResultError, ResultDraft, Writes

BOLT = ResultDraft(
    athlete="Usain Bolt",
    event="100m",
    mark="9.58",
    venue="outdoor",
    date="2009-08-16",
    competition="World Championships",
    wind="+0.9",
)


@pytest.mark.parametrize("round_", ["final", "", None])
async def test_a_reference_result_cannot_be_added_again_under_a_round(app, round_):
    # The shipped row has no round; adding it as "final" would list one race twice.
    before = await app.db.counts()
    draft = ResultDraft(**{**BOLT.__dict__, "round": round_})
    with pytest.raises(DuplicateResultError, match="already on file"):
        await Writes(app).preview(draft)
    assert await app.db.counts() == before


async def test_the_same_mark_in_two_named_rounds_is_two_results(app):
    writes = Writes(app)
    heat = ResultDraft(**{**BOLT.__dict__, "date": "2009-08-15", "round": "heat"})
    final = ResultDraft(**{**BOLT.__dict__, "date": "2009-08-15", "round": "semi"})
    await writes.add_result(heat, actor=Actor(user_id=None))
    await writes.add_result(final, actor=Actor(user_id=None))
    with pytest.raises(DuplicateResultError):
        await writes.preview(heat)
