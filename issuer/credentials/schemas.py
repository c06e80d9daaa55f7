"""HTTP bodies of the credential endpoints (msgspec, camelCase): VC-API issue, the credential
administration, the badge lists and the badge pages' JSON.

Signed documents (credentials, status lists) are never DTOs: they are served verbatim.
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from issuer.credentials.rows import AwardedBadgeRow, CredentialSummaryRow, IssuedCredentialRow
from issuer.web.dto import Dto
from issuer.web.dto_types import Keyword, Url, check_depth

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
    # "vc+jwt": answer with the credential also secured as a VC-JWT, in an
    # EnvelopedVerifiableCredential (VCDM 2.0 §4.13); the Data Integrity–signed one is stored either way.
    format: Literal["data-integrity", "vc+jwt"] | None = None


class IssueRequest(Dto):
    """VC-API IssueCredentialRequest: an unsigned VC 2.0 credential and options."""
    credential: dict[str, Any]
    options: IssueOptions | None = None

    def __post_init__(self) -> None:
        check_depth(self.credential, what="credential")


class IssueResponse(Dto):
    verifiable_credential: dict[str, Any]


# --- credential administration -------------------------------------------------------------------


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

    @classmethod
    def of(cls, row: IssuedCredentialRow | CredentialSummaryRow, *, base_url: str,
           with_reason: bool) -> CredentialOut:
        """``with_reason``: the caller is staff. The revocation reason is internal, so a student
        sees only that their badge was revoked, not why (it is in the school's audit log); the
        listing never carries it."""
        return cls(uuid=str(row.uuid), credential_id=row.credential_id, school_id=row.school,
                   learner_id=row.learner, issued_at=row.issued_at, revoked_at=row.revoked_at,
                   revoked_reason=row.revoked_reason if with_reason and isinstance(row, IssuedCredentialRow) else "",
                   suspended=row.suspended, url=f"{base_url}/credentials/{row.uuid}")


# --- badge lists and pages ----------------------------------------------------------------------


class AwardedBadgeOut(Dto):
    """An awarded badge in ``GET /api/awards`` (every key always present)."""
    id: str
    credential_id: str
    achievement: str | None
    learner: str | None
    issued_at: str  # ISO 8601, as datetime.isoformat() writes it
    revoked: bool
    suspended: bool
    url: str
    json: str

    @classmethod
    def of(cls, row: AwardedBadgeRow, *, base_url: str) -> AwardedBadgeOut:
        return cls(id=str(row.uuid), credential_id=row.credential_id, achievement=row.achievement_name,
                   learner=row.learner_name, issued_at=row.issued_at.isoformat(),
                   revoked=row.revoked_at is not None, suspended=bool(row.suspended),
                   url=f"{base_url}/badges/{row.uuid}", json=f"{base_url}/credentials/{row.uuid}")


class BadgeEvidenceOut(Dto):
    """``GET /badges/<uuid>/evidence`` as JSON: the signed badge's ``evidence`` items."""
    id: str
    badge: str
    name: str
    evidence: list[dict[str, Any]]


class EvidenceSharingOut(Dto):
    evidence_shared: bool


class BadgeSharingOut(Dto):
    """The learner's switches on one badge (issue 12): its public page, their name on it."""

    public_page: bool
    show_name: bool
