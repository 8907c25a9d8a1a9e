"""Answers as terminal text: `trackside ask` prints these."""

from __future__ import annotations

from functools import singledispatch

from bot.domain.answers import (
    AthleteAnswer,
    HeldRecord,
    ProgressionAnswer,
    RecordAnswer,
    RecordLine,
    RecordsListAnswer,
    RivalryAnswer,
    ScopeInfo,
    TopListAnswer,
)
from bot.domain.models import Result
from bot.render.common import (
    best_mark,
    entry_status,
    format_day,
    format_stood,
    holder_name,
    holders_note,
    list_name,
    margin_text,
    mark_with_wind,
    meeting_winner,
    plural,
    record_noun,
    record_title,
    records_list_title,
    result_mark,
    sex_title,
    toplist_words,
    venue_note,
)


@singledispatch
def render_text(answer: object) -> str:
    raise TypeError(f"no text renderer for {type(answer).__name__}")


def _record_block(line: RecordLine, scope: ScopeInfo) -> list[str]:
    lines = [record_title(line, scope)]
    for holder in line.holders:
        mark = mark_with_wind(str(holder.mark), holder.wind)
        prefix = "=" if holder is not line.holders[0] else " "
        lines.append(f" {prefix}{mark:>10}  {holder_name(holder)}")
        details = [holder.where, format_day(holder.date)]
        status = entry_status(holder, line.record_type)
        if status:
            details.append(status)
        lines.append(f"{'':13}{' · '.join(details)}")
    lines.append(f"{'':13}has stood {format_stood(line.stood)}")
    return lines


@render_text.register
def _(answer: RecordAnswer) -> str:
    blocks = ["\n".join(_record_block(line, answer.scope)) for line in answer.lines]
    return "\n\n".join(blocks)


@render_text.register
def _(answer: ProgressionAnswer) -> str:
    key, event = answer.key, answer.event
    venue_word = list_name(key, event)
    title = (
        f"{sex_title(key.sex)} {event.name} — "
        f"{record_noun(answer.scope, answer.record_type, venue_word)} progression"
    )
    out = [title, ""]
    for row in answer.rows:
        entry = row.entry
        mark = mark_with_wind(str(entry.mark), entry.wind)
        gain = margin_text(event, row.margin)
        stood = "still stands" if row.stood is None else f"stood {format_stood(row.stood)}"
        status = entry_status(entry, answer.record_type)
        out.append(
            f"{format_day(entry.date):>12}  {mark:>10} {gain:>7}  "
            f"{holder_name(entry)}, {entry.where}"
        )
        out.append(f"{'':34}{stood}{' · ' + status if status else ''}")
    out.append("")
    out.append(f"{plural(len(answer.rows), 'entry', 'entries')}, oldest first.")
    return "\n".join(out)


@render_text.register
def _(answer: RecordsListAnswer) -> str:
    out = [records_list_title(answer), ""]
    for line in answer.lines:
        holder = line.entry
        equal = holders_note(line)
        status = entry_status(holder, line.record_type)
        out.append(
            f"{sex_title(line.key.sex):8} {line.event.name:28} "
            f"{mark_with_wind(str(holder.mark), holder.wind):>12}  "
            f"{holder_name(holder)}{equal}, {holder.where}, {format_day(holder.date)}"
            f"{' · ' + status if status else ''}"
        )
    out.append("")
    out.extend(answer.notes)
    out.append(f"{plural(len(answer.lines), 'record')}.")
    return "\n".join(out)


def _held_lines(records: tuple[HeldRecord, ...]) -> list[str]:
    lines = []
    for held in records:
        venue_word = list_name(held.key, held.event)
        noun = record_noun(held.scope, held.record_type, venue_word)
        status = entry_status(held.entry, held.record_type)
        lines.append(
            f"  {held.event.name} {noun}: {held.entry.mark}, {held.entry.where}, "
            f"{format_day(held.entry.date)}{' · ' + status if status else ''}"
        )
    return lines


