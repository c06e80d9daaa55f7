"""The verification report: named checks, each with a plain-language message and a problem type.

Shapes follow VC-API's VerificationResult (``verified``, per-check results, problem details) so
the verifier service can serialise ``to_dict()`` as is; the messages are written for a person
who has never heard of a JSON-LD context (an admissions officer reading a student's badge).
"""
from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from badges.errors import PROBLEM_BASE
from badges.json_types import JsonObject

__all__ = ["CheckId", "CheckResult", "Outcome", "VerificationReport", "problem_uri"]

Outcome = Literal["pass", "fail", "warn", "skip"]
OUTCOMES: frozenset[str] = frozenset({"pass", "fail", "warn", "skip"})


class CheckId(str, enum.Enum):
    PARSE = "parse"
    CONTEXT = "context"
    TERMS = "terms"
    SCHEMA = "schema"
    SUBJECT = "subject"
    PROOF = "proof"
    ISSUER_KEY = "issuer_key"
    VALIDITY = "validity"
    STATUS = "status"
    RUBRIC = "rubric"
    ENDORSEMENTS = "endorsements"
    NESTED = "nested"
    TRUST = "trust"

    def __str__(self) -> str:
        return self.value


def problem_uri(problem_type: str | None) -> str | None:
    """Our error tails become full RFC 9457 type URIs; W3C ones (already URIs) stay as they are."""
    if problem_type is None or "://" in problem_type:
        return problem_type
    return PROBLEM_BASE + problem_type


@dataclass(frozen=True, slots=True)
class CheckResult:
    id: CheckId
    outcome: Outcome
    message: str
    details: Mapping[str, Any] = field(default_factory=dict)
    problem_type: str | None = None

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {sorted(OUTCOMES)}, not {self.outcome!r}")
        if type(self.id) is not CheckId:
            object.__setattr__(self, "id", CheckId(self.id))
        object.__setattr__(self, "problem_type", problem_uri(self.problem_type))

    @classmethod
    def passed(cls, id: CheckId, message: str, /, **details: Any) -> CheckResult:
        return cls(id, "pass", message, details)

    @classmethod
    def failed(cls, id: CheckId, message: str, problem_type: str, /, **details: Any) -> CheckResult:
        return cls(id, "fail", message, details, problem_type)

    @classmethod
    def warning(cls, id: CheckId, message: str, problem_type: str, /, **details: Any) -> CheckResult:
        return cls(id, "warn", message, details, problem_type)

    @classmethod
    def skipped(cls, id: CheckId, message: str, /, **details: Any) -> CheckResult:
        return cls(id, "skip", message, details)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id.value, "outcome": self.outcome, "message": self.message,
                "details": dict(self.details), "problemType": self.problem_type}


@dataclass(frozen=True, slots=True)
class VerificationReport:
    """``verified`` is true exactly when no check failed; warnings and skips do not count."""

    verified: bool
    checks: tuple[CheckResult, ...]
    credential: Mapping[str, Any]
    format: str | None
    nested: tuple[VerificationReport, ...] = ()
    # The credential as parsed (the JWT payload's credential for VC-JWT), for callers that
    # display or return it; never serialised by to_dict() unless asked.
    document: JsonObject | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_checks(cls, checks: list[CheckResult], *, credential: Mapping[str, Any], format: str | None,
                    nested: tuple[VerificationReport, ...] = (),
                    document: JsonObject | None = None) -> VerificationReport:
        verified = bool(checks) and all(check.outcome != "fail" for check in checks)
        return cls(verified, tuple(checks), credential, format, nested, document)

    def check(self, id: CheckId | str) -> CheckResult | None:
        wanted = CheckId(id)
        return next((c for c in self.checks if c.id is wanted), None)

    def failed(self, id: CheckId | str) -> bool:
        found = self.check(id)
        return found is not None and found.outcome == "fail"

    @property
    def failures(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if c.outcome == "fail")

    @property
    def warnings(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if c.outcome == "warn")

    def to_dict(self, *, include_document: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "verified": self.verified,
            "format": self.format,
            "credential": dict(self.credential),
            "checks": [c.to_dict() for c in self.checks],
            "nested": [n.to_dict(include_document=include_document) for n in self.nested],
        }
        if include_document:
            out["document"] = self.document
        return out
