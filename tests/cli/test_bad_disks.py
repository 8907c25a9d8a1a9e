"""A damaged, truncated, read-only or too new database file: every command says so in one
line on stderr and exits 1 — no traceback, and no hang (each run has a timeout: a
connection thread left open keeps the process alive, which fails the test)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.test_cli import ROOT, trackside

EXAMPLE = str(ROOT / "data" / "import_example.csv")
COMMANDS = {
    "db status": ("db", "status"),
    "db migrate": ("db", "migrate"),
    "db seed": ("db", "seed"),
    "ask": ("ask", "/record mile indoor"),
    "import": ("import", EXAMPLE),
    "export": ("export",),
    "audit": ("audit",),
}


@pytest.fixture(scope="module")
def good_store(tmp_path_factory, seeded_template) -> Path:
    """A healthy, fully seeded store (a copy of the session's template) to damage."""
    return seeded_template.seeded_file(tmp_path_factory.mktemp("good") / "good.db")


def _corrupt_pages(path: Path, tables: tuple[str, ...]) -> None:
    """Overwrite the pages of some tables with garbage, as a bad sector or a torn copy does."""
    with sqlite3.connect(path) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = [
            row[0]
            for row in conn.execute(
                "SELECT pageno FROM dbstat WHERE name IN (%s)" % ",".join("?" * len(tables)),  # noqa: UP031
                tables,
            )
        ]
    data = bytearray(path.read_bytes())
    for page in pages:
        data[(page - 1) * page_size : page * page_size] = b"\x07" * page_size
    path.write_bytes(bytes(data))


def make_bad(kind: str, good: Path, folder: Path) -> Path:
    path = folder / f"{kind}.db"
    shutil.copy(good, path)
    if kind == "not a database":
        path.write_bytes(b"athlete,event,mark\n" * 500)
    elif kind == "truncated":
        path.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    elif kind == "page-corrupted":
        # Open reads athletes and records fine; status, export and audit hit the damage.
        _corrupt_pages(path, ("seed_log", "results", "audit_log"))
    elif kind == "newer schema":
        with sqlite3.connect(path) as conn:
            conn.execute("PRAGMA user_version = 999")
    elif kind == "read-only":
        path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    return path


EXPECTED = {
    "not a database": "is not a SQLite database",
    "truncated": "is truncated",
    "page-corrupted": "is damaged",
    "newer schema": "newer than this Trackside",
    "read-only": "is read-only",
}


def assert_one_line(run: subprocess.CompletedProcess, expected: str) -> None:
    assert run.returncode == 1, (run.returncode, run.stderr)
    assert "Traceback" not in run.stderr, run.stderr
    lines = [line for line in run.stderr.splitlines() if not line.startswith("INFO ")]
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("trackside: ") and expected in lines[0], lines[0]


@pytest.mark.parametrize("kind", list(EXPECTED))
@pytest.mark.parametrize("command", ["db status", "import"])
def test_a_bad_database_is_one_line_and_exit_1(tmp_path, good_store, kind, command):
    path = make_bad(kind, good_store, tmp_path)
    run = trackside(tmp_path, *COMMANDS[command], env={"DATABASE_PATH": str(path)})
    expected = EXPECTED[kind]
    if kind == "page-corrupted" and command == "import":
        expected = "damaged"
    assert_one_line(run, expected)


@pytest.mark.parametrize("command", ["db migrate", "db seed", "ask", "export", "audit"])
def test_every_command_on_a_damaged_file_closes_the_store(tmp_path, good_store, command):
    path = make_bad("page-corrupted", good_store, tmp_path)
    run = trackside(tmp_path, *COMMANDS[command], env={"DATABASE_PATH": str(path)})
    assert_one_line(run, "is damaged")


@pytest.mark.parametrize("kind", ["read-only", "page-corrupted", "newer schema"])
def test_the_bot_refuses_to_start_on_a_bad_database(tmp_path, good_store, kind):
    """`trackside run` checks its store before logging in (port 9: nothing is contacted;
    the launcher's guard refuses anything but loopback)."""
    path = make_bad(kind, good_store, tmp_path)
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_"))}
    environ.update(
        {
            "DATABASE_PATH": str(path),
            "PYTHONPATH": str(ROOT),
            "DISCORD_TOKEN": "not-a-real-token",
            "TRACKSIDE_FAKE_DISCORD_API": "http://127.0.0.1:9/api/v10",
            "TRACKSIDE_FAKE_DISCORD_GATEWAY": "ws://127.0.0.1:9/",
        }
    )
    run = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "e2e" / "launch.py"), "bot", "run"],
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert_one_line(run, EXPECTED[kind])


def test_a_read_only_database_keeps_its_contents(tmp_path, good_store):
    path = make_bad("read-only", good_store, tmp_path)
    before = path.read_bytes()
    run = trackside(tmp_path, "import", EXAMPLE, env={"DATABASE_PATH": str(path)})
    assert run.returncode == 1
    assert path.read_bytes() == before
