"""``badges`` sub-commands of the issuing service (entry point group ``badges.commands``).

``register(subparsers)`` adds: ``init``, ``serve``, ``keys rotate``, ``revoke``, ``suspend``,
``reinstate``.
Other parts of the issuer add theirs through ``PLUGIN_MODULES``: each listed module exposes
``register(subparsers)`` (``issuer.cli.accounts``: token, user; ``issuer.cli.learning``: award,
demo; ``issuer.cli.transcripts``: transcript; ``issuer.cli.bundle``: the database side of the
engine's ``bundle``; ``issuer.cli.mail``: digest, mail retry). Each command sets
``func(args) -> int``; problems end as one line on stderr, exit code 2.

Configuration comes from the environment (``issuer.settings``) plus the command's options;
``--base-url`` sets the issuers' did:web ids and every URL inside issued badges. A command that
uses the database builds its ``IssuerContext`` once (``context_for``) and passes it to the use
cases it calls.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import importlib
import logging
import os
import secrets
import socket
import sqlite3
import sys
import uuid as uuidlib
import warnings
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg.exceptions

from badges.errors import BadgeError
from issuer.errors import IssuerError
from issuer.schools.kek import KeyStoreError
from issuer.settings import Settings, SettingsError, private_dir, save_base_url
from issuer.settings import load as load_settings

if TYPE_CHECKING:  # imported when a command runs: registering the commands stays cheap
    from issuer.context import IssuerContext
    from issuer.credentials.rows import IssuedCredentialRow
    from issuer.schools.rows import SchoolRow

PLUGIN_MODULES = ["issuer.cli.accounts", "issuer.cli.learning", "issuer.cli.transcripts", "issuer.cli.bundle",
                  "issuer.cli.mail"]
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "db" / "piccolo_migrations"


def settings_for(args: argparse.Namespace, *, base_url: str | None = None) -> Settings:
    """The one way every sub-command builds its Settings: environment, the base URL ``init``
    saved in the data dir, then the command's options (``base_url`` overrides ``--base-url``)."""
    return load_settings(os.environ, base_url=base_url or getattr(args, "base_url", None),
                         **verifier_overrides(args))


def context_for(settings: Settings, *, create_kek: bool = False) -> IssuerContext:
    """The command's context (``issuer.context.build_context``), built once per command."""
    from issuer.context import build_context

    return build_context(settings, create_kek=create_kek)


def fail(message: str) -> int:
    print(f"badges: error: {message}", file=sys.stderr)
    return 2


_DB_ERRORS: tuple[type[BaseException], ...] = (sqlite3.Error, asyncpg.exceptions.PostgresError,
                                               asyncpg.exceptions.InterfaceError)
# What a connection attempt to an unreachable or unknown host ends with.
_UNREACHABLE = (ConnectionError, socket.gaierror, TimeoutError)


def _database_url(args: argparse.Namespace | None) -> str:
    """The database the command is using, with any password masked (it ends up on a terminal)."""
    try:
        url = settings_for(args).database_url if args is not None else os.environ["DATABASE_URL"]
    except (SettingsError, KeyError):  # settings the command could not build either
        url = os.environ.get("DATABASE_URL", "the SQLite file in the data directory")
    parts = urlsplit(url)
    if parts.password:
        host = parts.hostname or ""
        netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
        url = urlunsplit(parts._replace(netloc=netloc))
    return url


def error_line(exc: BaseException, args: argparse.Namespace | None = None) -> str | None:
    """The one line a command that failed with ``exc`` prints, or None for a bug (traceback).

    This is the CLI's one error map: service and engine errors carry their own message; a
    database that cannot be reached or used names the database (never a driver traceback)."""
    if isinstance(exc, (IssuerError, BadgeError)):
        return exc.message
    if isinstance(exc, (SettingsError, KeyStoreError)):
        return str(exc)
    if isinstance(exc, _UNREACHABLE):
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        return f"cannot reach the database {_database_url(args)}: {reason}"
    if isinstance(exc, _DB_ERRORS):
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if "no such table" in text or type(exc).__name__ == "UndefinedTableError":
            return f"the database {_database_url(args)} has no tables yet ({text}): run `badges init` first"
        return f"database error ({_database_url(args)}): {text}"
    if isinstance(exc, OSError):  # a file the command reads or writes
        if exc.strerror and exc.filename:
            return f"{exc.strerror}: {exc.filename}"
        return exc.strerror or str(exc)
    return None


