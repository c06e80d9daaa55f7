"""Achievements (badge classes): API for staff, public definition JSON and image."""
from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post, put
from litestar.params import FromPath, JSONBody

from issuer.access import STAFF
from issuer.accounts.auth import requires
from issuer.catalog import achievements as service
from issuer.catalog import editor, linked
from issuer.catalog.schemas import AchievementIn, AchievementOut, achievement_out
from issuer.credentials import sharing
from issuer.endorsements import service as endorsements
from issuer.errors import InvalidInput
from issuer.storage import FileStore
from issuer.web.common import files_of, form_of, page, wants_html, who
from issuer.web.deps import DEPENDENCIES, Ctx
from issuer.web.dto_types import JSON_BODY_LIMIT


class AchievementController(Controller):
    path = "/api/achievements"
    tags = ["achievements"]
    dependencies = DEPENDENCIES  # ctx, wherever the controller is mounted

    @post("/", guards=[requires(*STAFF)], status_code=201, request_max_body_size=JSON_BODY_LIMIT)
    async def create(self, ctx: Ctx, request: Request[Any, Any, Any], data: JSONBody[AchievementIn]) -> AchievementOut:
        return achievement_out(await service.create_achievement(ctx, who(request), data), ctx.settings.base_url)

    @get("/", guards=[requires(*STAFF, "student")])
    async def list_(self, ctx: Ctx, request: Request[Any, Any, Any]) -> list[AchievementOut]:
        return [achievement_out(a, ctx.settings.base_url)
                for a in await service.list_achievements(ctx, who(request))]

    @get("/{a_id:str}", guards=[requires(*STAFF, "student")])
    async def read(self, ctx: Ctx, request: Request[Any, Any, Any], a_id: FromPath[str]) -> AchievementOut:
        return achievement_out(await service.get_achievement(ctx, who(request), a_id), ctx.settings.base_url)

    @put("/{a_id:str}", guards=[requires(*STAFF)], request_max_body_size=JSON_BODY_LIMIT)
    async def update(self, ctx: Ctx, request: Request[Any, Any, Any], a_id: FromPath[str],
                     data: JSONBody[AchievementIn]) -> AchievementOut:
        """Replace the current version's definition. Without awards it changes in place; with some
        the answer is a new version (a new ``id``; the old one keeps answering for its badges)."""
        return achievement_out(await editor.update(ctx, who(request), a_id, data), ctx.settings.base_url)

    @put("/{a_id:str}/image", guards=[requires("teacher", "school_admin", "district_admin")])
    async def image(self, ctx: Ctx, request: Request[Any, Any, Any], a_id: FromPath[str]) -> AchievementOut:
        """multipart ``file``: PNG (re-encoded) or SVG (refused with scripts or external refs)."""
        files = await files_of(await form_of(request), "file")
        if len(files) != 1:
            raise InvalidInput("send exactly one file in the field 'file'")
        a = await editor.set_image(ctx, who(request), a_id, files[0][1])  # a new version once awarded
        return achievement_out(a, ctx.settings.base_url)


class PublicAchievementController(Controller):
    """Achievement definitions are public: they travel inside every badge anyway."""
    path = "/achievements"
    tags = ["public"]
    dependencies = DEPENDENCIES

    @get("/{a_id:str}")
    async def definition(self, ctx: Ctx, request: Request[Any, Any, Any], a_id: FromPath[str]) -> Response[Any]:
        document = await linked.achievement(ctx, a_id)
        if wants_html(request):
            return page(request, "linked/achievement.html.j2", achievement=document,
                        endorsements=await endorsements.for_subjects(ctx, [document["id"]]))
        return Response(content=document, media_type="application/json", headers={"Vary": "Accept"})

    @get("/{a_id:str}/rubric/{criterion:str}")
    async def criterion(self, ctx: Ctx, request: Request[Any, Any, Any], a_id: FromPath[str],
                        criterion: FromPath[str]) -> Response[Any]:
        """A rubric criterion (``resultDescription`` id, the ``result.resultDescription`` of a badge)."""
        return _rubric_part(request, await linked.rubric_part(ctx, a_id, criterion))

    @get("/{a_id:str}/rubric/{criterion:str}/levels/{level:str}")
    async def level(self, ctx: Ctx, request: Request[Any, Any, Any], a_id: FromPath[str], criterion: FromPath[str],
                    level: FromPath[str]) -> Response[Any]:
        """A level of a rubric criterion (``achievedLevel`` / ``requiredLevel`` of a badge)."""
        return _rubric_part(request, await linked.rubric_part(ctx, a_id, criterion, level))

    @get("/{a_id:str}/image")
    async def image(self, ctx: Ctx, a_id: FromPath[str]) -> Response[bytes]:
        data, media_type = await sharing.achievement_image(a_id, FileStore.from_settings(ctx.settings))
        return Response(content=data, media_type=media_type,
                        headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
                                 "X-Content-Type-Options": "nosniff"})


def _rubric_part(request: Request[Any, Any, Any], part: linked.RubricPart) -> Response[Any]:
    if wants_html(request):
        return page(request, "linked/criterion.html.j2", part=part)
    return Response(content=part.document, media_type="application/json", headers={"Vary": "Accept"})
