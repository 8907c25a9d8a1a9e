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
# Under-20 records: "U20", "world U20", "WU20", "European U20", "U20 EUR".
_U20_WORDS = {"u20": "", "wu20": "world", "wju": "world", "u20r": ""}
# Venues, typed where a scope goes by mistake ("/record mile indor"), get a suggestion too.
VENUE_WORDS = ["indoor", "outdoor", "short track"]
_MAX_FUZZY = 60  # longer text is no scope name: no fuzzy matching for it
# Words that make a name a meeting's, so "Millrose Games" is understood before any of its
# records is on file (it then answers "no Millrose Games record is on file").
_MEETING_WORDS = {
    "games", "meeting", "meet", "classic", "invitational", "gala", "memorial", "relays",
    "prix", "league", "championships", "championship", "trials", "open", "indoor", "tour",
    "weltklasse", "athletissima", "herculis", "golden", "grand", "challenge",
}  # fmt: skip
# The README's scope kinds, typed literally: say what to name instead.
_KIND_WORDS = {
    "area": "an area: Europe, Africa, Asia, NACAC, Oceania or South America",
    "nation": "a nation, e.g. NOR or Norway",
    "national": "a nation, e.g. NOR or Norway",
    "meeting": "a meeting, e.g. Millrose Games",
}


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
        if scope.kind is ScopeKind.U20:
            area = "world" if scope.code == "world" else AREA_ADJECTIVES.get(scope.code)
            return ScopeInfo(scope, f"{area or scope.code} U20")
        return ScopeInfo(scope, scope.code)

    def _u20(self, key: str) -> ScopeInfo | None:
        """'u20', 'world u20', 'wu20', 'european u20', 'u20 eur' -> a U20 scope."""
        words = key.split()
        found = [w for w in words if w in _U20_WORDS]
        if len(found) != 1:
            return None
        rest = " ".join(w for w in words if w != found[0]) or _U20_WORDS[found[0]]
        if rest in _WORLD_WORDS:
            return self.info(RecordScope.u20())
        if rest in self._areas:
            return self.info(RecordScope.u20(self._areas[rest]))
        return None

    def resolve(self, text: str | None, on_file: Iterable[RecordScope] = ()) -> ScopeInfo:
        """'world', 'EUR', 'European', 'NOR', 'Norway', 'Millrose Games' -> ScopeInfo."""
        key = fold(text or "")
        if key in _WORLD_WORDS:
            return self.info(RecordScope.world())
        if key.endswith(" record"):
            key = key.removesuffix(" record")
        if key in self._areas:
            return self.info(RecordScope(ScopeKind.AREA, self._areas[key]))
        u20 = self._u20(key)
        if u20 is not None:
            return u20
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
        if key in _KIND_WORDS:
            raise NotFoundError(f"'{key}' is a kind of scope — name {_KIND_WORDS[key]}.")
        named = self._meeting_named(text or "", key, meetings.values())
        if named is not None:
            return self.info(named)
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

    @staticmethod
    def _meeting_named(text: str, key: str, meetings: Iterable[RecordScope]) -> RecordScope | None:
        """A meeting as fans name it ('Millrose Games', 'Bislett Games 2025'), before any
        of its records is on file — unless it is a typo of one that is ('Milrose Games')."""
        words = key.split()
        if len(words) < 2 or not _MEETING_WORDS.intersection(words) or len(key) > _MAX_FUZZY:
            return None
        codes = {fold(s.code): s for s in meetings}
        if process.extractOne(key, list(codes), scorer=fuzz.ratio, score_cutoff=70):
            return None  # close to a meeting on file: suggest it instead
        return RecordScope(ScopeKind.MEETING, meeting_name(" ".join(text.split())))

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
        # U20 scopes are typed ("U20", "European U20"): an autocomplete choice's value is
        # the scope code, which for them would name the senior scope.
        candidates += [
            self.info(s) for s in sorted(on_file) if s.kind not in (ScopeKind.WORLD, ScopeKind.U20)
        ]
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
