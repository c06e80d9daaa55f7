"""HTTP bodies of the platform endpoints (msgspec, camelCase): the ``Dto`` base and problem details.
The domains' own bodies are in their ``schemas`` modules (``issuer.accounts.schemas``,
``issuer.schools.schemas``, ``issuer.credentials.schemas``); learning DTOs: ``dto_learning``.

Signed documents (credentials, status lists) are never DTOs: they are served verbatim.
"""
from __future__ import annotations

import msgspec

from issuer.web.dto_types import Reason


class Dto(msgspec.Struct, rename="camel", kw_only=True, omit_defaults=True):
    pass


class ProblemDetails(Dto):
    """RFC 9457 problem details (every error response; media type application/problem+json)."""
    type: str
    title: str
    status: int
    detail: str = ""
    instance: str = ""


# --- credentials and status ----------------------------------------------------------------------

class ReasonIn(Dto):
    reason: Reason


def problem_responses(*codes: int) -> dict:
    """OpenAPI ``responses`` documenting error codes as RFC 9457 problem details."""
    from litestar.openapi.datastructures import ResponseSpec

    descriptions = {400: "Bad request", 401: "Authentication required", 403: "Forbidden", 404: "Not found",
                    409: "Conflict", 422: "Unprocessable content", 429: "Too many requests"}
    return {code: ResponseSpec(data_container=ProblemDetails, media_type="application/problem+json",
                               description=descriptions.get(code, "Error")) for code in codes}
