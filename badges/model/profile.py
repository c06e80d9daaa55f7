"""Profile (issuer, creator, source, endorser) and the small classes it uses. OB App. B.1.14."""
from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from badges.errors import ModelError
from badges.json_types import JsonObject
from badges.model.base import (
    Base,
    IdentifierType,
    enum_value,
    is_absolute_uri,
    optional_uri,
    require_text,
    require_type,
    require_uri,
)


class Image(Base, frozen=True, kw_only=True):
    """Always an object with an ``id`` (URL or data: URI); never a bare string (App. A.1)."""

    _required: ClassVar[tuple[str, ...]] = ("id",)

    id: str | None = None
    type: str = "Image"
    caption: str | None = None

    def _validate(self) -> None:
        require_uri(self.id, "Image.id")
        if self.type != "Image":
            raise ModelError("Image.type must be 'Image'", field="type", value=self.type)


class GeoCoordinates(Base, frozen=True, kw_only=True):
    _required: ClassVar[tuple[str, ...]] = ("latitude", "longitude")

    latitude: int | float | None = None
    longitude: int | float | None = None
    type: str = "GeoCoordinates"


class Address(Base, frozen=True, kw_only=True):
    type: tuple[str, ...] = ("Address",)
    address_country: str | None = None
    address_country_code: str | None = None
    address_region: str | None = None
    address_locality: str | None = None
    street_address: str | None = None
    post_office_box_number: str | None = None
    postal_code: str | None = None
    geo: GeoCoordinates | None = None

    def _validate(self) -> None:
        require_type(self.type, "Address", "Address")


class IdentifierEntry(Base, frozen=True, kw_only=True):
    _required: ClassVar[tuple[str, ...]] = ("identifier", "identifier_type")

    identifier: str | None = None
    identifier_type: str | None = None
    type: str = "IdentifierEntry"

    def _validate(self) -> None:
        require_text(self.identifier, "IdentifierEntry.identifier")
        enum_value(IdentifierType, self.identifier_type, "IdentifierEntry.identifierType")


class IdentityObject(Base, frozen=True, kw_only=True):
    """A (usually hashed) learner identifier: ``identityHash`` = ``<alg>$<hex>`` when hashed."""

    _required: ClassVar[tuple[str, ...]] = ("identity_hash", "identity_type", "hashed")

    identity_hash: str | None = None
    identity_type: str | None = None
    hashed: bool | None = None
    salt: str | None = None
    type: str = "IdentityObject"

    def _validate(self) -> None:
        if self.type != "IdentityObject":
            raise ModelError("IdentityObject.type must be 'IdentityObject'", field="type")
        require_text(self.identity_hash, "IdentityObject.identityHash")
        enum_value(IdentifierType, self.identity_type, "IdentityObject.identityType")
        if self.hashed:
            alg, _, digest = (self.identity_hash or "").partition("$")  # require_text refused None
            if alg not in ("sha256", "md5") or not digest or any(c not in "0123456789abcdefABCDEF" for c in digest):
                raise ModelError("IdentityObject.identityHash must be '<sha256|md5>$<hex>' when hashed",
                                 field="identityHash")


class Profile(Base, frozen=True, kw_only=True):
    _required: ClassVar[tuple[str, ...]] = ("id",)

    id: str | None = None
    type: tuple[str, ...] = ("Profile",)
    name: str | None = None
    url: str | None = None
    phone: str | None = None
    description: str | None = None
    image: Image | None = None
    email: str | None = None
    address: Address | None = None
    other_identifier: tuple[IdentifierEntry, ...] = ()
    official: str | None = None
    parent_org: Profile | None = None
    given_name: str | None = None
    family_name: str | None = None
    additional_name: str | None = None
    date_of_birth: date | None = None
    # Embedded EndorsementCredentials stay the exact signed dicts (never re-serialized).
    endorsement: tuple[dict[str, Any], ...] = ()

    def _validate(self) -> None:
        require_uri(self.id, "Profile.id")
        require_type(self.type, "Profile", "Profile")
        optional_uri(self.url, "Profile.url")


def profile_ref_id(issuer: Profile | str | JsonObject) -> str:
    """The id of a ProfileRef however it is given."""
    if isinstance(issuer, Profile):
        assert issuer.id is not None  # a Profile is never built without its required id
        return issuer.id
    ref = issuer.get("id") if isinstance(issuer, dict) else issuer
    if is_absolute_uri(ref):
        return ref
    raise ModelError("issuer must be a Profile or a URI", field="issuer")


__all__ = ["Address", "GeoCoordinates", "IdentifierEntry", "IdentityObject", "Image", "Profile",
           "profile_ref_id"]
