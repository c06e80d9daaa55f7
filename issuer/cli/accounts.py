"""``badges token …`` and ``badges user …``: API tokens and accounts from the command line.

    badges token create [--school SLUG] [--role ROLE] [--user USERNAME] [--name N] [--expires-in DAYS]
    badges token list [--school SLUG]
    badges token revoke ID
    badges user deactivate USERNAME      # no login; sessions end; tokens revoked
    badges user activate USERNAME
    badges user password USERNAME [--stdin]   # every session of the user ends

Each change is written to the audit log (actor: none, the CLI). Problems are one line on
stderr, exit code 2 (``issuer.cli._run``).
"""
from __future__ import annotations

import argparse
import getpass
import sys
from datetime import timedelta
from typing import TYPE_CHECKING

from issuer.cli import _first_school, _run, context_for, settings_for
from issuer.settings import SettingsError

if TYPE_CHECKING:
    from issuer.accounts.rows import UserRow


async def _user(username: str) -> UserRow:
    from issuer.accounts import repo as accounts_repo

    user = await accounts_repo.user_by_username(username)
    if user is None:
        raise SettingsError(f"no user {username!r}")
    return user


async def _cmd_token_create(args: argparse.Namespace) -> int:
    from issuer.accounts import repo as accounts_repo
    from issuer.accounts import service as accounts
    from issuer.schools import identity

    ctx = context_for(settings_for(args))
    school = await _first_school(args.school)
    user = await _user(args.user) if args.user else None
    if args.expires_in is not None and args.expires_in <= 0:
        raise SettingsError("--expires-in needs a positive number of days")
    now = ctx.clock.now()
    expires_at = now + timedelta(days=args.expires_in) if args.expires_in else None
    name = args.name or f"cli-{school.slug}"
    token = await accounts.create_api_token(ctx, school_id=school.id, district_id=school.district,
                                            role=args.role, user_id=user.id if user else None, name=name,
                                            expires_at=expires_at)
    row = await accounts_repo.token_by_hash(accounts.sha256_hex(token))
    assert row is not None  # created a moment ago, in this command
    await accounts_repo.audit(action="token.create", at=now, district_id=school.district, school_id=school.id,
                     subject=name, details={"token": row.id, "role": row.role, "via": "cli",
                                            "user": user.username if user else None,
                                            "expiresAt": expires_at.isoformat() if expires_at else None})
    print(token)
    print(f"issuer: {await identity.issuer_did(ctx, school.id)}")
    # stdout stays the two lines scripts read (token, issuer); the id is for `token revoke`
    print(f"token id {row.id}" + (f", expires {expires_at.isoformat()}" if expires_at else ""), file=sys.stderr)
    return 0


async def _cmd_token_list(args: argparse.Namespace) -> int:
    from issuer.accounts import repo as accounts_repo
    from issuer.schools import repo as schools_repo

    ctx = context_for(settings_for(args))
    district = await schools_repo.first_district()
    if district is None:
        raise SettingsError("no district yet: run `badges init` first")
    school = await _first_school(args.school) if args.school else None
    now = ctx.clock.now()
    rows = await accounts_repo.tokens(district_id=district.id, school_id=school.id if school else None)
    for t in rows:
        state = ("revoked" if t.revoked_at else
                 "expired" if t.expires_at and t.expires_at <= now else "active")
        expires = t.expires_at.isoformat() if t.expires_at else "never"
        who = f" user={t.username}" if t.username else ""
        print(f"{t.id}\t{state}\t{t.role}{who}\tschool={t.school_slug or '-'}\texpires={expires}\t{t.name}")
    if not rows:
        print("no API tokens", file=sys.stderr)
    return 0


async def _cmd_token_revoke(args: argparse.Namespace) -> int:
    from issuer.accounts import repo as accounts_repo
    from issuer.accounts import service as accounts

    ctx = context_for(settings_for(args))
    row = await accounts_repo.token_by_id(args.id)
    if row is None:
        raise SettingsError(f"no API token {args.id}")
    if not await accounts.revoke_token(ctx, row.id, actor_id=None, district_id=row.district,
                                       school_id=row.school, subject=row.name):
        print(f"token {row.id} was already revoked")
        return 0
    print(f"revoked token {row.id} ({row.name or row.role})")
    return 0


async def _cmd_user_active(args: argparse.Namespace) -> int:
    from issuer.accounts import service as accounts

    ctx = context_for(settings_for(args))
    active = args.user_command == "activate"
    user = await accounts.set_active(ctx, await _user(args.username), active, actor_id=None)
    print(f"{user.username} is {'active' if user.active else 'deactivated'}")
    return 0


def _read_password(from_stdin: bool) -> str:
    if from_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("new password: ")
    if getpass.getpass("again: ") != first:
        raise SettingsError("the two passwords differ")
    return first


async def _cmd_user_password(args: argparse.Namespace) -> int:
    from issuer.accounts import service as accounts

    ctx = context_for(settings_for(args))
    user = await _user(args.username)
    await accounts.change_password(ctx, user.id, _read_password(args.stdin), current_password=None,
                                   actor_id=None)
    print(f"password of {user.username} changed; their sessions have ended")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("token", help="API bearer tokens")
    token_sub = p.add_subparsers(dest="token_command", required=True)
    t = token_sub.add_parser("create", help="print a new bearer token for a school (and its issuer DID)")
    t.add_argument("--school", help="school slug (default: the first school)")
    t.add_argument("--role", default=None, choices=["school_admin", "teacher", "student"],
                   help="default: the user's role, or school_admin without --user")
    t.add_argument("--user", metavar="USERNAME", help="the person a teacher or student token acts as")
    t.add_argument("--name", default="")
    t.add_argument("--expires-in", type=int, metavar="DAYS", help="refused after this many days (default: never)")
    t.set_defaults(func=_run(_cmd_token_create))
    t = token_sub.add_parser("list", help="API tokens (id, state, role, school, expiry, name)")
    t.add_argument("--school", help="only this school's")
    t.set_defaults(func=_run(_cmd_token_list))
    t = token_sub.add_parser("revoke", help="revoke an API token (it stops working at once)")
    t.add_argument("id", type=int, metavar="ID", help="the token's id (badges token list)")
    t.set_defaults(func=_run(_cmd_token_revoke))

    p = subparsers.add_parser("user", help="accounts: deactivate, activate, set a password")
    user_sub = p.add_subparsers(dest="user_command", required=True)
    for name, text in (("deactivate", "no login; their sessions end and their tokens are revoked"),
                       ("activate", "allow the account to sign in again (tokens stay revoked)")):
        u = user_sub.add_parser(name, help=text)
        u.add_argument("username")
        u.set_defaults(func=_run(_cmd_user_active))
    u = user_sub.add_parser("password", help="set a user's password (all their sessions end)")
    u.add_argument("username")
    u.add_argument("--stdin", action="store_true", help="read the password from the first line of stdin")
    u.set_defaults(func=_run(_cmd_user_password))
