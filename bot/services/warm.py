"""Answers kept warm between writes: a top list, a profile or a rivalry asked again
comes from memory instead of the store.

The rule of the record engine holds: nothing is kept that a write cannot invalidate
exactly. Each answer depends on what it was read from, derived from the answer itself
(`depends_on`): a top list on its event (its races and the splits run inside longer
ones), a profile on its athlete, a rivalry on both athletes, /record and /records on
the record book; an answer of any other kind on everything.

Every write of results, records or athletes reaches `Trackside.reload_records`. Our
own result writes (add, edit, remove, ratify, import: `after_write`) say what they
touched (`Touched`: the events of the results and their splits, before and after an
edit, and the athletes), the record change log says which records changed, and
`forget` drops only the answers depending on those; everything else stays warm. Another
process's writes say the same in the write log (`bot.store.write_log`), which the store
watcher reads within a second or so, as for the record book (`refresh_if_changed`,
`bot.services.catching_up`), and which an own write that another process's landed around
reads at once. When in doubt everything goes (`forget_all`): a write that does not say
what it touched, one touching very many things (a big import), a gap in the record change
log or the write log, and `reload`.

An answer read while a write was committing may be older than the write: it is kept
only if nothing it depends on was forgotten since its read began (`keep` compares the
generation the read began in with when each of its dependencies was last forgotten),
so it can never outlive a write it missed.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from bot.domain.answers import (
    AthleteAnswer,
    RecordAnswer,
    RecordsListAnswer,
    RivalryAnswer,
    TopListAnswer,
)
from bot.domain.models import Result

T = TypeVar("T")

# How much is kept at most, in lines (a top list's rows, a profile's bests and results,
# a rivalry's meetings: about 1-2 KB each in memory), the least recently asked dropped
# first: some forty 100-line top lists, or a few hundred profiles.
WARM_LINES = 4_000

# A write touching more than this many events and athletes (an import) forgets everything:
# looking each up would cost more than the answers it keeps.
MOST_TOUCHED = 1_000

# When each dependency was last forgotten is remembered for this many at most; past that,
# one forget_all starts afresh (a meeting day touches a few hundred athletes and events).
MOST_REMEMBERED = 20_000

# What an answer depends on: ("event", key), ("athlete", id), RECORDS; None: everything.
Dependency = tuple[str, object]
RECORDS: Dependency = ("records", None)


@dataclass
class Touched:
    """What one write of ours changed, for `WarmAnswers.forget`: the events of the results
    it wrote or removed (their splits' events too), and their athletes. `everything`: it
    cannot say (then all answers go). `seen`: the store's data version inside the write,
    before it committed, and our own latest commit's (`Trackside.reload_records` checks
    no other process wrote meanwhile)."""

    events: set[str] = field(default_factory=set)
    athletes: set[int] = field(default_factory=set)
    everything: bool = False
    seen: tuple[int | None, int | None] | None = None

    def results(self, *results: Result) -> None:
        """Results written or removed; an edited one as it was and as it is."""
        for result in results:
            self.events.add(result.event.key)
            self.events.update(split.event.key for split in result.splits)
            if result.athlete.id:  # 0: new, not stored yet (the write says its id)
                self.athletes.add(result.athlete.id)

    def row(self, event: str, splits: Iterable[tuple[Any, ...]]) -> None:
        """An imported row's event and its splits' (each split's event first)."""
        self.events.add(event)
        self.events.update(split[0] for split in splits)

    def dependencies(self) -> set[Dependency] | None:
        """What answers depending on these must go; None: every answer."""
        if self.everything or len(self.events) + len(self.athletes) > MOST_TOUCHED:
            return None
        return {("event", key) for key in self.events} | {
            ("athlete", athlete_id) for athlete_id in self.athletes
        }


def depends_on(answer: object) -> frozenset[Dependency] | None:
    """What an answer was read from, from the answer itself; None (everything) for a
    kind of answer not known here."""
    if type(answer) is TopListAnswer:
        # Its event's races, and the splits of that event inside longer races (a mile's
        # 1500 m split is on the 1500 m list): every write says the split events it touched.
        return frozenset({("event", answer.event.key)})
    if type(answer) is AthleteAnswer:
        return frozenset({("athlete", answer.athlete.id)})
    if type(answer) is RivalryAnswer:
        return frozenset({("athlete", answer.first.id), ("athlete", answer.second.id)})
    if type(answer) in (RecordAnswer, RecordsListAnswer):
        return frozenset({RECORDS})
    return None


class WarmAnswers:
    """Read answers by what was asked, until a write changes what they depend on."""

    def __init__(self, lines: int = WARM_LINES) -> None:
        self.generation = 0
        self._most = lines
        self._lines = 0
        # key -> (answer, lines, dependencies or None for everything)
        self._answers: OrderedDict[Hashable, tuple[Any, int, frozenset[Dependency] | None]]
        self._answers = OrderedDict()
        self._keys: dict[Dependency, set[Hashable]] = {}  # dependency -> keys kept on it
        self._everything: set[Hashable] = set()  # keys of answers depending on everything
        self._all_at = 0  # the generation of the latest forget_all
        self._forgotten_at: dict[Dependency, int] = {}  # since: the latest forget of each

    def __len__(self) -> int:
        return len(self._answers)

    def forget_all(self) -> None:
        """After a write that cannot say what it touched: nothing kept is current any more."""
        self.generation += 1
        self._all_at = self.generation
        self._answers.clear()
        self._keys.clear()
        self._everything.clear()
        self._forgotten_at.clear()  # _all_at covers every read begun before it
        self._lines = 0

    def forget(self, dependencies: Iterable[Dependency] | None) -> None:
        """After a write that touched these: drop every answer depending on one of them
        (and those depending on everything); None: `forget_all`."""
        if dependencies is None or len(self._forgotten_at) > MOST_REMEMBERED:
            self.forget_all()
            return
        self.generation += 1
        dropped = set(self._everything)
        for dependency in dependencies:
            self._forgotten_at[dependency] = self.generation
            dropped.update(self._keys.get(dependency, ()))
        for key in dropped:
            self._drop(key)

    def get(self, key: Hashable) -> Any | None:
        found = self._answers.get(key)
        if found is None:
            return None
        self._answers.move_to_end(key)
        return found[0]

    def keep(self, key: Hashable, generation: int, answer: object) -> None:
        """Keep `answer`, read from the store during `generation`, unless a write that
        touched what it depends on has come since (then it may be stale and is dropped)."""
        dependencies = depends_on(answer)
        if not self._current(generation, dependencies):
            return
        if key in self._answers:
            self._drop(key)
        lines = _lines(answer)
        self._answers[key] = (answer, lines, dependencies)
        if dependencies is None:
            self._everything.add(key)
        else:
            for dependency in dependencies:
                self._keys.setdefault(dependency, set()).add(key)
        self._lines += lines
        while self._lines > self._most and len(self._answers) > 1:
            self._drop(next(iter(self._answers)))

    def _current(self, generation: int, dependencies: frozenset[Dependency] | None) -> bool:
        """Whether nothing `dependencies` names was forgotten after `generation` began."""
        if generation < self._all_at:
            return False
        if dependencies is None:
            return generation == self.generation  # any write since could have changed it
        forgotten = self._forgotten_at
        return all(forgotten.get(d, 0) <= generation for d in dependencies)

    def _drop(self, key: Hashable) -> None:
        _, lines, dependencies = self._answers.pop(key)
        self._lines -= lines
        if dependencies is None:
            self._everything.discard(key)
            return
        for dependency in dependencies:
            keys = self._keys.get(dependency)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._keys[dependency]

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
