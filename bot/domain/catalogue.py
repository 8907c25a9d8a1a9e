"""The event catalogue: parses data/events.csv and turns what people type into an Event.

Pure domain code: the caller reads the file and hands over its text, so this module does
no I/O and can be used from the bot, the terminal mode and the tests alike.

Resolution is strict: a query resolves only when its normalised form equals the
normalised form of an event's key, name or one of its aliases. Fuzzy matching (rapidfuzz)
only ever produces *suggestions*; the bot never silently guesses that "10000" typed by
mistake for "1000" meant something else.

Reading the CSV rows is in `catalogue_rows`, the spelling rules in `event_names`; their
public names are re-exported here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from rapidfuzz import fuzz

from bot.domain.catalogue_rows import COLUMNS, GROUPS, CatalogueError, read_events
from bot.domain.event_names import normalise, plain_key
from bot.domain.events import Event, RecordType, Sex, Venue

__all__ = [
    "COLUMNS",
    "GROUPS",
    "CatalogueError",
    "EventCatalogue",
    "UnknownEventError",
    "normalise",
]

# Queries longer than this cannot be an alias; they are rejected without fuzzy matching so
# that a hostile 10,000-character option value costs nothing.
_MAX_QUERY = 100
# How much of an unknown query is echoed back in an error message.
_MAX_ECHO = 40
_MAX_ERROR_SUGGESTIONS = 3
_FUZZY_CUTOFF = 0.7
_FUZZY_MIN_LENGTH = 3


class UnknownEventError(LookupError):
    """What the user typed names no event; carries the closest events as suggestions."""

    def __init__(self, query: str, suggestions: Iterable[Event] = ()) -> None:
        self.query = query
        self.suggestions = list(suggestions)
        super().__init__(self._message())

    def _message(self) -> str:
        echo = " ".join(self.query.split())  # one line, whatever was pasted
        if len(echo) > _MAX_ECHO:
            echo = echo[: _MAX_ECHO - 1] + "…"
        if not echo:
            return "No event given — try a name like 'mile', '100m', 'pole vault' or '4x400'."
        if not self.suggestions:
            return (
                f"Unknown event '{echo}' — try a name like 'mile', '100m', 'pole vault' or '4x400'."
            )
        labels = [event.name.lower() for event in self.suggestions]
        listed = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " or " + labels[-1]
        return f"Unknown event '{echo}' — did you mean {listed}?"


# --------------------------------------------------------------------------- the catalogue


@dataclass(frozen=True)
class _Form:
    """One spelling of an event (key, name or alias), pre-normalised for matching."""

    index: int  # position of the event in the catalogue
    normal: str
    plain: str


class EventCatalogue:
    """Every event Trackside knows, in catalogue (file) order."""

    def __init__(self, events: Iterable[Event]) -> None:
        self._events: list[Event] = list(events)
        self._by_key: dict[str, Event] = {}
        self._positions: dict[str, int] = {}
        self._lookup: dict[str, int] = {}
        self._forms: list[_Form] = []
        for index, event in enumerate(self._events):
            if event.key in self._by_key:
                raise ValueError(f"duplicate event key {event.key!r}")
            self._by_key[event.key] = event
            self._positions[event.key] = index
            for spelling in (event.key, event.name, *event.aliases):
                normal = normalise(spelling)
                if not normal:
                    raise ValueError(f"{spelling!r} of {event.key!r} names nothing")
                other = self._lookup.setdefault(normal, index)
                if other != index:
                    raise ValueError(
                        f"{spelling!r} names both {self._events[other].key!r} and {event.key!r}"
                    )
                self._forms.append(_Form(index, normal, plain_key(spelling)))

    @classmethod
    def from_csv_text(cls, text: str) -> EventCatalogue:
        """Parse and validate the catalogue; the first bad row raises CatalogueError."""
        return cls(read_events(text))

    # -- collection protocol

    def __iter__(self) -> Iterator[Event]:
        return iter(self._events)

    def __len__(self) -> int:
        return len(self._events)

    def __contains__(self, key: object) -> bool:
        return key in self._by_key

    def get(self, key: str) -> Event:
        """The event stored under `key` (the database id); KeyError if there is none."""
        return self._by_key[key]

    def position(self, key: str) -> int:
        """Where the event stored under `key` comes in the catalogue's order (the order
        answers list events in); after every event for a key it does not hold."""
        return self._positions.get(key, len(self._events))

    # -- lookups

    def resolve(self, text: str) -> Event:
        """What a user typed -> the Event it names exactly, or UnknownEventError."""
        if len(text) <= _MAX_QUERY:
            index = self._lookup.get(normalise(text))
            if index is not None:
                return self._events[index]
        ranked = self._rank(text)
        if not ranked:
            raise UnknownEventError(text)
        best = ranked[0][0]
        if best >= 1.0:
            # A prefix or substring: every event in that tier is a plausible completion
            # ("20km" -> the 20 km walk and the 20 km road race).
            close = [event for score, event in ranked if int(score) == int(best)]
        else:
            # Only typo-similar: offer the clear front-runners, so that "marathonn"
            # suggests the marathon and not every event with "marathon" in its name.
            close = [event for score, event in ranked if score >= best - 0.05]
        raise UnknownEventError(text, close[:_MAX_ERROR_SUGGESTIONS])

    def suggest(self, text: str, limit: int = 25) -> list[Event]:
        """Autocomplete: events matching `text`, best first, at most `limit` of them."""
        if limit <= 0:
            return []
        if not text.strip():
            # Nothing typed yet: record events first, then the world-best-only oddities.
            def has_record(event: Event) -> bool:
                return RecordType.RECORD in event.lists.values()

            ordered = [e for e in self._events if has_record(e)]
            ordered += [e for e in self._events if not has_record(e)]
            return ordered[:limit]
        return [event for _, event in self._rank(text)][:limit]

    def events_for(self, venue: Venue | None = None, sex: Sex | None = None) -> list[Event]:
        """Events with a list at `venue` (straight events count for both) contested by `sex`."""
        return [
            event
            for event in self._events
            if (venue is None or event.list_for(venue) is not None)
            and (sex is None or sex in event.sexes)
        ]

    # -- fuzzy ranking

    def _rank(self, text: str) -> list[tuple[float, Event]]:
        """Events scored against `text`, best first; ties keep catalogue order.

        Scores: an exact match beats a prefix (shorter completions first), which beats a
        substring, which beats a difflib similarity of at least `_FUZZY_CUTOFF`.
        """
        if not text.strip() or len(text) > _MAX_QUERY:
            return []
        normal, plain = normalise(text), plain_key(text)
        if not plain:
            return []
        best: dict[int, float] = {}
        for form in self._forms:
            score = _score(normal, plain, form)
            if score > best.get(form.index, 0.0):
                best[form.index] = score
        order = sorted(best.items(), key=lambda item: (-item[1], item[0]))
        return [(score, self._events[index]) for index, score in order]


def _score(normal: str, plain: str, form: _Form) -> float:
    if normal and normal == form.normal:
        return 4.0
    if form.plain.startswith(plain):
        return 2.0 + len(plain) / len(form.plain)
    if len(normal) >= 2 and form.normal.startswith(normal):
        return 2.0 + len(normal) / len(form.normal)
    if len(plain) >= 3 and plain in form.plain:
        return 1.0 + len(plain) / len(form.plain)
    if min(len(normal), len(form.normal)) < _FUZZY_MIN_LENGTH:
        return 0.0  # one- and two-letter strings are "similar" to far too much
    # rapidfuzz's ratio is difflib's measure (2·matches / total length), in C.
    return fuzz.ratio(normal, form.normal, score_cutoff=_FUZZY_CUTOFF * 100) / 100
