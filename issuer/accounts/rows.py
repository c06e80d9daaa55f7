"""The rows ``issuer.accounts.repo`` returns: frozen ``msgspec.Struct`` values, one per shape read.

Each holds the columns its callers use, plus ``id``; the names are the columns' (``school`` is
the school's id). A user's ``role`` is a ``Role``: an account is only ever made with a known
one. A token's ``role`` stays text, because a token row of an unknown role must be refused
(``issuer.accounts.service.token_principal``), not fail to load.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from issuer.access import Role


class UserRow(msgspec.Struct, frozen=True, kw_only=True):
    """An account, without its password hash."""

    id: int
    district: int
    school: int | None  # None: a district admin
    role: Role
    username: str
    email: str
    display_name: str
    active: bool
    erased_at: datetime | None = None  # erased on request (docs/PRIVACY.md); None: never


class LoginRow(UserRow, frozen=True, kw_only=True):
    """An account with its password hash: read to check a password, and only for that."""

    password_hash: str  # argon2id; "" cannot log in


class TokenRow(msgspec.Struct, frozen=True, kw_only=True):
    """An API token as authentication reads it (never its hash)."""

    id: int
    name: str
    district: int
    school: int | None
    user: int | None  # None: a service token (school or district admin)
    role: str
    expires_at: datetime | None  # None: until revoked


class TokenInfoRow(msgspec.Struct, frozen=True, kw_only=True):
    """An API token as administrators list it: its state, its user's name and its school's slug."""

    id: int
    name: str
    district: int
    school: int | None
    role: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    expires_at: datetime | None
    username: str | None  # the token's user
    school_slug: str | None


class SessionRow(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    user: int
    expires_at: datetime


class AuditRow(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    at: datetime
    action: str
    subject: str
    actor: int | None  # the user who acted; None: a service token or the command line
    district: int | None
    school: int | None
    details: dict[str, Any]  # JSON: how the actor acted (via, token) and the action's own facts


class RecipientRow(msgspec.Struct, frozen=True, kw_only=True):
    """A person as e-mail reaches them (notifications, digests, password resets)."""

    id: int
    district: int
    school: int | None
    role: Role
    username: str
    email: str
    display_name: str
    language: str  # "" when not known (English then)
    active: bool


class PasswordResetRow(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    user: int
    expires_at: datetime
    used_at: datetime | None


class ClassRow(msgspec.Struct, frozen=True, kw_only=True):
    """A class of a school (issue 13): its teachers see its students' work (``issuer.access``)."""

    id: int
    school: int
    name: str
    subject: str
    period: str
    created_at: datetime
    archived_at: datetime | None  # None: in use


class ClassMemberRow(msgspec.Struct, frozen=True, kw_only=True):
    """A teacher or a student of a class, with the words a page shows for them."""

    school_class: int
    user: int
    role: Role
    username: str
    display_name: str
    active: bool
