"""Trackside's own memory: a child process that does what the bot's process does with the
store and nothing else — imports the bot (discord.py included), opens the store with
`Trackside.open`, and answers every lookup of the store suite — then reports its peak RSS
(VmHWM) and what the resident memory was made of at each step.

The store suite's own process also holds the harness (the generator's report, the
samples, the floor connection and its page cache, thousands of timings): its peak is
reported apart, for information. Run by `bench.store_bench`; input is JSON on stdin
({"db", "athletes", "pairs", "calls"}), output one JSON object on stdout.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
from pathlib import Path
from typing import Any

from bench.store_bench import TODAY, Samples, _operations
from bot.bot import EXTENSIONS
from bot.config import DEFAULT_DATA_DIR, Settings
from bot.services.app import Trackside

_FIELDS = ("VmHWM", "VmRSS", "RssAnon", "RssFile", "RssShmem")


def status_mb() -> dict[str, float]:
    """VmHWM (peak), VmRSS and its parts from /proc/self/status, in MB (Linux only)."""
    found: dict[str, float] = {}
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                name, _, value = line.partition(":")
                if name in _FIELDS:
                    found[name] = int(value.split()[0]) / 1024
    except OSError:
        pass
    return found


async def measure(job: dict[str, Any]) -> dict[str, Any]:
    for extension in EXTENSIONS:  # the cogs the bot loads in setup_hook
        importlib.import_module(extension)
    steps = {"imported": status_mb()}
    settings = Settings(database_path=Path(job["db"]), data_dir=DEFAULT_DATA_DIR)
    app = await Trackside.open(settings, seed_data=False, today=lambda: TODAY)
    try:
        steps["opened"] = status_mb()
        samples = Samples(job["athletes"], [tuple(pair) for pair in job["pairs"]])
        for op in _operations(samples, job["calls"]):
            for args in op.inputs:
                await op.call(app, args)
        steps["after lookups"] = status_mb()
    finally:
        await app.close()
    return steps


def main() -> None:
    job = json.load(sys.stdin)
    json.dump(asyncio.run(measure(job)), sys.stdout)


if __name__ == "__main__":
    main()
