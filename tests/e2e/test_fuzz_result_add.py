"""1,000 fuzzed `/result add` inputs through the real bot (issue 7's load figures).

Marks, dates, winds, events and names are drawn by a seeded generator from valid values,
near misses and hostile text (markdown, masked links, spoilers, mentions, timestamps,
zero-width and right-to-left characters). Every preview that opens is confirmed (twice
for an implausible mark). Afterwards: no traceback in the bot's log, every stored row is
a valid result that was confirmed, and nothing the bot sent could ping or render a link,
spoiler or mention. The counts are printed (run with -s to see them).
"""

from __future__ import annotations

import asyncio
import random
import re
from datetime import date

from bot.services.writes import ResultDraft, Writes
from tests.e2e.harness import embed_text
from tests.e2e.test_write_commands import bot  # noqa: F401 - the fixture
from tests.unit.test_escaping import SYNTAX, render

INPUTS = 1_000
PARALLEL = 8
SEED = 20260207

HOSTILE = [
    "[a](http://x.y) [Official results](http://evil.example)", "||spoiler||", "|| x ||",
    "**bold**", "__u__", "~~s~~", "`code`", "```block```", "# Heading", "-# small", "- list",
    "1. list", "> quote", "<@{user}>", "<@!{user}>", "<@&{role}>", "<#{channel}>", "@everyone",
    "@here", "<t:1700000000:R>", "</ping:1>", "<:e:1>", "https://evil.example", "\\",
    "\u200b", "\u200d", "\u2060", "\ufeff", "\u202e", "\u2066", "\u200f", "مرحبا", "שלום",
    "\n", "\t", "\x00", "\x1b[31m", "'; DROP TABLE results; --", "Nordås", "Ω" * 120,
]  # fmt: skip
ATHLETES = ["Yared Nuguse", "Jakob Ingebrigtsen", "Josh Kerr", "Cole Hocker", "kerr", "#1"]
EVENTS = [
    "mile",
    "1500m",
    "1500 m",
    "100m",
    "800m",
    "long jump",
    "high jump",
    "5000m",
    "60m",
    "400m hurdles",
    "shot put",
    "decathlon",
    "milee",
    "xyz",
    "",
    "<@1>",
    "mile" * 30,
]
MARKS = ["3:47.{:02d}", "3:4{}.10", "9.{:02d}", "1:4{}.00", "8.{:02d}", "2.{:02d}", "13:0{}.00",
         "DNF", "dns", "DQ", "3:75.00", "-3:45.00", "3:45.1234", "0", "99:99:99", "abc",
         "3:45,14", "9,58", "1e9", "∞", "3:4５.14", "8.95m", "8950"]  # fmt: skip
# Events with marks that fit them: most inputs are plausible, so that many are stored.
FITTING = {
    "mile": ["3:4{}.{:02d}", "3:5{}.{:02d}", "4:0{}.{:02d}"],
    "1500m": ["3:2{}.{:02d}", "3:3{}.{:02d}"],
    "800m": ["1:4{}.{:02d}"],
    "60m": ["6.{:02d}", "7.{:02d}"],
    "100m": ["9.{:02d}", "10.{:02d}"],
    "long jump": ["7.{:02d}", "8.{:02d}"],
    "shot put": ["2{}.{:02d}"],
}
GOOD_DATES = ["2025-01-{}{}", "2024-0{}-1{}", "13 Feb 2025", "2023-07-2{}"]
DATES = [
    "2025-02-0{}",
    "2024-0{}-15",
    "2026-11-2{}",
    "2027-01-01",
    "1800-01-01",
    "February 13, 2025",
    "02/03/2025",
    "2025-13-01",
    "2025-02-30",
    "yesterday",
    "",
]
WINDS = [None, None, "+1.{}", "-0.{}", "+2.{}", "+9.9", "+25.0", "abc", "1,2", "+", "NWI"]


def _filled(pattern: str, rng: random.Random) -> str:
    text = pattern.replace("{:02d}", f"{rng.randint(0, 99):02d}")
    while "{}" in text:
        text = text.replace("{}", str(rng.randint(0, 9)), 1)
    return text


def hostile_text(rng: random.Random, ids: dict[str, int], plain: str) -> str:
    parts = [plain] if rng.random() < 0.6 else []
    for _ in range(rng.randint(0, 4)):
        parts.append(rng.choice(HOSTILE).format(**ids))
    rng.shuffle(parts)
    return (" ".join(parts) or plain)[:100]


