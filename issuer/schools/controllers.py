"""Issuer Profiles: ``GET /issuers`` and ``GET /issuers/<slug>`` (the OB Profile as JSON)."""

from __future__ import annotations

from typing import Any

from litestar.params import FromPath
from litestar import Controller, MediaType, get

from issuer.web.deps import DEPENDENCIES, Ctx
from issuer.web.dto import problem_responses
from issuer.schools import repo as schools_repo
from issuer.schools import identity
from issuer.web.dto import SchoolOut


class IssuerController(Controller):
    path = "/issuers"
    tags = ["identity"]
    dependencies = DEPENDENCIES  # ctx, wherever the controller is mounted

    @get("/", summary="The district's schools (issuers)")
    async def list_issuers(self, ctx: Ctx) -> list[SchoolOut]:
        base = ctx.settings.base_url
        out = []
        for school in await schools_repo.schools():
            did = await identity.issuer_did(school["id"], ctx=ctx)
            out.append(
                SchoolOut(
                    slug=school["slug"],
                    name=school["name"],
                    did=did,
                    url=school["url"],
                    profile_url=f"{base}/issuers/{school['slug']}",
                    did_document_url=f"{base}/issuers/{school['slug']}/did.json",
                )
            )
        return out

    @get(
        "/{slug:str}",
        responses=problem_responses(404),
        media_type=MediaType.JSON,
        summary="The school's OB 3.0 Profile",
    )
    async def profile(self, ctx: Ctx, slug: FromPath[str]) -> dict[str, Any]:
        return await identity.profile_document(ctx, slug)


ROUTES = [IssuerController]
