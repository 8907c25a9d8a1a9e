"""The inputs suite: how fast hostile input is refused.

A 10,000-character mark and a 10,000-character event name must be refused at once, not
after a regular expression or a fuzzy matcher has chewed on them. The unit tests check
that they are refused with a short message; the time it takes is measured here (tests
never assert timings).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from bench.core import Check, LatencyRow, Progress, Suite, SuiteReport, Timings
from bot.config import DEFAULT_DATA_DIR
from bot.domain.catalogue import EventCatalogue, UnknownEventError
from bot.domain.marks import MarkError, parse_mark

HUGE_MARK = "9" * 10_000
HOSTILE_EVENT = ("marathon " * 1200)[:10_000]
MARK_P99_TARGET_MS = 1.0  # was tests/unit/test_marks.py: < 1 ms per refusal
EVENT_P99_TARGET_MS = 500.0  # was tests/unit/test_catalogue.py: < 0.5 s
MARK_CALLS = 200
EVENT_CALLS = 20


def _time(call: Callable[[], object], expected: type[Exception], calls: int) -> Timings:
    durations = []
    for _ in range(calls):
        started = time.perf_counter_ns()
        try:
            call()
        except expected:
            pass
        else:
            raise AssertionError(f"{call} accepted hostile input")
        durations.append(time.perf_counter_ns() - started)
    return Timings.from_ns(durations)


def _row(operation: str, timings: Timings, target_ms: float) -> LatencyRow:
    return LatencyRow(
        operation=operation,
        calls=len(timings.ms),
        p50_ms=timings.p50,
        p99_ms=timings.p99,
        floor_p50_ms=None,
        floor_p99_ms=None,
        p99_target_ms=target_ms,
        ratio_target=float("inf"),
        floor_note="no floor: nothing below the parser",
    )


async def run(args: argparse.Namespace) -> SuiteReport:
    progress = Progress(enabled=not args.quiet)
    catalogue = EventCatalogue.from_csv_text(
        (DEFAULT_DATA_DIR / "events.csv").read_text(encoding="utf-8")
    )
    mile = catalogue.get("mile")
    report = SuiteReport("inputs", "Hostile input refused")

    progress(f"parse_mark on a {len(HUGE_MARK):,}-character mark x{MARK_CALLS}")
    marks = _time(lambda: parse_mark(HUGE_MARK, mile), MarkError, MARK_CALLS)
    report.latency.append(_row("parse_mark, 10,000-character mark", marks, MARK_P99_TARGET_MS))

    progress(f"catalogue.resolve on a {len(HOSTILE_EVENT):,}-character name x{EVENT_CALLS}")
    events = _time(lambda: catalogue.resolve(HOSTILE_EVENT), UnknownEventError, EVENT_CALLS)
    report.latency.append(
        _row("catalogue.resolve, 10,000-character name", events, EVENT_P99_TARGET_MS)
    )
    suggest_started = time.perf_counter()
    suggestions = catalogue.suggest(HOSTILE_EVENT)
    suggest_ms = (time.perf_counter() - suggest_started) * 1000
    report.checks.append(
        Check(
            "catalogue.suggest, 10,000-character name",
            f"{suggest_ms:.3f} ms, {len(suggestions)} suggestions",
            f"< {EVENT_P99_TARGET_MS:g} ms",
            suggest_ms < EVENT_P99_TARGET_MS,
        )
    )
    report.figures = {"parse_mark": marks.summary(), "resolve": events.summary()}
    return report


SUITE = Suite(
    name="inputs",
    help="how fast hostile marks and event names are refused",
    run=run,
    order=5,
)
