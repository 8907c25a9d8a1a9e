"""The cycle collector paused while a step builds hundreds of thousands of objects."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collecting_later() -> Iterator[None]:
    """Pause the cycle collector (process-wide) for the block. An index build or an
    import makes hundreds of thousands of objects that live for the whole step, none in a
    cycle; each collection walks all of them made so far: half a second of a
    million-result start (565 collections), 3-4 s of checking a million-row import (13
    full collections). A block that finds the collector already paused leaves it so."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
