"""Checking an import's rows: each distinct value once.

A file repeats itself: a million generated rows name 20,000 athletes, fifty events and a
few thousand meetings, and every mark of an event many times. `RowChecker` runs the
steps of `drafts.build` (`fields`: the same functions, so the same rules) once per
distinct input — an athlete's name with their nation, sex and event; an event's mark; a
meeting's venue, day, name, city, country and source; a round, place and wind — keyed on
the text as read, and each row is then a few lookups and one `Staged` tuple, with no
`Result` built. A row whose values include one that failed is checked again by
`drafts.build` itself (the rare case), so its error is exactly build's: the first field
in build's order, with build's words and column.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

from bot.domain.events import Event, Sex, Venue
from bot.domain.marks import Mark
from bot.domain.models import Athlete
from bot.services.errors import AmbiguousError, InvalidInputError, NotFoundError, TracksideError
from bot.services.writes import fields
from bot.services.writes.csv_import import (
    IMPORT_COLUMNS,
    Races,
    RawRow,
    RowError,
    Staged,
    cell,
    cells,
    column_of,
    identity_of,
    same_as,
    staged,
    staged_splits,
    who_of,
)
from bot.services.writes.drafts import ResultDraft, build, implausible_marks, world_record

if TYPE_CHECKING:
    from bot.services.app import Trackside

T = TypeVar("T")
_ROW_ERRORS = (InvalidInputError, NotFoundError, AmbiguousError)
_BAD: Any = object()  # a memoised value that failed its step (drafts.build says how)
_MISSING = object()
_NO_SPLITS = ((), ())
_TYPO = "{} To keep it, add it alone and confirm."
(_NAME, _NATION, _SEX, _EVENT, _MARK, _VENUE, _DATE, _COMPETITION, _CITY, _COUNTRY, _ROUND,
 _PLACE, _WIND, _SPLITS, _SOURCE) = range(len(IMPORT_COLUMNS))  # fmt: skip


class CheckingApp:
    """The app as one import's row checks see it: the same answers, but each athlete's
    name and each event's name looked up once per import, not once per row (a name new to
    the store costs a fuzzy search over every athlete to be sure). Everything else is the
    app's own."""

    def __init__(self, app: Trackside):
        self._app = app
        self._athletes: dict[str, tuple[Athlete | None, type[TracksideError] | None, str]] = {}
        self._events: dict[str, Event] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._app, name)

    def athlete(self, text: str) -> Athlete:
        found = self._athletes.get(text)
        if found is None:
            try:
                # The hint of an unknown name's error is never shown: drafts.build
                # then takes the name as a new athlete's, or asks for nation and sex.
                found = (self._app.athlete_index.resolve(text, hint=False), None, "")
            except (NotFoundError, AmbiguousError) as exc:
                found = (None, type(exc), str(exc))
            self._athletes[text] = found
        athlete, error, message = found
        if error is not None:
            raise error(message)
        assert athlete is not None
        return athlete

    def event(self, text: str | None) -> Event:
        found = self._events.get(text or "")
        if found is None:
            found = self._events[text or ""] = self._app.event(text)
        return found


def _walking(step: Callable[..., T], *args: Any) -> T:
    try:
        return step(*args)
    except RuntimeError as exc:
        # The loop added an athlete (another moderator's write) while this thread
        # walked the name index: the index is whole again, so check again.
        if "changed size during iteration" not in str(exc):
            raise
        return step(*args)


