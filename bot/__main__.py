"""The `trackside` command (also `python -m bot`): run | ask | sync | db.

With no subcommand it runs the bot.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sqlite3
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from bot.config import ConfigError, Secret, Settings, load_settings
from bot.store.database import StoreError, store_error

log = logging.getLogger("bot")
LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trackside",
        description="Trackside: athletics records on Discord and in the terminal.",
    )
    sub = parser.add_subparsers(dest="command")

    run = sub.add_parser("run", help="run the Discord bot (the default)")
    run.add_argument("--sync", action="store_true", help="sync slash commands before connecting")

    ask = sub.add_parser(
        "ask",
        help='answer a slash command in the terminal, e.g. trackside ask "/record mile indoor"',
    )
    ask.add_argument("line", nargs="+", help="the command, e.g. /record mile indoor")

    sync = sub.add_parser("sync", help="sync slash commands with Discord and exit")
    sync.add_argument("--guild", type=int, help="sync to one server (instant) instead of globally")

    imp = sub.add_parser("import", help="import results from a CSV file (all rows or none)")
    imp.add_argument("file", help="CSV with the columns of data/import_example.csv")

    exp = sub.add_parser("export", help="export every result as CSV (the import format)")
    exp.add_argument("file", nargs="?", help="where to write; standard output if left out")

    audit = sub.add_parser("audit", help="list the audit log of writes, newest first")
    audit.add_argument("--limit", type=int, default=50, help="how many rows (default 50)")

    db = sub.add_parser("db", help="database tasks")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("migrate", help="create the database or bring its schema up to date")
    seed = db_sub.add_parser("seed", help="load the shipped reference data (idempotent)")
    seed.add_argument(
        "--as-of",
        type=_iso_date,
        help="load only what had happened by this day (YYYY-MM-DD) and keep the store "
        "there on later starts; without it, load everything",
    )
    db_sub.add_parser("status", help="schema version and row counts")
    copy = db_sub.add_parser(
        "copy", help="copy every row of this store into a new, empty one (counts checked)"
    )
    copy.add_argument(
        "--to",
        required=True,
        help="postgresql://user:password@host/database, or a SQLite file path (back)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"trackside: configuration error: {exc}", file=sys.stderr)
        return 2
    command = args.command or "run"
    try:
        if command == "ask":
            logging.basicConfig(level=logging.WARNING, format=LOG_FORMAT)
            return asyncio.run(_ask(settings, " ".join(args.line)))
        if command == "db":
            logging.basicConfig(level=settings.log_level, format=LOG_FORMAT)
            return asyncio.run(_db(settings, args))
        if command in ("import", "export", "audit"):
            logging.basicConfig(level=logging.WARNING, format=LOG_FORMAT)
            return asyncio.run(_admin(settings, args))
        if command == "sync":
            from bot.launcher import sync_commands

            return sync_commands(settings, guild_id=args.guild)
        from bot.launcher import run_bot

        return run_bot(settings, sync=getattr(args, "sync", False))
    except (StoreError, sqlite3.DatabaseError) as exc:
        # A damaged, truncated, read-only or too new database: one line, not a traceback.
        print(f"trackside: {database_problem(settings.store_name, exc)}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # `trackside … | head`: the reader left, which is no error of ours. What is still
        # buffered goes nowhere, so that flushing it at exit does not fail again (the
        # recipe of Python's signal docs, "Note on SIGPIPE").
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def database_problem(path: object, exc: BaseException) -> str:
    """One line saying what is wrong with the database and what to do about it."""
    known = store_error(str(path), exc)
    if known is not None:
        return str(known)
    return f"database error on {path}: {' '.join(str(exc).split())}"


async def _ask(settings: Settings, line: str) -> int:
    from bot.render.text import render_text
    from bot.services.app import Trackside
    from bot.services.errors import TracksideError
    from bot.terminal import Terminal

    app = await Trackside.open(settings)
    try:
        answer = await Terminal(app).answer(line)
    except TracksideError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        await app.close()
    print(render_text(answer))
    sys.stdout.flush()  # a reader gone (`| head`) shows here, for `main` to say nothing of
    return 0


async def _admin(settings: Settings, args: argparse.Namespace) -> int:
    """import / export / audit: moderators' tasks at a shell (acting as no Discord user)."""
    from pathlib import Path

    from bot.services.app import Trackside
    from bot.services.errors import TracksideError
    from bot.services.exports import export_csv
    from bot.services.writes import Actor, ImportError_, Writes

    app = await Trackside.open(settings)
    try:
        writes = Writes(app)
        if args.command == "import":
            path = Path(args.file)
            if not path.is_file():
                print(f"error: no file {args.file!r}", file=sys.stderr)
                return 1
            started = time.perf_counter()
            report = await writes.import_csv(path.read_bytes(), Actor(user_id=None), bounded=False)
            seconds = time.perf_counter() - started
            print(
                f"imported {report.imported} results in {seconds:.1f} s "
                f"({report.imported / max(seconds, 1e-9):,.0f} results/s)"
            )
            for announcement in report.announcements:
                print(f"  {announcement.headline}: {announcement.athlete} {announcement.mark}")
            if report.announcements:
                print("a running bot announces these within 30 seconds")
        elif args.command == "export":
            text = await export_csv(app)
            if args.file:
                Path(args.file).write_text(text, encoding="utf-8")
            else:
                sys.stdout.write(text)
        else:
            for row in await writes.audit(max(1, min(args.limit, 10_000))):
                who = row.actor_id if row.actor_id is not None else "cli"
                where = f" in {row.guild_id}" if row.guild_id else ""
                print(f"{row.at}  {row.action:20} {row.target:24} by {who}{where}  {row.details}")
    except ImportError_ as exc:  # every bad row, one a line: a file may have thousands
        print(f"error: nothing was imported; {len(exc.errors)} problems:", file=sys.stderr)
        for error in exc.errors:
            print(f"  {error}", file=sys.stderr)
        return 1
    except TracksideError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        await app.close()
    return 0


