"""Settings from the environment and `.env`, validated once into one typed object.

The environment wins over `.env`, so a deployment can override a checked-out file.

Where things live by default depends on how Trackside runs:
- from a checkout (or an editable install): the repository's `data/`, and the database at
  `data/trackside.db` under the working directory, as the README's commands expect;
- from an installed package (`pip install .`): the data shipped inside the package
  (`bot/data`, read through importlib.resources), and the database in the user's data
  folder, never inside site-packages.
`DATA_DIR` and `DATABASE_PATH` override both.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from dotenv import dotenv_values

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CHECKOUT_DATA_DIR = PROJECT_ROOT / "data"
CHECKOUT_DATABASE_PATH = Path("data/trackside.db")


def packaged_data_dir() -> Path | None:
    """The data/ folder a wheel ships inside the package (see setup.py), if this is one."""
    shipped = resources.files("bot") / "data"
    # A zip import would give a non-filesystem Traversable; Trackside is never installed so.
    if isinstance(shipped, Path) and shipped.is_dir():
        return shipped
    return None


def user_data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where an installed Trackside keeps its database: $XDG_DATA_HOME/trackside (by
    default ~/.local/share/trackside), or %LOCALAPPDATA%\\trackside on Windows."""
    env = os.environ if environ is None else environ
    if os.name == "nt" and env.get("LOCALAPPDATA"):
        return Path(env["LOCALAPPDATA"]) / "trackside"
    xdg = env.get("XDG_DATA_HOME", "").strip()
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".local" / "share"
    return base / "trackside"


PACKAGED_DATA_DIR = packaged_data_dir()
INSTALLED = PACKAGED_DATA_DIR is not None
DEFAULT_DATA_DIR = PACKAGED_DATA_DIR or CHECKOUT_DATA_DIR


def default_database_path(environ: Mapping[str, str] | None = None) -> Path:
    """data/trackside.db in a checkout (relative to the working directory, as before);
    the user's data folder for an installed package."""
    if INSTALLED:
        return user_data_dir(environ) / "trackside.db"
    return CHECKOUT_DATABASE_PATH


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_LOG_LEVELS = {"CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"}


class ConfigError(ValueError):
    """A setting has a value we cannot use; the message names the setting and the fix."""


