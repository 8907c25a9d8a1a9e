"""Finding athletes by what people type: accent- and case-insensitive, fuzzy suggestions.

Names are few next to results (tens of thousands at most), and autocomplete asks on every
keystroke, so the index lives in memory and is kept in step with every athlete written.
"""

from __future__ import annotations

import bisect
import heapq
import re
from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass
from sys import intern

from rapidfuzz import fuzz, process

from bot.domain.models import Athlete, RecordKey, RecordStatus, ScopeKind
from bot.domain.recordbook import RecordBook
from bot.domain.text import fold
from bot.services.errors import AmbiguousError, NotFoundError, clip

# More hits than this, and autocomplete ranks only those that can come first (`_pool`).
_RANK_POOL = 300
_ID_FORM = re.compile(r"^#(\d{1,18})$")
_NATION_SUFFIX = re.compile(r"^(?P<name>.+?)\s*\((?P<nation>[A-Za-z]{3})\)\s*$")


def athlete_ref(athlete_id: int) -> str:
    """How an option value names an athlete by id ('#12'): what autocomplete offers and an
    edit keeps; `AthleteIndex.resolve` reads it back."""
    return f"#{athlete_id}"


@dataclass(frozen=True, slots=True)
class _Indexed:
    athlete: Athlete
    key: str
    words: tuple[str, ...]


