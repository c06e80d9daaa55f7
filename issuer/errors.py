"""The base of the issuing service's own errors.

Every service error carries ``status_code``, ``problem_type`` and ``title``, so the one error
map (``issuer.web.errors``) turns any of them into RFC 9457 problem details without knowing the
class. The two families below it are drawn in their modules::

    IssuerError
    ├── PlatformError   (issuer.services.platform_errors: tenancy, keys, accounts, status, VC-API)
    └── LearningError   (issuer.services.learning_errors: frameworks, evidence, reviews, awards)
"""
from __future__ import annotations

from typing import Any

from badges.errors import PROBLEM_BASE

__all__ = ["PROBLEM_BASE", "IssuerError"]


class IssuerError(Exception):
    status_code = 400
    problem_type = "bad-request"
    title = "Bad request"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    @property
    def type_uri(self) -> str:
        return PROBLEM_BASE + self.problem_type

    def to_problem(self, instance: str | None = None) -> dict:
        body = {"type": self.type_uri, "title": self.title, "status": self.status_code,
                "detail": self.message}
        if instance:
            body["instance"] = instance
        body.update({k: v for k, v in self.details.items() if k not in body})
        return body
