"""The OB 3.0 REST API's resource endpoints under ``/ims/ob/v3p0`` (OB 3.0 §6): the unprotected
discovery document, the student's credentials and profile. Every refusal is an
``Imsx_StatusInfo`` (``issuer.obapi.imsx``); the access token is the only authority (no session,
no API token of ours)."""
from __future__ import annotations

import logging
from typing import Any

from litestar import Controller, Request, Response, get, post, put
from litestar.exceptions import HTTPException
from litestar.params import FromQuery

from issuer.errors import IssuerError
from issuer.obapi import discovery, imsx, oauth, service
from issuer.portfolio import imports
from issuer.web.deps import DEPENDENCIES, Ctx

_JSON = "application/json"


def imsx_errors(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The router's one error map: every refusal as Imsx_StatusInfo, never a traceback."""
    headers: dict[str, str] = {}
    if isinstance(exc, imsx.ApiError):
        status, minor, message, headers = exc.status_code, exc.code_minor, exc.message, exc.headers
    elif isinstance(exc, IssuerError):
        status = exc.status_code
        minor, message = imsx.MINOR.get(status, "invalid_data"), exc.message
    elif isinstance(exc, HTTPException):
        status = exc.status_code
        minor, message = imsx.MINOR.get(status, "unknown"), str(exc.detail)
        headers = dict(exc.headers or {})
    else:  # a bug: logged, and said without the details
        logging.getLogger(__name__).exception("OB API request failed", exc_info=exc)
        status, minor, message = 500, "internal_server_error", "the server failed to answer this request"
    if status == 401 and "WWW-Authenticate" not in headers:
        headers["WWW-Authenticate"] = 'Bearer realm="ob"'
    return Response(content=imsx.status_info(message, code_minor=minor), status_code=status, headers=headers,
                    media_type="application/json")


class OpenBadgesApiController(Controller):
    path = "/ims/ob/v3p0"
    tags = ["OB 3.0 REST API"]
    dependencies = DEPENDENCIES
    exception_handlers = {Exception: imsx_errors}
    request_max_body_size = imports.MAX_IMPORT_BYTES + 1024

    @get("/discovery", summary="The service description (OpenAPI 3.0), unprotected")
    async def discovery(self, ctx: Ctx) -> dict[str, Any]:
        return discovery.document(ctx)

    @get("/credentials", summary="The student's credentials, a page at a time")
    async def credentials(self, ctx: Ctx, request: Request[Any, Any, Any],
                          limit: FromQuery[str | None] = None, offset: FromQuery[str | None] = None,
                          since: FromQuery[str | None] = None) -> Response[bytes]:
        who = await service.grantee(ctx, request.headers.get("authorization"), oauth.READ_CREDENTIALS)
        found = await service.credentials(who, limit=limit, offset=offset, since=since)
        url = ctx.settings.base_url + request.url.path
        return Response(content=found.body, media_type=_JSON,
                        headers={"X-Total-Count": str(found.total), "Link": service.link_header(url, found, since),
                                 "Cache-Control": "no-store"})

    @post("/credentials", summary="Add a credential to the student's backpack, or replace it (201/200)")
    async def upsert(self, ctx: Ctx, request: Request[Any, Any, Any]) -> Response[bytes]:
        who = await service.grantee(ctx, request.headers.get("authorization"), oauth.UPSERT_CREDENTIALS)
        done = await service.upsert(ctx, who, await request.body(), request.headers.get("content-type", ""))
        return Response(content=done.body, media_type=done.media_type, status_code=201 if done.created else 200)

    @get("/profile", summary="The student's profile")
    async def profile(self, ctx: Ctx, request: Request[Any, Any, Any]) -> Response[Any]:
        who = await service.grantee(ctx, request.headers.get("authorization"), oauth.READ_PROFILE)
        return Response(content=await service.profile(ctx, who), media_type=_JSON,
                        headers={"Cache-Control": "no-store"})

    @put("/profile", summary="Replace the student's profile")
    async def put_profile(self, ctx: Ctx, request: Request[Any, Any, Any]) -> Response[Any]:
        who = await service.grantee(ctx, request.headers.get("authorization"), oauth.UPDATE_PROFILE)
        return Response(content=await service.put_profile(ctx, who, await request.body()), media_type=_JSON)


ROUTES = [OpenBadgesApiController]
