"""The dependency rule, read from the source with `ast`: domain imports nothing of ours
below it; render and cogs never touch the store; services never import discord or a
database driver (the store names what they need: `bot.store.connection`); the store never
imports the layers above it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[2] / "bot"

# Database drivers: only the store talks to one.
DRIVERS = ("aiosqlite", "sqlite3", "asyncpg")
# layer -> module prefixes it must never import
FORBIDDEN = {
    "domain": ("bot.store", "bot.services", "bot.cogs", "bot.render", "discord", *DRIVERS),
    "render": ("bot.store", "bot.services", "bot.cogs"),
    "cogs": ("bot.store",),
    "services": ("discord", *DRIVERS),
    "store": ("bot.services", "bot.cogs", "bot.render", "discord"),
}


def imports_of(path: Path) -> list[tuple[int, str]]:
    """Every module a file imports (also inside functions and TYPE_CHECKING blocks)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def _under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_the_layer_imports_nothing_it_must_not(layer):
    files = sorted((BOT / layer).rglob("*.py"))
    assert files, f"no files found for bot/{layer}"
    leaks = [
        f"{path.relative_to(BOT.parent)}:{line} imports {module}"
        for path in files
        for line, module in imports_of(path)
        if any(_under(module, prefix) for prefix in FORBIDDEN[layer])
    ]
    assert leaks == []


def test_the_checker_sees_a_leak(tmp_path):
    """The test above would notice one: a forbidden import, even a lazy one, is found."""
    leak = tmp_path / "leak.py"
    leak.write_text("def f():\n    from bot.store.outbox import Delivery\n")
    assert (2, "bot.store.outbox") in imports_of(leak)


def test_the_checker_sees_a_driver_import(tmp_path):
    """A driver imported plainly or under TYPE_CHECKING is found as well."""
    leak = tmp_path / "leak.py"
    leak.write_text(
        "import sqlite3\nfrom typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import aiosqlite.core\n"
    )
    found = [module for _, module in imports_of(leak)]
    assert [m for m in found if any(_under(m, d) for d in DRIVERS)] == [
        "sqlite3",
        "aiosqlite.core",
    ]
