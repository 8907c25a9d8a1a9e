"""tests/conftest.py fails a test that leaves a store open: its connection thread would
keep the test process from exiting (a serial run hung at the end; under pytest-xdist a
worker that never exits stalls the whole run)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

import tests.conftest as support
from bot.store.database import Database


def _wrapped(hook, *args):
    """Run one of the conftest's wrapper hooks around a no-op hook."""
    steps = hook(*args)
    next(steps)
    with pytest.raises(StopIteration):
        steps.send(None)


async def test_a_store_left_open_fails_the_test(tmp_path: Path):
    item = SimpleNamespace(stash=pytest.Stash())
    _wrapped(support.pytest_runtest_setup, item)
    db = await Database.open(tmp_path / "left-open.db")
    try:
        with pytest.raises(AssertionError, match="left a store open"):
            _wrapped(support.pytest_runtest_teardown, item, None)
    finally:
        await db.close()
    _wrapped(support.pytest_runtest_teardown, item, None)  # closed: passes
    assert not support.store_threads() - item.stash[support._THREADS_BEFORE]
