"""From a verification method URL to a public key, without I/O.

Resolvers only read what they were given: ``DidKeyResolver`` computes did:key documents,
``DocumentResolver`` looks into an offline bundle of DID/controller documents (the services
fetch them and pass them in), ``FragmentKeyResolver`` reproduces the 1EdTech validator's
``<controller>#z6Mk…`` shortcut, which proves nothing about who controls the key, so its
results carry ``source="fragment"`` for the verifier to report as a warning (STANDARDS §1.9).
"""
from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable
from urllib.parse import unquote, urlsplit

from badges.errors import BadgeError, KeyFormatError, ResolutionError
from badges.json_types import JsonObject
from badges.signing.keys import PublicKey, RsaPublicKey, did_key_document, public_key_from_did_key

__all__ = [
    "RELATIONSHIPS",
    "ChainResolver",
    "DidKeyResolver",
    "DocumentResolver",
    "FragmentKeyResolver",
    "KeyResolver",
    "VerificationMethod",
    "did_web_url",
]

RELATIONSHIPS = ("assertionMethod", "authentication", "capabilityInvocation",
                 "capabilityDelegation", "keyAgreement")
_KEY_TYPES = ("Multikey", "Ed25519VerificationKey2020", "JsonWebKey2020", "JsonWebKey")


@dataclass(frozen=True)
class VerificationMethod:
    id: str
    type: str
    controller: str
    public_key: PublicKey | RsaPublicKey
    # None = no controller document said which relationships list this method.
    relationships: frozenset[str] | None
    source: str  # "did:key" | "document" | "fragment"


@runtime_checkable
class KeyResolver(Protocol):
    def resolve(self, vm_id: str) -> VerificationMethod: ...


def _public_key(vm: JsonObject) -> PublicKey | RsaPublicKey:
    try:
        if isinstance(vm.get("publicKeyMultibase"), str):
            return PublicKey.from_multibase(vm["publicKeyMultibase"])
        jwk = vm.get("publicKeyJwk")
        if isinstance(jwk, dict):
            if "d" in jwk:
                raise ResolutionError("a verification method publishes a private key ('d')", id=vm.get("id"))
            return RsaPublicKey.from_jwk(jwk) if jwk.get("kty") == "RSA" else PublicKey.from_jwk(jwk)
    except KeyFormatError as exc:
        raise ResolutionError(f"verification method {vm.get('id')!r}: {exc.message}", id=vm.get("id")) from None
    raise ResolutionError(f"verification method {vm.get('id')!r} has no usable public key", id=vm.get("id"))


def _origin(url: str) -> tuple[str, str] | None:
    parts = urlsplit(url)
    return (parts.scheme, parts.netloc) if parts.scheme in ("http", "https") and parts.netloc else None


def _absolute(ref: str, base: str) -> str:
    return base + ref if ref.startswith("#") else ref


def _method_from(vm: JsonObject, vm_id: str, *, relationships: frozenset[str] | None, source: str,
                 controller_doc: str | None) -> VerificationMethod:
    vm_type = vm.get("type")
    if vm_type not in _KEY_TYPES:
        raise ResolutionError(f"verification method {vm_id!r} has unsupported type {vm_type!r}", id=vm_id)
    controller = vm.get("controller")
    if not isinstance(controller, str) or not controller:
        raise ResolutionError(f"verification method {vm_id!r} has no controller", id=vm_id)
    if controller_doc is not None and controller != controller_doc:
        raise ResolutionError(f"verification method {vm_id!r} is controlled by {controller!r}, "
                              f"not by the document {controller_doc!r} that lists it", id=vm_id)
    return VerificationMethod(id=vm_id, type=vm_type, controller=controller, public_key=_public_key(vm),
                              relationships=relationships, source=source)


def _relationships(doc: Mapping[str, Any], vm_id: str) -> frozenset[str]:
    base = doc.get("id", "")
    found = set()
    for rel in RELATIONSHIPS:
        entries = doc.get(rel)
        for entry in entries if isinstance(entries, list) else [entries] if entries else []:
            ref = entry.get("id") if isinstance(entry, dict) else entry
            if isinstance(ref, str) and _absolute(ref, base) == vm_id:
                found.add(rel)
    return frozenset(found)


def _find_method(doc: JsonObject, vm_id: str) -> JsonObject | None:
    base = doc.get("id", "")
    candidates = []
    for key in ("verificationMethod", *RELATIONSHIPS):
        entries = doc.get(key)
        candidates.extend(entries if isinstance(entries, list) else [entries] if entries else [])
    for entry in candidates:
        if isinstance(entry, dict) and isinstance(entry.get("id"), str) and _absolute(entry["id"], base) == vm_id:
            return entry
    return None


class DidKeyResolver:
    """did:key (Ed25519): the DID document is generated from the DID itself (DIDKEY §3)."""

    def resolve(self, vm_id: str) -> VerificationMethod:
        if not isinstance(vm_id, str) or not vm_id.startswith("did:key:"):
            raise ResolutionError(f"not a did:key: {vm_id!r}", id=vm_id)
        try:
            key = public_key_from_did_key(vm_id)
        except KeyFormatError as exc:
            raise ResolutionError(exc.message, id=vm_id) from None
        doc = did_key_document(key.did_key)
        full_id = f"{key.did_key}#{key.multibase}"
        return VerificationMethod(id=full_id, type="Multikey", controller=key.did_key, public_key=key,
                                  relationships=_relationships(doc, full_id), source="did:key")


