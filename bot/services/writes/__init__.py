"""Write use cases: moderators add, import, edit and remove results, ratify records, and
servers subscribe to announcements.

Every write is one `BEGIN IMMEDIATE` transaction that re-reads the records it touches
inside the transaction, so two moderators adding results at the same moment are
serialised and cannot both be credited with the same record; the announcement (outbox)
and the audit row are written in that same transaction. The in-memory indexes are
refreshed after the commit.

One module per use case: `drafts` (what was typed, checked; the plausibility gate),
`adding` (one result, or a CSV file read by `csv_import`), `corrections` (edit, remove),
`ratification`, `settings` (alerts, moderator role, audit); `filing` is what they share
inside a transaction. `Writes` is the front door the cogs and the terminal call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.domain.announcements import Announcement
from bot.domain.models import RecordEntry, RecordStatus, Result
from bot.domain.records import Preview
from bot.services.writes import adding, corrections, drafts, ratification, settings
from bot.services.writes.corrections import ResultChanges
from bot.services.writes.csv_import import (
    IMPORT_COLUMNS,
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    REQUIRED_IMPORT_COLUMNS,
    ImportError_,
    ImportReport,
    RowError,
)
from bot.services.writes.drafts import (
    IMPLAUSIBLE_MARGIN,
    MAX_COMPETITION,
    MAX_NAME,
    MAX_ROUND,
    MAX_SOURCE,
    Actor,
    DuplicateResultError,
    ImplausibleMarkError,
    ResultDraft,
    clean_text,
    parse_day,
)
from bot.services.writes.filing import Added
from bot.store.outbox import AuditRow, Subscription

if TYPE_CHECKING:
    from bot.services.app import Trackside

__all__ = [
    "IMPLAUSIBLE_MARGIN", "IMPORT_COLUMNS", "MAX_COMPETITION", "MAX_IMPORT_BYTES",
    "MAX_IMPORT_ROWS", "MAX_NAME", "MAX_ROUND", "MAX_SOURCE", "REQUIRED_IMPORT_COLUMNS",
    "Actor", "Added", "DuplicateResultError", "ImplausibleMarkError", "ImportError_",
    "ImportReport", "Preview", "ResultChanges", "ResultDraft", "RowError", "Writes",
    "clean_text", "parse_day",
]  # fmt: skip


class Writes:
    """The write use cases for one Trackside; holds nothing but the app it writes to."""

    def __init__(self, app: Trackside):
        self.app = app

    def build(self, draft: ResultDraft) -> tuple[Result, bool]:
        return drafts.build(self.app, draft)

    async def preview(self, draft: ResultDraft) -> Preview:
        return await drafts.preview(self.app, draft)

    async def add_result(
        self, draft: ResultDraft | Preview, actor: Actor, *, confirm_implausible: bool = False
    ) -> Added:
        return await adding.add_result(
            self.app, draft, actor, confirm_implausible=confirm_implausible
        )

    async def import_csv(self, data: bytes, actor: Actor, *, bounded: bool = True) -> ImportReport:
        return await adding.import_csv(self.app, data, actor, bounded=bounded)

    async def remove_result(
        self, result_id: int, actor: Actor, reason: str = ""
    ) -> Announcement | None:
        return await corrections.remove_result(self.app, result_id, actor, reason)

    async def edit_draft(self, result_id: int, changes: ResultChanges) -> ResultDraft:
        return await corrections.edit_draft(self.app, result_id, changes)

    async def edit_result(
        self, result_id: int, draft: ResultDraft, actor: Actor, *, confirm_implausible: bool = False
    ) -> Added:
        return await corrections.edit_result(
            self.app, result_id, draft, actor, confirm_implausible=confirm_implausible
        )

    def pending_records(self) -> list[RecordEntry]:
        return ratification.pending_records(self.app)

    async def ratify(
        self, entry_id: int, status: RecordStatus, actor: Actor, note: str = ""
    ) -> Announcement:
        return await ratification.ratify(self.app, entry_id, status, actor, note)

    async def set_alerts(
        self,
        actor: Actor,
        channel_id: int,
        *,
        scopes: str | None = None,
        events: str | None = None,
        sex: str | None = None,
    ) -> Subscription:
        return await settings.set_alerts(
            self.app, actor, channel_id, scopes=scopes, events=events, sex=sex
        )

    async def alerts_off(self, actor: Actor) -> bool:
        return await settings.alerts_off(self.app, actor)

    async def subscription(self, guild_id: int) -> Subscription | None:
        return await settings.subscription(self.app, guild_id)

    async def set_moderator_role(self, actor: Actor, role_id: int | None) -> None:
        await settings.set_moderator_role(self.app, actor, role_id)

    async def audit(self, limit: int = 50) -> list[AuditRow]:
        return await settings.audit_log(self.app, limit)
