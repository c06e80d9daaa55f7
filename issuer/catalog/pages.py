"""The public page behind a school framework's competency (a badge's ``alignment.targetUrl``).
A browser gets a page; ``Accept: application/json`` gets JSON."""
from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.params import FromPath

from issuer.catalog import linked
from issuer.web.common import negotiated
from issuer.web.deps import DEPENDENCIES, Ctx


class PublicFrameworkController(Controller):
    path = "/frameworks"
    tags = ["public"]
    dependencies = DEPENDENCIES  # ctx, wherever the controller is mounted

    @get("/{fw_id:str}/competencies/{code:str}")
    async def competency(self, ctx: Ctx, request: Request[Any, Any, Any], fw_id: FromPath[str],
                         code: FromPath[str]) -> Response[Any]:
        return negotiated(request, await linked.competency(ctx, fw_id, code), "linked/competency.html.j2")

