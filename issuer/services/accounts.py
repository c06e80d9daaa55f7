"""Accounts, sessions, API tokens and the login rate limit.

Passwords: argon2id (argon2-cffi defaults). Session and API tokens are random; only their
sha256 is stored. Login failures are counted per (username, IP): ``login_max_failures`` within
``login_window_seconds`` gives 429 with ``Retry-After`` until the oldest failure ages out.
"""
from __future__ import annotations

import asyncio
import hashlib
import math
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from issuer import runtime
from issuer.db import repo_platform as repo
from issuer.db.repo import write_transaction
from issuer.services.platform_errors import BadRequest, Conflict, TooManyRequests, Unauthenticated

_HASHER = PasswordHasher()
# Verified against when the username is unknown, so both paths cost one argon2 verification.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))
TOKEN_PREFIX = "bdg_"


class Role(StrEnum):
    DISTRICT_ADMIN = "district_admin"
    SCHOOL_ADMIN = "school_admin"
    TEACHER = "teacher"
    STUDENT = "student"
    MENTOR = "mentor"  # a link holder, never an account
    PUBLIC = "public"


ACCOUNT_ROLES = (Role.DISTRICT_ADMIN, Role.SCHOOL_ADMIN, Role.TEACHER, Role.STUDENT)


@dataclass(frozen=True)
class Principal:
    """Who is asking. ``id`` is the user id (None for public and for school tokens without a user)."""
    role: Role = Role.PUBLIC
    id: int | None = None
    school_id: int | None = None
    district_id: int | None = None
    learner_id: int | None = None
    username: str = ""
    display_name: str = ""
    via: str = "anonymous"  # anonymous | session | token

    @property
    def is_authenticated(self) -> bool:
        return self.role not in (Role.PUBLIC, Role.MENTOR)


ANONYMOUS = Principal()


@dataclass(frozen=True)
class Visibility:
    """The query scope a principal may see; services pass it to repo queries as filters."""
    district_id: int | None = None
    school_id: int | None = None
    learner_id: int | None = None
    nothing: bool = False


