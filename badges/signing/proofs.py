"""Add and verify embedded proofs (VC Data Integrity 1.0 §4.2 Add Proof, §4.3/§4.4 proof sets
and chains).

``sign`` raises for a document it must not sign; ``verify_proof`` never raises because a
document is bad: it returns a ``ProofResult`` with one ``ProofCheck`` per proof.

Proof sets: every proof must verify (one good proof must not hide a tampered second one), and
at least one of them must be the issuer's (its key bound to the issuer, DI §5); the others may
be anyone's (a notary, a co-signer) as long as their own controller authorises the key. Proof
chains (DI §2.1.2): a proof with ``previousProof`` was made over the document *with* the proofs
it names, so it is verified against exactly that document; naming a proof that is not there is
an error.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from badges.errors import BadgeError, JsonLdError, ProofError, ProofPurposeError, UndefinedTerm, UnsupportedSuite
from badges.json_types import JsonObject
from badges.jsonld import DocumentLoader, load_document
from badges.signing._multibase import multibase_encode
from badges.signing.keys import Ed25519Signer
from badges.signing.purposes import AssertionMethodPurpose
from badges.signing.resolve import KeyResolver, VerificationMethod
from badges.signing.suites import EddsaRdfc2022, suite_for

__all__ = ["ProofCheck", "ProofResult", "create_proof", "format_datetime", "previous_proofs", "sign", "verify_proof"]


@dataclass(frozen=True)
class ProofCheck:
    """The outcome for one proof of a proof set, in document order."""

    index: int
    proof_type: str | None
    cryptosuite: str | None
    verification_method_id: str | None
    verified: bool
    verification_method: VerificationMethod | None = None
    error: BadgeError | None = None
    warnings: tuple[str, ...] = ()
    # Set when the signature verified but its key is not the issuer's (another party's proof in
    # a set): fine for that proof, but some proof of the set must be the issuer's.
    binding_error: BadgeError | None = None


@dataclass(frozen=True)
class ProofResult:
    verified: bool
    checks: list[ProofCheck] = field(default_factory=list)
    verification_method: VerificationMethod | None = None
    error: BadgeError | None = None

    @property
    def primary(self) -> ProofCheck | None:
        """The issuer's proof: verified with a key bound to the issuer (None when there is none)."""
        return next((c for c in self.checks if c.verified and c.binding_error is None), None)

    @property
    def warnings(self) -> tuple[str, ...]:
        """Warnings of the proofs that verified (e.g. a key taken from a URL fragment)."""
        return tuple(dict.fromkeys(w for c in self.checks if c.verified for w in c.warnings))


def format_datetime(value: datetime) -> str:
    """XML Schema dateTimeStamp in UTC with whole seconds, as proofs and credentials carry it."""
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValueError("a timezone-aware datetime is required")
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _proofs(document: JsonObject) -> list[Any]:
    proof = document.get("proof")
    if proof is None:
        return []
    return list(proof) if isinstance(proof, list) else [proof]


def _unsecured(document: JsonObject) -> JsonObject:
    return {k: v for k, v in document.items() if k != "proof"}


def _copy_tree(value: Any) -> Any:
    """copy.deepcopy for the JSON tree a signable document is, at a fifth of its cost (deepcopy's
    memo and dispatch dominate a signature's time). Anything else still goes to deepcopy; a
    cyclic document never gets here, because canonicalizing it has already raised."""
    kind = type(value)
    if kind is dict:
        return {key: _copy_tree(item) for key, item in value.items()}
    if kind is list:
        return [_copy_tree(item) for item in value]
    if kind is str or kind is int or kind is float or kind is bool or value is None:
        return value
    return copy.deepcopy(value)


