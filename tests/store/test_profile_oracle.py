"""Profiles and head-to-heads in one statement (issue 10/11) give exactly what the
three- and seven-statement reads gave (`tests/store/profile_oracle.py`): the same results
in the same order, splits and all, and the same counts and meetings, for every athlete and
many pairs of the reference data plus written results made to tie, be wind-aided, run
splits and meet each other."""

from __future__ import annotations

import random
from datetime import date

from bot.services.app import Trackside
from bot.services.writes import Actor, ResultDraft, Writes
from tests.store import profile_oracle

MOD = Actor(user_id=1001, guild_id=2001)
RUNNERS = [f"Oracle Runner {i}" for i in range(5)]


def _draft(rng: random.Random, runner: str, day: int) -> ResultDraft:
    event = rng.choice(["mile", "long jump", "1500m"])
    if event == "long jump":
        mark = rng.choice(["7.80", "7.95", "7.95", "8.02"])  # ties at the best
        wind = rng.choice(["+1.0", "+2.4", None])  # +2.4 is wind-aided
    else:
        # ties at the best, a hand time, a race not finished
        mark = rng.choice(["3:50.00", "3:49.50", "3:49.50", "3:52.1", "DNF"])
        wind = None
    splits = "1500m=3:35.00" if event == "mile" and mark != "DNF" and rng.random() < 0.2 else None
    return ResultDraft(
        athlete=runner,
        nation="ISL",
        sex="M",
        event=event,
        mark=mark,
        venue=rng.choice(["outdoor", "indoor"]) if event != "1500m" else "outdoor",
        date=date(2024, 1 + day % 12, 1 + day % 27).isoformat(),
        competition=f"Oracle Meet {day % 9}",
        round="final",
        place=str(rng.randint(1, 8)),
        wind=wind,
        splits=splits,
    )


async def _write_some(app: Trackside) -> None:
    rng = random.Random(20261126)
    writes = Writes(app)
    for day in range(60):
        for runner in rng.sample(RUNNERS, 3):
            try:
                await writes.add_result(_draft(rng, runner, day), MOD, confirm_implausible=True)
            except Exception as exc:  # a duplicate or a refused draw: draw again
                assert "already on file" in str(exc), exc


async def test_profiles_and_head_to_heads_match_the_statement_by_statement_reads(app):
    await _write_some(app)
    ids = [
        row[0]
        for row in await app.db.reader.execute_fetchall(
            "SELECT DISTINCT athlete_id FROM results ORDER BY athlete_id"
        )
    ]
    rng = random.Random(11)
    sample = sorted(set(rng.sample(ids, min(400, len(ids)))) | set(ids[-10:]))
    with_splits = {
        row[0]
        for row in await app.db.reader.execute_fetchall(
            "SELECT DISTINCT r.athlete_id FROM splits s JOIN results r ON r.id = s.result_id"
        )
    }
    sample = sorted(set(sample) | with_splits)
    assert with_splits and len(sample) > 100
    new = await app.results.profiles(sample)
    old = await profile_oracle.profiles(app.results, sample)
    assert new == old
    assert any(count > 10 for _, count in new.values())
    assert any(r.splits for results, _ in new.values() for r in results)
    for athlete_id in sample[:50]:
        assert await app.results.profile_results(athlete_id) == old[athlete_id]

    pairs = [
        (row[0], row[1])
        for row in await app.db.reader.execute_fetchall(
            "SELECT DISTINCT a.athlete_id, b.athlete_id FROM results a JOIN results b "
            "ON b.competition = a.competition AND b.date = a.date "
            "AND b.event_key = a.event_key AND b.round = a.round AND b.sex = a.sex "
            "AND b.athlete_id != a.athlete_id ORDER BY a.athlete_id, b.athlete_id"
        )
    ]
    chosen = rng.sample(pairs, min(200, len(pairs)))
    chosen += [p for p in pairs if p[0] in with_splits or p[1] in with_splits][:20]
    runners = {
        row[0]
        for row in await app.db.reader.execute_fetchall(
            "SELECT id FROM athletes WHERE name LIKE 'Oracle Runner %'"
        )
    }
    chosen += [p for p in pairs if p[0] in runners and p[1] in runners]
    chosen.append((ids[0], ids[1]))  # perhaps never met: no meetings
    met = 0
    for first, second in chosen:
        got = await app.results.head_to_head(first, second)
        assert got == await profile_oracle.head_to_head(app.results, first, second)
        assert await app.results.meetings(first, second) == got[0]
        met += bool(got[0])
    assert met >= len(chosen) - 1
