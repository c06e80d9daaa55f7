"""Public pages behind the URLs inside issued badges that are not the badge itself: a school
framework's competency (``alignment.targetUrl``) and an extended-learning partner
(``credentialSubject.source.id``). A browser gets a page; ``Accept: application/json`` gets JSON."""
from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, get
from litestar.params import FromPath

from issuer.catalog import linked
from issuer.web.common import page, wants_html
from issuer.web.deps import DEPENDENCIES, Ctx


def negotiated(request: Request[Any, Any, Any], data: msgspec.Struct, template: str) -> Response[Any]:
    if wants_html(request):
        return page(request, template, data=data)
    return Response(content=data, media_type="application/json", headers={"Vary": "Accept"})


class PublicFrameworkController(Controller):
    path = "/frameworks"
    tags = ["public"]
    dependencies = DEPENDENCIES  # ctx, wherever the controller is mounted

    @get("/{fw_id:str}/competencies/{code:str}")
    async def competency(self, ctx: Ctx, request: Request[Any, Any, Any], fw_id: FromPath[str],
                         code: FromPath[str]) -> Response[Any]:
        return negotiated(request, await linked.competency(ctx, fw_id, code), "linked/competency.html.j2")


class PartnerController(Controller):
    path = "/partners"
    tags = ["public"]
    dependencies = DEPENDENCIES

    @get("/{elo_id:str}")
    async def partner(self, ctx: Ctx, request: Request[Any, Any, Any], elo_id: FromPath[str]) -> Response[Any]:
        return negotiated(request, await linked.partner(ctx, elo_id), "linked/partner.html.j2")
