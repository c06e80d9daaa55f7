"""VC-API ``POST /presentations/verify``: every credential a VerifiablePresentation carries is
verified on its own (the full pipeline), and the presentation's own proof when it has one.

The presentation's own shape is checked first, signed or not (VCDM 2.0 §4.3, §4.5, §4.13): its
first ``@context`` is the VC base context (v2; v1 for a VC 1.1 presentation), its ``type``
includes ``VerifiablePresentation``, an ``id`` is a URL. ``verifiableCredential`` is optional
(§4.13), so a presentation without credentials is verified when its own checks pass.

The presentation proof is a holder's ``authentication`` proof (VCDM §4.13, DI §4.4): the same
eddsa-rdfc-2022 suite, but the key must belong to the ``holder`` (when named) rather than to an
issuer, and a ``challenge``/``domain`` given in the options must match the proof's.
"""
from __future__ import annotations

import re
from typing import Any

import anyio

from badges.errors import BadgeError, ProofError
from badges.json_types import JsonObject
from badges.jsonld import VC_V1, VC_V2, load_document
from badges.signing.proofs import previous_proofs
from badges.signing.resolve import KeyResolver
from badges.signing.suites import suite_for
from verifier.budget import BudgetExceeded, run_with_budget
from verifier.dto import CheckOut, PresentationResult, ProblemDetail, VerifyResult, result_from_report
from verifier.service import InputError, VerifierService, vcapi_document

__all__ = ["verify_presentation"]

MAX_CREDENTIALS = 50
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


def _check_presentation_proof(presentation: JsonObject, *, resolver: KeyResolver, challenge: str | None,
                              domain: str | None) -> CheckOut:
    proofs = presentation.get("proof")
    proofs = [] if proofs is None else proofs if isinstance(proofs, list) else [proofs]
    if not proofs:
        return CheckOut(id="presentation_proof", outcome="skip",
                        message="The presentation itself is not signed; each credential was checked on its own.")
    unsecured = {k: v for k, v in presentation.items() if k != "proof"}
    holder = presentation.get("holder")
    holder = holder.get("id") if isinstance(holder, dict) else holder
    reasons = []
    # DI §4.4: every proof of a set must verify (a good one must not hide a tampered one), and a
    # chained proof is verified over the proofs its previousProof names.
    for n, proof in enumerate(proofs, 1):
        try:
            if not isinstance(proof, dict):
                raise ProofError("a proof must be a JSON object")
            if proof.get("proofPurpose") != "authentication":
                raise ProofError(f"proofPurpose is {proof.get('proofPurpose')!r}, expected 'authentication'")
            if challenge is not None and proof.get("challenge") != challenge:
                raise ProofError("the proof's challenge does not match")
            if domain is not None and proof.get("domain") != domain:
                raise ProofError("the proof's domain does not match")
            vm_id = proof.get("verificationMethod")
            vm_id = vm_id.get("id") if isinstance(vm_id, dict) else vm_id
            if not isinstance(vm_id, str):
                raise ProofError("verificationMethod must be a URL")
            signed_over = unsecured
            if "previousProof" in proof:
                signed_over = {**unsecured, "proof": previous_proofs(proof["previousProof"], proofs)}
            suite = suite_for(proof, loader=load_document)
            suite.decode_proof_value(proof.get("proofValue"))
            method = resolver.resolve(vm_id)
            if isinstance(holder, str) and method.controller != holder:
                raise ProofError(f"the key belongs to {method.controller}, not to the holder {holder}")
            suite.verify_proof(signed_over, proof, method.public_key)
        except BadgeError as exc:
            reasons.append(f"proof {n}: {exc.message}" if len(proofs) > 1 else exc.message)
        except Exception as exc:  # a hostile presentation never becomes a traceback
            reasons.append(f"the proof could not be processed ({type(exc).__name__})")
    if not reasons:
        return CheckOut(id="presentation_proof", outcome="pass",
                        message="The presentation was signed by its holder and has not been changed.")
    return CheckOut(id="presentation_proof", outcome="fail", problem_type="https://openbadges.school/problems/proof-error",
                    message=f"The presentation's signature does not verify ({'; '.join(reasons)}).")


