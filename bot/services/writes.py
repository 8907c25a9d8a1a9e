"""Write use cases: moderators add, import, edit and remove results, ratify records, and
servers subscribe to announcements.

Every write is one `BEGIN IMMEDIATE` transaction that re-reads the records it touches
inside the transaction, so two moderators adding results at the same moment are
serialised and cannot both be credited with the same record; the announcement (outbox)
and the audit row are written in that same transaction. The in-memory indexes are
refreshed after the commit.
"""

from __future__ import annotations

import asyncio
import csv
import io
import logging
import re
import sqlite3
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

import aiosqlite
from dateutil import parser as date_parser

from bot.domain.announcements import (
    AnnouncedRecord,
    Announcement,
    AnnouncementKind,
    announcement_for,
)
from bot.domain.events import Event, Sex, Venue
from bot.domain.marks import MarkError, WindError, compare, parse_mark, parse_wind
from bot.domain.models import (
    Athlete,
    RecordEntry,
    RecordKey,
    RecordScope,
    RecordStatus,
    Result,
    ResultStatus,
    ScopeKind,
    Split,
)
from bot.domain.records import (
    BreakKind,
    RecordCheck,
    recompute_progression,
    record_breaks_for,
    record_keys_for,
    record_name_for,
    sex_of,
    standing_record,
)
from bot.services.errors import (
    AmbiguousError,
    InvalidInputError,
    NotFoundError,
    TracksideError,
    clip,
)
from bot.services.queries import Trackside
from bot.services.spreadsheet import FREE_TEXT_COLUMNS, from_spreadsheet
from bot.store.outbox import (
    AuditRepository,
    AuditRow,
    GuildSettingsRepository,
    OutboxRepository,
    Subscription,
    SubscriptionRepository,
)
from bot.store.repositories import AthleteRepository, RecordRepository, ResultRepository

log = logging.getLogger(__name__)

IMPLAUSIBLE_MARGIN = 0.02  # beating a world record by more than 2% is more likely a typo
MAX_NAME = 100
MAX_COMPETITION = 100
MAX_SOURCE = 500
MAX_ROUND = 30
MAX_IMPORT_BYTES = 1_000_000
MAX_IMPORT_ROWS = 5_000
IMPORT_COLUMNS = (
    "athlete", "nation", "sex", "event", "mark", "venue", "date", "competition",
    "city", "country", "round", "place", "wind", "splits", "source",
)  # fmt: skip
REQUIRED_IMPORT_COLUMNS = ("athlete", "event", "mark", "venue", "date", "competition")
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


@dataclass(frozen=True)
class Preview:
    """What a result would do, before anything is written."""

    result: Result
    new_athlete: bool
    check: RecordCheck
    warnings: tuple[str, ...]  # implausible marks: need a second, explicit confirmation


@dataclass(frozen=True)
class Added:
    result_id: int
    check: RecordCheck
    announcement: Announcement | None
    announcement_id: int | None


@dataclass(frozen=True)
class RowError:
    row: int  # line number in the file (the header is line 1)
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.column}: {self.message}"


class ImportError_(InvalidInputError):
    def __init__(self, errors: Sequence[RowError]):
        self.errors = list(errors)
        shown = "; ".join(str(e) for e in self.errors[:10])
        more = f" (and {len(self.errors) - 10} more)" if len(self.errors) > 10 else ""
        super().__init__(f"Nothing was imported: {shown}{more}")


@dataclass(frozen=True)
class ImportReport:
    imported: int
    announcements: tuple[Announcement, ...]


@contextmanager
def _field(name: str) -> Iterator[None]:
    """Tag an input error raised inside with the field (CSV column) it is about.

    The import names the column of each bad row from this tag; guessing it from the words
    of the message misattributed errors (a bad country read as "nation", every bad split
    as "event") and could be fooled by what the user typed, which messages echo.
    """
    try:
        yield
    except TracksideError as exc:
        if getattr(exc, "field", None) is None:  # the innermost field is the precise one
            exc.field = name
        raise


def clean_text(value: str | None, what: str, limit: int, *, required: bool = False) -> str:
    text = " ".join(_CONTROL.sub(" ", value or "").split())
    if required and not text:
        raise InvalidInputError(f"Give the {what}.")
    if len(text) > limit:
        raise InvalidInputError(
            f"The {what} is too long ({len(text)} characters; at most {limit})."
        )
    return text


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


