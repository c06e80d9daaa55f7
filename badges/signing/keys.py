"""Ed25519 keys as objects built from bytes: Multikey, did:key and JWK forms (EDDSA §2.1.1,
DIDKEY §2–3, RFC 8037), plus the RSA public keys that RS256 VC-JWTs are checked with.

A signer's repr and its Multikey/JWK export never show the secret unless asked for it.
"""
from __future__ import annotations

import base64
import json
import re
from typing import NotRequired, Required, TypedDict

from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from badges.errors import InvalidSignature, KeyFormatError
from badges.json_types import JsonObject
from badges.signing._multibase import multibase_decode, multibase_encode

__all__ = [
    "ED25519_PUB_PREFIX",
    "ED25519_SECRET_PREFIX",
    "MULTIKEY_CONTEXT",
    "DidKeyDocument",
    "Ed25519Signer",
    "Jwk",
    "MultikeyDocument",
    "MultikeyMethod",
    "PublicKey",
    "RsaPublicKey",
    "b64url_decode",
    "b64url_encode",
    "did_key_document",
    "load_key_file",
    "multikey_document",
    "public_key_from_did_key",
]

ED25519_PUB_PREFIX = b"\xed\x01"     # multicodec ed25519-pub, varint-encoded
ED25519_SECRET_PREFIX = b"\x80\x26"  # multicodec ed25519-priv, varint-encoded
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
DID_CONTEXT = "https://www.w3.org/ns/did/v1"


class Jwk(TypedDict, total=False):
    """A JSON Web Key as this module writes one: OKP/Ed25519 (RFC 8037) or RSA (RFC 7518 §6.3);
    ``d`` only when a secret key is asked for."""

    kty: Required[str]
    crv: str
    x: str
    n: str
    e: str
    d: str


# A Multikey verification method (Controlled Identifiers §2.2.2) as written here; the secret key
# member only in a key file. "@context" is not an identifier, hence the functional form.
MultikeyDocument = TypedDict("MultikeyDocument", {
    "@context": str, "id": str, "type": str, "controller": str, "publicKeyMultibase": str,
    "secretKeyMultibase": NotRequired[str],
})


class MultikeyMethod(TypedDict):
    """A Multikey verification method embedded in a DID document (no @context of its own)."""

    id: str
    type: str
    controller: str
    publicKeyMultibase: str


# The DID document a did:key generates (DIDKEY §3).
DidKeyDocument = TypedDict("DidKeyDocument", {
    "@context": list[str], "id": str, "verificationMethod": list[MultikeyMethod],
    "authentication": list[str], "assertionMethod": list[str],
    "capabilityInvocation": list[str], "capabilityDelegation": list[str],
})
_DID_KEY = re.compile(r"^did:key:(z6Mk[1-9A-HJ-NP-Za-km-z]+)$")


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    if not isinstance(text, str) or not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _jwk_bytes(jwk: JsonObject, name: str) -> bytes:
    try:
        return b64url_decode(jwk[name])
    except (KeyError, ValueError, TypeError):
        raise KeyFormatError(f"JWK member {name!r} is missing or not base64url") from None


class PublicKey:
    """An Ed25519 public key. ``verify`` returns None or raises ``InvalidSignature``."""

    __slots__ = ("_key", "_raw")

    def __init__(self, key: ed25519.Ed25519PublicKey) -> None:
        self._key = key
        self._raw = key.public_bytes_raw()

    @classmethod
    def from_bytes(cls, raw: bytes) -> PublicKey:
        if not isinstance(raw, (bytes, bytearray)) or len(raw) != 32:
            raise KeyFormatError("an Ed25519 public key is 32 bytes")
        return cls(ed25519.Ed25519PublicKey.from_public_bytes(bytes(raw)))

    @classmethod
    def from_multibase(cls, value: str) -> PublicKey:
        """``z`` + base58btc(0xed01 ‖ key); any other prefix is an error (EDDSA §2.1.1)."""
        try:
            data = multibase_decode(value)
        except ValueError as exc:
            raise KeyFormatError(f"publicKeyMultibase: {exc}") from None
        if data[:2] != ED25519_PUB_PREFIX or len(data) != 34:
            raise KeyFormatError("publicKeyMultibase is not an Ed25519 Multikey (0xed01 + 32 bytes)")
        return cls.from_bytes(data[2:])

    @classmethod
    def from_jwk(cls, jwk: JsonObject) -> PublicKey:
        if not isinstance(jwk, dict) or jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
            raise KeyFormatError("not an Ed25519 JWK (kty OKP, crv Ed25519)")
        return cls.from_bytes(_jwk_bytes(jwk, "x"))

    @property
    def raw(self) -> bytes:
        return self._raw

    @property
    def multibase(self) -> str:
        return multibase_encode(ED25519_PUB_PREFIX + self._raw)

    @property
    def did_key(self) -> str:
        return "did:key:" + self.multibase

    def to_jwk(self) -> Jwk:
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(self._raw)}

    def verify(self, signature: bytes, data: bytes) -> None:
        try:
            self._key.verify(bytes(signature), bytes(data))
        except (_CryptoInvalidSignature, ValueError, TypeError):
            raise InvalidSignature("the Ed25519 signature does not match the data and key") from None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PublicKey) and other._raw == self._raw

    def __hash__(self) -> int:
        return hash(self._raw)

    def __repr__(self) -> str:
        return f"PublicKey({self.multibase})"


