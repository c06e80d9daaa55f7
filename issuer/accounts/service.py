"""Accounts, sessions, API tokens and the login rate limit.

Passwords: argon2id (argon2-cffi defaults). Session and API tokens are random; only their
sha256 is stored.

Tokens act as ``role`` within their ``school``. A person's role (student, teacher) is only
ever held through that person: such a token is bound to a user of the same role and school,
and stops working when the user is deactivated, changes role or school, or the token expires
or is revoked. Only a school admin token (a VC-API client) and a district admin token (the
CLI) may stand without a user.

Login limits: every attempt is counted before the password is checked, in one statement per
counter (``accounts_repo.bump_login_counter``), so concurrent guesses cannot all pass; a successful
login takes its count back. Two counters: per (username, IP), ``login_max_failures``, and
per IP across usernames (password spraying), ``login_max_failures_per_ip``, each within
``login_window_seconds``; over either, 429 with ``Retry-After`` until the window ends.
Every login, failed, throttled or successful, is written to the audit log.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import math
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from issuer.access import ACCOUNT_ROLES, USERLESS_TOKEN_ROLES, Principal, Role, parse_role
from issuer.accounts import repo as accounts_repo
from issuer.accounts.rows import TokenRow, UserRow
from issuer.context import IssuerContext
from issuer.db.engine import write_transaction
from issuer.errors import BadRequest, Conflict, TooManyRequests, Unauthenticated
from issuer.settings import Settings

_HASHER = PasswordHasher()
# Verified against when the username is unknown, so both paths cost one argon2 verification.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))
TOKEN_PREFIX = "bdg_"


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _verify(stored: str, password: str) -> bool:
    try:
        return bool(_HASHER.verify(stored, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise BadRequest("a password needs at least 8 characters")
    return _HASHER.hash(password)


def _principal(user: UserRow, via: str) -> Principal:
    return Principal(role=user.role, id=user.id, school_id=user.school, district_id=user.district,
                     learner_id=user.id if user.role == Role.STUDENT else None, username=user.username,
                     display_name=user.display_name or user.username, via=via)


async def create_user(ctx: IssuerContext, *, district_id: int, school_id: int | None, role: Role,
                      username: str, password: str | None = None, email: str = "",
                      display_name: str = "") -> UserRow:
    role = parse_role(role)  # a role named by the command line or a test is checked here too
    if role not in ACCOUNT_ROLES:
        raise BadRequest(f"role {role} has no account")
    if role != Role.DISTRICT_ADMIN and school_id is None:
        raise BadRequest(f"a {role} belongs to a school")
    username = username.strip()
    if not username or len(username) > 150:
        raise BadRequest("a username of 1 to 150 characters is required")
    if await accounts_repo.user_credentials(username) is not None:
        raise Conflict(f"username {username!r} is taken")
    return await accounts_repo.insert_user(
        district_id=district_id, school_id=school_id, role=role.value, username=username, email=email,
        display_name=display_name,
        password_hash=await asyncio.to_thread(hash_password, password) if password else "",
        at=ctx.clock.now())


def _throttle_key(*parts: str) -> str:
    return sha256_hex("\x00".join(parts))


async def _count_attempt(username: str, ip: str, now: datetime, settings: Settings) -> tuple[list[str], int | None]:
    """Count this attempt on both counters: (their keys, seconds to wait when over a limit)."""
    window = timedelta(seconds=settings.login_window_seconds)
    limits = ((_throttle_key("user-ip", username, ip), settings.login_max_failures),
              (_throttle_key("ip", ip), settings.login_max_failures_per_ip))
    retry = None
    async with write_transaction():
        for key, limit in limits:
            count, started = await accounts_repo.bump_login_counter(key, at=now, window_start_after=now - window)
            if count > limit:
                wait = max(1, math.ceil((started + window - now).total_seconds()))
                retry = max(retry or 0, wait)
    return [key for key, _ in limits], retry


async def rate_limited(kind: str, ip: str, now: datetime, *, limit: int, window: timedelta) -> int | None:
    """Count one request of ``kind`` from ``ip`` (the login counters' table, its own keys): the
    seconds to wait when this one is over ``limit`` within ``window``, else None. Open endpoints
    that write (the REST API's client registration) use it."""
    async with write_transaction():
        count, started = await accounts_repo.bump_login_counter(_throttle_key(kind, ip), at=now,
                                                                window_start_after=now - window)
    if count > limit:
        return max(1, math.ceil((started + window - now).total_seconds()))
    return None


async def _audit_login(action: str, username: str, user: UserRow | None, ip: str, at: datetime,
                       **details: Any) -> None:
    await accounts_repo.audit(action=action, at=at, actor_id=user.id if user else None,
                              district_id=user.district if user else None, school_id=user.school if user else None,
                              subject=username[:150], details={"ip": ip, **details})


async def login(ctx: IssuerContext, username: str, password: str, *, ip: str) -> tuple[str, Principal]:
    """(session token for the cookie, principal); 401 on bad credentials, 429 when limited."""
    settings = ctx.settings
    now = ctx.clock.now()
    keys, retry = await _count_attempt(username, ip, now, settings)
    if retry is not None:
        user = await accounts_repo.user_credentials(username)
        async with write_transaction():
            await accounts_repo.record_login_attempt(login=username, ip=ip, success=False, at=now)
            await _audit_login("login.throttled", username, user, ip, now)
        raise TooManyRequests("too many failed logins; try again later", retry_after=retry)
    user = await accounts_repo.user_credentials(username)
    stored = user.password_hash if user and user.password_hash else _DUMMY_HASH
    # argon2 is deliberately slow: keep it off the event loop.
    verified = await asyncio.to_thread(_verify, stored, password)
    ok = verified and user is not None and bool(user.password_hash) and user.active
    token = secrets.token_urlsafe(32)
    async with write_transaction():
        await accounts_repo.record_login_attempt(login=username, ip=ip, success=ok, at=now)
        if ok and user is not None:
            await accounts_repo.reset_login_counter(keys[0])
            await accounts_repo.forgive_login_attempt(keys[1])
            await accounts_repo.insert_session(token_hash=sha256_hex(token), user_id=user.id, at=now,
                                               expires_at=now + timedelta(seconds=settings.session_max_age))
            await _audit_login("login.success", username, user, ip, now)
        else:
            reason = ("unknown user" if user is None else "inactive" if not user.active
                      else "no password" if not user.password_hash else "wrong password")
            await _audit_login("login.failure", username, user, ip, now, reason=reason)
    if not ok or user is None:
        raise Unauthenticated("unknown username or wrong password")
    return token, _principal(user, "session")


async def create_session(ctx: IssuerContext, user_id: int) -> str:
    """A session without a password check (tests, the demo, an SSO hook)."""
    now = ctx.clock.now()
    token = secrets.token_urlsafe(32)
    await accounts_repo.insert_session(token_hash=sha256_hex(token), user_id=user_id, at=now,
                                       expires_at=now + timedelta(seconds=ctx.settings.session_max_age))
    return token


async def logout(ctx: IssuerContext, session_token: str) -> None:
    await accounts_repo.delete_session(sha256_hex(session_token))


async def principal_for_session(ctx: IssuerContext, session_token: str) -> Principal | None:
    session = await accounts_repo.session_by_hash(sha256_hex(session_token))
    if session is None or session.expires_at <= ctx.clock.now():
        return None
    user = await accounts_repo.user_by_id(session.user)
    if user is None or not user.active:
        return None
    return _principal(user, "session")


async def create_api_token(ctx: IssuerContext, *, school_id: int | None, district_id: int,
                           role: Role | None = Role.SCHOOL_ADMIN, user_id: int | None = None, name: str = "",
                           expires_at: datetime | None = None, created_by: int | None = None) -> str:
    """A new bearer token (shown once); acts as ``role`` within ``school_id``.

    A person's role (student, teacher) needs ``user_id``, a user of that role and school (the
    role defaults to the user's); an expired ``expires_at`` or an unknown role is a 400."""
    now = ctx.clock.now()
    user = None
    if user_id is not None:
        user = await accounts_repo.user_by_id(user_id)
        if user is None or not user.active:
            raise BadRequest("the token's user does not exist or is deactivated")
        if user.district != district_id or user.school != school_id:
            raise BadRequest("the token's user belongs to another school")
    role = parse_role(role if role else (user.role if user else Role.SCHOOL_ADMIN))
    if role not in ACCOUNT_ROLES:
        raise BadRequest(f"a token cannot act as {role}")
    if user is not None and role != user.role:
        raise BadRequest(f"{user.username} is a {user.role}, not a {role}")
    if user is None and role not in USERLESS_TOKEN_ROLES:
        raise BadRequest(f"a {role} token acts as a person: name the user it is for")
    if role != Role.DISTRICT_ADMIN and school_id is None:
        raise BadRequest("a school token needs a school")
    if expires_at is not None and expires_at <= now:
        raise BadRequest("the token would already be expired")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    await accounts_repo.insert_token(token_hash=sha256_hex(token), name=name, district_id=district_id,
                                     school_id=school_id, user_id=user_id, role=role.value, at=now,
                                     expires_at=expires_at, created_by=created_by)
    return token


def token_principal(row: TokenRow, user: UserRow | None, now: datetime) -> Principal | None:
    """The principal a live token row stands for, or None when it must be refused: expired,
    an unknown role, a user deactivated or no longer of the token's role and school, or a
    person's role without a user (tokens minted before that was refused)."""
    if row.expires_at is not None and _aware(row.expires_at) <= now:
        return None
    try:
        role = Role(row.role)
    except ValueError:
        return None
    if row.user is not None:
        if user is None or not user.active or user.role != role or user.school != row.school:
            return None
        return _principal(user, "token")
    if role not in USERLESS_TOKEN_ROLES or (role != Role.DISTRICT_ADMIN and row.school is None):
        return None
    return Principal(role=role, school_id=row.school, district_id=row.district,
                     username=row.name or f"token-{row.id}", display_name=row.name, via="token")


def _aware(value: datetime) -> datetime:
    # a timestamp SQLite stored without a zone is UTC
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


async def principal_for_token(ctx: IssuerContext, token: str) -> Principal | None:
    """The token's principal in two queries (the token, then its user): what
    ``issuer.accounts.auth.principal_for_token`` answers in one."""
    row = await accounts_repo.token_by_hash(sha256_hex(token))
    if row is None:
        return None
    user = await accounts_repo.user_by_id(row.user) if row.user is not None else None
    return token_principal(row, user, ctx.clock.now())


async def revoke_token(ctx: IssuerContext, token_id: int, *, actor_id: int | None, district_id: int,
                       school_id: int | None, subject: str = "") -> bool:
    """Revoke (False when it already was); audited."""
    now = ctx.clock.now()
    async with write_transaction():
        done = await accounts_repo.revoke_token(token_id, now)
        if done:
            await accounts_repo.audit(action="token.revoke", at=now, actor_id=actor_id, district_id=district_id,
                                      school_id=school_id, subject=subject, details={"token": token_id})
    return done


async def set_active(ctx: IssuerContext, user: UserRow, active: bool, *, actor_id: int | None) -> UserRow:
    """Deactivate (sessions end, tokens are revoked, logins refused) or reactivate a user; audited."""
    now = ctx.clock.now()
    async with write_transaction():
        await accounts_repo.set_user_active(user.id, active)
        revoked = 0
        if not active:
            await accounts_repo.delete_user_sessions(user.id)
            revoked = await accounts_repo.revoke_user_tokens(user.id, now)
        await accounts_repo.audit(action="user.deactivate" if not active else "user.activate", at=now,
                                  actor_id=actor_id, district_id=user.district, school_id=user.school,
                                  subject=user.username, details={"tokensRevoked": revoked} if not active else {})
    return msgspec.structs.replace(user, active=active)


async def change_password(ctx: IssuerContext, user_id: int, new_password: str, *, current_password: str | None,
                          keep_session: str | None = None, actor_id: int | None = None) -> None:
    """A new password; every other session of the user ends. ``current_password`` is checked
    unless None (an administrator or the CLI setting it)."""
    new_hash = await asyncio.to_thread(hash_password, new_password)
    user = await accounts_repo.user_by_id(user_id)
    if user is None:
        raise BadRequest("no such user")
    if current_password is not None:
        creds = await accounts_repo.user_credentials(user.username)
        if creds is None or not creds.password_hash or not await asyncio.to_thread(
                _verify, creds.password_hash, current_password):
            raise Unauthenticated("the current password is wrong")
    now = ctx.clock.now()
    async with write_transaction():
        await accounts_repo.set_password_hash(user_id, new_hash,
                                              keep_session=sha256_hex(keep_session) if keep_session else None)
        await accounts_repo.audit(action="user.password", at=now,
                                  actor_id=actor_id if actor_id is not None else user_id,
                                  district_id=user.district, school_id=user.school, subject=user.username)


def csrf_token(secret: bytes, binding: str) -> str:
    """The CSRF token for a session token (or a pre-session cookie value)."""
    return hmac.new(secret, b"csrf\x00" + binding.encode(), hashlib.sha256).hexdigest()


def csrf_ok(secret: bytes, binding: str, presented: str | None) -> bool:
    return presented is not None and presented != "" and hmac.compare_digest(csrf_token(secret, binding), presented)


async def display_name(user_id: int) -> str:
    """A person's name as they are known at school (the username when no name was given); empty
    for an unknown id. Read by the badge page, which shows it only when the learner allows."""
    user = await accounts_repo.user_by_id(user_id)
    return "" if user is None else (user.display_name or user.username)


async def remember_language(ctx: IssuerContext, user_id: int, language: str) -> None:
    """The language a person signed in with: their e-mails speak it (issuer.mail)."""
    await accounts_repo.set_language(user_id, language[:8])
