"""Drafts: a result as a moderator typed it, checked field by field into a `Result`, and
the plausibility gate every single write passes. Nothing here writes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.domain.events import Event, Sex, Venue
from bot.domain.marks import Mark, compare
from bot.domain.models import RecordKey, RecordScope, Result, Split
from bot.domain.records import Preview, record_breaks_for, record_keys_for
from bot.services.errors import InvalidInputError
from bot.services.writes import fields
from bot.services.writes.fields import (
    MAX_COMPETITION,
    MAX_NAME,
    MAX_ROUND,
    MAX_SOURCE,
    clean_text,
    parse_day,
)
from bot.store.repositories import ResultRepository

if TYPE_CHECKING:
    from bot.services.app import Trackside

__all__ = [
    "MAX_COMPETITION", "MAX_NAME", "MAX_ROUND", "MAX_SOURCE", "Actor", "DuplicateResultError",
    "ImplausibleMarkError", "ResultDraft", "build", "clean_text", "gate", "implausible",
    "implausible_marks", "parse_day", "preview", "warnings_for",
]  # fmt: skip

IMPLAUSIBLE_MARGIN = 0.02  # beating a world record by more than 2% is more likely a typo


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


# -- building a result from what was typed ---------------------------------------------------


def build(app: Trackside, draft: ResultDraft) -> tuple[Result, bool]:
    """Check every field; InvalidInputError/NotFoundError say which and how to fix it
    (and carry the field's name in `.field`, see `fields._field`). True when the athlete
    is new. The steps are `fields`' (an import runs the same ones, see `row_check`)."""
    event = fields.event_step(app, draft.event)
    athlete, new = fields.athlete_step(app, draft.athlete, draft.nation, draft.sex, event)
    sex = fields.list_sex_step(event, athlete)
    venue = fields.venue_step(draft.venue)
    status, mark = fields.mark_step(draft.mark, event)
    wind = fields.wind_step(draft.wind)
    place = fields.place_step(draft.place)
    day = fields.date_step(draft.date, app.today())
    competition = fields.competition_step(draft.competition)
    city = fields.city_step(draft.city)
    country = fields.country_step(app, draft.country)
    round_ = fields.round_step(draft.round)
    splits = fields.splits_step(app, draft.splits, event, mark)
    source = fields.source_step(draft.source)
    result = Result(
        athlete=athlete, event=event, sex=sex, venue=venue, mark=mark, date=day,
        competition=competition, wind=wind, city=city, country=country, round=round_,
        place=place, splits=splits, status=status, source=source,
    )  # fmt: skip
    return result, new


# -- the plausibility gate -------------------------------------------------------------------


def implausible(app: Trackside, result: Result) -> list[tuple[str, str]]:
    """(field, warning) for each mark of the result (or split) that is probably a typo:
    one that beats the world record by more than IMPLAUSIBLE_MARGIN."""
    return implausible_marks(app, result.event, result.venue, result.sex, result.mark,
                             result.splits)  # fmt: skip


def world_record(app: Trackside, event: Event, venue: Venue, sex: Sex) -> Mark | None:
    """The world record a mark in `event` at `venue` is held against by the plausibility
    gate (the outdoor list's for an event with no list at that venue), if on file."""
    list_venue = event.list_for(venue) or event.list_for(Venue.OUTDOOR)
    if list_venue is None:
        return None
    standing = app.book.current(RecordKey(RecordScope.world(), event.key, list_venue, sex))
    return standing[0].mark if standing else None


def implausible_marks(
    app: Trackside,
    event: Event,
    venue: Venue,
    sex: Sex,
    mark: Mark | None,
    splits: Sequence[Split],
    record_of: Callable[[Trackside, Event, Venue, Sex], Mark | None] = world_record,
) -> list[tuple[str, str]]:
    """`implausible` of a result with these values (all it depends on); `record_of`:
    `world_record`, or a memo of it (an import's rows ask it the same thing many times)."""
    warnings = []
    performances = [("mark", event, mark)] + [("splits", s.event, s.mark) for s in splits]
    for field, performed, performance in performances:
        if performance is None:
            continue
        record = record_of(app, performed, venue, sex)
        if record is None or compare(performed, performance, record) <= 0:
            continue
        gap = abs(performance.value - record.value) / record.value
        if gap > IMPLAUSIBLE_MARGIN:
            warnings.append(
                (
                    field,
                    f"{performance} beats the {performed.name} world record ({record}) by "
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
