"""Writes as Discord embeds: the preview a moderator confirms, and the announcement a
subscribed channel receives."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import discord

from bot.domain.announcements import AnnouncedRecord, Announcement, AnnouncementKind
from bot.domain.marks import format_margin
from bot.domain.models import Result
from bot.domain.records import Preview, RecordBreak
from bot.render.common import format_stood, mark_with_wind, record_news, result_mark
from bot.render.discord_embeds import EmbedBuilder, day_text, join_within, safe

ANNOUNCE_COLOUR = discord.Colour(0xF08C00)  # gold
CORRECTION_COLOUR = discord.Colour(0x868E96)


def announcement_embed(announcement: Announcement, flags: dict[str, str]) -> discord.Embed:
    """The embed a subscribed channel receives."""
    # `kind` is the enum's value once read back from the outbox (JSON): compare members.
    is_record = AnnouncementKind(announcement.kind) is AnnouncementKind.RECORD
    flag = flags.get(announcement.nation or "", "")
    nation = f" {flag} {announcement.nation}".rstrip() if announcement.nation else ""
    day = date.fromisoformat(announcement.date)
    wind = f" ({announcement.wind})" if announcement.wind else ""
    description = (
        f"**{safe(announcement.athlete)}**{nation} — **{safe(announcement.mark)}**{wind} "
        f"{safe(announcement.event_name)}\n"
        + " · ".join(
            dict.fromkeys(  # the place only when it says more than the competition
                [safe(announcement.competition, 100), safe(announcement.where, 100), day_text(day)]
            )
        )
    )
    if announcement.text:
        description += f"\n\n{safe(announcement.text, 1500)}"
    if announcement.first_since:
        description += f"\n{safe(announcement.first_since, 300)}."
    colour = ANNOUNCE_COLOUR if is_record else CORRECTION_COLOUR
    builder = EmbedBuilder(announcement.headline, description=description, colour=colour)
    if is_record:
        for record in announcement.records:
            builder.field(
                f"{record.record_name.capitalize()} — {record.event_name}", _announced(record)
            )
    return builder.build("Trackside record alerts")


def _announced(record: AnnouncedRecord) -> str:
    """One record of a record announcement: what it broke or equalled, and how long that
    stood."""
    split = f" ({record.event_name} split)" if record.is_split else ""
    # (The dataclass's field `list` shadows the builtin in its own annotations, so a type
    # checker cannot read `previous_holders: list[str]`; it is a list of names.)
    holders: Sequence[str] = record.previous_holders
    previous = ", ".join(safe(h) for h in holders)
    by = f" by {record.margin}" if record.margin else ""
    return (
        f"**{safe(record.mark)}**{split} {record.kind.value} {safe(record.previous_mark)} "
        f"({previous}, {day_text(date.fromisoformat(record.previous_date))}){by}\n"
        f"The record stood {record.stood}" + (" · *pending ratification*" if record.pending else "")
    )


def preview_embed(preview: Preview, flags: dict[str, str]) -> discord.Embed:
    """What a result would do, shown to the moderator before anything is written."""
    builder = EmbedBuilder(
        "Preview — nothing is saved until you confirm",
        description="\n".join(_preview_lines(preview, flags)),
    )
    records = [_preview_break(brk) for brk in preview.check.breaks]
    builder.field("Records", join_within(records) or "Breaks or equals no record on file.")
    if preview.check.not_eligible:
        builder.field(
            "Cannot count for records",
            join_within(
                [
                    f"{n.performance.event.name} {n.performance.mark}: {n.reason}"
                    for n in preview.check.not_eligible
                ]
            ),
        )
    if preview.warnings:
        builder.embed.colour = discord.Colour.red()
        builder.field("⚠️ Check this mark", join_within([safe(w, 300) for w in preview.warnings]))
    return builder.build("Confirm to save and announce, or cancel.")


def _preview_lines(preview: Preview, flags: dict[str, str]) -> list[str]:
    """The result as the moderator typed it, checked: who, what, where, when."""
    result: Result = preview.result
    athlete = result.athlete
    flag = flags.get(athlete.nation or "", "")
    lines = [
        f"**{safe(athlete.name)}** {flag} {athlete.nation or ''}".rstrip()
        + (" — *new athlete*" if preview.new_athlete else ""),
        f"{result.event.name} ({result.venue.value}, {result.sex.label}): "
        f"**{mark_with_wind(result_mark(result), result.wind)}**",
        f"{safe(result.competition, 100)}"
        + (f" · {safe(result.where, 100)}" if result.city else "")
        + f" · {day_text(result.date)}",
    ]
    placing = [f"place {result.place}" if result.place else "", safe(result.round, 30)]
    if any(placing):
        lines.append(" · ".join(p for p in placing if p))
    if result.splits:
        lines.append("Splits: " + ", ".join(f"{s.event.name} {s.mark}" for s in result.splits))
    if result.source:
        lines.append(f"Source: {safe(result.source, 300)}")
    return lines


def _preview_break(brk: RecordBreak) -> str:
    """ "**3:46.63** breaks the Mile world indoor record 3:47.01 (…) by 0.38 — stood …"."""
    performance, previous = brk.performance, brk.previous_entry
    split = f" ({performance.event.name} split)" if performance.is_split else ""
    margin = f" by {format_margin(performance.event, brk.margin)}" if brk.margin else ""
    return (
        f"**{performance.mark}**{split} {safe(record_news(brk))} {previous.mark} "
        f"({safe(previous.athlete.name)}){margin} — stood {format_stood(brk.stood)}"
    )
