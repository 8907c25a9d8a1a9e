"""What the layers above the store may name of it without importing a database driver:
the open store, the connections it hands out, and the error a refused constraint raises
(PostgreSQL's `bot.store.pg_connections.IntegrityError` is a subclass, so one `except` serves
both stores).

The types are protocols: `database.Database` (aiosqlite) and `postgres.PgDatabase`
(asyncpg) both satisfy them, each in its own way, and the type checker holds them to it.
`execute_fetchall` gives an Iterable, as aiosqlite declares it (both stores return a
list): index its rows after `list(...)`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from bot.store.write_log import Notes

IntegrityError = sqlite3.IntegrityError

T = TypeVar("T")


class Row(Protocol):
    """One row, read by position or column name: sqlite3.Row, asyncpg.Record."""

    def __getitem__(self, key: int | str | slice, /) -> Any: ...
    def __iter__(self) -> Iterator[Any]: ...
    def __len__(self) -> int: ...
    def keys(self) -> Iterable[str]: ...


class Cursor(Protocol):
    """What a statement leaves behind."""

    @property
    def lastrowid(self) -> int | None: ...
    @property
    def rowcount(self) -> int: ...


class Reader(Protocol):
    """A connection that reads: the store's `reader`, or a write transaction's connection."""

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Awaitable[Cursor]: ...
    def execute_fetchall(
        self, sql: str, parameters: Sequence[Any] = ..., /
    ) -> Awaitable[Iterable[Row]]: ...


class Connection(Reader, Protocol):
    """The connection of an open write transaction (`Store.transaction()`)."""

    @property
    def total_changes(self) -> int: ...
    def executemany(
        self, sql: str, parameters: Iterable[Sequence[Any]], /
    ) -> Awaitable[object]: ...


class Store(Protocol):
    """An open Trackside database, SQLite or PostgreSQL: `await Database.open(target)`."""

    # What the reader sees right after our latest commit (see database.Database).
    own_version: int | None
    notes: Notes  # this store's side of the write log (bot/store/write_log.py)

    @property
    def path(self) -> Path | str: ...
    @property
    def reader(self) -> Reader: ...
    def transaction(
        self, *, quiet: bool = False, short: bool = False
    ) -> AbstractAsyncContextManager[Connection]: ...
    async def read(self, fn: Callable[..., T], *args: Any) -> T: ...
    async def close(self) -> None: ...
    async def counts(self) -> dict[str, int]: ...
    async def data_version(self) -> int: ...
    async def schema_version(self) -> int: ...


def new_id(cursor: Cursor) -> int:
    """The id an INSERT into a table with a generated id just gave its row."""
    if cursor.lastrowid is None:
        raise RuntimeError("the INSERT gave no row id")
    return cursor.lastrowid


__all__ = ["Connection", "Cursor", "IntegrityError", "Reader", "Row", "Store", "new_id"]
