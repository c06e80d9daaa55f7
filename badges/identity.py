"""IdentityObject and IdentityHash (OB 3.0 App. B, ``IdentityObject`` / ``IdentityHash``).

``identityHash`` = ``"<alg>$<hex>"`` with ``hex = HASH(UTF-8(identifier ‖ salt))`` and
alg ∈ {sha256, md5}; the hex digits may be upper or lower case.

Email normalisation: before hashing an ``emailAddress`` we strip surrounding whitespace and
lower-case it. The hash is compared byte for byte, so ``Ada@School.org`` and ``ada@school.org``
would otherwise be two different recipients, although every mail system we issue to delivers
both to the same mailbox (domains are case-insensitive by RFC 5321 and providers treat local
parts the same way). Relying parties that hash what a learner typed would then fail to match.
Other verifiers do not normalise, so :func:`matches` tries the value both as given and
normalised: a credential hashed elsewhere from a mixed-case address still matches.
"""
from __future__ import annotations

import hashlib
import hmac
from typing import Any

from badges.errors import ModelError
from badges.json_types import JsonObject

__all__ = ["ALGORITHMS", "IDENTIFIER_TYPES", "identity_hash", "identity_object", "matches", "normalise"]

ALGORITHMS = ("sha256", "md5")

# IdentifierTypeEnum (OB 3.0); anything else must use the "ext:" prefix (EnumExt).
IDENTIFIER_TYPES = frozenset({
    "name", "sourcedId", "systemId", "productId", "userName", "accountId", "emailAddress",
    "nationalIdentityNumber", "isbn", "issn", "lisSourcedId", "oneRosterSourcedId",
    "sisSourcedId", "ltiContextId", "ltiDeploymentId", "ltiToolId", "ltiPlatformId", "ltiUserId",
    "identifier",
})
_EXT_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_|")


def _valid_type(identity_type: str) -> bool:
    if identity_type in IDENTIFIER_TYPES:
        return True
    tail = identity_type[4:] if identity_type.startswith("ext:") else ""
    return bool(tail) and set(tail) <= _EXT_CHARS


def normalise(value: str, identity_type: str = "emailAddress") -> str:
    """The form we hash: emails stripped and lower-cased (see module docstring), others as given."""
    if identity_type == "emailAddress":
        return value.strip().lower()
    return value


def identity_hash(value: str, salt: str | None = "", alg: str = "sha256") -> str:
    """``"<alg>$<lowercase hex>"`` of ``value + salt``; no normalisation happens here."""
    if not isinstance(value, str) or not isinstance(salt, (str, type(None))):
        raise TypeError("value and salt must be str")
    if alg not in ALGORITHMS:
        raise ValueError(f"identity hash algorithm must be one of {ALGORITHMS}, not {alg!r}")
    digest = hashlib.new(alg, (value + (salt or "")).encode("utf-8"), usedforsecurity=False)
    return f"{alg}${digest.hexdigest()}"


def identity_object(value: str, *, salt: str, identity_type: str = "emailAddress",
                    alg: str = "sha256") -> dict[str, Any]:
    """A hashed IdentityObject for ``credentialSubject.identifier``.

    ``salt`` should be random per recipient (the caller owns randomness); an empty salt is
    allowed by the spec but makes email hashes guessable by dictionary, so it is refused.
    """
    if not isinstance(value, str) or not value.strip():
        raise ValueError("identity value must be a non-empty string")
    if not isinstance(salt, str) or not salt:
        raise ValueError("salt must be a non-empty string")
    if not isinstance(identity_type, str) or not _valid_type(identity_type):
        raise ValueError(f"identityType {identity_type!r} is not in IdentifierTypeEnum and lacks 'ext:'")
    return {
        "type": "IdentityObject",
        "identityHash": identity_hash(normalise(value, identity_type), salt, alg),
        "identityType": identity_type,
        "hashed": True,
        "salt": salt,
    }


def _parse_hash(identity_hash_value: Any) -> tuple[str, str]:
    if not isinstance(identity_hash_value, str) or "$" not in identity_hash_value:
        raise ModelError("identityHash must be '<alg>$<hex>'", identityHash=identity_hash_value)
    alg, _, hexpart = identity_hash_value.partition("$")
    alg = alg.lower()
    if alg not in ALGORITHMS:
        raise ModelError(f"identityHash algorithm {alg!r} is not sha256 or md5", identityHash=identity_hash_value)
    expected_len = hashlib.new(alg, usedforsecurity=False).digest_size * 2
    if len(hexpart) != expected_len or not all(c in "0123456789abcdefABCDEF" for c in hexpart):
        raise ModelError("identityHash hex digest has the wrong length or characters",
                         identityHash=identity_hash_value)
    return alg, hexpart.lower()


def matches(identity_object: JsonObject, value: str) -> bool:
    """True if ``value`` is the identifier this IdentityObject stands for (OB §9.3).

    Raises ``ModelError`` for an IdentityObject that cannot be evaluated (a malformed hash
    must not read as "someone else").
    """
    if not isinstance(identity_object, dict):
        raise ModelError("IdentityObject must be a JSON object")
    if not isinstance(value, str):
        raise TypeError("value must be str")
    hashed = identity_object.get("hashed")
    if not isinstance(hashed, bool):
        raise ModelError("IdentityObject.hashed must be a boolean", hashed=hashed)
    identity_type = identity_object.get("identityType", "")
    candidates = {value, value.strip(), normalise(value, identity_type)}
    if not hashed:
        stored = identity_object.get("identityHash")
        if not isinstance(stored, str):
            raise ModelError("IdentityObject.identityHash must be a string")
        if identity_type == "emailAddress":
            return normalise(stored) in {normalise(c) for c in candidates}
        return stored in candidates
    alg, expected = _parse_hash(identity_object.get("identityHash"))
    salt = identity_object.get("salt", "")
    if not isinstance(salt, str):
        raise ModelError("IdentityObject.salt must be a string")
    found = False
    for candidate in sorted(candidates):
        computed = identity_hash(candidate, salt, alg).partition("$")[2]
        # compare_digest on every candidate: timing says nothing about which form matched.
        found |= hmac.compare_digest(computed, expected)
    return found
