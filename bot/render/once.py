"""An answer rendered once: the services hand out the same answer object again until the
next write (`bot.services.warm`), and the same answer always renders the same embed, so
its embed (or lazily rendered pages) is kept with it and handed out again.

Kept by the identity of the answer (and of every other argument), each held here so
that its id cannot be reused while the entry lives: an answer read afresh after a write
is a new object and is rendered anew. What is handed out is shared, so only renderers
whose result nobody changes afterwards go through here (not /progression's, whose
embed gets its chart attached).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

R = TypeVar("R")

KEPT = 64  # the most recently shown answers' renderings

_rendered: OrderedDict[tuple[int, ...], tuple[tuple[object, ...], Any]] = OrderedDict()


def rendered(render: Callable[..., R], *args: object) -> R:
    """`render(*args)`, or what it returned for these very objects before."""
    held = (render, *args)
    key = tuple(map(id, held))
    found = _rendered.get(key)
    if found is not None and all(a is b for a, b in zip(found[0], held, strict=True)):
        _rendered.move_to_end(key)
        result: R = found[1]
        return result
    result = render(*args)
    _rendered[key] = (held, result)
    _rendered.move_to_end(key)
    while len(_rendered) > KEPT:
        _rendered.popitem(last=False)
    return result