def fuzzed_options(rng: random.Random, ids: dict[str, int], n: int) -> dict:
    if rng.random() < 0.75:
        event = rng.choice(list(FITTING))
        mark = _filled(rng.choice(FITTING[event]), rng)
    else:
        event, mark = rng.choice(EVENTS)[:100] or "mile", _filled(rng.choice(MARKS), rng)[:50]
    day = rng.choice(GOOD_DATES) if rng.random() < 0.85 else rng.choice(DATES)
    options: dict = {
        "event": event,
        "mark": mark,
        "venue": rng.choice(["indoor", "outdoor"]),
        "date": _filled(day, rng)[:40] or "2025-02-01",
        "competition": hostile_text(rng, ids, f"Fuzz Meet {n % 37}"),
    }
    if rng.random() < 0.5:
        options["athlete"] = rng.choice(ATHLETES)
    else:
        options["athlete"] = hostile_text(rng, ids, f"Runner {n}")
        options["nation"] = rng.choice(["NOR", "USA", "KEN", "Norway", "XXX", "<@1>"])
        options["sex"] = rng.choice(["men", "women"])
    wind = rng.choice(WINDS) if rng.random() < 0.3 else None
    if wind is not None:
        options["wind"] = _filled(wind, rng)
    if rng.random() < 0.15:
        options["splits"] = rng.choice(["1500m=3:3{}.00", "1000m=2:2{}.00", "5000m=1:00.00", "x"])
        options["splits"] = _filled(options["splits"], rng)
    if rng.random() < 0.3:
        options["source"] = hostile_text(rng, ids, "https://worldathletics.org/results")
    if rng.random() < 0.2:
        options["place"] = rng.randint(1, 1000)
    # Discord refuses empty strings in options; the client never sends them.
    return {k: v for k, v in options.items() if v != ""}


# The bot's own dates are <t:…> timestamps; the one fuzzed in (<t:1700000000:R>) must not be.
PINGS = ("mention", "masked link", "spoiler", "command or emoji")


def visible_texts(body: dict) -> list[str]:
    texts = [body.get("content") or ""]
    for embed in body.get("embeds") or []:
        texts.append(embed_text(embed))
    return texts


async def test_a_thousand_fuzzed_result_adds(fake_discord, running_bot, bot):  # noqa: F811
    owner = fake_discord.owner
    role = fake_discord.add_role("Fans")
    ids = {"user": fake_discord.member.id, "role": role.id, "channel": fake_discord.channel_id}
    rng = random.Random(SEED)
    before = await bot.app.db.counts()
    last_id = (await bot.app.db.reader.execute_fetchall("SELECT max(id) FROM results"))[0][0]
    counts = {"saved": 0, "refused": 0, "not saved at confirm": 0}

    inputs = [fuzzed_options(rng, ids, n) for n in range(INPUTS)]

    async def one(options: dict) -> None:
        rec = await fake_discord.slash("result add", options, user=owner, check_permissions=False)
        preview = await rec.response(timeout=20)
        if not (preview.embeds and preview.components):
            counts["refused"] += 1
            assert preview.ephemeral

            return
        for _ in range(2):  # a second click for an implausible mark
            click = await fake_discord.click(rec.original, "result:confirm", user=owner)
            await click.response(timeout=20)
            message = await rec.wait_original(
                lambda m: (m.get("content") or "").startswith(("Saved", "Not saved", "⚠️")),
                timeout=20,
            )
            if not message["content"].startswith("⚠️"):
                break
        if message["content"].startswith("Saved"):
            counts["saved"] += 1
        else:
            counts["not saved at confirm"] += 1

    for start in range(0, INPUTS, PARALLEL):
        await asyncio.gather(*(one(options) for options in inputs[start : start + PARALLEL]))

    # Nothing stored but valid rows, and exactly the confirmed ones.
    rows = await bot.app.db.reader.execute_fetchall(
        "SELECT id FROM results WHERE id > ? ORDER BY id", (last_id or 0,)
    )
    stored = [await bot.app.results.get(row[0]) for row in rows]
    writes = Writes(bot.app)
    for result in stored:
        assert result.date <= date(2026, 11, 23) and result.date.year >= 1850
        assert result.mark is None or result.mark.value > 0
        assert not re.search(r"[\x00-\x1f\x7f]", result.athlete.name + result.competition)
        rebuilt, _ = writes.build(
            ResultDraft(
                athlete=f"#{result.athlete.id}", event=result.event.key,
                mark=str(result.mark) if result.mark else result.status.value,
                venue=result.venue.value, date=result.date.isoformat(),
                competition=result.competition,
                wind=None if result.wind is None else f"{result.wind / 10:+.1f}",
            )
        )  # fmt: skip
        assert rebuilt.mark == result.mark
    assert len(stored) == counts["saved"]
    after = await bot.app.db.counts()
    assert after["results"] - before["results"] == counts["saved"]

    # Nothing the bot sent can ping, link, hide or time-stamp anything it was given.
    sent = [
        r
        for r in fake_discord.requests
        if r.method in ("POST", "PATCH") and isinstance(getattr(r, "json", None), dict)
    ]
    for request in sent:
        body = request.json
        if "data" in body and isinstance(body["data"], dict):  # interaction callbacks
            body = body["data"]
        if body.get("content") or body.get("embeds"):
            assert body.get("allowed_mentions") == {"parse": []}, request
        for text in visible_texts(body):
            _, syntax = render(text)
            found = [kind for kind in PINGS if SYNTAX[kind].search(syntax)]
            found += ["fuzzed timestamp"] * ("<t:1700000000" in syntax)
            assert not found, (found, text)
    assert not running_bot.errors, running_bot.error_messages()
    fake_discord.assert_clean()
    print(
        f"\nfuzzed /result add: {INPUTS} inputs, {counts['saved']} valid and saved, "
        f"{counts['refused']} refused with an answer, {counts['not saved at confirm']} "
        f"refused at confirm; {len(stored)} rows stored"
    )
