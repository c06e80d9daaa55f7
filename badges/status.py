"""Credential status: W3C Bitstring Status List v1.0 and the 1EdTech revocation list.

Bitstring (BSL §2–3): ``encodedList`` = ``"u"`` + base64url-no-padding(GZIP(bits)), at least
131,072 bits, index 0 = most significant bit of byte 0, a set bit means "revoked"/"suspended".
Errors carry ``details["code"]`` (the BSL/VCDM error name) and ``details["type"]`` (its
``https://www.w3.org/ns/credentials/status-list#<CODE>`` URI) so the services can emit the
W3C problem type alongside our own.

1EdTech revocation list (OB §9 step 4, VCRL-10 as VAL's ``RevocationListProbe`` implements
it): the document at ``credentialStatus.id`` lists ``revokedCredential`` objects; an entry
whose ``id`` equals the credential ``id`` with ``revoked`` true or absent means revoked.
"""
from __future__ import annotations

import base64
import binascii
import gzip
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from badges.errors import StatusListError

__all__ = [
    "MAX_DECODED_BYTES", "MIN_BITS", "PURPOSES", "BitstringStatusList", "StatusResult",
    "check_status", "status_entry", "status_list_credential",
]

MIN_BITS = 131_072
# A real list is 16 KiB–a few MiB; anything that inflates past this is a gzip bomb.
MAX_DECODED_BYTES = 16 * 1024 * 1024
# base64 of an incompressible MAX_DECODED_BYTES list, plus slack for the gzip framing.
_MAX_ENCODED_CHARS = (MAX_DECODED_BYTES * 4) // 3 + 1024
PURPOSES = ("revocation", "suspension")
STATUS_TYPE_BASE = "https://www.w3.org/ns/credentials/status-list#"
_VC_V2 = "https://www.w3.org/ns/credentials/v2"  # == badges.jsonld.VC_V2; kept local to stay leaf-level
_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _error(code: str, message: str, **details: Any) -> StatusListError:
    return StatusListError(message, code=code, type=STATUS_TYPE_BASE + code, **details)


