"""What the layers above the store may name of it without importing a database driver:
the connection a write transaction hands out, and the error a refused constraint raises
(PostgreSQL's `bot.store.pg_connections.IntegrityError` is a subclass, so one `except` serves
both stores)."""

from __future__ import annotations

import sqlite3
from typing import TypeAlias

import aiosqlite

Connection: TypeAlias = aiosqlite.Connection
IntegrityError = sqlite3.IntegrityError

__all__ = ["Connection", "IntegrityError"]