def visibility(principal: Principal) -> Visibility:
    if principal.role == Role.DISTRICT_ADMIN:
        return Visibility(district_id=principal.district_id)
    if principal.role in (Role.SCHOOL_ADMIN, Role.TEACHER) and principal.school_id is not None:
        return Visibility(district_id=principal.district_id, school_id=principal.school_id)
    if principal.role == Role.STUDENT and principal.id is not None:
        return Visibility(district_id=principal.district_id, school_id=principal.school_id,
                          learner_id=principal.id)
    return Visibility(nothing=True)


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _verify(stored: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise BadRequest("a password needs at least 8 characters")
    return _HASHER.hash(password)


def _principal(user: dict, via: str) -> Principal:
    role = Role(user["role"])
    return Principal(role=role, id=user["id"], school_id=user["school"], district_id=user["district"],
                     learner_id=user["id"] if role == Role.STUDENT else None, username=user["username"],
                     display_name=user["display_name"] or user["username"], via=via)


async def create_user(*, district_id: int, school_id: int | None, role: str, username: str,
                      password: str | None = None, email: str = "", display_name: str = "") -> dict:
    try:
        role = Role(role)
    except ValueError:
        raise BadRequest(f"unknown role {role!r}") from None
    if role not in ACCOUNT_ROLES:
        raise BadRequest(f"role {role} has no account")
    if role != Role.DISTRICT_ADMIN and school_id is None:
        raise BadRequest(f"a {role} belongs to a school")
    username = username.strip()
    if not username or len(username) > 150:
        raise BadRequest("a username of 1 to 150 characters is required")
    if await repo.user_credentials(username) is not None:
        raise Conflict(f"username {username!r} is taken")
    return await repo.insert_user(
        district_id=district_id, school_id=school_id, role=role.value, username=username, email=email,
        display_name=display_name,
        password_hash=await asyncio.to_thread(hash_password, password) if password else "",
        at=runtime.current().clock.now())


async def login(username: str, password: str, *, ip: str) -> tuple[str, Principal]:
    """(session token for the cookie, principal); 401 on bad credentials, 429 when limited."""
    rt = runtime.current()
    settings = rt.settings
    now = rt.clock.now()
    window = timedelta(seconds=settings.login_window_seconds)
    failures = await repo.failed_logins_since(login=username, ip=ip, since=now - window)
    if len(failures) >= settings.login_max_failures:
        oldest = failures[-settings.login_max_failures]
        retry = max(1, math.ceil((oldest + window - now).total_seconds()))
        raise TooManyRequests("too many failed logins; try again later", retry_after=retry)
    user = await repo.user_credentials(username)
    stored = user["password_hash"] if user and user["password_hash"] else _DUMMY_HASH
    # argon2 is deliberately slow: keep it off the event loop.
    ok = await asyncio.to_thread(_verify, stored, password)
    ok = ok and user is not None and bool(user["password_hash"]) and user["active"]
    token = secrets.token_urlsafe(32)
    async with write_transaction():
        await repo.record_login_attempt(login=username, ip=ip, success=ok, at=now)
        if ok:
            await repo.clear_failed_logins(login=username, ip=ip)
            await repo.insert_session(token_hash=sha256_hex(token), user_id=user["id"], at=now,
                                      expires_at=now + timedelta(seconds=settings.session_max_age))
    if not ok:
        raise Unauthenticated("unknown username or wrong password")
    return token, _principal(user, "session")


async def create_session(user_id: int) -> str:
    """A session without a password check (tests, the demo, an SSO hook)."""
    rt = runtime.current()
    now = rt.clock.now()
    token = secrets.token_urlsafe(32)
    await repo.insert_session(token_hash=sha256_hex(token), user_id=user_id, at=now,
                              expires_at=now + timedelta(seconds=rt.settings.session_max_age))
    return token


async def logout(session_token: str) -> None:
    await repo.delete_session(sha256_hex(session_token))


async def principal_for_session(session_token: str) -> Principal | None:
    session = await repo.session_by_hash(sha256_hex(session_token))
    if session is None or session["expires_at"] <= runtime.current().clock.now():
        return None
    user = await repo.user_by_id(session["user"])
    if user is None or not user["active"]:
        return None
    return _principal(user, "session")


async def create_api_token(*, school_id: int | None, district_id: int, role: str = Role.SCHOOL_ADMIN,
                           user_id: int | None = None, name: str = "") -> str:
    """A new bearer token (shown once); acts as ``role`` within ``school_id``."""
    role = Role(role)
    if role not in ACCOUNT_ROLES:
        raise BadRequest(f"a token cannot act as {role}")
    if role != Role.DISTRICT_ADMIN and school_id is None:
        raise BadRequest("a school token needs a school")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    await repo.insert_token(token_hash=sha256_hex(token), name=name, district_id=district_id,
                            school_id=school_id, user_id=user_id, role=role.value,
                            at=runtime.current().clock.now())
    return token


async def principal_for_token(token: str) -> Principal | None:
    row = await repo.token_by_hash(sha256_hex(token))
    if row is None:
        return None
    if row["user"] is not None:
        user = await repo.user_by_id(row["user"])
        if user is None or not user["active"]:
            return None
        return _principal(user, "token")
    return Principal(role=Role(row["role"]), school_id=row["school"], district_id=row["district"],
                     username=row["name"] or f"token-{row['id']}", display_name=row["name"], via="token")


def csrf_token(secret: bytes, binding: str) -> str:
    """The CSRF token for a session token (or a pre-session cookie value)."""
    return hmac.new(secret, b"csrf\x00" + binding.encode(), hashlib.sha256).hexdigest()


def csrf_ok(secret: bytes, binding: str, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(csrf_token(secret, binding), presented)
