"""Repositories for announcements: subscriptions, the outbox and its deliveries, the audit
log and per-server settings. Writes take the connection of an open transaction."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.domain.announcements import Announcement
from bot.domain.events import Sex
from bot.store.connection import Connection, Reader, Row, new_id
from bot.store.dialect import lock_rows

_NOW = "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"


def utc_stamp(moment: datetime) -> str:
    """Timestamps as SQLite writes them with strftime('%Y-%m-%dT%H:%M:%fZ'): sortable text."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass(frozen=True)
class Subscription:
    guild_id: int
    channel_id: int
    scopes: tuple[str, ...]
    events: tuple[str, ...]
    sex: Sex | None
    problem: str | None = None
    problem_at: str | None = None

    def matches(self, announcement: Announcement, sex: Sex | None) -> bool:
        """Filters are ANDed; an empty filter lets everything through."""
        if self.scopes:
            wanted = {s.casefold() for s in self.scopes}
            if not wanted & {s.casefold() for s in announcement.scope_codes}:
                return False
        if self.events and not set(self.events) & set(announcement.event_keys):
            return False
        return not (self.sex and sex and self.sex is not sex)


@dataclass(frozen=True)
class Delivery:
    announcement_id: int
    channel_id: int
    guild_id: int
    attempts: int
    announcement: Announcement


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: str
    actor_id: int | None
    guild_id: int | None
    action: str
    target: str
    details: dict = field(default_factory=dict)


def _subscription(row: Row) -> Subscription:
    return Subscription(
        guild_id=row[0],
        channel_id=row[1],
        scopes=tuple(json.loads(row[2] or "[]")),
        events=tuple(json.loads(row[3] or "[]")),
        sex=Sex(row[4]) if row[4] else None,
        problem=row[5],
        problem_at=row[6],
    )


_SUBSCRIPTION_COLUMNS = "guild_id, channel_id, scopes, events, sex, problem, problem_at"


class SubscriptionRepository:
    @staticmethod
    async def all(conn: Connection) -> list[Subscription]:
        rows = await conn.execute_fetchall(f"SELECT {_SUBSCRIPTION_COLUMNS} FROM subscriptions")
        return [_subscription(row) for row in rows]

    @staticmethod
    async def get(conn: Reader, guild_id: int) -> Subscription | None:
        rows = list(
            await conn.execute_fetchall(
                f"SELECT {_SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE guild_id = ?", (guild_id,)
            )
        )
        return _subscription(rows[0]) if rows else None

    @staticmethod
    async def upsert(conn: Connection, sub: Subscription, created_by: int | None) -> None:
        await conn.execute(
            "INSERT INTO subscriptions (guild_id, channel_id, scopes, events, sex, created_by) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id) DO UPDATE SET "
            "channel_id = excluded.channel_id, scopes = excluded.scopes, "
            "events = excluded.events, sex = excluded.sex, problem = NULL, problem_at = NULL, "
            f"updated_at = {_NOW}",
            (
                sub.guild_id,
                sub.channel_id,
                json.dumps(sub.scopes),
                json.dumps(sub.events),
                sub.sex.value if sub.sex else None,
                created_by,
            ),
        )

    @staticmethod
    async def delete(conn: Connection, guild_id: int) -> bool:
        cursor = await conn.execute("DELETE FROM subscriptions WHERE guild_id = ?", (guild_id,))
        return cursor.rowcount > 0

    @staticmethod
    async def report_problem(
        conn: Connection, guild_id: int, channel_id: int, problem: str
    ) -> None:
        """Note a delivery problem on the server's subscription, if it still points at the
        channel that had it (a server that has moved its alerts is not told about the old
        channel)."""
        await conn.execute(
            f"UPDATE subscriptions SET problem = ?, problem_at = {_NOW} "
            "WHERE guild_id = ? AND channel_id = ?",
            (problem, guild_id, channel_id),
        )


# The oldest pending delivery of each channel, as `d`: a channel gets its announcements in
# the order they were made (a correction never before its record). The pending rows are
# few however many delivered ones the table holds: each pending row is checked against its
# channel's oldest with one probe of the partial index deliveries_pending_by_channel
# (migration 0011). (A join to the pending rows grouped by channel, as before, let
# PostgreSQL's planner hash the whole table once it held many deliveries.)
_CHANNEL_HEADS = "deliveries d"
_IS_HEAD = (
    "d.status = 'pending' AND d.announcement_id = (SELECT min(p.announcement_id) "
    "FROM deliveries p WHERE p.channel_id = d.channel_id AND p.status = 'pending')"
)


