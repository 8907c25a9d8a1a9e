"""Finding athletes by what people type: accent- and case-insensitive, fuzzy suggestions.

Names are few next to results (tens of thousands at most), and autocomplete asks on every
keystroke, so the index lives in memory and is kept in step with every athlete written.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.domain.models import Athlete
from bot.domain.text import fold
from bot.services.errors import AmbiguousError, NotFoundError, clip

_ID_FORM = re.compile(r"^#(\d{1,18})$")
_NATION_SUFFIX = re.compile(r"^(?P<name>.+?)\s*\((?P<nation>[A-Za-z]{3})\)\s*$")


@dataclass(frozen=True)
class _Indexed:
    athlete: Athlete
    key: str
    words: tuple[str, ...]


class AthleteIndex:
    def __init__(self, athletes: Iterable[Athlete] = (), aliases: Iterable[tuple[int, str]] = ()):
        self._by_id: dict[int, _Indexed] = {}
        self._by_key: dict[str, list[int]] = {}  # folded full name -> ids: exact hits in O(1)
        self._aliases: dict[str, set[int]] = {}
        for athlete in athletes:
            self.add(athlete)
        for athlete_id, alias_key in aliases:
            self._aliases.setdefault(alias_key, set()).add(athlete_id)

    def __len__(self) -> int:
        return len(self._by_id)

    def add(self, athlete: Athlete) -> None:
        key = fold(athlete.name)
        old = self._by_id.get(athlete.id)
        if old is not None and old.key != key:
            self._by_key[old.key].remove(athlete.id)
        self._by_id[athlete.id] = _Indexed(athlete, key, tuple(key.split()))
        ids = self._by_key.setdefault(key, [])
        if athlete.id not in ids:
            ids.append(athlete.id)

    def get(self, athlete_id: int) -> Athlete | None:
        found = self._by_id.get(athlete_id)
        return found.athlete if found else None

    def _matches(self, query: str) -> list[_Indexed]:
        """Athletes whose name has every query word as a word prefix, best first."""
        words = query.split()
        if not words:
            return []
        exact = [self._by_id[i] for i in self._by_key.get(query, ())]
        exact += [self._by_id[a] for a in self._aliases.get(query, ()) if a in self._by_id]
        if exact:
            return list(dict.fromkeys(exact))
        found = []
        for indexed in self._by_id.values():
            if all(any(w.startswith(q) for w in indexed.words) for q in words):
                # Rank: surname-first hits and shorter names first.
                starts = indexed.key.startswith(query)
                found.append((not starts, len(indexed.key), indexed.key, indexed))
        found.sort(key=lambda t: t[:3])
        return [t[3] for t in found]

    def resolve(self, text: str) -> Athlete:
        """The one athlete the text names; NotFoundError / AmbiguousError say what to do."""
        text = text.strip()
        if not text:
            raise NotFoundError("Name an athlete, e.g. 'Jakob Ingebrigtsen'.")
        by_id = _ID_FORM.match(text)
        if by_id and (athlete := self.get(int(by_id.group(1)))):
            return athlete
        nation = None
        with_nation = _NATION_SUFFIX.match(text)
        if with_nation:
            text, nation = with_nation.group("name"), with_nation.group("nation").upper()
        query = fold(text[:200])
        matches = self._matches(query)
        if nation:
            matches = [m for m in matches if m.athlete.nation == nation] or matches
        if len(matches) == 1 or (matches and matches[0].key == query and _unique_key(matches)):
            return matches[0].athlete
        if matches:
            names = ", ".join(m.athlete.label for m in matches[:5])
            more = f" and {len(matches) - 5} more" if len(matches) > 5 else ""
            raise AmbiguousError(
                f"'{clip(text)}' matches several athletes: {names}{more} — be more specific."
            )
        close = difflib.get_close_matches(
            query, [i.key for i in self._by_id.values()], n=1, cutoff=0.75
        )
        hint = ""
        if close:
            athlete = next(i.athlete for i in self._by_id.values() if i.key == close[0])
            hint = f" — did you mean {athlete.name}?"
        else:
            hint = " — check the spelling, or add their results first."
        raise NotFoundError(f"Unknown athlete '{clip(text)}'{hint}")

    def suggest(self, text: str, limit: int = 25) -> list[Athlete]:
        query = fold(text[:200])
        if not query:
            return [i.athlete for i in list(self._by_id.values())[:limit]]
        matches = self._matches(query)
        if len(matches) < limit:
            keys = {m.key for m in matches}
            close = difflib.get_close_matches(
                query,
                [i.key for i in self._by_id.values() if i.key not in keys],
                n=limit - len(matches),
                cutoff=0.6,
            )
            matches += [i for i in self._by_id.values() if i.key in close]
        return [m.athlete for m in matches[:limit]]


def _unique_key(matches: list[_Indexed]) -> bool:
    return sum(1 for m in matches if m.key == matches[0].key) == 1
