"""Where SQLite and PostgreSQL SQL differ: the one place that knows.

The repositories write one SQL, SQLite's, with `?` placeholders. On PostgreSQL each
statement passes through `to_postgres` once (cached) before asyncpg prepares it:

- `?` placeholders become `$1, $2, …` (never inside a quoted literal);
- `INSERT OR IGNORE` becomes `INSERT … ON CONFLICT DO NOTHING`;
- an INSERT into a table with a generated id gains `RETURNING id` (cursor.lastrowid);
- SQLite planner hints mean nothing to PostgreSQL and are not valid there: `CROSS JOIN …
  ON` (SQLite's "keep this table outer") is a plain JOIN, and a unary `+` on a column
  (SQLite's "do not use an index for this") is dropped;
- `json_each(?)` over a JSON array of ids is `json_array_elements_text(?::json)`;
- `WHERE 1` is `WHERE TRUE`, and `SUM(a = b)` (counting the rows where a test holds)
  is `SUM(CASE WHEN a = b THEN 1 ELSE 0 END)`: PostgreSQL has a real boolean type.

The schema differs where the engines do (AUTOINCREMENT vs identity columns, BIGINT for
Discord's 64-bit ids, triggers in PL/pgSQL) in migrations/postgresql/, numbered like
migrations/. Timestamps and dates stay ISO 8601 text on both, so comparisons, ordering
and the Python that reads them are the same; migrations/postgresql/0001 defines a
`strftime(format, 'now')` for the two formats the SQL uses. Write serialisation (BEGIN
IMMEDIATE vs a transaction holding an advisory lock) and the change watch (PRAGMA
data_version vs LISTEN/NOTIFY) live in database.py and postgres.py.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Tables whose `id` PostgreSQL generates (an identity column); see migrations/postgresql.
ID_TABLES = frozenset(
    {"athletes", "results", "splits", "record_entries", "announcements", "audit_log"}
)

_INSERT_INTO = re.compile(r"^\s*INSERT\s+(?:OR\s+IGNORE\s+)?INTO\s+(\w+)\s*\(([^)]*)\)", re.I)
_OR_IGNORE = re.compile(r"^(\s*INSERT)\s+OR\s+IGNORE\b", re.I)
_CROSS_JOIN = re.compile(r"\bCROSS\s+JOIN\b", re.I)
_UNARY_PLUS = re.compile(r"(?<=[\s(=,])\+(?=[A-Za-z_]\w*\.\w)")
_JSON_EACH = re.compile(r"SELECT\s+value\s+FROM\s+json_each\(\?\)", re.I)
_WHERE_ONE = re.compile(r"\bWHERE\s+1\b(?!\s*[=<>])", re.I)
_SUM_OF_TEST = re.compile(r"\bSUM\(([^()]*?(?:=|<|>)[^()]*?)\)", re.I)


def inserted_table(sql: str) -> tuple[str, list[str]] | None:
    """(table, columns) of an INSERT statement, or None."""
    match = _INSERT_INTO.match(sql)
    if not match:
        return None
    return match.group(1).lower(), [c.strip().lower() for c in match.group(2).split(",")]


def _numbered(sql: str) -> str:
    """`?` -> `$n`, leaving quoted literals and identifiers alone."""
    out, n, quote = [], 0, None
    for char in sql:
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "?":
            n += 1
            out.append(f"${n}")
            continue
        out.append(char)
    return "".join(out)


@lru_cache(maxsize=1024)
def to_postgres(sql: str, *, returning_id: bool = False) -> str:
    """The PostgreSQL text of one SQLite statement (see the module docstring)."""
    ignore = bool(_OR_IGNORE.match(sql))
    text = _OR_IGNORE.sub(r"\1", sql)
    text = _CROSS_JOIN.sub("JOIN", text)
    text = _UNARY_PLUS.sub("", text)
    text = _JSON_EACH.sub("SELECT v::bigint FROM json_array_elements_text(?::json) AS j(v)", text)
    text = _WHERE_ONE.sub("WHERE TRUE", text)
    text = _SUM_OF_TEST.sub(r"SUM(CASE WHEN \1 THEN 1 ELSE 0 END)", text)
    text = text.rstrip().rstrip(";")
    if ignore:
        text += " ON CONFLICT DO NOTHING"
    insert = inserted_table(sql)
    if returning_id and insert and insert[0] in ID_TABLES and "RETURNING" not in text.upper():
        text += " RETURNING id"
    return _numbered(text)


def is_query(sql: str) -> bool:
    """Whether a (PostgreSQL) statement gives rows back."""
    head = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
    return head in {"SELECT", "WITH", "VALUES"} or " RETURNING " in sql.upper()


def is_postgres(conn: object) -> bool:
    """Whether a store connection is PostgreSQL's (it says so: `dialect`)."""
    return getattr(conn, "dialect", "sqlite") == "postgresql"


def lock_rows(conn: object, alias: str) -> str:
    """The locking clause that claims the rows of `alias` a SELECT reads, skipping rows
    another transaction holds: PostgreSQL's FOR UPDATE SKIP LOCKED. SQLite locks the
    whole database for a write transaction (BEGIN IMMEDIATE), so it needs none."""
    if is_postgres(conn):
        return f" FOR UPDATE OF {alias} SKIP LOCKED"
    return ""