def _not_in_channels(channel_ids: Collection[int]) -> tuple[str, list[int]]:
    ids = sorted(set(channel_ids))
    if not ids:
        return "", []
    return f" AND d.channel_id NOT IN ({', '.join('?' * len(ids))})", ids


class OutboxRepository:
    @staticmethod
    async def add(
        conn: Connection,
        announcement: Announcement,
        sex: Sex | None,
        channels: Iterable[tuple[int, int]],
    ) -> int:
        """Queue an announcement and one delivery per (guild id, channel id)."""
        cursor = await conn.execute(
            "INSERT INTO announcements (kind, result_id, payload, scopes, events, sex) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                announcement.kind,
                announcement.result_id,
                announcement.to_json(),
                json.dumps(announcement.scope_codes),
                json.dumps(announcement.event_keys),
                sex.value if sex else None,
            ),
        )
        announcement_id = new_id(cursor)
        deliveries = [(announcement_id, channel_id, guild_id) for guild_id, channel_id in channels]
        if deliveries:  # no subscribed channel: no round trip for nothing
            await conn.executemany(
                "INSERT INTO deliveries (announcement_id, channel_id, guild_id) VALUES (?, ?, ?)",
                deliveries,
            )
        return announcement_id

    @staticmethod
    async def due(conn: Connection, now: datetime, limit: int = 20) -> list[Delivery]:
        """Every pending delivery due by `now`, oldest announcement first."""
        return await OutboxRepository._deliveries(
            conn, "deliveries d", "d.status = 'pending' AND d.next_attempt_at <= ?",
            [utc_stamp(now)], limit,
        )  # fmt: skip

    @staticmethod
    async def due_per_channel(
        conn: Reader, now: datetime, limit: int = 20, busy: Collection[int] = ()
    ) -> list[Delivery]:
        """At most one delivery per channel: its oldest pending one, if that is due by
        `now`. Channels in `busy` (being posted to) are left out."""
        skip, skip_args = _not_in_channels(busy)
        return await OutboxRepository._deliveries(
            conn, _CHANNEL_HEADS, f"{_IS_HEAD} AND d.next_attempt_at <= ?{skip}",
            [utc_stamp(now), *skip_args], limit,
        )  # fmt: skip

    @staticmethod
    async def claim(
        conn: Connection,
        now: datetime,
        lease: timedelta,
        limit: int = 20,
        busy: Collection[int] = (),
    ) -> list[Delivery]:
        """Claim for this process what `due_per_channel` gives, inside the caller's write
        transaction: each claimed delivery's next attempt moves to `now + lease`, so no
        other process takes it while this one posts. Posting records the outcome (delivered,
        or a retry time that replaces the lease); a process that dies mid-post leaves the
        lease to expire, and then any process claims the delivery again and posts it with
        the same nonce (bot/services/delivery.py), so the channel still gets one message.
        PostgreSQL also locks the claimed rows (FOR UPDATE SKIP LOCKED)."""
        skip, skip_args = _not_in_channels(busy)
        claimed = await OutboxRepository._deliveries(
            conn, _CHANNEL_HEADS, f"{_IS_HEAD} AND d.next_attempt_at <= ?{skip}",
            [utc_stamp(now), *skip_args], limit, lock_rows(conn, "d"),
        )  # fmt: skip
        await conn.executemany(
            "UPDATE deliveries SET next_attempt_at = ? "
            "WHERE announcement_id = ? AND channel_id = ? AND status = 'pending'",
            [(utc_stamp(now + lease), d.announcement_id, d.channel_id) for d in claimed],
        )
        return claimed

    @staticmethod
    async def extend_leases(
        conn: Connection, leases: Iterable[tuple[int, int, datetime, datetime]]
    ) -> set[tuple[int, int]]:
        """Move each (announcement id, channel id, lease held, new lease) still pending and
        still under the lease this process wrote to the new one, inside the caller's write
        transaction; returns the (announcement id, channel id) extended. A lease another
        process has written since (this one's expired and was claimed) is left alone."""
        extended = set()
        for announcement_id, channel_id, held, until in leases:
            cursor = await conn.execute(
                "UPDATE deliveries SET next_attempt_at = ? WHERE announcement_id = ? "
                "AND channel_id = ? AND status = 'pending' AND next_attempt_at = ?",
                (utc_stamp(until), announcement_id, channel_id, utc_stamp(held)),
            )
            if cursor.rowcount > 0:
                extended.add((announcement_id, channel_id))
        return extended

    @staticmethod
    async def _deliveries(
        conn: Reader,
        source: str,
        where: str,
        args: list,
        limit: int,
        locking: str = "",
    ) -> list[Delivery]:
        rows = await conn.execute_fetchall(
            "SELECT d.announcement_id, d.channel_id, d.guild_id, d.attempts, a.payload "
            f"FROM {source} JOIN announcements a ON a.id = d.announcement_id WHERE {where} "
            f"ORDER BY d.announcement_id, d.channel_id LIMIT ?{locking}",
            (*args, limit),
        )
        return [
            Delivery(row[0], row[1], row[2], row[3], Announcement.from_json(row[4])) for row in rows
        ]

    @staticmethod
    async def next_due(conn: Reader, busy: Collection[int] = ()) -> datetime | None:
        """When the next delivery `due_per_channel` would give falls due (None: none)."""
        skip, skip_args = _not_in_channels(busy)
        rows = list(
            await conn.execute_fetchall(
                f"SELECT min(d.next_attempt_at) FROM {_CHANNEL_HEADS} WHERE {_IS_HEAD}{skip}",
                skip_args,
            )
        )
        if not rows or rows[0][0] is None:
            return None
        return datetime.fromisoformat(rows[0][0].replace("Z", "+00:00"))

    @staticmethod
    async def delivered(
        conn: Connection, announcement_id: int, channel_id: int, message_id: int
    ) -> None:
        await OutboxRepository.delivered_all(conn, [(announcement_id, channel_id, message_id)])

    @staticmethod
    async def delivered_all(conn: Connection, posts: Iterable[tuple[int, int, int]]) -> None:
        """Record each (announcement id, channel id, message id) as delivered."""
        await conn.executemany(
            f"UPDATE deliveries SET status = 'delivered', message_id = ?, delivered_at = {_NOW}, "
            "attempts = attempts + 1, last_error = NULL "
            "WHERE announcement_id = ? AND channel_id = ?",
            [(message, announcement, channel) for announcement, channel, message in posts],
        )

    @staticmethod
    async def retry(
        conn: Connection,
        announcement_id: int,
        channel_id: int,
        error: str,
        delay: timedelta,
        now: datetime,
    ) -> None:
        await conn.execute(
            "UPDATE deliveries SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? "
            "WHERE announcement_id = ? AND channel_id = ?",
            (error[:500], utc_stamp(now + delay), announcement_id, channel_id),
        )

    @staticmethod
    async def failed(conn: Connection, announcement_id: int, channel_id: int, error: str) -> None:
        await conn.execute(
            "UPDATE deliveries SET status = 'failed', attempts = attempts + 1, last_error = ? "
            "WHERE announcement_id = ? AND channel_id = ?",
            (error[:500], announcement_id, channel_id),
        )

    @staticmethod
    async def drop_pending_for_guild(conn: Connection, guild_id: int, why: str) -> None:
        await conn.execute(
            "UPDATE deliveries SET status = 'failed', last_error = ? "
            "WHERE guild_id = ? AND status = 'pending'",
            (why, guild_id),
        )

    @staticmethod
    async def counts(conn: Reader) -> dict[str, int]:
        rows = await conn.execute_fetchall(
            "SELECT status, count(*) FROM deliveries GROUP BY status"
        )
        return {row[0]: row[1] for row in rows}


