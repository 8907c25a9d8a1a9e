"""The fast read paths (issue 10) against a from-scratch recomputation, on a real store.

Profiles and head-to-heads pick personal bests from a few rows chosen in the reader's
thread (`ResultRepository.profiles`); top lists walk the covering index
`results_legal_by_mark` in one hop. After every write of a random run — add, edit, remove,
import, ratify, reject — each answer must equal what the slow way gives: every result of
the athlete through `for_athlete`, and every result of the event filtered and sorted here.
"""

from __future__ import annotations

import random
from datetime import date

from bot.domain.events import Sex, Venue
from bot.domain.models import RecordStatus, Result, ResultStatus
from bot.services.app import Trackside
from bot.services.profiles import personal_bests, record_marks
from bot.services.writes import IMPORT_COLUMNS, Actor, ResultDraft, Writes
from tests.store import toplist_oracle

MOD = Actor(user_id=1001, guild_id=2001)
# (event, venue, mark range in the event's unit as typed): times and one field event, so
# both directions of "better" are exercised; Iceland's national lists make records pending.
EVENTS = (
    ("mile", "indoor", (3 * 6000 + 5400, 4 * 6000 + 1500)),
    ("mile", "outdoor", (3 * 6000 + 5400, 4 * 6000 + 1500)),
    ("1500m", "outdoor", (3 * 6000 + 3000, 3 * 6000 + 5500)),
    ("long jump", "outdoor", (700, 840)),
)
ATHLETES = [f"Speedy Runner {i}" for i in range(6)]


def _typed(event: str, value: int) -> str:
    if event == "long jump":
        return f"{value // 100}.{value % 100:02d}"
    minutes, rest = divmod(value, 6000)
    return f"{minutes}:{rest // 100:02d}.{rest % 100:02d}"


def _draft(rng: random.Random, day: int) -> ResultDraft:
    event, venue, (low, high) = rng.choice(EVENTS)
    wind = None
    if event in ("long jump",) and venue == "outdoor":
        wind = rng.choice(["+1.0", "-0.5", "+2.4", "+0.0"])  # +2.4 is wind-aided
    splits = None
    if event == "mile" and rng.random() < 0.3:
        splits = "1500m=" + _typed("1500m", rng.randint(3 * 6000 + 3000, 3 * 6000 + 5000))
    return ResultDraft(
        athlete=rng.choice(ATHLETES),
        nation="ISL",
        sex="M",
        event=event,
        mark=_typed(event, rng.randint(low, high)),
        venue=venue,
        date=date(2024, 1 + day % 12, 1 + day % 27).isoformat(),
        competition=f"Speed Meet {day}",
        round=rng.choice(["", "final", "heat 1"]),
        place=str(rng.randint(1, 8)),
        wind=wind,
        splits=splits,
    )


def _legal(r: Result) -> bool:
    return (
        r.status is ResultStatus.VALID
        and r.mark is not None
        and not r.mark.hand_timed
        and (r.wind is None or r.wind <= 20)
    )


def _scratch_top(
    everything: list[Result], event_key: str, venue: Venue | None, year: int | None, lower: bool
) -> tuple[list[int], list[int]]:
    """(performances, performers) result ids, 25 each, from every result on file."""
    rows = [
        r
        for r in everything
        if r.event.key == event_key
        and r.sex is Sex.MEN
        and _legal(r)
        and (venue is None or r.venue is venue)
        and (year is None or r.date.year == year)
    ]
    rows.sort(key=lambda r: (r.mark.value if lower else -r.mark.value, r.date, r.id))
    performers, seen = [], set()
    for r in rows:
        if r.athlete.id not in seen:
            seen.add(r.athlete.id)
            performers.append(r.id)
    return [r.id for r in rows[:25]], performers[:25]


def _bests(app: Trackside, athlete_id: int, results: list[Result]) -> list[tuple]:
    return [
        (b.event.key, b.venue, b.result.id, b.mark, b.origin, b.record, b.date)
        for b in personal_bests(app.catalogue, results, record_marks(app, athlete_id))
    ]


async def _every_result_of_the_events(app: Trackside) -> list[Result]:
    rows = await app.db.reader.execute_fetchall(
        "SELECT DISTINCT athlete_id FROM results WHERE event_key IN ('mile', '1500m', 'long jump')"
    )
    by_athlete = await app.results.for_athletes([row[0] for row in rows])
    return [r for results in by_athlete.values() for r in results]


