"""Every error the verifier's HTTP layer returns, mapped in one place to RFC 9457 problem details.

A request that cannot be verified at all (malformed JSON, an image without a badge, a PDF
without a credential, an unsafe link, a body that is too large or too deep) is a 4xx problem.
A credential that was read but fails a check is not an error: it is a 422 verification result.
"""
from __future__ import annotations

import logging
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from badges.errors import PROBLEM_BASE, BadgeError
from badges.verification import CheckId, VerificationReport
from verifier.dto import ProblemDetail, ProblemOut, VerifyResult, result_from_report
from verifier.service import InputError

__all__ = ["MalformedCredential", "PROBLEM_MEDIA_TYPE", "problem_for", "problem_handler", "problem_response"]

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("verifier")


class MalformedCredential(InputError):
    """The input was read but is not a credential at all (the parse check failed)."""

    title = "This is not a readable credential"

    def __init__(self, report: VerificationReport, **extra: Any) -> None:
        parse = report.check(CheckId.PARSE)
        super().__init__(parse.message if parse else "The input could not be read.", **extra)
        self.report = report
        tail = (parse.problem_type or "").rsplit("/", 1)[-1] if parse else ""
        self.problem_type = tail or "parse-error"
        self.status = 413 if tail == "too-large" else 400


def _uri(tail: str) -> str:
    return tail if "://" in tail else PROBLEM_BASE + tail


def problem_for(exc: BaseException) -> ProblemOut:
    """The one table: exception → problem details."""
    if isinstance(exc, MalformedCredential):
        report: VerifyResult = result_from_report(exc.report, **exc.extra)
        return ProblemOut(type=_uri(exc.problem_type), title=exc.title, status=exc.status, detail=exc.detail,
                          errors=report.errors, report=report)
    if isinstance(exc, InputError):
        return ProblemOut(type=_uri(exc.problem_type), title=exc.title, status=exc.status, detail=exc.detail,
                          errors=[ProblemDetail(type=_uri(exc.problem_type), title=exc.title, detail=exc.detail)])
    if isinstance(exc, ValidationException):
        extra = exc.extra if isinstance(exc.extra, list) else []
        detail = "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in extra) or exc.detail
        return ProblemOut(type=_uri("malformed-request"), title="The request is malformed", status=400,
                          detail=str(detail)[:2000])
    if isinstance(exc, HTTPException):
        status = exc.status_code
        if status == 413:
            return ProblemOut(type=_uri("too-large"), title="The request is too large", status=413,
                              detail=str(exc.detail))
        return ProblemOut(type="about:blank", title=str(exc.detail) or "HTTP error", status=status,
                          detail=str(exc.detail))
    if isinstance(exc, RecursionError):
        return ProblemOut(type=_uri("too-deep"), title="The request is nested too deeply", status=400,
                          detail="The JSON is nested too deeply to be a credential.")
    if isinstance(exc, (msgspec.DecodeError, UnicodeDecodeError)):
        return ProblemOut(type=_uri("malformed-request"), title="The request is malformed", status=400,
                          detail=f"The body could not be decoded: {exc}"[:500])
    if isinstance(exc, BadgeError):
        return ProblemOut(type=exc.type_uri, title="The credential could not be processed", status=422,
                          detail=exc.message)
    return ProblemOut(type=_uri("internal-error"), title="Internal error", status=500,
                      detail="The verifier failed unexpectedly; nothing was verified.")


def problem_response(exc: BaseException) -> Response[Any]:
    problem = problem_for(exc)
    if problem.status >= 500:
        log.error("verifier error", exc_info=exc)
    headers = None
    if isinstance(exc, HTTPException) and exc.headers:
        allow = {k.lower(): v for k, v in exc.headers.items()}.get("allow")
        headers = {"Allow": allow} if allow else None  # a 405 says what is allowed
    return Response(content=msgspec.json.encode(problem), status_code=problem.status,
                    media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def problem_handler(_request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    cause: BaseException = exc
    # Decoding errors raised while Litestar reads the body arrive wrapped.
    while not isinstance(cause, (InputError, RecursionError, msgspec.DecodeError)) and cause.__cause__ is not None:
        if isinstance(cause, HTTPException) and cause.status_code < 500:
            break
        cause = cause.__cause__
    return problem_response(cause)
