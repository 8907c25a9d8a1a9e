"""Server settings: where announcements go (alerts), who may write (the moderator
role), and the audit log of every write."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.domain.events import Sex
from bot.services.errors import InvalidInputError
from bot.services.writes.drafts import Actor
from bot.services.writes.filing import audit
from bot.store import write_log
from bot.store.outbox import (
    AuditRepository,
    AuditRow,
    GuildSettingsRepository,
    OutboxRepository,
    Subscription,
    SubscriptionRepository,
)

if TYPE_CHECKING:
    from bot.services.app import Trackside


async def set_alerts(
    app: Trackside,
    actor: Actor,
    channel_id: int,
    *,
    scopes: str | None = None,
    events: str | None = None,
    sex: str | None = None,
) -> Subscription:
    guild_id = _need_server(actor)
    scope_codes = tuple(dict.fromkeys(app.scope(s).scope.alert_code for s in _split_list(scopes)))
    event_keys = tuple(dict.fromkeys(app.event(e).key for e in _split_list(events)))
    sex_value = None
    if sex:
        try:
            sex_value = Sex.parse(sex)
        except ValueError as exc:
            raise InvalidInputError(str(exc)) from None
    subscription = Subscription(guild_id, channel_id, scope_codes, event_keys, sex_value)
    details = {
        "scopes": scope_codes,
        "events": event_keys,
        "sex": sex_value.value if sex_value else None,
    }
    async with app.db.transaction(short=True) as conn:
        await SubscriptionRepository.upsert(conn, subscription, actor.user_id)
        await audit(conn, actor, "alerts.set", f"channel {channel_id}", details)
        await write_log.note(app.db.notes, conn, (), settings=True)
    return subscription


async def alerts_off(app: Trackside, actor: Actor) -> bool:
    guild_id = _need_server(actor)
    async with app.db.transaction(short=True) as conn:
        removed = await SubscriptionRepository.delete(conn, guild_id)
        # Undelivered announcements for this server go with the subscription.
        await OutboxRepository.drop_pending_for_guild(conn, guild_id, "alerts turned off")
        await audit(conn, actor, "alerts.off", f"guild {guild_id}", {})
        await write_log.note(app.db.notes, conn, (), settings=True)
    return removed


async def subscription(app: Trackside, guild_id: int) -> Subscription | None:
    return await SubscriptionRepository.get(app.db.reader, guild_id)


async def set_moderator_role(app: Trackside, actor: Actor, role_id: int | None) -> None:
    # Without a server, guild_id NULL in an INTEGER PRIMARY KEY would get a made-up id.
    guild_id = _need_server(actor)
    async with app.db.transaction(short=True) as conn:
        await GuildSettingsRepository.set_moderator_role(conn, guild_id, role_id, actor.user_id)
        details = {"role_id": role_id}
        await audit(conn, actor, "moderator_role.set", f"guild {guild_id}", details)
        await write_log.note(app.db.notes, conn, (), settings=True)
    app.moderator_roles[guild_id] = role_id  # the cache, after the commit


async def audit_log(app: Trackside, limit: int = 50) -> list[AuditRow]:
    return await AuditRepository.latest(app.db.reader, limit)


def _need_server(actor: Actor) -> int:
    if actor.guild_id is None:
        raise InvalidInputError("Alerts and moderator roles are set in a server.")
    return actor.guild_id


def _split_list(text: str | None) -> list[str]:
    return [part.strip() for part in re.split(r"[,;]", text or "") if part.strip()]
