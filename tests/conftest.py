"""Shared fixtures: the real reference tables, and a Trackside on a temp SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest

from bot.config import DEFAULT_DATA_DIR, Settings
from bot.services.queries import Reference, Trackside

# Answers say how long a record "has stood"; tests pin the day they are asked.
TODAY = date(2026, 11, 23)


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
