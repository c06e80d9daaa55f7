"""What ``issuer.schools.repo`` returns: one frozen Struct per shape it reads.

Foreign keys are the referenced row's id (``SchoolRow.district``), as Piccolo returns them.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec


class DistrictRow(msgspec.Struct, frozen=True, kw_only=True):
    """The tenant root; its did:web is the base URL's host."""

    id: int
    slug: str
    name: str
    url: str
    email: str
    created_at: datetime


class SchoolRow(msgspec.Struct, frozen=True, kw_only=True):
    """An issuer: what its OB Profile and did:web are made of."""

    id: int
    district: int
    slug: str
    name: str
    url: str
    email: str
    description: str
    address: dict[str, Any]  # OB Address fields (camelCase), without type
    image_url: str
    created_at: datetime
    linkedin_organization_id: str = ""  # for LinkedIn "Add to profile" (empty: the school's name)
    logo_sha256: str = ""  # the uploaded logo's hash in the file store ("" none)
    logo_type: str = ""  # its media type (image/png, image/svg+xml)
    scale: list[dict[str, Any]] = []  # the school's level words [{value, name, description}]; []: default
    did_method: str = ""  # "" the deployment's issuer_identity; "did:web" or "did:key" for this school


class SigningKeyRow(msgspec.Struct, frozen=True, kw_only=True):
    """A key with its encrypted seed: what a signer is made from (``issuer.schools.keys``)."""

    id: int
    district: int
    school: int | None  # None: the district's own key
    public_key_multibase: str
    encrypted_seed: str
    active: bool
    created_at: datetime
    retired_at: datetime | None


class PublishedKeyRow(msgspec.Struct, frozen=True, kw_only=True):
    """A key as its DID document and the key listing show it (never the seed)."""

    id: int
    public_key_multibase: str
    active: bool
    created_at: datetime
    retired_at: datetime | None = None


class TrustedIssuerRow(msgspec.Struct, frozen=True, kw_only=True):
    """An issuer a school recognises (``issuer.schools.trust``)."""

    id: int
    school: int
    issuer_id: str  # did:key, did:web or an https URL, as badges name their issuer
    name: str
    note: str
    added_by: int | None
    added_at: datetime
