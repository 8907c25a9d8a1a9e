"""What every benchmark suite shares: the suite registry shape, timing statistics, memory
figures and the printed report.

A suite measures, then returns a :class:`SuiteReport`: latency rows (printed as one table)
plus named checks against targets (throughput, memory, ...). `bench/__main__.py` prints the
reports and writes them as JSON; suites never print their results themselves, only progress.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

# --------------------------------------------------------------------------- the registry


@dataclass(frozen=True)
class Suite:
    """One benchmark: `python -m bench NAME` runs it alone, `python -m bench` runs them all.

    `add_arguments` adds the suite's own options (in its own help group) to the shared
    command line; options are global, so two suites must not declare the same flag unless
    they mean the same thing by it (the first declaration wins, see `bench/__main__.py`).
    """

    name: str
    help: str
    run: Callable[[argparse.Namespace], Awaitable[SuiteReport]]
    add_arguments: Callable[[argparse._ArgumentGroup], None] | None = None
    order: int = 100  # `python -m bench` runs suites by (order, name)


# --------------------------------------------------------------------------- report shapes


@dataclass(frozen=True)
class LatencyRow:
    """Latency of one operation through the service layer, beside its raw-SQL floor."""

    operation: str
    calls: int
    p50_ms: float
    p99_ms: float
    floor_p50_ms: float | None
    floor_p99_ms: float | None
    p99_target_ms: float
    ratio_target: float
    floor_note: str = ""

    @property
    def ratio(self) -> float | None:
        """Service p50 over floor p50: what the layers above SQLite cost, typically."""
        if self.floor_p50_ms is None or self.floor_p50_ms <= 0:
            return None
        return self.p50_ms / self.floor_p50_ms

    @property
    def ratio_p99(self) -> float | None:
        if self.floor_p99_ms is None or self.floor_p99_ms <= 0:
            return None
        return self.p99_ms / self.floor_p99_ms

    @property
    def p99_ok(self) -> bool:
        return self.p99_ms < self.p99_target_ms

    @property
    def ratio_ok(self) -> bool:
        return self.ratio is None or self.ratio <= self.ratio_target

    @property
    def passed(self) -> bool:
        return self.p99_ok and self.ratio_ok

    def to_json(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "ratio": self.ratio,
            "ratio_p99": self.ratio_p99,
            "p99_ok": self.p99_ok,
            "ratio_ok": self.ratio_ok,
            "passed": self.passed,
        }


@dataclass(frozen=True)
class Check:
    """A single figure against its target. `passed` is None when it was not measured."""

    name: str
    value: str
    target: str
    passed: bool | None
    note: str = ""


@dataclass
class SuiteReport:
    name: str
    title: str
    latency: list[LatencyRow] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Everything measured, for --json: raw figures, EXPLAIN plans, the generator's report.
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return all(row.passed for row in self.latency) and all(
            check.passed is not False for check in self.checks
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "passed": self.passed,
            "latency": [row.to_json() for row in self.latency],
            "checks": [asdict(check) for check in self.checks],
            "notes": self.notes,
            "figures": self.figures,
        }


# --------------------------------------------------------------------------- statistics


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values (p99 of 1,000 calls = 990th)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass(frozen=True)
class Timings:
    """Per-call durations of one measured loop, in milliseconds, sorted."""

    ms: tuple[float, ...]

    @classmethod
    def from_ns(cls, durations_ns: Sequence[int]) -> Timings:
        return cls(tuple(sorted(d / 1e6 for d in durations_ns)))

    @property
    def p50(self) -> float:
        return percentile(self.ms, 0.50)

    @property
    def p99(self) -> float:
        return percentile(self.ms, 0.99)

    @property
    def max(self) -> float:
        return self.ms[-1] if self.ms else math.nan

    def summary(self) -> dict[str, float | int]:
        return {
            "calls": len(self.ms),
            "p50_ms": self.p50,
            "p90_ms": percentile(self.ms, 0.90),
            "p99_ms": self.p99,
            "max_ms": self.max,
            "mean_ms": sum(self.ms) / len(self.ms) if self.ms else math.nan,
        }


# --------------------------------------------------------------------------- memory


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (ru_maxrss: KiB on Linux, B on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def current_rss_mb() -> float | None:
    """Resident set size right now (Linux only; None elsewhere)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            pages = int(statm.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)


# --------------------------------------------------------------------------- progress


class Progress:
    """Progress lines on stderr, so stdout holds only the report."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._start = time.perf_counter()

    def __call__(self, message: str) -> None:
        if self.enabled:
            elapsed = time.perf_counter() - self._start
            print(f"[{elapsed:7.1f}s] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- printing


def verdict(passed: bool | None) -> str:
    return {True: "PASS", False: "FAIL", None: "n/a"}[passed]


def format_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], left: Sequence[int] = (0,)
) -> str:
    """A plain-text table: columns in `left` left-aligned, the others (figures) right-aligned."""
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.ljust(width) if i in left else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return " | ".join(parts).rstrip()

    rule = "-+-".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])


def _ms(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "-"
    return f"{value:.3f}"


def render_report(report: SuiteReport) -> str:
    out = [f"== {report.title} ==", ""]
    if report.latency:
        headers = (
            "operation",
            "p50 ms",
            "p99 ms",
            "floor p50",
            "floor p99",
            "ratio",
            "target met?",
        )
        rows = []
        for row in report.latency:
            ratio = "-" if row.ratio is None else f"{row.ratio:.2f}x"
            why = []
            if not row.p99_ok:
                why.append(f"p99>={row.p99_target_ms:g}ms")
            if not row.ratio_ok:
                why.append(f"ratio>{row.ratio_target:g}x")
            met = "PASS" if row.passed else "FAIL (" + ", ".join(why) + ")"
            rows.append(
                (
                    row.operation,
                    _ms(row.p50_ms),
                    _ms(row.p99_ms),
                    _ms(row.floor_p50_ms),
                    _ms(row.floor_p99_ms),
                    ratio,
                    met,
                )
            )
        out.append(format_table(headers, rows, left=(0, len(headers) - 1)))
        out.append("")
    if report.checks:
        rows = [
            (c.name, c.value, c.target, verdict(c.passed) + (f"  {c.note}" if c.note else ""))
            for c in report.checks
        ]
        out.append(format_table(("figure", "value", "target", "result"), rows, left=(0, 3)))
        out.append("")
    for note in report.notes:
        out.append(f"* {note}")
    if report.notes:
        out.append("")
    out.append(f"{report.title}: {'ALL TARGETS MET' if report.passed else 'SOME TARGETS MISSED'}")
    return "\n".join(out)
