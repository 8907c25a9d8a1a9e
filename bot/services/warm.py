"""Answers kept warm between writes: a top list, a profile or a rivalry asked again
comes from memory instead of the store.

The rule of the record engine holds: nothing is kept that a write cannot invalidate
exactly. Every write reaches `Trackside.reload_records` — our own through `after_write`
(add, edit, remove, ratify, import), another process's through the store watcher
(`refresh_if_changed`: SQLite's data_version, PostgreSQL's LISTEN) — and that calls
`forget_all`, which drops every answer and starts a new generation. An answer read while
a write was committing may be older than the write: it is kept only if no
`forget_all` happened since its read began (`keep` compares generations), so it can
never outlive the write it missed.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar, cast

T = TypeVar("T")

WARM_ANSWERS = 256  # answers kept at most, the least recently asked dropped first


class WarmAnswers:
    """Read answers by what was asked, until the next write."""

    def __init__(self, size: int = WARM_ANSWERS) -> None:
        self.generation = 0
        self._size = size
        self._answers: OrderedDict[Hashable, Any] = OrderedDict()

    def __len__(self) -> int:
        return len(self._answers)

    def forget_all(self) -> None:
        """After a write (ours or another process's): nothing kept is current any more."""
        self.generation += 1
        self._answers.clear()

    def get(self, key: Hashable) -> Any | None:
        found = self._answers.get(key)
        if found is not None:
            self._answers.move_to_end(key)
        return found

    def keep(self, key: Hashable, generation: int, answer: object) -> None:
        """Keep `answer`, read from the store during `generation`, unless a write has
        come since (then it may be stale and is dropped)."""
        if generation != self.generation:
            return
        self._answers[key] = answer
        self._answers.move_to_end(key)
        while len(self._answers) > self._size:
            self._answers.popitem(last=False)

    def answer_now(self, key: Hashable, read: Callable[[], T]) -> T:
        """`answer` for what is read from memory (the record book) without waiting."""
        found = self.get(key)
        if found is not None:
            return cast(T, found)
        answer = read()
        self.keep(key, self.generation, answer)
        return answer

    async def answer(self, key: Hashable, read: Callable[[], Awaitable[T]]) -> T:
        """The answer kept for `key`, else `read()`'s (kept for next time). Errors are
        raised, never kept."""
        found = self.get(key)
        if found is not None:
            return cast(T, found)
        generation = self.generation
        answer = await read()
        self.keep(key, generation, answer)
        return answer
