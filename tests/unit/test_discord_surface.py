"""The Discord layer's wiring, without a gateway: which slash commands the cogs register
(GroupCog groups, top-level commands), that unloading removes them, the reply wording the
cogs send, and the paginator surviving discord.py's own view refresh."""

from __future__ import annotations

from unittest import mock

import discord
import pytest
from discord import app_commands

from bot.bot import EXTENSIONS, TracksideBot
from bot.cogs.views import Paginator
from bot.config import Settings
from bot.domain.announcements import Announcement, AnnouncementKind
from bot.domain.records import RecordCheck
from bot.render import replies
from bot.render.embeds_writes import ANNOUNCE_COLOUR, CORRECTION_COLOUR, announcement_embed

TOP_LEVEL = [
    "alerts", "athlete", "moderator-role", "progression", "ratify", "record", "records",
    "result", "rivalry", "sync", "toplist",
]  # fmt: skip


@pytest.fixture
def bot(tmp_path) -> TracksideBot:
    """A bot that never connects (nothing to close): only its command tree is used."""
    bot = TracksideBot(Settings(database_path=tmp_path / "unused.db"))
    bot.app = mock.MagicMock()  # the cogs only keep a reference while loading
    return bot


async def test_the_cogs_register_the_slash_commands_and_unloading_removes_them(bot):
    for extension in EXTENSIONS:
        await bot.load_extension(extension)
    commands = {c.name: c for c in bot.tree.get_commands()}
    assert sorted(commands) == TOP_LEVEL
    groups = {}
    for name in ("alerts", "result"):
        group = commands[name]
        assert isinstance(group, app_commands.Group)
        groups[name] = sorted(sub.name for sub in group.commands)
    assert groups == {
        "alerts": ["off", "set", "status"],
        "result": ["add", "edit", "import", "remove"],
    }
    for name in ("alerts", "result", "ratify", "moderator-role"):
        payload = commands[name].to_dict(bot.tree)
        assert payload["contexts"] == [0], name  # guild only
        assert payload["default_member_permissions"] == 1 << 5, name  # Manage Server
    for extension in EXTENSIONS:
        await bot.unload_extension(extension)
    assert bot.tree.get_commands() == []


async def test_a_paginator_survives_discord_refreshing_its_components():
    """discord.py calls `view._refresh(components)` when a tracked message is edited; the
    paginator's own button update once had that name and no argument (a TypeError)."""
    view = Paginator([discord.Embed(title="1"), discord.Embed(title="2")], author_id=1)
    view._refresh([])
    assert (view.previous.disabled, view.next.disabled) == (True, False)


def test_a_saved_or_corrected_reply_names_the_result_a_later_click_finds():
    check = RecordCheck(breaks=(), not_eligible=())
    assert replies.saved(12, check) == (
        "Saved as result #12. It breaks or equals no record on file."
    )
    assert replies.corrected(5, check).startswith("Corrected. Now result #5.")
    assert replies.expired(replies.saved(12, check)) == replies.already_saved(12)
    assert replies.expired(replies.corrected(5, check)) == replies.already_saved(5)
    assert replies.expired(replies.confirm_edit(["too fast"])) == replies.EDIT_EXPIRED
    assert replies.expired("Cancelled: nothing was saved.") == replies.EXPIRED


def test_replies_keep_user_text_inert():
    announcement = _announcement(AnnouncementKind.CORRECTION)
    announcement = Announcement(**{**announcement.__dict__, "athlete": "@everyone **x**"})
    text = replies.imported(1, [announcement])
    assert "@everyone" not in text and "**x**" not in text
    assert replies.not_saved("[link](https://x.y)") == r"Not saved: \[link\](https\://x.y)"


@pytest.mark.parametrize("kind", list(AnnouncementKind))
def test_an_announcement_read_back_from_the_outbox_keeps_its_colour(kind):
    """The outbox stores announcements as JSON, so `kind` comes back as a plain string."""
    stored = Announcement.from_json(_announcement(kind).to_json())
    embed = announcement_embed(stored, {})
    assert embed.colour == (
        ANNOUNCE_COLOUR if kind is AnnouncementKind.RECORD else CORRECTION_COLOUR
    )


def _announcement(kind: AnnouncementKind) -> Announcement:
    return Announcement(
        kind=kind, headline="CORRECTION", athlete="Yared Nuguse", nation="USA",
        event_name="Mile", mark="3:46.63", wind="", competition="Millrose Games",
        where="New York, USA", date="2025-02-08", result_id=1,
    )  # fmt: skip
