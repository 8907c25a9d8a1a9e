"""Answers as Discord embeds: the same answer models the terminal prints.

This module holds what every embed is built with (`safe`, `EmbedBuilder`, Discord's
limits) and the record answers (/record, /progression, /records, /toplist);
`embeds_athletes` renders /athlete and /rivalry, `embeds_writes` the result preview and
the announcements channels receive.

Every piece of text that came from users or sources (athlete and competition names,
cities) is escaped so it cannot format, ping or break an embed, and everything is cut to
Discord's limits (title 256, description 4096, 25 fields of 256/1024, 6000 in all).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import overload

import discord
from discord.utils import format_dt

from bot.domain.answers import (
    PersonalBest,
    ProgressionAnswer,
    RecordAnswer,
    RecordLine,
    RecordsListAnswer,
    TopListAnswer,
)
from bot.domain.events import Venue
from bot.domain.models import RecordEntry, RecordStatus, Result
from bot.domain.records import list_word
from bot.render.common import (
    entry_status,
    format_stood,
    holders_note,
    list_name,
    margin_text,
    mark_with_wind,
    plural,
    record_noun,
    record_title,
    records_list_title,
    sex_title,
    toplist_words,
)

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FIELDS_LIMIT = 25
EMBED_TOTAL_LIMIT = 6000
CONTENT_LIMIT = 2000

# What `safe` neutralises: inline syntax anywhere (emphasis, strike, spoilers, code,
# masked links, escapes), block syntax at the start (headings, "-#" subtext, lists,
# quotes), scheme autolinks, and the starts of mentions / channels / emoji / timestamps.
_INLINE_SYNTAX = re.compile(r"[\\*_~|`\[\]]")
_LINE_START = re.compile(r"^(?:[#>+-]|\d+\.)")
_AUTOLINK = re.compile(r"(\w):(?=//)")
_MENTION_START = re.compile(r"[<@]")
_BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Text none of the passes of `safe` would change: words of characters that are neither
# syntax, whitespace, "<", "@", ":" nor bidirectional controls, joined by single spaces,
# not starting as a heading, quote, list item or numbered line would.
_PLAIN = re.compile(
    r"(?![#>+-]|\d+\.)"
    r"[^\s\\*_~|`\[\]<@:\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]+"
    r"(?: [^\s\\*_~|`\[\]<@:\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]+)*"
)
COLOUR = discord.Colour(0xD9480F)  # track orange
PENDING_COLOUR = discord.Colour(0xF59F00)


# Pure, and the same few texts come back on every line and answer (an athlete's name on each
# meeting, a competition on each result; a day on many): each worked out once.
@lru_cache(maxsize=8192)
def safe(text: str | None, limit: int = 200) -> str:
    """User or source text made inert: no markdown, no mentions, no line breaks, bounded.

    Every character Discord's markdown reads as syntax is escaped one by one, wherever it
    stands, so that no combination of them can form a masked link, spoiler, code span,
    emphasis or heading (discord.utils.escape_markdown escaped only the first of several
    masked links, and a spoiler only when it saw a closing one). Mentions, channel links,
    emoji, `<t:…>` timestamps and command links all start with "<" or "@": a zero-width
    space after those leaves them as plain text, and `scheme://` loses its autolink.
    Bidirectional controls, which could reorder what a reader sees, are dropped. Any prefix
    of the result (a caller's `cut`) is still inert.
    """
    if not text:
        return ""
    if len(text) <= limit and _PLAIN.fullmatch(text):
        return text  # the passes would not change it (most names): skip them
    return _escape_all(text, limit)


def _escape_all(text: str, limit: int) -> str:
    """Every pass of `safe`, whatever the text."""
    flat = " ".join(_BIDI_CONTROLS.sub("", text).split())
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    escaped = _INLINE_SYNTAX.sub(r"\\\g<0>", flat)
    escaped = _LINE_START.sub(_escape_line_start, escaped)
    escaped = _AUTOLINK.sub(r"\g<1>\\:", escaped)
    return _MENTION_START.sub("\\g<0>\u200b", escaped)


def _escape_line_start(match: re.Match[str]) -> str:
    """'# x' -> '\\# x'; '12. x' -> '12\\. x' (a backslash before a digit would show)."""
    syntax = match.group(0)
    return syntax[:-1] + "\\." if syntax.endswith(".") else "\\" + syntax


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def day_dt(day: date) -> datetime:
    """A date as an aware datetime at noon UTC, so Discord shows the same calendar day in
    every time zone from UTC-11 to UTC+11."""
    return datetime.combine(day, time(12, 0), tzinfo=UTC)


@lru_cache(maxsize=8192)  # pure (see `safe`)
def day_text(day: date) -> str:
    return format_dt(day_dt(day), "D")


def flag_of(nation: str | None, flags: dict[str, str] | None = None) -> str:
    return (flags or {}).get(nation or "", "")


def who(entry: RecordEntry | Result, flag: str = "") -> str:
    athlete = entry.athlete
    name = f"**{safe(athlete.name)}**"
    if athlete.nation:
        return f"{name} {flag + ' ' if flag else ''}{athlete.nation}"
    return name


def where(entry: RecordEntry | Result | PersonalBest) -> str:
    return safe(entry.where, 120)


class EmbedBuilder:
    """Builds embeds that respect Discord's limits, whatever the data."""

    def __init__(self, title: str, *, description: str = "", colour: discord.Colour = COLOUR):
        self.embed = discord.Embed(
            title=cut(title, TITLE_LIMIT),
            description=cut(description, DESCRIPTION_LIMIT) if description else None,
            colour=colour,
        )
        self.dropped = 0

    def _size(self) -> int:
        return len(self.embed)

    def field(self, name: str, value: str, *, inline: bool = False) -> bool:
        name = cut(name, FIELD_NAME_LIMIT) or "\u200b"
        value = cut(value, FIELD_VALUE_LIMIT) or "\u200b"
        # Keep room for the footer we may add to say something was left out.
        if (
            len(self.embed.fields) >= FIELDS_LIMIT
            or self._size() + len(name) + len(value) > EMBED_TOTAL_LIMIT - 200
        ):
            self.dropped += 1
            return False
        self.embed.add_field(name=name, value=value, inline=inline)
        return True

    def footer(self, text: str) -> None:
        if self.dropped:
            dropped = f"{self.dropped} more not shown"
            text = f"{dropped} · {text}" if text else dropped
        if text:
            self.embed.set_footer(text=cut(text, 2048))

    def build(self, footer: str = "") -> discord.Embed:
        self.footer(footer)
        return self.embed


def _holders_value(line: RecordLine, flags: dict[str, str]) -> str:
    parts = []
    for index, holder in enumerate(line.holders):
        equal = "= " if index else ""
        mark = mark_with_wind(str(holder.mark), holder.wind)
        status = entry_status(holder, line.record_type)
        parts.append(
            f"{equal}**{mark}** · {who(holder, flag_of(holder.athlete.nation, flags))}\n"
            f"{where(holder)} · {day_text(holder.date)}" + (f" · *{status}*" if status else "")
        )
    parts.append(f"Has stood {format_stood(line.stood)}")
    return "\n".join(parts)


def record_embed(answer: RecordAnswer, flags: dict[str, str]) -> discord.Embed:
    # Named as its records are: "world indoor records" for the short-track list, plain
    # "world records" for the main list (World Athletics' own words).
    label = answer.scope.label
    noun = f"{label} records"
    if answer.venue is Venue.INDOOR and list_word(answer.event, Venue.INDOOR):
        noun = f"{label} indoor records"
    elif answer.venue is Venue.OUTDOOR and len(answer.event.lists) > 1:
        noun = f"{label} records (outdoor)"
    builder = EmbedBuilder(f"{answer.event.name} — {noun}")
    pending = False
    for line in answer.lines:
        pending = pending or any(h.status is RecordStatus.PENDING for h in line.holders)
        builder.field(record_title(line, answer.scope), _holders_value(line, flags))
    if pending:
        builder.embed.colour = PENDING_COLOUR
    return builder.build("Trackside records")


def progression_embed(answer: ProgressionAnswer, flags: dict[str, str]) -> discord.Embed:
    key, event = answer.key, answer.event
    noun = record_noun(answer.scope, answer.record_type, list_name(key, event))
    builder = EmbedBuilder(f"{sex_title(key.sex)} {event.name} — {noun} progression")
    lines = []
    for row in answer.rows:
        entry = row.entry
        gain = margin_text(event, row.margin)
        stood = "still stands" if row.stood is None else f"stood {format_stood(row.stood)}"
        status = entry_status(entry, answer.record_type)
        extra = f" · *{status}*" if status else ""
        lines.append(
            f"**{mark_with_wind(str(entry.mark), entry.wind)}**"
            f"{' (' + gain + ')' if gain else ''} · "
            f"{who(entry, flag_of(entry.athlete.nation, flags))}"
            f" · {where(entry)} · {day_text(entry.date)} · {stood}{extra}"
        )
    # Oldest first, as many as fit; the newest always shows, so cut from the middle.
    description = _fit_lines(lines, DESCRIPTION_LIMIT - 100)
    builder.embed.description = description
    return builder.build(f"{plural(len(answer.rows), 'entry', 'entries')}, oldest first")


def _fit_lines(lines: Sequence[str], limit: int) -> str:
    text = "\n".join(lines)
    if len(text) <= limit:
        return text
    head, tail = list(lines[:3]), list(lines[3:])
    while tail and len("\n".join([*head, "…", *tail])) > limit:
        tail.pop(0)
    omitted = len(lines) - len(head) - len(tail)
    return "\n".join([*head, f"… {omitted} earlier entries …", *tail])


class Pages(Sequence[discord.Embed]):
    """A paginated answer's pages, each rendered the first time it is shown: /records
    answers with page 1 and renders the others only if someone turns to them. Every
    page is rendered from the whole answer (its number, the page count), so a page reads
    the same whenever it is built."""

    def __init__(self, count: int, render: Callable[[int], discord.Embed]):
        self._count = count
        self._render = render
        self._built: dict[int, discord.Embed] = {}

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> discord.Embed: ...

    @overload
    def __getitem__(self, index: slice) -> list[discord.Embed]: ...

    def __getitem__(self, index: int | slice) -> discord.Embed | list[discord.Embed]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._count))]
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError(index)
        page = self._built.get(index)
        if page is None:
            page = self._built[index] = self._render(index)
        return page