class RowChecker:
    """One import's rows checked a batch at a time (in a worker thread): `check` gives
    what `drafts.build` on each row gives (tests/store/test_import_fast.py holds them
    equal)."""

    def __init__(self, app: Trackside):
        # CheckingApp answers everything a Trackside does (it delegates; see its docstring).
        self.app = cast("Trackside", CheckingApp(app))
        self.shared: dict[object, object] = {}  # one copy of each repeated value (see who_of)
        self._today = app.today()
        self._events: dict[object, Any] = {}
        self._athletes: dict[object, Any] = {}
        self._marks: dict[object, Any] = {}
        self._meetings: dict[object, Any] = {}
        self._rounds: dict[object, Any] = {}
        self._splits: dict[object, Any] = {}
        self._typos: dict[object, list[tuple[str, str]]] = {}
        self._races = Races()
        self._records: dict[tuple[str, Venue, Sex], Mark | None] = {}

    def _world_record(self, app: Trackside, event: Event, venue: Venue, sex: Sex) -> Mark | None:
        """`drafts.world_record`, asked once per event, venue and sex per import."""
        key = (event.key, venue, sex)
        if key not in self._records:
            self._records[key] = world_record(app, event, venue, sex)
        return self._records[key]

    def check(self, rows: Sequence[tuple[int, RawRow]]) -> tuple[list[Staged], list[RowError]]:
        """The rows that pass as `Staged` tuples, and an error for each problem (with the
        rows that give a result an earlier row of the import gave: `csv_import.Races`)."""
        if self.app.today() != self._today:  # past midnight: "in the future" moved
            self._today = self.app.today()
            self._meetings.clear()
        good: list[Staged] = []
        errors: list[RowError] = []
        seen: dict[tuple[object, ...], int] = {}  # per batch
        for line, raw in rows:
            row = self._values(raw)
            if row is _BAD:
                errors.append(self._error(line, raw))
                continue
            event, key, (athlete, who, folded, sex, sex_value), mark_values, meeting = row[:5]
            status, mark, value, hand = mark_values
            venue, venue_value, day, day_text, competition, city, country, source = meeting
            (round_, place, wind), (splits, split_rows) = row[5:]
            typos = self._typos.get(
                row_key := (raw[_EVENT], raw[_MARK], raw[_SPLITS], venue_value, sex_value)
            )
            if typos is None:
                typos = self._typos[row_key] = implausible_marks(
                    self.app, event, venue, sex, mark, splits, self._world_record
                )
            if typos:
                errors += [RowError(line, column, _TYPO.format(w)) for column, w in typos]
                continue
            same = identity_of(folded, athlete.nation, key, day, round_, value)
            first = seen.setdefault(same, line)
            if first == line:  # not given in this batch: and in the import so far?
                first = self._races.first(who, key, day_text, value, round_, line) or line
            if first != line:
                errors.append(same_as(line, first))
                continue
            good.append(staged(line, who, key, sex_value, venue_value, value, hand, wind,
                               day_text, competition, city, country, round_, place, status,
                               source, split_rows))  # fmt: skip
        return good, errors

    def _values(self, raw: RawRow) -> Any:
        """The checked values of a row (memoised), or _BAD if one of them failed."""
        ev, mk, sp = raw[_EVENT], raw[_MARK], raw[_SPLITS]
        event = self._events.get(ev) or self._event(ev)
        if event is _BAD:
            return _BAD
        who = self._athletes.get(key := (*raw[:_EVENT], ev)) or self._athlete(key, event)
        mark = self._marks.get((mk, ev)) or self._mark(mk, ev, event)
        meeting = self._meetings.get(at := (*raw[_VENUE:_ROUND], raw[_SOURCE])) or self._meeting(at)
        rest = self._rounds.get(how := raw[_ROUND:_SPLITS]) or self._round(how)
        splits = _NO_SPLITS
        if sp and mark is not _BAD:
            splits = self._splits.get((sp, ev, mk)) or self._split(sp, ev, mk, event, mark[1])
        if _BAD in (who, mark, meeting, rest, splits):
            return _BAD
        return event, event.key, who, mark, meeting, rest, splits

    def _error(self, line: int, raw: RawRow) -> RowError:
        """The error drafts.build gives for a row one of whose values failed."""
        try:
            _walking(build, self.app, ResultDraft(**cells(raw)))  # type: ignore[arg-type]
        except _ROW_ERRORS as exc:
            return RowError(line, column_of(exc), str(exc))
        raise RuntimeError(f"row {line}: a value failed its check, but the row passes")

    # -- each distinct value, once (what a step gives, or _BAD) --------------------------------

    def _event(self, ev: str | None) -> Any:
        found = self._events[ev] = _checked(fields.event_step, self.app, cell(_EVENT, ev))
        return found

    def _athlete(self, key: tuple[str | None, ...], event: Event) -> Any:
        def step() -> tuple[Athlete, object, str, object, str]:
            name, nation, sex = (cell(i, key[i]) for i in (_NAME, _NATION, _SEX))
            athlete = _walking(fields.athlete_step, self.app, name, nation, sex, event)[0]
            list_sex = fields.list_sex_step(event, athlete)
            return (athlete, who_of(athlete, self.shared), athlete.name.casefold(), list_sex,
                    list_sex.value)  # fmt: skip

        found = self._athletes[key] = _checked(step)
        return found

    def _mark(self, mk: str | None, ev: str | None, event: Event) -> Any:
        def step() -> tuple[object, ...]:
            status, mark = fields.mark_step(cell(_MARK, mk), event)
            if mark is None:
                return status.value, None, None, 0
            return status.value, mark, mark.value, int(mark.hand_timed)

        found = self._marks[(mk, ev)] = _checked(step)
        return found

    def _meeting(self, key: tuple[str | None, ...]) -> Any:
        def step() -> tuple[object, ...]:
            venue, day, competition, city, country, source = key
            where = fields.venue_step(cell(_VENUE, venue))
            checked = fields.date_step(cell(_DATE, day), self._today)
            return (where, where.value, checked, checked.isoformat(),
                    fields.competition_step(cell(_COMPETITION, competition)),
                    fields.city_step(cell(_CITY, city)),
                    fields.country_step(self.app, cell(_COUNTRY, country)),
                    fields.source_step(cell(_SOURCE, source)))  # fmt: skip

        found = self._meetings[key] = _checked(step)
        return found

    def _round(self, key: tuple[str | None, ...]) -> Any:
        round_, place, wind = key
        found = self._rounds[key] = _checked(
            lambda: (fields.round_step(cell(_ROUND, round_)),
                     fields.place_step(cell(_PLACE, place)), fields.wind_step(cell(_WIND, wind)))
        )  # fmt: skip
        return found

    def _split(self, sp: str, ev: str | None, mk: str | None, event: Event, mark: Any) -> Any:
        def step() -> tuple[object, ...]:
            splits = fields.splits_step(self.app, cell(_SPLITS, sp), event, mark)
            return (splits, staged_splits(splits)) if splits else _NO_SPLITS

        found = self._splits[(sp, ev, mk)] = _checked(step)
        return found


def _checked(step: Callable[..., T], *args: Any) -> T | Any:
    """What a step gives, or _BAD when it refuses (the row is then checked by build)."""
    try:
        return step(*args)
    except _ROW_ERRORS:
        return _BAD
