"""PostgreSQL for the tests: a fresh database per test on the cluster TRACKSIDE_TEST_PG
names (`.ci/pg start DIR` starts a throwaway one; `.ci/run` does so for CI).

Without TRACKSIDE_TEST_PG the PostgreSQL tests skip, except in CI, where they fail: a CI
run that did not test PostgreSQL must not pass (see also tests/conftest.py).
"""

from __future__ import annotations

import os
import uuid
from dataclasses import replace
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from bot.config import DEFAULT_DATA_DIR, Secret, Settings

ENV = "TRACKSIDE_TEST_PG"


def server_url() -> str:
    """The cluster's URL, or skip (fail in CI) when there is none."""
    from tests.conftest import in_ci

    url = os.environ.get(ENV, "").strip()
    if not url:
        message = f"{ENV} is not set: no PostgreSQL to test against (see .ci/pg)"
        if in_ci():
            pytest.fail(f"{message}; CI must test PostgreSQL", pytrace=False)
        pytest.skip(message)
    return url


def database_url(name: str) -> str:
    parts = urlsplit(server_url())
    return urlunsplit(parts._replace(path=f"/{name}"))


async def create_database(template: str | None = None) -> str:
    """A new, empty (or copied from `template`) database; returns its name."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(server_url())
    try:
        extra = f' TEMPLATE "{template}"' if template else ""
        await conn.execute(f'CREATE DATABASE "{name}"{extra}')
    finally:
        await conn.close()
    return name


async def drop_database(name: str) -> None:
    conn = await asyncpg.connect(server_url())
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


# Seeded databases by (as_of, seed_data): seeding the shipped data takes seconds, copying a
# seeded database from a template a fraction of one. Dropped at the end of the session.
_TEMPLATES: dict[tuple[date | None], str] = {}


class PgStores:
    """Stands a fresh PostgreSQL database in for each SQLite file a test opens, so a test
    written against `tmp_path / "x.db"` runs unchanged on PostgreSQL: the same path is the
    same database for the whole test (reopening works), a new path a new database."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    async def url_for(self, path: Path | str, template: str | None = None) -> str:
        key = str(path)
        if key not in self.names:
            self.names[key] = await create_database(template)
        return database_url(self.names[key])

    def known(self, path: Path | str) -> bool:
        return str(path) in self.names

    async def close(self) -> None:
        for name in self.names.values():
            await drop_database(name)
        self.names.clear()


def patch_stores(monkeypatch: pytest.MonkeyPatch, stores: PgStores, root: Path) -> None:
    """Route Database.open and Trackside.open of SQLite paths under `root` (the test's
    tmp_path) to PostgreSQL databases; other paths (the session's seeded SQLite
    templates, tests/conftest.py) stay SQLite."""
    from bot.services.app import Trackside
    from bot.store.database import Database
    from bot.store.postgres import PgDatabase, is_postgres_url

    open_trackside = Trackside.open.__func__
    open_database = Database.open.__func__

    def ours(path) -> bool:
        return not is_postgres_url(path) and Path(path).resolve().is_relative_to(root.resolve())

    async def database_open(cls, path, *, migrate: bool = True):
        if not is_postgres_url(path) and not ours(path):
            return await open_database(cls, path, migrate=migrate)
        url = path if is_postgres_url(path) else await stores.url_for(path)
        return await PgDatabase.open(url, migrate=migrate)

    async def trackside_open(cls, settings: Settings, *, seed_data=True, as_of=None, **kw):
        if not settings.database_url and ours(settings.database_path):
            path = settings.database_path
            default_data = Path(settings.data_dir) == Path(DEFAULT_DATA_DIR)
            template = _TEMPLATES.get((as_of,)) if seed_data and default_data else None
            fresh = not stores.known(path)
            url = await stores.url_for(path, template)
            settings = replace(settings, database_url=Secret(url))
            if fresh and template is None and seed_data and default_data:
                # Seed once, keep a copy as the template for every later test.
                app = await open_trackside(cls, settings, seed_data=True, as_of=as_of, **kw)
                await app.close()
                _TEMPLATES[(as_of,)] = name = await create_database(stores.names[str(path)])
                del name
        return await open_trackside(cls, settings, seed_data=seed_data, as_of=as_of, **kw)

    monkeypatch.setattr(Database, "open", classmethod(database_open))
    monkeypatch.setattr(Trackside, "open", classmethod(trackside_open))


async def drop_templates() -> None:
    for name in _TEMPLATES.values():
        await drop_database(name)
    _TEMPLATES.clear()
