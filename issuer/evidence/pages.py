"""Server-rendered pages for students (my badges, submit evidence, revise, propose an ELO); the
teacher's are in ``issuer.evidence.teacher_pages``. Forms post with the CSRF token."""
from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery

from issuer.accounts.auth import requires
from issuer.catalog import achievements, frameworks
from issuer.errors import IssuerError
from issuer.evidence import elos, progress
from issuer.evidence import service as evidence
from issuer.evidence.forms import (
    EloValues,
    EvidenceValues,
    FormError,
    elo_values,
    evidence_values,
    form_error,
    self_levels,
)
from issuer.portfolio import imports
from issuer.web.common import files_of, form_of, getall, page, see_other, text_list, who
from issuer.web.deps import DEPENDENCIES, Ctx


class StudentPages(Controller):
    """The student's pages: My badges, Progress, Submit evidence (the rubric first, then an
    optional self-assessment), a submission with its feedback and the revise form, Extended
    learning. A form that fails is shown again with what was typed and an error summary."""
    path = "/student"
    guards = [requires("student")]
    dependencies = DEPENDENCIES

    @get("/badges")
    async def badges(self, ctx: Ctx, request: Request[Any, Any, Any]) -> Response[Any]:
        p = who(request)
        return page(request, "student/badges.html.j2", backpack=await progress.backpack(ctx, p),
                    elsewhere=await imports.imported(ctx, p), removed=request.query_params.get("removed"))

    @get("/progress")
    async def progress_page(self, ctx: Ctx, request: Request[Any, Any, Any]) -> Response[Any]:
        return page(request, "student/progress.html.j2", progress=await progress.progress(ctx, who(request)))

    async def _submit_page(self, ctx: Ctx, request: Request[Any, Any, Any], *, chosen: str | None,
                           values: EvidenceValues, error: FormError | None = None,
                           status_code: int = 200) -> Response[Any]:
        options = [a for a in await achievements.list_achievements(ctx, who(request)) if a.area != "elo"]
        achievement = next((a for a in options if str(a.uuid) == chosen), None)
        if achievement is None and not chosen and options:
            achievement = options[0]  # the rubric of the first badge until the student picks one
        return page(request, "evidence/submit.html.j2", status_code=status_code, achievements=options,
                    achievement=achievement, selected=str(achievement.uuid) if achievement else "",
                    criteria=progress.criteria_for_grid(achievement.rubric) if achievement else [],
                    values=values, error=error)

    @get("/submit")
    async def submit_form(self, ctx: Ctx, request: Request[Any, Any, Any],
                          achievement: FromQuery[str | None] = None) -> Response[Any]:
        return await self._submit_page(ctx, request, chosen=achievement, values=EvidenceValues())

    @post("/submit")
    async def submit(self, ctx: Ctx, request: Request[Any, Any, Any]) -> Response[Any]:
        form = await form_of(request)
        files = await files_of(form)
        try:
            sub = await evidence.submit(ctx, who(request), achievement_uuid=str(form.get("achievement") or ""),
                                        narrative=form.get("narrative"), urls=text_list(form, "urls"),
                                        files=files, self_ratings=self_levels(form),
                                        self_comment=form.get("self_comment"))
        except IssuerError as exc:
            values = evidence_values(form, had_files=bool(files))
            return await self._submit_page(ctx, request, chosen=values.achievement, values=values,
                                           error=form_error(exc, default_field="narrative"),
                                           status_code=exc.status_code)
        return see_other(f"/student/submissions/{sub.uuid}?result=submitted")

    async def _submission_page(self, ctx: Ctx, request: Request[Any, Any, Any], s_id: str, *,
                               values: EvidenceValues, error: FormError | None = None, result: str | None = None,
                               status_code: int = 200) -> Response[Any]:
        sub = await evidence.get_submission(ctx, who(request), s_id)
        return page(request, "evidence/submission.html.j2", status_code=status_code, sub=sub,
                    criteria=progress.criteria_for_grid(sub.achievement_row.rubric),
                    feedback=progress.feedback_of(sub), values=values, error=error, result=result)

    @get("/submissions/{s_id:str}")
    async def submission(self, ctx: Ctx, request: Request[Any, Any, Any], s_id: FromPath[str],
                         result: FromQuery[str | None] = None) -> Response[Any]:
        return await self._submission_page(ctx, request, s_id, values=EvidenceValues(), result=result)

    @post("/submissions/{s_id:str}/revise")
    async def revise(self, ctx: Ctx, request: Request[Any, Any, Any], s_id: FromPath[str]) -> Response[Any]:
        form = await form_of(request)
        files = await files_of(form)
        try:
            await evidence.revise(ctx, who(request), s_id, narrative=form.get("narrative"),
                                  urls=text_list(form, "urls"), files=files, self_ratings=self_levels(form),
                                  self_comment=form.get("self_comment"))
        except IssuerError as exc:
            return await self._submission_page(ctx, request, s_id, values=evidence_values(form, had_files=bool(files)),
                                               error=form_error(exc, default_field="narrative"),
                                               status_code=exc.status_code)
        return see_other(f"/student/submissions/{s_id}?result=revised")

    async def _elo_page(self, ctx: Ctx, request: Request[Any, Any, Any], *, values: EloValues,
                        error: FormError | None = None, result: str | None = None,
                        status_code: int = 200) -> Response[Any]:
        p = who(request)
        return page(request, "elo/propose.html.j2", status_code=status_code,
                    achievements=await achievements.list_achievements(ctx, p),
                    frameworks=await frameworks.frameworks_with_competencies(ctx, p),
                    elos=await elos.list_elos(ctx, p), values=values, error=error, result=result)

    @get("/elo")
    async def elo_form(self, ctx: Ctx, request: Request[Any, Any, Any], achievement: FromQuery[str | None] = None,
                       result: FromQuery[str | None] = None) -> Response[Any]:
        return await self._elo_page(ctx, request, values=EloValues(achievement=achievement or ""), result=result)

    @post("/elo")
    async def elo_propose(self, ctx: Ctx, request: Request[Any, Any, Any]) -> Response[Any]:
        form = await form_of(request)
        try:
            await elos.propose(ctx, who(request), achievement_uuid=str(form.get("achievement") or ""),
                               partner_org=form.get("partner_org"), mentor_name=form.get("mentor_name"),
                               mentor_email=form.get("mentor_email"), goals=form.get("goals"),
                               competencies=getall(form, "competencies"),
                               hours=form.get("hours"), start_date=form.get("start_date"),
                               end_date=form.get("end_date"))
        except IssuerError as exc:
            return await self._elo_page(ctx, request, values=elo_values(form), error=form_error(exc),
                                        status_code=exc.status_code)
        return see_other("/student/elo?result=proposed")