async def _db(settings: Settings, args: argparse.Namespace) -> int:
    from bot.services.app import Trackside

    app = await Trackside.open(settings, seed_data=False)
    try:  # closed on every path: an open connection's thread keeps the process alive
        if args.db_command == "copy":
            return await _copy(app, settings, args.to)
        if args.db_command == "migrate":
            print(f"{settings.store_name}: schema version {await app.db.schema_version()}")
        elif args.db_command == "seed":
            from bot.store.seed import seed

            report = await seed(
                app.db, app.catalogue, settings.data_dir, as_of=args.as_of, pin=True
            )
            print(
                f"loaded {report.rows_loaded} reference rows ({report.results_added} results, "
                f"{report.record_entries_added} record entries, {report.athletes_added} "
                f"athletes); {report.rows_skipped} already loaded or later than --as-of"
            )
        else:
            counts = await app.db.counts()
            print(f"{settings.store_name}: schema version {await app.db.schema_version()}")
            print(f"this process runs {settings.shards_text()} (SHARD_COUNT, SHARD_IDS)")
            for table, count in counts.items():
                print(f"  {table:16} {count:>10}")
            age = app.reference.data_age
            print(f"shipped record lists: {age or 'no data/records/sources.csv'}")
    finally:
        await app.close()
    return 0


async def _copy(app, settings: Settings, to: str) -> int:
    from bot.store.copy import copy_store
    from bot.store.database import Database

    target_path = to if to.startswith(("postgresql://", "postgres://")) else Path(to)
    target = await Database.open(target_path)
    try:
        counts = await copy_store(app.db, target)
    finally:
        await target.close()
    shown = Settings(database_url=Secret(to)).store_name if isinstance(target_path, str) else to
    print(f"copied {settings.store_name} to {shown}; rows checked on both sides:")
    for table, count in counts.items():
        print(f"  {table:16} {count:>10}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
