"""What the bot answers after a write or a setting, as Discord message text.

The cogs send these and build no wording of their own; the record phrases come from
`render.common`, shared with the embeds, and every piece of user or source text goes
through `safe`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from bot.domain.announcements import Announcement
from bot.domain.events import Event, Sex
from bot.domain.models import RecordEntry
from bot.domain.records import RecordCheck
from bot.render.common import format_day, record_news
from bot.render.discord_embeds import CONTENT_LIMIT, safe

# -- adding, editing, removing results ---------------------------------------------------

EXPIRED = "This preview has expired — run /result add again."
EDIT_EXPIRED = "This correction has expired — run /result edit again."
EDIT_PROMPT = "⚠️ Not corrected yet: "
NOT_YOURS = "Only the moderator who previewed this result can confirm it."
CANCELLED = "Cancelled: nothing was saved."
CONFIRM_AGAIN = (
    "⚠️ This mark beats a world record by more than 2%. Check it, then confirm again to save it."
)
SAVING = "Saving…"
NOT_SAVED_PREVIEW = "That preview was not saved."
TIMED_OUT = "Timed out: nothing was saved."
_SAVED = re.compile(r"(?:Saved as|Now) result #(\d+)")
MAX_IMPORT_LINES = 20


def saved(result_id: int, check: RecordCheck) -> str:
    """ "Saved as result #12: breaks the Mile world indoor record. Announced to …"."""
    return f"Saved as {_result_news(result_id, check)}"


def corrected(result_id: int, check: RecordCheck) -> str:
    return f"Corrected. Now {_result_news(result_id, check)}"


def _result_news(result_id: int, check: RecordCheck) -> str:
    if not check.breaks:
        return f"result #{result_id}. It breaks or equals no record on file."
    names = ", ".join(safe(record_news(b)) for b in check.breaks)
    return f"result #{result_id}: {names}. Announced to subscribed channels."


def saved_id_in(content: str) -> int | None:
    """The result id a `saved`/`corrected` message names, or None."""
    found = _SAVED.search(content)
    return int(found.group(1)) if found else None


def already_saved(result_id: int) -> str:
    return f"This result was already saved (#{result_id})."


def not_saved(error: str) -> str:
    """A write that failed: the error may quote what the user typed, so it is escaped."""
    return f"Not saved: {safe(error, 1800)}"


def refused(refusal: str) -> str:
    """A click by someone who may no longer write (our own words: not escaped)."""
    return f"Not saved: {refusal}"


def expired(content: str) -> str:
    """The answer to a click on a preview or correction this process no longer holds."""
    result_id = saved_id_in(content)
    if result_id is not None:
        return already_saved(result_id)
    return EDIT_EXPIRED if content.startswith(EDIT_PROMPT) else EXPIRED


def confirm_edit(warnings: Sequence[str]) -> str:
    """An edit whose mark looks like a typo waits for a second click."""
    return EDIT_PROMPT + safe(" ".join(warnings), 1500) + " Check it, then confirm to save it."


def imported(count: int, records: Sequence[Announcement]) -> str:
    lines = [f"{a.headline.capitalize()}: {safe(a.athlete)} {a.mark}" for a in records]
    text = f"Imported {count} results in one go."
    if lines:
        text += " Records:\n" + "\n".join(f"• {r}" for r in lines[:MAX_IMPORT_LINES])
        if len(lines) > MAX_IMPORT_LINES:
            text += f"\n… and {len(lines) - MAX_IMPORT_LINES} more"
    else:
        text += " No records broken or equalled."
    return text[:CONTENT_LIMIT]


def import_too_large(size: int, limit: int) -> str:
    return f"That file is {size:,} bytes; an import takes at most {limit:,}."


def removed(result_id: int, correction: Announcement | None) -> str:
    text = f"Removed result #{result_id}."
    if correction is not None:
        text += " " + safe(correction.text, 1500) + " Subscribed channels are told."
    return text


def ratified(announcement: Announcement) -> str:
    return f"{safe(announcement.text, 1800)} Subscribed channels are told."


def pending_label(entry: RecordEntry, event: Event) -> str:
    """How a record awaiting ratification is offered in /ratify's list (plain text)."""
    key = entry.key
    return (
        f"{event.name} {key.scope.code} {key.list.value} {key.sex.label}: "
        f"{entry.mark} {entry.athlete.name} ({format_day(entry.date)})"
    )


def synced(count: int, guild_id: int | None) -> str:
    """/sync's answer: how many commands went where."""
    return f"Synced {count} commands {'to this server' if guild_id else 'globally'}."


# -- alerts and server settings ----------------------------------------------------------


class AlertFilters(Protocol):
    """What a server's alert subscription lets through (the store's Subscription)."""

    @property
    def scopes(self) -> Sequence[str]: ...
    @property
    def events(self) -> Sequence[str]: ...
    @property
    def sex(self) -> Sex | None: ...


class AlertSetting(AlertFilters, Protocol):
    @property
    def channel_id(self) -> int: ...
    @property
    def problem(self) -> str | None: ...
    @property
    def problem_at(self) -> str | None: ...


def filters_text(subscription: AlertFilters) -> str:
    parts = []
    if subscription.scopes:
        parts.append("scopes " + ", ".join(safe(s, 50) for s in subscription.scopes))
    if subscription.events:
        parts.append("events " + ", ".join(subscription.events))
    if subscription.sex:
        parts.append(f"{subscription.sex.label} only")
    return f" ({'; '.join(parts)})" if parts else " (every record)"


def cannot_post(channel_mention: str, missing: Sequence[str]) -> str:
    return (
        f"I can't post in {channel_mention}: I need {', '.join(missing)} there. "
        "Give me those permissions in that channel, then run /alerts set again."
    )


def alerts_set(channel_mention: str, subscription: AlertFilters) -> str:
    return f"Record announcements will go to {channel_mention}{filters_text(subscription)}."


def alerts_off(removed: bool) -> str:
    return "Record announcements are off." if removed else "Announcements were not on here."


def alerts_status(subscription: AlertSetting | None, shard: int, shards: str) -> str:
    """Where announcements go, the last delivery problem, and which shard answers."""
    if subscription is None:
        text = "Record announcements are off here. A server manager can run /alerts set."
    else:
        text = (
            f"Record announcements go to <#{subscription.channel_id}>{filters_text(subscription)}."
        )
        if subscription.problem:
            text += (
                f"\n⚠️ Last delivery problem ({subscription.problem_at}): "
                f"{safe(subscription.problem, 500)}"
            )
    return text + f"\nThis server is on shard {shard}; this process runs {shards}."


def moderator_role(role_mention: str | None) -> str:
    if role_mention:
        return f"Members with {role_mention} may now add results (in trusted servers)."
    return "The moderator role is cleared: only Manage Server members may add results."
