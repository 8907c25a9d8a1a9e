"""An answer rendered once: the services hand out the same answer object again until the
next write (`bot.services.warm`), and the same answer always renders the same embed, so
its embed (or lazily rendered pages) is kept with it and handed out again.

Kept by the identity of the answer (and of every other argument) for as long as the
answer lives — as long as the services keep it warm, however many other answers are
shown meanwhile: the rendering goes when the answer does (a weak reference's callback).
An answer read afresh after a write is a new object and is rendered anew. An answer
that cannot be weakly referenced is held here instead, the `KEPT` most recently shown.
What is handed out is shared, so only renderers whose result nobody changes afterwards
go through here (not /progression's, whose embed gets its chart attached).
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

R = TypeVar("R")

KEPT = 64  # renderings of answers that cannot be weakly referenced: the latest shown

# key (ids of the answer and the other arguments) -> (the answer, weakly; the other
# arguments, held so their ids stay theirs; the rendering)
_with_answer: dict[tuple[int, ...], tuple[weakref.ref[Any], tuple[object, ...], Any]] = {}
_held: OrderedDict[tuple[int, ...], tuple[tuple[object, ...], Any]] = OrderedDict()


def rendered(render: Callable[..., R], answer: object, *args: object) -> R:
    """`render(answer, *args)`, or what it returned for these very objects before."""
    others = (render, *args)
    key = (id(answer), *map(id, others))
    found = _with_answer.get(key)
    if found is not None and found[0]() is answer and _same(found[1], others):
        result: R = found[2]
        return result
    held = _held.get(key)
    if held is not None and _same(held[0], (answer, *others)):
        _held.move_to_end(key)
        result = held[1]
        return result
    result = render(answer, *args)
    try:
        ref = weakref.ref(answer, partial(_drop, key))
    except TypeError:  # no weak references to it: keep it with the latest shown
        _held[key] = ((answer, *others), result)
        _held.move_to_end(key)
        while len(_held) > KEPT:
            _held.popitem(last=False)
    else:
        _with_answer[key] = (ref, others, result)
    return result


def _same(kept: tuple[object, ...], now: tuple[object, ...]) -> bool:
    return all(a is b for a, b in zip(kept, now, strict=True))


def _drop(
    key: tuple[int, ...],
    gone: weakref.ref[Any],
    kept: dict[tuple[int, ...], tuple[weakref.ref[Any], tuple[object, ...], Any]] = _with_answer,
) -> None:
    """The answer is gone: so is its rendering (unless the key is another's by now).
    `kept` is bound here, not looked up when called: an answer may go at interpreter exit,
    after the module's names were cleared (each rendered answer's weak reference is bound
    to this function itself, by `partial`, for the same reason)."""
    found = kept.get(key)
    if found is not None and found[0] is gone:
        del kept[key]
