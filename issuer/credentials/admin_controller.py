"""Administration API for issued credentials (JSON, bearer token or session): list, read, revoke,
suspend and reinstate."""

from __future__ import annotations

import uuid as uuidlib

from litestar.params import JSONBody, FromPath, FromQuery
from litestar import Controller, Request, get, post

from issuer.credentials import admin as credential_admin
from issuer.accounts.auth import Role, requires
from issuer.web.deps import DEPENDENCIES, Ctx
from issuer.web.dto import problem_responses
from issuer.web.dto_types import JSON_BODY_LIMIT, Limit, Offset
from issuer.web.dto import (
    CredentialOut,
    ReasonIn,
)

_ERRORS = problem_responses(400, 401, 403, 404, 409)
ANY_ACCOUNT = (Role.DISTRICT_ADMIN, Role.SCHOOL_ADMIN, Role.TEACHER, Role.STUDENT)
ADMINS = (Role.DISTRICT_ADMIN, Role.SCHOOL_ADMIN)
STAFF = (Role.DISTRICT_ADMIN, Role.SCHOOL_ADMIN, Role.TEACHER)


def _credential_out(base: str, row: dict, role: Role | None = None) -> CredentialOut:
    """``role``: the caller's; the revocation reason is internal, so a student sees only that
    their badge was revoked, not why (it is in the school's audit log)."""
    return CredentialOut(
        uuid=str(row["uuid"]),
        credential_id=row["credential_id"],
        school_id=row["school"],
        learner_id=row["learner"],
        issued_at=row["issued_at"],
        revoked_at=row["revoked_at"],
        revoked_reason=row.get("revoked_reason", "") if role in STAFF else "",
        suspended=row["suspended"],
        url=f"{base}/credentials/{row['uuid']}",
    )


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
    async def credentials(self, ctx: Ctx, request: Request, limit: FromQuery[Limit] = 100, offset: FromQuery[Offset] = 0
    ) -> list[CredentialOut]:
        rows = await credential_admin.list_credentials(
            ctx, request.user, limit=min(max(limit, 1), 500), offset=max(offset, 0)
        )
        return [_credential_out(ctx.settings.base_url, r, request.user.role) for r in rows]

    @get("/credentials/{credential_uuid:uuid}", guards=[requires(*ANY_ACCOUNT)], responses=_ERRORS)
    async def credential(self, ctx: Ctx, request: Request, credential_uuid: FromPath[uuidlib.UUID]) -> CredentialOut:
        return _credential_out(ctx.settings.base_url, await credential_admin.visible_credential(ctx, request.user, credential_uuid),
                               request.user.role)

    @post(
        "/credentials/{credential_uuid:uuid}/revoke",
        guards=[requires(*ADMINS)],
        responses=_ERRORS,
        status_code=200,
        summary="Revoke permanently (the status entry reads revoked; the list is re-signed)",
    )
    async def revoke(self, ctx: Ctx, request: Request, credential_uuid: FromPath[uuidlib.UUID], data: JSONBody[ReasonIn]
    ) -> CredentialOut:
        return _credential_out(ctx.settings.base_url,
            await credential_admin.change_status(
                ctx, request.user, credential_uuid, action="revoke", reason=data.reason
            ),
            request.user.role,
        )

    @post(
        "/credentials/{credential_uuid:uuid}/suspend",
        guards=[requires(*ADMINS)],
        responses=_ERRORS,
        status_code=200,
        summary="Suspend until reinstated (the status entry reads suspended)",
    )
    async def suspend(self, ctx: Ctx, request: Request, credential_uuid: FromPath[uuidlib.UUID], data: JSONBody[ReasonIn]
    ) -> CredentialOut:
        return _credential_out(ctx.settings.base_url,
            await credential_admin.change_status(
                ctx, request.user, credential_uuid, action="suspend", reason=data.reason
            ),
            request.user.role,
        )

    @post(
        "/credentials/{credential_uuid:uuid}/reinstate",
        guards=[requires(*ADMINS)],
        responses=_ERRORS,
        status_code=200,
        summary="Lift a suspension (409 when not suspended or revoked)",
    )
    async def reinstate(self, ctx: Ctx, request: Request, credential_uuid: FromPath[uuidlib.UUID], data: JSONBody[ReasonIn]
    ) -> CredentialOut:
        return _credential_out(ctx.settings.base_url,
            await credential_admin.change_status(
                ctx, request.user, credential_uuid, action="reinstate", reason=data.reason
            ),
            request.user.role,
        )


ROUTES = [CredentialAdminController]
