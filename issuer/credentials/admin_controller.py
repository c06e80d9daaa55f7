"""Administration API for issued credentials (JSON, bearer token or session): list, read, revoke,
suspend and reinstate."""

from __future__ import annotations

import uuid as uuidlib
from typing import Any, Literal

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from issuer.access import Principal
from issuer.accounts.auth import Role, requires
from issuer.context import IssuerContext
from issuer.credentials import admin as credential_admin
from issuer.credentials.rows import CredentialSummaryRow, IssuedCredentialRow
from issuer.credentials.schemas import CredentialOut
from issuer.web.deps import DEPENDENCIES, Ctx
from issuer.web.dto import ReasonIn, problem_responses
from issuer.web.dto_types import JSON_BODY_LIMIT, Limit, Offset

_ERRORS = problem_responses(400, 401, 403, 404, 409)
ANY_ACCOUNT = (Role.DISTRICT_ADMIN, Role.SCHOOL_ADMIN, Role.TEACHER, Role.STUDENT)
STAFF = (Role.DISTRICT_ADMIN, Role.SCHOOL_ADMIN, Role.TEACHER)


def _credential_out(base: str, row: IssuedCredentialRow | CredentialSummaryRow,
                    role: Role | None = None) -> CredentialOut:
    """``role``: the caller's (staff see the revocation reason, ``CredentialOut.of``)."""
    return CredentialOut.of(row, base_url=base, with_reason=role in STAFF)


class CredentialAdminController(Controller):
    path = "/admin"
    tags = ["admin"]
    dependencies = DEPENDENCIES  # ctx, wherever the controller is mounted
    request_max_body_size = JSON_BODY_LIMIT  # JSON bodies (issuer/web/dto_types.py)

    @get(
        "/credentials",
        guards=[requires(*ANY_ACCOUNT)],
        responses=_ERRORS,
        summary="Issued credentials the caller may see (students: their own)",
    )
    async def credentials(self, ctx: Ctx, request: Request[Principal, Any, Any], limit: FromQuery[Limit] = 100,
                          offset: FromQuery[Offset] = 0) -> list[CredentialOut]:
        rows = await credential_admin.list_credentials(ctx, request.user, limit=min(max(limit, 1), 500),
                                                       offset=max(offset, 0))
        return [_credential_out(ctx.settings.base_url, r, request.user.role) for r in rows]

    @get("/credentials/{credential_uuid:uuid}", guards=[requires(*ANY_ACCOUNT)], responses=_ERRORS)
    async def credential(self, ctx: Ctx, request: Request[Principal, Any, Any],
                         credential_uuid: FromPath[uuidlib.UUID]) -> CredentialOut:
        row = await credential_admin.visible_credential(ctx, request.user, credential_uuid)
        return _credential_out(ctx.settings.base_url, row, request.user.role)

    @post(
        "/credentials/{credential_uuid:uuid}/revoke",
        guards=[requires(*STAFF)],
        responses=_ERRORS,
        status_code=200,
        summary="Revoke permanently (the status entry reads revoked; the list is re-signed)",
    )
    async def revoke(self, ctx: Ctx, request: Request[Principal, Any, Any], credential_uuid: FromPath[uuidlib.UUID],
                     data: JSONBody[ReasonIn]) -> CredentialOut:
        return await _change(ctx, request, credential_uuid, "revoke", data.reason)

    @post(
        "/credentials/{credential_uuid:uuid}/suspend",
        guards=[requires(*STAFF)],
        responses=_ERRORS,
        status_code=200,
        summary="Suspend until reinstated (the status entry reads suspended)",
    )
    async def suspend(self, ctx: Ctx, request: Request[Principal, Any, Any], credential_uuid: FromPath[uuidlib.UUID],
                      data: JSONBody[ReasonIn]) -> CredentialOut:
        return await _change(ctx, request, credential_uuid, "suspend", data.reason)

    @post(
        "/credentials/{credential_uuid:uuid}/reinstate",
        guards=[requires(*STAFF)],
        responses=_ERRORS,
        status_code=200,
        summary="Lift a suspension (409 when not suspended or revoked)",
    )
    async def reinstate(self, ctx: Ctx, request: Request[Principal, Any, Any], credential_uuid: FromPath[uuidlib.UUID],
                        data: JSONBody[ReasonIn]) -> CredentialOut:
        return await _change(ctx, request, credential_uuid, "reinstate", data.reason)


async def _change(ctx: IssuerContext, request: Request[Principal, Any, Any], credential_uuid: uuidlib.UUID,
                  action: Literal["revoke", "suspend", "reinstate"], reason: str) -> CredentialOut:
    row = await credential_admin.change_status(ctx, request.user, credential_uuid, action=action, reason=reason)
    return _credential_out(ctx.settings.base_url, row, request.user.role)


ROUTES = [CredentialAdminController]