class DocumentResolver:
    """Offline bundle of DID documents (did:web), http(s) controller documents and standalone
    verification methods (a Multikey document served at its own URL), looked up by ``id``
    (and by the mapping's keys, so ``{did_web_url(did): doc}`` works too)."""

    def __init__(self, documents: Mapping[str, JsonObject] | Iterable[JsonObject]) -> None:
        self._docs: dict[str, JsonObject] = {}
        items = documents.items() if isinstance(documents, Mapping) else ((None, d) for d in documents)
        for key, doc in items:
            if not isinstance(doc, dict):
                continue
            if isinstance(doc.get("id"), str):
                self._docs.setdefault(doc["id"], doc)
            if isinstance(key, str):
                self._docs.setdefault(key, doc)

    def _document(self, url: str) -> JsonObject | None:
        doc = self._docs.get(url)
        if doc is None and url.startswith("did:web:"):
            doc = self._docs.get(did_web_url(url))
        if doc is not None and isinstance(doc.get("id"), str) and doc["id"] != url and url.startswith("did:"):
            raise ResolutionError(f"the DID document for {url!r} has id {doc['id']!r}", id=url)
        return doc

    def resolve(self, vm_id: str) -> VerificationMethod:
        if not isinstance(vm_id, str) or not vm_id:
            raise ResolutionError("a verification method is a non-empty URL", id=vm_id)
        base = vm_id.partition("#")[0]
        standalone = self._docs.get(vm_id)
        if standalone is not None and standalone.get("type") in _KEY_TYPES:
            controller = standalone.get("controller")
            controller_doc = self._docs.get(controller) if isinstance(controller, str) else None
            confirmed = controller_doc is not None and controller_doc is not standalone
            origin = _origin(vm_id)
            controller_origin = _origin(controller if isinstance(controller, str) else "")
            if not confirmed and (origin is None or origin != controller_origin):
                # Anyone can publish a key document naming any controller; across origins only the
                # controller's own document may vouch for it.
                raise ResolutionError(f"key document {vm_id!r} names controller {controller!r} on another "
                                      "origin, and no controller document confirms it", id=vm_id)
            relationships = _relationships(controller_doc, vm_id) if confirmed and controller_doc is not None else None
            return _method_from(standalone, vm_id, relationships=relationships, source="document",
                                controller_doc=None)
        doc = self._document(base) if base != vm_id else None
        if doc is None:
            raise ResolutionError(f"no document for verification method {vm_id!r}", id=vm_id)
        entry = _find_method(doc, vm_id)
        if entry is None:
            raise ResolutionError(f"{base!r} does not list verification method {vm_id!r}", id=vm_id)
        return _method_from(entry, vm_id, relationships=_relationships(doc, vm_id), source="document",
                            controller_doc=doc.get("id", base))


class FragmentKeyResolver:
    """``<controller>#z6Mk…``: the fragment is the key (1EdTech validator behaviour).

    Nothing confirms that the controller published this key, hence ``source="fragment"``.
    """

    def resolve(self, vm_id: str) -> VerificationMethod:
        if not isinstance(vm_id, str) or "#" not in vm_id:
            raise ResolutionError(f"{vm_id!r} has no key fragment", id=vm_id)
        controller, _, fragment = vm_id.partition("#")
        if not controller or not fragment.startswith("z6Mk"):
            raise ResolutionError(f"{vm_id!r} has no Ed25519 Multikey fragment", id=vm_id)
        try:
            key = PublicKey.from_multibase(fragment)
        except KeyFormatError as exc:
            raise ResolutionError(exc.message, id=vm_id) from None
        return VerificationMethod(id=vm_id, type="Multikey", controller=controller, public_key=key,
                                  relationships=None, source="fragment")


class ChainResolver:
    """The first resolver that succeeds wins; put confirming resolvers before FragmentKeyResolver."""

    def __init__(self, *resolvers: KeyResolver) -> None:
        self._resolvers = resolvers

    def resolve(self, vm_id: str) -> VerificationMethod:
        reasons = []
        for resolver in self._resolvers:
            try:
                return resolver.resolve(vm_id)
            except BadgeError as exc:  # ResolutionError, or a key that cannot be decoded
                reasons.append(exc.message)
        raise ResolutionError(f"cannot resolve verification method {vm_id!r}: " + "; ".join(reasons),
                              id=vm_id, reasons=reasons)


_DID_WEB = re.compile(r"^did:web:([A-Za-z0-9.%-]+)((?::[A-Za-z0-9._~%-]+)*)$")


def did_web_url(did: str) -> str:
    """The https URL of a did:web's did.json (DIDWEB "Read")."""
    match = _DID_WEB.match(did.partition("#")[0]) if isinstance(did, str) else None
    if not match:
        raise ResolutionError(f"not a did:web: {did!r}", id=did)
    host = unquote(match.group(1))
    hostname = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    try:
        ipaddress.ip_address(hostname)
    except ValueError:
        pass
    else:
        raise ResolutionError("did:web does not allow IP addresses", id=did)
    path = [unquote(p) for p in match.group(2).split(":") if p]
    return f"https://{host}/" + ("/".join(path) if path else ".well-known") + "/did.json"
