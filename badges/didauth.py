"""DID Authentication: a holder proves control of a DID by signing a presentation over a
challenge (VC-API exchanges' ``DIDAuthentication`` query; the Learner Credential Wallet's
"request" deep link).

What a wallet sends is a ``VerifiablePresentation`` with no credentials, a ``holder``, and one
proof with ``proofPurpose: "authentication"`` and the issuer's ``challenge`` (LCW signs it with
``Ed25519Signature2020``; ``eddsa-rdfc-2022`` is accepted too). ``verify_did_auth`` checks it and
returns the holder's DID: the purpose, the challenge (and ``domain`` when one was asked for), the
proof's time, that the key is listed for ``authentication`` by its DID document (resolved by the
injected ``resolver``: an issuer that binds badges to ``did:key`` wallets passes a
``DidKeyResolver``, so no network is touched), that the holder named is the key's controller,
and the signature. Everything it refuses raises a ``ProofError`` subclass (``ResolutionError``
when the key cannot be resolved); nothing here knows about storage or single use: the caller
keeps its challenges.
"""
from __future__ import annotations

import hmac
from datetime import datetime, timedelta

from badges.errors import BadgeError, ProofError, ProofPurposeError
from badges.json_types import JsonObject
from badges.jsonld import VC_V1, VC_V2, DocumentLoader, load_document
from badges.signing.resolve import KeyResolver
from badges.signing.suites import parse_datetime, suite_for

__all__ = ["ChallengeMismatch", "verify_did_auth"]

MAX_CLOCK_SKEW = timedelta(minutes=5)


class ChallengeMismatch(ProofError):
    problem_type = "challenge-mismatch"


def _one_proof(presentation: JsonObject) -> JsonObject:
    proofs = presentation.get("proof")
    proofs = [proofs] if isinstance(proofs, dict) else proofs
    if not isinstance(proofs, list) or not proofs:
        raise ProofError("the presentation is not signed: a DIDAuth presentation needs a proof")
    if len(proofs) != 1 or not isinstance(proofs[0], dict):
        raise ProofError("a DIDAuth presentation carries exactly one proof")
    return proofs[0]


def _holder_of(presentation: JsonObject) -> str | None:
    holder = presentation.get("holder")
    holder = holder.get("id") if isinstance(holder, dict) else holder
    if holder is not None and not isinstance(holder, str):
        raise ProofError("the presentation's holder must be a DID")
    return holder


def _check_shape(presentation: object) -> JsonObject:
    if not isinstance(presentation, dict):
        raise ProofError("a DIDAuth answer is a VerifiablePresentation (a JSON object)")
    contexts = presentation.get("@context")
    contexts = contexts if isinstance(contexts, list) else [contexts]
    if not contexts or contexts[0] not in (VC_V1, VC_V2):
        raise ProofError("the presentation's first @context must be the VC context (v1 or v2)")
    types = presentation.get("type")
    if "VerifiablePresentation" not in (types if isinstance(types, list) else [types]):
        raise ProofError("this is not a VerifiablePresentation")
    return presentation


def verify_did_auth(presentation: object, *, challenge: str, resolver: KeyResolver, now: datetime,
                    domain: str | None = None, loader: DocumentLoader = load_document) -> str:
    """The DID of the holder who signed ``presentation`` over ``challenge``; raises otherwise."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    document = _check_shape(presentation)
    proof = _one_proof(document)
    if proof.get("proofPurpose") != "authentication":
        raise ProofPurposeError(f"proofPurpose is {proof.get('proofPurpose')!r}, expected 'authentication'",
                                proof_purpose=proof.get("proofPurpose"), expected="authentication")
    given = proof.get("challenge")
    # compare_digest: how much of a guessed challenge matched must not show in the time taken
    if not isinstance(given, str) or not hmac.compare_digest(given.encode(), challenge.encode()):
        raise ChallengeMismatch("the proof's challenge is not the one this request was given")
    if domain is not None and proof.get("domain") != domain:
        raise ChallengeMismatch(f"the proof's domain is {proof.get('domain')!r}, expected {domain!r}")
    if "created" in proof and parse_datetime(proof["created"], "created") > now + MAX_CLOCK_SKEW:
        raise ProofError(f"the proof was created in the future ({proof['created']})")
    if "expires" in proof and parse_datetime(proof["expires"], "expires") < now - MAX_CLOCK_SKEW:
        raise ProofError(f"the proof expired at {proof['expires']}")
    vm_id = proof.get("verificationMethod")
    vm_id = vm_id.get("id") if isinstance(vm_id, dict) else vm_id
    if not isinstance(vm_id, str) or not vm_id:
        raise ProofError("the proof names no verificationMethod")
    suite = suite_for(proof, loader=loader)
    suite.decode_proof_value(proof.get("proofValue"))  # a malformed value fails before any resolution
    method = resolver.resolve(vm_id)
    if method.relationships is not None and "authentication" not in method.relationships:
        raise ProofPurposeError(f"the key {vm_id} is not listed for authentication by its DID document")
    holder = _holder_of(document)
    if holder is not None and method.controller != holder:
        raise ProofError(f"the key belongs to {method.controller}, not to the holder {holder}")
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    try:
        suite.verify_proof(unsecured, proof, method.public_key)
    except BadgeError:
        raise
    except Exception as exc:  # a hostile document never becomes a traceback
        raise ProofError(f"the proof could not be processed ({type(exc).__name__})") from None
    return method.controller