def command(fn: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Wrap a command's ``func(args)``: every known error ends as one stderr line, exit code 2.

    Piccolo also warns (in colour, with a source line) when it cannot reach PostgreSQL; that
    says the same as our line, so it is silenced here."""
    @functools.wraps(fn)
    def func(args: argparse.Namespace) -> int:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r".*Unable to (connect to database|fetch server version)")
            try:
                return fn(args)
            except Exception as exc:
                line = error_line(exc, args)
                if line is None:
                    raise
                return fail(line)
    return func


def _run(coro_fn: Callable[[argparse.Namespace], Coroutine[Any, Any, int]]) -> Callable[[argparse.Namespace], int]:
    """Sync ``func(args)`` around an async command, through the one error printer (``command``)."""
    @command
    @functools.wraps(coro_fn)
    def func(args: argparse.Namespace) -> int:
        return asyncio.run(coro_fn(args))
    return func


def has_migrations() -> bool:
    return any(p.suffix == ".py" and p.name != "__init__.py" for p in MIGRATIONS_DIR.glob("*.py"))


async def migrate(settings: Settings) -> list[str]:
    """Bring the schema up to date: the committed migrations when there are any, else
    create the tables directly (development before the first migration exists).

    Both databases run the real migrations, a fresh one as much as one made by an earlier
    release; on SQLite through ``issuer.db.sqlite_migrate`` (composite unique constraints become
    unique indexes there). Piccolo finds its database through ``piccolo_conf`` at import time, so
    the migrations run in a child process given this command's ``DATABASE_URL``, never in this one.
    """
    from issuer.db.engine import create_tables
    from issuer.db.tables import District

    if not has_migrations():
        return await create_tables()
    # The first contact with the database: an unreachable one fails here, in-process and with
    # a clear line (``error_line``), not inside the migration child process.
    await District.table_exists()
    await asyncio.to_thread(_piccolo_forwards, settings.database_url)
    return []


def _piccolo_forwards(database_url: str) -> None:
    import subprocess

    env = dict(os.environ, DATABASE_URL=database_url, PICCOLO_CONF="issuer.piccolo_conf")
    # SQLite: Piccolo's command with composite unique constraints as unique indexes
    runner = "piccolo.main" if database_url.startswith("postgres") else "issuer.db.sqlite_migrate"
    command = [sys.executable, "-m", runner, "migrations", "forwards", "issuer"]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    # Piccolo reports a failed migration on stdout and may still exit 0
    if result.returncode != 0 or "failed" in result.stdout.lower():
        raise SettingsError(f"migrations failed: {(result.stderr or result.stdout).strip()[-500:]}")


async def _first_school(slug: str | None) -> SchoolRow:
    from issuer.schools import repo as schools_repo

    if slug:
        school = await schools_repo.school_by_slug(slug)
        if school is None:
            raise SettingsError(f"no school {slug!r}")
        return school
    schools = await schools_repo.schools()
    if not schools:
        raise SettingsError("no school yet: run `badges init` first")
    return schools[0]


async def _cmd_init(args: argparse.Namespace) -> int:
    from issuer.access import Role
    from issuer.accounts import repo as accounts_repo
    from issuer.accounts import service as accounts
    from issuer.schools import identity
    from issuer.schools import repo as schools_repo

    settings = settings_for(args)
    private_dir(settings.data_dir)
    save_base_url(settings)  # `serve` and the other commands keep these did:web ids
    ctx = context_for(settings, create_kek=True)
    await migrate(settings)
    now = ctx.clock.now()
    district = await schools_repo.first_district()
    if district is None:
        district = await schools_repo.insert_district(slug="district", name=args.district_name, url="", email="",
                                                      at=now)
    existing = await schools_repo.schools(district.id)
    school = existing[0] if existing else None
    if school is None:
        school = await schools_repo.insert_school(district_id=district.id, slug=args.school_slug,
                                          name=args.school_name, at=now)
    await identity.signer_for(ctx, school.id)
    await identity.district_signer(ctx, district.id)
    password = None
    if await accounts_repo.user_credentials("admin") is None:
        password = secrets.token_urlsafe(12)
        await accounts.create_user(ctx, district_id=district.id, school_id=None, role=Role.DISTRICT_ADMIN,
                                   username="admin", password=password, display_name="District administrator")
    print(f"database:      {settings.database_url}")
    print(f"district:      {district.name}  {identity.district_did(settings.base_url)}")
    print(f"               {settings.base_url}/.well-known/did.json")
    print(f"school:        {school.name} ({school.slug})  {await identity.issuer_did(ctx, school.id)}")
    print(f"               {settings.base_url}/issuers/{school.slug}/did.json")
    if password:
        print(f"admin login:   admin / {password}   (shown once)")
    if settings.key_encryption_key is None:
        print(f"dev KEK:       {settings.kek_path} (set BADGES_KEK in production)")
    if not settings.base_url.startswith("https://"):
        print("note: did:web resolves over https only; outside verifiers cannot resolve an http base URL")
    return 0


async def _probe_database(settings: Settings) -> None:
    from issuer.db.engine import configure
    from issuer.db.tables import District

    configure(settings)
    await District.table_exists()


def configure_logging() -> None:
    """The serving process's log lines (the app itself never configures logging: it may share its
    process with other apps, or with a test run)."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s - %(asctime)s - %(name)s - %(message)s")


