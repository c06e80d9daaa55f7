"""VC-JWT, the "external proof" of OB 3.0 §8.2: a compact JWS whose payload is the credential.

Signing uses EdDSA (Ed25519); verifying accepts EdDSA and RS256 (the certification minimum),
with the key from ``kid`` (through a resolver) or from a public ``jwk`` header. VC 1.1-era
tokens carry the credential in a ``vc`` claim and are accepted too. Errors are raised as
``ProofError`` subclasses (``ResolutionError`` when ``kid`` cannot be resolved).
"""
from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from badges.errors import (
    InvalidSignature,
    KeyFormatError,
    ProofError,
    ProofPurposeError,
    UnsupportedSuite,
)
from badges.json_types import JsonObject
from badges.signing.keys import Ed25519Signer, PublicKey, RsaPublicKey, b64url_decode, b64url_encode
from badges.signing.purposes import MAX_CLOCK_SKEW, issuer_id
from badges.signing.resolve import KeyResolver

__all__ = ["JwtResult", "jwk_thumbprint", "sign_jwt", "verify_jwt"]

# "Ed25519" is RFC 9864's fully-specified name for what "EdDSA" means with an Ed25519 key; we sign
# "EdDSA", which every OB 3.0 verifier reads today, and accept both.
_ALGS: dict[str, type[PublicKey] | type[RsaPublicKey]] = {"EdDSA": PublicKey, "Ed25519": PublicKey,
                                                          "RS256": RsaPublicKey}
# RFC 7638 §3.2: the required members of each key type, the only ones a thumbprint hashes.
_THUMBPRINT_MEMBERS: dict[str, tuple[str, ...]] = {"RSA": ("e", "kty", "n"), "OKP": ("crv", "kty", "x")}
_TYPS = {"JWT", "vc+jwt", "vc+ld+json+jwt"}
_REGISTERED = ("iss", "jti", "nbf", "sub", "exp", "iat", "aud")


@dataclass(frozen=True)
class JwtResult:
    credential: JsonObject
    header: JsonObject
    key_id: str