def records_pages(answer: RecordsListAnswer, flags: dict[str, str], per_page: int = 12) -> Pages:
    title = records_list_title(answer)
    count = -(-len(answer.lines) // per_page)

    def page(index: int) -> discord.Embed:
        builder = EmbedBuilder(title)
        for line in answer.lines[index * per_page : (index + 1) * per_page]:
            holder = line.entry
            equal = holders_note(line)
            status = entry_status(holder, line.record_type)
            builder.field(
                f"{sex_title(line.key.sex)} {line.event.name}",
                f"**{mark_with_wind(str(holder.mark), holder.wind)}** · "
                f"{who(holder, flag_of(holder.athlete.nation, flags))}{equal}\n"
                f"{where(holder)} · {day_text(holder.date)}" + (f" · *{status}*" if status else ""),
                inline=True,
            )
        footer = " · ".join(
            [f"Page {index + 1}/{count}", plural(len(answer.lines), "record"), *answer.notes]
        )
        return builder.build(footer)

    return Pages(count, page)


def join_within(lines: Sequence[str], limit: int = FIELD_VALUE_LIMIT) -> str:
    """As many whole lines as fit in one field, saying how many were left out."""
    size = -1  # of the lines before `index` joined, and the line break after them
    for index, line in enumerate(lines):
        size += len(line) + 1
        rest = len(lines) - index - 1
        if size > limit - (20 if rest else 0):
            return "\n".join([*lines[:index], f"… and {len(lines) - index} more"])
    return "\n".join(lines)


def toplist_page(answer: TopListAnswer, changed: bool = False) -> discord.Embed:
    """A page of a top list (`answer.page`; the whole answer if it is not one): its lines,
    which lines of the list they are, and, when `changed`, that the list changed since the
    pages shown before (so this is its first page again)."""
    event, name, by = toplist_words(answer)
    title = f"{event} — {name} ({by})"
    if not answer.rows:
        return EmbedBuilder(title, description="No results on file.").build()
    lines = [
        f"`{row.rank:>3}.` **{mark_with_wind(str(row.result.mark), row.result.wind)}** · "
        f"{who(row.result, row.flag)} · {where(row.result)} · {day_text(row.result.date)}"
        + (f" · *split in {row.split_of.name}*" if row.split_of else "")
        for row in answer.rows
    ]
    builder = EmbedBuilder(title, description=_fit_lines(lines, DESCRIPTION_LIMIT - 50))
    first = answer.page.first_line if answer.page else 1
    last = first + len(answer.rows) - 1
    more = answer.page is not None and answer.page.more
    where_in = f"Lines {first}–{last}" + ("" if more else f" of {last}")
    said = ["The list has changed since (a result was added or edited): back to its top."]
    return builder.build(" · ".join([*(said if changed else []), where_in, *answer.notes]))


def error_embed(message: str) -> discord.Embed:
    return discord.Embed(
        description=cut(safe(message, 1000), DESCRIPTION_LIMIT), colour=discord.Colour.red()
    )
