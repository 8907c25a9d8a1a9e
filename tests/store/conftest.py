"""Every store test runs on SQLite and on PostgreSQL (param `postgresql`): on PostgreSQL a
fresh database stands in for each SQLite file the test opens (tests/pg.py). Modules about
SQLite files themselves (damaged headers, PRAGMAs, WAL) run on SQLite only."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from tests import pg

# Not parametrised: about SQLite files, or choosing the backend themselves (test_copy,
# test_pg_restart).
SQLITE_ONLY = {
    "test_bad_files",
    "test_database",
    "test_ids",
    "test_copy",
    "test_pg_restart",
    "test_loop_reads",
    "test_loop_writes",
    "test_import_floor",
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    module = metafunc.module.__name__.rsplit(".", 1)[-1]
    if "store_backend" in metafunc.fixturenames and module not in SQLITE_ONLY:
        metafunc.parametrize(
            "store_backend",
            ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)],
            indirect=True,
        )


@pytest.fixture(autouse=True)
async def store_backend(request, monkeypatch, tmp_path) -> AsyncIterator[str]:
    backend = getattr(request, "param", "sqlite")
    if backend == "sqlite":
        yield backend
        return
    pg.server_url()
    stores = pg.PgStores()
    pg.patch_stores(monkeypatch, stores, tmp_path)
    try:
        yield backend
    finally:
        await stores.close()


@pytest.fixture(scope="session", autouse=True)
def _drop_pg_templates():
    yield
    if pg._TEMPLATES:
        asyncio.run(pg.drop_templates())
