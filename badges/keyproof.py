"""OpenID4VCI key proofs: the JWT a wallet signs over the issuer's nonce to show which key (and
so which DID) the credential should be bound to (OpenID4VCI 1.0 §F.1 "jwt" proof type).

``verify_key_proof`` checks the JOSE header (``typ`` ``openid4vci-proof+jwt``, ``alg`` EdDSA or
Ed25519, exactly one of ``kid`` — a ``did:key`` DID URL, resolved by the injected resolver — or a
public ``jwk``), the claims (``aud`` is this credential issuer, ``iat`` within the allowed window,
``nonce`` one the caller accepts through ``nonce_ok``) and the signature, and returns the holder's
DID (``did:key`` of the key). Everything it refuses raises ``ProofError`` (``ResolutionError``
for a key that cannot be resolved). Time and nonce state are the caller's.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta

from badges.errors import BadgeError, KeyFormatError, ProofError
from badges.json_types import JsonObject
from badges.signing.keys import PublicKey, b64url_decode
from badges.signing.resolve import KeyResolver

__all__ = ["PROOF_TYP", "NonceRejected", "verify_key_proof"]

PROOF_TYP = "openid4vci-proof+jwt"
MAX_SKEW = timedelta(minutes=5)
MAX_AGE = timedelta(minutes=10)
_ALGS = ("EdDSA", "Ed25519")  # RFC 9864 names Ed25519 what EdDSA means with an Ed25519 key


class NonceRejected(ProofError):
    problem_type = "invalid-nonce"


def _part(segment: str, name: str) -> JsonObject:
    try:
        value = json.loads(b64url_decode(segment))
    except (ValueError, UnicodeDecodeError):
        raise ProofError(f"the key proof's {name} is not base64url-encoded JSON") from None
    if not isinstance(value, dict):
        raise ProofError(f"the key proof's {name} must be a JSON object")
    return value


def _key(header: JsonObject, resolver: KeyResolver) -> PublicKey:
    kid, jwk = header.get("kid"), header.get("jwk")
    if (kid is None) == (jwk is None):
        raise ProofError("the key proof must name its key by exactly one of kid (a did:key URL) or jwk")
    if jwk is not None:
        if not isinstance(jwk, dict) or "d" in jwk:
            raise ProofError("the key proof's jwk must be a public key")
        try:
            return PublicKey.from_jwk(jwk)
        except KeyFormatError as exc:
            raise ProofError(f"the key proof's jwk: {exc.message}") from None
    if not isinstance(kid, str) or not kid.startswith("did:") or "#" not in kid:
        raise ProofError("the key proof's kid must be a DID URL naming the key (did:key:…#…)")
    key = resolver.resolve(kid).public_key
    if not isinstance(key, PublicKey):
        raise ProofError("the key proof's key is not an Ed25519 key")
    return key


def verify_key_proof(token: object, *, audience: str, now: datetime, nonce_ok: Callable[[str], bool],
                     resolver: KeyResolver) -> str:
    """The did:key of the wallet key that signed ``token`` for ``audience``; raises otherwise."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if not isinstance(token, str) or token.count(".") != 2:
        raise ProofError("the key proof is not a compact JWS")
    head, body, signature = token.split(".")
    header, claims = _part(head, "header"), _part(body, "payload")
    if header.get("typ") != PROOF_TYP:
        raise ProofError(f"the key proof's typ is {header.get('typ')!r}, expected {PROOF_TYP!r}")
    if header.get("alg") not in _ALGS:
        raise ProofError(f"the key proof's alg {header.get('alg')!r} is not supported (EdDSA)")
    key = _key(header, resolver)
    aud = claims.get("aud")
    if aud != audience and not (isinstance(aud, list) and audience in aud):
        raise ProofError(f"the key proof is for {aud!r}, not for this issuer ({audience})")
    iat = claims.get("iat")
    if not isinstance(iat, (int, float)) or isinstance(iat, bool):
        raise ProofError("the key proof has no iat")
    issued = datetime.fromtimestamp(iat, tz=now.tzinfo)
    if issued > now + MAX_SKEW or issued < now - MAX_AGE:
        raise ProofError("the key proof's iat is outside the allowed window")
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not nonce_ok(nonce):
        raise NonceRejected("the key proof's nonce is missing, unknown or expired: "
                            "ask the nonce endpoint for a new one")
    try:
        key.verify(b64url_decode(signature), f"{head}.{body}".encode("ascii"))
    except BadgeError:
        raise
    except (ValueError, UnicodeEncodeError):
        raise ProofError("the key proof's signature is not base64url") from None
    return key.did_key
