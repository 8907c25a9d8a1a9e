"""Rooms small enough to read at once (issue #8): no module in bot/ over 400 lines and no
function over 50, read from the source with `ast`. Data tables (migrations' SQL) are not
Python and not counted."""

from __future__ import annotations

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parents[2] / "bot"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 50


def _modules() -> list[Path]:
    return sorted(BOT.rglob("*.py"))


def long_modules() -> list[str]:
    found = []
    for path in _modules():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_MODULE_LINES:
            found.append(f"{path.relative_to(BOT.parent)}: {lines} lines")
    return found


def long_functions(source: str, name: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source, filename=name)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            lines = (node.end_lineno or node.lineno) - node.lineno + 1
            if lines > MAX_FUNCTION_LINES:
                found.append(f"{name}:{node.lineno} {node.name}: {lines} lines")
    return found


def test_no_module_over_400_lines():
    assert long_modules() == []


def test_no_function_over_50_lines():
    found = []
    for path in _modules():
        found += long_functions(path.read_text(encoding="utf-8"), str(path.relative_to(BOT.parent)))
    assert found == []


def test_the_checker_sees_a_long_function():
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    assert long_functions(f"def f():\n{body}\n", "m.py") == ["m.py:1 f: 51 lines"]
    assert long_functions("def g():\n    return 1\n", "m.py") == []
