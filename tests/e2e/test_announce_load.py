"""Load and faults: the real bot process announcing two records to 50 subscribed servers
with different filters, under 429/500/503 answers and a kill -9 mid-delivery.

Every matching channel must get exactly one message per record, the others none. The
figures (channels, messages, duplicates, lost, time) are printed: run with ``-s``.
"""

from __future__ import annotations

import signal
import sqlite3
import time
from collections import Counter

from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.test_announce_fanout import until
from tests.e2e.test_bot_process import BotProcess, bot_process  # noqa: F401 - a fixture
from tests.e2e.test_write_commands import answered

SERVERS = 50
MILE = {  # a men's mile world indoor record
    "athlete": "Jakob Ingebrigtsen", "event": "mile", "mark": "3:44.90", "venue": "indoor",
    "date": "2026-02-01", "competition": "Test Indoor Meet",
}  # fmt: skip
W1500 = {  # a women's 1500 m world indoor record
    "athlete": "Gudaf Tsegay", "event": "1500m", "mark": "3:52.00", "venue": "indoor",
    "date": "2026-02-02", "competition": "Test Indoor Meet",
}  # fmt: skip
RECORDS = {"mile": ("3:44.90", "Mile"), "1500m": ("3:52.00", "1500 m")}
# /alerts set options, and which of the two records each lets through (worked out by hand).
FILTERS: list[tuple[dict[str, str], set[str]]] = [
    ({}, {"mile", "1500m"}),
    ({"scopes": "world"}, {"mile", "1500m"}),
    ({"events": "mile"}, {"mile"}),
    ({"events": "1500m"}, {"1500m"}),
    ({"sex": "men"}, {"mile"}),
    ({"sex": "women"}, {"1500m"}),
    ({"events": "100m"}, set()),
    # The Norwegian indoor mile record is on file (national lists): Ingebrigtsen's mile
    # breaks it too, so a NOR subscription gets that announcement; Tsegay's is Ethiopian.
    ({"scopes": "NOR"}, {"mile"}),
    ({"events": "mile, 1500m", "sex": "women"}, {"1500m"}),
    ({"scopes": "world", "events": "mile", "sex": "women"}, set()),
]


def delivery_rows(db) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT announcement_id, channel_id, status, message_id FROM deliveries"
        ).fetchall()


def posts(fake: FakeDiscord) -> list:
    return [r for r in fake.requests if r.method == "POST" and r.path.endswith("/messages")]


async def add_record(fake: FakeDiscord, options: dict) -> None:
    owner = fake.owner
    rec = await fake.slash("result add", options, user=owner)
    await rec.response(timeout=15)
    await (await fake.click(rec.original, "result:confirm", user=owner)).response(timeout=15)
    await rec.wait_original(lambda m: "Saved" in (m.get("content") or ""), timeout=15)


async def test_fifty_servers_under_faults_and_a_kill_get_exactly_one_each(
    fake_discord: FakeDiscord,
    bot_process: BotProcess,  # noqa: F811
):
    fake = fake_discord
    guilds = [fake.get_guild()] + [fake.add_guild(f"Club {i:02d}") for i in range(1, SERVERS)]
    await bot_process.start()

    wanted: dict[int, set[str]] = {}  # channel id -> the records it should get
    for i, guild in enumerate(guilds):
        options, gets = FILTERS[i % len(FILTERS)]
        assert guild.default_channel is not None and guild.owner is not None
        channel = guild.default_channel
        rec = await fake.slash(
            "alerts set", {"channel": channel, **options}, user=guild.owner, guild_id=guild.id
        )
        # /alerts set writes, so it defers first: its answer is the followup.
        assert "Record announcements will go to" in (await answered(rec, timeout=15))["content"]
        wanted[channel.id] = gets

    # Channel x: Discord creates the message but the answer is a 500, and discord.py's
    # retry hangs: the bot never learns it was posted. Channel y: the post hangs unanswered.
    x, y = guilds[0].default_channel.id, guilds[1].default_channel.id  # type: ignore[union-attr]
    fake.fail_next("POST", rf"^/channels/{x}/messages$", 500, apply=True)
    hung_x = fake.fail_next("POST", rf"^/channels/{x}/messages$", None, delay=60)
    hung_y = fake.fail_next("POST", rf"^/channels/{y}/messages$", None, delay=60)
    any_channel = r"^/channels/\d+/messages$"
    faults = {
        429: fake.fail_next("POST", any_channel, 429, times=6, retry_after=0.05),
        500: fake.fail_next("POST", any_channel, 500, times=3),  # discord.py retries
        503: fake.fail_next("POST", any_channel, 503, times=6),  # raised: ours to retry
    }

    started = time.perf_counter()
    await add_record(fake, MILE)
    await add_record(fake, W1500)
    await fake.wait_for(lambda: hung_x.hits and hung_y.hits, timeout=20, what="both posts hung")
    assert await bot_process.stop(signal.SIGKILL) == -signal.SIGKILL
    killed_at = time.perf_counter() - started
    pending_at_kill = sum(1 for r in delivery_rows(bot_process.db) if r[2] == "pending")
    assert pending_at_kill >= 2  # x and y at least: the kill was mid-delivery
    assert fake.channel_messages.get(x) and not fake.channel_messages.get(y)

    restarted = time.perf_counter()
    await bot_process.start()

    def final() -> list[tuple] | None:
        rows = delivery_rows(bot_process.db)
        return rows if rows and all(r[2] != "pending" for r in rows) else None

    async def check():
        return final()

    rows = await until(fake, check, timeout=40, what="every delivery row final")
    finished = time.perf_counter()

    # The announcer is idle (no delivery pending): now count what each channel got.
    got: dict[int, Counter[str]] = {}
    for channel_id in wanted:
        titles = Counter()
        for message in fake.channel_messages.get(channel_id, []):
            text = str(message.get("embeds"))
            for event, (mark, _) in RECORDS.items():
                if mark in text:
                    titles[event] += 1
        got[channel_id] = titles
    expected = sum(len(gets) for gets in wanted.values())
    posted = sum(len(fake.channel_messages.get(c, [])) for c in wanted)
    duplicates = sum(max(n - 1, 0) for titles in got.values() for n in titles.values())
    lost = sum(1 for c, gets in wanted.items() for event in gets if not got[c][event])
    wrong = sum(1 for c, gets in wanted.items() for event in got[c] if event not in gets)
    print(
        f"\nannouncement load: {SERVERS} servers/channels, 2 records, "
        f"{sum(1 for g in wanted.values() if g)} channels matching, {expected} messages expected; "
        f"posted {posted}, duplicates {duplicates}, lost {lost}, to non-matching {wrong}; "
        f"POST requests {len(posts(fake))} "
        f"(faults: 429×{len(faults[429].hits)}, 500×{len(faults[500].hits) + 1}, "
        f"503×{len(faults[503].hits)}, 2 hung), nonce answers {fake.nonce_hits}; "
        f"killed -9 at {killed_at:.1f} s with {pending_at_kill} deliveries pending; "
        f"all delivered {finished - started:.1f} s after the first record "
        f"({finished - restarted:.1f} s after the restart began)"
    )
    assert (duplicates, lost, wrong) == (0, 0, 0)
    assert posted == expected
    assert all(fault.remaining == 0 for fault in faults.values())
    assert fake.nonce_hits >= 1  # x's message was found again by its nonce, not reposted
    assert len(rows) == expected and all(r[2] == "delivered" for r in rows)
    for _, channel_id, _, message_id in rows:
        assert fake.messages[message_id]["channel_id"] == str(channel_id)
    assert await bot_process.stop() == 0
