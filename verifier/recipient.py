""""Check the recipient": does an email address belong to the person a badge names?

An Open Badges 3.0 credential names its recipient in ``credentialSubject.identifier`` as
IdentityObjects (OB 3.0 §B.1.14): ``{identityType: "emailAddress", hashed: true, salt,
identityHash: "sha256$<hex>"}`` where the hex is SHA-256 of the address followed by the salt. A
reader who knows the student's address hashes it with the same salt and compares
(``badges.identity.matches``, which also tries the address as typed, for issuers that did not
lower-case it). The badge shows nothing but the hash, so it names its learner to nobody who does
not already know them.

For a learner record (CLR), its own subject and every badge bundled inside it are checked.
Pure: a verification report and the address in, a ``RecipientCheck`` out.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from badges.errors import ModelError
from badges.identity import matches
from badges.verification import VerificationReport

__all__ = ["RecipientCheck", "RecipientMatch", "check_recipient", "hashed_identities"]

MAX_EMAIL = 320  # RFC 5321's longest address


@dataclass(frozen=True)
class RecipientMatch:
    name: str  # the badge's (or record's) name
    matched: bool


@dataclass(frozen=True)
class RecipientCheck:
    email: str
    matched: bool  # the top credential names this address (for a record: the record or one of its badges)
    comparable: bool  # the credential names its recipient by a hashed (or plain) email address at all
    credentials: list[RecipientMatch] = field(default_factory=list)  # each credential checked, top first


def _list(value: Any) -> list[Any]:
    return [] if value is None else value if isinstance(value, list) else [value]


def _subjects(document: Any) -> list[dict[str, Any]]:
    if not isinstance(document, dict):
        return []
    return [s for s in _list(document.get("credentialSubject")) if isinstance(s, dict)]


def _email_identities(document: Any) -> list[dict[str, Any]]:
    return [i for s in _subjects(document) for i in _list(s.get("identifier"))
            if isinstance(i, dict) and i.get("identityType") == "emailAddress"]


def hashed_identities(document: Any) -> list[dict[str, str]]:
    """What a page may hand to the reader's browser to check an address there: each hashed email
    identity as ``{hash, salt}`` (sha256 only: browsers' WebCrypto has no MD5)."""
    out = []
    for identity in _email_identities(document):
        value, salt = identity.get("identityHash"), identity.get("salt", "")
        if identity.get("hashed") is True and isinstance(value, str) and value.lower().startswith("sha256$") \
                and isinstance(salt, str):
            out.append({"hash": value.partition("$")[2].lower(), "salt": salt})
    return out


def _name(document: Any) -> str:
    if not isinstance(document, dict):
        return "Credential"
    for subject in _subjects(document):
        achievement = subject.get("achievement")
        if isinstance(achievement, dict) and isinstance(achievement.get("name"), str):
            return str(achievement["name"])
    return str(document.get("name") or "Credential")


def _matches(document: Any, email: str) -> bool | None:
    """True/False when the credential names a recipient by email, None when it does not."""
    identities = _email_identities(document)
    if not identities:
        return None
    found = False
    for identity in identities:
        try:
            found |= matches(identity, email)
        except ModelError:  # a malformed identity names nobody; the report's checks say why
            continue
    return found


def check_recipient(report: VerificationReport, email: str) -> RecipientCheck:
    """Compare ``email`` with the recipient of the verified credential (and, for a record, of the
    badges inside it). Raises ValueError for something that is not an email address."""
    email = email.strip()
    if not email or len(email) > MAX_EMAIL or "@" not in email or any(c.isspace() for c in email):
        raise ValueError("Enter an email address, like name@example.org.")
    checked: list[RecipientMatch] = []
    for document in [report.document, *(n.document for n in report.nested)]:
        outcome = _matches(document, email)
        if outcome is not None:
            checked.append(RecipientMatch(_name(document), outcome))
    top = _matches(report.document, email)
    matched = bool(top) if top is not None else any(c.matched for c in checked)
    return RecipientCheck(email=email, matched=matched, comparable=bool(checked), credentials=checked)