class Secret:
    """A string that never shows itself in logs, reprs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('**********')" if self._value else "Secret('')"

    __str__ = __repr__


@dataclass(frozen=True)
class Settings:
    discord_token: Secret = field(default_factory=lambda: Secret(""))
    database_path: Path = field(default_factory=default_database_path)
    data_dir: Path = DEFAULT_DATA_DIR
    trusted_guild_ids: frozenset[int] = frozenset()
    owner_ids: frozenset[int] = frozenset()
    log_level: str = "INFO"
    sync_commands: bool = False
    dev_guild_id: int | None = None
    #: Total shards across every process; None asks Discord for its recommended count.
    shard_count: int | None = None
    #: The shards this process runs (sorted); None runs all of them.
    shard_ids: tuple[int, ...] | None = None
    #: postgresql://… selects the PostgreSQL store; empty keeps SQLite at database_path.
    database_url: Secret = field(default_factory=lambda: Secret(""))
    #: How long a claimed announcement delivery stays this process's before another may
    #: take it over (renewed while a post is under way): bot/services/delivery.py.
    delivery_lease_seconds: float = 10.0

    @property
    def store(self) -> Path | str:
        """What `Database.open` opens: the PostgreSQL URL if set, else the SQLite file."""
        return self.database_url.reveal() if self.database_url else self.database_path

    @property
    def store_name(self) -> str:
        """The store for messages: the SQLite path, or the URL without its password."""
        if not self.database_url:
            return str(self.database_path)
        return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", self.database_url.reveal())

    @property
    def log_level_number(self) -> int:
        return logging.getLevelName(self.log_level)

    def shards_text(self) -> str:
        """Which shards this process runs, as settings say: for logs and `db status`."""
        if self.shard_count is None:
            return "all shards (Discord's recommended count)"
        ids = self.shard_ids if self.shard_ids is not None else range(self.shard_count)
        return f"shards {', '.join(map(str, ids))} of {self.shard_count}"


def _id_set(name: str, raw: str) -> frozenset[int]:
    ids = set()
    for part in raw.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit():
            raise ConfigError(f"{name} must be a comma-separated list of Discord ids, got {part!r}")
        ids.add(int(part))
    return frozenset(ids)


def _flag(name: str, raw: str) -> bool:
    value = raw.strip().casefold()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name} must be 1 or 0 (true/false), got {raw!r}")


def _shards(raw_count: str, raw_ids: str) -> tuple[int | None, tuple[int, ...] | None]:
    """SHARD_COUNT and SHARD_IDS, checked together: ids need a count and must lie within it."""
    raw_count, raw_ids = raw_count.strip(), raw_ids.strip()
    count = None
    if raw_count:
        if not raw_count.isdigit() or int(raw_count) < 1:
            raise ConfigError(f"SHARD_COUNT must be a whole number of 1 or more, got {raw_count!r}")
        count = int(raw_count)
    if not raw_ids:
        return count, None
    parts = [p.strip() for p in raw_ids.replace(";", ",").split(",") if p.strip()]
    bad = [p for p in parts if not p.isdigit()]
    if bad or not parts:
        raise ConfigError(
            f"SHARD_IDS must be a comma-separated list of shard numbers, got {raw_ids!r}"
        )
    if count is None:
        raise ConfigError("SHARD_IDS needs SHARD_COUNT too (the total across every process)")
    ids = tuple(sorted({int(p) for p in parts}))
    outside = [i for i in ids if i >= count]
    if outside:
        raise ConfigError(
            f"SHARD_IDS {', '.join(map(str, outside))} not below SHARD_COUNT={count} "
            f"(shards are numbered 0 to {count - 1})"
        )
    return count, ids


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
) -> Settings:
    """Read settings from `.env` (if present) overlaid by the environment."""
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)

    level = values.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if level not in _LOG_LEVELS:
        raise ConfigError(
            f"LOG_LEVEL must be one of {', '.join(sorted(_LOG_LEVELS))}, got {level!r}"
        )
    dev_guild = values.get("DEV_GUILD_ID", "").strip()
    if dev_guild and not dev_guild.isdigit():
        raise ConfigError(f"DEV_GUILD_ID must be a Discord server id, got {dev_guild!r}")
    database_path = values.get("DATABASE_PATH", "").strip()
    data_dir = values.get("DATA_DIR", "").strip()
    shard_count, shard_ids = _shards(values.get("SHARD_COUNT", ""), values.get("SHARD_IDS", ""))
    database_url = values.get("DATABASE_URL", "").strip()
    if database_url and not database_url.startswith(("postgresql://", "postgres://")):
        raise ConfigError(
            "DATABASE_URL must be a postgresql://user:password@host:port/database URL "
            "(leave it unset to use the SQLite file at DATABASE_PATH)"
        )
    return Settings(
        discord_token=Secret(values.get("DISCORD_TOKEN", "").strip()),
        database_path=Path(database_path) if database_path else default_database_path(values),
        data_dir=Path(data_dir) if data_dir else DEFAULT_DATA_DIR,
        trusted_guild_ids=_id_set("TRUSTED_GUILD_IDS", values.get("TRUSTED_GUILD_IDS", "")),
        owner_ids=_id_set("OWNER_IDS", values.get("OWNER_IDS", "")),
        log_level=level,
        sync_commands=_flag("SYNC_COMMANDS", values.get("SYNC_COMMANDS", "0")),
        dev_guild_id=int(dev_guild) if dev_guild else None,
        shard_count=shard_count,
        shard_ids=shard_ids,
        database_url=Secret(database_url),
        delivery_lease_seconds=_lease_seconds(values.get("DELIVERY_LEASE_SECONDS", "")),
    )


def _lease_seconds(text: str) -> float:
    text = text.strip()
    if not text:
        return Settings.delivery_lease_seconds
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 3 <= seconds <= 600:
        raise ConfigError(
            f"DELIVERY_LEASE_SECONDS must be a number of seconds from 3 to 600, got {text!r}"
        )
    return seconds
