"""The issuing service's errors: one tree, one problem-details map.

Every error carries ``status_code``, ``problem_type`` and ``title``, so the one error map
(``issuer.web.errors``) turns any of them, and the engine's ``BadgeError`` tree, into RFC 9457
problem details without knowing the class::

    IssuerError                    400      the base: catch this to catch them all
    ├── BadRequest                 400      a request the VC data model or the API forbids
    ├── InvalidInput               422      a field, file or CSV row that cannot be used
    │   ├── FileTooLarge           413
    │   └── UnsupportedMediaType   415
    ├── Unprocessable              422      well-formed but unusable (undefined terms, schema)
    ├── Unauthenticated            401      no or bad credentials
    ├── Forbidden                  403      authenticated, but the role may not do this
    ├── NotFound                   404      unknown, or not visible to the caller
    ├── Conflict                   409      the current state forbids the step
    ├── LinkExpired                410      a single-use link used, expired or unknown
    └── TooManyRequests            429      login rate limit (``retry_after`` seconds)
"""
from __future__ import annotations

from typing import Any

from badges.errors import PROBLEM_BASE

__all__ = ["PROBLEM_BASE", "IssuerError", "BadRequest", "InvalidInput", "FileTooLarge", "UnsupportedMediaType",
           "Unprocessable", "Unauthenticated", "Forbidden", "NotFound", "Conflict", "LinkExpired", "TooManyRequests"]


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

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.type_uri, "title": self.title, "status": self.status_code,
                                "detail": self.message}
        if instance:
            body["instance"] = instance
        body.update({k: v for k, v in self.details.items() if k not in body})
        return body


class BadRequest(IssuerError):
    pass


class InvalidInput(IssuerError):
    status_code = 422
    problem_type = "invalid-input"
    title = "Invalid input"


class FileTooLarge(InvalidInput):
    status_code = 413
    problem_type = "file-too-large"
    title = "File too large"


class UnsupportedMediaType(InvalidInput):
    status_code = 415
    problem_type = "unsupported-media-type"
    title = "Unsupported media type"


class Unprocessable(IssuerError):
    status_code = 422
    problem_type = "unprocessable"
    title = "Unprocessable content"


class Unauthenticated(IssuerError):
    status_code = 401
    problem_type = "unauthenticated"
    title = "Authentication required"


class Forbidden(IssuerError):
    status_code = 403
    problem_type = "forbidden"
    title = "Forbidden"


class NotFound(IssuerError):
    status_code = 404
    problem_type = "not-found"
    title = "Not found"


class Conflict(IssuerError):
    status_code = 409
    problem_type = "conflict"
    title = "Conflict"


class LinkExpired(IssuerError):
    status_code = 410
    problem_type = "link-expired"
    title = "Link expired or already used"


class TooManyRequests(IssuerError):
    status_code = 429
    problem_type = "too-many-requests"
    title = "Too many requests"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, retryAfter=retry_after)
        self.retry_after = retry_after
