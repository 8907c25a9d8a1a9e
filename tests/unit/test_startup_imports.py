"""Starting the bot imports no chart library: matplotlib (with numpy) is ~40 MB resident
and half a second of a start, and only /progression draws a chart (issue 10: peak RSS
and start to READY at 1,000,000 results)."""

from __future__ import annotations

import subprocess
import sys

_PROBE = """
import importlib, sys
from bot.bot import EXTENSIONS
for extension in EXTENSIONS:
    importlib.import_module(extension)
print(sorted(name for name in ("matplotlib", "numpy") if name in sys.modules))
"""


def test_loading_every_cog_imports_no_chart_library():
    # A fresh interpreter: this test process may have imported matplotlib already.
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"