def _b64json(data: JsonObject) -> str:
    return b64url_encode(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def _numeric_date(value: object, name: str) -> int:
    if not isinstance(value, str):
        raise ProofError(f"{name} must be a dateTime string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ProofError(f"{name} is not a valid dateTime: {value!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp())


def _subject_id(credential: JsonObject) -> str | None:
    subject = credential.get("credentialSubject")
    if isinstance(subject, list) and len(subject) == 1:
        subject = subject[0]
    subject_id = subject.get("id") if isinstance(subject, dict) else None
    return subject_id if isinstance(subject_id, str) else None


def sign_jwt(credential: JsonObject, *, signer: Ed25519Signer, kid: str | None = None) -> str:
    """Compact JWS (EdDSA) of the credential plus iss/jti/nbf/sub/exp (OB §8.2.3)."""
    if not isinstance(credential, dict):
        raise ValueError("the credential must be a JSON object")
    issuer = issuer_id(credential)
    if issuer is None:
        raise ProofError("the credential has no issuer id (the JWT 'iss')")
    payload = copy.deepcopy(credential)
    payload["iss"] = issuer
    if isinstance(credential.get("id"), str):
        payload["jti"] = credential["id"]
    payload["nbf"] = _numeric_date(credential.get("validFrom"), "validFrom")
    subject = _subject_id(credential)
    if subject is not None:
        payload["sub"] = subject
    if "validUntil" in credential:
        payload["exp"] = _numeric_date(credential["validUntil"], "validUntil")
    header = {"alg": "EdDSA", "typ": "JWT", "kid": kid or signer.verification_method}
    signing_input = f"{_b64json(header)}.{_b64json(payload)}"
    return f"{signing_input}.{b64url_encode(signer.sign(signing_input.encode('ascii')))}"


def jwk_thumbprint(jwk: JsonObject) -> str:
    """RFC 7638 JWK thumbprint URI (RFC 9278), naming a key that came without a ``kid``."""
    kty = jwk.get("kty")
    members = _THUMBPRINT_MEMBERS.get(kty, ()) if isinstance(kty, str) else ()
    canonical = json.dumps({m: jwk[m] for m in members if m in jwk}, separators=(",", ":"), sort_keys=True)
    digest = b64url_encode(hashlib.sha256(canonical.encode("utf-8")).digest())
    return f"urn:ietf:params:oauth:jwk-thumbprint:sha-256:{digest}"


def _decode_part(part: str, name: str) -> JsonObject:
    try:
        value = json.loads(b64url_decode(part))
    except (ValueError, UnicodeDecodeError):
        raise ProofError(f"the JWT {name} is not base64url-encoded JSON") from None
    if not isinstance(value, dict):
        raise ProofError(f"the JWT {name} must be a JSON object")
    return value


def _key_from_header(header: JsonObject, resolver: KeyResolver) -> tuple[PublicKey | RsaPublicKey, str, str | None]:
    """(key, key id, controller if known)."""
    key_type = _ALGS[header["alg"]]
    jwk = header.get("jwk")
    if jwk is not None:
        if not isinstance(jwk, dict):
            raise ProofError("the 'jwk' header must be a JSON object")
        if "d" in jwk:
            raise ProofError("the 'jwk' header holds a private key ('d'); refusing it")
        try:
            key = key_type.from_jwk(jwk)
        except KeyFormatError as exc:
            raise ProofError(f"the 'jwk' header does not fit alg {header['alg']}: {exc.message}") from None
        header_kid = header.get("kid")
        return key, header_kid if isinstance(header_kid, str) else jwk_thumbprint(jwk), None
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise ProofError("the JWT header names no key: it needs 'kid' or 'jwk'")
    method = resolver.resolve(kid)
    if not isinstance(method.public_key, key_type):
        raise ProofError(f"the key {kid!r} cannot verify alg {header['alg']}")
    return method.public_key, kid, method.controller


def _credential_from_payload(payload: JsonObject) -> JsonObject:
    """The credential: the ``vc`` claim (VC 1.1, completed from the JWT claims) or the payload."""
    if "vc" not in payload:
        return {k: v for k, v in payload.items() if k not in _REGISTERED}
    credential = payload["vc"]
    if not isinstance(credential, dict):
        raise ProofError("the 'vc' claim must be a JSON object")
    credential = copy.deepcopy(credential)
    # VC-JWT 1.1 §6.3.1: registered claims stand in for the properties they replace.
    if "iss" in payload and "issuer" not in credential:
        credential["issuer"] = payload["iss"]
    if "jti" in payload and "id" not in credential:
        credential["id"] = payload["jti"]
    if "nbf" in payload and "issuanceDate" not in credential and "validFrom" not in credential:
        credential["issuanceDate"] = _from_numeric(payload["nbf"], "nbf").strftime("%Y-%m-%dT%H:%M:%SZ")
    if "exp" in payload and "expirationDate" not in credential and "validUntil" not in credential:
        credential["expirationDate"] = _from_numeric(payload["exp"], "exp").strftime("%Y-%m-%dT%H:%M:%SZ")
    subject = credential.get("credentialSubject")
    if "sub" in payload and isinstance(subject, dict) and "id" not in subject:
        credential["credentialSubject"] = {**subject, "id": payload["sub"]}
    return credential


def _from_numeric(value: object, name: str) -> datetime:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ProofError(f"the JWT claim {name!r} must be a NumericDate")
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise ProofError(f"the JWT claim {name!r} is out of range") from None


def _check_claims(payload: JsonObject, credential: JsonObject, now: datetime) -> None:
    issuer = issuer_id(credential)
    if payload.get("iss") is None or payload.get("iss") != issuer:
        raise ProofPurposeError(f"the JWT 'iss' {payload.get('iss')!r} is not the credential issuer {issuer!r}")
    if "jti" in payload and payload["jti"] != credential.get("id"):
        raise ProofError("the JWT 'jti' is not the credential id")
    subject = _subject_id(credential)
    if "sub" in payload and subject is not None and payload["sub"] != subject:
        raise ProofError("the JWT 'sub' is not the credentialSubject id")
    skew = MAX_CLOCK_SKEW
    if "nbf" in payload:
        nbf = _from_numeric(payload["nbf"], "nbf")
        start = credential.get("validFrom", credential.get("issuanceDate"))
        if start is not None and _numeric_date(start, "validFrom") != int(nbf.timestamp()):
            raise ProofError("the JWT 'nbf' differs from the credential's validFrom")
        if nbf > now + skew:
            raise ProofError(f"the JWT is not valid before {nbf.isoformat()}")
    if "exp" in payload:
        exp = _from_numeric(payload["exp"], "exp")
        end = credential.get("validUntil", credential.get("expirationDate"))
        if end is not None and _numeric_date(end, "validUntil") != int(exp.timestamp()):
            raise ProofError("the JWT 'exp' differs from the credential's validUntil")
        if exp < now - skew:
            raise ProofError(f"the JWT expired at {exp.isoformat()}")


def verify_jwt(token: str | bytes, *, resolver: KeyResolver, now: datetime) -> JwtResult:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if isinstance(token, bytes):
        try:
            token = token.decode("ascii")
        except UnicodeDecodeError:
            raise ProofError("a compact JWS is ASCII") from None
    parts = token.strip().split(".") if isinstance(token, str) else []
    if len(parts) != 3 or not all(parts):
        raise ProofError("not a compact JWS (three non-empty base64url parts)")
    header = _decode_part(parts[0], "header")
    payload = _decode_part(parts[1], "payload")
    alg = header.get("alg")
    if alg not in _ALGS:
        raise UnsupportedSuite(f"JWT alg {alg!r} is not accepted (EdDSA or RS256)", alg=alg)
    if "crit" in header:
        raise ProofError("the JWT header has 'crit' extensions, which are not understood")
    if "typ" in header and header["typ"] not in _TYPS:
        raise ProofError(f"the JWT typ {header['typ']!r} is not a credential JWT")
    try:
        signature = b64url_decode(parts[2])
    except ValueError:
        raise InvalidSignature("the JWS signature is not base64url") from None
    key, key_id, controller = _key_from_header(header, resolver)
    key.verify(signature, f"{parts[0]}.{parts[1]}".encode("ascii"))
    credential = _credential_from_payload(payload)
    _check_claims(payload, credential, now)
    if controller is not None and controller != issuer_id(credential):
        raise ProofPurposeError(f"key controller {controller!r} does not match issuer {issuer_id(credential)!r}")
    return JwtResult(credential=credential, header=header, key_id=key_id)
