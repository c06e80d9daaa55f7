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

from issuer.errors import IssuerError


class PlatformError(IssuerError):
    """The platform half's errors (see the tree above)."""


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
