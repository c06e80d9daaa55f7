"""The REST API's pages: ``/api`` (for developers and anyone asked to connect an app: what the API
is, where it starts, its terms and privacy) and the student's Connected apps."""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery

from issuer.accounts.auth import requires
from issuer.obapi import apps
from issuer.obapi.oauth import SCOPES
from issuer.web.common import page, see_other, who
from issuer.web.deps import DEPENDENCIES, Ctx


class ApiAboutPage(Controller):
    path = "/api"
    dependencies = DEPENDENCIES
    include_in_schema = False

    @get("/")
    async def about(self, ctx: Ctx, request: Request[Any, Any, Any]) -> Response[Any]:
        return page(request, "oauth/about.html.j2", discovery=f"{ctx.settings.base_url}/ims/ob/v3p0/discovery",
                    scopes=list(SCOPES))


class ConnectedAppsPages(Controller):
    path = "/student/apps"
    guards = [requires("student")]
    dependencies = DEPENDENCIES
    include_in_schema = False

    @get("/")
    async def index(self, ctx: Ctx, request: Request[Any, Any, Any],
                    disconnected: FromQuery[str | None] = None) -> Response[Any]:
        return page(request, "oauth/apps.html.j2", apps=await apps.connected(ctx, who(request)),
                    disconnected=(disconnected or "")[:255])

    @post("/{client:int}/disconnect")
    async def disconnect(self, ctx: Ctx, request: Request[Any, Any, Any], client: FromPath[int]) -> Response[Any]:
        name = await apps.disconnect(ctx, who(request), client)
        return see_other("/student/apps?disconnected=" + quote(name, safe=""))


ROUTES = [ApiAboutPage, ConnectedAppsPages]
