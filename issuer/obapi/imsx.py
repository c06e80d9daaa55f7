"""Errors of the REST API's resource endpoints as OB 3.0 says: an ``Imsx_StatusInfo`` body
(``imsx_codeMajor`` failure, ``imsx_severity`` error, a description and a code minor), with the
HTTP status of the issuer's error tree (``issuer.errors``) or of Litestar's own (a wrong method,
a body too large: ``issuer.obapi.controllers.imsx_errors``). The OAuth endpoints answer in OAuth's
own error format instead."""
from __future__ import annotations

from typing import Any

from issuer.errors import IssuerError

__all__ = ["MINOR", "ApiError", "status_info"]

# HTTP status → Imsx_CodeMinorFieldValue (OB 3.0 §6.2.4's vocabulary)
MINOR = {400: "invalid_data", 401: "unauthorizedrequest", 403: "forbidden", 404: "not_found",
         405: "not_allowed", 406: "not_acceptable", 409: "invalid_data", 410: "not_found", 413: "invalid_data",
         415: "invalid_data", 422: "invalid_data", 429: "server_busy"}


class ApiError(IssuerError):
    """A refusal of the REST API with its own status and code minor (a query parameter, a token)."""

    def __init__(self, message: str, *, status_code: int = 400, code_minor: str = "invalid_data",
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code_minor = code_minor
        self.headers = headers or {}


def status_info(description: str, *, code_minor: str) -> dict[str, Any]:
    return {"imsx_codeMajor": "failure", "imsx_severity": "error", "imsx_description": description,
            "imsx_codeMinor": {"imsx_codeMinorField": [
                {"imsx_codeMinorFieldName": "TargetEndSystem", "imsx_codeMinorFieldValue": code_minor}]}}
