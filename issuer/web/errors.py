"""The one map from exceptions to HTTP responses: RFC 9457 problem details.

``PROBLEM_STATUS`` is the table for the engine's ``BadgeError`` tree and the few library
exceptions we translate; service errors (``issuer.errors.IssuerError`` and its two families) carry
their own ``status_code`` and ``to_problem()``. Anything else is a bug: it is logged with its
traceback and answered with a bare 500 that reveals nothing.
"""
from __future__ import annotations

import logging
from typing import Any, cast
from urllib.parse import quote

import asyncpg.exceptions as pg_errors
from asyncpg.exceptions import _base as pg_base
from litestar import Request, Response
from litestar.exceptions import HTTPException, SerializationException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ExceptionHandlersMap

from badges import errors as be
from issuer.errors import PROBLEM_BASE
from issuer.schools.kek import KeyStoreError
from issuer.settings import SettingsError

log = logging.getLogger("issuer.web")

PROBLEM_JSON = "application/problem+json"

# exception class → (HTTP status, title). Looked up along the exception's MRO, so the most
# specific entry wins. 422: the request was understood but its content cannot be used.
PROBLEM_STATUS: dict[type[BaseException], tuple[int, str]] = {
    be.ContextNotAllowed: (422, "Unsupported @context"),
    be.UndefinedTerm: (422, "Undefined term"),
    be.RelativeIri: (422, "Relative IRI"),
    be.JsonLdError: (422, "Invalid JSON-LD"),
    be.SchemaError: (422, "Schema validation failed"),
    be.ModelError: (422, "Invalid Open Badges data"),
    be.KeyFormatError: (400, "Invalid key"),
    be.InvalidSignature: (422, "Invalid signature"),
    be.ProofError: (422, "Proof error"),
    be.ResolutionError: (422, "Cannot resolve"),
    be.StatusListError: (422, "Status list error"),
    be.BakeError: (422, "Cannot bake or unbake"),
    be.RubricError: (422, "Rubric error"),
    be.BadgeError: (422, "Invalid credential"),
    # The request itself is unusable: a body that is not JSON (``request.json()`` in a handler),
    # or one nested so deep that decoding it exhausts the recursion limit (msgspec and json
    # raise RecursionError before any handler code has run, so nothing was written).
    SerializationException: (400, "Malformed JSON"),
    RecursionError: (400, "Input nested too deeply"),
    # A safety net behind the DTO bounds: a value the database cannot hold (PostgreSQL data
    # exceptions, SQLSTATE class 22: too long for a Varchar, out of an integer's range; asyncpg's
    # own encoding check; SQLite's integer overflow) came from the request. Logged with a warning,
    # since a value we built ourselves would be a bug to fix at its source.
    pg_errors.DataError: (400, "Value out of range"),
    pg_base.DataError: (400, "Value out of range"),
    OverflowError: (400, "Value out of range"),
    # Internal failures: logged, never detailed to the client.
    KeyStoreError: (500, "Internal server error"),
    SettingsError: (500, "Internal server error"),
}


# A fixed sentence where the exception's own text would describe our internals.
_CLIENT_DETAIL: dict[type[BaseException], str] = {
    RecursionError: "the request nests arrays or objects too deeply",
    SerializationException: "the request body is not valid JSON",
    pg_errors.DataError: "a value in the request is too long or out of range",
    pg_base.DataError: "a value in the request is too long or out of range",
    OverflowError: "a number in the request is out of range",
}
_NET = (pg_errors.DataError, pg_base.DataError, OverflowError)


def _lookup(exc: BaseException) -> tuple[int, str] | None:
    for cls in type(exc).__mro__:
        if cls in PROBLEM_STATUS:
            return PROBLEM_STATUS[cls]
    return None


