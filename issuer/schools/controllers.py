"""Issuer Profiles: ``GET /issuers`` and ``GET /issuers/<slug>`` (the OB Profile as JSON)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, MediaType, Request, Response, get
from litestar.params import FromPath

from issuer.schools import identity, profile
from issuer.schools.schemas import SchoolOut
from issuer.web.common import page, wants_html
from issuer.web.deps import DEPENDENCIES, Ctx
from issuer.web.dto import problem_responses


class IssuerController(Controller):
    path = "/issuers"
    tags = ["identity"]
    dependencies = DEPENDENCIES  # ctx, wherever the controller is mounted

    @get("/", summary="The district's schools (issuers)")
    async def list_issuers(self, ctx: Ctx) -> list[SchoolOut]:
        base = ctx.settings.base_url
        return [
            SchoolOut(
                slug=school.slug,
                name=school.name,
                did=did,
                url=school.url,
                profile_url=f"{base}/issuers/{school.slug}",
                did_document_url=f"{base}/issuers/{school.slug}/did.json",
            )
            for school, did in await identity.issuers(ctx)
        ]

    @get(
        "/{slug:str}",
        responses=problem_responses(404),
        media_type=MediaType.JSON,
        summary="The school's OB 3.0 Profile (a page, with its endorsements, for a browser)",
    )
    async def profile(self, ctx: Ctx, request: Request[Any, Any, Any], slug: FromPath[str]) -> Response[Any]:
        document = await identity.profile_document(ctx, slug)
        if wants_html(request):
            from issuer.endorsements import service as endorsements  # endorsements builds on schools

            return page(request, "endorsement/issuer.html.j2", profile=document,
                        endorsements=await endorsements.for_school_page(ctx, slug))
        return Response(content=document, media_type=MediaType.JSON, headers={"Vary": "Accept"})

    @get("/{slug:str}/logo", responses=problem_responses(404), summary="The school's logo (its Profile's image)")
    async def logo(self, ctx: Ctx, slug: FromPath[str]) -> Response[bytes]:
        data, media_type = await profile.logo(ctx, slug)
        # a sanitised SVG still gets no script, no fetch: it is an image, never a page
        return Response(content=data, media_type=media_type,
                        headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
                                 "X-Content-Type-Options": "nosniff", "Cache-Control": "public, max-age=300"})


ROUTES = [IssuerController]
