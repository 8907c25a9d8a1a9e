"""A small fake Discord (REST API v10 + gateway websocket) for end-to-end bot tests.

Everything binds and talks to 127.0.0.1 only. A discord.py 2.7 bot (in-process, or a
subprocess started through ``tests/e2e/launch.py``) logs in, connects to the gateway,
syncs its application commands and answers interactions exactly as it would against
Discord; the fake records what it did and checks it against Discord's limits.

Typical use::

    async with FakeDiscord() as fake:
        fake.redirect_discord()              # in-process bots only
        ...start the bot, await fake.wait_ready()...
        rec = await fake.slash("ping")
        cb = await rec.response()
        assert cb.content == "pong"
        fake.assert_clean()

See ``tests/e2e/test_fake_discord.py`` for worked examples and TESTING.md for the
discord.py facts the fake is built on.

Public API (all on ``FakeDiscord``; waits raise TimeoutError with diagnostics):

- lifecycle: ``await start()`` / ``await close()`` / ``async with``; ``api_base``,
  ``gateway_url``, ``env()`` (variables for launch.py), ``redirect_discord()`` /
  ``restore_discord()`` (in-process bots), ``snowflake()``.
- world: ``application_id``, ``bot_user``, ``guild``/``guild_id``, ``channel``/
  ``channel_id``, ``owner`` (Admin, guild + application owner), ``member`` (ordinary);
  ``add_guild()``, ``add_channel()``, ``add_role()``, ``add_member()``, ``add_user()``,
  ``get_guild()``, ``get_channel()``. Members carry ``permissions`` (a decimal string).
- driving the bot: ``await slash(name, options, user=, guild_id=, channel_id=,
  subcommand=, group=)``, ``await autocomplete(name, options, focused=)`` -> choices,
  ``await click(message, custom_id, user=)``, ``await select(message, custom_id,
  values)``, ``await submit_modal(record, values)``, ``dispatch(event, data)``.
  Interaction helpers return an :class:`InteractionRecord`: ``await rec.response()``,
  ``await rec.followups(n)``, ``rec.original``, ``await rec.wait_original(pred)``,
  ``rec.sent_at`` / ``rec.responded_at`` (``time.perf_counter``).
- what happened: ``requests``, ``synced_commands`` ({None or guild id: [commands]}),
  ``messages`` (id -> live message dict), ``channel_messages[channel_id]`` (bot sends via
  ``POST /channels/{id}/messages``), ``attachment_bytes(att)``, ``violations``,
  ``unhandled``, ``assert_clean()``, ``await wait_channel_message()``,
  ``await wait_synced()``, ``await wait_for(predicate)``.
- gateway: ``ready`` (asyncio.Event: some session is connected), ``await
  wait_ready(timeout, identified=n)``, ``identify_count``, ``resume_count``,
  ``connection``, ``await disconnect(code, shard_id=)``, ``send_reconnect(shard_id=)``,
  ``invalidate_session(shard_id=)``.
- shards: ``recommended_shards`` (what ``GET /gateway/bot`` answers; 1 by default),
  ``sessions`` (shard id -> session), ``shard_of(guild_id)``, ``session_for(guild_id)``,
  ``await wait_shards(ids, count)``. Each IDENTIFY with ``shard: [id, count]`` gets READY
  and GUILD_CREATEs only for its guilds (``(guild_id >> 22) % count == id``); events about
  a guild go to the session that owns it; ``await disconnect(shard_id=1)`` drops one
  shard while the others stay. Interaction records say which session got them
  (``rec.shard_id``, ``rec.session_id``).
- faults: ``fail_next(method, path_regex, status, times=1, retry_after=0.1, apply=,
  delay=)``; ``ack_deadline`` (3 s), ``token`` (enforce a bot token).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import enum
import ipaddress
import json
import mimetypes
import re
import secrets
import socket
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import discord
import discord.gateway
import discord.http
import yarl
from aiohttp import WSMsgType, web

__all__ = [
    "CallbackRecord",
    "CallbackType",
    "Choices",
    "FakeChannel",
    "FakeDiscord",
    "FakeFile",
    "FakeGuild",
    "FakeMember",
    "FakeRole",
    "FakeUser",
    "FaultRule",
    "InteractionRecord",
    "InteractionType",
    "MessageFlag",
    "RequestRecord",
    "StoredAttachment",
    "UploadedFile",
    "Violation",
]

API_VERSION = 10
API_PREFIX = f"/api/v{API_VERSION}"
DISCORD_EPOCH_MS = 1_420_070_400_000
JSON = "application/json"


class InteractionType(enum.IntEnum):
    PING = 1
    APPLICATION_COMMAND = 2
    MESSAGE_COMPONENT = 3
    AUTOCOMPLETE = 4
    MODAL_SUBMIT = 5


class CallbackType(enum.IntEnum):
    PONG = 1
    CHANNEL_MESSAGE = 4
    DEFERRED_CHANNEL_MESSAGE = 5
    DEFERRED_UPDATE_MESSAGE = 6
    UPDATE_MESSAGE = 7
    AUTOCOMPLETE_RESULT = 8
    MODAL = 9
    LAUNCH_ACTIVITY = 12


class MessageFlag(enum.IntFlag):
    SUPPRESS_EMBEDS = 1 << 2
    EPHEMERAL = 1 << 6
    LOADING = 1 << 7
    SUPPRESS_NOTIFICATIONS = 1 << 12
    IS_COMPONENTS_V2 = 1 << 15


_VALID_CALLBACKS: dict[int, set[int]] = {
    InteractionType.APPLICATION_COMMAND: {4, 5, 9, 12},
    InteractionType.MESSAGE_COMPONENT: {4, 5, 6, 7, 9, 12},
    InteractionType.AUTOCOMPLETE: {8},
    InteractionType.MODAL_SUBMIT: {4, 5, 6, 7},
}

# Flags a bot may set when creating a message; anything else is ignored by Discord.
_CREATE_FLAGS = (
    MessageFlag.SUPPRESS_EMBEDS | MessageFlag.SUPPRESS_NOTIFICATIONS | MessageFlag.IS_COMPONENTS_V2
)
_INTERACTION_CREATE_FLAGS = _CREATE_FLAGS | MessageFlag.EPHEMERAL

ALL_PERMISSIONS = discord.Permissions.all().value
ADMINISTRATOR = discord.Permissions(administrator=True).value
SEND_MESSAGES = discord.Permissions(send_messages=True).value
DEFAULT_EVERYONE_PERMISSIONS = discord.Permissions(
    create_instant_invite=True,
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    create_public_threads=True,
    embed_links=True,
    attach_files=True,
    add_reactions=True,
    use_external_emojis=True,
    read_message_history=True,
    use_application_commands=True,
    connect=True,
    speak=True,
    change_nickname=True,
).value
DEFAULT_BOT_ROLE_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    embed_links=True,
    attach_files=True,
    read_message_history=True,
    add_reactions=True,
    use_external_emojis=True,
).value

INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_MESSAGES = 1 << 9

_SELECT_TYPES = {3, 5, 6, 7, 8}


def _is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _require_loopback(url: str) -> str:
    host = urlsplit(str(url)).hostname
    if not _is_loopback_host(host):
        raise AssertionError(f"fake Discord refuses non-loopback URL {url!r}")
    return str(url)


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


def _sid(value: Any) -> str | None:
    return None if value is None else str(value)


# ----------------------------------------------------------------------------------------
# The world: users, guilds, roles, channels, members
# ----------------------------------------------------------------------------------------


@dataclass(eq=False)
class FakeUser:
    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    avatar: str | None = None

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": self.avatar,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
            "public_flags": 0,
            "flags": 0,
        }
        if self.bot:
            data["bot"] = True
        return data


@dataclass(eq=False)
class FakeRole:
    id: int
    guild_id: int
    name: str
    permissions: int = 0
    position: int = 0
    color: int = 0
    managed: bool = False
    hoist: bool = False
    mentionable: bool = False

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "color": self.color,
            "colors": {
                "primary_color": self.color,
                "secondary_color": None,
                "tertiary_color": None,
            },
            "hoist": self.hoist,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": self.mentionable,
            "flags": 0,
        }


@dataclass(eq=False)
class FakeChannel:
    id: int
    guild_id: int
    name: str
    type: int = 0  # 0 text, 2 voice, 4 category, 5 announcement, 15 forum
    position: int = 0
    topic: str | None = None
    parent_id: int | None = None
    nsfw: bool = False
    #: If set, the bot's permissions in this channel (an int of permission bits); e.g. 0
    #: makes ``POST /channels/{id}/messages`` answer 403 Missing Permissions.
    bot_permissions: int | None = None

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    def payload(self, *, with_guild_id: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "name": self.name,
            "position": self.position,
            "parent_id": _sid(self.parent_id),
            "permission_overwrites": [],
            "flags": 0,
        }
        if self.type in (0, 5, 15):
            data.update(
                topic=self.topic,
                nsfw=self.nsfw,
                rate_limit_per_user=0,
                last_message_id=None,
                default_auto_archive_duration=1440,
            )
        if self.type == 2:
            data.update(bitrate=64000, user_limit=0, rtc_region=None, nsfw=False)
        if with_guild_id:
            data["guild_id"] = str(self.guild_id)
        return data


@dataclass(eq=False)
class FakeMember:
    user: FakeUser
    guild_id: int
    roles: list[int]
    #: Total permission bits as Discord sends them in interactions (a decimal string).
    permissions: str
    joined_at: str = field(default_factory=_now_iso)
    nick: str | None = None

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def username(self) -> str:
        return self.user.username

    @property
    def mention(self) -> str:
        return f"<@{self.user.id}>"

    def payload(self, *, with_user: bool = True, with_permissions: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "roles": [str(r) for r in self.roles],
            "joined_at": self.joined_at,
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.user.payload()
        if with_permissions:
            data["permissions"] = self.permissions
        return data


@dataclass(eq=False)
class FakeGuild:
    id: int
    name: str
    owner_id: int
    preferred_locale: str = "en-US"
    joined_at: str = field(default_factory=_now_iso)
    channels: dict[int, FakeChannel] = field(default_factory=dict)
    roles: dict[int, FakeRole] = field(default_factory=dict)
    members: dict[int, FakeMember] = field(default_factory=dict)
    # Handy references filled in by FakeDiscord.add_guild().
    owner: FakeMember | None = None
    member: FakeMember | None = None
    bot_member: FakeMember | None = None
    default_channel: FakeChannel | None = None
    admin_role: FakeRole | None = None
    member_role: FakeRole | None = None
    bot_role: FakeRole | None = None

    @property
    def everyone_role(self) -> FakeRole:
        return self.roles[self.id]

    def compute_permissions(self, member: FakeMember) -> int:
        """Permission bits from roles (guild owner and administrators get everything)."""
        if member.user.id == self.owner_id:
            return ALL_PERMISSIONS
        perms = self.everyone_role.permissions
        for role_id in member.roles:
            role = self.roles.get(role_id)
            if role is not None:
                perms |= role.permissions
        if perms & ADMINISTRATOR:
            return ALL_PERMISSIONS
        return perms

    def find_member(self, name: str) -> FakeMember | None:
        for m in self.members.values():
            if name in (m.user.username, m.user.global_name, m.nick):
                return m
        return None

    def find_role(self, name: str) -> FakeRole | None:
        for r in self.roles.values():
            if r.name == name:
                return r
        return None

    def payload(self) -> dict[str, Any]:
        """The GUILD_CREATE payload (what discord.py's state needs, and then some)."""
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": self.preferred_locale,
            "system_channel_id": _sid(self.default_channel.id if self.default_channel else None),
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "features": [],
            "max_members": 500000,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "application_id": None,
            "unavailable": False,
            "lazy": True,
            "large": False,
            "joined_at": self.joined_at,
            "member_count": len(self.members),
            "roles": [r.payload() for r in self.roles.values()],
            "emojis": [],
            "stickers": [],
            "channels": [c.payload(with_guild_id=False) for c in self.channels.values()],
            "threads": [],
            "members": [m.payload() for m in self.members.values()],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "embedded_activities": [],
            "incidents_data": None,
        }


# ----------------------------------------------------------------------------------------
# Records
# ----------------------------------------------------------------------------------------


@dataclass
class FakeFile:
    """A file a test user attaches to an attachment option of a slash command."""

    filename: str
    data: bytes
    content_type: str | None = None
    description: str | None = None


@dataclass
class UploadedFile:
    """A ``files[n]`` part of a multipart request from the bot."""

    field: str
    filename: str
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class StoredAttachment:
    id: int
    channel_id: int
    filename: str
    content_type: str
    data: bytes
    description: str | None = None
    upload_content_type: str | None = None

    @property
    def size(self) -> int:
        return len(self.data)

    def payload(self, base_url: str) -> dict[str, Any]:
        url = f"{base_url}/attachments/{self.channel_id}/{self.id}/{self.filename}"
        data: dict[str, Any] = {
            "id": str(self.id),
            "filename": self.filename,
            "size": self.size,
            "url": url,
            "proxy_url": url,
            "content_type": self.content_type,
        }
        if self.description is not None:
            data["description"] = self.description
        return data


@dataclass
class RequestRecord:
    method: str
    path: str  # relative to /api/v10 for API calls
    query: dict[str, str]
    json: Any
    files: list[UploadedFile]
    at: float
    status: int | None = None
    fault: bool = False

    def __repr__(self) -> str:
        return f"<{self.method} {self.path} -> {self.status}{' (injected)' if self.fault else ''}>"


@dataclass
class Violation:
    """Something the bot did that Discord would refuse (answered with an error)."""

    kind: str
    message: str
    method: str = ""
    path: str = ""
    status: int = 400
    code: int = 0
    interaction_id: int | None = None
    details: Any = None

    def __str__(self) -> str:
        where = f" [{self.method} {self.path}]" if self.method else ""
        return f"{self.kind}: {self.message}{where}"


