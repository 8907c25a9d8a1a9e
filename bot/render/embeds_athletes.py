"""/athlete and /rivalry as Discord embeds."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.domain.answers import AthleteAnswer, HeldRecord, RivalryAnswer
from bot.domain.models import Result
from bot.render.common import (
    best_mark,
    entry_status,
    list_name,
    mark_with_wind,
    meeting_winner,
    record_noun,
    result_mark,
    venue_note,
)
from bot.render.discord_embeds import (
    FIELD_VALUE_LIMIT,
    TITLE_LIMIT,
    EmbedBuilder,
    day_text,
    join_within,
    safe,
    where,
)


def _held_text(records: Sequence[HeldRecord]) -> str:
    lines = []
    for held in records:
        noun = record_noun(held.scope, held.record_type, list_name(held.key, held.event))
        status = entry_status(held.entry, held.record_type)
        lines.append(
            f"{held.event.name} {noun}: **{held.entry.mark}** ({day_text(held.entry.date)})"
            + (f" *{status}*" if status else "")
        )
    return "\n".join(lines) or "none"


def _result_line(result: Result) -> str:
    mark = result_mark(result)
    place = f"{result.place}. " if result.place else ""
    return (
        f"{day_text(result.date)} · {result.event.name}{venue_note(result.venue)} · {place}"
        f"**{mark_with_wind(mark, result.wind)}** · {safe(result.competition, 80)}"
    )


def athlete_embed(answer: AthleteAnswer) -> discord.Embed:
    athlete = answer.athlete
    facts = []
    if athlete.nation:
        nation = safe(answer.nation_name) if answer.nation_name else athlete.nation
        facts.append(f"{answer.flag} {nation} ({athlete.nation})".strip())
    if answer.age is not None and athlete.birth_date:
        facts.append(f"age {answer.age} (born {day_text(athlete.birth_date)})")
    builder = EmbedBuilder(safe(athlete.name, TITLE_LIMIT), description=" · ".join(facts))
    pbs = [
        f"{r.event.name}{venue_note(r.venue)}: "
        f"**{mark_with_wind(str(r.mark), r.wind)}** · {where(r)} · {day_text(r.date)}"
        + (f" · *{r.came_from}*" if r.came_from else "")
        for r in answer.personal_bests
    ]
    builder.field("Personal bests", join_within(pbs) or "none on file")
    builder.field("Records held", join_within(_held_text(answer.records).splitlines()))
    latest = [_result_line(r) for r in answer.latest]
    builder.field(
        f"Latest results ({len(answer.latest)} of {answer.result_count})",
        join_within(latest) or "none on file",
    )
    return builder.build("Trackside athletes")


def rivalry_embed(answer: RivalryAnswer) -> discord.Embed:
    a, b = answer.first, answer.second
    wins_a, wins_b = answer.wins
    count = len(answer.meetings)
    ties = f", {answer.ties} tied" if answer.ties else ""
    builder = EmbedBuilder(
        f"{safe(a.name, 100)} vs {safe(b.name, 100)}",
        description=(
            f"{answer.first_flag} **{safe(a.name)}** {wins_a} – {wins_b} "
            f"**{safe(b.name)}** {answer.second_flag}\n"
            f"{count} race{'s' if count != 1 else ''} on file{ties}"
        ),
    )
    builder.field(
        "Meetings", join_within(_meeting_lines(answer)) or "They have not met in a race on file."
    )
    bests = [
        f"{s.event.name}{venue_note(s.venue)}: "
        f"**{best_mark(s.first)}** vs **{best_mark(s.second)}**"
        for s in answer.bests
    ]
    if bests:
        builder.field("Personal bests side by side", join_within(bests))
    builder.field(
        f"Records held by {safe(a.name, 100)}",
        join_within(_held_text(answer.first_records).splitlines()),
        inline=True,
    )
    builder.field(
        f"Records held by {safe(b.name, 100)}",
        join_within(_held_text(answer.second_records).splitlines()),
        inline=True,
    )
    return builder.build("Trackside rivalries")


def _meeting_lines(answer: RivalryAnswer) -> list[str]:
    """A line per meeting, newest first, for `join_within`: only the lines that can show
    are written out. Once the lines written exceed a field, `join_within` stops at one of
    them, so the rest stand as empty lines it only counts ("… and 12 more")."""
    name_a, name_b = safe(answer.first.name), safe(answer.second.name)
    lines: list[str] = []
    length = 0
    for meeting in answer.meetings:
        if length > FIELD_VALUE_LIMIT:
            return lines + [""] * (len(answer.meetings) - len(lines))
        first, second = meeting.first, meeting.second
        # day_text and safe keep what they worked out (discord_embeds), so a day or a
        # meeting repeated over the lines costs a lookup.
        race = safe(first.competition, 60) + (" " + safe(first.round, 20) if first.round else "")
        winner = meeting_winner(meeting.outcome, name_a, name_b)
        line = (
            f"{day_text(first.date)} · {first.event.name} · {race}: "
            f"{_placed(first)} vs {_placed(second)} → {winner}"
        )
        lines.append(line)
        length += len(line) + 1
    return lines


def _placed(result: Result) -> str:
    mark = result_mark(result)
    return f"{mark} ({result.place})" if result.place else mark
