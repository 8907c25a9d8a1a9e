"""Among equally good name matches the most prominent athlete on file is meant (world,
then area, then national record entries, then results on file). That ranking follows our
own writes at once — it was computed at start only, so 'twin' kept its old answer until
a restart. Both stores (tests/store runs PostgreSQL too)."""

from __future__ import annotations

import pytest

from bot.domain.models import RecordStatus
from bot.services.app import Trackside, records_by_athlete
from bot.services.errors import AmbiguousError
from bot.services.writes import IMPORT_COLUMNS, Actor, ResultDraft, Writes

MOD = Actor(user_id=1001, guild_id=2001)


def _mile(athlete: str, nation: str, mark: str, day: str) -> ResultDraft:
    return ResultDraft(
        athlete=athlete,
        nation=nation,
        sex="W",
        event="mile",
        mark=mark,
        venue="indoor",
        date=day,
        competition=f"Twin Meet {day}",
        round="final",
        place="1",
    )


async def test_the_clear_leader_follows_results_and_records_added(app):
    writes = Writes(app)
    ann = await writes.add_result(
        _mile("Ann Twin", "USA", "4:40.00", "2024-01-10"), MOD, confirm_implausible=True
    )
    await writes.add_result(
        _mile("Bea Twin", "CAN", "4:41.00", "2024-01-11"), MOD, confirm_implausible=True
    )
    with pytest.raises(AmbiguousError):  # one result each: no clear leader
        app.athlete("twin")

    await writes.add_result(
        _mile("Bea Twin", "CAN", "4:42.00", "2024-01-12"), MOD, confirm_implausible=True
    )
    assert app.athlete("twin").name == "Bea Twin"  # two results on file against one

    # A world record outranks any number of results.
    record = await writes.add_result(
        _mile("Ann Twin", "USA", "4:13.00", "2024-02-10"), MOD, confirm_implausible=True
    )
    assert app.athlete("twin").name == "Ann Twin"

    # Removing it (and so the record entries it made) gives the lead back.
    await writes.remove_result(record.result_id, MOD, "test")
    assert app.athlete("twin").name == "Bea Twin"
    await writes.remove_result(ann.result_id, MOD, "test")
    assert app.athlete("twin").name == "Bea Twin"
    await _same_as_counted_afresh(app)


async def test_edits_ratifications_and_imports_keep_every_count_exact(app):
    writes = Writes(app)
    added = await writes.add_result(
        _mile("Cal Twin", "USA", "4:12.90", "2024-03-01"), MOD, confirm_implausible=True
    )
    await _same_as_counted_afresh(app)
    moved = _mile("Ann Twin", "USA", "4:12.90", "2024-03-01")  # the result was Ann's
    await writes.add_result(
        _mile("Ann Twin", "USA", "4:50.00", "2024-01-01"), MOD, confirm_implausible=True
    )
    await writes.edit_result(added.result_id, moved, MOD, confirm_implausible=True)
    await _same_as_counted_afresh(app)
    (pending,) = [
        e for e in writes.pending_records() if e.athlete.name == "Ann Twin" and e.key.scope.is_world
    ]
    await writes.ratify(pending.id, RecordStatus.REJECTED, MOD, "test")
    await _same_as_counted_afresh(app)
    lines = [",".join(IMPORT_COLUMNS)] + [
        ",".join(str(getattr(row, c) or "") for c in IMPORT_COLUMNS)
        for row in (
            _mile("Dee Twin", "GBR", "4:30.00", "2024-04-01"),
            _mile("Cal Twin", "USA", "4:31.00", "2024-04-01"),
        )
    ]
    await writes.import_csv(("\n".join(lines) + "\n").encode(), MOD, bounded=True)
    await _same_as_counted_afresh(app)


async def _same_as_counted_afresh(app: Trackside) -> None:
    """What the index holds is what counting everything now gives."""
    fresh = await app.athletes.prominence(records_by_athlete(app.book))
    for athlete in app.athlete_index.suggest("twin"):
        assert app.athlete_index.prominence(athlete.id) == fresh.get(athlete.id, ()), athlete
    for athlete_id, counted in fresh.items():
        assert app.athlete_index.prominence(athlete_id) == counted, athlete_id
