"""Server-rendered pages for students (my badges, submit evidence, revise, propose an ELO); the
teacher's are in ``issuer.evidence.teacher_pages``. Forms post with the CSRF token."""
from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery

from issuer.accounts.auth import requires
from issuer.catalog import achievements, frameworks
from issuer.credentials import sharing
from issuer.errors import IssuerError
from issuer.evidence import elos
from issuer.evidence import service as evidence
from issuer.web.common import files_of, form_of, getall, page, see_other, text_list, who
from issuer.web.deps import DEPENDENCIES, Ctx


class StudentPages(Controller):
    path = "/student"
    guards = [requires("student")]
    dependencies = DEPENDENCIES

    @get("/badges")
    async def badges(self, ctx: Ctx, request: Request[Any, Any, Any]) -> Response[Any]:
        p = who(request)
        return page(request, "student/badges.html.j2", badges=await sharing.badges_of(p),
                    submissions=await evidence.list_submissions(ctx, p), elos=await elos.list_elos(ctx, p),
                    achievements=await achievements.list_achievements(ctx, p))

    @get("/submit")
    async def submit_form(self, ctx: Ctx, request: Request[Any, Any, Any],
                          achievement: FromQuery[str | None] = None) -> Response[Any]:
        return page(request, "evidence/submit.html.j2",
                    achievements=await achievements.list_achievements(ctx, who(request)),
                    selected=achievement, error=None, sub=None)

    @post("/submit")
    async def submit(self, ctx: Ctx, request: Request[Any, Any, Any]) -> Response[Any]:
        form = await form_of(request)
        try:
            sub = await evidence.submit(ctx, who(request), achievement_uuid=str(form.get("achievement") or ""),
                                        narrative=form.get("narrative"), urls=text_list(form, "urls"),
                                        files=await files_of(form))
        except IssuerError as exc:
            return page(request, "evidence/submit.html.j2", status_code=exc.status_code,
                        achievements=await achievements.list_achievements(ctx, who(request)),
                        selected=form.get("achievement"), error=exc.message, sub=None)
        return see_other(f"/student/submissions/{sub.uuid}")

    @get("/submissions/{s_id:str}")
    async def submission(self, ctx: Ctx, request: Request[Any, Any, Any], s_id: FromPath[str]) -> Response[Any]:
        return page(request, "evidence/submission.html.j2",
                    sub=await evidence.get_submission(ctx, who(request), s_id), error=None)

    @post("/submissions/{s_id:str}/revise")
    async def revise(self, ctx: Ctx, request: Request[Any, Any, Any], s_id: FromPath[str]) -> Response[Any]:
        form = await form_of(request)
        try:
            await evidence.revise(ctx, who(request), s_id, narrative=form.get("narrative"),
                                  urls=text_list(form, "urls"), files=await files_of(form))
        except IssuerError as exc:
            return page(request, "evidence/submission.html.j2", status_code=exc.status_code,
                        sub=await evidence.get_submission(ctx, who(request), s_id), error=exc.message)
        return see_other(f"/student/submissions/{s_id}")

    @get("/elo")
    async def elo_form(self, ctx: Ctx, request: Request[Any, Any, Any]) -> Response[Any]:
        p = who(request)
        return page(request, "elo/propose.html.j2", achievements=await achievements.list_achievements(ctx, p),
                    frameworks=await frameworks.frameworks_with_competencies(ctx, p), error=None)

    @post("/elo")
    async def elo_propose(self, ctx: Ctx, request: Request[Any, Any, Any]) -> Response[Any]:
        form = await form_of(request)
        p = who(request)
        try:
            await elos.propose(ctx, p, achievement_uuid=str(form.get("achievement") or ""),
                               partner_org=form.get("partner_org"), mentor_name=form.get("mentor_name"),
                               mentor_email=form.get("mentor_email"), goals=form.get("goals"),
                               competencies=getall(form, "competencies"),
                               hours=form.get("hours"), start_date=form.get("start_date"),
                               end_date=form.get("end_date"))
        except IssuerError as exc:
            return page(request, "elo/propose.html.j2", status_code=exc.status_code,
                        achievements=await achievements.list_achievements(ctx, p),
                        frameworks=await frameworks.frameworks_with_competencies(ctx, p), error=exc.message)
        return see_other("/student/badges")
