"""Achievements (badge classes): API for staff, public definition JSON and image."""
from __future__ import annotations

from litestar import Controller, Request, Response, get, post, put
from litestar.params import FromPath, JSONBody

from issuer import runtime
from issuer.catalog import achievements as service
from issuer.catalog import linked
from issuer.credentials import sharing
from issuer.errors import InvalidInput
from issuer.accounts.auth import requires
from issuer.web.common import (STAFF, base_url, clock, files_of, form_of, page, store,
                                                    wants_html, who)
from issuer.web.dto_learning import AchievementIn, achievement_out
from issuer.web.dto_types import JSON_BODY_LIMIT


class AchievementController(Controller):
    path = "/api/achievements"
    tags = ["achievements"]

    @post("/", guards=[requires(*STAFF)], status_code=201, request_max_body_size=JSON_BODY_LIMIT)
    async def create(self, request: Request, data: JSONBody[AchievementIn]) -> dict:
        a = await service.create_achievement(
            who(request), name=data.name, description=data.description, criteria=data.criteria, rubric=data.rubric,
            alignments=data.alignments, prerequisites=data.prerequisites, second_rater=data.second_rater,
            achievement_type=data.achievement_type, area=data.area, subject=data.subject, clock=clock(),
            school_id=data.school_id)
        return achievement_out(a, base_url())

    @get("/", guards=[requires(*STAFF, "student")])
    async def list_(self, request: Request) -> list[dict]:
        return [achievement_out(a, base_url()) for a in await service.list_achievements(who(request))]

    @get("/{a_id:str}", guards=[requires(*STAFF, "student")])
    async def read(self, request: Request, a_id: FromPath[str]) -> dict:
        return achievement_out(await service.get_achievement(who(request), a_id), base_url())

    @put("/{a_id:str}/image", guards=[requires("teacher", "school_admin", "district_admin")])
    async def image(self, request: Request, a_id: FromPath[str]) -> dict:
        """multipart ``file``: PNG (re-encoded) or SVG (refused with scripts or external refs)."""
        files = await files_of(await form_of(request), "file")
        if len(files) != 1:
            raise InvalidInput("send exactly one file in the field 'file'")
        a = await service.set_image(who(request), a_id, files[0][1], store=store(),
                                    max_bytes=runtime.current().settings.max_image_bytes)
        return achievement_out(a, base_url())


class PublicAchievementController(Controller):
    """Achievement definitions are public: they travel inside every badge anyway."""
    path = "/achievements"
    tags = ["public"]

    @get("/{a_id:str}")
    async def definition(self, request: Request, a_id: FromPath[str]) -> Response:
        found = await linked.achievement(a_id, base_url=base_url())
        if wants_html(request):
            return page(request, "linked/achievement.html.j2", achievement=found["document"])
        return Response(content=found["document"], media_type="application/json", headers={"Vary": "Accept"})

    @get("/{a_id:str}/rubric/{criterion:str}")
    async def criterion(self, request: Request, a_id: FromPath[str], criterion: FromPath[str]) -> Response:
        """A rubric criterion (``resultDescription`` id, the ``result.resultDescription`` of a badge)."""
        return _rubric_part(request, await linked.rubric_part(a_id, criterion, base_url=base_url()))

    @get("/{a_id:str}/rubric/{criterion:str}/levels/{level:str}")
    async def level(self, request: Request, a_id: FromPath[str], criterion: FromPath[str],
                    level: FromPath[str]) -> Response:
        """A level of a rubric criterion (``achievedLevel`` / ``requiredLevel`` of a badge)."""
        return _rubric_part(request, await linked.rubric_part(a_id, criterion, level, base_url=base_url()))

    @get("/{a_id:str}/image")
    async def image(self, a_id: FromPath[str]) -> Response:
        data, media_type = await sharing.achievement_image(a_id, store())
        return Response(content=data, media_type=media_type,
                        headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
                                 "X-Content-Type-Options": "nosniff"})


def _rubric_part(request: Request, part: dict) -> Response:
    if wants_html(request):
        return page(request, "linked/criterion.html.j2", part=part)
    return Response(content=part["json"], media_type="application/json", headers={"Vary": "Accept"})
