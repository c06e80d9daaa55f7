"""Every error the engine raises, in one tree.

Caller mistakes (wrong argument types, impossible parameters) raise ``TypeError`` or
``ValueError``. Problems with a document, a key or a proof raise one of these::

    BadgeError
    ├── JsonLdError                 a document cannot be processed as JSON-LD
    │   ├── ContextNotAllowed       an @context URL outside the pinned set (never fetched)
    │   ├── UndefinedTerm           a property the contexts do not define (would go unsigned)
    │   └── RelativeIri             a relative IRI where an absolute one is required
    ├── SchemaError                 a credential fails the 1EdTech JSON schema
    ├── ModelError                  a value that the OB 3.0 data model forbids
    ├── KeyFormatError              a key, Multikey, JWK or did:key that cannot be decoded
    ├── ProofError                  a proof cannot be created or does not verify
    │   ├── UnsupportedSuite        a proof type / cryptosuite we do not implement
    │   ├── InvalidSignature        the signature does not match the data and key
    │   └── ProofPurposeError       wrong proofPurpose, or the key is not the issuer's
    ├── ResolutionError             a DID, verification method or document cannot be resolved
    ├── StatusListError             a status list is malformed, too short or out of range
    ├── BakeError                   an image cannot be baked or holds no credential
    └── RubricError                 a rubric or a set of ratings is inconsistent

Each class carries ``problem_type``: the tail of an RFC 9457 ``type`` URI, so that the
services can turn any of them into a problem-details body in one place.
"""
from __future__ import annotations

from typing import Any

PROBLEM_BASE = "https://openbadges.school/problems/"


class BadgeError(Exception):
    problem_type = "badge-error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    @property
    def type_uri(self) -> str:
        return PROBLEM_BASE + self.problem_type


class JsonLdError(BadgeError):
    problem_type = "jsonld-error"


class CanonicalizationLimit(JsonLdError):
    """RDFC-1.0 gave up: telling the blank nodes apart needs more Hash N-Degree Quads work than
    any real credential does (a graph of many look-alike blank nodes grows factorially)."""

    problem_type = "canonicalization-limit"


class ContextNotAllowed(JsonLdError):
    problem_type = "context-not-allowed"

    def __init__(self, url: str) -> None:
        super().__init__(f"@context {url!r} is not one of the pinned contexts; it is never fetched", url=url)
        self.url = url


class UndefinedTerm(JsonLdError):
    problem_type = "undefined-term"

    def __init__(self, terms: list[str]) -> None:
        shown = ", ".join(terms[:10]) + (" …" if len(terms) > 10 else "")
        super().__init__(f"properties not defined by the @context (they would not be signed): {shown}",
                         terms=terms)
        self.terms = terms


class RelativeIri(JsonLdError):
    problem_type = "relative-iri"


class SchemaError(BadgeError):
    problem_type = "schema-error"


class ModelError(BadgeError):
    problem_type = "model-error"


class KeyFormatError(BadgeError):
    problem_type = "key-format"


class ProofError(BadgeError):
    problem_type = "proof-error"


class UnsupportedSuite(ProofError):
    problem_type = "unsupported-suite"


class InvalidSignature(ProofError):
    problem_type = "invalid-signature"


class ProofPurposeError(ProofError):
    problem_type = "proof-purpose"


class ResolutionError(BadgeError):
    problem_type = "resolution-error"


class StatusListError(BadgeError):
    problem_type = "status-list"


class BakeError(BadgeError):
    problem_type = "bake-error"


class RubricError(BadgeError):
    problem_type = "rubric-error"
