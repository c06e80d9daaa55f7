"""HTTP bodies of the platform endpoints (msgspec, camelCase). Learning DTOs: ``dto_learning``.

Signed documents (credentials, status lists) are never DTOs: they are served verbatim.
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec

from issuer.web.dto_types import (AccountRole, Email, ExpirySeconds, Keyword, Name, Password, Reason, Slug, Url, Username,
                                  check_depth)


class Dto(msgspec.Struct, rename="camel", kw_only=True, omit_defaults=True):
    pass


class ProblemDetails(Dto):
    """RFC 9457 problem details (every error response; media type application/problem+json)."""
    type: str
    title: str
    status: int
    detail: str = ""
    instance: str = ""


# --- VC-API -------------------------------------------------------------------------------------

class StatusOption(Dto):
    """Our option: add a status entry. Any of revocation / suspension / message gives the one
    two-bit ``message`` entry that serves all three (``issuer.credentials.status``)."""
    type: Keyword = "BitstringStatusListEntry"
    status_purpose: Keyword | Annotated[list[Keyword], msgspec.Meta(max_length=4)] = "revocation"


class IssueOptions(Dto):
    credential_id: Url | None = None
    mandatory_pointers: Annotated[list[Url], msgspec.Meta(max_length=100)] | None = None
    credential_status: StatusOption | None = None


class IssueRequest(Dto):
    """VC-API IssueCredentialRequest: an unsigned VC 2.0 credential and options."""
    credential: dict[str, Any]
    options: IssueOptions | None = None

    def __post_init__(self) -> None:
        check_depth(self.credential, what="credential")


class IssueResponse(Dto):
    verifiable_credential: dict[str, Any]


# --- identity -----------------------------------------------------------------------------------

class SchoolOut(Dto):
    slug: str
    name: str
    did: str
    profile_url: str
    did_document_url: str
    url: str = ""


class KeyOut(Dto):
    public_key_multibase: str
    verification_method: str
    active: bool
    created_at: datetime


# --- accounts -----------------------------------------------------------------------------------

class MeOut(Dto):
    role: str
    via: str
    id: int | None = None
    username: str = ""
    display_name: str = ""
    school_id: int | None = None
    district_id: int | None = None


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


# --- credentials and status ----------------------------------------------------------------------

class ReasonIn(Dto):
    reason: Reason


class CredentialOut(Dto):
    uuid: str
    credential_id: str
    school_id: int
    issued_at: datetime
    url: str
    learner_id: int | None = None
    revoked_at: datetime | None = None
    revoked_reason: str = ""
    suspended: bool = False


class AuditOut(Dto):
    at: datetime
    action: str
    subject: str = ""
    actor_id: int | None = None
    school_id: int | None = None
    details: dict[str, Any] = {}


def problem_responses(*codes: int) -> dict:
    """OpenAPI ``responses`` documenting error codes as RFC 9457 problem details."""
    from litestar.openapi.datastructures import ResponseSpec

    descriptions = {400: "Bad request", 401: "Authentication required", 403: "Forbidden", 404: "Not found",
                    409: "Conflict", 422: "Unprocessable content", 429: "Too many requests"}
    return {code: ResponseSpec(data_container=ProblemDetails, media_type="application/problem+json",
                               description=descriptions.get(code, "Error")) for code in codes}