class Writes:
    def __init__(self, app: Trackside):
        self.app = app
        self.catalogue = app.catalogue
        self._new_athletes: list[int] = []  # created by the write under way

    # -- building a result from what was typed -----------------------------------------------

    def _athlete(self, draft: ResultDraft, event: Event) -> tuple[Athlete, bool]:
        name = clean_text(draft.athlete, "athlete's name", MAX_NAME, required=True)
        nation = None
        if draft.nation and draft.nation.strip():
            try:
                nation = self.app.nations.resolve(draft.nation).code
            except ValueError as exc:
                with _field("nation"):
                    raise InvalidInputError(str(exc)) from None
        try:
            athlete = self.app.athlete(name)
        except NotFoundError:
            athlete = None
        except AmbiguousError:
            if nation is None:
                raise
            athlete = None
        if athlete is not None and (nation is None or athlete.nation == nation):
            return athlete, False
        if athlete is not None and nation and athlete.nation != nation:
            # Someone of that name is on file for another nation: a different person only
            # if the name is not just a partial match of theirs.
            if athlete.name.casefold() != name.casefold():
                athlete = None
            else:
                with _field("nation"):
                    raise InvalidInputError(
                        f"{athlete.name} is on file for {athlete.nation}, not {nation} — "
                        "leave nation empty to use them, or check the nation."
                    )
        if not nation or not draft.sex:
            raise NotFoundError(
                f"Unknown athlete '{clip(name)}' — to add a new athlete, give their nation "
                "and sex too."
            )
        try:
            sex = Sex.parse(draft.sex)
        except ValueError as exc:
            with _field("sex"):
                raise InvalidInputError(str(exc)) from None
        return Athlete(
            id=0, name=name, nation=nation, sex=sex, is_team=event.group == "relays"
        ), True

    def build(self, draft: ResultDraft) -> tuple[Result, bool]:
        """Check every field; InvalidInputError/NotFoundError say which and how to fix it
        (and carry the field's name in `.field`, see `_field`)."""
        with _field("event"):
            event = self.app.event(draft.event)
        with _field("athlete"):
            athlete, new = self._athlete(draft, event)
        sex = sex_of(event, athlete.sex)
        if sex not in event.sexes:
            with _field("sex"):
                raise InvalidInputError(f"{event.name} has no {sex.label}'s list.")
        venue_text = (draft.venue or "").strip().casefold()
        if venue_text not in ("indoor", "outdoor"):
            with _field("venue"):
                raise InvalidInputError("Give the venue: indoor or outdoor.")
        venue = Venue(venue_text)
        mark_text = (draft.mark or "").strip()
        status = _STATUS_WORDS.get(mark_text.casefold(), ResultStatus.VALID)
        mark = None
        if status is ResultStatus.VALID:
            try:
                mark = parse_mark(mark_text, event)
            except MarkError as exc:
                with _field("mark"):
                    raise InvalidInputError(str(exc)) from None
        try:
            wind = parse_wind(draft.wind)
        except WindError as exc:
            with _field("wind"):
                raise InvalidInputError(str(exc)) from None
        place = None
        if draft.place not in (None, ""):
            text = str(draft.place).strip().rstrip(".")
            if not text.isdigit() or not 1 <= int(text) <= 1000:
                with _field("place"):
                    raise InvalidInputError(f"Place '{clip(str(draft.place))}' must be 1 to 1000.")
            place = int(text)
        with _field("date"):
            day = parse_day(draft.date, self.app.today())
        with _field("competition"):
            competition = clean_text(
                draft.competition, "competition", MAX_COMPETITION, required=True
            )
        with _field("city"):
            city = clean_text(draft.city, "city", MAX_COMPETITION) or None
        with _field("country"):
            country = _country(self.app, draft.country)
        with _field("round"):
            round_ = clean_text(draft.round, "round", MAX_ROUND).casefold()
        with _field("splits"):
            splits = self._splits(draft.splits, event, mark)
        with _field("source"):
            source = clean_text(draft.source, "source", MAX_SOURCE)
        result = Result(
            athlete=athlete,
            event=event,
            sex=sex,
            venue=venue,
            mark=mark,
            date=day,
            competition=competition,
            wind=wind,
            city=city,
            country=country,
            round=round_,
            place=place,
            splits=splits,
            status=status,
            source=source,
        )
        return result, new

    def _splits(self, text: str | None, event: Event, mark) -> tuple[Split, ...]:
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
            split_event = self.app.event(name)
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
                raise InvalidInputError(
                    f"A {split_event.name} split cannot be inside a {event.name} race."
                )
            try:
                parsed = parse_mark(split_mark, split_event)
            except MarkError as exc:
                raise InvalidInputError(f"Split {split_event.name}: {exc}") from None
            if mark is not None and parsed.unit is mark.unit and parsed.value >= mark.value:
                raise InvalidInputError(
                    f"The {split_event.name} split ({parsed}) must be faster than the "
                    f"finish ({mark})."
                )
            if any(s.event.key == split_event.key for s in splits):
                raise InvalidInputError(f"The {split_event.name} split is given twice.")
            splits.append(Split(split_event, parsed))
        return tuple(splits)

    def _warnings(self, result: Result) -> tuple[str, ...]:
        """Marks that beat the world record by an implausible margin: probably typos."""
        return tuple(warning for _, warning in self._implausible(result))

    def _gate(self, result: Result, confirm_implausible: bool, what: str) -> None:
        """The plausibility gate every single write passes (add and edit): a probable typo
        is refused unless the moderator confirmed it a second time."""
        warnings = self._warnings(result)
        if warnings and not confirm_implausible:
            raise ImplausibleMarkError(
                f"Not {what}: " + " ".join(warnings) + " Confirm twice to keep it anyway.",
                warnings,
            )

    def _implausible(self, result: Result) -> list[tuple[str, str]]:
        """(field, warning) for each mark of the result (or split) that is probably a typo."""
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
            standing = self.app.book.current(
                RecordKey(RecordScope.world(), event.key, list_venue, result.sex)
            )
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

    async def preview(self, draft: ResultDraft) -> Preview:
        result, new = self.build(draft)
        if not new:
            existing = await ResultRepository.exists(self.app.db.reader, result)
            if existing is not None:
                raise DuplicateResultError(f"That result is already on file (#{existing}).")
        area = self.app.nations.area_of(result.athlete.nation)
        on_file = self.app.book.on_file(record_keys_for(result, area))
        check = record_breaks_for(result, on_file, area=area)
        return Preview(result, new, check, self._warnings(result))

    # -- writing ------------------------------------------------------------------------------

    async def add_result(
        self, draft: ResultDraft | Preview, actor: Actor, *, confirm_implausible: bool = False
    ) -> Added:
        """Store a result, the records it breaks, its announcement and an audit row."""
        preview = draft if isinstance(draft, Preview) else await self.preview(draft)
        self._gate(preview.result, confirm_implausible, "added")
        async with self.app.db.transaction() as conn:
            added = await self._add_in(conn, preview.result, actor)
        await self._after_write()
        return added

    async def _add_in(self, conn: aiosqlite.Connection, result: Result, actor: Actor) -> Added:
        athlete = result.athlete
        if athlete.id == 0:
            existing_id = await AthleteRepository.find_exact(
                conn, athlete.name, athlete.nation, athlete.sex
            )
            if existing_id is None:
                existing_id = await AthleteRepository.create(
                    conn,
                    athlete.name,
                    athlete.nation,
                    athlete.sex,
                    is_team=athlete.is_team,
                    source=f"added by {actor.user_id}" if actor.user_id else "added",
                )
            athlete = replace(athlete, id=existing_id)
            result = replace(result, athlete=athlete)
            self._new_athletes.append(existing_id)
        duplicate = await ResultRepository.exists(conn, result)
        if duplicate is not None:
            raise DuplicateResultError(f"That result is already on file (#{duplicate}).")
        result = replace(result, added_by=actor.user_id)
        try:
            result_id = await ResultRepository.insert(conn, result)
        except sqlite3.IntegrityError:
            raise DuplicateResultError("That result is already on file.") from None
        split_ids = await ResultRepository.split_ids(conn, result_id)
        result = replace(
            result,
            id=result_id,
            splits=tuple(replace(s, id=split_ids[s.event.key]) for s in result.splits),
        )
        check, announcement, announcement_id = await self._records_for(conn, result)
        await self._audit(
            conn, actor, "result.add", f"result #{result_id}", _result_details(result, check)
        )
        return Added(result_id, check, announcement, announcement_id)

    async def _records_for(
        self,
        conn: aiosqlite.Connection,
        result: Result,
        announced: Collection[tuple[RecordKey, int, bool]] = (),
        statuses: Mapping[tuple[RecordKey, int], RecordStatus] | None = None,
    ) -> tuple[RecordCheck, Announcement | None, int | None]:
        """Check a stored result against the records as this transaction sees them, file
        the records it sets, fix the progressions it changes, and queue its announcement.

        `announced` holds (key, mark, equal) of records this result was already announced
        for (an edit re-files them): those are no news and are left out of the announcement;
        `statuses` keeps the ratification status those re-filed records had.
        """
        area = self.app.nations.area_of(result.athlete.nation)
        keys = record_keys_for(result, area)
        on_file = await self.app.record_entries.for_keys(conn, keys)
        check = record_breaks_for(result, on_file, area=area)
        for brk in check.breaks:
            split_id = None
            if brk.performance.is_split:
                split_id = result.splits[brk.performance.split_index].id
            await RecordRepository.insert(
                conn,
                brk.key,
                result_id=result.id,
                split_id=split_id,
                mark=brk.performance.mark.value,
                day=result.date,
                # Meeting records are the organiser's to keep; the rest await ratification.
                status=(statuses or {}).get(
                    (brk.key, brk.performance.mark.value),
                    RecordStatus.RATIFIED
                    if brk.key.scope.kind is ScopeKind.MEETING
                    else RecordStatus.PENDING,
                ),
                equal=brk.kind.value == "equals",
                source=result.source,
            )
        await self._fix_progressions(conn, {b.key for b in check.breaks})
        news = tuple(
            b
            for b in check.breaks
            if (b.key, b.performance.mark.value, b.kind is BreakKind.EQUALS) not in announced
        )
        announcement = announcement_for(
            result,
            replace(check, breaks=news),
            self._scope_label,
            result_id=result.id,
            history=self.app.book.scope_entries(RecordScope.world()),
            distance_of=lambda key: self.catalogue.get(key).distance_m,
        )
        announcement_id = None
        if announcement is not None:
            announcement_id = await self._queue(conn, announcement, result.sex)
        return check, announcement, announcement_id

    async def _fix_progressions(self, conn: aiosqlite.Connection, keys: set[RecordKey]) -> None:
        if not keys:
            return
        for key, entries in (await self.app.record_entries.for_keys(conn, keys)).items():
            fix = recompute_progression(self.catalogue.get(key.event_key), entries)
            if fix.drop or fix.restore:
                log.info(
                    "%s: %d entries superseded, %d restored", key, len(fix.drop), len(fix.restore)
                )
            # Superseded, never deleted: a later correction can bring them back.
            for entry in fix.drop:
                await RecordRepository.set_superseded(conn, entry.id, True)
            for entry in fix.restore:
                await RecordRepository.set_superseded(conn, entry.id, False)
            for entry_id, equal in fix.equal_flags.items():
                await RecordRepository.set_equal(conn, entry_id, equal)

    def _scope_label(self, scope: RecordScope) -> str:
        return self.app.scopes.info(scope).label

    async def _queue(
        self, conn: aiosqlite.Connection, announcement: Announcement, sex: Sex | None
    ) -> int:
        """Write the announcement to the outbox with one delivery per matching channel."""
        channels = [
            (sub.guild_id, sub.channel_id)
            for sub in await SubscriptionRepository.all(conn)
            if sub.matches(announcement, sex)
        ]
        return await OutboxRepository.add(conn, announcement, sex, channels)

    async def _after_write(self) -> None:
        """Bring the in-memory indexes in step with what was committed."""
        new_athletes, self._new_athletes = self._new_athletes, []
        await self.app.reload_records(new_athletes)
        self.app.notify_outbox()

    @staticmethod
    async def _audit(
        conn: aiosqlite.Connection, actor: Actor, action: str, target: str, details: dict
    ) -> None:
        await AuditRepository.add(conn, actor.user_id, actor.guild_id, action, target, details)

    # -- import ------------------------------------------------------------------------------

    async def import_csv(self, data: bytes, actor: Actor, *, bounded: bool = True) -> ImportReport:
        """Validate every row first; import all of them in one transaction, or none.

        `bounded`: at most MAX_IMPORT_BYTES and MAX_IMPORT_ROWS, what a Discord attachment
        (`/result import`) may bring. `trackside import` reads a local file the operator
        chose (say a `trackside export` of the whole store) and passes False.

        Reading and checking thousands of rows is CPU work of seconds: it runs in a worker
        thread (`asyncio.to_thread`) so the bot keeps answering meanwhile. Checking only
        reads the in-memory indexes; the writes happen back on the loop, in one transaction.
        """
        rows, unreadable = await asyncio.to_thread(_read_import_csv, data, bounded)
        drafts, errors = await asyncio.to_thread(self._check_import_rows, rows)
        errors += unreadable
        # Rows already on file are reported all at once, each with its row, not only the
        # first one the transaction would meet. (A new athlete has no results yet.)
        for line, result in drafts:
            if result.athlete.id:
                existing = await ResultRepository.exists(self.app.db.reader, result)
                if existing is not None:
                    errors.append(RowError(line, "mark", f"already on file (#{existing})"))
        if errors:
            raise ImportError_(sorted(errors, key=lambda e: e.row))
        if not drafts:
            raise InvalidInputError("The file has no rows to import.")
        # Oldest first, so each row is checked against the records as they stood that day.
        drafts.sort(key=lambda d: (d[1].date, d[0]))
        announcements = []
        async with self.app.db.transaction() as conn:
            for line, result in drafts:
                try:
                    added = await self._add_in(conn, result, actor)
                except DuplicateResultError as exc:  # written by someone else meanwhile
                    raise ImportError_([RowError(line, "mark", str(exc))]) from None
                if added.announcement is not None:
                    announcements.append(added.announcement)
            await self._audit(
                conn, actor, "result.import", f"{len(drafts)} rows", {"rows": len(drafts)}
            )
        await self._after_write()
        return ImportReport(len(drafts), tuple(announcements))

    def _check_import_rows(
        self, rows: Sequence[tuple[int, dict[str, str]]]
    ) -> tuple[list[tuple[int, Result]], list[RowError]]:
        """Build every row (in a worker thread: see `import_csv`); the rows that pass, and
        an error for each problem, by row and column."""
        drafts: list[tuple[int, Result]] = []
        errors: list[RowError] = []
        seen: dict[tuple, int] = {}
        for line, values in rows:
            draft = ResultDraft(**{c: values.get(c) for c in IMPORT_COLUMNS})
            try:
                try:
                    result, _ = self.build(draft)
                except RuntimeError as exc:
                    # The loop added an athlete (another moderator's write) while this thread
                    # walked the name index: the index is whole again, so check the row again.
                    if "changed size during iteration" not in str(exc):
                        raise
                    result, _ = self.build(draft)
            except (InvalidInputError, NotFoundError, AmbiguousError) as exc:
                errors.append(RowError(line, _column_of(exc), str(exc)))
                continue
            # An import has no second confirmation, so a probable typo is a bad row
            # (add_result refuses it too unless the moderator confirms it).
            implausible = [
                RowError(line, column, f"{warning} To keep it, add it alone and confirm.")
                for column, warning in self._implausible(result)
            ]
            if implausible:
                errors.extend(implausible)
                continue
            identity = _identity(result)
            if identity in seen:
                errors.append(RowError(line, "mark", f"the same result as row {seen[identity]}"))
                continue
            seen[identity] = line
            drafts.append((line, result))
        return drafts, errors

    # -- remove and edit -------------------------------------------------------------------------

    async def remove_result(
        self, result_id: int, actor: Actor, reason: str = ""
    ) -> Announcement | None:
        """Delete a result; records it set go back to the previous entry of their progression."""
        reason = clean_text(reason, "reason", MAX_SOURCE)
        async with self.app.db.transaction() as conn:
            result = await self.app.results.get(result_id, conn)
            if result is None:
                raise NotFoundError(f"No result #{result_id} is on file.")
            entries = await self.app.record_entries.for_result(conn, result_id)
            await RecordRepository.delete(conn, [e.id for e in entries])
            await ResultRepository.delete(conn, result_id)
            keys = {e.key for e in entries}
            await self._fix_progressions(conn, keys)
            announcement = await self._correction(
                conn, result, entries, f"removed{': ' + reason if reason else ''}"
            )
            await self._audit(
                conn,
                actor,
                "result.remove",
                f"result #{result_id}",
                {"removed": _result_details(result, None), "reason": reason},
            )
        await self._after_write()
        return announcement

    async def edit_result(
        self,
        result_id: int,
        draft: ResultDraft,
        actor: Actor,
        *,
        confirm_implausible: bool = False,
    ) -> Added:
        """Correct a result: its records are recomputed as if it were added again.

        The corrected result passes the same plausibility gate as an added one (`_gate`):
        a probable typo needs `confirm_implausible`, the moderator's second confirmation."""
        async with self.app.db.transaction() as conn:
            old = await self.app.results.get(result_id, conn)
            if old is None:
                raise NotFoundError(f"No result #{result_id} is on file.")
            new, _ = self.build(draft)
            if new.athlete.id == 0:
                raise InvalidInputError("Edit keeps the athlete: name someone already on file.")
            self._gate(new, confirm_implausible, "corrected")
            new = replace(new, id=result_id, added_by=old.added_by)
            clash = await ResultRepository.exists(conn, new)
            if clash is not None and clash != result_id:
                raise DuplicateResultError(f"That result is already on file (#{clash}).")
            entries = await self.app.record_entries.for_result(conn, result_id)
            await RecordRepository.delete(conn, [e.id for e in entries])
            await self._fix_progressions(conn, {e.key for e in entries})
            await ResultRepository.update(conn, new)
            split_ids = await ResultRepository.split_ids(conn, result_id)
            new = replace(
                new, splits=tuple(replace(s, id=split_ids[s.event.key]) for s in new.splits)
            )
            # Records the result keeps with the same mark were announced when it was added:
            # an edit of its city must not tell every channel about them again. Records it
            # no longer holds get a correction, even when it keeps others (a mile that was
            # mistyped keeps its 1500 m split record but loses the mile record).
            check, announcement, announcement_id = await self._records_for(
                conn,
                new,
                announced={(e.key, e.mark.value, e.equal) for e in entries},
                statuses={(e.key, e.mark.value): e.status for e in entries},
            )
            kept = {b.key for b in check.breaks}
            correction = await self._correction(
                conn, old, [e for e in entries if e.key not in kept], "corrected"
            )
            announcement = announcement or correction
            await self._audit(
                conn,
                actor,
                "result.edit",
                f"result #{result_id}",
                {"before": _result_details(old, None), "after": _result_details(new, check)},
            )
        await self._after_write()
        return Added(result_id, check, announcement, announcement_id)

    async def _correction(
        self,
        conn: aiosqlite.Connection,
        result: Result,
        entries: list[RecordEntry],
        what: str,
    ) -> Announcement | None:
        """Tell subscribers that records set by a result no longer stand."""
        if not entries:
            return None
        records = []
        now_lines = []
        for key in dict.fromkeys(e.key for e in entries):
            event = self.catalogue.get(key.event_key)
            name = record_name_for(key, event, self._scope_label(key.scope))
            remaining = await self.app.record_entries.for_keys(conn, [key])
            standing = standing_record(event, remaining.get(key, []), date.max)
            removed = next(e for e in entries if e.key == key)
            records.append(
                AnnouncedRecord(
                    scope_kind=key.scope.kind.value,
                    scope_code=key.scope.code,
                    record_name=name,
                    event_key=event.key,
                    event_name=event.name,
                    list=key.list.value,
                    kind="corrected",
                    mark=str(removed.mark),
                    is_split=removed.split_id is not None,
                    previous_holders=[e.athlete.label for e in standing],
                    previous_mark=str(standing[0].mark) if standing else "",
                    previous_date=standing[0].date.isoformat() if standing else "",
                    margin="",
                    stood="",
                    pending=False,
                )
            )
            if standing:
                now_lines.append(
                    f"The {event.name} {name} is again {standing[0].mark} by "
                    f"{standing[0].athlete.name}."
                )
            else:
                now_lines.append(f"No {event.name} {name} is on file now.")
        announcement = Announcement(
            kind=AnnouncementKind.CORRECTION.value,
            headline="CORRECTION",
            athlete=result.athlete.name,
            nation=result.athlete.nation,
            event_name=result.event.name,
            mark=str(result.mark) if result.mark else result.status.value.upper(),
            wind="",
            competition=result.competition,
            where=result.where,
            date=result.date.isoformat(),
            result_id=result.id,
            records=records,
            text=f"{result.athlete.name}'s {result.mark} ({result.event.name}, "
            f"{result.date.isoformat()}) was {what}. " + " ".join(now_lines),
        )
        await self._queue(conn, announcement, result.sex)
        return announcement

    # -- ratification ------------------------------------------------------------------------------

    def pending_records(self) -> list[RecordEntry]:
        """Every pending record entry, newest first (autocomplete for /ratify)."""
        pending = [
            e
            for key in list(self.app.book.keys())
            for e in self.app.book.progression(key)
            if e.status is RecordStatus.PENDING
        ]
        return sorted(pending, key=lambda e: (e.date, e.id), reverse=True)

    async def ratify(
        self, entry_id: int, status: RecordStatus, actor: Actor, note: str = ""
    ) -> Announcement:
        if status not in (RecordStatus.RATIFIED, RecordStatus.REJECTED):
            raise InvalidInputError("A record is ratified or rejected.")
        note = clean_text(note, "note", MAX_SOURCE)
        async with self.app.db.transaction() as conn:
            entry = await self.app.record_entries.get(conn, entry_id)
            if entry is None:
                raise NotFoundError(f"No record entry #{entry_id} is on file.")
            if entry.status is not RecordStatus.PENDING:
                raise InvalidInputError(
                    f"That record is {entry.status.value}, not pending ratification."
                )
            await RecordRepository.set_status(conn, entry_id, status, note or None)
            await self._fix_progressions(conn, {entry.key})
            event = self.catalogue.get(entry.key.event_key)
            name = record_name_for(entry.key, event, self._scope_label(entry.key.scope))
            remaining = await self.app.record_entries.for_keys(conn, [entry.key])
            standing = standing_record(event, remaining.get(entry.key, []), date.max)
            if status is RecordStatus.RATIFIED:
                text = (
                    f"{entry.athlete.name}'s {entry.mark} is ratified as the {event.name} {name}."
                )
            else:
                text = f"{entry.athlete.name}'s {entry.mark} ({event.name} {name}) was rejected."
                if standing:
                    text += (
                        f" The record is again {standing[0].mark} by {standing[0].athlete.name}."
                    )
            if note:
                text += f" Note: {note}"
            announcement = Announcement(
                kind=AnnouncementKind.RATIFICATION.value,
                headline=("RATIFIED " if status is RecordStatus.RATIFIED else "REJECTED ")
                + name.upper(),
                athlete=entry.athlete.name,
                nation=entry.athlete.nation,
                event_name=event.name,
                mark=str(entry.mark),
                wind="",
                competition=entry.competition,
                where=entry.where,
                date=entry.date.isoformat(),
                result_id=entry.result_id,
                records=[
                    AnnouncedRecord(
                        scope_kind=entry.key.scope.kind.value,
                        scope_code=entry.key.scope.code,
                        record_name=name,
                        event_key=event.key,
                        event_name=event.name,
                        list=entry.key.list.value,
                        kind=status.value,
                        mark=str(entry.mark),
                        is_split=entry.split_id is not None,
                        previous_holders=[],
                        previous_mark="",
                        previous_date="",
                        margin="",
                        stood="",
                        pending=False,
                    )
                ],
                text=text,
            )
            await self._queue(conn, announcement, entry.key.sex)
            await self._audit(
                conn,
                actor,
                f"record.{status.value}",
                f"record entry #{entry_id}",
                {
                    "mark": str(entry.mark),
                    "event": event.key,
                    "scope": entry.key.scope.code,
                    "note": note,
                },
            )
        await self._after_write()
        return announcement

    # -- alerts and server settings -----------------------------------------------------------

    async def set_alerts(
        self,
        actor: Actor,
        channel_id: int,
        *,
        scopes: str | None = None,
        events: str | None = None,
        sex: str | None = None,
    ) -> Subscription:
        _need_server(actor)
        scope_codes = tuple(
            dict.fromkeys(self.app.scope(s).scope.alert_code for s in _split_list(scopes))
        )
        event_keys = tuple(dict.fromkeys(self.app.event(e).key for e in _split_list(events)))
        sex_value = None
        if sex:
            try:
                sex_value = Sex.parse(sex)
            except ValueError as exc:
                raise InvalidInputError(str(exc)) from None
        subscription = Subscription(actor.guild_id, channel_id, scope_codes, event_keys, sex_value)
        async with self.app.db.transaction() as conn:
            await SubscriptionRepository.upsert(conn, subscription, actor.user_id)
            await self._audit(
                conn,
                actor,
                "alerts.set",
                f"channel {channel_id}",
                {
                    "scopes": scope_codes,
                    "events": event_keys,
                    "sex": sex_value.value if sex_value else None,
                },
            )
        return subscription

    async def alerts_off(self, actor: Actor) -> bool:
        _need_server(actor)
        async with self.app.db.transaction() as conn:
            removed = await SubscriptionRepository.delete(conn, actor.guild_id)
            # Undelivered announcements for this server go with the subscription.
            await OutboxRepository.drop_pending_for_guild(conn, actor.guild_id, "alerts turned off")
            await self._audit(conn, actor, "alerts.off", f"guild {actor.guild_id}", {})
        return removed

    async def subscription(self, guild_id: int) -> Subscription | None:
        return await SubscriptionRepository.get(self.app.db.reader, guild_id)

    async def set_moderator_role(self, actor: Actor, role_id: int | None) -> None:
        # Without a server, guild_id NULL in an INTEGER PRIMARY KEY would get a made-up id.
        _need_server(actor)
        async with self.app.db.transaction() as conn:
            await GuildSettingsRepository.set_moderator_role(
                conn, actor.guild_id, role_id, actor.user_id
            )
            await self._audit(
                conn, actor, "moderator_role.set", f"guild {actor.guild_id}", {"role_id": role_id}
            )
        self.app.moderator_roles[actor.guild_id] = role_id

    async def audit(self, limit: int = 50) -> list[AuditRow]:
        return await AuditRepository.latest(self.app.db.reader, limit)