@render_text.register
def _(answer: AthleteAnswer) -> str:
    athlete = answer.athlete
    facts = []
    if answer.nation_name:
        facts.append(f"{answer.nation_name} ({athlete.nation})")
    elif athlete.nation:
        facts.append(athlete.nation)
    if answer.age is not None and athlete.birth_date:
        facts.append(f"age {answer.age} (born {format_day(athlete.birth_date)})")
    out = [athlete.name, " · ".join(facts) if facts else "nation unknown", ""]
    out.append("Personal bests")
    if answer.personal_bests:
        for best in answer.personal_bests:
            venue = venue_note(best.venue)
            origin = f" · {best.came_from}" if best.came_from else ""
            out.append(
                f"  {best.event.name + venue:24} "
                f"{mark_with_wind(str(best.mark), best.wind):>12}  "
                f"{best.where}, {format_day(best.date)}{origin}"
            )
    else:
        out.append("  none on file")
    out.append("")
    out.append("Records held")
    out.extend(_held_lines(answer.records) or ["  none"])
    out.append("")
    out.append(
        f"Latest results ({min(len(answer.latest), answer.result_count)} of {answer.result_count})"
    )
    for result in answer.latest:
        mark = result_mark(result)
        place = f"{result.place}." if result.place else ""
        venue = venue_note(result.venue)
        out.append(
            f"  {format_day(result.date):>11}  {result.event.name + venue:24} {place:>4} "
            f"{mark_with_wind(mark, result.wind):>10}  {result.competition}"
        )
    return "\n".join(out)


@render_text.register
def _(answer: RivalryAnswer) -> str:
    a, b = answer.first, answer.second
    wins_a, wins_b = answer.wins
    out = [f"{a.label} vs {b.label}"]
    count = len(answer.meetings)
    tie = f", {answer.ties} tied" if answer.ties else ""
    out.append(f"Head-to-head: {wins_a}–{wins_b} in {count} race{'s' if count != 1 else ''}{tie}")
    out.append("")
    if answer.meetings:
        out.append("Meetings (newest first)")
        for meeting in answer.meetings:
            first, second = meeting.first, meeting.second
            winner = meeting_winner(meeting.outcome, a.name, b.name)
            out.append(
                f"  {format_day(first.date):>11}  {first.event.name} · {first.competition}"
                f"{' ' + first.round if first.round else ''}: "
                f"{_placed(first)} vs {_placed(second)} → {winner}"
            )
        out.append("")
    if answer.bests:
        out.append(f"Personal bests        {a.name:>22}  {b.name:>22}")
        for shared in answer.bests:
            venue = venue_note(shared.venue)
            out.append(
                f"  {shared.event.name + venue:20} "
                f"{best_mark(shared.first):>22}  {best_mark(shared.second):>22}"
            )
        out.append("")
    out.append(f"Records held by {a.name}")
    out.extend(_held_lines(answer.first_records) or ["  none"])
    out.append(f"Records held by {b.name}")
    out.extend(_held_lines(answer.second_records) or ["  none"])
    return "\n".join(out)


def _placed(result: Result) -> str:
    mark = result_mark(result)
    return f"{mark} ({_ordinal(result.place)})" if result.place else mark


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@render_text.register
def _(answer: TopListAnswer) -> str:
    event, name, by = toplist_words(answer)
    out = [f"{event}, {name} — {by} on file", ""]
    if not answer.rows:
        out.append("  no results on file")
    for row in answer.rows:
        result = row.result
        split = f" (split in {row.split_of.name})" if row.split_of else ""
        out.append(
            f"{row.rank:>4}. {mark_with_wind(str(result.mark), result.wind):>12}  "
            f"{holder_name(result):34} "
            f"{result.where}, {format_day(result.date)}{split}"
        )
    out.extend(["", *answer.notes])
    return "\n".join(out)
