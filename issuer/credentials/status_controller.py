"""``GET /status/<school>/<purpose>/<n>``: the signed BitstringStatusListCredential, verbatim."""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.params import FromPath

from issuer.credentials import status
from issuer.web.deps import DEPENDENCIES, Ctx
from issuer.web.dto import problem_responses
from issuer.web.dto_types import PathId

VC_MEDIA_TYPE = "application/vc+ld+json"


class StatusListController(Controller):
    path = "/status"
    tags = ["status"]
    dependencies = DEPENDENCIES  # ctx, wherever the controller is mounted

    @get(
        "/{slug:str}/{purpose:str}/{list_no:int}",
        responses=problem_responses(404),
        summary="A signed status list credential",
        response_description="application/vc+ld+json, re-signed on every change",
    )
    async def status_list(
        self, ctx: Ctx, slug: FromPath[str], purpose: FromPath[str],
        list_no: FromPath[PathId],
    ) -> Response[bytes]:
        document = await status.list_document(slug, purpose, list_no)
        max_age = ctx.settings.status_cache_seconds
        return Response(
            content=document.encode("utf-8"),
            media_type=VC_MEDIA_TYPE,
            headers={"Cache-Control": f"public, max-age={max_age}"},
        )


ROUTES = [StatusListController]
