"""HTTP bodies of the platform endpoints (msgspec, camelCase). Learning DTOs: ``dto_learning``;
accounts DTOs: ``issuer.accounts.schemas``.

Signed documents (credentials, status lists) are never DTOs: they are served verbatim.
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec

from issuer.web.dto_types import Keyword, Reason, Url, check_depth


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


def problem_responses(*codes: int) -> dict:
    """OpenAPI ``responses`` documenting error codes as RFC 9457 problem details."""
    from litestar.openapi.datastructures import ResponseSpec

    descriptions = {400: "Bad request", 401: "Authentication required", 403: "Forbidden", 404: "Not found",
                    409: "Conflict", 422: "Unprocessable content", 429: "Too many requests"}
    return {code: ResponseSpec(data_container=ProblemDetails, media_type="application/problem+json",
                               description=descriptions.get(code, "Error")) for code in codes}