def _need_server(actor: Actor) -> None:
    if actor.guild_id is None:
        raise InvalidInputError("Alerts and moderator roles are set in a server.")


def _course(event: Event) -> str:
    """Where an event is run, for splits: 'road', 'relays' or 'track'."""
    return event.group if event.group in ("road", "relays") else "track"


def _split_list(text: str | None) -> list[str]:
    return [part.strip() for part in re.split(r"[,;]", text or "") if part.strip()]


def _identity(result: Result) -> tuple:
    return (
        result.athlete.name.casefold(), result.athlete.nation, result.event.key,
        result.date, result.round, result.mark.value if result.mark else None,
    )  # fmt: skip


def _country(app: Trackside, text: str | None) -> str | None:
    if not text or not text.strip():
        return None
    try:
        return app.nations.resolve(text).code
    except ValueError as exc:
        raise InvalidInputError(f"country: {exc}") from None


def _column_of(exc: TracksideError) -> str:
    """Which CSV column an error is about: the field `build` tagged it with (see `_field`)."""
    return getattr(exc, "field", None) or "-"


def _unreadable(line: int, exc: csv.Error) -> InvalidInputError:
    return InvalidInputError(
        f"The CSV cannot be read at line {line}: {exc}. Put a value with a comma or a quote "
        'in double quotes, and double the quotes inside it ("").'
    )


