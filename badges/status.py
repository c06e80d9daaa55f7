"""Credential status: W3C Bitstring Status List v1.0 and the 1EdTech revocation list.

Bitstring (BSL §2–3): ``encodedList`` = ``"u"`` + base64url-no-padding(GZIP(bits)), at least
131,072 entries, index 0 = most significant bit of byte 0, a set bit means "revoked"/"suspended".
An entry of ``statusSize`` n holds an n-bit value at bits ``index*n … index*n+n-1`` (most
significant first), named by the entry's ``statusMessage`` table.

What we issue (see "Revocation and suspension" in README.md): ONE entry with
``statusPurpose: "message"``, ``statusSize: 2`` and the table in :data:`STATUS_MESSAGES`
(0 valid, 1 suspended, 2 revoked), because the OB 3.0 schema allows a single
``credentialStatus`` object and a badge needs both revoke and suspend/reinstate. The reference
JS libraries (``@digitalbazaar/vc-bitstring-status-list`` 2.0,
``@digitalcredentials/vc-bitstring-status-list`` 1.0) ignore ``statusSize`` and read the single
bit *at* ``statusListIndex``. :func:`set_message_state` keeps that bit equal to "not valid", and
:func:`message_index_range` allocates indexes so that bit never lies inside another entry: both
readings of the same list agree.
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
from datetime import UTC, datetime
from typing import Any

from badges.errors import StatusListError
from badges.json_types import JsonObject

__all__ = [
    "MAX_DECODED_BYTES", "MESSAGE_SIZE", "MIN_BITS", "PURPOSES", "STATE_REVOKED", "STATE_SUSPENDED",
    "STATE_VALID", "STATUS_MESSAGES", "BitstringStatusList", "StatusResult", "check_status",
    "message_index_range", "message_state", "set_message_state", "status_entry", "status_list_credential",
]

MIN_BITS = 131_072
# A real list is 16 KiB–a few MiB; anything that inflates past this is a gzip bomb.
MAX_DECODED_BYTES = 16 * 1024 * 1024
# base64 of an incompressible MAX_DECODED_BYTES list, plus slack for the gzip framing.
_MAX_ENCODED_CHARS = (MAX_DECODED_BYTES * 4) // 3 + 1024
PURPOSES = ("revocation", "suspension", "message")
# The "message" entry we issue: two bits per badge, one table for every badge.
MESSAGE_SIZE = 2
STATE_VALID, STATE_SUSPENDED, STATE_REVOKED = 0, 1, 2
STATUS_MESSAGES = (
    {"status": "0x0", "message": "valid"},
    {"status": "0x1", "message": "suspended"},
    {"status": "0x2", "message": "revoked"},
    {"status": "0x3", "message": "revoked"},  # never written; BSL wants one message per value
)
_MAX_STATUS_SIZE = 8
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

    def get_value(self, index: int, size: int = 1) -> int:
        """The ``size``-bit value of entry ``index`` (bits ``index*size …``, most significant first)."""
        first = self._entry(index, size)
        value = 0
        for position in range(first, first + size):
            value = (value << 1) | self.get(position)
        return value

    def set_value(self, index: int, size: int, value: int) -> None:
        first = self._entry(index, size)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < (1 << size):
            raise ValueError(f"value must be an int in 0..{(1 << size) - 1}")
        for offset in range(size):
            self.set(first + offset, bool(value >> (size - 1 - offset) & 1))

    def _entry(self, index: int, size: int) -> int:
        if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= _MAX_STATUS_SIZE:
            raise ValueError(f"size must be an int in 1..{_MAX_STATUS_SIZE}")
        if isinstance(index, bool) or not isinstance(index, int):
            raise TypeError("index must be an int")
        if not 0 <= index < self.size_bits // size:
            raise _error("RANGE_ERROR", f"status list index {index} is outside 0..{self.size_bits // size - 1}",
                         index=index, size=self.size_bits // size)
        return index * size

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
    def decode(cls, encoded: object) -> BitstringStatusList:
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
    """A ``BitstringStatusListEntry`` for ``credentialStatus`` (index as a base-10 string, BSL §2.1).
    ``purpose="message"`` gives our two-bit entry (``statusSize`` 2, :data:`STATUS_MESSAGES`)."""
    if not isinstance(list_url, str) or not list_url:
        raise ValueError("list_url must be a non-empty string")
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise ValueError("index must be a non-negative int")
    if purpose not in PURPOSES:
        raise ValueError(f"purpose must be one of {PURPOSES}")
    entry: dict[str, Any] = {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }
    if purpose == "message":
        entry["statusSize"] = MESSAGE_SIZE
        entry["statusMessage"] = [dict(m) for m in STATUS_MESSAGES]
    return entry


def message_index_range(size_bits: int) -> range:
    """The entry indexes we hand out on a ``message`` list of ``size_bits`` bits.

    Entry ``i`` owns bits ``2i, 2i+1``; a reader that ignores ``statusSize`` reads bit ``i``.
    With ``i`` in ``[size_bits/4, size_bits/2)`` those single bits fall in entries
    ``[size_bits/8, size_bits/4)``, which are never handed out, and the two-bit values in
    ``[size_bits/2, size_bits)``, which no single-bit reading of an allocated index reaches.
    """
    if isinstance(size_bits, bool) or not isinstance(size_bits, int) or size_bits % 8 or size_bits <= 0:
        raise ValueError("size_bits must be a positive multiple of 8")
    return range(size_bits // 4, size_bits // 2)


def set_message_state(bits: BitstringStatusList, index: int, state: int) -> None:
    """Write ``state`` (:data:`STATE_VALID` / ``SUSPENDED`` / ``REVOKED``) for entry ``index`` of a
    ``message`` list, and the single "not valid" bit that readers ignoring ``statusSize`` see."""
    if index not in message_index_range(bits.size_bits):
        raise ValueError(f"index {index} is outside the message entries of this list")
    if state not in (STATE_VALID, STATE_SUSPENDED, STATE_REVOKED):
        raise ValueError("state must be STATE_VALID, STATE_SUSPENDED or STATE_REVOKED")
    bits.set_value(index, MESSAGE_SIZE, state)
    bits.set(index, state != STATE_VALID)


def message_state(bits: BitstringStatusList, index: int) -> int:
    return bits.get_value(index, MESSAGE_SIZE)


def _xsd_datetime(value: datetime) -> str:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValueError("valid_from must be a timezone-aware datetime")
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def status_list_credential(*, list_url: str, issuer: JsonObject, purpose: str, encoded_list: str,
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
    """``ok`` is False when the credential is revoked, suspended or otherwise flagged.
    ``message``: "revoked" / "not revoked" … for one-bit entries, the ``statusMessage`` text for
    a ``message`` entry."""

    ok: bool
    purpose: str
    index: int | None
    message: str

    @property
    def state(self) -> str:
        """valid | revoked | suspended | flagged (a message value we have no word for)."""
        if self.ok:
            return "valid"
        if self.purpose == "revocation":
            return "revoked"
        if self.purpose == "suspension":
            return "suspended"
        return self.message if self.message in ("revoked", "suspended") else "flagged"


def _types(value: Any) -> list[Any]:
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


def _status_size(entry: JsonObject) -> int:
    size = entry.get("statusSize", 1)
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= _MAX_STATUS_SIZE:
        raise _error("MALFORMED_VALUE_ERROR", f"statusSize must be an integer in 1..{_MAX_STATUS_SIZE}",
                     statusSize=size)
    return size


def _status_messages(entry: JsonObject, size: int) -> dict[int, str] | None:
    """BSL §2.1: ``statusMessage`` is required when ``statusSize`` > 1 (and for a ``message``
    entry, which means nothing without it): one ``{status: "0x…", message}`` per value."""
    table = entry.get("statusMessage")
    if table is None:
        if size > 1 or entry.get("statusPurpose") == "message":
            raise _error("MALFORMED_VALUE_ERROR", "statusMessage is required for this status entry")
        return None
    if not isinstance(table, list) or len(table) != 1 << size:
        raise _error("MALFORMED_VALUE_ERROR", f"statusMessage must list {1 << size} values for statusSize {size}")
    messages: dict[int, str] = {}
    for item in table:
        status, message = (item.get("status"), item.get("message")) if isinstance(item, dict) else (None, None)
        if not (isinstance(status, str) and status[:2] == "0x" and isinstance(message, str)):
            raise _error("MALFORMED_VALUE_ERROR", "each statusMessage needs a 0x-prefixed status and a message")
        try:
            value = int(status[2:], 16)
        except ValueError:
            raise _error("MALFORMED_VALUE_ERROR", f"statusMessage status {status!r} is not hexadecimal") from None
        if not 0 <= value < 1 << size or value in messages:
            raise _error("MALFORMED_VALUE_ERROR", f"statusMessage status {status!r} is out of range or repeated")
        messages[value] = message
    return messages


def _check_bitstring(entry: JsonObject, list_credential: JsonObject) -> StatusResult:
    purpose = entry.get("statusPurpose")
    if purpose not in PURPOSES:
        raise _error("MALFORMED_VALUE_ERROR", f"unsupported statusPurpose {purpose!r}", statusPurpose=purpose)
    size = _status_size(entry)
    messages = _status_messages(entry, size)
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
    if bits.size_bits // size < MIN_BITS:  # BSL §3.2: at least 131,072 entries of this size
        raise _error("STATUS_LIST_LENGTH_ERROR",
                     f"status list has {bits.size_bits // size} entries of {size} bits; "
                     f"at least {MIN_BITS} are required",
                     bits=bits.size_bits)
    value = bits.get_value(index, size)
    if purpose == "message":
        assert messages is not None  # _status_messages refuses a message entry without its table
        return StatusResult(ok=value == 0, purpose=purpose, index=index, message=messages[value])
    state = {"revocation": "revoked", "suspension": "suspended"}[purpose]
    return StatusResult(ok=not value, purpose=purpose, index=index,
                        message=f"{state}" if value else f"not {state}")


def _check_revocation_list(list_document: JsonObject, credential_id: str) -> StatusResult:
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


def check_status(entry: JsonObject, list_credential: JsonObject, *, credential_id: object) -> StatusResult:
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
