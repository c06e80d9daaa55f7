"""HTTP bodies of the verifier (msgspec, camelCase), so the OpenAPI document describes them fully.

Shapes follow VC-API / VCALM: a request is ``{verifiableCredential, options}``; a result has
``verified``, ``checks`` (the names of the checks that passed), ``warnings`` and ``errors`` as
problem details. ``results`` adds every named check with its outcome and plain-language message.
"""
from __future__ import annotations

from typing import Any

import msgspec

from badges.record_content import PDF_NOTICE
from badges.verification import CheckResult, VerificationReport

__all__ = [
    "CheckOut",
    "PresentationResult",
    "ProblemDetail",
    "ProblemOut",
    "VerifyCredentialRequest",
    "VerifyOptions",
    "VerifyPresentationRequest",
    "VerifyResult",
    "result_from_report",
]


class _Base(msgspec.Struct, kw_only=True, omit_defaults=True, rename="camel"):
    pass


class VerifyOptions(_Base, forbid_unknown_fields=False):
    """VCALM options; unknown options (the W3C suites send ``checks``) are accepted and ignored."""

    checks: list[str] | None = None
    return_results: bool | None = None
    return_problem_details: bool | None = None
    return_credential: bool | None = None
    challenge: str | None = None
    domain: str | None = None


class VerifyCredentialRequest(_Base):
    # An embedded-proof credential (object) or a VC-JWT (compact JWS string).
    verifiable_credential: dict[str, Any] | str
    options: VerifyOptions | None = None


class VerifyPresentationRequest(_Base):
    verifiable_presentation: dict[str, Any] | str
    options: VerifyOptions | None = None


class ProblemDetail(_Base):
    """RFC 9457 problem details, as VC-API returns them inside a result."""

    type: str
    title: str
    detail: str = ""
    check: str | None = None


class CheckOut(_Base):
    id: str
    outcome: str  # pass | fail | warn | skip
    message: str
    details: dict[str, Any] = {}
    problem_type: str | None = None


class VerifyResult(_Base, omit_defaults=False):
    verified: bool
    checks: list[str]
    warnings: list[ProblemDetail]
    errors: list[ProblemDetail]
    problem_details: list[ProblemDetail]
    results: list[CheckOut]
    credential: dict[str, Any]
    format: str | None = None
    nested: list[VerifyResult] = []
    checked_at: str | None = None
    # True when this answer is a recent verification of byte-identical input (see checkedAt).
    cached: bool = False
    source: str | None = None
    url: str | None = None
    verifiable_credential: dict[str, Any] | None = None
    # For a transcript PDF: only the attached record was verified, never the printed pages.
    notice: str | None = None


class PresentationResult(_Base, omit_defaults=False):
    verified: bool
    checks: list[str]
    warnings: list[ProblemDetail]
    errors: list[ProblemDetail]
    problem_details: list[ProblemDetail]
    presentation_results: list[CheckOut]
    credential_results: list[VerifyResult]


class ProblemOut(_Base):
    """An error response (application/problem+json)."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[ProblemDetail] = []
    report: VerifyResult | None = None


_TITLES = {"fail": "Check failed", "warn": "Check passed with a warning"}


def _problem(check: CheckResult) -> ProblemDetail:
    return ProblemDetail(type=check.problem_type or "about:blank",
                         title=f"{check.id.value}: {_TITLES.get(check.outcome, check.outcome)}",
                         detail=check.message, check=check.id.value)


def result_from_report(report: VerificationReport, *, checked_at: str | None = None, source: str | None = None,
                       url: str | None = None, include_credential: bool = False, cached: bool = False) -> VerifyResult:
    errors = [_problem(c) for c in report.checks if c.outcome == "fail"]
    return VerifyResult(
        verified=report.verified,
        checks=[c.id.value for c in report.checks if c.outcome == "pass"],
        warnings=[_problem(c) for c in report.checks if c.outcome == "warn"],
        errors=errors,
        problem_details=errors,
        results=[CheckOut(id=c.id.value, outcome=c.outcome, message=c.message, details=dict(c.details),
                          problem_type=c.problem_type) for c in report.checks],
        credential=dict(report.credential),
        format=report.format,
        nested=[result_from_report(n) for n in report.nested],
        checked_at=checked_at,
        cached=cached,
        source=source,
        url=url,
        verifiable_credential=report.document if include_credential else None,
        notice=PDF_NOTICE if source == "pdf" else None,
    )
