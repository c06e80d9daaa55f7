"""An administrator's privacy pages for one student (issue 13), reached from People:
``/admin/people/<id>/privacy`` (export and erase, with what we keep and why),
``/admin/people/<id>/privacy/export.zip`` (the student's "My data" archive),
``/admin/people/<id>/erase`` (check your answers: exactly what is deleted and kept) and its POST
(the erasure, then 303 back with a banner). ``/admin/privacy`` says what we keep and why."""
from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery

from issuer.access import ADMINS, Principal
from issuer.accounts.auth import requires
from issuer.portfolio import privacy
from issuer.web.common import page, see_other, who
from issuer.web.deps import DEPENDENCIES, Ctx
from issuer.web.dto_types import PathId

AuthRequest = Request[Principal, Any, Any]


class PrivacyPages(Controller):
    path = "/admin"
    guards = [requires(*ADMINS)]
    dependencies = DEPENDENCIES
    include_in_schema = False

    @get("/privacy")
    async def policy(self, request: AuthRequest) -> Response[Any]:
        return page(request, "admin/privacy_policy.html.j2")

    @get("/people/{user_id:int}/privacy")
    async def index(self, ctx: Ctx, request: AuthRequest, user_id: FromPath[PathId],
                    done: FromQuery[str | None] = None) -> Response[Any]:
        plan = await privacy.erasure_plan(ctx, who(request), user_id)
        return page(request, "admin/privacy.html.j2", plan=plan, done=done if done == "erased" else None)

    @get("/people/{user_id:int}/privacy/export.zip")
    async def export(self, ctx: Ctx, request: AuthRequest, user_id: FromPath[PathId]) -> Response[bytes]:
        data, name = await privacy.export(ctx, who(request), user_id)
        return Response(content=data, media_type="application/zip",
                        headers={"Content-Disposition": f'attachment; filename="{name}"',
                                 "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})

    @get("/people/{user_id:int}/erase")
    async def confirm(self, ctx: Ctx, request: AuthRequest, user_id: FromPath[PathId]) -> Response[Any]:
        plan = await privacy.erasure_plan(ctx, who(request), user_id)
        return page(request, "admin/erase_check.html.j2", plan=plan)

    @post("/people/{user_id:int}/erase")
    async def erase(self, ctx: Ctx, request: AuthRequest, user_id: FromPath[PathId]) -> Response[Any]:
        await privacy.erase(ctx, who(request), user_id)
        return see_other(f"/admin/people/{user_id}/privacy?done=erased")


ROUTES = [PrivacyPages]
