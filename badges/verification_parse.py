"""Step 1 of verification: turn whatever a person holds into one credential (OB §5, §5.3).

Accepted: a JSON object (already parsed, or as text/bytes), a compact JWS (VC-JWT, OB §8.2),
or a PNG/SVG with a baked credential (either of the above inside). Limits on size and JSON
nesting depth are enforced before anything else looks at the document, so a hostile upload
cannot exhaust the verifier. Nothing here raises for bad input: it returns a failure message.
"""
from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from badges.bake import unbake
from badges.errors import BadgeError
from badges.json_types import JsonObject

__all__ = ["JWT_CLAIMS", "Parsed", "ParseFailure", "json_depth", "parse_input"]

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")
# Registered JWT claims (RFC 7519 §4.1) describe the token, not the credential; the VC-JWT
# rules (OB §8.2.4) tie them to credential properties, which the proof check compares.
JWT_CLAIMS = frozenset({"iss", "sub", "aud", "exp", "nbf", "iat", "jti"})


@dataclass(frozen=True, slots=True)
class Parsed:
    format: str  # "json" | "jwt", prefixed "png+" / "svg+" when it came out of an image
    credential: JsonObject
    token: str | None = None  # the compact JWS for "jwt" formats


@dataclass(frozen=True, slots=True)
class ParseFailure:
    format: str | None
    message: str
    problem_type: str = "parse-error"


def json_depth(value: Any) -> int:
    """Nesting depth of a JSON value (a scalar is 0), without recursion."""
    level = [value] if isinstance(value, (dict, list)) else []
    depth = 0
    # One level at a time, keeping only containers: scalars (most of a badge) cost one isinstance.
    while level:
        depth += 1
        below = []
        for node in level:
            for child in node.values() if isinstance(node, dict) else node:
                if isinstance(child, (dict, list)):
                    below.append(child)
        level = below
    return depth


def _no_duplicates(pairs: list[tuple[str, Any]]) -> JsonObject:
    # Two values for one key would let a signer and a displayer read different things.
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the property {key!r} appears twice")
        out[key] = value
    return out


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _loads(text: str) -> Any:
    return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)


