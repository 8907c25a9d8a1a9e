"""Drafts: a result as a moderator typed it, checked field by field into a `Result`, and
the plausibility gate every single write passes. Nothing here writes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from dateutil import parser as date_parser

from bot.domain.events import Event, Sex, Venue
from bot.domain.marks import Mark, MarkError, WindError, compare, parse_mark, parse_wind
from bot.domain.models import Athlete, RecordKey, RecordScope, Result, ResultStatus, Split
from bot.domain.records import Preview, record_breaks_for, record_keys_for, sex_of
from bot.services.errors import (
    AmbiguousError,
    InvalidInputError,
    NotFoundError,
    TracksideError,
    clip,
)
from bot.store.repositories import ResultRepository

if TYPE_CHECKING:
    from bot.services.app import Trackside

IMPLAUSIBLE_MARGIN = 0.02  # beating a world record by more than 2% is more likely a typo
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


class DuplicateResultError(InvalidInputError):
    pass


class ImplausibleMarkError(InvalidInputError):
    """A probable typo, refused until the moderator confirms it a second time."""

    def __init__(self, message: str, warnings: Sequence[str]):
        super().__init__(message)
        self.warnings = tuple(warnings)


@dataclass(frozen=True)
class Actor:
    """Who writes: a Discord user in a server, or the command line (user_id None)."""

    user_id: int | None
    guild_id: int | None = None


@dataclass
class ResultDraft:
    """A result as a moderator typed it; every field is text until checked."""

    athlete: str
    event: str
    mark: str
    venue: str
    date: str
    competition: str
    nation: str | None = None
    sex: str | None = None
    place: str | int | None = None
    round: str | None = None
    wind: str | None = None
    splits: str | None = None
    source: str | None = None
    city: str | None = None
    country: str | None = None


class _field:
    """Tag an input error raised inside with the field (CSV column) it is about.

    The import names the column of each bad row from this tag; guessing it from the words
    of the message misattributed errors (a bad country read as "nation", every bad split
    as "event") and could be fooled by what the user typed, which messages echo.
    (A class, not a @contextmanager: an import enters thirteen of them per row.)
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


# -- building a result from what was typed ---------------------------------------------------


def build(app: Trackside, draft: ResultDraft) -> tuple[Result, bool]:
    """Check every field; InvalidInputError/NotFoundError say which and how to fix it
    (and carry the field's name in `.field`, see `_field`). True when the athlete is new."""
    with _field("event"):
        event = app.event(draft.event)
    with _field("athlete"):
        athlete, new = _athlete(app, draft, event)
    sex = sex_of(event, athlete.sex)
    if sex not in event.sexes:
        with _field("sex"):
            raise InvalidInputError(f"{event.name} has no {sex.label}'s list.")
    with _field("venue"):
        venue = _venue(draft.venue)
    mark_text = (draft.mark or "").strip()
    status = _STATUS_WORDS.get(mark_text.casefold(), ResultStatus.VALID)
    mark = None
    if status is ResultStatus.VALID:
        with _field("mark"):
            mark = _mark(mark_text, event)
    with _field("wind"):
        wind = _wind(draft.wind)
    with _field("place"):
        place = _place(draft.place)
    with _field("date"):
        day = parse_day(draft.date, app.today())
    with _field("competition"):
        competition = clean_text(draft.competition, "competition", MAX_COMPETITION, required=True)
    with _field("city"):
        city = clean_text(draft.city, "city", MAX_COMPETITION) or None
    with _field("country"):
        country = _country(app, draft.country)
    with _field("round"):
        round_ = clean_text(draft.round, "round", MAX_ROUND).casefold()
    with _field("splits"):
        splits = _splits(app, draft.splits, event, mark)
    with _field("source"):
        source = clean_text(draft.source, "source", MAX_SOURCE)
    result = Result(
        athlete=athlete, event=event, sex=sex, venue=venue, mark=mark, date=day,
        competition=competition, wind=wind, city=city, country=country, round=round_,
        place=place, splits=splits, status=status, source=source,
    )  # fmt: skip
    return result, new


def _venue(text: str | None) -> Venue:
    try:
        return Venue.parse(text)
    except ValueError as exc:
        raise InvalidInputError(str(exc)) from None


def _mark(text: str, event: Event) -> Mark:
    try:
        return parse_mark(text, event)
    except MarkError as exc:
        raise InvalidInputError(str(exc)) from None