def sign(document: JsonObject, *, signer: Ed25519Signer, created: datetime,
         loader: DocumentLoader = load_document, verification_method: str | None = None,
         proof_purpose: str = "assertionMethod", cryptosuite: str = "eddsa-rdfc-2022",
         proof_id: str | None = None, previous_proof: str | list[str] | None = None,
         challenge: str | None = None, domain: str | None = None) -> JsonObject:
    """A new dict: ``document`` with an eddsa-rdfc-2022 proof appended to ``proof`` (a list).

    Refuses (``UndefinedTerm``/``RelativeIri``) a document whose properties the contexts do not
    define: they would be left out of the canonical form and so unsigned. ``previous_proof``
    makes a proof chain (DI §4.3): the new proof covers the document with the proofs it names,
    which must be there (``ProofError`` otherwise); ``proof_id`` names the new proof.
    ``challenge``/``domain``: what an ``authentication`` proof answers (a holder's DIDAuth).
    """
    proof = create_proof(document, signer=signer, created=created, loader=loader,
                         verification_method=verification_method, proof_purpose=proof_purpose,
                         cryptosuite=cryptosuite, proof_id=proof_id, previous_proof=previous_proof,
                         challenge=challenge, domain=domain)
    signed: JsonObject = _copy_tree(document)  # the one copy: the existing proofs inside it are copies too
    signed["proof"] = [*_proofs(signed), proof]
    return signed


def previous_proofs(previous: object, all_proofs: list[Any]) -> list[Any]:
    """DI §4.3 step 4 / §4.4 step 4.2: the proofs ``previousProof`` names, each of which must exist."""
    names = [previous] if isinstance(previous, str) else previous
    if not isinstance(names, list) or not names or not all(isinstance(n, str) and n for n in names):
        raise ProofError("previousProof must be a proof id or a list of proof ids")
    matching = []
    for name in names:
        found = next((p for p in all_proofs if isinstance(p, dict) and p.get("id") == name), None)
        if found is None:
            raise ProofError(f"previousProof names {name!r}, but the document has no proof with that id",
                             previous_proof=name)
        matching.append(found)
    return matching


def create_proof(document: JsonObject, *, signer: Ed25519Signer, created: datetime,
                 loader: DocumentLoader = load_document, verification_method: str | None = None,
                 proof_purpose: str = "assertionMethod", cryptosuite: str = "eddsa-rdfc-2022",
                 proof_id: str | None = None, previous_proof: str | list[str] | None = None,
                 challenge: str | None = None, domain: str | None = None) -> JsonObject:
    """The proof ``sign`` appends, with the same checks, without copying ``document``.

    For a caller that owns a freshly built document without proofs (an award):
    ``{**document, "proof": [create_proof(document, …)]}`` is ``sign(document, …)``. Neither the
    term check nor canonicalization modifies its input, so no defensive copy is needed here.
    """
    if not isinstance(document, dict) or "@context" not in document:
        raise JsonLdError("only a JSON-LD object with an @context can be signed")
    if cryptosuite != EddsaRdfc2022.cryptosuite:
        raise UnsupportedSuite(f"cannot sign with {cryptosuite!r}; only eddsa-rdfc-2022 is supported")
    unsecured = _unsecured(document)
    if previous_proof is not None:
        unsecured["proof"] = previous_proofs(previous_proof, _proofs(document))
    suite = EddsaRdfc2022(loader=loader)
    # EDDSA §3.2.1 step by step, each canonicalization also being the term check (checked=True):
    # one expansion per document instead of check_terms' and canonicalization's two.
    transformed = suite.transformation(unsecured, checked=True)
    options: JsonObject = {"type": EddsaRdfc2022.proof_type, "cryptosuite": cryptosuite,
               "created": format_datetime(created),
               "verificationMethod": verification_method or signer.verification_method,
               "proofPurpose": proof_purpose}
    if proof_id is not None:
        options = {"id": proof_id, **options}
    if previous_proof is not None:
        options["previousProof"] = previous_proof
    if challenge is not None:
        options["challenge"] = challenge
    if domain is not None:
        options["domain"] = domain
    try:
        canonical_proof_config = suite.proof_configuration(unsecured, options, checked=True)
    except UndefinedTerm as exc:
        raise UndefinedTerm([f"proof.{term}" for term in exc.terms]) from None
    hash_data = suite.hashing(transformed, canonical_proof_config)
    return {**options, "proofValue": multibase_encode(suite.proof_serialization(hash_data, signer))}