class AthleteIndex:
    """Athletes by folded name: exact names and aliases in a dict, name words in a sorted
    list (a prefix is a bisect away), names by length (the shortest that start with a
    query come first without looking at the rest), and rapidfuzz for what matches nothing.

    An autocomplete keystroke costs well under a millisecond at 100,000 athletes
    (`python -m bench fuzzy`); only a query that matches no name at all — a typo, an
    unknown name — is compared with every name, in rapidfuzz's C code (~10 ms there).
    """

    def __init__(
        self,
        athletes: Iterable[Athlete] = (),
        aliases: Iterable[tuple[int, str]] = (),
        *,
        prominence: dict[int, tuple[int, ...]] | None = None,
    ):
        # Athlete id -> (world, area, national records, results) on file, compared as a
        # tuple: among equally good name matches the clear leader is the one meant.
        self._prominence: dict[int, tuple[int, ...]] = prominence if prominence is not None else {}
        self._by_id: dict[int, _Indexed] = {}
        # Folded name word -> ids (a list: most words name one or two athletes, and a set
        # costs four times the memory of a short list).
        self._by_word: dict[str, list[int]] = {}
        self._words: list[str] = []  # every name word, sorted: prefixes by bisect
        self._keys: dict[int, str] = {}  # id -> folded name, what rapidfuzz compares
        # (folded name, id) by name length, each list sorted: exact names by bisect, and the
        # shortest names that start with a query, in ranking order, without the others.
        self._by_length: dict[int, list[tuple[str, int]]] = {}
        self._short_prefixes: dict[str, set[int]] = {}  # see _with_prefix
        self._aliases: dict[str, set[int]] = {}
        for athlete in athletes:
            self._add_new(athlete)
        self._words = sorted(self._by_word)
        for word, ids in self._by_word.items():  # the first keystroke of any name, warm
            self._short_prefixes.setdefault(word[:1], set()).update(ids)
        for athlete_id, key in self._keys.items():
            self._by_length.setdefault(len(key), []).append((key, athlete_id))
        for names in self._by_length.values():
            names.sort()
        for athlete_id, alias_key in aliases:
            self._aliases.setdefault(alias_key, set()).add(athlete_id)

    def __len__(self) -> int:
        return len(self._by_id)

    def add(self, athlete: Athlete) -> None:
        self._add(athlete, bulk=False)

    def prominence(self, athlete_id: int) -> tuple[int, ...]:
        """(world, area, national records, results) on file; () for none."""
        return self._prominence.get(athlete_id, ())

    def set_prominence(self, found: Mapping[int, tuple[int, ...]]) -> None:
        """Some athletes' prominence anew, after a write changed their results or records
        (none on file at all: as an athlete never counted)."""
        for athlete_id, counted in found.items():
            if any(counted):
                self._prominence[athlete_id] = counted
            else:
                self._prominence.pop(athlete_id, None)

    def _add_new(self, athlete: Athlete) -> None:
        """Index an athlete while the index is being built (the sorted structures are
        sorted once afterwards); an id seen before is indexed as a rename."""
        if athlete.id in self._by_id:
            self._add(athlete, bulk=True)
            return
        key = fold(athlete.name)
        words = tuple(map(intern, key.split()))  # one string per distinct word
        self._by_id[athlete.id] = _Indexed(athlete, key, words)
        self._keys[athlete.id] = key
        by_word = self._by_word
        for word in words:
            ids = by_word.get(word)
            if ids is None:
                by_word[word] = [athlete.id]
            elif ids[-1] != athlete.id:  # a word twice in one name is indexed once
                ids.append(athlete.id)

    def _add(self, athlete: Athlete, *, bulk: bool) -> None:
        key = fold(athlete.name)
        indexed = _Indexed(athlete, key, tuple(map(intern, key.split())))
        old = self._by_id.get(athlete.id)
        if old is not None and old.key != key:
            for word in set(old.words):
                self._by_word[word].remove(athlete.id)
            if not bulk:
                names = self._by_length[len(old.key)]
                del names[bisect.bisect_left(names, (old.key, athlete.id))]
            kept = {word[:n] for word in indexed.words for n in (1, 2)}
            for prefix in {word[:n] for word in old.words for n in (1, 2)} - kept:
                self._short_prefixes.get(prefix, set()).discard(athlete.id)
        if not bulk and (old is None or old.key != key):
            bisect.insort(self._by_length.setdefault(len(key), []), (key, athlete.id))
            for prefix in {word[:n] for word in indexed.words for n in (1, 2)}:
                if prefix in self._short_prefixes:
                    self._short_prefixes[prefix].add(athlete.id)
        self._by_id[athlete.id] = indexed
        self._keys[athlete.id] = key
        for word in indexed.words:
            ids = self._by_word.get(word)
            if ids is None:
                ids = self._by_word[word] = []
                if not bulk:
                    bisect.insort(self._words, word)
            # A new athlete's id is in no list but the ones their own name's words just
            # added it to (the last place): no scan of a common word's thousands of ids.
            if (ids[-1:] != [athlete.id]) if old is None else (athlete.id not in ids):
                ids.append(athlete.id)

    def get(self, athlete_id: int) -> Athlete | None:
        found = self._by_id.get(athlete_id)
        return found.athlete if found else None

    def _named(self, key: str) -> list[int]:
        """Ids of the athletes whose folded name is `key`: a bisect in the names of its
        length (they are sorted by name, then id)."""
        names = self._by_length.get(len(key), ())
        at = bisect.bisect_left(names, (key,))
        found = []
        while at < len(names) and names[at][0] == key:
            found.append(names[at][1])
            at += 1
        return found

    def _with_prefix(self, prefix: str) -> Set[int]:
        """Ids of athletes with a name word starting with `prefix` (the one- and two-letter
        ones, the first keystrokes, are kept, and kept up to date as athletes are added or
        renamed: the one-letter ones from the start)."""
        if len(prefix) <= 2:
            cached = self._short_prefixes.get(prefix)
            if cached is None:
                cached = self._short_prefixes[prefix] = self._scan(prefix)
            return cached
        return self._scan(prefix)

    def _scan(self, prefix: str) -> set[int]:
        found: set[int] = set()
        at = bisect.bisect_left(self._words, prefix)
        while at < len(self._words) and self._words[at].startswith(prefix):
            found.update(self._by_word[self._words[at]])
            at += 1
        return found

    def _matches(self, query: str, limit: int | None = None) -> list[_Indexed]:
        """Athletes whose name has every query word as a word prefix, best first: the exact
        name (or alias), then names with every query word as a whole word (an exact
        surname: 'kerr' is Josh Kerr before Kerron Clement), then the rest, names that
        start with the query and shorter names first."""
        words = query.split()
        if not words:
            return []
        exact = [self._by_id[i] for i in self._named(query)]
        exact += [self._by_id[a] for a in self._aliases.get(query, ()) if a in self._by_id]
        if exact:
            return list(dict.fromkeys(exact))
        candidates: Set[int] | None = None
        for word in sorted(set(words), key=len, reverse=True):  # longest: fewest ids first
            found = self._with_prefix(word)
            candidates = found if candidates is None else candidates & found
            if not candidates:
                return []
        if limit is not None and candidates and len(candidates) > _RANK_POOL:
            candidates = self._pool(query, words, candidates, limit)
        ranked = (self._rank(self._by_id[i], query, words) for i in candidates or ())
        if limit is None:
            return [t[-1] for t in sorted(ranked, key=lambda t: t[:-1])]
        return [t[-1] for t in heapq.nsmallest(limit, ranked, key=lambda t: t[:-1])]

    def _pool(self, query: str, words: list[str], candidates: Set[int], limit: int) -> Set[int]:
        """For a short query with thousands of hits ('k'), the ones that can rank in the
        first `limit`: every name with each query word whole, and the `limit` shortest
        names that start with the query. Only when those are too few is every hit ranked."""
        pool = set.intersection(*(set(self._by_word.get(w, ())) for w in words))
        starting: list[tuple[int, str, int]] = []
        for length in sorted(self._by_length):
            if length < len(query) or len(starting) >= limit:
                continue
            names = self._by_length[length]
            at = bisect.bisect_left(names, (query,))
            while at < len(names) and names[at][0].startswith(query) and len(starting) < limit:
                starting.append((length, *names[at]))
                at += 1
        pool.update(athlete_id for _, _, athlete_id in starting)
        return pool & candidates if len(pool) >= limit else candidates

    @staticmethod
    def _rank(indexed: _Indexed, query: str, words: list[str]) -> tuple:
        whole = all(w in indexed.words for w in words)
        starts = indexed.key.startswith(query)
        return (not whole, not starts, len(indexed.key), indexed.key, indexed.athlete.id, indexed)

    def _close(self, query: str, limit: int, cutoff: float) -> list[_Indexed]:
        """The most similar names by rapidfuzz's ratio (difflib's measure, in C)."""
        found = process.extract(
            query, self._keys, scorer=fuzz.ratio, limit=limit, score_cutoff=cutoff
        )
        return [self._by_id[athlete_id] for _, _, athlete_id in found]

    def resolve(self, text: str, *, hint: bool = True) -> Athlete:
        """The one athlete the text names; NotFoundError / AmbiguousError say what to do.

        `hint=False`: an unknown name's NotFoundError does without "did you mean …?" —
        the one answer that compares the name with every other (an import checking a
        file of names new to the store, which it then adds, has no use for it)."""
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
        words = query.split()
        whole = [m for m in matches if all(w in m.words for w in words)]
        if len(whole) == 1:  # an exact surname (or first name) beats names it only starts
            return whole[0].athlete
        if leader := self._clear_leader(whole):  # 'kerr': Josh Kerr, world record holder
            return leader.athlete
        if matches:
            names = ", ".join(m.athlete.label for m in matches[:5])
            more = f" and {len(matches) - 5} more" if len(matches) > 5 else ""
            raise AmbiguousError(
                f"'{clip(text)}' matches several athletes: {names}{more} — be more specific."
            )
        close = self._close(query, 1, 75) if hint else []
        if close:
            advice = f" — did you mean {close[0].athlete.name}?"
        else:
            advice = " — check the spelling, or add their results first."
        raise NotFoundError(f"Unknown athlete '{clip(text)}'{advice}")

    def _clear_leader(self, tied: list[_Indexed]) -> _Indexed | None:
        """The most prominent of equally good matches (world records held, then area, then
        national records, then results on file), if it leads the next one; else None."""
        if len(tied) < 2:
            return None
        ranked = sorted(tied, key=lambda m: self.prominence(m.athlete.id), reverse=True)
        first, second = (self.prominence(m.athlete.id) for m in ranked[:2])
        return ranked[0] if first > second else None

    def suggest(self, text: str, limit: int = 25) -> list[Athlete]:
        query = fold(text[:200])
        if not query:
            return [i.athlete for i in list(self._by_id.values())[:limit]]
        matches = self._matches(query, limit)
        if not matches:
            # A typo (no name has words starting so): the most similar names instead. Only
            # then is every name compared, so a keystroke on a real name never pays for it.
            matches = self._close(query, limit, 60)
        return [m.athlete for m in matches[:limit]]


def _unique_key(matches: list[_Indexed]) -> bool:
    return sum(1 for m in matches if m.key == matches[0].key) == 1


def records_by_athlete(
    book: RecordBook, keys: Iterable[RecordKey] | None = None
) -> dict[int, tuple[int, int, int]]:
    """Athlete id -> (world, area, national) record entries on file, rejected ones left
    out: the record half of an athlete's prominence, from the book instead of a join of
    the entries with a million results. Of the records `keys` only, if given."""
    counted = (ScopeKind.WORLD, ScopeKind.AREA, ScopeKind.NATION)
    counts: dict[int, list[int]] = {}
    if keys is None:
        lists = (
            (scope.kind, book.scope_entries(scope))
            for scope in book.scopes()
            if scope.kind in counted
        )
    else:
        lists = ((key.scope.kind, book.entries(key)) for key in keys if key.scope.kind in counted)
    for kind, entries in lists:
        column = counted.index(kind)
        for entry in entries:
            if entry.status is not RecordStatus.REJECTED:
                counts.setdefault(entry.athlete.id, [0, 0, 0])[column] += 1
    return {athlete_id: (w, a, n) for athlete_id, (w, a, n) in counts.items()}
