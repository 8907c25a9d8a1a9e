"""The lean read paths of issue 10 give the answers the plain ways give.

- Rows read back are built without the dataclasses' __init__ (`common.stored`, and the copies
  `common.stored_copy` makes: a result with its splits, a split's top-list line): each must
  equal, field for field, the object __init__ builds from the same values.
- A top list's lines come back in one hop, read whole only where asked for: the same as
  the race and split lists read whole, merged.
- An athlete's held records are kept (`Trackside.athlete_records`) until the records are
  next read: after a write that breaks one, the profile no longer shows it held.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from bot.domain.events import Sex, Venue
from bot.domain.marks import format_mark
from bot.services import profiles
from bot.services.writes import Actor, ResultDraft, Writes
from tests.store import toplist_oracle

MOD = Actor(user_id=1001, guild_id=2001)


def _same_as_built(thing: object) -> None:
    built = replace(thing)  # through __init__ (and __post_init__), every field by name
    assert built == thing
    assert vars(built) == vars(thing)


async def test_rows_read_back_equal_what_init_builds(app):
    # The shipped data has splits; add a DNF and a hand time (read back apart: Mark checks).
    athlete_id = app.athlete("Jakob Ingebrigtsen").id
    async with app.db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO results (athlete_id, event_key, sex, venue, mark, hand_timed, date, "
            "competition, status, source) VALUES (?, ?, 'M', 'outdoor', ?, ?, ?, 'Lean', ?, 't')",
            [
                (athlete_id, "800m", None, 0, "2025-06-01", "dnf"),
                (athlete_id, "100m", 1090, 1, "2025-06-02", "valid"),
            ],
        )
    everything = await app.results.everything()
    assert any(r.splits for r in everything) and any(r.mark is None for r in everything)
    assert any(r.mark and r.mark.hand_timed for r in everything)
    for result in everything:
        _same_as_built(result)
        _same_as_built(result.athlete)
        if result.mark is not None:
            _same_as_built(result.mark)
        for split in result.splits:
            _same_as_built(split.mark)


async def test_top_list_lines_are_both_lists_merged(app):
    """`top_list_lines` reads keys, then whole rows for the lines asked for only: the
    lines are those of the race list and the split list, read whole and merged."""
    for event_key, lower in (("1500m", True), ("mile", True), ("lj", False)):
        for venue in (None, Venue.INDOOR, Venue.OUTDOOR):
            for performers in (False, True):
                for start, stop in ((0, 1), (0, 3), (0, 25), (2, 5), (24, 40)):
                    wanted = dict(lower_is_better=lower, venue=venue, performers=performers)
                    keys, lines = await app.results.top_list_lines(
                        event_key, Sex.MEN, **wanted, start=start, stop=stop
                    )
                    merged = await toplist_oracle.merged_list(
                        app.results, event_key, Sex.MEN, **wanted, limit=stop
                    )
                    assert lines == merged[start:stop]
                    assert len(keys) <= stop + 1
                    for (race, split_of), key in zip(lines, keys[start:stop], strict=True):
                        assert key.split is (split_of is not None)
                        assert split_of is not None or key.line_id == race.id
                        _same_as_built(race)  # a split's line is a copy (`stored_copy`)


async def test_held_records_cached_until_a_write_breaks_one(app):
    jakob = app.athlete("Jakob Ingebrigtsen")
    before = await app.athlete_profile("Jakob Ingebrigtsen")
    world = [h for h in before.records if h.key.scope.kind.value == "world"]
    assert world, "the shipped data has Jakob holding a world record"
    assert jakob.id in app.athlete_records  # kept for the next profile
    assert (await app.athlete_profile("Jakob Ingebrigtsen")).records == before.records

    broken = world[0]
    faster = broken.entry.mark.value - 100 if broken.event.lower_is_better else None
    assert faster is not None
    await Writes(app).add_result(
        ResultDraft(
            athlete="Cache Breaker",
            nation="NOR",
            sex="M",
            event=broken.event.key,
            mark=format_mark(replace(broken.entry.mark, value=faster)),
            venue=broken.key.list.value,
            date=date(2026, 2, 1).isoformat(),
            competition="Cache Meet",
        ),
        MOD,
        confirm_implausible=True,
    )
    after = await app.athlete_profile("Jakob Ingebrigtsen")
    assert broken.key not in {h.key for h in after.records}
    assert after.records == profiles._held(app, jakob.id)  # as computed afresh
    breaker = await app.athlete_profile("Cache Breaker")
    assert broken.key in {h.key for h in breaker.records}
