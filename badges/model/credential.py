"""AchievementCredential (OpenBadgeCredential), EndorsementCredential and their parts.
OB App. B.1.2, B.1.3; VCDM 2.0 credentialStatus / credentialSchema."""
from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

import msgspec

from badges.errors import ModelError
from badges.model.achievement import Achievement, Evidence, Result
from badges.model.base import (
    OB_CONTEXT_PATTERN,
    OB_V3P0,
    VC_V2,
    Base,
    optional_uri,
    require_aware,
    require_text,
    require_type,
    require_uri,
)
from badges.model.profile import IdentityObject, Image, Profile

OB_ACHIEVEMENT_SCHEMA = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
OB_ENDORSEMENT_SCHEMA = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_endorsementcredential_schema.json"
SCHEMA_VALIDATOR_TYPE = "1EdTechJsonSchemaValidator2019"


class CredentialStatus(Base, frozen=True, kw_only=True):
    """BitstringStatusListEntry or 1EdTechRevocationList; only ``type`` is required by OB."""

    _required: ClassVar[tuple[str, ...]] = ("type",)

    type: str | None = None
    id: str | None = None
    status_purpose: str | None = None
    status_list_index: str | None = None
    status_list_credential: str | None = None

    def _validate(self) -> None:
        require_text(self.type, "CredentialStatus.type")
        optional_uri(self.id, "CredentialStatus.id")
        optional_uri(self.status_list_credential, "CredentialStatus.statusListCredential")
        if self.status_list_index is not None and not (
                isinstance(self.status_list_index, str) and self.status_list_index.isdigit()):
            raise ModelError("statusListIndex must be a base-10 integer as a string", field="statusListIndex")


class CredentialSchema(Base, frozen=True, kw_only=True):
    _required: ClassVar[tuple[str, ...]] = ("id",)

    id: str | None = None
    type: str = SCHEMA_VALIDATOR_TYPE

    def _validate(self) -> None:
        require_uri(self.id, "CredentialSchema.id")
        require_text(self.type, "CredentialSchema.type")


class AchievementSubject(Base, frozen=True, kw_only=True):
    _required: ClassVar[tuple[str, ...]] = ("achievement",)

    achievement: Achievement | None = None
    id: str | None = None
    type: tuple[str, ...] = ("AchievementSubject",)
    identifier: tuple[IdentityObject, ...] = ()
    result: tuple[Result, ...] = ()
    activity_start_date: datetime | None = None
    activity_end_date: datetime | None = None
    credits_earned: int | float | None = None
    image: Image | None = None
    narrative: str | None = None
    license_number: str | None = None
    role: str | None = None
    term: str | None = None
    source: Profile | None = None

    def _validate(self) -> None:
        require_type(self.type, "AchievementSubject", "AchievementSubject")
        if self.id is None and not self.identifier:
            raise ModelError("AchievementSubject needs an id or at least one identifier (OB §9.1 step 1)",
                             field="credentialSubject")
        optional_uri(self.id, "AchievementSubject.id")
        require_aware(self.activity_start_date, "AchievementSubject.activityStartDate")
        require_aware(self.activity_end_date, "AchievementSubject.activityEndDate")


def _check_credential(cred: Any, needed_type: tuple[str, ...], cls: str) -> None:
    ctx = cred.context
    if len(ctx) < 2 or ctx[0] != VC_V2 or not OB_CONTEXT_PATTERN.match(ctx[1]):
        raise ModelError(f"{cls} @context must start with {VC_V2} and an OB 3.0 context", field="@context")
    require_uri(cred.id, f"{cls}.id")
    require_type(cred.type, "VerifiableCredential", cls)
    require_type(cred.type, needed_type, cls)
    require_aware(cred.valid_from, f"{cls}.validFrom")
    require_aware(cred.valid_until, f"{cls}.validUntil")
    if cred.valid_until is not None and cred.valid_until < cred.valid_from:
        raise ModelError(f"{cls}.validUntil is before validFrom", field="validUntil")


class AchievementCredential(Base, frozen=True, kw_only=True):
    _required: ClassVar[tuple[str, ...]] = ("id", "issuer", "valid_from", "credential_subject")

    context: tuple[str, ...] = msgspec.field(default=(VC_V2, OB_V3P0), name="@context")
    id: str | None = None
    type: tuple[str, ...] = ("VerifiableCredential", "OpenBadgeCredential")
    issuer: Profile | None = None
    valid_from: datetime | None = None
    credential_subject: AchievementSubject | None = None
    valid_until: datetime | None = None
    awarded_date: datetime | None = None
    name: str | None = None
    description: str | None = None
    image: Image | None = None
    evidence: tuple[Evidence, ...] = ()
    endorsement: tuple[dict[str, Any], ...] = ()
    credential_schema: tuple[CredentialSchema, ...] = ()
    credential_status: CredentialStatus | None = None
    refresh_service: dict[str, Any] | None = None
    terms_of_use: tuple[dict[str, Any], ...] = ()
    proof: tuple[dict[str, Any], ...] = ()

    def _validate(self) -> None:
        _check_credential(self, ("AchievementCredential", "OpenBadgeCredential"), "AchievementCredential")
        require_aware(self.awarded_date, "AchievementCredential.awardedDate")


class EndorsementSubject(Base, frozen=True, kw_only=True):
    _required: ClassVar[tuple[str, ...]] = ("id",)

    id: str | None = None
    type: tuple[str, ...] = ("EndorsementSubject",)
    endorsement_comment: str | None = None

    def _validate(self) -> None:
        require_uri(self.id, "EndorsementSubject.id")
        require_type(self.type, "EndorsementSubject", "EndorsementSubject")


class EndorsementCredential(Base, frozen=True, kw_only=True):
    _required: ClassVar[tuple[str, ...]] = ("id", "name", "issuer", "valid_from", "credential_subject")

    context: tuple[str, ...] = msgspec.field(default=(VC_V2, OB_V3P0), name="@context")
    id: str | None = None
    type: tuple[str, ...] = ("VerifiableCredential", "EndorsementCredential")
    name: str | None = None
    issuer: Profile | None = None
    valid_from: datetime | None = None
    credential_subject: EndorsementSubject | None = None
    valid_until: datetime | None = None
    awarded_date: datetime | None = None
    description: str | None = None
    evidence: tuple[Evidence, ...] = ()
    credential_schema: tuple[CredentialSchema, ...] = ()
    credential_status: CredentialStatus | None = None
    refresh_service: dict[str, Any] | None = None
    terms_of_use: tuple[dict[str, Any], ...] = ()
    proof: tuple[dict[str, Any], ...] = ()

    def _validate(self) -> None:
        _check_credential(self, ("EndorsementCredential",), "EndorsementCredential")
        require_text(self.name, "EndorsementCredential.name")


__all__ = ["AchievementCredential", "AchievementSubject", "CredentialSchema", "CredentialStatus",
           "EndorsementCredential", "EndorsementSubject", "OB_ACHIEVEMENT_SCHEMA", "OB_ENDORSEMENT_SCHEMA",
           "SCHEMA_VALIDATOR_TYPE"]
