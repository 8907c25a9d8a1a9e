"""Shared fixtures: the real reference tables, and a Trackside on a temp SQLite file."""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
from collections.abc import AsyncIterator, Iterator, Mapping
from datetime import date
from pathlib import Path

import pytest

from bot.config import DEFAULT_DATA_DIR, Settings
from bot.services.app import Trackside
from bot.services.reference import Reference

# Answers say how long a record "has stood"; tests pin the day they are asked.
TODAY = date(2026, 11, 23)

# The project's research data (verified lists, unverified rows), beside the repository.
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def in_ci(environ: Mapping[str, str] = os.environ) -> bool:
    """CI=true (or 1, yes: any value but empty, 0, false, no) marks a CI run."""
    return environ.get("CI", "").strip().casefold() not in {"", "0", "false", "no"}


def require_shared_data(*names: str) -> Path:
    """../shared/data (and the files named in it), or: outside CI skip, in CI fail loudly.

    CI runs with shared/ beside the repository, so a missing file there is a broken
    checkout, never a reason to pass quietly."""
    missing = [SHARED_DATA / name for name in names or (".",) if not (SHARED_DATA / name).exists()]
    if missing:
        message = f"shared reference data is absent: {', '.join(map(str, missing))}"
        if in_ci():
            pytest.fail(f"{message} (CI is set: CI must provide ../shared/data)", pytrace=False)
        pytest.skip(message)
    return SHARED_DATA


class _SeededTemplate:
    """Stores migrated and seeded with the shipped data (~13,500 record rows), built once
    per session and per `as_of` replay day; a test opening a fresh store gets a file copy
    of one instead of seeding its own (seconds per test otherwise). The seed that follows
    finds every file already loaded, exactly as a real restart would."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()
        self._built: dict[date | None, Path] = {}

    def get(self, open_store, as_of: date | None = None) -> Path:
        with self._lock:
            if as_of not in self._built:
                path = self.folder / f"template-{as_of or 'full'}.db"

                async def build() -> None:
                    app = await open_store(Settings(database_path=path), as_of)
                    await app.close()

                asyncio.run(build())
                assert not Path(f"{path}-wal").exists() or not Path(f"{path}-wal").stat().st_size, (
                    "the template store was closed with pages left in its WAL"
                )
                self._built[as_of] = path
        return self._built[as_of]

    def copy_to(self, target: Path, open_store, as_of: date | None = None) -> None:
        shutil.copyfile(self.get(open_store, as_of), target)

    def seeded_file(self, target: Path) -> Path:
        """A copy of the fully seeded template at `target`, for a process started by a
        test (the CLI) that would otherwise seed its own store first."""
        shutil.copyfile(self._built[None], target)
        return target


@pytest.fixture(scope="session", autouse=True)
def seeded_template(tmp_path_factory) -> Iterator[_SeededTemplate]:
    """Fresh stores with the shipped data, opened in this process, start as a copy of one
    seeded template (see `_SeededTemplate`). Only the default data, seeded in full (no
    `as_of` replay), is copied; anything else seeds as the product does."""
    template = _SeededTemplate(tmp_path_factory.mktemp("seeded-template"))
    original = Trackside.open.__func__

    def opener(cls):
        return lambda s, as_of: original(cls, s, as_of=as_of, today=lambda: TODAY)

    async def open_from_template(cls, settings: Settings, **options) -> Trackside:
        path = Path(settings.database_path)
        if (
            options.get("seed_data", True)
            and Path(settings.data_dir).resolve() == Path(DEFAULT_DATA_DIR).resolve()
            and not path.exists()
            and path.parent.is_dir()
        ):
            await asyncio.to_thread(template.copy_to, path, opener(cls), options.get("as_of"))
        return await original(cls, settings, **options)

    # Built now, not on first use: a bot's readiness window (e2e) must not pay for it.
    template.get(opener(Trackside))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Trackside, "open", classmethod(open_from_template))
        yield template


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The ../shared/data folder (see `require_shared_data`)."""
    return require_shared_data()


@pytest.fixture(scope="session")
def reference() -> Reference:
    return Reference.load(DEFAULT_DATA_DIR)


@pytest.fixture(scope="session")
def catalogue(reference):
    return reference.catalogue


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(database_path=tmp_path / "trackside.db")


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Trackside]:
    trackside = await Trackside.open(settings, today=lambda: TODAY)
    try:
        yield trackside
    finally:
        await trackside.close()


# -- No store left open -----------------------------------------------------------------------
# Each SQLite connection (aiosqlite) and PostgreSQL reader runs on a thread of its own that
# only closing the store ends. One left open keeps the test process from exiting at the end
# of the run (a serial run hung; under pytest-xdist a worker that never exits stalls the
# whole run): each test must close what it opened, even when it fails or skips half-way.
_STORE_THREADS = ("_connection_worker_thread", "trackside-pg-reader")
_THREADS_BEFORE = pytest.StashKey[set[threading.Thread]]()


def store_threads() -> set[threading.Thread]:
    """The live threads of open stores (aiosqlite connections, PostgreSQL readers)."""
    return {t for t in threading.enumerate() if any(n in t.name for n in _STORE_THREADS)}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item):
    item.stash[_THREADS_BEFORE] = store_threads()
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    result = yield
    left = store_threads() - item.stash.get(_THREADS_BEFORE, set())
    for thread in left:
        thread.join(2)  # a store closed just now: its thread is ending
    if left := {t.name for t in left if t.is_alive()}:
        raise AssertionError(
            f"this test left a store open ({', '.join(sorted(left))} still running): close "
            "it in a finally (or a fixture), also when the test fails or skips half-way"
        )
    return result


# -- CI must test PostgreSQL ----------------------------------------------------------------
# Counted from test reports, which pytest-xdist also hands to the controlling process: with
# workers, the controller collects nothing itself and each worker runs only its share.
_postgresql_tests = {"seen": 0, "passed": 0}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if "postgresql" not in report.keywords:
        return
    if report.when == "setup":  # every test that was run or skipped reports its setup
        _postgresql_tests["seen"] += 1
    elif report.when == "call" and report.passed:
        _postgresql_tests["passed"] += 1


def postgresql_left_untested(config: pytest.Config) -> bool:
    """In CI, a run that met PostgreSQL tests and passed none of them: skipped PostgreSQL
    tests would otherwise let a store nobody tested ship. Judged where the reports meet
    (the controller under pytest-xdist, not each worker)."""
    worker = hasattr(config, "workerinput")
    untested = _postgresql_tests["seen"] and not _postgresql_tests["passed"]
    return bool(untested) and in_ci() and not worker


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if open_stores := sorted(t.name for t in store_threads()):
        # The per-test check names the test; this catches a store opened outside one (a
        # session fixture). The process would not exit: say why before it hangs.
        session.config.get_terminal_writer().line(
            f"stores left open at the end of the run: {', '.join(open_stores)}", red=True
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    if exitstatus == 0 and postgresql_left_untested(session.config):
        session.config.get_terminal_writer().line(
            f"CI: {_postgresql_tests['seen']} PostgreSQL tests met and none passed "
            "(set TRACKSIDE_TEST_PG; .ci/run starts a cluster)",
            red=True,
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
