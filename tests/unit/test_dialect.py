"""The SQLite -> PostgreSQL statement translation (bot/store/dialect.py) and the two
migration sets numbered alike."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_settings
from bot.store.database import migrations
from bot.store.dialect import to_postgres
from bot.store.postgres import MIGRATIONS_PACKAGE, redact


@pytest.mark.parametrize(
    ("sqlite", "postgres"),
    [
        ("SELECT id FROM r WHERE a = ? AND b = ?", "SELECT id FROM r WHERE a = $1 AND b = $2"),
        ("SELECT '?' FROM t WHERE x = ?", "SELECT '?' FROM t WHERE x = $1"),
        (
            "INSERT OR IGNORE INTO record_entries (a, b) VALUES (?, ?)",
            "INSERT INTO record_entries (a, b) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        ),
        ("SELECT 1 FROM a CROSS JOIN b ON +b.x = a.x", "SELECT 1 FROM a JOIN b ON b.x = a.x"),
        (
            "SELECT 1 FROM r WHERE id IN (SELECT value FROM json_each(?))",
            "SELECT 1 FROM r WHERE id IN "
            "(SELECT v::bigint FROM json_array_elements_text($1::json) AS j(v))",
        ),
        ("SELECT min(x) FROM t WHERE 1 AND y = ?", "SELECT min(x) FROM t WHERE TRUE AND y = $1"),
        ("SELECT x FROM t WHERE 1 = 1", "SELECT x FROM t WHERE 1 = 1"),
        ("SELECT a + b FROM t", "SELECT a + b FROM t"),
        (
            "SELECT COALESCE(SUM(e.kind = 'world'), 0), SUM(x) FROM e",
            "SELECT COALESCE(SUM(CASE WHEN e.kind = 'world' THEN 1 ELSE 0 END), 0), SUM(x) FROM e",
        ),
    ],
)  # fmt: skip
def test_statements_translate(sqlite: str, postgres: str):
    assert to_postgres(sqlite) == postgres


def test_inserts_into_id_tables_return_the_id():
    assert to_postgres("INSERT INTO results (a) VALUES (?)", returning_id=True).endswith(
        "RETURNING id"
    )
    assert "RETURNING" not in to_postgres("INSERT INTO meta (key) VALUES (?)", returning_id=True)


def test_both_stores_have_the_same_migration_numbers():
    sqlite = [version for version, _, _ in migrations()]
    postgres = migrations(MIGRATIONS_PACKAGE)
    assert [version for version, _, _ in postgres] == sqlite
    # Named alike too, so a reader finds one from the other.
    assert [name for _, name, _ in postgres] == [name for _, name, _ in migrations()]


def test_database_url_must_be_postgresql():
    with pytest.raises(ConfigError, match="postgresql://"):
        load_settings({"DATABASE_URL": "mysql://x"}, env_file=None)
    settings = load_settings({"DATABASE_URL": "postgresql://u:pw@h/db"}, env_file=None)
    assert settings.store == "postgresql://u:pw@h/db"
    assert settings.store_name == "postgresql://u:***@h/db"
    assert "pw" not in repr(settings)
    assert redact("postgresql://u:pw@h/db") == "postgresql://u:***@h/db"