async def _check_everything(app: Trackside) -> None:
    everything = await _every_result_of_the_events(app)
    ids = sorted({r.athlete.id for r in everything if r.athlete.name in ATHLETES})
    lean = await app.results.profiles(ids)
    for athlete_id in ids:
        full = await app.results.for_athlete(athlete_id)
        chosen, count = lean[athlete_id]
        assert count == len(full)
        assert [r.id for r in chosen[:10]] == [r.id for r in full[:10]]
        assert chosen[:10] == full[:10]  # splits and all
        assert _bests(app, athlete_id, chosen) == _bests(app, athlete_id, full)
    for event_key, lower in (("mile", True), ("1500m", True), ("long jump", False)):
        for venue in (None, Venue.INDOOR, Venue.OUTDOOR):
            for year in (None, 2024):
                performances, performers = _scratch_top(everything, event_key, venue, year, lower)
                for by, expected in ((False, performances), (True, performers)):
                    got = await toplist_oracle.top_list(
                        app.results,
                        event_key,
                        Sex.MEN,
                        lower_is_better=lower,
                        venue=venue,
                        year=year,
                        performers=by,
                    )
                    assert [r.id for r in got] == expected, (event_key, venue, year, by)


async def test_profiles_and_top_lists_match_a_recomputation_across_every_write(app):
    rng = random.Random(20260611)
    writes = Writes(app)
    added: list[int] = []
    day = 0
    done_kinds: set[str] = set()
    verdicts: dict[int, RecordStatus] = {}
    for _ in range(40):
        action = rng.choice(["add", "add", "add", "edit", "remove", "import", "ratify"])
        day += 1
        if action == "add" or (not added and action in ("edit", "remove")):
            try:
                done = await writes.add_result(_draft(rng, day), MOD, confirm_implausible=True)
            except Exception as exc:  # a duplicate draws again next step
                assert "already on file" in str(exc), exc
                continue
            added.append(done.result_id)
        elif action == "edit":
            result_id = rng.choice(added)
            try:
                await writes.edit_result(result_id, _draft(rng, day), MOD)
            except Exception as exc:
                assert "already on file" in str(exc), exc
        elif action == "remove":
            result_id = added.pop(rng.randrange(len(added)))
            await writes.remove_result(result_id, MOD, "test")
        elif action == "import":
            lines = [",".join(IMPORT_COLUMNS)]
            for _ in range(rng.randint(2, 6)):
                day += 1
                draft = _draft(rng, day)
                lines.append(",".join(getattr(draft, c) or "" for c in IMPORT_COLUMNS))
            before = {r.id for r in await _every_result_of_the_events(app)}
            try:
                await writes.import_csv(("\n".join(lines) + "\n").encode(), MOD)
            except Exception as exc:
                assert "already on file" in str(exc), exc
            after = {r.id for r in await _every_result_of_the_events(app)}
            added.extend(sorted(after - before))
        else:
            pending = writes.pending_records()
            if not pending:
                continue
            status = RecordStatus.RATIFIED if len(verdicts) % 2 else RecordStatus.REJECTED
            await writes.ratify(pending[0].id, status, MOD, "test")
            verdicts[pending[0].id] = status
        done_kinds.add(action)
        await _check_everything(app)
    # The run did write, every kind of write, and records went pending, ratified, rejected.
    assert done_kinds == {"add", "edit", "remove", "import", "ratify"}
    assert set(verdicts.values()) == {RecordStatus.RATIFIED, RecordStatus.REJECTED}


async def test_record_entries_reread_give_exactly_the_changed_rows(app):
    # Entries are no longer reused across reads by comparing row copies (12 MB kept at a
    # million results for a read that runs at startup and after gaps): a re-read is a
    # fresh read, and must show every change.
    repo = app.record_entries
    first = await repo.all()
    writes = Writes(app)
    pending = writes.pending_records()[0]
    ratified = next(e for e in first if e.status is RecordStatus.RATIFIED)
    await writes.ratify(pending.id, RecordStatus.REJECTED, MOD, "test")
    async with app.db.transaction() as conn:  # an athlete's row changes: their entries too
        await conn.execute(
            "UPDATE athletes SET birth_place = 'Sandnes' WHERE id = ?", (ratified.athlete.id,)
        )
        await conn.execute("DELETE FROM record_entries WHERE id = ?", (first[-1].id,))
    second = await repo.all()
    fresh = await type(repo)(app.db.reader, app.catalogue).all()
    assert second == fresh
    assert first[-1].id not in {e.id for e in second}
    by_id = {e.id: e for e in first}
    changed = {pending.id} | {e.id for e in first if e.athlete.id == ratified.athlete.id}
    assert [e for e in second if e.id not in changed] == [
        by_id[e.id] for e in second if e.id not in changed
    ]
    assert next(e for e in second if e.id == pending.id).status is RecordStatus.REJECTED
    assert {e.athlete.birth_place for e in second if e.athlete.id == ratified.athlete.id} == {
        "Sandnes"
    }
