"""Errors of the platform half (tenancy, keys, accounts, status, VC-API).

Same shape as ``learning_errors``: ``status_code``, ``problem_type``, ``title``, ``to_problem``;
``issuer.web.errors`` maps both trees and the engine's ``BadgeError`` tree in one table::

    PlatformError                  400
    ├── BadRequest                 400      a request the VC data model or the API forbids
    ├── Unprocessable              422      well-formed but unusable (undefined terms, schema)
    ├── Unauthenticated            401      no or bad credentials
    ├── PermissionDenied           403      authenticated, but the role may not do this
    ├── NotFound                   404      unknown, or not visible to the caller
    ├── Conflict                   409      the current state forbids the step
    └── TooManyRequests            429      login rate limit (``retry_after`` seconds)
"""
from __future__ import annotations

from typing import Any

PROBLEM_BASE = "https://openbadges.school/problems/"


class PlatformError(Exception):
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


class BadRequest(PlatformError):
    pass


class Unprocessable(PlatformError):
    status_code = 422
    problem_type = "unprocessable"
    title = "Unprocessable content"


class Unauthenticated(PlatformError):
    status_code = 401
    problem_type = "unauthenticated"
    title = "Authentication required"


class PermissionDenied(PlatformError):
    status_code = 403
    problem_type = "forbidden"
    title = "Forbidden"


class NotFound(PlatformError):
    status_code = 404
    problem_type = "not-found"
    title = "Not found"


class Conflict(PlatformError):
    status_code = 409
    problem_type = "conflict"
    title = "Conflict"


class TooManyRequests(PlatformError):
    status_code = 429
    problem_type = "too-many-requests"
    title = "Too many requests"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, retryAfter=retry_after)
        self.retry_after = retry_after
