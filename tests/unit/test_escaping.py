"""`safe` (bot/render/discord_embeds.py), the one escaping helper, holds for any input.

A small model of Discord's markdown reads what the escaped text would render as: backslash
escapes first (a backslash before ASCII punctuation makes it literal), then the syntax that
is left — masked links, spoilers, code, emphasis, mentions, timestamps, autolinks, and
headings / lists / quotes at the start of a line. Property-based inputs mix every piece of
syntax with zero-width and right-to-left characters.
"""

from __future__ import annotations

import re
import string

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.render.discord_embeds import _escape_all, cut, safe

PUNCTUATION = set(string.punctuation)
LITERAL = "\uffff"  # what an escaped character becomes in the model: matches no syntax

SYNTAX = {
    "masked link": re.compile(r"\[[^\n]*?\]\("),
    "spoiler": re.compile(r"\|\|.+?\|\|"),
    "code": re.compile(r"`[^`]+`"),
    "bold or italic": re.compile(r"\*[^*]+\*|_[^_]+_"),
    "strikethrough": re.compile(r"~~.+?~~"),
    "mention": re.compile(r"<@[!&]?\d+>|<#\d+>|@everyone|@here"),
    "timestamp": re.compile(r"<t:-?\d+(?::[tTdDfFR])?>"),
    "command or emoji": re.compile(r"</[^>]+>|<a?:\w+:\d+>"),
    "autolink": re.compile(r"[a-zA-Z][\w+.-]*://"),
    "heading, list or quote": re.compile(r"^(?:#{1,3} |-# |[-*+] |\d+\. |>)"),
}
BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def render(text: str) -> tuple[str, str]:
    """(what a reader sees, the syntax Discord would act on: escaped characters masked)."""
    seen, syntax = [], []
    i = 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in PUNCTUATION:
            seen.append(text[i + 1])
            syntax.append(LITERAL)
            i += 2
        else:
            seen.append(text[i])
            syntax.append(text[i])
            i += 1
    return "".join(seen), "".join(syntax)


def formatting(text: str) -> list[str]:
    """The kinds of markdown / mention Discord would render in `text`."""
    _, syntax = render(text)
    found = [name for name, pattern in SYNTAX.items() if pattern.search(syntax)]
    if BIDI.search(text):
        found.append("bidirectional control")
    return found


FRAGMENTS = [
    "[a](http://x.y)", "[Official results](http://evil.example)", "](", "[", "]", "(", ")",
    "||", "|", "||spoiler||", "`", "```", "*", "**", "_", "__", "~~", "\\", "\\\\",
    "<@123>", "<@!123>", "<@&456>", "<#789>", "<t:1700000000:R>", "<t:0>", "</ping:1>",
    "<:e:1>", "<a:e:1>", "@everyone", "@here", "@", "<", ">", ">>> ", "# ", "## ", "-# ",
    "- ", "* ", "+ ", "1. ", "12. ", "https://evil.example", "http://", "discord://x",
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u202e", "\u202d", "\u2066",
    "\u2069", "\u200f", "\u061c", "مرحبا", "שלום", "Nordås", " ", "\n", "\t", "x", "7",
]  # fmt: skip
hostile = st.lists(
    st.sampled_from(FRAGMENTS) | st.text(alphabet=string.printable, max_size=3), max_size=30
).map("".join)


def expected_reading(text: str, limit: int) -> str:
    flat = " ".join(BIDI.sub("", text).split())
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    return flat.replace("\u200b", "")


@settings(max_examples=600, deadline=None)
@given(hostile)
@example("[a](http://x.y) [Official results](http://evil.example)")
@example("||a|| and ||b|| then ||c||")
@example("|| spaced ||")
@example("`a` `b` ``c``")
@example("# heading <@1> <t:1:R> @everyone")
@example("12. list")
@example("\u202e[x](https://evil.example)")
def test_escaped_text_renders_as_plain_text(text):
    escaped = safe(text)
    assert formatting(escaped) == [], (text, escaped)
    # ...and reads as what was typed (zero-width spaces aside).
    assert render(escaped)[0].replace("\u200b", "") == expected_reading(text, 200)
    assert "\n" not in escaped


@settings(max_examples=300, deadline=None)
@given(hostile, hostile, st.integers(min_value=1, max_value=120))
def test_escaped_text_holds_inside_a_template_and_when_cut(first, second, limit):
    # How renderers use it: between bold markers, next to other escaped text, then cut.
    line = f"**{safe(first)}** — {safe(second, 50)}"
    kinds = formatting(line)
    assert kinds in ([], ["bold or italic"]), (first, second, line)
    assert render(line)[1].count("*") == 4  # only the template's own bold
    for part in (safe(first), cut(safe(first), limit)):
        assert formatting(part) == [], (first, part)


def test_the_reported_announcement_name_shows_no_link():
    name = "[a](http://x.y) [Official results](http://evil.example)"
    escaped = safe(name)
    assert formatting(escaped) == []
    assert render(escaped)[0] == name  # reads as typed, renders as plain text


plain_or_hostile = hostile | st.text(
    alphabet=string.ascii_letters + string.digits + " -'.#>+:()éøÅ\u00a0", max_size=40
)


@settings(max_examples=1000, deadline=None)
@given(plain_or_hostile, st.integers(min_value=2, max_value=60))
@example("Jakob Ingebrigtsen", 200)
@example("12. Mai Stadion", 200)
@example("- dash", 200)
@example("a  b", 200)
@example(" a", 200)
@example("a\u00a0b", 200)
@example("Paris: Stade", 200)
def test_the_shortcut_for_plain_text_changes_nothing(text, limit):
    """`safe` returns plain text as it is without running its passes: only where the
    passes would have returned it unchanged."""
    assert safe(text, limit) == (_escape_all(text, limit) if text else "")
