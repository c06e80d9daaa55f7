"""Administration API for a school's signing keys (JSON, bearer token or session): list and rotate."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath

from issuer.access import Principal
from issuer.accounts.auth import Role, requires
from issuer.schools import service as platform_admin
from issuer.schools.schemas import KeyOut
from issuer.web.deps import DEPENDENCIES, Ctx
from issuer.web.dto import problem_responses
from issuer.web.dto_types import JSON_BODY_LIMIT

_ERRORS = problem_responses(400, 401, 403, 404, 409)
ADMINS = (Role.DISTRICT_ADMIN, Role.SCHOOL_ADMIN)


class KeyAdminController(Controller):
    path = "/admin"
    tags = ["admin"]
    dependencies = DEPENDENCIES
    request_max_body_size = JSON_BODY_LIMIT  # JSON bodies (issuer/web/dto_types.py)

    @get("/schools/{slug:str}/keys", guards=[requires(*ADMINS)], responses=_ERRORS)
    async def keys(self, ctx: Ctx, request: Request[Principal, Any, Any], slug: FromPath[str]) -> list[KeyOut]:
        rows = await platform_admin.school_keys(ctx, request.user, slug)
        return [
            KeyOut(
                public_key_multibase=r["public_key_multibase"],
                verification_method=r["verification_method"],
                active=r["active"],
                created_at=r["created_at"],
            )
            for r in rows
        ]

    @post(
        "/schools/{slug:str}/keys/rotate",
        guards=[requires(*ADMINS)],
        responses=_ERRORS,
        status_code=201,
        summary="Add a new signing key; old keys stay in the DID document",
    )
    async def rotate(self, ctx: Ctx, request: Request[Principal, Any, Any], slug: FromPath[str]) -> KeyOut:
        r = await platform_admin.rotate_key(ctx, request.user, slug)
        return KeyOut(
            public_key_multibase=r["public_key_multibase"],
            verification_method=r["verification_method"],
            active=r["active"],
            created_at=r["created_at"],
        )


ROUTES = [KeyAdminController]
