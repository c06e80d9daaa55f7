"""What ``issuer.credentials.repo`` returns: one frozen Struct per shape it reads.

Foreign keys are the referenced row's id, as Piccolo returns them. The bulk-job queries of the
repo still return dicts (``issuer.credentials.bulk`` and ``issuer.jobs`` own their shape).
"""
from __future__ import annotations

import uuid as uuidlib
from datetime import datetime

import msgspec


class StatusListHead(msgspec.Struct, frozen=True, kw_only=True):
    """The newest list of a school and purpose: where the next index is drawn."""

    id: int
    list_no: int
    size: int  # bits


class StatusListRow(msgspec.Struct, frozen=True, kw_only=True):
    """A Bitstring status list: its current bits and the signed list credential served verbatim."""

    id: int
    school: int
    purpose: str
    list_no: int
    size: int  # bits
    encoded_list: str
    document: str  # "" until first signed
    updated_at: datetime


class IssuedCredentialRow(msgspec.Struct, frozen=True, kw_only=True):
    """A signed credential as stored: ``document`` is the exact JSON text that was signed."""

    id: int
    uuid: uuidlib.UUID  # the path segment of /credentials/<uuid>
    school: int
    learner: int | None
    achievement: int | None  # None for VC-API
    award: int | None  # None for VC-API
    credential_id: str  # the VC ``id``
    document: str
    status_list: int | None
    status_index: int | None
    status_purpose: str
    revoked_at: datetime | None
    revoked_reason: str
    revoked_by: int | None
    suspended: bool
    suspended_reason: str
    issued_at: datetime
    public_page: bool = True  # the learner's switch: the public page and the JSON at its URL
    show_name: bool = False  # the learner's switch: their name on the public page
    jwt: str = ""  # the VC-JWT of ``document`` as stored, "" until first asked for (issuer.credentials.vc_jwt)
    bound_from: int | None = None  # a wallet copy: the credential it was issued from (issuer.credentials.binding)
    holder: str = ""  # a wallet copy: the wallet's DID, its credentialSubject.id


class CredentialSummaryRow(msgspec.Struct, frozen=True, kw_only=True):
    """A credential as the admin listing shows it (no document, no reasons)."""

    id: int
    uuid: uuidlib.UUID
    school: int
    learner: int | None
    credential_id: str
    issued_at: datetime
    revoked_at: datetime | None
    suspended: bool


class AwardedBadgeRow(msgspec.Struct, frozen=True, kw_only=True):
    """An awarded badge as the badge lists show it, with its achievement's and learner's names."""

    id: int
    uuid: uuidlib.UUID
    school: int
    learner: int | None
    achievement: int | None
    award: int | None
    credential_id: str
    status_index: int | None
    revoked_at: datetime | None
    revoked_reason: str
    suspended: bool
    issued_at: datetime
    achievement_name: str | None
    achievement_uuid: uuidlib.UUID | None
    learner_name: str | None
    suspended_reason: str = ""  # internal, as revoked_reason: staff pages only, never published
    achievement_version: int | None = None  # the version of the achievement it was issued with

    @property
    def state(self) -> str:
        """revoked | suspended | active (the words: ``issuer.render.statuses``)."""
        return "revoked" if self.revoked_at is not None else "suspended" if self.suspended else "active"


class AwardRow(msgspec.Struct, frozen=True, kw_only=True):
    """The decision to award: one per recognised demonstration (``opportunity`` 1, 2, …)."""

    id: int
    uuid: uuidlib.UUID
    school: int
    learner: int
    achievement: int
    submission: int | None  # None for a bulk award
    version: int | None
    ratings: dict[str, int]  # criterion id → level
    source: str  # review | bulk
    created_at: datetime
    opportunity: int
    evidence_shared: bool  # the learner's switch: evidence files public to link holders


class PairAwardRow(msgspec.Struct, frozen=True, kw_only=True):
    """One of the awards of a (learner, achievement) pair, with its badge (``credential_uuid`` None
    while the award has none)."""

    id: int
    opportunity: int
    ratings: dict[str, int]
    submission: int | None
    credential_uuid: uuidlib.UUID | None
    revoked_at: datetime | None


class HeldSubmissionRow(msgspec.Struct, frozen=True, kw_only=True):
    """Work held back for a missing prerequisite, with its achievement's prerequisites."""

    id: int
    prerequisites: list[int]  # achievement ids


class WalletExchangeRow(msgspec.Struct, frozen=True, kw_only=True):
    """One "add to wallet" request (``issuer.credentials.wallets``): a single-use challenge for
    ``credential`` (stored as its sha256) that expires; ``issued`` is the bound copy it made."""

    id: int
    uuid: uuidlib.UUID
    school: int
    learner: int
    credential: int
    protocol: str
    challenge_hash: str
    expires_at: datetime
    used_at: datetime | None
    holder: str
    issued: int | None
    created_at: datetime
    pre_auth_hash: str = ""  # OpenID4VCI: the offer's pre-authorized code (sha256)
    tx_code_hash: str = ""  # OpenID4VCI: the transaction code shown to the student (sha256)
    access_hash: str = ""  # OpenID4VCI: the access token the token endpoint gave (sha256)
    access_expires_at: datetime | None = None
class AwardLevelRow(msgspec.Struct, frozen=True, kw_only=True, array_like=True):
    """A valid (neither revoked nor suspended) badge's learner, achievement and the level its award
    reached (its lowest criterion rating; None: no rating): what the cohort view counts."""

    learner: int
    achievement: int
    level: int | None


class HeldDocumentRow(msgspec.Struct, frozen=True, kw_only=True):
    """A learner's awarded badge as signed (the OB 3.0 REST API lists these)."""
    id: int
    uuid: uuidlib.UUID
    document: str
    issued_at: datetime
