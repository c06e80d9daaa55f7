"""HTTP bodies of the accounts endpoints (``/me``, ``/admin/users``, ``/admin/tokens``,
``/admin/audit``): msgspec Structs in camelCase, built from ``issuer.accounts.rows``."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from issuer.access import Principal
from issuer.accounts.rows import AuditRow, TokenInfoRow, UserRow
from issuer.web.dto import Dto
from issuer.web.dto_types import AccountRole, Email, ExpirySeconds, Name, Password, Slug, Username


class MeOut(Dto):
    role: str
    via: str
    id: int | None = None
    username: str = ""
    display_name: str = ""
    school_id: int | None = None
    district_id: int | None = None

    @classmethod
    def of(cls, p: Principal) -> MeOut:
        return cls(role=p.role.value, via=p.via, id=p.id, username=p.username, display_name=p.display_name,
                   school_id=p.school_id, district_id=p.district_id)


class UserIn(Dto):
    username: Username
    role: AccountRole
    password: Password | None = None
    email: Email = ""
    display_name: Name = ""
    school: Slug | None = None  # school slug; defaults to the caller's school


class UserOut(Dto):
    id: int
    username: str
    role: str
    active: bool  # always sent (omit_defaults would hide True)
    email: str = ""
    display_name: str = ""
    school_id: int | None = None

    @classmethod
    def of(cls, row: UserRow) -> UserOut:
        return cls(id=row.id, username=row.username, role=row.role.value, email=row.email,
                   display_name=row.display_name, school_id=row.school, active=row.active)


class PasswordIn(Dto):
    """``POST /me/password``: every other session of the account ends."""
    current_password: Password
    new_password: Password


class TokenIn(Dto):
    """A new API token. ``role`` defaults to the user's (or school_admin without one); a
    student or teacher token names its ``user`` (username, of the same school and role)."""
    name: Name = ""
    role: AccountRole | None = None
    school: Slug | None = None
    user: Username | None = None
    expires_in: ExpirySeconds | None = None  # seconds from now
    expires_at: datetime | None = None  # or an instant (with a time zone)


class TokenOut(Dto):
    token: str
    role: str
    issuer_did: str = ""
    school: str = ""
    id: int | None = None
    user: str | None = None
    expires_at: datetime | None = None


class TokenInfoOut(Dto):
    """A token as listed (never the token itself)."""
    id: int
    name: str
    role: str
    created_at: datetime
    school: str | None = None
    user: str | None = None
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None

    @classmethod
    def of(cls, row: TokenInfoRow) -> TokenInfoOut:
        return cls(id=row.id, name=row.name, role=row.role, created_at=row.created_at, school=row.school_slug,
                   user=row.username, expires_at=row.expires_at, revoked_at=row.revoked_at,
                   last_used_at=row.last_used_at)


class AuditOut(Dto):
    at: datetime
    action: str
    subject: str = ""
    actor_id: int | None = None
    school_id: int | None = None
    details: dict[str, Any] = {}

    @classmethod
    def of(cls, row: AuditRow) -> AuditOut:
        return cls(at=row.at, action=row.action, subject=row.subject, actor_id=row.actor, school_id=row.school,
                   details=row.details or {})
