"""The fields of a result as a moderator typed them, each checked on its own: one step per
field (or the few fields a check needs together), in the order `drafts.build` runs them.

`drafts.build` runs the steps one after another for one result; an import
(`row_check`) runs the very same steps, each once per distinct value of its inputs —
a file repeats its athletes, events, days and meetings on every row. Each step is a
function of its inputs alone (and the app's reference data), so both paths give the
same answer and the same error, tagged with the same column (see `_field`).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from dateutil import parser as date_parser

from bot.domain.events import Event, Sex, Venue
from bot.domain.marks import Mark, MarkError, WindError, parse_mark, parse_wind
from bot.domain.models import Athlete, ResultStatus, Split
from bot.domain.records import sex_of
from bot.services.errors import (
    AmbiguousError,
    InvalidInputError,
    NotFoundError,
    TracksideError,
    clip,
)

if TYPE_CHECKING:
    from bot.services.app import Trackside

MAX_NAME = 100
MAX_COMPETITION = 100
MAX_SOURCE = 500
MAX_ROUND = 30
_STATUS_WORDS = {
    "dnf": ResultStatus.DNF,
    "dns": ResultStatus.DNS,
    "dq": ResultStatus.DQ,
    "dsq": ResultStatus.DQ,
    # What `export` writes for an annulled result, so an export imports back.
    "annulled": ResultStatus.ANNULLED,
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class _field:
    """Tag an input error raised inside with the field (CSV column) it is about.

    The import names the column of each bad row from this tag; guessing it from the words
    of the message misattributed errors (a bad country read as "nation", every bad split
    as "event") and could be fooled by what the user typed, which messages echo.
    (A class, not a @contextmanager: it is entered once per field checked.)
    """

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, exc: BaseException | None, tb: object) -> Literal[False]:
        # The innermost field is the precise one.
        if isinstance(exc, TracksideError) and getattr(exc, "field", None) is None:
            setattr(exc, "field", self.name)  # noqa: B010 -- TracksideError has no such slot
        return False


@lru_cache(maxsize=4096)  # pure; an import repeats the same competition, city and round
def clean_text(value: str | None, what: str, limit: int, *, required: bool = False) -> str:
    text = " ".join(_CONTROL.sub(" ", value or "").split())
    if required and not text:
        raise InvalidInputError(f"Give the {what}.")
    if len(text) > limit:
        raise InvalidInputError(
            f"The {what} is too long ({len(text)} characters; at most {limit})."
        )
    return text


@lru_cache(maxsize=4096)  # pure; an import's rows share their days
def parse_day(text: str, today: date) -> date:
    """'2025-02-13', '13 Feb 2025', 'February 13, 2025'. Numeric day/month orders other
    than ISO are refused as ambiguous (is 02/03 the 2nd of March or February 3rd?)."""
    raw = (text or "").strip()
    if not raw:
        raise InvalidInputError("Give the date, e.g. 2025-02-13.")
    if len(raw) > 40:
        raise InvalidInputError("That date is too long — write it like 2025-02-13.")
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            day = date.fromisoformat(raw)
        elif re.search(r"[A-Za-z]", raw):
            day = date_parser.parse(raw, default=datetime(today.year, 1, 1)).date()
        else:
            raise InvalidInputError(
                f"'{clip(raw)}' is ambiguous — write the date as YYYY-MM-DD, e.g. 2025-02-13."
            )
    except (ValueError, OverflowError):
        raise InvalidInputError(
            f"'{clip(raw)}' is not a date — write it like 2025-02-13 or 13 Feb 2025."
        ) from None
    if day > today:
        raise InvalidInputError(f"{day.isoformat()} is in the future.")
    if day.year < 1850:
        raise InvalidInputError(f"{day.isoformat()} is before modern athletics records.")
    return day


# -- the steps, in the order build runs them -------------------------------------------------


def event_step(app: Trackside, text: str | None) -> Event:
    with _field("event"):
        return app.event(text)


def athlete_step(
    app: Trackside, name: str | None, nation: str | None, sex: str | None, event: Event
) -> tuple[Athlete, bool]:
    """The athlete a row names (nation and sex: to tell them apart, or for a new one);
    True when they are new. Only whether `event` is a relay matters (a team or not)."""
    with _field("athlete"):
        return _athlete(app, name, nation, sex, event)


def list_sex_step(event: Event, athlete: Athlete) -> Sex:
    """The sex of the list the result goes on (mixed relays are their own)."""
    sex = sex_of(event, athlete.sex)
    if sex not in event.sexes:
        with _field("sex"):
            raise InvalidInputError(f"{event.name} has no {sex.label}'s list.")
    return sex


def venue_step(text: str | None) -> Venue:
    with _field("venue"):
        try:
            return Venue.parse(text)
        except ValueError as exc:
            raise InvalidInputError(str(exc)) from None


def mark_step(text: str | None, event: Event) -> tuple[ResultStatus, Mark | None]:
    """The status a mark column gives (DNF, DQ, ...) and the mark of a valid result."""
    mark_text = (text or "").strip()
    status = _STATUS_WORDS.get(mark_text.casefold(), ResultStatus.VALID)
    if status is not ResultStatus.VALID:
        return status, None
    with _field("mark"):
        try:
            return status, parse_mark(mark_text, event)
        except MarkError as exc:
            raise InvalidInputError(str(exc)) from None


def wind_step(text: str | None) -> int | None:
    with _field("wind"):
        try:
            return parse_wind(text)
        except WindError as exc:
            raise InvalidInputError(str(exc)) from None


def place_step(value: str | int | None) -> int | None:
    if value in (None, ""):
        return None
    text = str(value).strip().rstrip(".")
    if not text.isdigit() or not 1 <= int(text) <= 1000:
        with _field("place"):
            raise InvalidInputError(f"Place '{clip(str(value))}' must be 1 to 1000.")
    return int(text)


def date_step(text: str | None, today: date) -> date:
    with _field("date"):
        return parse_day(text or "", today)


def competition_step(text: str | None) -> str:
    with _field("competition"):
        return clean_text(text, "competition", MAX_COMPETITION, required=True)


def city_step(text: str | None) -> str | None:
    with _field("city"):
        return clean_text(text, "city", MAX_COMPETITION) or None


def country_step(app: Trackside, text: str | None) -> str | None:
    if not text or not text.strip():
        return None
    with _field("country"):
        try:
            return app.nations.resolve(text).code
        except ValueError as exc:
            raise InvalidInputError(f"country: {exc}") from None


def round_step(text: str | None) -> str:
    with _field("round"):
        return clean_text(text, "round", MAX_ROUND).casefold()


def splits_step(
    app: Trackside, text: str | None, event: Event, mark: Mark | None
) -> tuple[Split, ...]:
    """'1500m=3:29.63, 1000m=2:20.49' -> splits at shorter distances of the same race."""
    if not text or not text.strip():
        return ()
    with _field("splits"):
        return _splits(app, text, event, mark)


def source_step(text: str | None) -> str:
    with _field("source"):
        return clean_text(text, "source", MAX_SOURCE)


# -- inside the steps -------------------------------------------------------------------------


def _nation(app: Trackside, text: str | None) -> str | None:
    if not text or not text.strip():
        return None
    try:
        return app.nations.resolve(text).code
    except ValueError as exc:
        problem = InvalidInputError(str(exc))
    with _field("nation"):
        raise problem from None


def _athlete(
    app: Trackside, typed: str | None, nation_text: str | None, sex_text: str | None, event: Event
) -> tuple[Athlete, bool]:
    name = clean_text(typed, "athlete's name", MAX_NAME, required=True)
    nation = _nation(app, nation_text)
    try:
        athlete: Athlete | None = app.athlete(name)
    except NotFoundError:
        athlete = None
    except AmbiguousError:
        if nation is None:
            raise
        athlete = None
    if athlete is not None and (nation is None or athlete.nation == nation):
        return athlete, False
    # Someone of that name is on file for another nation: a different person only if the
    # name is not just a partial match of theirs.
    if athlete is not None and athlete.name.casefold() == name.casefold():
        with _field("nation"):
            raise InvalidInputError(
                f"{athlete.name} is on file for {athlete.nation}, not {nation} — "
                "leave nation empty to use them, or check the nation."
            )
    if not nation or not sex_text:
        raise NotFoundError(
            f"Unknown athlete '{clip(name)}' — to add a new athlete, give their nation and sex too."
        )
    try:
        sex = Sex.parse(sex_text)
    except ValueError as exc:
        with _field("sex"):
            raise InvalidInputError(str(exc)) from None
    is_team = event.group == "relays"
    return Athlete(id=0, name=name, nation=nation, sex=sex, is_team=is_team), True


def _splits(app: Trackside, text: str, event: Event, mark: Mark | None) -> tuple[Split, ...]:
    if len(text) > 300:
        raise InvalidInputError("Too many splits — give at most a few, like 1500m=3:29.63.")
    splits: list[Split] = []
    for part in re.split(r"[;,]\s*(?=[^=,;]+=)", text.strip()):
        if "=" not in part:
            raise InvalidInputError(
                f"Split '{clip(part)}' needs the form distance=time, e.g. 1500m=3:29.63."
            )
        name, _, split_mark = part.partition("=")
        split = _split(app.event(name), split_mark, event, mark)
        if any(s.event.key == split.event.key for s in splits):
            raise InvalidInputError(f"The {split.event.name} split is given twice.")
        splits.append(split)
    return tuple(splits)


def _split(split_event: Event, text: str, event: Event, mark: Mark | None) -> Split:
    if (
        split_event.kind.value != "time"
        or event.distance_m is None
        or split_event.distance_m is None
        or split_event.distance_m >= event.distance_m
        # A road split only inside a road race, a track one inside a track race.
        # (Was `g in ("road", "relays") != (...)`, which chains to `g in (...) and
        # (...) != (...)`: it refused every road split and let a track 5000 m
        # split of a road 10 km reach the track record list.)
        or _course(split_event) != _course(event)
    ):
        raise InvalidInputError(f"A {split_event.name} split cannot be inside a {event.name} race.")
    try:
        parsed = parse_mark(text, split_event)
    except MarkError as exc:
        raise InvalidInputError(f"Split {split_event.name}: {exc}") from None
    if mark is not None and parsed.unit is mark.unit and parsed.value >= mark.value:
        raise InvalidInputError(
            f"The {split_event.name} split ({parsed}) must be faster than the finish ({mark})."
        )
    return Split(split_event, parsed)


def _course(event: Event) -> str:
    """Where an event is run, for splits: 'road', 'relays' or 'track'."""
    return event.group if event.group in ("road", "relays") else "track"
