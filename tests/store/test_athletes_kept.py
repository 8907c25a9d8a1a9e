"""Athletes read back are kept by the values of their row (`common.ATHLETES_KEPT`): the
same row gives the same object, a changed row a new one, and the keeping is bounded."""

from __future__ import annotations

from bot.domain.events import Sex, Venue
from bot.store.repositories import ResultRepository, common


async def _mile_lines(repo: ResultRepository):
    lines = await repo.top_list_lines("mile", Sex.MEN, lower_is_better=True, venue=Venue.INDOOR)
    return [result for result, _ in lines.lines]


async def test_an_athlete_read_again_is_the_same_object_until_their_row_changes(app):
    first = await _mile_lines(app.results)
    again = await _mile_lines(app.results)
    assert first == again and len(first) >= 2
    assert all(a.athlete is b.athlete for a, b in zip(first, again, strict=True))

    leader = first[0].athlete
    async with app.db.transaction() as conn:
        await conn.execute(
            "UPDATE athletes SET birth_place = ? WHERE id = ?", ("Changed, NOR", leader.id)
        )
    changed = (await _mile_lines(app.results))[0].athlete
    assert changed is not leader
    assert (changed.id, changed.birth_place) == (leader.id, "Changed, NOR")
    assert leader.birth_place != "Changed, NOR"  # objects handed out earlier stay as read


async def test_athletes_kept_are_bounded_and_answers_unchanged(app, monkeypatch):
    fresh = ResultRepository(app.db.reader, app.catalogue)
    expected = await _mile_lines(fresh)
    monkeypatch.setattr(common, "ATHLETES_KEPT", 1)
    kept = ResultRepository(app.db.reader, app.catalogue)
    for _ in range(2):
        assert await _mile_lines(kept) == expected
        assert len(kept._athletes) <= 1
