"""Open Badges 3.0 credential engine: pure functions, no I/O.

The names below are the public API; everything else lives in submodules (``badges.signing``,
``badges.jsonld``, …) whose own ``__all__`` lists their full surface. Names are resolved on first
use, so ``import badges.errors`` stays cheap and does not load pyld, jsonschema or cryptography.
"""
from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, str] = {
    # errors (the tree is drawn in badges/errors.py)
    "BadgeError": "badges.errors", "JsonLdError": "badges.errors", "ContextNotAllowed": "badges.errors",
    "UndefinedTerm": "badges.errors", "RelativeIri": "badges.errors", "SchemaError": "badges.errors",
    "ModelError": "badges.errors", "KeyFormatError": "badges.errors", "ProofError": "badges.errors",
    "UnsupportedSuite": "badges.errors", "InvalidSignature": "badges.errors", "ProofPurposeError": "badges.errors",
    "ResolutionError": "badges.errors", "StatusListError": "badges.errors", "BakeError": "badges.errors",
    "RubricError": "badges.errors",
    # JSON-LD
    "load_document": "badges.jsonld", "canonize": "badges.jsonld", "check_terms": "badges.jsonld",
    # keys, proofs, resolution
    "Ed25519Signer": "badges.signing", "PublicKey": "badges.signing", "load_key_file": "badges.signing",
    "sign": "badges.signing", "verify_proof": "badges.signing", "ProofResult": "badges.signing",
    "KeyResolver": "badges.signing", "VerificationMethod": "badges.signing", "DidKeyResolver": "badges.signing",
    "DocumentResolver": "badges.signing", "FragmentKeyResolver": "badges.signing", "ChainResolver": "badges.signing",
    "sign_jwt": "badges.signing.jwt", "verify_jwt": "badges.signing.jwt",
    # status, baking, recipients
    "BitstringStatusList": "badges.status", "status_entry": "badges.status",
    "status_list_credential": "badges.status", "check_status": "badges.status",
    "bake_png": "badges.bake", "bake_svg": "badges.bake", "unbake": "badges.bake",
    "identity_hash": "badges.identity", "identity_object": "badges.identity",
    # issuing and transcripts
    "build_credential": "badges.issuance", "build_clr": "badges.transcript",
    # verification
    "verify_credential": "badges.verification", "VerificationReport": "badges.verification",
    "CheckId": "badges.verification", "CheckResult": "badges.verification",
    "TrustRegistry": "badges.trust", "TrustedIssuer": "badges.trust",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'badges' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # static tools see the real names
    from badges.bake import bake_png, bake_svg, unbake  # noqa: F401
    from badges.errors import (  # noqa: F401
        BadgeError,
        BakeError,
        ContextNotAllowed,
        InvalidSignature,
        JsonLdError,
        KeyFormatError,
        ModelError,
        ProofError,
        ProofPurposeError,
        RelativeIri,
        ResolutionError,
        RubricError,
        SchemaError,
        StatusListError,
        UndefinedTerm,
        UnsupportedSuite,
    )
    from badges.identity import identity_hash, identity_object  # noqa: F401
    from badges.issuance import build_credential  # noqa: F401
    from badges.jsonld import canonize, check_terms, load_document  # noqa: F401
    from badges.signing import (  # noqa: F401
        ChainResolver,
        DidKeyResolver,
        DocumentResolver,
        Ed25519Signer,
        FragmentKeyResolver,
        KeyResolver,
        ProofResult,
        PublicKey,
        VerificationMethod,
        load_key_file,
        sign,
        verify_proof,
    )
    from badges.signing.jwt import sign_jwt, verify_jwt  # noqa: F401
    from badges.status import BitstringStatusList, check_status, status_entry, status_list_credential  # noqa: F401
    from badges.transcript import build_clr  # noqa: F401
    from badges.trust import TrustedIssuer, TrustRegistry  # noqa: F401
    from badges.verification import CheckId, CheckResult, VerificationReport, verify_credential  # noqa: F401