class AuditRepository:
    @staticmethod
    async def add(
        conn: Connection,
        actor_id: int | None,
        guild_id: int | None,
        action: str,
        target: str,
        details: dict,
    ) -> None:
        await conn.execute(
            "INSERT INTO audit_log (actor_id, guild_id, action, target, details) "
            "VALUES (?, ?, ?, ?, ?)",
            (actor_id, guild_id, action, target, json.dumps(details, ensure_ascii=False)),
        )

    @staticmethod
    async def latest(conn: Reader, limit: int) -> list[AuditRow]:
        rows = await conn.execute_fetchall(
            "SELECT id, at, actor_id, guild_id, action, target, details FROM audit_log "
            "ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [
            AuditRow(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6] or "{}")) for r in rows
        ]


class GuildSettingsRepository:
    @staticmethod
    async def moderator_roles(conn: Reader) -> dict[int, int | None]:
        rows = await conn.execute_fetchall("SELECT guild_id, moderator_role_id FROM guild_settings")
        return {row[0]: row[1] for row in rows}

    @staticmethod
    async def set_moderator_role(
        conn: Connection, guild_id: int, role_id: int | None, by: int | None
    ) -> None:
        await conn.execute(
            "INSERT INTO guild_settings (guild_id, moderator_role_id, updated_by) "
            "VALUES (?, ?, ?) ON CONFLICT (guild_id) DO UPDATE SET "
            "moderator_role_id = excluded.moderator_role_id, "
            f"updated_by = excluded.updated_by, updated_at = {_NOW}",
            (guild_id, role_id, by),
        )