def _cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from issuer.app import create_app, server_options

    try:
        settings = settings_for(args)
        if args.base_url is None and "BADGES_BASE_URL" not in os.environ and not (
                settings.data_dir / "base_url").is_file():
            settings = settings.replace(base_url=f"http://{args.host}:{args.port}")
        # The app connects at start-up, inside uvicorn, which would print a traceback: reach the
        # database here first, so an unreachable one is one line (``command``).
        asyncio.run(_probe_database(settings))
        app = create_app(settings)
    except (SettingsError, KeyStoreError) as exc:
        return fail(str(exc))
    # uvloop + httptools (installed dependencies): less CPU per request than asyncio + h11.
    # (server_options: httptools with a cap on request heads, an access log without URL secrets).
    configure_logging()
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", loop="uvloop", **server_options())
    return 0


async def _cmd_keys_rotate(args: argparse.Namespace) -> int:
    from issuer.schools import identity, keys
    from issuer.schools import repo as schools_repo

    ctx = context_for(settings_for(args))
    if args.district:
        district = await schools_repo.first_district()
        if district is None:
            raise SettingsError("no district yet: run `badges init` first")
        row = await keys.rotate(ctx, district_id=district.id, school_id=None)
        print(f"{identity.district_did(ctx.settings.base_url)}#{row.public_key_multibase}")
        return 0
    school = await _first_school(args.school)
    row = await keys.rotate(ctx, district_id=school.district, school_id=school.id)
    print(f"{identity.school_did_web(school.slug, ctx.settings.base_url)}#{row.public_key_multibase}")
    return 0


async def _cmd_status(args: argparse.Namespace) -> int:
    """``badges revoke|suspend|reinstate CREDENTIAL --reason TEXT`` (audit-logged, no actor: the CLI)."""
    from issuer.credentials import repo as credentials_repo
    from issuer.credentials import status

    ctx = context_for(settings_for(args))
    ref = args.credential.rstrip("/")
    row = await credentials_repo.issued_credential(credential_id=ref)
    if row is None:
        try:
            row = await credentials_repo.issued_credential(uuid=uuidlib.UUID(ref.rsplit("/", 1)[-1]))
        except ValueError:
            row = None
    if row is None:
        raise SettingsError(f"no issued credential {args.credential!r}")
    changes: dict[str, Callable[..., Awaitable[IssuedCredentialRow]]] = {
        "revoke": status.revoke, "suspend": status.suspend, "reinstate": status.reinstate}
    change = changes[args.status_action]
    updated = await change(ctx, row.id, reason=args.reason or "", actor_id=None)
    if args.status_action == "revoke":
        print(f"revoked {updated.credential_id} at {updated.revoked_at.isoformat() if updated.revoked_at else ''}")
    else:
        print(f"{'suspended' if updated.suspended else 'reinstated'} {updated.credential_id}")
    return 0


def add_verifier_options(parser: argparse.ArgumentParser) -> None:
    """The mounted verifier's settings, also taken from BADGES_VERIFIER_* (issuer.settings)."""
    parser.add_argument("--documents", type=Path, metavar="DIR",
                        help="offline bundle for the mounted verifier (DID documents, status lists)")
    parser.add_argument("--trust", type=Path, metavar="FILE", help="trust file of further registered issuers")
    parser.add_argument("--allow-private-networks", action="store_true", default=None,
                        help="let the verifier fetch from private addresses (tests, closed intranets)")