@dataclass
class CallbackRecord:
    """One ``POST /interactions/{id}/{token}/callback`` (accepted or not)."""

    type: int
    data: dict[str, Any]
    files: list[UploadedFile]
    at: float
    status: int = 200
    error: dict[str, Any] | None = None

    @property
    def accepted(self) -> bool:
        return 200 <= self.status < 300

    @property
    def content(self) -> str | None:
        return self.data.get("content")

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return list(self.data.get("embeds") or [])

    @property
    def components(self) -> list[dict[str, Any]]:
        return list(self.data.get("components") or [])

    @property
    def flags(self) -> int:
        return int(self.data.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & MessageFlag.EPHEMERAL)

    @property
    def choices(self) -> list[dict[str, Any]]:
        return list(self.data.get("choices") or [])


class Choices(list):
    """The autocomplete choices the bot answered; ``.record`` is the interaction."""

    record: InteractionRecord

    @property
    def names(self) -> list[str]:
        return [c.get("name") for c in self]

    @property
    def values(self) -> list[Any]:
        return [c.get("value") for c in self]


@dataclass
class FaultRule:
    """An injected failure for requests matching ``method`` and ``path_regex``."""

    method: str
    pattern: re.Pattern[str]
    status: int | None
    times: int
    retry_after: float = 0.1
    apply: bool = False
    delay: float = 0.0
    body: Any = None
    hits: list[RequestRecord] = field(default_factory=list)

    @property
    def remaining(self) -> int:
        return self.times - len(self.hits)

    def matches(self, method: str, path: str) -> bool:
        return (
            self.remaining > 0
            and self.method in ("*", method)
            and self.pattern.search(path) is not None
        )