def _read_import_csv(
    data: bytes, bounded: bool = True
) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    """The rows of an import file as (line where the row starts, {column: text}), with the
    header checked, and the rows that cannot be read; InvalidInputError says what is wrong
    with the file as a whole. Pure: runs in a worker thread."""
    if bounded and len(data) > MAX_IMPORT_BYTES:
        raise InvalidInputError(
            f"That file is {len(data):,} bytes; the most an import takes is "
            f"{MAX_IMPORT_BYTES:,}. Split it."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInputError("The file is not UTF-8 text — save it as CSV (UTF-8).") from None
    # strict: a quote opened and never closed is an error, not a field swallowing the
    # rest of the file (which then failed as a confusing error on another column).
    reader = csv.reader(io.StringIO(text), strict=True)
    records = _csv_records(reader)
    header_line, first = next(records, (1, []))
    header = [h.strip() for h in first]
    missing = [c for c in REQUIRED_IMPORT_COLUMNS if c not in header]
    if missing:
        raise InvalidInputError(
            f"The CSV needs the columns {', '.join(REQUIRED_IMPORT_COLUMNS)}; missing: "
            f"{', '.join(missing)}. Optional: "
            f"{', '.join(c for c in IMPORT_COLUMNS if c not in REQUIRED_IMPORT_COLUMNS)}."
        )
    unknown = [h for h in header if h not in IMPORT_COLUMNS]
    if unknown:
        raise InvalidInputError(f"Unknown columns: {', '.join(clip(u, 30) for u in unknown)}.")
    twice = [c for c in dict.fromkeys(header) if header.count(c) > 1]
    if twice:
        raise InvalidInputError(
            f"The header (line {header_line}) names the column {', '.join(twice)} more than "
            "once — keep one, so no value is silently dropped."
        )
    rows: list[tuple[int, dict[str, str]]] = []
    errors: list[RowError] = []
    for line, record in records:
        if not record:  # a blank line
            continue
        if bounded and len(rows) + len(errors) >= MAX_IMPORT_ROWS:
            raise InvalidInputError(f"At most {MAX_IMPORT_ROWS:,} rows per import.")
        if len(record) > len(header):
            errors.append(RowError(line, "-", "more values than columns"))
            continue
        values = {}
        for column, value in zip(header, record, strict=False):
            value = value.strip()
            values[column] = from_spreadsheet(value) if column in FREE_TEXT_COLUMNS else value
        rows.append((line, values))
    return rows, errors


def _csv_records(reader: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    """(line the record starts on, its fields). A record spans lines when a quoted value
    holds a line break, so the line is taken before reading it: an unclosed quote is
    reported where it was opened, not where the file ended."""
    line_num = 0
    while True:
        start = line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _unreadable(start, exc) from None
        line_num = reader.line_num  # type: ignore[attr-defined]
        yield start, record


def _result_details(result: Result, check: RecordCheck | None) -> dict:
    details = {
        "athlete": result.athlete.name,
        "nation": result.athlete.nation,
        "event": result.event.key,
        "mark": str(result.mark) if result.mark else result.status.value,
        "venue": result.venue.value,
        "date": result.date.isoformat(),
        "competition": result.competition,
        "wind": result.wind,
        "splits": {s.event.key: str(s.mark) for s in result.splits},
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    if check is not None:
        details["records"] = [
            f"{b.kind.value} {b.key.scope.code} {b.key.event_key} {b.key.list.value}"
            for b in check.breaks
        ]
    return details
