"""Why a proof was made: the assertionMethod purpose of a credential issuer (DI §4.4 step 6,
§5 "Verification Method Binding" / "Verification Relationship Validation"; OB impl guide
"Key provenance": the verification method's controller is the issuer)."""
from __future__ import annotations

from datetime import datetime, timedelta

from badges.errors import ProofError, ProofPurposeError
from badges.json_types import JsonObject
from badges.signing.resolve import VerificationMethod
from badges.signing.suites import parse_datetime

__all__ = ["MAX_CLOCK_SKEW", "AssertionMethodPurpose", "issuer_id"]

MAX_CLOCK_SKEW = timedelta(minutes=5)


def issuer_id(document: JsonObject) -> str | None:
    issuer = document.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) and issuer else None


class AssertionMethodPurpose:
    def __init__(self, *, expected: str = "assertionMethod", now: datetime,
                 max_clock_skew: timedelta = MAX_CLOCK_SKEW, strict_did_key: bool = False) -> None:
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        self.expected = expected
        self.now = now
        self.max_clock_skew = max_clock_skew
        self.strict_did_key = strict_did_key

    def check_proof(self, proof: JsonObject) -> None:
        """The proof's declared purpose and its time window, before any key is fetched."""
        purpose = proof.get("proofPurpose")
        if purpose != self.expected:
            raise ProofPurposeError(f"proofPurpose is {purpose!r}, expected {self.expected!r}",
                                    proof_purpose=purpose, expected=self.expected)
        if "created" in proof:
            created = parse_datetime(proof["created"], "created")
            if created > self.now + self.max_clock_skew:
                raise ProofError(f"proof created {proof['created']} is in the future", created=proof["created"])
        if "expires" in proof:
            expires = parse_datetime(proof["expires"], "expires")
            if expires < self.now - self.max_clock_skew:
                raise ProofError(f"proof expired at {proof['expires']}", expires=proof["expires"])

    def check_method(self, document: JsonObject, method: VerificationMethod) -> list[str]:
        """The key is the issuer's, and listed for this purpose when its controller says so.

        Returns warnings. The one tolerated mismatch is a did:key whose DID is not the issuer id
        (unless ``strict_did_key``): the 1EdTech validator resolves did:key without a controller
        and so accepts it (its sample ``simple-did-key-method.json`` is expected valid). It is
        tolerated only for an issuer id that names no keys of its own (``urn:uuid:`` and the like):
        an issuer that is a DID or a web URL publishes its keys, so a stranger's did:key signing in
        its name is a forgery, not an interop quirk.
        """
        issuer = issuer_id(document)
        if issuer is None:
            raise ProofPurposeError("the document has no issuer id to bind the key to")
        if (method.controller != issuer and method.source == "did:key" and not self.strict_did_key
                and not _names_its_own_keys(issuer)):
            return [f"the did:key {method.controller} is not the issuer {issuer}; nothing binds this key "
                    "to the issuer"]
        if method.controller != issuer:
            raise ProofPurposeError(f"key controller {method.controller!r} does not match issuer {issuer!r}",
                                    controller=method.controller, issuer=issuer)
        if method.relationships is not None and self.expected not in method.relationships:
            raise ProofPurposeError(f"verification method {method.id!r} is not listed under {self.expected} "
                                    "by its controller", verification_method=method.id)
        return []


def _names_its_own_keys(issuer: str) -> bool:
    return issuer.startswith(("did:", "https://", "http://"))