class RsaPublicKey:
    """An RSA public key for RS256 (RSASSA-PKCS1-v1_5 with SHA-256), from a JWK."""

    __slots__ = ("_key",)

    def __init__(self, key: rsa.RSAPublicKey) -> None:
        self._key = key

    @classmethod
    def from_jwk(cls, jwk: JsonObject) -> RsaPublicKey:
        if not isinstance(jwk, dict) or jwk.get("kty") != "RSA":
            raise KeyFormatError("not an RSA JWK (kty RSA)")
        if "d" in jwk:
            raise KeyFormatError("the JWK contains a private key ('d'); only public keys are accepted")
        n = int.from_bytes(_jwk_bytes(jwk, "n"), "big")
        e = int.from_bytes(_jwk_bytes(jwk, "e"), "big")
        if n.bit_length() < 2048:
            raise KeyFormatError("RSA keys shorter than 2048 bits are refused")
        try:
            return cls(rsa.RSAPublicNumbers(e, n).public_key())
        except ValueError as exc:
            raise KeyFormatError(f"invalid RSA JWK: {exc}") from None

    @classmethod
    def from_pem(cls, pem: str | bytes) -> RsaPublicKey:
        """An Open Badges 2.0 CryptographicKey's ``publicKeyPem``."""
        from cryptography.hazmat.primitives.serialization import load_pem_public_key

        try:
            key = load_pem_public_key(pem.encode("ascii") if isinstance(pem, str) else pem)
        except (ValueError, TypeError, UnicodeEncodeError) as exc:
            raise KeyFormatError(f"not a PEM public key: {exc}") from None
        if not isinstance(key, rsa.RSAPublicKey):
            raise KeyFormatError("the PEM key is not an RSA key (Open Badges 2.0 signs with RS256)")
        if key.key_size < 2048:
            raise KeyFormatError("RSA keys shorter than 2048 bits are refused")
        return cls(key)

    def to_jwk(self) -> Jwk:
        numbers = self._key.public_numbers()
        return {"kty": "RSA",
                "n": b64url_encode(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")),
                "e": b64url_encode(numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big"))}

    def verify(self, signature: bytes, data: bytes) -> None:
        try:
            self._key.verify(bytes(signature), bytes(data), padding.PKCS1v15(), hashes.SHA256())
        except (_CryptoInvalidSignature, ValueError, TypeError):
            raise InvalidSignature("the RS256 signature does not match the data and key") from None

    def __repr__(self) -> str:
        return f"RsaPublicKey({self._key.key_size} bits)"


class Ed25519Signer:
    """An Ed25519 private key plus the verification method that names it in proofs."""

    __slots__ = ("_key", "_public", "_vm")

    def __init__(self, key: ed25519.Ed25519PrivateKey, verification_method: str | None = None) -> None:
        self._key = key
        self._public = PublicKey(key.public_key())
        did = self._public.did_key
        self._vm = verification_method or f"{did}#{self._public.multibase}"

    @classmethod
    def from_seed(cls, seed: bytes) -> Ed25519Signer:
        if not isinstance(seed, (bytes, bytearray)) or len(seed) != 32:
            raise KeyFormatError("an Ed25519 seed is 32 bytes")
        return cls(ed25519.Ed25519PrivateKey.from_private_bytes(bytes(seed)))

    @classmethod
    def from_private_bytes(cls, data: bytes) -> Ed25519Signer:
        """32-byte RFC 8032 seed, or the 64-byte libsodium form seed ‖ public key (checked)."""
        if not isinstance(data, (bytes, bytearray)) or len(data) not in (32, 64):
            raise KeyFormatError("an Ed25519 private key is 32 bytes (seed) or 64 bytes (seed ‖ public)")
        signer = cls.from_seed(bytes(data[:32]))
        if len(data) == 64 and bytes(data[32:]) != signer._public.raw:
            raise KeyFormatError("the 64-byte Ed25519 key's public half does not match its seed")
        return signer

    @classmethod
    def from_multikey(cls, doc: JsonObject) -> Ed25519Signer:
        """Multikey with ``secretKeyMultibase`` (or the older ``privateKeyMultibase``)."""
        if not isinstance(doc, dict):
            raise KeyFormatError("a Multikey must be a JSON object")
        secret = doc.get("secretKeyMultibase", doc.get("privateKeyMultibase"))
        if not isinstance(secret, str):
            raise KeyFormatError("the Multikey has no secretKeyMultibase")
        try:
            data = multibase_decode(secret)
        except ValueError as exc:
            raise KeyFormatError(f"secretKeyMultibase: {exc}") from None
        if data[:2] != ED25519_SECRET_PREFIX:
            raise KeyFormatError("secretKeyMultibase is not an Ed25519 secret key (0x8026)")
        signer = cls.from_private_bytes(data[2:])
        public = doc.get("publicKeyMultibase")
        if public is not None and PublicKey.from_multibase(public) != signer.public_key:
            raise KeyFormatError("publicKeyMultibase does not match secretKeyMultibase")
        vm = doc.get("id")
        return signer.with_verification_method(vm) if isinstance(vm, str) and vm else signer

    @classmethod
    def from_jwk(cls, jwk: JsonObject) -> Ed25519Signer:
        if not isinstance(jwk, dict) or jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
            raise KeyFormatError("not an Ed25519 JWK (kty OKP, crv Ed25519)")
        if "d" not in jwk:
            raise KeyFormatError("the JWK has no private part ('d')")
        signer = cls.from_seed(_jwk_bytes(jwk, "d"))
        if "x" in jwk and _jwk_bytes(jwk, "x") != signer._public.raw:
            raise KeyFormatError("the JWK's 'x' does not match its 'd'")
        return signer

    @classmethod
    def generate(cls) -> Ed25519Signer:
        return cls(ed25519.Ed25519PrivateKey.generate())

    @property
    def public_key(self) -> PublicKey:
        return self._public

    @property
    def verification_method(self) -> str:
        return self._vm

    @property
    def controller(self) -> str:
        return self._vm.split("#", 1)[0]

    def with_verification_method(self, url: str) -> Ed25519Signer:
        if not isinstance(url, str) or not url:
            raise ValueError("a verification method is a non-empty URL")
        return Ed25519Signer(self._key, url)

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(bytes(data))

    def private_bytes(self) -> bytes:
        return self._key.private_bytes_raw()

    def to_multikey(self, secret: bool = False) -> MultikeyDocument:
        doc: MultikeyDocument = {"@context": MULTIKEY_CONTEXT, "id": self._vm, "type": "Multikey",
               "controller": self.controller, "publicKeyMultibase": self._public.multibase}
        if secret:
            doc["secretKeyMultibase"] = multibase_encode(ED25519_SECRET_PREFIX + self.private_bytes())
        return doc

    def to_jwk(self, secret: bool = False) -> Jwk:
        jwk = self._public.to_jwk()
        if secret:
            jwk["d"] = b64url_encode(self.private_bytes())
        return jwk

    def __repr__(self) -> str:
        return f"Ed25519Signer(public={self._public.multibase}, verification_method={self._vm!r})"


def load_key_file(data: bytes) -> Ed25519Signer:
    """A key file's bytes: Multikey JSON (secretKeyMultibase/privateKeyMultibase) or Ed25519 JWK."""
    try:
        doc = json.loads(data)
    except (ValueError, TypeError):
        raise KeyFormatError("the key file is not JSON (expected a Multikey or an Ed25519 JWK)") from None
    if not isinstance(doc, dict):
        raise KeyFormatError("the key file must hold a JSON object")
    if "kty" in doc:
        return Ed25519Signer.from_jwk(doc)
    return Ed25519Signer.from_multikey(doc)


def public_key_from_did_key(did: str) -> PublicKey:
    """The Ed25519 key a ``did:key:z6Mk…`` encodes (a DID URL's fragment must repeat it)."""
    if not isinstance(did, str):
        raise KeyFormatError("a did:key is a string")
    base, _, fragment = did.partition("#")
    match = _DID_KEY.match(base)
    if not match:
        raise KeyFormatError(f"not an Ed25519 did:key: {did!r}")
    if fragment and fragment != match.group(1):
        raise KeyFormatError("the did:key fragment does not match the key")
    return PublicKey.from_multibase(match.group(1))


def multikey_document(vm_id: str, controller: str, public_key: PublicKey) -> MultikeyDocument:
    return {"@context": MULTIKEY_CONTEXT, "id": vm_id, "type": "Multikey",
            "controller": controller, "publicKeyMultibase": public_key.multibase}


def did_key_document(did: str) -> DidKeyDocument:
    """The DID document a did:key generates (DIDKEY §3); never fetched."""
    key = public_key_from_did_key(did.partition("#")[0])
    did = key.did_key
    vm_id = f"{did}#{key.multibase}"
    vm: MultikeyMethod = {"id": vm_id, "type": "Multikey", "controller": did, "publicKeyMultibase": key.multibase}
    return {"@context": [DID_CONTEXT, MULTIKEY_CONTEXT], "id": did, "verificationMethod": [vm],
            "authentication": [vm_id], "assertionMethod": [vm_id],
            "capabilityInvocation": [vm_id], "capabilityDelegation": [vm_id]}

