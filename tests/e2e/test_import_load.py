"""Load figure: `/record` stays answered while `/result import` checks and writes 5,000 rows
against a store of 20,000 athletes — the real bot process, the fake Discord.

Before the import's row checks moved off the event loop, a 1,000-row import against 5,000
athletes froze the bot for ~21 s and every `/record` meanwhile failed. The fake enforces
Discord's 3-second acknowledgement window; the latencies are printed, not asserted
(shown in every run).
"""

from __future__ import annotations

import asyncio
import sqlite3
import statistics
import time
from datetime import date, timedelta

from bench.core import Progress
from bench.generate import GenerateConfig, generate
from tests.e2e.fake_discord import FakeDiscord, FakeFile
from tests.e2e.test_bot_process import BotProcess, bot_process  # noqa: F401 - the fixture

ATHLETES = 20_000
ROWS = 5_000
NEW_ATHLETES = 25  # unknown names: the slow path of name matching (a fuzzy search each)


def import_file(path) -> bytes:
    """ROWS plausible miles: by athletes on file whose name and nation say who they are, and
    NEW_ATHLETES by athletes new to the store."""
    with sqlite3.connect(path) as conn:
        athletes = conn.execute(
            "SELECT name, nation, sex FROM athletes WHERE is_team = 0 AND nation IS NOT NULL "
            "AND sex IN ('M', 'W') GROUP BY search_key HAVING count(*) = 1 ORDER BY id"
        ).fetchall()
    assert len(athletes) >= 1_000, len(athletes)
    lines = ["athlete,nation,sex,event,mark,venue,date,competition,source"]
    first = date(2010, 1, 1)
    for i in range(ROWS):
        name, nation, sex = athletes[i % len(athletes)]
        if i % (ROWS // NEW_ATHLETES) == 0:
            name, nation, sex = f"Newcomer {chr(65 + i // 1000)}{i:04d} Loadtest", "KEN", "M"
        minutes = 4 if sex == "M" else 5
        mark = f"{minutes}:{10 + i % 40:02d}.{i % 100:02d}"
        day = first + timedelta(days=i // len(athletes) * 7 + i % 300)
        lines.append(
            f"{name},{nation},{'men' if sex == 'M' else 'women'},mile,{mark},outdoor,{day},"
            f"Load Meet {i % 97},load test"
        )
    return ("\n".join(lines) + "\n").encode()


async def test_record_answers_while_a_big_import_runs(
    fake_discord: FakeDiscord,
    bot_process,  # noqa: F811
    capsys,
):
    started = time.perf_counter()
    report = await generate(
        bot_process.db, GenerateConfig(results=20_000, athletes=ATHLETES), Progress(False)
    )
    data = import_file(bot_process.db)
    built = time.perf_counter() - started
    await bot_process.start()
    owner = fake_discord.owner

    import_started = time.perf_counter()
    rec = await fake_discord.slash(
        "result import", {"file": FakeFile("big.csv", data, "text/csv")}, user=owner
    )
    await rec.response()  # deferred at once
    done = asyncio.create_task(rec.followups(1, timeout=120))
    latencies: list[float] = []
    while not done.done():
        ask = await fake_discord.slash("record", {"event": "mile", "venue": "indoor"})
        answer = await ask.response(timeout=3.5)  # the fake refuses an answer after 3 s
        assert "3:45.14" in str(answer.embeds)
        latencies.append(ask.ack_latency)
        await asyncio.sleep(0.02)
    (followup,) = await done
    took = time.perf_counter() - import_started
    assert f"Imported {ROWS} results in one go." in followup["content"], followup["content"]
    with sqlite3.connect(bot_process.db) as conn:
        loaded = conn.execute("SELECT count(*) FROM results WHERE source = 'load test'")
        assert loaded.fetchone()[0] == ROWS

    ms = sorted(1000 * x for x in latencies)
    p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
    with capsys.disabled():  # the figure shows in every run, not only with -s
        print(
            f"\nimport load: {ROWS:,} rows into a store of {ATHLETES:,} athletes and "
            f"{report.results + report.reference_results:,} results took {took:.1f} s in the bot "
            f"(store built in {built:.1f} s); /record answered {len(ms)} times meanwhile: "
            f"p50 {statistics.median(ms):.1f} ms, p99 {p99:.1f} ms, max {ms[-1]:.1f} ms"
        )
    assert await bot_process.stop() == 0
    fake_discord.assert_clean()
