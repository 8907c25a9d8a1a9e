"""Run a module (normally the bot) as ``__main__`` against the fake Discord.

    TRACKSIDE_FAKE_DISCORD_API=http://127.0.0.1:PORT/api/v10 \\
    TRACKSIDE_FAKE_DISCORD_GATEWAY=ws://127.0.0.1:PORT/ \\
    python tests/e2e/launch.py bot run [ARGS...]

The launcher points discord.py at the fake (``discord.http.Route.BASE`` and
``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY``), installs a socket guard that refuses
any non-loopback connection or DNS lookup, and then runs ``MODULE`` with
``runpy.run_module(..., run_name="__main__", alter_sys=True)`` and the remaining arguments,
like ``python -m MODULE ARGS`` would. The bot's own code is untouched.

It exits with status 2, before importing the module, when the URLs are missing or do not
point at 127.0.0.1 / localhost / ::1.

The helpers here (``redirect_from_env``, ``install_loopback_guard``, ``is_loopback_host``)
are importable too; they need nothing but the standard library until discord.py is
redirected.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import runpy
import socket
import sys
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

ENV_API = "TRACKSIDE_FAKE_DISCORD_API"
ENV_GATEWAY = "TRACKSIDE_FAKE_DISCORD_GATEWAY"

_GUARD_FLAG = "_trackside_loopback_guard"


def is_loopback_host(host: str | None) -> bool:
    """True for ``localhost`` and loopback IP literals (127.0.0.0/8, ::1)."""
    if not host:
        return False
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_loopback_url(url: str | None, schemes: tuple[str, ...], name: str) -> str:
    """Return ``url`` if it uses one of ``schemes`` and a loopback host; raise ValueError."""
    if not url:
        raise ValueError(f"{name} is not set")
    parts = urlsplit(url)
    if parts.scheme not in schemes:
        raise ValueError(f"{name}={url!r}: scheme must be one of {', '.join(schemes)}")
    if not is_loopback_host(parts.hostname):
        raise ValueError(f"{name}={url!r} is not on 127.0.0.1/localhost; refusing to run")
    return url


def _address_host(address: object) -> str | None:
    if isinstance(address, tuple) and address:
        return str(address[0])
    return None


def install_loopback_guard(blocked: list[str] | None = None) -> Callable[[], None]:
    """Refuse non-loopback TCP/UDP connections and DNS lookups in this process.

    Every refused attempt is appended to ``blocked`` (if given) and raises ``OSError``.
    Unix sockets are allowed. Returns a function that removes the guard. Installing twice
    is a no-op (the second call returns a no-op remover).
    """
    if getattr(socket, _GUARD_FLAG, False):
        return lambda: None

    orig_connect = socket.socket.connect
    orig_connect_ex = socket.socket.connect_ex
    orig_getaddrinfo = socket.getaddrinfo

    def _refuse(what: str) -> OSError:
        message = f"e2e loopback guard: refused {what}"
        if blocked is not None:
            blocked.append(message)
        return OSError(errno.ENETUNREACH, message)

    def _check(sock: socket.socket, address: object) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            host = _address_host(address)
            if not is_loopback_host(host):
                raise _refuse(f"connection to {address!r}")

    def connect(self: socket.socket, address: object) -> None:
        _check(self, address)
        return orig_connect(self, address)

    def connect_ex(self: socket.socket, address: object) -> int:
        _check(self, address)
        return orig_connect_ex(self, address)

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        if host is not None:
            name = host.decode() if isinstance(host, bytes) else str(host)
            if not is_loopback_host(name):
                raise _refuse(f"DNS lookup of {name!r}")
        return orig_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]
    setattr(socket, _GUARD_FLAG, True)

    def uninstall() -> None:
        socket.socket.connect = orig_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = orig_connect_ex  # type: ignore[method-assign]
        socket.getaddrinfo = orig_getaddrinfo
        setattr(socket, _GUARD_FLAG, False)

    return uninstall


def redirect_from_env(environ: Mapping[str, str] | None = None) -> tuple[str, str]:
    """Validate the fake's URLs from the environment and point discord.py at them.

    Also installs the loopback guard. Raises ValueError for missing/non-loopback URLs.
    Returns ``(api_base, gateway_url)``.
    """
    env = os.environ if environ is None else environ
    api = check_loopback_url(env.get(ENV_API), ("http",), ENV_API).rstrip("/")
    gateway = check_loopback_url(env.get(ENV_GATEWAY), ("ws",), ENV_GATEWAY)
    install_loopback_guard()

    import discord.gateway
    import discord.http
    import yarl

    discord.http.Route.BASE = api
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
    return api, gateway


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0].startswith("-"):
        print("usage: launch.py MODULE [ARGS...]", file=sys.stderr)
        return 2
    try:
        redirect_from_env()
    except ValueError as exc:
        print(f"launch.py: {exc}", file=sys.stderr)
        return 2

    # Behave like `python -m MODULE`: the working directory, not this script's folder,
    # heads sys.path.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    sys.path.insert(0, os.getcwd())

    sys.argv = args
    runpy.run_module(args[0], run_name="__main__", alter_sys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
