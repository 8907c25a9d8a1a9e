"""Record scopes by what people type: world, an area, a nation, a meeting."""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz import fuzz, process

from bot.domain.answers import ScopeInfo
from bot.domain.models import RecordScope, ScopeKind
from bot.domain.nations import AREA_ADJECTIVES, AREA_NAMES, NationError, NationTable
from bot.domain.records import meeting_name
from bot.domain.text import fold
from bot.services.errors import NotFoundError, clip

_WORLD_WORDS = {"", "world", "wr", "w", "global"}
# Venues, typed where a scope goes by mistake ("/record mile indor"), get a suggestion too.
VENUE_WORDS = ["indoor", "outdoor", "short track"]
_MAX_FUZZY = 60  # longer text is no scope name: no fuzzy matching for it


class ScopeResolver:
    def __init__(self, nations: NationTable):
        self.nations = nations
        self._areas: dict[str, str] = {}
        for code, name in AREA_NAMES.items():
            for word in (code, name, AREA_ADJECTIVES[code]):
                self._areas[fold(word)] = code
        # People say "NACAC" and "North America" for the same area.
        self._areas.update({"nacac": "NAC", "north america": "NAC", "americas": "NAC"})
        # Every way a scope is typed, for "did you mean …?" on a typo.
        self._typed_names = ["world", *AREA_NAMES.values(), *AREA_ADJECTIVES.values()]
        self._typed_names += [word for n in nations for word in (n.name, n.adjective)]
        self._typed_names += VENUE_WORDS

    def info(self, scope: RecordScope) -> ScopeInfo:
        if scope.kind is ScopeKind.WORLD:
            return ScopeInfo(scope, "world")
        if scope.kind is ScopeKind.AREA:
            return ScopeInfo(scope, AREA_ADJECTIVES.get(scope.code, scope.code))
        if scope.kind is ScopeKind.NATION:
            nation = self.nations.get(scope.code)
            if nation is None:
                return ScopeInfo(scope, f"{scope.code} national")
            return ScopeInfo(scope, nation.adjective, nation.flag)
        return ScopeInfo(scope, scope.code)

    def resolve(self, text: str | None, on_file: Iterable[RecordScope] = ()) -> ScopeInfo:
        """'world', 'EUR', 'European', 'NOR', 'Norway', 'Millrose Games' -> ScopeInfo."""
        key = fold(text or "")
        if key in _WORLD_WORDS:
            return self.info(RecordScope.world())
        if key.endswith(" record"):
            key = key.removesuffix(" record")
        if key in self._areas:
            return self.info(RecordScope(ScopeKind.AREA, self._areas[key]))
        meetings = {fold(s.code): s for s in on_file if s.kind is ScopeKind.MEETING}
        # "Millrose Games 2025" names the meeting's record as "Millrose Games" does.
        meeting = meetings.get(key) or meetings.get(fold(meeting_name(text or "")))
        if meeting is not None:
            return self.info(meeting)
        try:
            nation = self.nations.resolve(text or "")
        except NationError:
            nation = None
        if nation is not None:
            return self.info(RecordScope(ScopeKind.NATION, nation.code))
        close = self._closest(key, meetings.values())
        hint = (
            f" — did you mean {close}?"
            if close
            else (
                " — use world, an area (Europe, Africa, Asia, NACAC, Oceania, South America), "
                "a nation (NOR, Norway) or a meeting on file."
            )
        )
        raise NotFoundError(f"Unknown scope '{clip(text or '')}'{hint}")

    def _closest(self, key: str, meetings: Iterable[RecordScope]) -> str | None:
        """What a mistyped scope most likely meant, as fans write it: an area or nation by
        name or adjective, a meeting on file, or a venue typed where a scope goes
        ('/record mile indor': did you mean indoor?)."""
        if not key or len(key) > _MAX_FUZZY:
            return None
        names = {fold(name): name for name in self._typed_names}
        names.update({fold(s.code): s.code for s in meetings})
        close = process.extractOne(key, list(names), scorer=fuzz.ratio, score_cutoff=70)
        return names[close[0]] if close else None

    def suggest(
        self, text: str, on_file: Iterable[RecordScope], limit: int = 25
    ) -> list[ScopeInfo]:
        """Autocomplete: scopes that have records on file first, then every area and nation."""
        key = fold(text)
        candidates: list[ScopeInfo] = [self.info(RecordScope.world())]
        candidates += [self.info(s) for s in sorted(on_file) if not s.is_world]
        candidates += [self.info(RecordScope(ScopeKind.AREA, code)) for code in AREA_NAMES]
        candidates += [self.info(RecordScope(ScopeKind.NATION, n.code)) for n in self.nations]
        seen, found = set(), []
        for info in candidates:
            if info.scope in seen:
                continue
            haystack = fold(f"{info.scope.code} {info.label}")
            if self._name(info):
                haystack += " " + fold(self._name(info))
            if not key or key in haystack:
                seen.add(info.scope)
                found.append(info)
            if len(found) >= limit:
                break
        return found

    def _name(self, info: ScopeInfo) -> str:
        if info.scope.kind is ScopeKind.NATION:
            nation = self.nations.get(info.scope.code)
            return nation.name if nation else ""
        if info.scope.kind is ScopeKind.AREA:
            return AREA_NAMES.get(info.scope.code, "")
        return ""

    def display_name(self, info: ScopeInfo) -> str:
        """For an autocomplete choice: 'NOR — Norway', 'EUR — Europe', 'world'."""
        name = self._name(info)
        return f"{info.scope.code} — {name}" if name else info.scope.code