class InteractionRecord:
    """One INTERACTION_CREATE sent to the bot, and everything the bot did about it."""

    def __init__(
        self,
        fake: FakeDiscord,
        payload: dict[str, Any],
        *,
        name: str,
        member: FakeMember,
        message_id: int | None = None,
    ) -> None:
        self.fake = fake
        self.payload = payload
        self.id = int(payload["id"])
        self.token: str = payload["token"]
        self.type = InteractionType(payload["type"])
        self.name = name
        self.user = member
        self.guild_id = int(payload["guild_id"])
        self.channel_id = int(payload["channel_id"])
        self.message_id = message_id  # the message a component/modal came from
        self.created_at = time.perf_counter()
        self.sent_at: float | None = None
        self.responded_at: float | None = None
        self.attempts: list[CallbackRecord] = []
        self.callbacks: list[CallbackRecord] = []
        self.acknowledged = False
        self.expired = False
        self.original_id: int | None = None
        self.loading = False
        self.followup_ids: list[int] = []
        self.choices: list[dict[str, Any]] | None = None
        self.modal: dict[str, Any] | None = None
        self.seq: int | None = None
        #: The gateway session (shard) the event was routed to: only it could answer.
        self.shard_id: int | None = None
        self.session_id: str | None = None

    def __repr__(self) -> str:
        return (
            f"<InteractionRecord {self.type.name} {self.name!r} id={self.id} "
            f"acknowledged={self.acknowledged} original={self.original_id} "
            f"followups={len(self.followup_ids)}>"
        )

    @property
    def callback(self) -> CallbackRecord | None:
        """The accepted initial response, if any."""
        return self.callbacks[0] if self.callbacks else None

    @property
    def ack_latency(self) -> float | None:
        if self.sent_at is None or self.responded_at is None:
            return None
        return self.responded_at - self.sent_at

    @property
    def original(self) -> dict[str, Any] | None:
        """The original response message in its current state (live dict), if any."""
        if self.original_id is None:
            return None
        return self.fake.messages.get(self.original_id)

    @property
    def followup_messages(self) -> list[dict[str, Any]]:
        return [self.fake.messages[m] for m in self.followup_ids if m in self.fake.messages]

    async def response(self, timeout: float = 5.0) -> CallbackRecord:  # noqa: ASYNC109
        """The first callback. Raises AssertionError if the fake rejected it."""

        def check() -> CallbackRecord | None:
            if self.callbacks:
                return self.callbacks[0]
            if self.attempts:
                bad = self.attempts[0]
                raise AssertionError(
                    f"the bot's callback for {self!r} was rejected with HTTP {bad.status}: "
                    f"{bad.error}"
                )
            return None

        return await self.fake.wait_for(check, timeout, f"a response to {self!r}")

    async def followups(self, n: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:  # noqa: ASYNC109
        """Wait for ``n`` followup messages (``POST /webhooks/{app}/{token}``).

        After a "thinking" defer the first followup edits the original response, so it is
        both ``rec.original`` and ``rec.followups()[0]``.
        """
        await self.fake.wait_for(
            lambda: len(self.followup_ids) >= n, timeout, f"{n} followup(s) to {self!r}"
        )
        return self.followup_messages[:n]

    async def wait_original(
        self,
        predicate: Callable[[dict[str, Any]], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> dict[str, Any]:
        """Wait until the original response exists (and satisfies ``predicate``)."""

        def check() -> dict[str, Any] | None:
            msg = self.original
            if msg is not None and (predicate is None or predicate(msg)):
                return msg
            return None

        return await self.fake.wait_for(check, timeout, f"the original response of {self!r}")


@dataclass(eq=False)
class _Session:
    id: str
    intents: int = 0
    seq: int = 0
    buffer: list[tuple[dict[str, Any], Callable[[], None] | None]] = field(default_factory=list)
    invalidated: bool = False
    shard_id: int = 0
    shard_count: int = 1
    #: The connection that currently receives this session's dispatches (None: dropped).
    conn: GatewayConnection | None = None

    def owns(self, guild_id: int) -> bool:
        return (guild_id >> 22) % self.shard_count == self.shard_id

    @property
    def live(self) -> bool:
        return not self.invalidated and self.conn is not None and not self.conn.closed


@dataclass(eq=False)
class GatewayConnection:
    """One websocket connection from a bot."""

    ws: web.WebSocketResponse
    query: dict[str, str]
    opened_at: float
    queue: asyncio.Queue[tuple[dict[str, Any], Callable[[], None] | None]] = field(
        default_factory=asyncio.Queue
    )
    session: _Session | None = None
    identify: dict[str, Any] | None = None
    resumed: bool = False
    closed: bool = False
    close_code: int | None = None
    heartbeats: int = 0
    received: list[dict[str, Any]] = field(default_factory=list)
    writer: asyncio.Task[None] | None = None


@dataclass
class _Req:
    method: str
    path: str
    params: dict[str, str]
    query: Mapping[str, str]
    json: Any
    files: list[UploadedFile]
    headers: Mapping[str, str]
    record: RequestRecord

    @property
    def body(self) -> dict[str, Any]:
        return self.json if isinstance(self.json, dict) else {}


class _HTTPError(Exception):
    def __init__(self, response: web.Response) -> None:
        super().__init__(response.status)
        self.response = response


# ----------------------------------------------------------------------------------------
# Validation of what Discord validates
# ----------------------------------------------------------------------------------------

_Err = tuple[str, str, str]  # (path, code, message)


def _max_len(errs: list[_Err], path: str, value: Any, limit: int, minimum: int = 0) -> None:
    if value is None:
        if minimum:
            errs.append((path, "BASE_TYPE_REQUIRED", "This field is required"))
        return
    n = len(str(value))
    if n > limit:
        errs.append((path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length."))
    elif n < minimum:
        errs.append((path, "BASE_TYPE_MIN_LENGTH", f"Must be {minimum} or more in length."))


def _embed_size(embed: Mapping[str, Any]) -> int:
    total = len(str(embed.get("title") or "")) + len(str(embed.get("description") or ""))
    for f in embed.get("fields") or []:
        total += len(str(f.get("name") or "")) + len(str(f.get("value") or ""))
    total += len(str((embed.get("footer") or {}).get("text") or ""))
    total += len(str((embed.get("author") or {}).get("name") or ""))
    return total


def _walk_components(components: Iterable[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    for c in components or []:
        yield c
        if isinstance(c.get("components"), list):
            yield from _walk_components(c["components"])
        if isinstance(c.get("component"), Mapping):
            yield from _walk_components([c["component"]])
        if isinstance(c.get("accessory"), Mapping):
            yield from _walk_components([c["accessory"]])


def validate_message_body(body: Mapping[str, Any], prefix: str = "") -> list[_Err]:
    """Check a message create/edit body against Discord's limits."""
    errs: list[_Err] = []
    _max_len(errs, prefix + "content", body.get("content"), 2000)
    embeds = body.get("embeds") or []
    if len(embeds) > 10:
        errs.append((prefix + "embeds", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length."))
    total = 0
    for i, e in enumerate(embeds):
        p = f"{prefix}embeds.{i}."
        _max_len(errs, p + "title", e.get("title"), 256)
        _max_len(errs, p + "description", e.get("description"), 4096)
        fields = e.get("fields") or []
        if len(fields) > 25:
            errs.append((p + "fields", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."))
        for j, f in enumerate(fields):
            _max_len(errs, f"{p}fields.{j}.name", f.get("name"), 256, minimum=1)
            _max_len(errs, f"{p}fields.{j}.value", f.get("value"), 1024, minimum=1)
        _max_len(errs, p + "footer.text", (e.get("footer") or {}).get("text"), 2048)
        _max_len(errs, p + "author.name", (e.get("author") or {}).get("name"), 256)
        total += _embed_size(e)
    if total > 6000:
        errs.append(
            (
                prefix + "embeds",
                "MAX_EMBED_SIZE_EXCEEDED",
                "Embed size exceeds maximum size of 6000",
            )
        )
    components = body.get("components") or []
    v2 = bool(int(body.get("flags") or 0) & MessageFlag.IS_COMPONENTS_V2)
    if not v2 and len(components) > 5:
        errs.append(
            (prefix + "components", "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
        )
    seen: set[str] = set()
    for i, c in enumerate(_walk_components(components)):
        p = f"{prefix}components.{i}."
        cid = c.get("custom_id")
        if cid is not None:
            _max_len(errs, p + "custom_id", cid, 100, minimum=1)
            if cid in seen:
                errs.append(
                    (
                        p + "custom_id",
                        "COMPONENT_CUSTOM_ID_DUPLICATED",
                        "Component custom id cannot be duplicated",
                    )
                )
            seen.add(cid)
        if c.get("type") == 1 and len(c.get("components") or []) > 5:
            errs.append((p + "components", "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length."))
        if c.get("type") == 2:
            _max_len(errs, p + "label", c.get("label"), 80)
        if c.get("type") == 3 and len(c.get("options") or []) > 25:
            errs.append((p + "options", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."))
    if body.get("nonce") is not None:
        _max_len(errs, prefix + "nonce", body.get("nonce"), 25)
    return errs


def validate_choices(data: Mapping[str, Any], prefix: str = "data.") -> list[_Err]:
    errs: list[_Err] = []
    choices = data.get("choices")
    if choices is None:
        return [(prefix + "choices", "BASE_TYPE_REQUIRED", "This field is required")]
    if len(choices) > 25:
        errs.append((prefix + "choices", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."))
    for i, c in enumerate(choices):
        _max_len(errs, f"{prefix}choices.{i}.name", c.get("name"), 100, minimum=1)
        if isinstance(c.get("value"), str):
            _max_len(errs, f"{prefix}choices.{i}.value", c.get("value"), 100)
    return errs


def validate_modal(data: Mapping[str, Any], prefix: str = "data.") -> list[_Err]:
    errs: list[_Err] = []
    _max_len(errs, prefix + "custom_id", data.get("custom_id"), 100, minimum=1)
    _max_len(errs, prefix + "title", data.get("title"), 45, minimum=1)
    n = len(data.get("components") or [])
    if not 1 <= n <= 5:
        errs.append(
            (prefix + "components", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
        )
    return errs


_COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")


def _validate_options(errs: list[_Err], options: Sequence[Mapping[str, Any]], prefix: str) -> None:
    if len(options) > 25:
        errs.append((prefix, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."))
    seen_optional = False
    for i, o in enumerate(options):
        p = f"{prefix}.{i}."
        name = str(o.get("name") or "")
        if not _COMMAND_NAME.match(name) or name != name.lower():
            errs.append((p + "name", "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"))
        _max_len(errs, p + "description", o.get("description"), 100, minimum=1)
        if len(o.get("choices") or []) > 25:
            errs.append((p + "choices", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."))
        if o.get("type") in (1, 2):
            _validate_options(errs, o.get("options") or [], p + "options")
        elif o.get("required"):
            if seen_optional:
                errs.append(
                    (
                        p + "required",
                        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                        "Required options must be placed before non-required options",
                    )
                )
        else:
            seen_optional = True


def validate_commands(commands: Any) -> list[_Err]:
    if not isinstance(commands, list):
        return [("", "BASE_TYPE_ARRAY", "Must be an array")]
    errs: list[_Err] = []
    if len(commands) > 100:
        errs.append(("", "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length."))
    seen: set[tuple[int, str]] = set()
    for i, c in enumerate(commands):
        ctype = int(c.get("type", 1))
        name = str(c.get("name") or "")
        if (ctype, name) in seen:
            errs.append(
                (
                    f"{i}.name",
                    "APPLICATION_COMMANDS_DUPLICATE_NAME",
                    f"Application command names must be unique: {name}",
                )
            )
        seen.add((ctype, name))
        if ctype == 1:
            if not _COMMAND_NAME.match(name) or name != name.lower():
                errs.append(
                    (f"{i}.name", "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
                )
            _max_len(errs, f"{i}.description", c.get("description"), 100, minimum=1)
        else:
            _max_len(errs, f"{i}.name", name, 32, minimum=1)
        _validate_options(errs, c.get("options") or [], f"{i}.options")
    return errs


def form_errors(errs: Sequence[_Err]) -> dict[str, Any]:
    """Discord's "Invalid Form Body" error JSON for a list of (path, code, message)."""
    root: dict[str, Any] = {}
    for path, code, message in errs:
        node = root
        for part in [p for p in path.split(".") if p]:
            node = node.setdefault(part, {})
        node.setdefault("_errors", []).append({"code": code, "message": message})
    return {"code": 50035, "message": "Invalid Form Body", "errors": root}


# ----------------------------------------------------------------------------------------
# The fake
# ----------------------------------------------------------------------------------------


class FakeDiscord:
    """A fake Discord: aiohttp server on 127.0.0.1 with REST API v10 and a gateway."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        application_id: int | None = None,
        bot_name: str = "Trackside",
        token: str | None = None,
        heartbeat_interval: int = 41_250,
        ack_deadline: float = 3.0,
        attachment_size_limit: int = 10 * 1024 * 1024,
        message_events: bool = True,
        nonce_window: float = 300.0,
        default_guild: bool = True,
        recommended_shards: int = 1,
    ) -> None:
        if not _is_loopback_host(host):
            raise AssertionError(f"fake Discord must bind a loopback address, not {host!r}")
        self.host = host
        self._requested_port = port
        self.port: int | None = None
        #: If set, REST calls and IDENTIFY must use this bot token (else 401 / close 4004).
        self.token = token
        self.heartbeat_interval = heartbeat_interval
        #: Seconds the bot has to acknowledge an interaction (Discord: 3).
        self.ack_deadline = ack_deadline
        self.attachment_size_limit = attachment_size_limit
        #: Send MESSAGE_CREATE/UPDATE/DELETE to the bot (if it has the GUILD_MESSAGES intent).
        self.message_events = message_events
        self.nonce_window = nonce_window
        #: The shard count ``GET /gateway/bot`` recommends (a bot without SHARD_COUNT).
        self.recommended_shards = recommended_shards

        self._last_snowflake = 0
        self.application_id: int = application_id or self.snowflake()
        self.application_flags = 0
        # Modern applications share their id with their bot user.
        self.bot_user = FakeUser(self.application_id, bot_name, bot=True)
        self.users: dict[int, FakeUser] = {self.bot_user.id: self.bot_user}
        self.app_owner: FakeUser | None = None
        self.guilds: dict[int, FakeGuild] = {}

        # Logs and state the tests read.
        self.requests: list[RequestRecord] = []
        self.unhandled: list[dict[str, Any]] = []
        self.violations: list[Violation] = []
        self.synced_commands: dict[int | None, list[dict[str, Any]]] = {}
        self.sync_count = 0
        self.messages: dict[int, dict[str, Any]] = {}
        self.channel_messages: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
        self.attachments: dict[int, StoredAttachment] = {}
        self.interactions: dict[int, InteractionRecord] = {}
        self.faults: list[FaultRule] = []
        self.nonce_hits = 0
        self._interactions_by_token: dict[str, InteractionRecord] = {}
        self._message_interaction: dict[int, InteractionRecord] = {}
        self._nonces: dict[tuple[int, str], tuple[float, int]] = {}

        # Gateway.
        self.ready = asyncio.Event()
        self.connections: list[GatewayConnection] = []
        #: The current session of each shard, by shard id.
        self.sessions: dict[int, _Session] = {}
        self._last_session: _Session | None = None
        self.identify_count = 0
        self.resume_count = 0
        self.identify_payloads: list[dict[str, Any]] = []

        self._waiters: set[asyncio.Future[None]] = set()
        self._runner: web.AppRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._saved_discord: tuple[str, yarl.URL] | None = None

        self.guild: FakeGuild | None = None
        if default_guild:
            self.guild = self.add_guild("Trackside Test Guild")

    # -- default-world shortcuts -------------------------------------------------------

    def _default_guild(self) -> FakeGuild:
        if self.guild is None:
            raise LookupError("this FakeDiscord has no default guild; pass guild_id=")
        return self.guild

    @property
    def guild_id(self) -> int:
        return self._default_guild().id

    @property
    def channel(self) -> FakeChannel:
        ch = self._default_guild().default_channel
        assert ch is not None
        return ch

    @property
    def channel_id(self) -> int:
        return self.channel.id

    @property
    def owner(self) -> FakeMember:
        m = self._default_guild().owner
        assert m is not None
        return m

    @property
    def member(self) -> FakeMember:
        m = self._default_guild().member
        assert m is not None
        return m

    # -- lifecycle -------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("FakeDiscord is not started")
        return f"http://{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        return f"{self.base_url}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/"

    def env(self) -> dict[str, str]:
        """Environment variables for ``tests/e2e/launch.py``."""
        return {
            "TRACKSIDE_FAKE_DISCORD_API": self.api_base,
            "TRACKSIDE_FAKE_DISCORD_GATEWAY": self.gateway_url,
        }

    async def start(self) -> FakeDiscord:
        if self._runner is not None:
            return self
        self._loop = asyncio.get_running_loop()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self._requested_port))
        self.port = sock.getsockname()[1]
        site = web.SockSite(runner, sock)
        await site.start()
        self._runner = runner
        _require_loopback(self.api_base)
        return self

    async def close(self) -> None:
        self.restore_discord()
        for conn in list(self.connections):
            if not conn.closed:
                with contextlib.suppress(Exception):
                    await conn.ws.close(code=1001, message=b"fake Discord shutting down")
            if conn.writer is not None:
                conn.writer.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self._notify()

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def redirect_discord(self) -> None:
        """Point discord.py (this process) at the fake: Route.BASE and DEFAULT_GATEWAY."""
        _require_loopback(self.api_base)
        _require_loopback(self.gateway_url)
        if self._saved_discord is None:
            self._saved_discord = (
                discord.http.Route.BASE,
                discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY,
            )
        discord.http.Route.BASE = self.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)

    def restore_discord(self) -> None:
        """Undo :meth:`redirect_discord`."""
        if self._saved_discord is not None:
            base, gateway = self._saved_discord
            discord.http.Route.BASE = base
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway
            self._saved_discord = None

    # -- ids ---------------------------------------------------------------------------

    def snowflake(self) -> int:
        """A fresh, increasing, realistic snowflake."""
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        value = (ms << 22) | (1 << 17)
        if value <= self._last_snowflake:
            value = self._last_snowflake + 1
        self._last_snowflake = value
        return value

    # -- building the world --------------------------------------------------------------

    def add_user(
        self, username: str, *, global_name: str | None = None, bot: bool = False
    ) -> FakeUser:
        user = FakeUser(self.snowflake(), username, global_name=global_name, bot=bot)
        self.users[user.id] = user
        return user

    def get_guild(self, guild_id: int | None = None) -> FakeGuild:
        if guild_id is None:
            return self._default_guild()
        try:
            return self.guilds[int(guild_id)]
        except KeyError:
            raise LookupError(f"no guild {guild_id}") from None

    def get_channel(self, channel_id: int) -> FakeChannel | None:
        for g in self.guilds.values():
            ch = g.channels.get(int(channel_id))
            if ch is not None:
                return ch
        return None

    def add_guild(
        self,
        name: str = "Test Guild",
        *,
        guild_id: int | None = None,
        owner_name: str = "owner",
        member_name: str | None = "member",
        channel_name: str | None = "general",
        locale: str = "en-US",
    ) -> FakeGuild:
        """Add a guild with @everyone/Admin/Member/bot roles, a text channel, the owner
        (Admin), an ordinary member (Member) and the bot. Dispatches GUILD_CREATE if a bot
        is connected."""
        gid = guild_id or self.snowflake()
        owner_user = self.add_user(owner_name)
        guild = FakeGuild(gid, name, owner_user.id, preferred_locale=locale)
        self.guilds[gid] = guild
        guild.roles[gid] = FakeRole(gid, gid, "@everyone", DEFAULT_EVERYONE_PERMISSIONS, position=0)
        guild.member_role = self._new_role(guild, "Member", 0, position=1)
        guild.admin_role = self._new_role(guild, "Admin", ADMINISTRATOR, position=2)
        guild.bot_role = self._new_role(
            guild, self.bot_user.username, DEFAULT_BOT_ROLE_PERMISSIONS, position=3, managed=True
        )
        if channel_name:
            guild.default_channel = self._new_channel(guild, channel_name, 0)
        guild.owner = self._new_member(guild, owner_user, [guild.admin_role.id])
        if member_name:
            guild.member = self._new_member(
                guild, self.add_user(member_name), [guild.member_role.id]
            )
        else:
            guild.member = guild.owner
        guild.bot_member = self._new_member(guild, self.bot_user, [guild.bot_role.id])
        if self.app_owner is None:
            self.app_owner = owner_user
        if self._can_dispatch(gid):
            self.dispatch("GUILD_CREATE", guild.payload())
        return guild

    def _new_role(
        self,
        guild: FakeGuild,
        name: str,
        permissions: int,
        *,
        position: int = 1,
        managed: bool = False,
    ) -> FakeRole:
        role = FakeRole(
            self.snowflake(), guild.id, name, permissions, position=position, managed=managed
        )
        guild.roles[role.id] = role
        return role

    def _new_channel(self, guild: FakeGuild, name: str, type_: int, **kw: Any) -> FakeChannel:
        ch = FakeChannel(
            self.snowflake(), guild.id, name, type_, position=len(guild.channels), **kw
        )
        guild.channels[ch.id] = ch
        return ch

    def _new_member(
        self,
        guild: FakeGuild,
        user: FakeUser,
        roles: list[int],
        permissions: int | str | None = None,
        nick: str | None = None,
    ) -> FakeMember:
        member = FakeMember(user, guild.id, roles, "0", nick=nick)
        member.permissions = str(
            guild.compute_permissions(member) if permissions is None else permissions
        )
        guild.members[user.id] = member
        return member

    def add_channel(
        self,
        name: str,
        *,
        guild_id: int | None = None,
        type: int = 0,
        topic: str | None = None,
        parent_id: int | None = None,
        bot_permissions: int | None = None,
    ) -> FakeChannel:
        """Add a channel (0 text, 2 voice, 4 category, 5 announcement); CHANNEL_CREATE."""
        guild = self.get_guild(guild_id)
        ch = self._new_channel(
            guild, name, type, topic=topic, parent_id=parent_id, bot_permissions=bot_permissions
        )
        if self._can_dispatch(guild.id):
            self.dispatch("CHANNEL_CREATE", ch.payload())
        return ch

    def add_role(self, name: str, *, guild_id: int | None = None, permissions: int = 0) -> FakeRole:
        guild = self.get_guild(guild_id)
        role = self._new_role(guild, name, permissions, position=len(guild.roles))
        if self._can_dispatch(guild.id):
            self.dispatch("GUILD_ROLE_CREATE", {"guild_id": str(guild.id), "role": role.payload()})
        return role

    def add_member(
        self,
        username: str,
        *,
        guild_id: int | None = None,
        roles: Iterable[FakeRole | int | str] = (),
        permissions: int | str | None = None,
        user: FakeUser | None = None,
        global_name: str | None = None,
        nick: str | None = None,
    ) -> FakeMember:
        """Add a member; ``permissions`` (bits) defaults to what its roles grant."""
        guild = self.get_guild(guild_id)
        role_ids: list[int] = []
        for r in roles:
            if isinstance(r, FakeRole):
                role_ids.append(r.id)
            elif isinstance(r, str):
                found = guild.find_role(r)
                if found is None:
                    raise LookupError(f"no role named {r!r} in guild {guild.id}")
                role_ids.append(found.id)
            else:
                role_ids.append(int(r))
        user = user or self.add_user(username, global_name=global_name)
        member = self._new_member(guild, user, role_ids, permissions, nick)
        session = self.session_for(guild.id)
        if session is not None and session.intents & INTENT_GUILD_MEMBERS:
            self.dispatch("GUILD_MEMBER_ADD", {**member.payload(), "guild_id": str(guild.id)})
        return member

    def _bot_permissions(self, guild: FakeGuild, channel: FakeChannel | None = None) -> int:
        if channel is not None and channel.bot_permissions is not None:
            return channel.bot_permissions
        assert guild.bot_member is not None
        return guild.compute_permissions(guild.bot_member)

    # -- waiting ---------------------------------------------------------------------------

    def notify(self) -> None:
        """Wake :meth:`wait_for` waiters (call after changing state the fake cannot see).

        Safe to call from any thread."""
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if self._loop is not None and running is not self._loop:
            with contextlib.suppress(RuntimeError):  # loop closed
                self._loop.call_soon_threadsafe(self._notify)
        else:
            self._notify()

    def _notify(self) -> None:
        for fut in list(self._waiters):
            if not fut.done():
                fut.set_result(None)

    async def wait_for(
        self,
        predicate: Callable[[], Any],
        timeout: float = 5.0,  # noqa: ASYNC109
        what: str = "a condition",
    ) -> Any:
        """Wait until ``predicate()`` returns something truthy (re-checked on every change
        the fake sees) and return it; TimeoutError with diagnostics otherwise."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(
                    f"timed out after {timeout}s waiting for {what}\n{self.diagnostics()}"
                )
            fut: asyncio.Future[None] = loop.create_future()
            self._waiters.add(fut)
            try:
                await asyncio.wait_for(fut, min(remaining, 0.05))
            except TimeoutError:
                pass
            finally:
                self._waiters.discard(fut)

    def diagnostics(self) -> str:
        lines = [
            f"  gateway: identified={self.identify_count} resumed={self.resume_count} "
            f"active={'yes' if self.connection else 'no'} connections={len(self.connections)} "
            f"shards={self._shards_state()}",
            f"  last requests: {self.requests[-8:]}",
        ]
        if self.violations:
            lines.append("  violations: " + "; ".join(map(str, self.violations)))
        if self.unhandled:
            lines.append(f"  unhandled: {self.unhandled}")
        return "\n".join(lines)

    async def wait_ready(self, timeout: float = 10.0, *, identified: int = 1) -> None:  # noqa: ASYNC109
        """Wait until a bot is connected with an identified/resumed session and at least
        ``identified`` IDENTIFYs have been seen in total."""
        await self.wait_for(
            lambda: self.ready.is_set() and self.identify_count >= identified,
            timeout,
            f"a bot to connect and identify (#{identified})",
        )

    async def wait_shards(
        self,
        shard_ids: Iterable[int],
        shard_count: int,
        timeout: float = 15.0,  # noqa: ASYNC109
    ) -> None:
        """Wait until each of these shards (of ``shard_count``) has a connected session."""
        wanted = list(shard_ids)

        def check() -> bool:
            return all(
                (s := self.sessions.get(i)) is not None and s.live and s.shard_count == shard_count
                for i in wanted
            )

        await self.wait_for(check, timeout, f"shards {wanted} of {shard_count} to connect")

    async def wait_channel_message(
        self,
        channel_id: int | None = None,
        predicate: Callable[[dict[str, Any]], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> dict[str, Any]:
        """The first message the bot sent to the channel (``POST /channels/{id}/messages``)
        that satisfies ``predicate``."""
        cid = self.channel_id if channel_id is None else int(channel_id)

        def check() -> dict[str, Any] | None:
            for msg in self.channel_messages.get(cid, []):
                if predicate is None or predicate(msg):
                    return msg
            return None

        return await self.wait_for(check, timeout, f"a message in channel {cid}")

    async def wait_synced(self, *names: str, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until commands with these names (any scope) have been synced."""

        def check() -> bool:
            synced = {c["name"] for cmds in self.synced_commands.values() for c in cmds}
            return bool(synced) and all(n in synced for n in names)

        await self.wait_for(check, timeout, f"commands {names or '(any)'} to be synced")

    def assert_clean(self) -> None:
        """Fail if the bot broke a Discord rule, called an unknown route, or left an
        interaction unacknowledged past the deadline."""
        problems = [str(v) for v in self.violations]
        problems += [f"unhandled {u['method']} {u['path']}" for u in self.unhandled]
        now = time.perf_counter()
        for rec in self.interactions.values():
            if not rec.acknowledged and rec.sent_at and now - rec.sent_at > self.ack_deadline:
                problems.append(f"never acknowledged: {rec!r}")
        if problems:
            raise AssertionError("fake Discord saw problems:\n  " + "\n  ".join(problems))

    # -- fault injection -------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        path_regex: str,
        status: int | None,
        times: int = 1,
        retry_after: float = 0.1,
        *,
        apply: bool = False,
        delay: float = 0.0,
        body: Any = None,
    ) -> FaultRule:
        """Answer the next ``times`` requests matching ``method`` ("*" for any) and
        ``path_regex`` (``re.search`` on the path after ``/api/v10``) with ``status``.

        429 carries a ``Via`` header and ``{"retry_after": ..., "global": false}`` so
        discord.py sleeps and retries; 5xx carry a JSON error. ``apply=True`` processes
        the request first and then answers with the error (a lost response);
        ``delay`` sleeps before answering; ``status=None`` with a delay only slows the
        request down. Rules are used in the order they were added.
        """
        rule = FaultRule(
            method.upper(),
            re.compile(path_regex),
            status,
            times,
            retry_after,
            apply=apply,
            delay=delay,
            body=body,
        )
        self.faults.append(rule)
        return rule

    def _take_fault(self, method: str, path: str) -> FaultRule | None:
        for rule in self.faults:
            if rule.matches(method, path):
                return rule
        return None

    def _fault_response(self, rule: FaultRule) -> web.Response:
        status = rule.status or 500
        if status == 429:
            body = rule.body or {
                "message": "You are being rate limited.",
                "retry_after": rule.retry_after,
                "global": False,
            }
            return self._json(
                body,
                429,
                {
                    "Via": "1.1 google",
                    "Retry-After": str(max(1, int(rule.retry_after + 0.999))),
                    "X-RateLimit-Scope": "user",
                },
            )
        body = rule.body or {"message": f"{status}: fake server error", "code": 0}
        return self._json(body, status)

    # -- HTTP plumbing -----------------------------------------------------------------

    @staticmethod
    def _json(
        data: Any, status: int = 200, headers: Mapping[str, str] | None = None
    ) -> web.Response:
        # Exactly "application/json": discord.py ignores bodies with "; charset=utf-8".
        hdrs = {"Content-Type": JSON}
        if headers:
            hdrs.update(headers)
        return web.Response(status=status, body=json.dumps(data).encode(), headers=hdrs)

    def _error(
        self,
        req: _Req,
        status: int,
        code: int,
        message: str,
        kind: str,
        *,
        errors: Sequence[_Err] | None = None,
        interaction: InteractionRecord | None = None,
    ) -> web.Response:
        body = form_errors(errors) if errors else {"message": message, "code": code}
        if errors:
            message = message + ": " + "; ".join(f"{p}: {m}" for p, _, m in errors)
        self.violations.append(
            Violation(
                kind,
                message,
                req.method,
                req.path,
                status,
                body.get("code", code),
                interaction.id if interaction else None,
                details=body,
            )
        )
        self._notify()
        return self._json(body, status)

    async def _read_body(self, request: web.Request) -> tuple[Any, list[UploadedFile]]:
        ctype = request.content_type
        if ctype == "multipart/form-data":
            payload: Any = None
            files: list[UploadedFile] = []
            reader = await request.multipart()
            while True:
                part = await reader.next()
                if part is None:
                    break
                data = await part.read(decode=False)  # type: ignore[union-attr]
                name = part.name or ""  # type: ignore[union-attr]
                if name == "payload_json":
                    payload = json.loads(bytes(data) or b"null")
                else:
                    files.append(
                        UploadedFile(
                            name,
                            part.filename or name,  # type: ignore[union-attr]
                            part.headers.get("Content-Type", "application/octet-stream"),  # type: ignore[union-attr]
                            bytes(data),
                        )
                    )
            return payload, files
        raw = await request.read()
        if not raw:
            return None, []
        if ctype == JSON or raw[:1] in (b"{", b"["):
            try:
                return json.loads(raw), []
            except ValueError:
                return raw.decode(errors="replace"), []
        return raw.decode(errors="replace"), []

    _ROUTES: tuple[tuple[str, str, str], ...] = (
        ("GET", r"/users/@me", "_get_me"),
        ("GET", r"/users/(?P<user_id>\d+)", "_get_user"),
        ("GET", r"/oauth2/applications/@me", "_get_application"),
        ("GET", r"/applications/@me", "_get_application"),
        ("GET", r"/gateway", "_get_gateway"),
        ("GET", r"/gateway/bot", "_get_gateway_bot"),
        ("GET", r"/applications/(?P<app>\d+)/commands", "_get_commands"),
        ("PUT", r"/applications/(?P<app>\d+)/commands", "_put_commands"),
        ("GET", r"/applications/(?P<app>\d+)/guilds/(?P<guild_id>\d+)/commands", "_get_commands"),
        ("PUT", r"/applications/(?P<app>\d+)/guilds/(?P<guild_id>\d+)/commands", "_put_commands"),
        ("POST", r"/interactions/(?P<iid>\d+)/(?P<token>[^/]+)/callback", "_post_callback"),
        ("POST", r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)", "_post_followup"),
        (
            "GET",
            r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/(?P<mid>@original|\d+)",
            "_webhook_message",
        ),
        (
            "PATCH",
            r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/(?P<mid>@original|\d+)",
            "_webhook_message",
        ),
        (
            "DELETE",
            r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/(?P<mid>@original|\d+)",
            "_webhook_message",
        ),
        ("POST", r"/channels/(?P<channel_id>\d+)/messages", "_post_channel_message"),
        ("GET", r"/channels/(?P<channel_id>\d+)/messages", "_get_channel_messages"),
        ("GET", r"/channels/(?P<channel_id>\d+)/messages/(?P<mid>\d+)", "_channel_message"),
        ("PATCH", r"/channels/(?P<channel_id>\d+)/messages/(?P<mid>\d+)", "_channel_message"),
        ("DELETE", r"/channels/(?P<channel_id>\d+)/messages/(?P<mid>\d+)", "_channel_message"),
        ("POST", r"/channels/(?P<channel_id>\d+)/typing", "_post_typing"),
        ("GET", r"/channels/(?P<channel_id>\d+)", "_get_channel"),
        ("GET", r"/guilds/(?P<guild_id>\d+)", "_get_guild"),
        ("GET", r"/guilds/(?P<guild_id>\d+)/channels", "_get_guild_channels"),
        ("GET", r"/guilds/(?P<guild_id>\d+)/roles", "_get_guild_roles"),
        ("GET", r"/guilds/(?P<guild_id>\d+)/members/(?P<user_id>\d+)", "_get_member"),
    )
    _NO_AUTH = ("/interactions/", "/webhooks/")

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() == "websocket" and request.path in ("", "/"):
            return await self._gateway(request)
        raw_path = request.path
        body, files = await self._read_body(request)
        path = raw_path[len(API_PREFIX) :] if raw_path.startswith(API_PREFIX + "/") else raw_path
        path = path.rstrip("/") or "/"
        rec = RequestRecord(
            request.method, path, dict(request.query), body, files, time.perf_counter()
        )
        self.requests.append(rec)
        try:
            response = await self._dispatch_request(request, rec, raw_path, path, body, files)
        except _HTTPError as exc:
            response = exc.response
        rec.status = response.status
        self._notify()
        return response

    async def _dispatch_request(
        self,
        request: web.Request,
        rec: RequestRecord,
        raw_path: str,
        path: str,
        body: Any,
        files: list[UploadedFile],
    ) -> web.StreamResponse:
        if request.method == "GET" and raw_path.startswith("/attachments/"):
            return self._get_attachment(raw_path)
        rule = self._take_fault(request.method, path) if raw_path.startswith(API_PREFIX) else None
        if rule is not None:
            rule.hits.append(rec)
            rec.fault = True
            if rule.delay:
                await asyncio.sleep(rule.delay)
            if rule.status is not None and not rule.apply:
                return self._fault_response(rule)
        handler = None
        params: dict[str, str] = {}
        if raw_path.startswith(API_PREFIX + "/"):
            for method, pattern, name in self._ROUTES:
                if method == request.method:
                    m = re.fullmatch(pattern, path)
                    if m:
                        handler = getattr(self, name)
                        params = m.groupdict()
                        break
        if handler is None:
            self.unhandled.append(
                {
                    "method": request.method,
                    "path": raw_path,
                    "query": dict(request.query),
                    "body": body,
                }
            )
            return self._json({"message": "404: Not Found", "code": 0}, 404)
        req = _Req(request.method, path, params, request.query, body, files, request.headers, rec)
        if not path.startswith(self._NO_AUTH):
            auth = request.headers.get("Authorization", "")
            if not auth.startswith("Bot ") or (
                self.token is not None and auth != f"Bot {self.token}"
            ):
                return self._error(req, 401, 0, "401: Unauthorized", "unauthorized")
        response = await handler(req)
        if rule is not None and rule.status is not None and rule.apply:
            return self._fault_response(rule)
        return response

    def _get_attachment(self, raw_path: str) -> web.Response:
        parts = raw_path.strip("/").split("/")
        try:
            att = self.attachments[int(parts[2])]
        except (IndexError, ValueError, KeyError):
            return self._json({"message": "404: Not Found", "code": 0}, 404)
        return web.Response(body=att.data, headers={"Content-Type": att.content_type})

    # -- REST: identity, gateway, commands -----------------------------------------------

    def _check_app(self, req: _Req) -> None:
        if int(req.params["app"]) != self.application_id:
            raise _HTTPError(
                self._error(req, 404, 10002, "Unknown Application", "unknown_application")
            )

    async def _get_me(self, req: _Req) -> web.Response:
        return self._json(
            {
                **self.bot_user.payload(),
                "verified": True,
                "mfa_enabled": False,
                "locale": "en-US",
                "email": None,
            }
        )

    async def _get_user(self, req: _Req) -> web.Response:
        user = self.users.get(int(req.params["user_id"]))
        if user is None:
            return self._error(req, 404, 10013, "Unknown User", "unknown_user")
        return self._json(user.payload())

    async def _get_application(self, req: _Req) -> web.Response:
        owner = self.app_owner or self.bot_user
        return self._json(
            {
                "id": str(self.application_id),
                "name": self.bot_user.username,
                "icon": None,
                "description": "",
                "summary": "",
                "type": None,
                "hook": True,
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "flags": self.application_flags,
                "owner": owner.payload(),
                "team": None,
                "bot": self.bot_user.payload(),
                "rpc_origins": [],
                "redirect_uris": [],
                "interactions_endpoint_url": None,
                "tags": [],
                "approximate_guild_count": len(self.guilds),
            }
        )

    async def _get_gateway(self, req: _Req) -> web.Response:
        return self._json({"url": self.gateway_url})

    async def _get_gateway_bot(self, req: _Req) -> web.Response:
        return self._json(
            {
                "url": self.gateway_url,
                "shards": self.recommended_shards,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        )

    def _scope(self, req: _Req) -> int | None:
        gid = req.params.get("guild_id")
        if gid is None:
            return None
        if int(gid) not in self.guilds:
            raise _HTTPError(self._error(req, 404, 10004, "Unknown Guild", "unknown_guild"))
        return int(gid)

    async def _get_commands(self, req: _Req) -> web.Response:
        self._check_app(req)
        return self._json(self.synced_commands.get(self._scope(req), []))

    async def _put_commands(self, req: _Req) -> web.Response:
        self._check_app(req)
        scope = self._scope(req)
        errs = validate_commands(req.json)
        if errs:
            return self._error(
                req, 400, 50035, "Invalid Form Body", "invalid_commands", errors=errs
            )
        stored = self.set_commands(req.json, guild_id=scope)
        return self._json(stored)

    def set_commands(
        self, commands: Sequence[Mapping[str, Any]], guild_id: int | None = None
    ) -> list[dict[str, Any]]:
        """Store commands as if bulk-overwritten (``PUT``); ids are kept per name/type."""
        old = {(c.get("type", 1), c["name"]): c for c in self.synced_commands.get(guild_id, [])}
        stored = []
        for cmd in commands:
            data = copy.deepcopy(dict(cmd))
            ctype = int(data.get("type", 1))
            prev = old.get((ctype, data["name"]))
            data["type"] = ctype
            data["id"] = prev["id"] if prev else str(self.snowflake())
            data["application_id"] = str(self.application_id)
            data["version"] = str(self.snowflake())
            data.setdefault("description", "")
            data.setdefault("options", [])
            data.setdefault("default_member_permissions", None)
            data.setdefault("nsfw", False)
            if guild_id is not None:
                data["guild_id"] = str(guild_id)
            stored.append(data)
        self.synced_commands[guild_id] = stored
        self.sync_count += 1
        self._notify()
        return copy.deepcopy(stored)

    def find_command(
        self,
        name: str,
        guild_id: int | None = None,
        type: int = 1,
    ) -> tuple[dict[str, Any], int | None]:
        """The synced command (guild commands first, then global) and its guild scope."""
        scopes: list[int | None] = [guild_id, None] if guild_id is not None else [None]
        for scope in scopes:
            for cmd in self.synced_commands.get(scope, []):
                if cmd["name"] == name and int(cmd.get("type", 1)) == type:
                    return cmd, scope
        known = sorted({c["name"] for cmds in self.synced_commands.values() for c in cmds})
        raise LookupError(
            f"command /{name} is not synced (synced: {known or 'nothing'}); "
            "call `await bot.tree.sync()` or fake.set_commands(...) first"
        )

    # -- REST: messages ------------------------------------------------------------------

    def _store_file(
        self, channel_id: int, upload: UploadedFile, meta: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        filename = str((meta or {}).get("filename") or upload.filename)
        guessed = mimetypes.guess_type(filename)[0]
        ctype = upload.content_type
        if not ctype or ctype == "application/octet-stream":
            ctype = guessed or "application/octet-stream"
        att = StoredAttachment(
            self.snowflake(),
            channel_id,
            filename,
            ctype,
            upload.data,
            (meta or {}).get("description"),
            upload.content_type,
        )
        self.attachments[att.id] = att
        return att.payload(self.base_url)

    @staticmethod
    def _file_index(upload: UploadedFile) -> int | None:
        m = re.fullmatch(r"files\[(\d+)\]", upload.field)
        if m:
            return int(m.group(1))
        return 0 if upload.field == "file" else None

    def _build_attachments(
        self,
        channel_id: int,
        spec: list[Mapping[str, Any]] | None,
        files: list[UploadedFile],
        existing: list[dict[str, Any]],
    ) -> list[dict[str, Any]]:
        uploads = {i: f for f in files if (i := self._file_index(f)) is not None}
        if spec is None:
            return list(existing) + [
                self._store_file(channel_id, uploads[i], None) for i in sorted(uploads)
            ]
        existing_by_id = {a["id"]: a for a in existing}
        out: list[dict[str, Any]] = []
        used: set[int] = set()
        for a in spec:
            aid = str(a.get("id"))
            if aid in existing_by_id:
                out.append(existing_by_id[aid])
                continue
            with contextlib.suppress(ValueError):
                idx = int(aid)
                if idx in uploads:
                    out.append(self._store_file(channel_id, uploads[idx], a))
                    used.add(idx)
        out += [
            self._store_file(channel_id, uploads[i], None) for i in sorted(uploads) if i not in used
        ]
        return out

    def _check_files(self, req: _Req, interaction: InteractionRecord | None = None) -> None:
        if len(req.files) > 10:
            raise _HTTPError(
                self._error(
                    req,
                    400,
                    50035,
                    "Invalid Form Body",
                    "too_many_files",
                    errors=[("files", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")],
                    interaction=interaction,
                )
            )
        total = sum(f.size for f in req.files)
        if total > self.attachment_size_limit:
            raise _HTTPError(
                self._error(
                    req,
                    413,
                    40005,
                    "Request entity too large",
                    "file_too_large",
                    interaction=interaction,
                )
            )

    @staticmethod
    def _normalise_components(components: Any) -> list[dict[str, Any]]:
        comps = copy.deepcopy(list(components or []))
        next_id = 1
        for c in _walk_components(comps):
            if isinstance(c, dict) and "id" not in c:
                c["id"] = next_id
            next_id = max(next_id, int(c.get("id") or 0)) + 1
        return comps

    @staticmethod
    def _normalise_embeds(embeds: Any) -> list[dict[str, Any]]:
        out = copy.deepcopy(list(embeds or []))
        for e in out:
            e.setdefault("type", "rich")
            e.setdefault("content_scan_version", 0)
        return out

    def _new_message(
        self,
        channel_id: int,
        body: Mapping[str, Any],
        files: list[UploadedFile],
        *,
        flags: int,
        msg_type: int = 0,
        interaction: InteractionRecord | None = None,
        nonce: Any = None,
    ) -> dict[str, Any]:
        mid = self.snowflake()
        channel = self.get_channel(channel_id)
        msg: dict[str, Any] = {
            "id": str(mid),
            "channel_id": str(channel_id),
            "type": msg_type,
            "content": body.get("content") or "",
            "author": self.bot_user.payload(),
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts", False)),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "mention_channels": [],
            "attachments": [],
            "embeds": self._normalise_embeds(body.get("embeds")),
            "components": self._normalise_components(body.get("components")),
            "pinned": False,
            "flags": int(flags),
        }
        if channel is not None:
            msg["guild_id"] = str(channel.guild_id)
        if nonce is not None:
            msg["nonce"] = nonce
        if body.get("message_reference"):
            ref = dict(body["message_reference"])
            msg["message_reference"] = ref
            msg["type"] = 19
            refd = self.messages.get(int(ref.get("message_id") or 0))
            msg["referenced_message"] = copy.deepcopy(refd) if refd else None
        if interaction is not None:
            msg["webhook_id"] = str(self.application_id)
            msg["application_id"] = str(self.application_id)
            meta: dict[str, Any] = {
                "id": str(interaction.id),
                "type": int(interaction.type),
                "user": interaction.user.user.payload(),
                "authorizing_integration_owners": {"0": str(interaction.guild_id)},
            }
            if interaction.type == InteractionType.APPLICATION_COMMAND:
                meta["name"] = interaction.name
                meta["command_type"] = 1
            if interaction.message_id is not None:
                meta["interacted_message_id"] = str(interaction.message_id)
            if interaction.original_id is not None:
                meta["original_response_message_id"] = str(interaction.original_id)
            msg["interaction_metadata"] = meta
            self._message_interaction[mid] = interaction
        msg["attachments"] = self._build_attachments(channel_id, body.get("attachments"), files, [])
        self.messages[mid] = msg
        return msg

    def _apply_edit(
        self, msg: dict[str, Any], body: Mapping[str, Any], files: list[UploadedFile]
    ) -> None:
        if "content" in body:
            msg["content"] = body.get("content") or ""
        if "embeds" in body:
            msg["embeds"] = self._normalise_embeds(body.get("embeds"))
        if "components" in body:
            msg["components"] = self._normalise_components(body.get("components"))
        if body.get("flags") is not None:
            keep = msg["flags"] & ~int(MessageFlag.SUPPRESS_EMBEDS | MessageFlag.LOADING)
            msg["flags"] = keep | (
                int(body["flags"]) & (MessageFlag.SUPPRESS_EMBEDS | MessageFlag.IS_COMPONENTS_V2)
            )
        if "attachments" in body or files:
            msg["attachments"] = self._build_attachments(
                int(msg["channel_id"]), body.get("attachments"), files, msg["attachments"]
            )
        msg["flags"] = int(msg["flags"]) & ~int(MessageFlag.LOADING)
        msg["edited_timestamp"] = _now_iso()

    @staticmethod
    def _would_be_empty(
        msg: Mapping[str, Any], body: Mapping[str, Any], files: list[UploadedFile]
    ) -> bool:
        def pick(key: str) -> Any:
            return body.get(key) if key in body else msg.get(key)

        kept_attachments = (
            body.get("attachments") if "attachments" in body else msg.get("attachments")
        )
        return not (
            pick("content")
            or pick("embeds")
            or pick("components")
            or kept_attachments
            or files
            or body.get("sticker_ids")
            or body.get("poll")
        )

    def _validate_create(
        self,
        req: _Req,
        body: Mapping[str, Any],
        *,
        prefix: str = "",
        interaction: InteractionRecord | None = None,
    ) -> None:
        self._check_files(req, interaction)
        errs = validate_message_body(body, prefix)
        if errs:
            raise _HTTPError(
                self._error(
                    req,
                    400,
                    50035,
                    "Invalid Form Body",
                    "invalid_message",
                    errors=errs,
                    interaction=interaction,
                )
            )
        if self._would_be_empty({}, body, req.files):
            raise _HTTPError(
                self._error(
                    req,
                    400,
                    50006,
                    "Cannot send an empty message",
                    "empty_message",
                    interaction=interaction,
                )
            )

    def _validate_edit(
        self,
        req: _Req,
        msg: Mapping[str, Any],
        body: Mapping[str, Any],
        *,
        prefix: str = "",
        interaction: InteractionRecord | None = None,
    ) -> None:
        self._check_files(req, interaction)
        merged = {
            **msg,
            **{k: v for k, v in body.items() if k in ("content", "embeds", "components")},
        }
        merged["flags"] = msg.get("flags", 0)
        errs = validate_message_body({k: v for k, v in merged.items() if k != "nonce"}, prefix)
        if errs:
            raise _HTTPError(
                self._error(
                    req,
                    400,
                    50035,
                    "Invalid Form Body",
                    "invalid_message",
                    errors=errs,
                    interaction=interaction,
                )
            )
        if self._would_be_empty(msg, body, req.files):
            raise _HTTPError(
                self._error(
                    req,
                    400,
                    50006,
                    "Cannot send an empty message",
                    "empty_message",
                    interaction=interaction,
                )
            )

    def _message_event(self, event: str, msg: Mapping[str, Any]) -> None:
        gid = msg.get("guild_id")
        session = self.session_for(int(gid) if gid else None)
        if not self.message_events or session is None:
            return
        if int(msg.get("flags") or 0) & MessageFlag.EPHEMERAL:
            return
        if not session.intents & INTENT_GUILD_MESSAGES:
            return
        if event == "MESSAGE_DELETE":
            data = {
                "id": msg["id"],
                "channel_id": msg["channel_id"],
                "guild_id": msg.get("guild_id"),
            }
        else:
            data = copy.deepcopy(dict(msg))
        self.dispatch(event, data)

    async def _post_channel_message(self, req: _Req) -> web.Response:
        cid = int(req.params["channel_id"])
        channel = self.get_channel(cid)
        if channel is None:
            return self._error(req, 404, 10003, "Unknown Channel", "unknown_channel")
        guild = self.guilds[channel.guild_id]
        perms = self._bot_permissions(guild, channel)
        if not perms & (SEND_MESSAGES | ADMINISTRATOR):
            return self._error(req, 403, 50013, "Missing Permissions", "missing_permissions")
        body = req.body
        self._validate_create(req, body)
        nonce = body.get("nonce")
        key = (self.bot_user.id, str(nonce))
        now = time.monotonic()
        if nonce is not None and body.get("enforce_nonce"):
            seen = self._nonces.get(key)
            if seen is not None and now - seen[0] <= self.nonce_window and seen[1] in self.messages:
                self.nonce_hits += 1
                return self._json(self.messages[seen[1]])
        flags = int(body.get("flags") or 0) & _CREATE_FLAGS
        msg = self._new_message(cid, body, req.files, flags=flags, nonce=nonce)
        if nonce is not None:
            self._nonces[key] = (now, int(msg["id"]))
        self.channel_messages[cid].append(msg)
        self._message_event("MESSAGE_CREATE", msg)
        return self._json(msg)

    async def _get_channel_messages(self, req: _Req) -> web.Response:
        cid = int(req.params["channel_id"])
        if self.get_channel(cid) is None:
            return self._error(req, 404, 10003, "Unknown Channel", "unknown_channel")
        limit = int(req.query.get("limit", 50))
        before = int(req.query.get("before", 0)) or None
        after = int(req.query.get("after", 0)) or None
        msgs = [
            m
            for mid, m in sorted(self.messages.items(), reverse=True)
            if int(m["channel_id"]) == cid
            and not int(m.get("flags") or 0) & MessageFlag.EPHEMERAL
            and (before is None or mid < before)
            and (after is None or mid > after)
        ]
        return self._json(msgs[:limit])

    async def _channel_message(self, req: _Req) -> web.Response:
        cid, mid = int(req.params["channel_id"]), int(req.params["mid"])
        msg = self.messages.get(mid)
        if (
            msg is None
            or int(msg["channel_id"]) != cid
            or int(msg.get("flags") or 0) & MessageFlag.EPHEMERAL
        ):
            return self._error(req, 404, 10008, "Unknown Message", "unknown_message")
        if req.method == "GET":
            return self._json(msg)
        if req.method == "DELETE":
            self._delete_message(msg)
            return web.Response(status=204)
        if msg["author"]["id"] != str(self.bot_user.id):
            return self._error(
                req,
                403,
                50005,
                "Cannot edit a message authored by another user",
                "edit_foreign_message",
            )
        self._validate_edit(req, msg, req.body)
        self._apply_edit(msg, req.body, req.files)
        self._message_event("MESSAGE_UPDATE", msg)
        return self._json(msg)

    def _delete_message(self, msg: dict[str, Any]) -> None:
        mid = int(msg["id"])
        self.messages.pop(mid, None)
        cid = int(msg["channel_id"])
        self.channel_messages[cid] = [m for m in self.channel_messages.get(cid, []) if m is not msg]
        msg["deleted"] = True
        self._message_event("MESSAGE_DELETE", msg)

    async def _post_typing(self, req: _Req) -> web.Response:
        if self.get_channel(int(req.params["channel_id"])) is None:
            return self._error(req, 404, 10003, "Unknown Channel", "unknown_channel")
        return web.Response(status=204)

    async def _get_channel(self, req: _Req) -> web.Response:
        ch = self.get_channel(int(req.params["channel_id"]))
        if ch is None:
            return self._error(req, 404, 10003, "Unknown Channel", "unknown_channel")
        return self._json(ch.payload())

    async def _get_guild(self, req: _Req) -> web.Response:
        guild = self.guilds.get(int(req.params["guild_id"]))
        if guild is None:
            return self._error(req, 404, 10004, "Unknown Guild", "unknown_guild")
        data = guild.payload()
        for key in ("channels", "members", "threads", "presences", "voice_states", "member_count"):
            data.pop(key, None)
        return self._json(data)

    async def _get_guild_channels(self, req: _Req) -> web.Response:
        guild = self.guilds.get(int(req.params["guild_id"]))
        if guild is None:
            return self._error(req, 404, 10004, "Unknown Guild", "unknown_guild")
        return self._json([c.payload() for c in guild.channels.values()])

    async def _get_guild_roles(self, req: _Req) -> web.Response:
        guild = self.guilds.get(int(req.params["guild_id"]))
        if guild is None:
            return self._error(req, 404, 10004, "Unknown Guild", "unknown_guild")
        return self._json([r.payload() for r in guild.roles.values()])

    async def _get_member(self, req: _Req) -> web.Response:
        guild = self.guilds.get(int(req.params["guild_id"]))
        if guild is None:
            return self._error(req, 404, 10004, "Unknown Guild", "unknown_guild")
        member = guild.members.get(int(req.params["user_id"]))
        if member is None:
            return self._error(req, 404, 10007, "Unknown Member", "unknown_member")
        return self._json(member.payload())

    # -- REST: interactions ----------------------------------------------------------------

    async def _post_callback(self, req: _Req) -> web.Response:
        now = time.perf_counter()
        rec = self.interactions.get(int(req.params["iid"]))
        if rec is None or rec.token != req.params["token"]:
            return self._error(req, 404, 10062, "Unknown interaction", "unknown_interaction")
        body = req.body
        cb = CallbackRecord(
            int(body.get("type") or 0), dict(body.get("data") or {}), req.files, now
        )
        rec.attempts.append(cb)
        try:
            response = self._accept_callback(req, rec, cb, now)
        except _HTTPError as exc:
            response = exc.response
        cb.status = response.status
        if not cb.accepted:
            with contextlib.suppress(ValueError):
                cb.error = json.loads(response.body)  # type: ignore[arg-type]
        self._notify()
        return response

    def _accept_callback(
        self, req: _Req, rec: InteractionRecord, cb: CallbackRecord, now: float
    ) -> web.Response:
        if rec.acknowledged:
            return self._error(
                req,
                400,
                40060,
                "Interaction has already been acknowledged.",
                "double_ack",
                interaction=rec,
            )
        started = rec.sent_at if rec.sent_at is not None else rec.created_at
        if rec.expired or now - started > self.ack_deadline:
            rec.expired = True
            return self._error(
                req,
                404,
                10062,
                "Unknown interaction",
                "late_ack",
                interaction=rec,
            )
        if cb.type not in _VALID_CALLBACKS.get(rec.type, set()):
            return self._error(
                req,
                400,
                50035,
                "Invalid Form Body",
                "bad_callback_type",
                errors=[
                    (
                        "type",
                        "INTERACTION_RESPONSE_TYPE_INVALID",
                        f"callback type {cb.type} is not valid for {rec.type.name}",
                    )
                ],
                interaction=rec,
            )
        data = cb.data
        component_msg = self.messages.get(rec.message_id) if rec.message_id is not None else None
        if cb.type == CallbackType.CHANNEL_MESSAGE:
            self._validate_create(req, data, prefix="data.", interaction=rec)
        elif cb.type == CallbackType.UPDATE_MESSAGE:
            if component_msg is None:
                return self._error(
                    req, 404, 10008, "Unknown Message", "unknown_message", interaction=rec
                )
            self._validate_edit(req, component_msg, data, prefix="data.", interaction=rec)
        elif cb.type == CallbackType.AUTOCOMPLETE_RESULT:
            errs = validate_choices(data)
            if errs:
                return self._error(
                    req,
                    400,
                    50035,
                    "Invalid Form Body",
                    "invalid_autocomplete",
                    errors=errs,
                    interaction=rec,
                )
        elif cb.type == CallbackType.MODAL:
            errs = validate_modal(data)
            if errs:
                return self._error(
                    req,
                    400,
                    50035,
                    "Invalid Form Body",
                    "invalid_modal",
                    errors=errs,
                    interaction=rec,
                )

        # Accepted: this is the interaction's one acknowledgement.
        rec.acknowledged = True
        rec.responded_at = now
        rec.callbacks.append(cb)
        msg_type = 20 if rec.type == InteractionType.APPLICATION_COMMAND else 0
        message: dict[str, Any] | None = None
        if cb.type == CallbackType.CHANNEL_MESSAGE:
            flags = int(data.get("flags") or 0) & _INTERACTION_CREATE_FLAGS
            message = self._new_message(
                rec.channel_id, data, req.files, flags=flags, msg_type=msg_type, interaction=rec
            )
            rec.original_id = int(message["id"])
            self._message_event("MESSAGE_CREATE", message)
        elif cb.type == CallbackType.DEFERRED_CHANNEL_MESSAGE:
            flags = (int(data.get("flags") or 0) & MessageFlag.EPHEMERAL) | MessageFlag.LOADING
            message = self._new_message(
                rec.channel_id, {}, [], flags=flags, msg_type=msg_type, interaction=rec
            )
            rec.original_id = int(message["id"])
            rec.loading = True
            self._message_event("MESSAGE_CREATE", message)
        elif cb.type == CallbackType.DEFERRED_UPDATE_MESSAGE:
            rec.original_id = rec.message_id
        elif cb.type == CallbackType.UPDATE_MESSAGE:
            assert component_msg is not None
            self._apply_edit(component_msg, data, req.files)
            rec.original_id = rec.message_id
            message = component_msg
            self._message_event("MESSAGE_UPDATE", message)
        elif cb.type == CallbackType.AUTOCOMPLETE_RESULT:
            rec.choices = list(data.get("choices") or [])
        elif cb.type == CallbackType.MODAL:
            rec.modal = copy.deepcopy(data)

        if req.query.get("with_response") not in ("1", "true", "True"):
            return web.Response(status=204)
        interaction: dict[str, Any] = {"id": str(rec.id), "type": int(rec.type)}
        if rec.original_id is not None and cb.type in (4, 5, 6, 7):
            interaction["response_message_id"] = str(rec.original_id)
            interaction["response_message_loading"] = (
                cb.type == CallbackType.DEFERRED_CHANNEL_MESSAGE
            )
            orig = self.messages.get(rec.original_id) or {}
            interaction["response_message_ephemeral"] = bool(
                int(orig.get("flags") or 0) & MessageFlag.EPHEMERAL
            )
        result: dict[str, Any] = {"interaction": interaction}
        if message is not None and cb.type in (4, 5, 7):
            result["resource"] = {"type": cb.type, "message": message}
        return self._json(result)

    def _webhook_interaction(self, req: _Req) -> InteractionRecord:
        rec = self._interactions_by_token.get(req.params["token"])
        if int(req.params["app"]) != self.application_id or rec is None:
            raise _HTTPError(self._error(req, 404, 10015, "Unknown Webhook", "unknown_webhook"))
        if not rec.acknowledged or rec.expired:
            raise _HTTPError(
                self._error(
                    req,
                    404,
                    10015,
                    "Unknown Webhook",
                    "webhook_before_ack" if not rec.expired else "webhook_after_expiry",
                    interaction=rec,
                )
            )
        return rec

    async def _post_followup(self, req: _Req) -> web.Response:
        rec = self._webhook_interaction(req)
        body = req.body
        if rec.loading and rec.original_id in self.messages:
            msg = self.messages[rec.original_id]
            self._validate_edit(req, msg, body, interaction=rec)
            self._apply_edit(msg, body, req.files)
            rec.loading = False
            self._message_event("MESSAGE_UPDATE", msg)
        else:
            self._validate_create(req, body, interaction=rec)
            flags = int(body.get("flags") or 0) & _INTERACTION_CREATE_FLAGS
            msg_type = 20 if rec.type == InteractionType.APPLICATION_COMMAND else 0
            msg = self._new_message(
                rec.channel_id, body, req.files, flags=flags, msg_type=msg_type, interaction=rec
            )
            self._message_event("MESSAGE_CREATE", msg)
        rec.followup_ids.append(int(msg["id"]))
        if req.query.get("wait") in ("1", "true", "True"):
            return self._json(msg)
        return web.Response(status=204)

    async def _webhook_message(self, req: _Req) -> web.Response:
        rec = self._webhook_interaction(req)
        if req.params["mid"] == "@original":
            mid = rec.original_id
        else:
            mid = int(req.params["mid"])
            if mid != rec.original_id and mid not in rec.followup_ids:
                mid = None
        msg = self.messages.get(mid) if mid is not None else None
        if msg is None:
            return self._error(
                req, 404, 10008, "Unknown Message", "unknown_message", interaction=rec
            )
        if req.method == "GET":
            return self._json(msg)
        if req.method == "DELETE":
            self._delete_message(msg)
            return web.Response(status=204)
        self._validate_edit(req, msg, req.body, interaction=rec)
        self._apply_edit(msg, req.body, req.files)
        if mid == rec.original_id:
            rec.loading = False
        self._message_event("MESSAGE_UPDATE", msg)
        return self._json(msg)

    # -- gateway ---------------------------------------------------------------------------

    @property
    def session(self) -> _Session | None:
        """The session that owns the default guild (else the last one identified)."""
        return self.session_for(self.guild.id if self.guild is not None else None)

    def session_for(self, guild_id: int | None = None) -> _Session | None:
        """The valid session that receives events about ``guild_id`` (None: the last
        session identified), whether or not its connection is up right now."""
        if guild_id is None:
            last = self._last_session
            return last if last is not None and not last.invalidated else None
        for session in self.sessions.values():
            if not session.invalidated and session.owns(guild_id):
                return session
        return None

    def shard_of(self, guild_id: int) -> int | None:
        """The shard id of the session that owns ``guild_id``, if any."""
        session = self.session_for(guild_id)
        return session.shard_id if session is not None else None

    def _shards_state(self) -> str:
        return ", ".join(
            f"{i}/{s.shard_count}:{'up' if s.live else 'down'}"
            for i, s in sorted(self.sessions.items())
        )

    @property
    def connection(self) -> GatewayConnection | None:
        """The live connection of :attr:`session` (the default guild's shard)."""
        session = self.session
        return session.conn if session is not None and session.live else None

    @property
    def sequence(self) -> int:
        return self.session.seq if self.session else 0

    def _can_dispatch(self, guild_id: int | None = None) -> bool:
        return self.session_for(guild_id) is not None

    @staticmethod
    def _event_guild(event: str, data: Mapping[str, Any]) -> int | None:
        gid = data.get("guild_id")
        if gid is None and event in ("GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE"):
            gid = data.get("id")
        return int(gid) if gid else None

    def dispatch(
        self,
        event: str,
        data: Mapping[str, Any],
        *,
        on_sent: Callable[[], None] | None = None,
        session: _Session | None = None,
    ) -> int:
        """Send a DISPATCH (op 0) event to the session that owns its guild (or to
        ``session``); returns its sequence number.

        With no live connection the event is buffered for a RESUME (and lost on a fresh
        IDENTIFY, like Discord)."""
        if session is None:
            session = self.session_for(self._event_guild(event, data))
        if session is None or session.invalidated:
            raise RuntimeError(f"no gateway session for {event}: no bot has identified")
        session.seq += 1
        frame = {"op": 0, "t": event, "s": session.seq, "d": data}
        session.buffer.append((frame, on_sent))
        del session.buffer[:-2000]
        conn = session.conn
        if conn is not None and not conn.closed and conn.session is session:
            conn.queue.put_nowait((frame, on_sent))
        return session.seq

    def _send_op(self, conn: GatewayConnection, op: int, d: Any) -> None:
        conn.queue.put_nowait(({"op": op, "d": d, "s": None, "t": None}, None))

    def _shard_session(self, shard_id: int | None) -> _Session | None:
        return self.session if shard_id is None else self.sessions.get(shard_id)

    async def disconnect(self, code: int = 4000, *, shard_id: int | None = None) -> None:
        """Close one shard's connection with ``code`` (4000: the bot resumes); the other
        shards stay connected. Default: the shard of the default guild."""
        session = self._shard_session(shard_id)
        conn = session.conn if session is not None else None
        if conn is not None and not conn.closed:
            await conn.ws.close(code=code, message=b"fake Discord: disconnect")

    def send_reconnect(self, *, shard_id: int | None = None) -> None:
        """Ask one shard to reconnect and resume (op 7)."""
        session = self._shard_session(shard_id)
        if session is not None and session.live:
            assert session.conn is not None
            self._send_op(session.conn, 7, None)

    def invalidate_session(self, resumable: bool = False, *, shard_id: int | None = None) -> None:
        """Send INVALID_SESSION (op 9). discord.py waits 5 s before identifying again."""
        session = self._shard_session(shard_id)
        if session is not None and session.live:
            assert session.conn is not None
            self._send_op(session.conn, 9, resumable)
            if not resumable:
                session.invalidated = True
                self._update_ready()

    def _update_ready(self) -> None:
        if any(s.live for s in self.sessions.values()):
            self.ready.set()
        else:
            self.ready.clear()
        self._notify()

    async def _writer(self, conn: GatewayConnection) -> None:
        while True:
            frame, on_sent = await conn.queue.get()
            if conn.closed:
                return
            try:
                await conn.ws.send_str(json.dumps(frame))
            except Exception:  # the bot went away; the session buffer keeps the frame
                conn.closed = True
                self._notify()
                return
            if on_sent is not None:
                on_sent()

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        conn = GatewayConnection(ws, dict(request.query), time.perf_counter())
        self.connections.append(conn)
        conn.writer = asyncio.create_task(self._writer(conn))
        self._send_op(
            conn, 10, {"heartbeat_interval": self.heartbeat_interval, "_trace": ["fake-discord"]}
        )
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    try:
                        payload = json.loads(msg.data)
                    except ValueError:
                        await ws.close(code=4002, message=b"Error while decoding payload.")
                        break
                    conn.received.append(payload)
                    await self._on_gateway_op(conn, payload)
                elif msg.type == WSMsgType.BINARY:
                    self.unhandled.append(
                        {"method": "GATEWAY", "path": "binary frame", "body": None}
                    )
                    await ws.close(code=4002, message=b"Error while decoding payload.")
                    break
        finally:
            conn.closed = True
            conn.close_code = ws.close_code
            if conn.writer is not None:
                conn.writer.cancel()
            if conn.session is not None and conn.session.conn is conn:
                conn.session.conn = None
            self._update_ready()
        return ws

    async def _on_gateway_op(self, conn: GatewayConnection, payload: Mapping[str, Any]) -> None:
        op = payload.get("op")
        d = payload.get("d")
        if op == 1:
            conn.heartbeats += 1
            self._send_op(conn, 11, None)
        elif op == 2:
            await self._identify(conn, d or {})
        elif op == 6:
            self._resume(conn, d or {})
        elif op == 8:
            self._request_members(conn, d or {})
        elif op in (3, 4):
            pass  # presence / voice state updates: accepted, ignored
        else:
            self.unhandled.append({"method": "GATEWAY", "path": f"op {op}", "body": d})
            self._notify()

    async def _identify(self, conn: GatewayConnection, d: Mapping[str, Any]) -> None:
        if self.token is not None and d.get("token") != self.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        shard = d.get("shard")
        shard_id, shard_count = (int(shard[0]), int(shard[1])) if shard else (0, 1)
        if shard_count < 1 or not 0 <= shard_id < shard_count:
            await conn.ws.close(code=4010, message=b"Invalid shard.")
            return
        self.identify_payloads.append(dict(d))
        session = _Session(
            uuid.uuid4().hex,
            intents=int(d.get("intents") or 0),
            shard_id=shard_id,
            shard_count=shard_count,
            conn=conn,
        )
        # A new count replaces the old layout: sessions of another count stop receiving.
        for old in list(self.sessions.values()):
            if old.shard_count != shard_count or old.shard_id == shard_id:
                old.invalidated = True
                del self.sessions[old.shard_id]
        self.sessions[shard_id] = session
        self._last_session = session
        conn.session = session
        conn.identify = dict(d)
        ready: dict[str, Any] = {
            "v": API_VERSION,
            "user": {
                **self.bot_user.payload(),
                "verified": True,
                "mfa_enabled": False,
                "email": None,
            },
            "user_settings": {},
            "guilds": [{"id": str(g), "unavailable": True} for g in self._shard_guilds(session)],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.application_id), "flags": self.application_flags},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["fake"],
            "auth": {},
            "_trace": ["fake-discord"],
        }
        if shard is not None:
            ready["shard"] = [shard_id, shard_count]
        self.dispatch("READY", ready, session=session)
        for gid in self._shard_guilds(session):
            self.dispatch("GUILD_CREATE", self.guilds[gid].payload(), session=session)
        self.identify_count += 1
        self._update_ready()

    def _shard_guilds(self, session: _Session) -> list[int]:
        return [g for g in self.guilds if session.owns(g)]

    def _resume(self, conn: GatewayConnection, d: Mapping[str, Any]) -> None:
        session = next((s for s in self.sessions.values() if s.id == d.get("session_id")), None)
        if (
            session is None
            or session.invalidated
            or (self.token is not None and d.get("token") != self.token)
        ):
            self._send_op(conn, 9, False)
            return
        seq = int(d.get("seq") or 0)
        conn.session = session
        conn.resumed = True
        session.conn = conn
        for frame, on_sent in session.buffer:
            if frame["s"] > seq:
                conn.queue.put_nowait((frame, on_sent))
        self.resume_count += 1
        self.dispatch("RESUMED", {"_trace": ["fake-discord"]}, session=session)
        self._update_ready()

    def _request_members(self, conn: GatewayConnection, d: Mapping[str, Any]) -> None:
        gids = d.get("guild_id")
        gids = gids if isinstance(gids, list) else [gids]
        for gid in gids:
            guild = self.guilds.get(int(gid or 0))
            members = list(guild.members.values()) if guild else []
            if d.get("user_ids"):
                wanted = {int(u) for u in d["user_ids"]}
                members = [m for m in members if m.id in wanted]
            elif d.get("query"):
                q = str(d["query"]).lower()
                members = [m for m in members if m.username.lower().startswith(q)]
            if d.get("limit"):
                members = members[: int(d["limit"])]
            chunk: dict[str, Any] = {
                "guild_id": str(gid),
                "members": [m.payload() for m in members],
                "chunk_index": 0,
                "chunk_count": 1,
                "not_found": [],
            }
            if d.get("presences"):
                chunk["presences"] = []
            if d.get("nonce"):
                chunk["nonce"] = d["nonce"]
            self.dispatch("GUILD_MEMBERS_CHUNK", chunk, session=conn.session)

    # -- driving interactions ----------------------------------------------------------

    def _member_in(
        self, guild: FakeGuild, user: FakeMember | FakeUser | int | str | None
    ) -> FakeMember:
        if user is None:
            assert guild.member is not None
            return guild.member
        if isinstance(user, FakeMember):
            if user.guild_id != guild.id:
                raise LookupError(f"{user.username} is not a member of guild {guild.id}")
            return user
        if isinstance(user, FakeUser):
            user = user.id
        if isinstance(user, str):
            found = guild.find_member(user)
            if found is None:
                raise LookupError(f"no member named {user!r} in guild {guild.id}")
            return found
        try:
            return guild.members[int(user)]
        except KeyError:
            raise LookupError(f"user {user} is not a member of guild {guild.id}") from None

    def _channel_in(self, guild: FakeGuild, channel: FakeChannel | int | None) -> FakeChannel:
        if channel is None:
            if guild.default_channel is None:
                raise LookupError(f"guild {guild.id} has no default channel; pass channel_id=")
            return guild.default_channel
        cid = channel.id if isinstance(channel, FakeChannel) else int(channel)
        try:
            return guild.channels[cid]
        except KeyError:
            raise LookupError(f"no channel {cid} in guild {guild.id}") from None

    def _interaction_payload(
        self,
        itype: InteractionType,
        data: dict[str, Any],
        *,
        guild: FakeGuild,
        channel: FakeChannel,
        member: FakeMember,
        locale: str,
        message: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "id": str(self.snowflake()),
            "application_id": str(self.application_id),
            "type": int(itype),
            "data": data,
            "token": "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(60),
            "version": 1,
            "guild_id": str(guild.id),
            "guild": {"id": str(guild.id), "locale": guild.preferred_locale, "features": []},
            "channel_id": str(channel.id),
            "channel": {**channel.payload(), "permissions": member.permissions},
            "member": member.payload(with_permissions=True),
            "locale": locale,
            "guild_locale": guild.preferred_locale,
            "app_permissions": str(self._bot_permissions(guild, channel)),
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(guild.id)},
            "context": 0,
            "attachment_size_limit": self.attachment_size_limit,
        }
        if message is not None:
            payload["message"] = copy.deepcopy(message)
        return payload

    async def send_interaction(
        self,
        payload: dict[str, Any],
        *,
        name: str = "",
        member: FakeMember | None = None,
        message_id: int | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> InteractionRecord:
        """Send a prepared INTERACTION_CREATE payload.

        Waits (up to ``timeout``) until the shard that owns the guild is connected, then
        until the event has been written to its socket. If the connection drops first, the
        record is returned with ``sent_at`` None (the event stays buffered for a RESUME; a
        fresh IDENTIFY loses it, as on Discord).
        """
        gid = int(payload["guild_id"])
        session = await self.wait_for(
            lambda: (s := self.session_for(gid)) is not None and s.live and s,
            timeout,
            f"a connected gateway session for guild {gid} (shard {self.shard_of(gid)})",
        )
        guild = self.get_guild(gid)
        if member is None:
            member = guild.members[int(payload["member"]["user"]["id"])]
        rec = InteractionRecord(self, payload, name=name, member=member, message_id=message_id)
        rec.shard_id, rec.session_id = session.shard_id, session.id
        self.interactions[rec.id] = rec
        self._interactions_by_token[rec.token] = rec
        conn = session.conn

        def on_sent() -> None:
            if rec.sent_at is None:
                rec.sent_at = time.perf_counter()
                self._notify()

        rec.seq = self.dispatch("INTERACTION_CREATE", payload, on_sent=on_sent)
        await self.wait_for(
            lambda: rec.sent_at is not None or conn is None or conn.closed,
            timeout,
            f"INTERACTION_CREATE for {rec!r} to be written",
        )
        return rec

    def _option_value(
        self,
        defn: Mapping[str, Any],
        value: Any,
        resolved: dict[str, dict[str, Any]],
        guild: FakeGuild,
        channel: FakeChannel,
        member: FakeMember,
    ) -> Any:
        t = int(defn["type"])
        name = defn["name"]

        def check_choices(v: Any) -> None:
            choices = defn.get("choices")
            if choices and v not in [c["value"] for c in choices]:
                raise ValueError(
                    f"option {name}={v!r} is not one of its choices {[c['value'] for c in choices]}"
                )

        if t == 3:
            if not isinstance(value, str):
                raise TypeError(f"option {name} is a string option, got {value!r}")
            check_choices(value)
            if "min_length" in defn and len(value) < defn["min_length"]:
                raise ValueError(f"option {name} is shorter than min_length {defn['min_length']}")
            if "max_length" in defn and len(value) > defn["max_length"]:
                raise ValueError(f"option {name} is longer than max_length {defn['max_length']}")
            return value
        if t in (4, 10):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(f"option {name} is numeric, got {value!r}")
            if t == 4 and not float(value).is_integer():
                raise TypeError(f"option {name} is an integer option, got {value!r}")
            value = int(value) if t == 4 else value
            check_choices(value)
            if defn.get("min_value") is not None and value < defn["min_value"]:
                raise ValueError(f"option {name}={value} is below min_value {defn['min_value']}")
            if defn.get("max_value") is not None and value > defn["max_value"]:
                raise ValueError(f"option {name}={value} is above max_value {defn['max_value']}")
            return value
        if t == 5:
            if not isinstance(value, bool):
                raise TypeError(f"option {name} is a boolean option, got {value!r}")
            return value
        if t == 9:
            t = 8 if isinstance(value, FakeRole) else 6
        if t == 6:
            return self._resolve_user(value, resolved, guild)
        if t == 7:
            chosen = value if isinstance(value, FakeChannel) else self.get_channel(int(value))
            if chosen is None:
                raise LookupError(f"option {name}: no channel {value!r}")
            if defn.get("channel_types") and chosen.type not in defn["channel_types"]:
                raise ValueError(
                    f"option {name}: channel type {chosen.type} not in {defn['channel_types']}"
                )
            data = chosen.payload()
            data["permissions"] = member.permissions
            resolved.setdefault("channels", {})[str(chosen.id)] = data
            return str(chosen.id)
        if t == 8:
            role = value if isinstance(value, FakeRole) else None
            if role is None:
                role = (
                    guild.find_role(value)
                    if isinstance(value, str)
                    else guild.roles.get(int(value))
                )
            if role is None:
                raise LookupError(f"option {name}: no role {value!r}")
            resolved.setdefault("roles", {})[str(role.id)] = role.payload()
            return str(role.id)
        if t == 11:
            if isinstance(value, tuple):
                value = FakeFile(*value)
            if not isinstance(value, FakeFile):
                raise TypeError(
                    f"option {name} is an attachment option: "
                    "pass FakeFile(...) or (filename, bytes)"
                )
            upload = UploadedFile(
                "attachment", value.filename, value.content_type or "", value.data
            )
            att = self._store_file(channel.id, upload, {"description": value.description})
            att["ephemeral"] = True
            resolved.setdefault("attachments", {})[att["id"]] = att
            return att["id"]
        raise ValueError(f"option {name}: unsupported option type {t}")

    def _resolve_user(
        self, value: Any, resolved: dict[str, dict[str, Any]], guild: FakeGuild
    ) -> str:
        member: FakeMember | None = None
        user: FakeUser | None = None
        if isinstance(value, FakeMember):
            member, user = value, value.user
        elif isinstance(value, FakeUser):
            user = value
        elif isinstance(value, str) and not value.isdigit():
            member = guild.find_member(value)
            user = (
                member.user
                if member
                else next((u for u in self.users.values() if u.username == value), None)
            )
        else:
            user = self.users.get(int(value))
        if user is None:
            raise LookupError(f"no user {value!r}")
        member = member or guild.members.get(user.id)
        resolved.setdefault("users", {})[str(user.id)] = user.payload()
        if member is not None:
            resolved.setdefault("members", {})[str(user.id)] = member.payload(
                with_user=False, with_permissions=True
            )
        return str(user.id)

    def _leaf_options(
        self,
        defs: Sequence[Mapping[str, Any]],
        options: Mapping[str, Any] | Sequence[Any] | None,
        resolved: dict[str, dict[str, Any]],
        guild: FakeGuild,
        channel: FakeChannel,
        member: FakeMember,
        focused: str | None,
        command: str,
    ) -> list[dict[str, Any]]:
        if options is None:
            items: list[tuple[str, Any]] = []
        elif isinstance(options, Mapping):
            items = list(options.items())
        else:
            seq = list(options)
            if seq and isinstance(seq[0], Mapping):
                return [dict(o) for o in seq]  # raw option payloads, passed through
            items = [(str(k), v) for k, v in seq]
        by_name = {d["name"]: d for d in defs}
        given: dict[str, Any] = {}
        for key, value in items:
            if key not in by_name:
                raise ValueError(f"/{command} has no option {key!r} (options: {sorted(by_name)})")
            given[key] = value
        if focused is not None:
            if focused not in by_name:
                raise ValueError(f"/{command} has no option {focused!r} to focus")
            if not by_name[focused].get("autocomplete"):
                raise ValueError(f"/{command} option {focused!r} has no autocomplete")
        else:
            missing = [d["name"] for d in defs if d.get("required") and d["name"] not in given]
            if missing:
                raise ValueError(f"/{command} is missing required option(s) {missing}")
        out: list[dict[str, Any]] = []
        for d in defs:
            n = d["name"]
            if n == focused:
                raw = given.get(n, "")
                out.append(
                    {
                        "type": d["type"],
                        "name": n,
                        "value": raw if isinstance(raw, str) else str(raw),
                        "focused": True,
                    }
                )
            elif n in given:
                out.append(
                    {
                        "type": d["type"],
                        "name": n,
                        "value": self._option_value(d, given[n], resolved, guild, channel, member),
                    }
                )
        return out

    def _command_options(
        self,
        cmd: Mapping[str, Any],
        options: Any,
        *,
        group: str | None,
        subcommand: str | None,
        guild: FakeGuild,
        channel: FakeChannel,
        member: FakeMember,
        focused: str | None,
    ) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
        resolved: dict[str, dict[str, Any]] = {}
        defs = cmd.get("options") or []
        subs = [d for d in defs if d.get("type") in (1, 2)]
        name = cmd["name"]
        if not subs:
            if subcommand or group:
                raise ValueError(f"/{name} has no subcommands")
            leaf = self._leaf_options(
                defs, options, resolved, guild, channel, member, focused, name
            )
            return leaf, resolved
        if subcommand is None:
            raise ValueError(
                f"/{name} has subcommands {[d['name'] for d in subs]}; "
                "pass subcommand= (and group=)"
            )

        def find(items: Sequence[Mapping[str, Any]], n: str, t: int) -> Mapping[str, Any]:
            for d in items:
                if d["name"] == n and d.get("type") == t:
                    return d
            raise ValueError(f"/{name}: no {'group' if t == 2 else 'subcommand'} {n!r}")

        parent = find(defs, group, 2)["options"] if group else defs
        sdef = find(parent, subcommand, 1)
        leaf = self._leaf_options(
            sdef.get("options") or [],
            options,
            resolved,
            guild,
            channel,
            member,
            focused,
            f"{name} {subcommand}",
        )
        sub: dict[str, Any] = {"type": 1, "name": subcommand, "options": leaf}
        top = [{"type": 2, "name": group, "options": [sub]}] if group else [sub]
        return top, resolved

    def _command_interaction(
        self,
        itype: InteractionType,
        name: str,
        options: Any,
        *,
        user: Any,
        guild_id: int | None,
        channel_id: FakeChannel | int | None,
        subcommand: str | None,
        group: str | None,
        focused: str | None,
        locale: str,
        check_permissions: bool,
    ) -> tuple[dict[str, Any], FakeMember, str]:
        parts = name.strip().lstrip("/").split()
        if len(parts) == 2 and subcommand is None:
            subcommand = parts[1]
        elif len(parts) == 3 and subcommand is None and group is None:
            group, subcommand = parts[1], parts[2]
        name = parts[0]
        guild = self.get_guild(guild_id)
        channel = self._channel_in(guild, channel_id)
        member = self._member_in(guild, user)
        cmd, scope = self.find_command(name, guild.id)
        required = cmd.get("default_member_permissions")
        if check_permissions and required is not None:
            perms = int(member.permissions)
            needed = int(required)
            if not (perms & ADMINISTRATOR or (needed and perms & needed == needed)):
                raise PermissionError(
                    f"Discord would not offer /{name} to {member.username}: it needs "
                    f"default_member_permissions={needed} and the member has {perms} "
                    "(pass check_permissions=False to send it anyway)"
                )
        data: dict[str, Any] = {"id": cmd["id"], "name": cmd["name"], "type": 1}
        if scope is not None:
            data["guild_id"] = str(scope)
        opts, resolved = self._command_options(
            cmd,
            options,
            group=group,
            subcommand=subcommand,
            guild=guild,
            channel=channel,
            member=member,
            focused=focused,
        )
        if opts:
            data["options"] = opts
        if resolved:
            data["resolved"] = resolved
        payload = self._interaction_payload(
            itype, data, guild=guild, channel=channel, member=member, locale=locale
        )
        return payload, member, " ".join(p for p in (name, group, subcommand) if p)

    async def slash(
        self,
        name: str,
        options: Mapping[str, Any] | Sequence[Any] | None = None,
        *,
        user: FakeMember | FakeUser | int | str | None = None,
        guild_id: int | None = None,
        channel_id: FakeChannel | int | None = None,
        subcommand: str | None = None,
        group: str | None = None,
        locale: str = "en-US",
        check_permissions: bool = True,
    ) -> InteractionRecord:
        """Invoke a synced slash command as ``user`` (default: the ordinary member).

        ``name`` may be "cmd", "cmd sub" or "cmd group sub". ``options`` maps option
        names to values: str/int/float/bool, a FakeMember/FakeUser/id for users, a
        FakeChannel/id, a FakeRole/id/name, a FakeFile or (filename, bytes) for
        attachments. Returns once INTERACTION_CREATE has been written to the bot.

        Like the Discord client, refuses (PermissionError) to invoke a command whose
        ``default_member_permissions`` the member lacks, unless ``check_permissions=False``.
        """
        payload, member, full = self._command_interaction(
            InteractionType.APPLICATION_COMMAND,
            name,
            options,
            user=user,
            guild_id=guild_id,
            channel_id=channel_id,
            subcommand=subcommand,
            group=group,
            focused=None,
            locale=locale,
            check_permissions=check_permissions,
        )
        return await self.send_interaction(payload, name=full, member=member)

    async def autocomplete(
        self,
        name: str,
        options: Mapping[str, Any] | Sequence[Any] | None = None,
        focused: str | None = None,
        *,
        user: FakeMember | FakeUser | int | str | None = None,
        guild_id: int | None = None,
        channel_id: FakeChannel | int | None = None,
        subcommand: str | None = None,
        group: str | None = None,
        locale: str = "en-US",
        check_permissions: bool = True,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> Choices:
        """Type into option ``focused`` and return the bot's choices (``.record`` has the
        interaction). ``focused`` defaults to the only option given."""
        if focused is None:
            keys = (
                list(options) if isinstance(options, Mapping) else [k for k, _ in (options or [])]
            )
            if len(keys) != 1:
                raise ValueError("pass focused= (the option being typed in)")
            focused = keys[0]
        payload, member, full = self._command_interaction(
            InteractionType.AUTOCOMPLETE,
            name,
            options,
            user=user,
            guild_id=guild_id,
            channel_id=channel_id,
            subcommand=subcommand,
            group=group,
            focused=focused,
            locale=locale,
            check_permissions=check_permissions,
        )
        rec = await self.send_interaction(payload, name=full, member=member)
        await rec.response(timeout)
        result = Choices(rec.choices or [])
        result.record = rec
        return result

    def _resolve_message(self, message: Mapping[str, Any] | int | str) -> dict[str, Any]:
        mid = int(message["id"]) if isinstance(message, Mapping) else int(message)
        try:
            return self.messages[mid]
        except KeyError:
            raise LookupError(f"no message {mid} (deleted?)") from None

    def _find_component(self, msg: Mapping[str, Any], custom_id: str) -> Mapping[str, Any]:
        ids = []
        for c in _walk_components(msg.get("components") or []):
            if c.get("custom_id") == custom_id:
                return c
            if c.get("custom_id"):
                ids.append(c["custom_id"])
        raise LookupError(f"message {msg['id']} has no component {custom_id!r} (custom ids: {ids})")

    async def _component_interaction(
        self, msg: dict[str, Any], data: dict[str, Any], user: Any, locale: str, name: str
    ) -> InteractionRecord:
        channel = self.get_channel(int(msg["channel_id"]))
        if channel is None:
            raise LookupError(f"message {msg['id']} is in an unknown channel")
        guild = self.guilds[channel.guild_id]
        member = self._member_in(guild, user)
        payload = self._interaction_payload(
            InteractionType.MESSAGE_COMPONENT,
            data,
            guild=guild,
            channel=channel,
            member=member,
            locale=locale,
            message=msg,
        )
        return await self.send_interaction(
            payload, name=name, member=member, message_id=int(msg["id"])
        )

    async def click(
        self,
        message: Mapping[str, Any] | int,
        custom_id: str,
        *,
        user: FakeMember | FakeUser | int | str | None = None,
        locale: str = "en-US",
    ) -> InteractionRecord:
        """Click the button ``custom_id`` on ``message`` (a message dict or id)."""
        msg = self._resolve_message(message)
        comp = self._find_component(msg, custom_id)
        if comp.get("type") != 2:
            raise ValueError(
                f"component {custom_id!r} is type {comp.get('type')}, not a button; use select()"
            )
        if comp.get("disabled"):
            raise ValueError(f"button {custom_id!r} is disabled")
        return await self._component_interaction(
            msg, {"custom_id": custom_id, "component_type": 2}, user, locale, custom_id
        )

    async def select(
        self,
        message: Mapping[str, Any] | int,
        custom_id: str,
        values: Sequence[str],
        *,
        user: FakeMember | FakeUser | int | str | None = None,
        locale: str = "en-US",
    ) -> InteractionRecord:
        """Pick ``values`` in the select menu ``custom_id`` on ``message``."""
        msg = self._resolve_message(message)
        comp = self._find_component(msg, custom_id)
        if comp.get("type") not in _SELECT_TYPES:
            raise ValueError(f"component {custom_id!r} is not a select menu")
        if comp.get("disabled"):
            raise ValueError(f"select {custom_id!r} is disabled")
        if comp.get("type") == 3:
            allowed = [o["value"] for o in comp.get("options") or []]
            bad = [v for v in values if v not in allowed]
            if bad:
                raise ValueError(f"values {bad} are not options of {custom_id!r} ({allowed})")
        data = {
            "custom_id": custom_id,
            "component_type": comp["type"],
            "values": [str(v) for v in values],
        }
        return await self._component_interaction(msg, data, user, locale, custom_id)

    async def submit_modal(
        self,
        opened_by: InteractionRecord,
        values: Mapping[str, str],
        *,
        user: FakeMember | FakeUser | int | str | None = None,
        locale: str = "en-US",
    ) -> InteractionRecord:
        """Submit the modal the bot opened in answer to ``opened_by`` with text ``values``
        (custom_id -> text)."""
        modal = opened_by.modal
        if modal is None:
            raise LookupError(f"{opened_by!r} did not open a modal")

        def convert(components: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
            out: list[dict[str, Any]] = []
            for c in components:
                t = c.get("type")
                if t == 1:
                    out.append(
                        {
                            "type": 1,
                            "id": c.get("id"),
                            "components": convert(c.get("components") or []),
                        }
                    )
                elif t == 18 and isinstance(c.get("component"), Mapping):
                    out.append(
                        {"type": 18, "id": c.get("id"), "component": convert([c["component"]])[0]}
                    )
                elif t == 4:
                    cid = c["custom_id"]
                    out.append(
                        {
                            "type": 4,
                            "id": c.get("id"),
                            "custom_id": cid,
                            "value": values.get(cid, c.get("value") or ""),
                        }
                    )
                elif t in _SELECT_TYPES:
                    cid = c["custom_id"]
                    chosen = values.get(cid, [])
                    out.append(
                        {"type": t, "id": c.get("id"), "custom_id": cid, "values": list(chosen)}
                    )
                else:
                    out.append({"type": t, "id": c.get("id")})
            return out

        guild = self.get_guild(opened_by.guild_id)
        channel = self._channel_in(guild, opened_by.channel_id)
        member = self._member_in(guild, user if user is not None else opened_by.user)
        data = {
            "custom_id": modal["custom_id"],
            "components": convert(modal.get("components") or []),
        }
        message = self.messages.get(opened_by.message_id) if opened_by.message_id else None
        payload = self._interaction_payload(
            InteractionType.MODAL_SUBMIT,
            data,
            guild=guild,
            channel=channel,
            member=member,
            locale=locale,
            message=message,
        )
        return await self.send_interaction(
            payload, name=modal["custom_id"], member=member, message_id=opened_by.message_id
        )

    # -- attachments -------------------------------------------------------------------

    def attachment_bytes(self, attachment: Mapping[str, Any] | int | str) -> bytes:
        """The bytes of a stored attachment (an attachment dict from a message, or id)."""
        aid = int(attachment["id"]) if isinstance(attachment, Mapping) else int(attachment)
        return self.attachments[aid].data
