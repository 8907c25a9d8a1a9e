"""`python -m bench [SUITE ...]`: run the benchmark suites and print (and --json) the figures.

Suites are discovered, not listed: every module `bench/*_bench.py` that defines a module-level
`SUITE = Suite(...)` (see :class:`bench.core.Suite`) takes part. `python -m bench` runs them
all in `order`; `python -m bench store` runs only the store suite. A suite adds its own
options to the shared command line; when two suites declare the same flag the later
declaration replaces the earlier one (argparse `conflict_handler="resolve"`), so a suite
that also needs a generated store should simply reuse `bench.generate.add_arguments`.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import pkgutil
import platform
import sqlite3
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import bench
from bench.core import Suite, SuiteReport, render_report


def discover() -> list[Suite]:
    """Every suite in bench/*_bench.py, in run order."""
    found: dict[str, Suite] = {}
    for module in pkgutil.iter_modules(bench.__path__):
        if not module.name.endswith("_bench"):
            continue
        suite = getattr(importlib.import_module(f"bench.{module.name}"), "SUITE", None)
        if isinstance(suite, Suite):
            if suite.name in found:
                raise SystemExit(f"two benchmark suites are named {suite.name!r}")
            found[suite.name] = suite
    return sorted(found.values(), key=lambda s: (s.order, s.name))


def build_parser(suites: Sequence[Suite]) -> argparse.ArgumentParser:
    listing = "\n".join(f"  {s.name:<10} {s.help}" for s in suites)
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Trackside benchmarks (not part of the test run).",
        epilog=f"suites:\n{listing}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        conflict_handler="resolve",
    )
    parser.add_argument(
        "suites", nargs="*", metavar="SUITE", help="suites to run (default: all of them)"
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures here")
    parser.add_argument(
        "--strict", action="store_true", help="exit with status 1 when a target is missed"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    for suite in suites:
        if suite.add_arguments is not None:
            suite.add_arguments(parser.add_argument_group(f"{suite.name} suite"))
    return parser


def _environment() -> dict[str, object]:
    return {
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def main(argv: Sequence[str] | None = None) -> int:
    suites = discover()
    parser = build_parser(suites)
    args = parser.parse_args(argv)
    by_name = {s.name: s for s in suites}
    unknown = [name for name in args.suites if name not in by_name]
    if unknown:
        parser.error(f"unknown suite(s) {', '.join(unknown)}; choose from {', '.join(by_name)}")
    chosen = [by_name[name] for name in dict.fromkeys(args.suites)] or suites

    environment = _environment()
    reports: list[SuiteReport] = []
    for suite in chosen:
        report = asyncio.run(suite.run(args))
        reports.append(report)
        print(render_report(report), flush=True)
        print()

    if args.json:
        document = {
            "environment": environment,
            "passed": all(r.passed for r in reports),
            "suites": {r.name: r.to_json() for r in reports},
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
        print(f"figures written to {args.json}")
    return 1 if args.strict and not all(r.passed for r in reports) else 0


if __name__ == "__main__":
    sys.exit(main())
