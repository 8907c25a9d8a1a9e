"""Shared fixtures: the real reference tables, and a Trackside on a temp SQLite file."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Mapping
from datetime import date
from pathlib import Path

import pytest

from bot.config import DEFAULT_DATA_DIR, Settings
from bot.services.queries import Reference, Trackside

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


# -- CI must test PostgreSQL ----------------------------------------------------------------
_postgresql_ran: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and report.passed and "postgresql" in report.keywords:
        _postgresql_ran.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI, a run that collected PostgreSQL tests and passed none of them fails: skipped
    PostgreSQL tests would otherwise let a store nobody tested ship."""
    collected = [item for item in session.items if item.get_closest_marker("postgresql")]
    if in_ci() and collected and not _postgresql_ran and exitstatus == 0:
        session.config.get_terminal_writer().line(
            f"CI: {len(collected)} PostgreSQL tests collected and none ran "
            "(set TRACKSIDE_TEST_PG; .ci/run starts a cluster)",
            red=True,
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