def _internal(request: Request, exc: BaseException) -> tuple[int, dict, dict]:
    log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path,
              exc_info=(type(exc), exc, exc.__traceback__))
    return 500, {"type": PROBLEM_BASE + "internal", "title": "Internal server error", "status": 500,
                 "detail": "An unexpected error occurred; it has been logged."}, {}


def problem_for(request: Request, exc: BaseException) -> tuple[int, dict[str, Any], dict[str, str]]:
    """(status, problem body, extra headers) for any exception."""
    instance = request.url.path
    headers: dict[str, str] = {}
    if hasattr(exc, "status_code") and callable(getattr(exc, "to_problem", None)):
        status = int(exc.status_code)
        body = cast(Any, exc).to_problem(instance)
        if retry := getattr(exc, "retry_after", None):
            headers["Retry-After"] = str(retry)
        if status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="badges"'
        return status, body, headers
    if isinstance(exc, be.BadgeError):
        status, title = _lookup(exc) or (422, "Invalid credential")
        details = {k: v for k, v in exc.details.items() if isinstance(v, (str, int, float, bool, list))}
        body = {"type": exc.type_uri, "title": title, "status": status, "detail": exc.message,
                "instance": instance, **details}
        return status, body, headers
    if isinstance(exc, ValidationException):
        extra = exc.extra if isinstance(exc.extra, list) else [exc.extra] if exc.extra else []
        body = {"type": PROBLEM_BASE + "invalid-request", "title": "Invalid request", "status": 400,
                "detail": exc.detail or "the request body or parameters are not valid",
                "instance": instance, "errors": extra}
        return 400, body, headers
    if isinstance(exc, HTTPException):
        status = exc.status_code
        if status >= 500:
            return _internal(request, exc)
        title = {404: "Not found", 405: "Method not allowed", 401: "Authentication required",
                 403: "Forbidden", 413: "Content too large", 415: "Unsupported media type"}.get(status, "Error")
        body = {"type": PROBLEM_BASE + ("not-found" if status == 404 else f"http-{status}"), "title": title,
                "status": status, "detail": exc.detail, "instance": instance}
        headers.update(exc.headers or {})
        return status, body, headers
    mapped = _lookup(exc)
    if mapped is None or mapped[0] >= 500:
        return _internal(request, exc)
    status, title = mapped
    if isinstance(exc, _NET):
        log.warning("%s on %s %s answered 400 (an input bound is missing?)", type(exc).__name__, request.method,
                    request.url.path, exc_info=(type(exc), exc, exc.__traceback__))
    detail = next((text for cls, text in _CLIENT_DETAIL.items() if isinstance(exc, cls)), None) or str(exc)
    return status, {"type": PROBLEM_BASE + "error", "title": title, "status": status,
                    "detail": detail, "instance": instance}, headers


def _wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return ("text/html" in accept and "json" not in accept
            and "authorization" not in request.headers and request.method in ("GET", "HEAD"))


# The OB 3.0 REST API answers its refusals as Imsx_StatusInfo, also those the router makes before
# any handler runs (a method the path does not take): its controller's handler, by path.
OB_API_PATH = "/ims/ob/v3p0/"


def exception_handler(request: Request, exc: Exception) -> Response:
    if request.url.path.startswith(OB_API_PATH):
        from issuer.obapi.controllers import imsx_errors

        return imsx_errors(request, exc)
    status, body, headers = problem_for(request, exc)
    if status == 401 and _wants_html(request):
        # A person following a link to a page: send them to sign in, then back.
        return Response(content=None, status_code=303,
                        headers={"Location": "/login?next=" + quote(request.url.path, safe="/")})
    if status == HTTP_500_INTERNAL_SERVER_ERROR:
        headers = {}
    return Response(content=body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


EXCEPTION_HANDLERS: ExceptionHandlersMap = {Exception: exception_handler}

__all__ = ["EXCEPTION_HANDLERS", "PROBLEM_JSON", "PROBLEM_STATUS", "exception_handler", "problem_for"]
