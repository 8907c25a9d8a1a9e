"""Build hook: ship the repository's data/ folder inside the package, as bot/data.

Everything else about the package is in pyproject.toml. data/ stays at the repository
root (the README, the tests and the other tools use it there); a built wheel carries a
copy at bot/data, which bot.config finds through importlib.resources. Editable installs
copy nothing: they read the checkout's data/ in place.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

DATA = Path(__file__).resolve().parent / "data"
# Everything under data/ ships, except the SQLite files a checkout's default DATABASE_PATH
# (data/trackside.db) leaves there, hidden files and caches. MANIFEST.in and
# tests/cli/test_packaging.py name the same patterns.
NOT_SHIPPED = ("*.db", "*.db-wal", "*.db-shm", "*.db-journal", "*.pyc")


def shipped_data_files() -> list[Path]:
    """Every file under data/ (recursively) that a wheel carries, relative to data/."""
    return sorted(
        path.relative_to(DATA)
        for path in DATA.rglob("*")
        if path.is_file()
        and not any(path.match(pattern) for pattern in NOT_SHIPPED)
        and not any(
            part.startswith(".") or part == "__pycache__" for part in path.relative_to(DATA).parts
        )
    )


class BuildPyWithData(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        target = Path(self.build_lib, "bot", "data")
        shutil.rmtree(target, ignore_errors=True)  # no stale file from an earlier build
        for relative in shipped_data_files():
            self.mkpath(str((target / relative).parent))
            self.copy_file(str(DATA / relative), str(target / relative))


setup(cmdclass={"build_py": BuildPyWithData})