def _check_one(index: int, proof: object, document: JsonObject, unsecured: JsonObject, *, all_proofs: list[Any],
               resolver: KeyResolver, purpose: AssertionMethodPurpose, loader: DocumentLoader,
               transformed: str | None) -> ProofCheck:
    if not isinstance(proof, dict):
        return ProofCheck(index, None, None, None, False, error=ProofError("a proof must be a JSON object"))
    vm_id = proof.get("verificationMethod")
    vm_id = vm_id.get("id") if isinstance(vm_id, dict) else vm_id
    proof_type, cryptosuite = proof.get("type"), proof.get("cryptosuite")
    method, binding = None, None
    try:
        for name in ("type", "verificationMethod", "proofPurpose", "proofValue"):
            if name not in proof:
                raise ProofError(f"the proof has no {name}")
        if not isinstance(vm_id, str):
            raise ProofError("verificationMethod must be a URL")
        signed_over = unsecured
        if "previousProof" in proof:  # a chain: signed over the document with the proofs it names
            signed_over = {**unsecured, "proof": previous_proofs(proof["previousProof"], all_proofs)}
            transformed = None
        suite = suite_for(proof, loader=loader)
        purpose.check_proof(proof)
        suite.decode_proof_value(proof["proofValue"])
        method = resolver.resolve(vm_id)
        try:
            warnings = purpose.check_method(document, method)
        except ProofPurposeError as exc:
            if "controller" not in exc.details:
                raise
            # Someone else's key: acceptable in a proof set (the verdict needs one issuer proof),
            # but its own controller must still list it for this purpose.
            binding, warnings = exc, []
            if method.relationships is not None and purpose.expected not in method.relationships:
                raise ProofPurposeError(
                    f"verification method {method.id!r} is not listed under {purpose.expected} by its controller",
                    verification_method=method.id) from None
        try:
            suite.verify_proof(signed_over, proof, method.public_key, transformed=transformed)
        except BadgeError:
            if binding is not None:  # a stranger's key that does not verify either: the key is the story
                raise binding from None
            raise
    except BadgeError as exc:
        return ProofCheck(index, proof_type, cryptosuite, vm_id, False, method, exc)
    except Exception as exc:  # never let a hostile document turn into a traceback
        return ProofCheck(index, proof_type, cryptosuite, vm_id, False, method,
                          ProofError(f"the proof could not be processed: {type(exc).__name__}"))
    if method.source == "fragment":
        warnings.append(f"the key was taken from the verification method URL {vm_id}; the controller's "
                        "own document did not confirm it")
    return ProofCheck(index, proof_type, cryptosuite, vm_id, True, method, None, tuple(warnings), binding)


def verify_proof(document: JsonObject, *, resolver: KeyResolver, now: datetime,
                 loader: DocumentLoader = load_document,
                 expected_purpose: str = "assertionMethod", strict_did_key: bool = False,
                 transformed: str | None = None) -> ProofResult:
    """Verify every embedded proof (DI §4.4 for sets and chains): the document is verified when
    all of them verify and at least one is the issuer's.

    ``strict_did_key`` also refuses a did:key that is not the issuer id (see
    ``AssertionMethodPurpose.check_method``; by default that passes with a warning).
    ``transformed`` is ``canonize`` of ``document`` without its ``proof``, for a caller that
    already has it from the same object (``badges.jsonld.check_terms_unsecured``); None = compute.
    """
    purpose = AssertionMethodPurpose(expected=expected_purpose, now=now, strict_did_key=strict_did_key)
    if not isinstance(document, dict):
        return ProofResult(False, error=ProofError("the document is not a JSON object"))
    proofs = _proofs(document)
    if not proofs:
        return ProofResult(False, error=ProofError("the document has no proof"))
    unsecured = _unsecured(document)
    checks = [_check_one(i, p, document, unsecured, all_proofs=proofs, resolver=resolver, purpose=purpose,
                         loader=loader, transformed=transformed) for i, p in enumerate(proofs)]
    failed = next((c for c in checks if not c.verified), None)
    if failed is not None:
        error = failed.error
        bound = next((c for c in checks if c.verified and c.binding_error is None), None)
        return ProofResult(False, checks, (bound or failed).verification_method, error)
    primary = next((c for c in checks if c.binding_error is None), None)
    if primary is None:  # every signature is good, but none is the issuer's
        return ProofResult(False, checks, checks[0].verification_method, checks[0].binding_error)
    return ProofResult(True, checks, primary.verification_method, None)