def verifier_overrides(args: argparse.Namespace) -> dict:
    return {"verifier_documents_dir": getattr(args, "documents", None),
            "verifier_trust_file": getattr(args, "trust", None),
            "verifier_allow_private_networks": getattr(args, "allow_private_networks", None)}


async def _cmd_worker(args: argparse.Namespace) -> int:
    """A job worker (``issuer.jobs``): takes queued jobs and those whose process stopped, one at a
    time, until SIGTERM/SIGINT; a job cut short by the signal is given back for another worker."""
    import signal

    from issuer.jobs import JobRunner

    if not 0.05 <= args.poll <= 3600:
        return fail("--poll must be between 0.05 and 3600 seconds")
    ctx = context_for(settings_for(args))
    runner = JobRunner.from_settings(ctx.settings, inline=True)
    if args.once:
        ran = await runner.sweep(ctx)
        print(f"ran {ran} job(s)")
        return 0
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    tasks: list[asyncio.Future[Any]] = [asyncio.ensure_future(runner.serve(ctx, stop, poll=args.poll))]
    queue = None
    if ctx.settings.is_postgres:  # new jobs arrive through Procrastinate (issuer.jobs_queue)
        from issuer import jobs_queue

        queue = jobs_queue.queue_app(ctx.settings.database_url, functools.partial(runner.run, ctx))
        await queue.open_async()
        await jobs_queue.ensure_schema(ctx.settings.database_url, queue)
        tasks.append(asyncio.ensure_future(queue.run_worker_async(
            queues=[jobs_queue.QUEUE], concurrency=1, install_signal_handlers=False)))
        tasks.append(asyncio.ensure_future(jobs_queue.tend(queue)))
    print(f"worker {runner.owner} waiting for jobs", file=sys.stderr, flush=True)
    await stop.wait()
    for task in tasks:  # a job in progress gives its lease back (JobRunner.run) and resumes elsewhere
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    if queue is not None:
        await queue.close_async()
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("init", help="create the database, the district and its first school")
    p.add_argument("--base-url", help="public origin (default $BADGES_BASE_URL or http://127.0.0.1:8000)")
    p.add_argument("--district-name", default="Demo District")
    p.add_argument("--school-name", default="Demo High School")
    p.add_argument("--school-slug", default="demo-high")
    p.set_defaults(func=_run(_cmd_init))

    p = subparsers.add_parser("serve", help="serve the issuer (and verifier) over HTTP")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--base-url")
    add_verifier_options(p)
    p.set_defaults(func=command(_cmd_serve))

    p = subparsers.add_parser("keys", help="signing keys")
    keys_sub = p.add_subparsers(dest="keys_command", required=True)
    k = keys_sub.add_parser("rotate", help="add a new signing key; old badges keep verifying")
    k.add_argument("--school", help="school slug (default: the first school)")
    k.add_argument("--district", action="store_true", help="rotate the district's own key instead")
    k.set_defaults(func=_run(_cmd_keys_rotate))

    p = subparsers.add_parser("worker", help="run queued bulk awards and cohort transcripts (and resume "
                                             "stopped ones) until stopped")
    p.add_argument("--once", action="store_true", help="run what is waiting now, then exit")
    p.add_argument("--poll", type=float, default=1.0, help="seconds between looks at the queue (default 1)")
    p.set_defaults(func=_run(_cmd_worker))

    for name, help_text, reason_required in (
            ("revoke", "revoke an issued credential for good (re-signs its status list)", True),
            ("suspend", "suspend an issued credential until it is reinstated", True),
            ("reinstate", "lift a suspension", False)):
        p = subparsers.add_parser(name, help=help_text)
        p.add_argument("credential", metavar="CREDENTIAL_ID", help="the credential id, its uuid or its URL")
        p.add_argument("--reason", required=reason_required, help="kept in the audit log, never published")
        p.set_defaults(func=_run(_cmd_status), status_action=name)

    for name in PLUGIN_MODULES:  # all ship with the issuer: a missing one is a broken install, said loudly
        importlib.import_module(name).register(subparsers)
