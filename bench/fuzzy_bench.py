"""`python -m bench fuzzy`: name lookups at 100,000 athletes — what each autocomplete
keystroke and each unknown name costs the event loop (issue 7 item 4).

Before this index, difflib compared every name on each keystroke: 320 ms for a prefix,
~1 s for a typo, at 100,000 athletes. Now a prefix is a bisect into the sorted name words,
and only a name that matches no word is compared with every name, by rapidfuzz.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import time

from bench.core import Check, LatencyRow, Suite, SuiteReport, Timings
from bot.domain.events import Sex
from bot.domain.models import Athlete
from bot.services.athletes import AthleteIndex

_SYLLABLES = [
    "ka",
    "ro",
    "ne",
    "li",
    "ma",
    "to",
    "su",
    "ri",
    "an",
    "el",
    "jo",
    "ha",
    "ke",
    "mi",
    "sa",
    "da",
    "vi",
    "lo",
    "be",
    "gu",
    "ng",
    "ol",
]


def _name(rng: random.Random) -> str:
    def word() -> str:
        return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()

    return f"{word()} {word()}"


def athletes(count: int, seed: int = 7) -> list[Athlete]:
    rng = random.Random(seed)
    found = [Athlete(id=i + 1, name=_name(rng), nation="NOR", sex=Sex.MEN) for i in range(count)]
    found.append(Athlete(id=count + 1, name="Josh Kerr", nation="GBR", sex=Sex.MEN))
    found.append(Athlete(id=count + 2, name="Kerron Clement", nation="USA", sex=Sex.MEN))
    return found


def _time(call, repeats: int) -> Timings:
    durations = []
    for _ in range(repeats):
        started = time.perf_counter_ns()
        # Unknown and ambiguous names raise: that is the answer being measured.
        with contextlib.suppress(Exception):
            call()
        durations.append(time.perf_counter_ns() - started)
    return Timings.from_ns(durations)


# (operation, call, p99 target in ms)
def _operations(index: AthleteIndex):
    return [
        ("suggest 'k' (first keystroke)", lambda: index.suggest("k"), 15.0),
        ("suggest 'kar' (a keystroke)", lambda: index.suggest("kar"), 5.0),
        ("suggest 'josh ke'", lambda: index.suggest("josh ke"), 50.0),
        ("suggest typo 'jsoh kerr'", lambda: index.suggest("jsoh kerr"), 50.0),
        ("resolve 'Josh Kerr' (exact)", lambda: index.resolve("Josh Kerr"), 1.0),
        ("resolve 'kerr' (exact surname)", lambda: index.resolve("kerr"), 10.0),
        ("resolve unknown 'Zzyzx Qwerty'", lambda: index.resolve("Zzyzx Qwerty"), 50.0),
    ]


def add_arguments(group: argparse._ArgumentGroup) -> None:
    group.add_argument(
        "--fuzzy-athletes", type=int, default=100_000, help="athletes in the index (100,000)"
    )
    group.add_argument("--fuzzy-repeats", type=int, default=50, help="calls per operation")


async def run(args: argparse.Namespace) -> SuiteReport:
    count = getattr(args, "fuzzy_athletes", 100_000)
    repeats = getattr(args, "fuzzy_repeats", 50)
    report = SuiteReport("fuzzy", f"Athlete name lookups at {count:,} athletes")
    started = time.perf_counter()
    index = AthleteIndex(athletes(count))
    build_ms = (time.perf_counter() - started) * 1000
    for operation, call, target in _operations(index):
        timings = _time(call, repeats)
        report.latency.append(
            LatencyRow(operation, repeats, timings.p50, timings.p99, None, None, target, 0.0)
        )
        report.figures[operation] = timings.summary()
    resolved = index.resolve("kerr").name
    report.checks.append(
        Check("'kerr' resolves to", resolved, "Josh Kerr", resolved == "Josh Kerr")
    )
    report.figures["build_ms"] = build_ms
    report.notes.append(f"index built in {build_ms:.0f} ms")
    return report


SUITE = Suite(
    name="fuzzy",
    help="athlete name lookups (autocomplete, unknown names) at 100,000 athletes",
    run=run,
    add_arguments=add_arguments,
    order=40,
)
