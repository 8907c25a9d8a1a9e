"""Terminal mode: run a slash command typed as text, e.g. `/record mile indoor`.

Options are given the way Discord's client takes them (`event:mile venue:indoor`, quotes
around values with spaces) or positionally in the order of SPEC §2. Positional words
that can only be a venue, a sex, a year or a list kind are recognised wherever they
stand, so `/record mile indoor` and `/record indoor mile` both work.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.domain.answers import TopListBy
from bot.domain.events import VENUE_WORDS, Sex, Venue
from bot.domain.text import fold
from bot.services.app import Trackside
from bot.services.errors import InvalidInputError, NotFoundError, TracksideError, clip

_VENUE_WORDS = VENUE_WORDS  # the domain's one vocabulary (`Venue.parse`)
_BY_WORDS = {"performances": TopListBy.PERFORMANCES, "performers": TopListBy.PERFORMERS}
_YEAR = re.compile(r"^\d{4}$")
_OPTION = re.compile(r"^(?P<name>[a-z_]+):(?P<value>.*)$", re.S)
MAX_COMMAND_LENGTH = 1000


@dataclass(frozen=True)
class CommandSpec:
    name: str
    options: tuple[str, ...]  # in SPEC §2 order
    required: tuple[str, ...]


COMMANDS = {
    spec.name: spec
    for spec in (
        CommandSpec("record", ("event", "venue", "sex", "scope"), ("event",)),
        CommandSpec("progression", ("event", "venue", "sex", "scope"), ("event",)),
        CommandSpec("records", ("venue", "sex", "scope"), ()),
        CommandSpec("athlete", ("name",), ("name",)),
        CommandSpec("rivalry", ("athlete", "opponent"), ("athlete", "opponent")),
        CommandSpec("toplist", ("event", "venue", "sex", "year", "by"), ("event",)),
    )
}


def parse_venue(text: str) -> Venue:
    venue = _VENUE_WORDS.get(fold(text))
    if venue is None:
        close = process.extractOne(
            fold(text)[:40], list(_VENUE_WORDS), scorer=fuzz.ratio, score_cutoff=70
        )
        hint = f"did you mean {close[0]}?" if close else "use indoor or outdoor."
        raise InvalidInputError(f"Unknown venue '{clip(text)}' — {hint}")
    return venue


def parse_sex(text: str) -> Sex:
    try:
        return Sex.parse(text)
    except ValueError:
        raise InvalidInputError(f"Unknown sex '{clip(text)}' — use men, women or mixed.") from None


def parse_year(text: str) -> int:
    if not _YEAR.match(text.strip()):
        raise InvalidInputError(f"'{clip(text)}' is not a year — give four digits, e.g. 2025.")
    return int(text)


def parse_by(text: str) -> TopListBy:
    by = _BY_WORDS.get(fold(text))
    if by is None:
        raise InvalidInputError(
            f"Unknown list kind '{clip(text)}' — use performances or performers."
        )
    return by


def _is(parser: Callable[[str], object], text: str) -> bool:
    try:
        parser(text)
    except TracksideError:
        return False
    return True


def split_command(line: str) -> tuple[CommandSpec, dict[str, str]]:
    """'/record mile indoor' -> (record spec, {'event': 'mile', 'venue': 'indoor'})."""
    if len(line) > MAX_COMMAND_LENGTH:
        raise InvalidInputError(f"That command is too long (over {MAX_COMMAND_LENGTH} characters).")
    try:
        words = shlex.split(line)
    except ValueError as exc:
        raise InvalidInputError(f"Cannot read that command: {exc} — check the quotes.") from None
    if not words:
        raise InvalidInputError("Type a command, e.g. /record mile indoor")
    name = words[0].lstrip("/").casefold()
    spec = COMMANDS.get(name)
    if spec is None:
        known = ", ".join(f"/{n}" for n in COMMANDS)
        raise NotFoundError(f"Unknown command '/{clip(name, 30)}' — try one of {known}.")
    options: dict[str, str] = {}
    positional: list[str] = []
    for word in words[1:]:
        match = _OPTION.match(word)
        if match and match.group("name") in spec.options:
            option = match.group("name")
            if option in options:
                raise InvalidInputError(f"Option '{option}' is given twice.")
            options[option] = match.group("value")
        elif match and ":" in word and match.group("name").isalpha() and not positional:
            raise InvalidInputError(
                f"/{spec.name} has no option '{match.group('name')}' — its options are "
                f"{', '.join(spec.options)}."
            )
        else:
            positional.append(word)
    return spec, _place_positional(spec, options, positional)


def _place_positional(
    spec: CommandSpec, options: dict[str, str], words: list[str]
) -> dict[str, str]:
    # Words that can only mean one option claim it wherever they stand.
    typed = {"venue": parse_venue, "sex": parse_sex, "year": parse_year, "by": parse_by}
    rest = []
    for word in _venue_pairs(words):
        for option, parser in typed.items():
            if option in spec.options and option not in options and _is(parser, word):
                options[option] = word
                break
        else:
            rest.append(word)
    free = [o for o in spec.options if o not in options and o not in typed]
    if not rest:
        return options
    if not free:
        raise InvalidInputError(f"Too many values for /{spec.name}: '{clip(' '.join(rest))}'.")
    if len(free) == 1:
        options[free[0]] = " ".join(rest)
    else:
        # event + scope, or athlete + opponent: decided by the caller, which can try splits.
        options["_words"] = "\x1f".join(rest)
    return options


def _venue_pairs(words: list[str]) -> list[str]:
    """Two words that together are a venue ('short track', typed unquoted) become one."""
    joined: list[str] = []
    for word in words:
        if joined and fold(f"{joined[-1]} {word}") in _VENUE_WORDS:
            joined[-1] = f"{joined[-1]} {word}"
        else:
            joined.append(word)
    return joined


class Terminal:
    """Runs commands against a `Trackside` and renders the answer as text."""

    def __init__(self, app: Trackside):
        self.app = app

    async def answer(self, line: str) -> object:
        spec, options = split_command(line)
        missing = [o for o in spec.required if o not in options and "_words" not in options]
        if missing:
            raise InvalidInputError(
                f"/{spec.name} needs {', '.join(missing)} — e.g. {_EXAMPLES[spec.name]}"
            )
        handler: Callable[[dict[str, str]], Awaitable[object]] = getattr(self, f"_{spec.name}")
        return await handler(options)

    def _event_and_scope(self, options: dict[str, str]) -> tuple[str, str | None]:
        """Split free words between event and scope: the longest prefix that is an event."""
        if "_words" not in options:
            return options.get("event", ""), options.get("scope")
        words = options.pop("_words").split("\x1f")
        if "event" in options:
            return options["event"], " ".join(words)
        for cut in range(len(words), 0, -1):
            try:
                self.app.event(" ".join(words[:cut]))
            except TracksideError:
                continue
            scope = " ".join(words[cut:]) or options.get("scope")
            return " ".join(words[:cut]), scope
        return words[0], " ".join(words[1:]) or None

    async def _record(self, options: dict[str, str]):
        event, scope = self._event_and_scope(options)
        return await self.app.record(event, *self._venue_sex(options), scope)

    async def _progression(self, options: dict[str, str]):
        event, scope = self._event_and_scope(options)
        return await self.app.progression(event, *self._venue_sex(options), scope)

    async def _records(self, options: dict[str, str]):
        venue, sex = self._venue_sex(options)
        return await self.app.records(venue or Venue.OUTDOOR, sex, options.get("scope"))

    async def _athlete(self, options: dict[str, str]):
        return await self.app.athlete_profile(options["name"])

    async def _rivalry(self, options: dict[str, str]):
        if "_words" in options:
            words = options.pop("_words").split("\x1f")
            first, second = self._two_athletes(words)
        else:
            first, second = options["athlete"], options["opponent"]
        return await self.app.rivalry(first, second)

    def _two_athletes(self, words: list[str]) -> tuple[str, str]:
        words = [w for w in words if fold(w) not in {"vs", "v", "versus"}]
        for cut in range(1, len(words)):
            first, second = " ".join(words[:cut]), " ".join(words[cut:])
            try:
                self.app.athlete(first)
                self.app.athlete(second)
            except TracksideError:
                continue
            return first, second
        if len(words) < 2:
            raise InvalidInputError("Name two athletes, e.g. /rivalry Ingebrigtsen Nuguse")
        # Neither split names two athletes: report on the first-word split.
        return words[0], " ".join(words[1:])

    async def _toplist(self, options: dict[str, str]):
        event, _ = self._event_and_scope(options)
        venue, sex = self._venue_sex(options)
        year = parse_year(options["year"]) if "year" in options else None
        by = parse_by(options["by"]) if "by" in options else TopListBy.PERFORMANCES
        return await self.app.top_list(event, venue, sex, year, by)

    @staticmethod
    def _venue_sex(options: dict[str, str]) -> tuple[Venue | None, Sex | None]:
        venue = parse_venue(options["venue"]) if options.get("venue") else None
        sex = parse_sex(options["sex"]) if options.get("sex") else None
        return venue, sex


_EXAMPLES = {
    "record": "/record mile indoor",
    "progression": "/progression mile indoor men",
    "records": "/records indoor women",
    "athlete": "/athlete Jakob Ingebrigtsen",
    "rivalry": '/rivalry "Jakob Ingebrigtsen" "Yared Nuguse"',
    "toplist": "/toplist 1500m outdoor men 2024",
}
