"""A non-editable `pip install .` works from any folder: data/ ships inside the package.

The package is built and installed offline into a fresh venv (no build isolation, no
dependencies: the venv sees this environment's site-packages through a .pth file, the way
`--system-site-packages` would), then `trackside` runs from an empty folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD_INPUTS = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "bot", "data")
# What never ships from data/ (setup.py's list): the SQLite files a checkout's default
# DATABASE_PATH leaves there, and caches.
NOT_SHIPPED = ("*.db", "*.db-wal", "*.db-shm", "*.db-journal", "*.pyc")


@dataclass(frozen=True)
class Installed:
    python: Path
    trackside: Path
    site_packages: Path
    home: Path

    def env(self, **extra: str) -> dict[str, str]:
        """The user's environment, minus anything that would point back at the checkout."""
        dropped = ("DATA_DIR", "DATABASE_PATH", "PYTHONPATH", "VIRTUAL_ENV", "XDG_DATA_HOME")
        env = {k: v for k, v in os.environ.items() if k not in dropped}
        env.update(HOME=str(self.home), MPLBACKEND="Agg", **extra)
        return env


def run(args: list[str | Path], **kwargs) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=120, **kwargs
    )
    assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("install")
    source = base / "source"  # a copy: an in-tree build would leave build/ in the checkout
    source.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", *NOT_SHIPPED)
    for name in BUILD_INPUTS:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=ignore)
        elif (ROOT / name).exists():
            shutil.copy2(ROOT / name, source / name)
    # A checkout that ran the README's commands has its store in data/: it must not ship.
    for leftover in ("trackside.db", "trackside.db-wal", "trackside.db-shm"):
        (source / "data" / leftover).write_bytes(b"SQLite format 3\x00")

    venv = base / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    site = Path(
        run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).stdout.strip()
    )
    # This environment's packages (discord.py, setuptools, ...) without installing them again.
    # A path in a .pth is only appended to sys.path: the .pth files there (our editable
    # install's finder among them) are not run, so `bot` can only come from the new venv.
    (site / "zz_test_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    run(
        [sys.executable, "-m", "pip", "--python", python, "install", "--no-deps",
         "--no-build-isolation", "--no-index", "--quiet", source],
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )  # fmt: skip
    home = base / "home"
    home.mkdir()
    return Installed(python, venv / "bin" / "trackside", site, home)


def test_record_mile_indoor_from_an_empty_folder(installed: Installed, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = run(
        [installed.trackside, "ask", "/record mile indoor"], cwd=elsewhere, env=installed.env()
    )
    assert "3:45.14  Jakob Ingebrigtsen (NOR)" in done.stdout
    assert "Liévin, FRA · 13 Feb 2025" in done.stdout
    assert "4:13.31  Genzebe Dibaba (ETH)" in done.stdout
    # The store went to the user's data folder: not the working folder, not site-packages.
    assert (installed.home / ".local" / "share" / "trackside" / "trackside.db").is_file()
    assert list(elsewhere.iterdir()) == []
    assert not list(installed.site_packages.rglob("*.db*"))


def test_the_installed_package_reads_its_own_copy_of_data(
    installed: Installed, tmp_path: Path
) -> None:
    probe = (
        "import json, bot, bot.config as c\n"
        "s = c.load_settings(env_file=None)\n"
        "print(json.dumps({'bot': bot.__file__, 'data_dir': str(s.data_dir),"
        " 'database_path': str(s.database_path), 'installed': c.INSTALLED}))"
    )
    default = json.loads(
        run([installed.python, "-c", probe], cwd=tmp_path, env=installed.env()).stdout
    )
    package = installed.site_packages / "bot"
    assert default["bot"] == str(package / "__init__.py")
    assert default["installed"] is True
    assert default["data_dir"] == str(package / "data")
    assert default["database_path"] == str(
        installed.home / ".local" / "share" / "trackside" / "trackside.db"
    )

    overridden = installed.env(
        DATA_DIR="/srv/trackside/data", DATABASE_PATH="/srv/trackside/t.db", XDG_DATA_HOME="/x"
    )
    chosen = json.loads(run([installed.python, "-c", probe], cwd=tmp_path, env=overridden).stdout)
    assert chosen["data_dir"] == "/srv/trackside/data"
    assert chosen["database_path"] == "/srv/trackside/t.db"
    xdg = json.loads(
        run(
            [installed.python, "-c", probe], cwd=tmp_path, env=installed.env(XDG_DATA_HOME="/x")
        ).stdout
    )
    assert xdg["database_path"] == "/x/trackside/trackside.db"


def test_every_data_file_ships_unchanged(installed: Installed) -> None:
    shipped = installed.site_packages / "bot" / "data"
    ignored = shutil.ignore_patterns(*NOT_SHIPPED)
    expected = sorted(
        path.relative_to(ROOT / "data")
        for path in (ROOT / "data").rglob("*")
        if path.is_file()
        and not any(
            part.startswith(".") or part == "__pycache__"
            for part in path.relative_to(ROOT / "data").parts
        )
        and not ignored(str(path.parent), [path.name])
    )
    assert expected, "data/ is empty?"
    missing = [str(p) for p in expected if not (shipped / p).is_file()]
    assert not missing, f"data files missing from the installed package: {missing}"
    changed = [
        str(p) for p in expected if (shipped / p).read_bytes() != (ROOT / "data" / p).read_bytes()
    ]
    assert not changed


def test_a_checkout_keeps_the_readme_defaults() -> None:
    """Run from a checkout (or an editable install), nothing moves: data/ is read in place
    and the database is data/trackside.db under the working folder."""
    from bot import config

    assert not config.INSTALLED
    assert config.DEFAULT_DATA_DIR == ROOT / "data"
    defaults = config.load_settings({}, env_file=None)
    assert defaults.data_dir == ROOT / "data"
    assert defaults.database_path == Path("data/trackside.db")
    assert config.Settings().database_path == Path("data/trackside.db")
    chosen = config.load_settings({"DATA_DIR": "elsewhere", "DATABASE_PATH": "x.db"}, env_file=None)
    assert (chosen.data_dir, chosen.database_path) == (Path("elsewhere"), Path("x.db"))