def check_shape(presentation: object) -> JsonObject:
    """The presentation's own data model rules; ``InputError`` (400) names the first one broken."""
    if not isinstance(presentation, dict):
        raise InputError("Only presentations with embedded proofs (JSON objects) are accepted here.")
    context = presentation.get("@context")
    contexts = context if isinstance(context, list) else [] if context is None else [context]
    if not contexts:
        raise InputError("The presentation has no @context (VCDM §4.3 requires one).")
    if contexts[0] not in (VC_V2, VC_V1):
        raise InputError(f"The presentation's first @context must be {VC_V2}, not {contexts[0]!r} (VCDM §4.3).")
    types = presentation.get("type")
    types = types if isinstance(types, list) else [types]
    if "VerifiablePresentation" not in types:
        raise InputError("This is not a VerifiablePresentation (its type does not say so).")
    if not all(isinstance(t, str) and t for t in types):
        raise InputError("The presentation's type must be a string or a list of strings.")
    if "id" in presentation and not (isinstance(presentation["id"], str) and _URL.match(presentation["id"])):
        raise InputError("The presentation's id must be a URL (VCDM §4.4).")
    return presentation


async def verify_presentation(service: VerifierService, presentation: JsonObject | str, *, challenge: str | None = None,
                              domain: str | None = None) -> PresentationResult:
    presentation = check_shape(presentation)
    credentials = presentation.get("verifiableCredential")
    credentials = [] if credentials is None else credentials if isinstance(credentials, list) else [credentials]
    if len(credentials) > MAX_CREDENTIALS:
        raise InputError(f"A presentation may carry at most {MAX_CREDENTIALS} credentials here.")
    try:
        proof_check = await run_with_budget(
            lambda: _check_presentation_proof(presentation, resolver=service.resolver, challenge=challenge,
                                              domain=domain), budget=service.config.time_budget)
    except BudgetExceeded:
        proof_check = CheckOut(id="presentation_proof", outcome="fail",
                               problem_type="https://openbadges.school/problems/time-budget-exceeded",
                               message="The presentation's signature could not be checked in time.")
    results: list[VerifyResult | None] = [None] * len(credentials)

    async def one(index: int, credential: Any) -> None:
        try:
            verification = await service.verify(vcapi_document(credential, "each verifiableCredential"),
                                                 allow_url=False)
        except InputError as exc:
            problem = ProblemDetail(type=f"https://openbadges.school/problems/{exc.problem_type}", title=exc.title,
                                    detail=exc.detail, check="parse")
            results[index] = VerifyResult(verified=False, checks=[], warnings=[], errors=[problem],
                                          problem_details=[problem], results=[], credential={})
            return
        results[index] = result_from_report(verification.report,
                                            checked_at=verification.checked_at.isoformat().replace("+00:00", "Z"))

    async with anyio.create_task_group() as group:
        for index, credential in enumerate(credentials):
            group.start_soon(one, index, credential)
    credential_results = [r for r in results if r is not None]
    errors = []
    if proof_check.outcome == "fail":
        errors.append(ProblemDetail(type=proof_check.problem_type or "about:blank", title="presentation_proof",
                                    detail=proof_check.message, check="presentation_proof"))
    for n, result in enumerate(credential_results):
        errors.extend(ProblemDetail(type=e.type, title=f"credential {n}: {e.title}", detail=e.detail, check=e.check)
                      for e in result.errors)
    verified = not errors
    return PresentationResult(
        verified=verified,
        checks=(["presentation_proof"] if proof_check.outcome == "pass" else [])
        + (["credentials"] if verified and credentials else []),
        warnings=[w for r in credential_results for w in r.warnings],
        errors=errors, problem_details=errors, presentation_results=[proof_check],
        credential_results=credential_results)
