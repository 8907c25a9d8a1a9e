"""Answers kept warm between writes: a top list, a profile or a rivalry asked again
comes from memory instead of the store.

The rule of the record engine holds: nothing is kept that a write cannot invalidate
exactly. Every write of results, records or athletes reaches `Trackside.reload_records`
— our own through `after_write` (add, edit, remove, ratify, import), another process's
through the store watcher (`refresh_if_changed`: SQLite's data_version, PostgreSQL's
LISTEN; within its few seconds, as for the record book) — and that calls `forget_all`,
which drops every answer and starts a new generation. An answer read while
a write was committing may be older than the write: it is kept only if no
`forget_all` happened since its read began (`keep` compares generations), so it can
never outlive the write it missed.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar, cast

T = TypeVar("T")

# How much is kept at most, in lines (a top list's rows, a profile's bests and results,
# a rivalry's meetings: about 1-2 KB each in memory), the least recently asked dropped
# first: some forty 100-line top lists, or a few hundred profiles.
WARM_LINES = 4_000


class WarmAnswers:
    """Read answers by what was asked, until the next write."""

    def __init__(self, lines: int = WARM_LINES) -> None:
        self.generation = 0
        self._most = lines
        self._lines = 0
        self._answers: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._answers)

    def forget_all(self) -> None:
        """After a write (ours or another process's): nothing kept is current any more."""
        self.generation += 1
        self._answers.clear()
        self._lines = 0

    def get(self, key: Hashable) -> Any | None:
        found = self._answers.get(key)
        if found is None:
            return None
        self._answers.move_to_end(key)
        return found[0]

    def keep(self, key: Hashable, generation: int, answer: object) -> None:
        """Keep `answer`, read from the store during `generation`, unless a write has
        come since (then it may be stale and is dropped)."""
        if generation != self.generation:
            return
        lines = _lines(answer)
        if key in self._answers:
            self._lines -= self._answers.pop(key)[1]
        self._answers[key] = (answer, lines)
        self._lines += lines
        while self._lines > self._most and len(self._answers) > 1:
            self._lines -= self._answers.popitem(last=False)[1][1]

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


def _lines(answer: object) -> int:
    """An answer's weight: 1 plus the items of its tuples (rows, results, meetings)."""
    fields = getattr(answer, "__dict__", {})
    return 1 + sum(len(value) for value in fields.values() if isinstance(value, tuple))
