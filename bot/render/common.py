"""Wording shared by every renderer: titles, status words, dates, holders.

Renderers differ only in layout (terminal text, Discord embed); what a record is called,
how a date reads and what "pending ratification" means are decided here once.
"""

from __future__ import annotations

from datetime import date

from bot.domain.answers import (
    Outcome,
    PersonalBest,
    RecordLine,
    RecordsListAnswer,
    ScopeInfo,
    TopListAnswer,
)
from bot.domain.events import Event, RecordType, Sex, Venue
from bot.domain.marks import format_margin, format_wind
from bot.domain.models import RecordEntry, RecordKey, RecordStatus, Result
from bot.domain.records import RecordBreak, format_stood, list_word, record_name

__all__ = [
    "best_mark",
    "entry_status",
    "format_day",
    "format_stood",
    "holder_name",
    "list_name",
    "mark_with_wind",
    "meeting_winner",
    "record_news",
    "record_title",
    "result_mark",
    "sex_title",
    "toplist_words",
    "venue_note",
]


def format_day(day: date) -> str:
    """13 Feb 2025"""
    return f"{day.day} {day:%b %Y}"


def sex_title(sex: Sex) -> str:
    return {Sex.MEN: "Men's", Sex.WOMEN: "Women's", Sex.MIXED: "Mixed"}[sex]


def venue_note(venue: Venue) -> str:
    """' (indoor)' after an event's name for a short-track mark; '' outdoors."""
    return " (indoor)" if venue is Venue.INDOOR else ""


def list_name(key: RecordKey, event: Event) -> str:
    """'indoor' for the short-track list of an event with two lists, else ''."""
    return list_word(event, key.list)


def record_noun(scope: ScopeInfo, record_type: RecordType, venue_word: str) -> str:
    """'world indoor record', 'European record', 'world best', 'Millrose Games record'."""
    return record_name(scope.label, record_type, venue_word)


def record_title(line: RecordLine, scope: ScopeInfo) -> str:
    """ "Men's mile — world indoor record"."""
    venue_word = list_name(line.key, line.event)
    return (
        f"{sex_title(line.key.sex)} {line.event.name} — "
        f"{record_noun(scope, line.record_type, venue_word)}"
    )


def entry_status(entry: RecordEntry, record_type: RecordType) -> str:
    """What the record's standing is, in words; '' for a plain ratified record."""
    if entry.status is RecordStatus.PENDING:
        return "pending ratification"
    if entry.status is RecordStatus.REJECTED:
        return "not ratified"
    if entry.status is RecordStatus.UNOFFICIAL:
        if record_type is RecordType.WORLD_BEST:
            return "world best (not a record event)"
        return "unofficial (before records were kept)"
    return ""


def record_news(news: RecordBreak) -> str:
    """ "breaks the Mile world indoor record", "equals the 100m NOR outdoor record"."""
    key = news.key
    return (
        f"{news.kind.value} the {news.performance.event.name} {key.scope.code} "
        f"{key.list.value} record"
    )


def meeting_winner(outcome: Outcome, first: str, second: str) -> str:
    """Who won a race between two athletes, by name: 'tie' or '?' when nobody did."""
    return {Outcome.FIRST: first, Outcome.SECOND: second, Outcome.TIE: "tie"}.get(outcome, "?")


def toplist_words(answer: TopListAnswer) -> tuple[str, str, str]:
    """("Mile indoor", "men's all-time list", "performers"): what a top list's title is
    made of; each renderer lays them out its own way."""
    venue = f" {answer.venue.value}" if answer.venue else ""
    when = str(answer.year) if answer.year else "all-time"
    return (
        f"{answer.event.name}{venue}",
        f"{sex_title(answer.sex).lower()} {when} list",
        answer.by.value,
    )


def best_mark(best: PersonalBest | None) -> str:
    """A personal best's mark, or '—' where the athlete has none."""
    return str(best.mark) if best is not None else "—"


def result_mark(result: Result) -> str:
    """The mark of a result, or what it was instead: '3:45.14', 'DNF', 'DQ'."""
    return str(result.mark) if result.mark else result.status.value.upper()


def holder_name(entry: RecordEntry | Result) -> str:
    athlete = entry.athlete
    if athlete.nation and not athlete.is_team:
        return f"{athlete.name} ({athlete.nation})"
    return athlete.name


def mark_with_wind(mark_text: str, wind: int | None) -> str:
    return f"{mark_text} ({format_wind(wind)})" if wind is not None else mark_text


def margin_text(event: Event, amount: int | None) -> str:
    if amount is None:
        return ""
    if amount == 0:
        return "="
    return (
        f"−{format_margin(event, amount)}"
        if event.lower_is_better
        else f"+{format_margin(event, amount)}"
    )


def plural(count: int, word: str, words: str | None = None) -> str:
    """'1 entry', '2 entries', '1 record', '3 records'."""
    if count == 1:
        return f"1 {word}"
    return f"{count} {words or word + 's'}"


def holders_note(line: RecordLine) -> str:
    """' (= 2 holders)' when different athletes share the mark; ' (set twice)' when one
    athlete equalled her own record; '' for a single holder."""
    if len(line.holders) < 2:
        return ""
    athletes = {holder.athlete.id for holder in line.holders}
    if len(athletes) > 1:
        return f" (= {len(athletes)} holders)"
    times = {2: "twice", 3: "three times"}.get(len(line.holders), f"{len(line.holders)} times")
    return f" (set {times})"


def records_list_title(answer: RecordsListAnswer) -> str:
    """Named as each record in it is: 'World men's indoor records' for the short-track
    list; 'World men's records (outdoor)' for the main list, whose records World
    Athletics calls plain world records."""
    sex = f"{answer.sex.label}'s " if answer.sex else ""
    label = answer.scope.label[:1].upper() + answer.scope.label[1:]
    if answer.venue is Venue.INDOOR:
        return f"{label} {sex}indoor records"
    return f"{label} {sex}records (outdoor)"
