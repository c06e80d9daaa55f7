"""Rows of the REST API's OAuth tables (``issuer.db.tables.OAuthClient`` and friends)."""
from __future__ import annotations

from datetime import datetime

import msgspec


class ClientRow(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    client_id: str
    secret_hash: str
    client_name: str
    metadata: str  # JSON, as registered
    created_at: datetime


class CodeRow(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    code_hash: str
    client: int
    user: int
    redirect_uri: str
    scope: str
    code_challenge: str
    code_challenge_method: str
    expires_at: datetime


class TokenRow(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    access_hash: str
    refresh_hash: str
    client: int
    user: int
    scope: str
    issued_at: datetime
    expires_in: int
    refresh_expires_at: datetime | None
    access_revoked: bool
    refresh_revoked: bool


class ProfileRow(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    user: int
    document: str
    updated_at: datetime


class GrantRow(msgspec.Struct, frozen=True, kw_only=True):
    """A token a student granted, with its client's name (the Connected apps page)."""
    id: int
    client: int
    client_name: str
    client_metadata: str
    scope: str
    refresh_hash: str  # "" when no refresh token was issued
    issued_at: datetime
    expires_in: int
    refresh_expires_at: datetime | None
    access_revoked: bool
    refresh_revoked: bool
