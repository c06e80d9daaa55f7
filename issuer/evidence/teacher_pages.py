"""Server-rendered pages for teachers: the review queue, rating evidence, deciding ELO plans.
Forms post with the CSRF token."""
from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery

from issuer.access import STAFF
from issuer.accounts.auth import requires
from issuer.errors import IssuerError
from issuer.evidence import elos, review
from issuer.evidence import service as evidence
from issuer.evidence.schemas import ReviewIn
from issuer.web.common import form_of, page, see_other, who
from issuer.web.deps import DEPENDENCIES, Ctx


class TeacherPages(Controller):
    path = "/teacher"
    guards = [requires(*STAFF)]
    dependencies = DEPENDENCIES  # ctx, wherever the controller is mounted

    @get("/reviews")
    async def queue(self, ctx: Ctx, request: Request[Any, Any, Any]) -> Response[Any]:
        return page(request, "teacher/queue.html.j2", items=await evidence.review_queue(ctx, who(request)),
                    elos=[e for e in await elos.list_elos(ctx, who(request)) if e.status == "proposed"])

    @get("/submissions/{s_id:str}")
    async def submission(self, ctx: Ctx, request: Request[Any, Any, Any], s_id: FromPath[str],
                         result: FromQuery[str | None] = None) -> Response[Any]:
        sub = await evidence.get_submission(ctx, who(request), s_id)
        return page(request, "review/rate.html.j2", sub=sub, rubric=sub.achievement_row.rubric,
                    result=result, error=None)

    @post("/submissions/{s_id:str}/review")
    async def rate(self, ctx: Ctx, request: Request[Any, Any, Any], s_id: FromPath[str]) -> Response[Any]:
        form = await form_of(request)
        sub = await evidence.get_submission(ctx, who(request), s_id)
        rubric = sub.achievement_row.rubric
        try:
            ratings = review.parse_ratings({c["id"]: form.get(f"rating_{c['id']}") for c in rubric["criteria"]})
            data = ReviewIn(ratings=ratings, feedback=str(form.get("feedback") or ""))
            out = await review.record_review(ctx, who(request), s_id, data)
        except IssuerError as exc:
            return page(request, "review/rate.html.j2", status_code=exc.status_code, sub=sub, rubric=rubric,
                        result=None, error=exc.message)
        return see_other(f"/teacher/submissions/{s_id}?result={out.status}")

    @post("/elos/{e_id:str}/decision")
    async def decide(self, ctx: Ctx, request: Request[Any, Any, Any], e_id: FromPath[str]) -> Response[Any]:
        form = await form_of(request)
        out = await elos.decide_plan(ctx, who(request), e_id, approve=form.get("approve") == "yes")
        return page(request, "elo/decided.html.j2", elo=out.elo, link=out.mentor_link)
