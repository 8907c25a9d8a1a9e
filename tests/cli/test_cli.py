"""The `trackside` command as a user runs it: a real process, a real database file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def cli_environ(tmp_path: Path) -> dict[str, str]:
    """The command's environment: no Discord or database settings but its store at
    tmp_path/cli.db."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_"))}
    environ.update({"DATABASE_PATH": str(tmp_path / "cli.db"), "PYTHONPATH": str(ROOT)})
    return environ


def trackside(tmp_path: Path, *args: str, env: dict[str, str] | None = None):
    environ = cli_environ(tmp_path)
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,  # no .env here: settings come from the environment only
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def seeded(tmp_path, seeded_template) -> Path:
    """The CLI's store (tmp_path/cli.db) already seeded with the shipped data, copied from
    the session's template: the second start of a real install. Tests about a first start
    or about seeding leave it out and let the process seed its own."""
    return seeded_template.seeded_file(tmp_path / "cli.db")


def test_record_mile_indoor(tmp_path):
    """A first start: no store yet, so the command creates and seeds it, then answers."""
    run = trackside(tmp_path, "ask", "/record mile indoor")
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "Men's Mile — world indoor record" in out
    assert "3:45.14  Jakob Ingebrigtsen (NOR)" in out
    assert "Liévin, FRA · 13 Feb 2025" in out
    assert "has stood" in out
    assert "Women's Mile — world indoor record" in out
    assert "4:13.31  Genzebe Dibaba (ETH)" in out
    assert (tmp_path / "cli.db").exists()


def test_option_value_pairs_like_discord(tmp_path, seeded):
    run = trackside(tmp_path, "ask", "/progression event:mile venue:indoor sex:men")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "Men's Mile — world indoor record progression"
    marks = [line.split()[3] for line in lines if "Feb" in line or "Mar" in line or "Jan" in line]
    assert marks[0] == "3:55.0h" and marks[-1] == "3:45.14"


def test_quoted_values_with_spaces(tmp_path, seeded):
    run = trackside(tmp_path, "ask", '/record event:"pole vault" venue:indoor sex:women')
    assert run.returncode == 0, run.stderr
    assert "5.02  Jenn Suhr (USA)" in run.stdout
    run = trackside(tmp_path, "ask", '/rivalry "Jakob Ingebrigtsen" "Yared Nuguse"')
    assert run.returncode == 0, run.stderr
    # Paris 2024 (Nuguse ahead) and the Eugene 2023 mile that set both athletes' area
    # records (Ingebrigtsen ahead): a record is a performance.
    assert "Head-to-head: 1–1 in 2 races" in run.stdout


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("/record marathonn", "Unknown event 'marathonn' — did you mean marathon?"),
        ("/athlete Ingebrigtsenn", "did you mean Jakob Ingebrigtsen?"),
        ("/recrod mile", "Unknown command"),
        ("/record", "/record needs event"),
        ('/record "mile', "check the quotes"),
        ("/toplist mile year:20x5", "not a year"),
        ("/record mile venue:moon", "Unknown venue"),
    ],
)
def test_errors_are_one_line_and_exit_non_zero(tmp_path, seeded, line, message):
    run = trackside(tmp_path, "ask", line)
    assert run.returncode == 1
    assert run.stdout == ""
    assert message in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert "Traceback" not in run.stderr


def test_hostile_input_is_answered_not_crashed(tmp_path, seeded):
    for line in ("/athlete " + "x" * 10_000, "/athlete @everyone", "/record " + "é" * 500):
        run = trackside(tmp_path, "ask", line)
        assert run.returncode == 1
        assert "Traceback" not in run.stderr
        assert len(run.stderr) < 300


def test_db_commands(tmp_path):
    run = trackside(tmp_path, "db", "migrate")
    assert run.returncode == 0 and "schema version" in run.stdout
    run = trackside(tmp_path, "db", "seed", "--as-of", "2025-02-07")
    assert run.returncode == 0 and "loaded" in run.stdout
    run = trackside(tmp_path, "ask", "/record mile indoor men")
    assert "3:47.01  Yomif Kejelcha" in run.stdout  # the store as it stood on 7 Feb 2025
    run = trackside(tmp_path, "db", "status")
    assert "record_entries" in run.stdout