def _wind(text: str | None) -> int | None:
    try:
        return parse_wind(text)
    except WindError as exc:
        raise InvalidInputError(str(exc)) from None


def _place(value: str | int | None) -> int | None:
    if value in (None, ""):
        return None
    text = str(value).strip().rstrip(".")
    if not text.isdigit() or not 1 <= int(text) <= 1000:
        raise InvalidInputError(f"Place '{clip(str(value))}' must be 1 to 1000.")
    return int(text)


def _nation(app: Trackside, text: str | None) -> str | None:
    if not text or not text.strip():
        return None
    try:
        return app.nations.resolve(text).code
    except ValueError as exc:
        problem = InvalidInputError(str(exc))
    with _field("nation"):
        raise problem from None


def _athlete(app: Trackside, draft: ResultDraft, event: Event) -> tuple[Athlete, bool]:
    name = clean_text(draft.athlete, "athlete's name", MAX_NAME, required=True)
    nation = _nation(app, draft.nation)
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
    if not nation or not draft.sex:
        raise NotFoundError(
            f"Unknown athlete '{clip(name)}' — to add a new athlete, give their nation and sex too."
        )
    try:
        sex = Sex.parse(draft.sex)
    except ValueError as exc:
        with _field("sex"):
            raise InvalidInputError(str(exc)) from None
    is_team = event.group == "relays"
    return Athlete(id=0, name=name, nation=nation, sex=sex, is_team=is_team), True


def _splits(app: Trackside, text: str | None, event: Event, mark: Mark | None) -> tuple[Split, ...]:
    """'1500m=3:29.63, 1000m=2:20.49' -> splits at shorter distances of the same race."""
    if not text or not text.strip():
        return ()
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


def _country(app: Trackside, text: str | None) -> str | None:
    if not text or not text.strip():
        return None
    try:
        return app.nations.resolve(text).code
    except ValueError as exc:
        raise InvalidInputError(f"country: {exc}") from None


# -- the plausibility gate -------------------------------------------------------------------


def implausible(app: Trackside, result: Result) -> list[tuple[str, str]]:
    """(field, warning) for each mark of the result (or split) that is probably a typo:
    one that beats the world record by more than IMPLAUSIBLE_MARGIN."""
    warnings = []
    performances = [("mark", result.event, result.mark)] + [
        ("splits", s.event, s.mark) for s in result.splits
    ]
    for field, event, mark in performances:
        if mark is None:
            continue
        list_venue = event.list_for(result.venue) or event.list_for(Venue.OUTDOOR)
        if list_venue is None:
            continue
        key = RecordKey(RecordScope.world(), event.key, list_venue, result.sex)
        standing = app.book.current(key)
        if not standing:
            continue
        record = standing[0].mark
        if compare(event, mark, record) <= 0:
            continue
        gap = abs(mark.value - record.value) / record.value
        if gap > IMPLAUSIBLE_MARGIN:
            warnings.append(
                (
                    field,
                    f"{mark} beats the {event.name} world record ({record}) by "
                    f"{gap:.1%} — more than {IMPLAUSIBLE_MARGIN:.0%}: check for a typo.",
                )
            )
    return warnings


def warnings_for(app: Trackside, result: Result) -> tuple[str, ...]:
    """Marks that beat the world record by an implausible margin: probably typos."""
    return tuple(warning for _, warning in implausible(app, result))


def gate(app: Trackside, result: Result, confirm_implausible: bool, what: str) -> None:
    """The plausibility gate every single write passes (add and edit): a probable typo
    is refused unless the moderator confirmed it a second time."""
    warnings = warnings_for(app, result)
    if warnings and not confirm_implausible:
        raise ImplausibleMarkError(
            f"Not {what}: " + " ".join(warnings) + " Confirm twice to keep it anyway.",
            warnings,
        )


async def preview(app: Trackside, draft: ResultDraft) -> Preview:
    """What a result would do, before anything is written."""
    result, new = build(app, draft)
    if not new:
        existing = await ResultRepository.exists(app.db.reader, result)
        if existing is not None:
            raise DuplicateResultError(f"That result is already on file (#{existing}).")
    area = app.nations.area_of(result.athlete.nation)
    on_file = app.book.on_file(record_keys_for(result, area))
    check = record_breaks_for(result, on_file, area=area)
    return Preview(result, new, check, warnings_for(app, result))