def _b64url(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _numeric(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 253402300800


def jwt_credential(payload: JsonObject) -> JsonObject:
    """The credential a VC-JWT carries: the payload itself (VC 2.0) or its ``vc`` claim (VC 1.1)."""
    vc = payload.get("vc")
    if isinstance(vc, dict):
        credential = dict(vc)
        # VC-JWT 1.1 §6.3.1: the registered claims stand in for properties the vc claim may omit.
        if "id" not in credential and isinstance(payload.get("jti"), str):
            credential["id"] = payload["jti"]
        if "issuer" not in credential and isinstance(payload.get("iss"), str):
            credential["issuer"] = payload["iss"]
        for claim, name in (("nbf", "issuanceDate"), ("exp", "expirationDate")):
            if name not in credential and _numeric(payload.get(claim)):
                stamp = datetime.fromtimestamp(payload[claim], tz=UTC)
                credential[name] = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
        subject = credential.get("credentialSubject")
        if isinstance(subject, dict) and "id" not in subject and isinstance(payload.get("sub"), str):
            credential["credentialSubject"] = {**subject, "id": payload["sub"]}
        return credential
    return {key: value for key, value in payload.items() if key not in JWT_CLAIMS}


# VCDM 2.0 §4.13: a credential secured by an enveloping proof travels as a data: URL in an
# EnvelopedVerifiableCredential (the VC-API answers this way); VC-JOSE-COSE names these media types.
_ENVELOPE_TYPES = ("application/vc+jwt", "application/vc-ld+jwt", "application/jwt")


def enveloped_token(document: Any) -> str | None:
    """The compact JWS inside an ``EnvelopedVerifiableCredential``, or None if it is not one."""
    if not isinstance(document, dict) or "EnvelopedVerifiableCredential" not in _types(document.get("type")):
        return None
    url = document.get("id")
    if not isinstance(url, str) or not url.startswith("data:"):
        return None
    media_type, comma, token = url[len("data:"):].partition(",")
    return token if comma and media_type.split(";")[0] in _ENVELOPE_TYPES else None


def _types(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _too_deep(max_depth: int) -> str:
    return f"This badge is nested more than {max_depth} levels deep, which is not accepted."


def _parse_text(text: str, fmt_prefix: str, max_depth: int) -> Parsed | ParseFailure:
    text = text.strip().lstrip("\ufeff")
    if _COMPACT_JWS.match(text):
        fmt = fmt_prefix + "jwt"
        try:
            header = _loads(_b64url(text.split(".")[0]).decode("utf-8"))
            payload = _loads(_b64url(text.split(".")[1]).decode("utf-8"))
        except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):
            return ParseFailure(fmt, "This looks like a signed token (JWT), but it could not be decoded.")
        if not isinstance(header, dict) or not isinstance(payload, dict):
            return ParseFailure(fmt, "This signed token (JWT) does not contain a credential.")
        if json_depth(payload) > max_depth:
            return ParseFailure(fmt, _too_deep(max_depth), "too-deep")
        return Parsed(fmt, jwt_credential(payload), token=text)
    if text.startswith("{"):
        fmt = fmt_prefix + "json"
        try:
            document = _loads(text)
        except RecursionError:
            return ParseFailure(fmt, _too_deep(max_depth), "too-deep")
        except ValueError as exc:
            return ParseFailure(fmt, f"This file is not valid JSON ({exc}).")
        if json_depth(document) > max_depth:
            return ParseFailure(fmt, _too_deep(max_depth), "too-deep")
        return _unwrap_envelope(document, fmt, fmt_prefix, max_depth)
    return ParseFailure(None, "This is not a badge: expected a JSON credential, a signed token (JWT), "
                              "or a PNG/SVG image with a badge baked in.")


def _unwrap_envelope(document: JsonObject, fmt: str, fmt_prefix: str, max_depth: int) -> Parsed | ParseFailure:
    if "EnvelopedVerifiableCredential" not in _types(document.get("type")):
        return Parsed(fmt, document)
    token = enveloped_token(document)
    if token is None or not _COMPACT_JWS.match(token):
        return ParseFailure(fmt, "This is an enveloped credential, but its id is not a data: URL holding a "
                                 "VC-JWT (data:application/vc+jwt,…), the only envelope this verifier reads.")
    return _parse_text(token, fmt_prefix, max_depth)


def _unbake(data: bytes, kind: str, max_depth: int) -> Parsed | ParseFailure:
    try:
        payload = unbake(data)
    except BadgeError as exc:
        return ParseFailure(kind, f"This {kind.upper()} image does not contain a badge ({exc.message}).",
                            exc.problem_type)
    result = _parse_text(payload, kind + "+", max_depth)
    if isinstance(result, ParseFailure) and result.format is None:
        return ParseFailure(kind, f"The badge baked into this {kind.upper()} image is neither JSON nor a signed token.")
    return result


def parse_input(raw: Any, *, max_bytes: int, max_depth: int) -> Parsed | ParseFailure:
    too_big = ParseFailure(None, f"This file is larger than the {max_bytes:,} bytes this verifier accepts.",
                           "too-large")
    if isinstance(raw, dict):
        if json_depth(raw) > max_depth:
            return ParseFailure("json", _too_deep(max_depth), "too-deep")
        try:
            size = len(json.dumps(raw, ensure_ascii=False, allow_nan=False).encode("utf-8"))
        except (TypeError, ValueError) as exc:
            return ParseFailure("json", f"This credential is not plain JSON data ({exc}).")
        if size > max_bytes:
            return too_big
        return _unwrap_envelope(raw, "json", "", max_depth)
    if isinstance(raw, (bytes, bytearray, memoryview)):
        data = bytes(raw)
        if len(data) > max_bytes:
            return too_big
        if data.startswith(_PNG_SIGNATURE):
            return _unbake(data, "png", max_depth)
        head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
        if head.startswith(b"<"):
            return _unbake(data, "svg", max_depth)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return ParseFailure(None, "This file is not text, a PNG or an SVG, so it cannot hold a badge.")
        return _parse_text(text, "", max_depth)
    if isinstance(raw, str):
        if len(raw.encode("utf-8", "surrogatepass")) > max_bytes:
            return too_big
        if raw.lstrip("\ufeff \t\r\n").startswith("<"):
            return _unbake(raw.encode("utf-8", "surrogatepass"), "svg", max_depth)
        return _parse_text(raw, "", max_depth)
    return ParseFailure(None, f"Nothing to verify: expected a credential, got {type(raw).__name__}.")
