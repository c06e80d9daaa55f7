"""CLR 2.0: ClrCredential, ClrSubject, Association (CLR schemas + context 2.0.1)."""
from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

import msgspec

from badges.errors import ModelError
from badges.model.achievement import Achievement, Evidence
from badges.model.base import (
    CLR_CONTEXT_PATTERN,
    CLR_V2P0,
    OB_CONTEXT_PATTERN,
    OB_V3P0,
    VC_V2,
    AssociationType,
    Base,
    enum_value,
    optional_uri,
    require_aware,
    require_text,
    require_type,
    require_uri,
)
from badges.model.credential import CredentialSchema, CredentialStatus
from badges.model.profile import IdentityObject, Image, Profile

CLR_SCHEMA = "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json"


class Association(Base, frozen=True, kw_only=True):
    _required: ClassVar[tuple[str, ...]] = ("association_type", "source_id", "target_id")

    association_type: str | None = None
    source_id: str | None = None
    target_id: str | None = None
    type: str = "Association"

    def _validate(self) -> None:
        if self.type != "Association":
            raise ModelError("Association.type must be 'Association'", field="type")
        enum_value(AssociationType, self.association_type, "Association.associationType")
        require_uri(self.source_id, "Association.sourceId")
        require_uri(self.target_id, "Association.targetId")


class ClrSubject(Base, frozen=True, kw_only=True):
    _required: ClassVar[tuple[str, ...]] = ("verifiable_credential",)

    # The bundled credentials are independently signed: kept as the exact dicts.
    verifiable_credential: tuple[dict[str, Any], ...] | None = None
    id: str | None = None
    type: tuple[str, ...] = ("ClrSubject",)
    identifier: tuple[IdentityObject, ...] = ()
    achievement: tuple[Achievement, ...] = ()
    association: tuple[Association, ...] = ()

    def _validate(self) -> None:
        require_type(self.type, "ClrSubject", "ClrSubject")
        if not self.verifiable_credential:
            raise ModelError("ClrSubject needs at least one verifiableCredential", field="verifiableCredential")
        if self.id is None and not self.identifier:
            raise ModelError("ClrSubject needs an id or at least one identifier", field="credentialSubject")
        optional_uri(self.id, "ClrSubject.id")


class ClrCredential(Base, frozen=True, kw_only=True):
    _required: ClassVar[tuple[str, ...]] = ("id", "issuer", "name", "valid_from", "credential_subject")

    context: tuple[str, ...] = msgspec.field(default=(VC_V2, CLR_V2P0, OB_V3P0), name="@context")
    id: str | None = None
    type: tuple[str, ...] = ("VerifiableCredential", "ClrCredential")
    issuer: Profile | None = None
    name: str | None = None
    valid_from: datetime | None = None
    credential_subject: ClrSubject | None = None
    description: str | None = None
    image: Image | None = None
    partial: bool | None = None
    awarded_date: datetime | None = None
    valid_until: datetime | None = None
    evidence: tuple[Evidence, ...] = ()
    endorsement: tuple[dict[str, Any], ...] = ()
    credential_schema: tuple[CredentialSchema, ...] = ()
    credential_status: CredentialStatus | None = None
    refresh_service: dict[str, Any] | None = None
    terms_of_use: tuple[dict[str, Any], ...] = ()
    proof: tuple[dict[str, Any], ...] = ()

    def _validate(self) -> None:
        ctx = self.context
        if (len(ctx) < 3 or ctx[0] != VC_V2 or not CLR_CONTEXT_PATTERN.match(ctx[1])
                or not any(OB_CONTEXT_PATTERN.match(c) for c in ctx[2:])):
            raise ModelError("ClrCredential @context must be credentials/v2, a CLR 2.0 context, then an "
                             "OB 3.0 context", field="@context")
        require_uri(self.id, "ClrCredential.id")
        require_type(self.type, "VerifiableCredential", "ClrCredential")
        require_type(self.type, "ClrCredential", "ClrCredential")
        require_text(self.name, "ClrCredential.name")
        for name in ("valid_from", "valid_until", "awarded_date"):
            require_aware(getattr(self, name), f"ClrCredential.{name}")


__all__ = ["Association", "CLR_SCHEMA", "ClrCredential", "ClrSubject"]