def test_bad_configuration_is_reported_not_raised(tmp_path):
    run = trackside(tmp_path, "ask", "/record mile", env={"OWNER_IDS": "not-a-number"})
    assert run.returncode == 2
    assert "OWNER_IDS" in run.stderr and "Traceback" not in run.stderr


@pytest.mark.parametrize("command", [[], ["run"], ["sync"]])
def test_without_a_token_the_bot_explains_how_to_get_one(tmp_path, command):
    run = trackside(tmp_path, *command)
    assert run.returncode == 2
    assert "no DISCORD_TOKEN is set" in run.stderr
    assert "discord.com/developers/applications" in run.stderr
    assert "Traceback" not in run.stderr


def test_export_then_import_round_trips(tmp_path, seeded):
    run = trackside(tmp_path, "export", str(tmp_path / "all.csv"))
    assert run.returncode == 0, run.stderr
    text = (tmp_path / "all.csv").read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("athlete,nation,sex,event,mark,venue,date")
    assert "Jakob Ingebrigtsen,NOR,men,mile,3:45.14,indoor,2025-02-13" in text
    # Everything exported is on file already: importing it again is refused whole.
    run = trackside(tmp_path, "import", str(tmp_path / "all.csv"))
    assert run.returncode == 1 and "already on file" in run.stderr


def test_import_example_and_audit(tmp_path, seeded_template):
    """The README's `trackside import data/import_example.csv` works on a fresh store (all
    the shipped data loaded), and importing it again names every row already on file."""
    example = ROOT / "data" / "import_example.csv"
    env = {"DATABASE_PATH": str(seeded_template.seeded_file(tmp_path / "fresh.db"))}
    run = trackside(tmp_path, "import", str(example), env=env)
    assert run.returncode == 0, run.stderr
    rows = len(example.read_text(encoding="utf-8").splitlines()) - 1
    assert run.stdout.startswith(f"imported {rows} results")
    run = trackside(tmp_path, "ask", "/athlete Josh Kerr", env=env)
    assert "3:29.38" in run.stdout
    run = trackside(tmp_path, "import", str(example), env=env)
    assert run.returncode == 1
    lines = run.stderr.splitlines()
    assert lines[0] == f"error: nothing was imported; {rows} problems:"
    assert [line.split(":")[0] for line in lines[1:]] == [
        f"  row {row}, mark" for row in range(2, rows + 2)
    ]
    assert all("already on file (#" in line for line in lines[1:])
    run = trackside(tmp_path, "audit", env=env)
    assert "result.import" in run.stdout and "result.add" in run.stdout


def test_every_example_row_names_its_source():
    import csv

    with (ROOT / "data" / "import_example.csv").open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    assert rows and all(row["source"].strip() for row in rows)


def test_db_status_and_seed_as_of_with_the_record_lists(tmp_path):
    from tests.store.test_record_lists import data_dir_with

    data = data_dir_with(tmp_path)
    env = {"DATA_DIR": str(data)}
    run = trackside(tmp_path, "db", "seed", "--as-of", "2000-01-01", env=env)
    assert run.returncode == 0, run.stderr
    run = trackside(tmp_path, "ask", "/progression 100m outdoor men", env=env)
    assert "9.79" in run.stdout and "9.58" not in run.stdout  # later rows skipped
    run = trackside(tmp_path, "db", "status", env=env)
    assert run.returncode == 0
    assert (
        "shipped record lists: World Athletics lists as of 2026-05-03; later records from "
        "news reports up to 2026-08-22" in run.stdout
    )


@pytest.mark.parametrize(
    "args", [("db", "status"), ("ask", "/records indoor"), ("export",)], ids=" ".join
)
def test_a_reader_that_leaves_early_is_no_error(seeded, tmp_path, args):
    """`trackside … | head -1`: the reader closes the pipe after the first line. The
    command stops quietly with 0, as `cat` would, not with a BrokenPipeError traceback."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=cli_environ(tmp_path),  # the store `seeded` put there
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline()  # the first line, then the reader leaves
    proc.stdout.close()
    stderr = proc.stderr.read()
    assert proc.wait(timeout=60) == 0, stderr
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr, stderr