class BitstringStatusList:
    """A mutable bitstring of at least :data:`MIN_BITS` bits (BSL §2.2, herd privacy)."""

    __slots__ = ("_bits", "size_bits")

    def __init__(self, size_bits: int = MIN_BITS) -> None:
        if isinstance(size_bits, bool) or not isinstance(size_bits, int):
            raise TypeError("size_bits must be an int")
        if size_bits < MIN_BITS or size_bits % 8:
            raise ValueError(f"size_bits must be a multiple of 8 and at least {MIN_BITS}")
        if size_bits > MAX_DECODED_BYTES * 8:
            raise ValueError(f"size_bits must be at most {MAX_DECODED_BYTES * 8}")
        self.size_bits = size_bits
        self._bits = bytearray(size_bits // 8)

    def _check(self, index: int) -> None:
        if isinstance(index, bool) or not isinstance(index, int):
            raise TypeError("index must be an int")
        if not 0 <= index < self.size_bits:
            raise _error("RANGE_ERROR", f"status list index {index} is outside 0..{self.size_bits - 1}",
                         index=index, size=self.size_bits)

    def get(self, index: int) -> bool:
        self._check(index)
        return bool(self._bits[index >> 3] & (0x80 >> (index & 7)))

    def set(self, index: int, value: bool = True) -> None:
        self._check(index)
        if value:
            self._bits[index >> 3] |= 0x80 >> (index & 7)
        else:
            self._bits[index >> 3] &= ~(0x80 >> (index & 7)) & 0xFF

    def set_indexes(self) -> list[int]:
        """Indexes of all set bits (for tests, audits and the admin UI)."""
        return [i * 8 + b for i, byte in enumerate(self._bits) if byte for b in range(8) if byte & (0x80 >> b)]

    def to_bytes(self) -> bytes:
        return bytes(self._bits)

    def encode(self) -> str:
        # mtime=0: the same bits always give the same string, so re-publishing is byte-stable.
        compressed = gzip.compress(bytes(self._bits), compresslevel=9, mtime=0)
        return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")

    @classmethod
    def decode(cls, encoded: str) -> BitstringStatusList:
        """Parse an ``encodedList``; the ``u`` multibase prefix is optional (StatusList2021 and
        the lists VAL accepts omit it; bare GZIP base64 always starts ``H4sI``, never ``u``)."""
        if not isinstance(encoded, str):
            raise _error("MALFORMED_VALUE_ERROR", "encodedList must be a string")
        body = encoded[1:] if encoded.startswith("u") else encoded
        body = body.rstrip("=")
        if len(body) > _MAX_ENCODED_CHARS:
            raise _error("STATUS_LIST_LENGTH_ERROR", "encodedList is larger than any list we accept")
        if not body or not set(body) <= _B64URL or len(body) % 4 == 1:
            raise _error("MALFORMED_VALUE_ERROR", "encodedList is not base64url")
        try:
            compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (binascii.Error, ValueError) as exc:
            raise _error("MALFORMED_VALUE_ERROR", f"encodedList is not base64url: {exc}") from None
        raw = _gunzip(compressed)
        if len(raw) * 8 < MIN_BITS:
            raise _error("STATUS_LIST_LENGTH_ERROR",
                         f"status list has {len(raw) * 8} bits; at least {MIN_BITS} are required",
                         bits=len(raw) * 8)
        instance = cls.__new__(cls)
        instance.size_bits = len(raw) * 8
        instance._bits = bytearray(raw)
        return instance


def _gunzip(data: bytes) -> bytes:
    """One GZIP member, inflated to at most MAX_DECODED_BYTES (gzip-bomb guard)."""
    if data[:2] != b"\x1f\x8b":
        raise _error("MALFORMED_VALUE_ERROR", "encodedList is not GZIP data")
    inflater = zlib.decompressobj(wbits=31)
    try:
        raw = inflater.decompress(data, MAX_DECODED_BYTES + 1)
    except zlib.error as exc:
        raise _error("MALFORMED_VALUE_ERROR", f"encodedList GZIP data is corrupt: {exc}") from None
    if len(raw) > MAX_DECODED_BYTES or inflater.unconsumed_tail:
        raise _error("STATUS_LIST_LENGTH_ERROR",
                     f"status list inflates past {MAX_DECODED_BYTES} bytes (refused as a gzip bomb)")
    if not inflater.eof:
        raise _error("MALFORMED_VALUE_ERROR", "encodedList GZIP data is truncated")
    if inflater.unused_data:
        raise _error("MALFORMED_VALUE_ERROR", "encodedList has data after the GZIP member")
    return raw


def status_entry(*, list_url: str, index: int, purpose: str = "revocation") -> dict[str, Any]:
    """A ``BitstringStatusListEntry`` for ``credentialStatus`` (index as a base-10 string, BSL §2.1)."""
    if not isinstance(list_url, str) or not list_url:
        raise ValueError("list_url must be a non-empty string")
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise ValueError("index must be a non-negative int")
    if purpose not in PURPOSES:
        raise ValueError(f"purpose must be one of {PURPOSES}")
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def _xsd_datetime(value: datetime) -> str:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValueError("valid_from must be a timezone-aware datetime")
    return value.astimezone(timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def status_list_credential(*, list_url: str, issuer: dict, purpose: str, encoded_list: str,
                           valid_from: datetime) -> dict[str, Any]:
    """The unsigned ``BitstringStatusListCredential`` published at ``list_url`` (BSL §2.2)."""
    if not isinstance(list_url, str) or not list_url:
        raise ValueError("list_url must be a non-empty string")
    if not isinstance(issuer, dict) or not issuer.get("id"):
        raise ValueError("issuer must be a Profile dict with an id")
    if purpose not in PURPOSES:
        raise ValueError(f"purpose must be one of {PURPOSES}")
    BitstringStatusList.decode(encoded_list)  # never publish a list a verifier would reject
    return {
        "@context": [_VC_V2],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": _xsd_datetime(valid_from),
        "credentialSubject": {
            "id": list_url + "#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encoded_list,
        },
    }


@dataclass(frozen=True)
class StatusResult:
    """``ok`` is False when the credential is revoked or suspended."""

    ok: bool
    purpose: str
    index: int | None
    message: str


def _types(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _parse_index(value: Any) -> int:
    # BSL requires a base-10 string; VAL's own fixture uses a JSON number, which we tolerate.
    if isinstance(value, int) and not isinstance(value, bool):
        index = value
    elif isinstance(value, str) and value.isascii() and value.isdigit():
        index = int(value)
    else:
        raise _error("MALFORMED_VALUE_ERROR", "statusListIndex must be a base-10 integer string",
                     statusListIndex=value)
    if index < 0:
        raise _error("RANGE_ERROR", "statusListIndex is negative", statusListIndex=value)
    return index


def _check_bitstring(entry: dict, list_credential: dict) -> StatusResult:
    purpose = entry.get("statusPurpose")
    if purpose not in PURPOSES:
        raise _error("MALFORMED_VALUE_ERROR", f"unsupported statusPurpose {purpose!r}", statusPurpose=purpose)
    size = entry.get("statusSize", 1)
    if size != 1 or isinstance(size, bool):
        raise _error("MALFORMED_VALUE_ERROR", "only statusSize 1 is supported", statusSize=size)
    index = _parse_index(entry.get("statusListIndex"))
    if not isinstance(list_credential, dict) or "BitstringStatusListCredential" not in _types(
            list_credential.get("type")):
        raise _error("MALFORMED_VALUE_ERROR", "the status list is not a BitstringStatusListCredential")
    subject = list_credential.get("credentialSubject")
    if isinstance(subject, list) and len(subject) == 1:
        subject = subject[0]
    if not isinstance(subject, dict) or "BitstringStatusList" not in _types(subject.get("type")):
        raise _error("MALFORMED_VALUE_ERROR", "the status list's credentialSubject is not a BitstringStatusList")
    if purpose not in _types(subject.get("statusPurpose")):
        raise _error("STATUS_VERIFICATION_ERROR",
                     f"entry statusPurpose {purpose!r} does not match the list's {subject.get('statusPurpose')!r}",
                     statusPurpose=purpose)
    bits = BitstringStatusList.decode(subject.get("encodedList"))
    flagged = bits.get(index)
    state = {"revocation": "revoked", "suspension": "suspended"}[purpose]
    return StatusResult(ok=not flagged, purpose=purpose, index=index,
                        message=f"{state}" if flagged else f"not {state}")


def _check_revocation_list(list_document: dict, credential_id: str) -> StatusResult:
    if not isinstance(list_document, dict):
        raise _error("MALFORMED_VALUE_ERROR", "the revocation list is not a JSON object")
    # STANDARDS/VCRL name the array revokedCredential; VAL reads revokedCredentials. Accept both.
    entries = list_document.get("revokedCredential", list_document.get("revokedCredentials", []))
    if not isinstance(entries, list):
        raise _error("MALFORMED_VALUE_ERROR", "revokedCredential must be an array")
    for item in entries:
        if not isinstance(item, dict) or item.get("id") != credential_id:
            continue
        revoked = item.get("revoked", True)
        if not isinstance(revoked, bool):
            raise _error("MALFORMED_VALUE_ERROR", "revokedCredential.revoked must be a boolean")
        if revoked:
            reason = item.get("revocationReason")
            suffix = f": {reason}" if isinstance(reason, str) and reason else ""
            return StatusResult(ok=False, purpose="revocation", index=None, message="revoked" + suffix)
    return StatusResult(ok=True, purpose="revocation", index=None, message="not revoked")


def check_status(entry: dict, list_credential: dict, *, credential_id: str) -> StatusResult:
    """Evaluate one ``credentialStatus`` entry against its (already fetched and, for bitstring
    lists, already proof-checked) list document. Raises ``StatusListError`` when the status
    cannot be determined; a verifier must then fail the status check, never pass it."""
    if not isinstance(entry, dict):
        raise _error("MALFORMED_VALUE_ERROR", "credentialStatus must be a JSON object")
    kind = entry.get("type")
    if kind == "BitstringStatusListEntry":
        return _check_bitstring(entry, list_credential)
    if kind == "1EdTechRevocationList":
        if not isinstance(credential_id, str) or not credential_id:
            raise _error("MALFORMED_VALUE_ERROR", "a 1EdTechRevocationList check needs the credential id")
        return _check_revocation_list(list_credential, credential_id)
    raise _error("MALFORMED_VALUE_ERROR", f"unsupported credentialStatus type {kind!r}", credential_status_type=kind)
