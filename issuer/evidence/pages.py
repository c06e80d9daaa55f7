"""Server-rendered pages for teachers (review queue, rate evidence, ELO plans) and students
(my badges, submit evidence, revise, propose an ELO). Forms post with the CSRF token."""
from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery

from issuer.catalog import repo as catalog_repo

from issuer.credentials import repo as credentials_repo
from issuer.catalog import achievements, frameworks
from issuer.evidence import elos, service as evidence, review
from issuer.access import scope_of
from issuer.errors import IssuerError
from issuer.accounts.auth import requires
from issuer.web.common import (STAFF, getall, base_url, clock, files_of, form_of, page, see_other,
                                                    store, text_list, who)


class TeacherPages(Controller):
    path = "/teacher"
    guards = [requires(*STAFF)]

    @get("/reviews")
    async def queue(self, request: Request) -> Response:
        return page(request, "teacher/queue.html.j2", items=await evidence.review_queue(who(request)),
                    elos=[e for e in await elos.list_elos(who(request)) if e["status"] == "proposed"])

    @get("/submissions/{s_id:str}")
    async def submission(self, request: Request, s_id: FromPath[str], result: FromQuery[str | None] = None) -> Response:
        sub = await evidence.get_submission(who(request), s_id)
        return page(request, "review/rate.html.j2", sub=sub, rubric=sub["achievement_row"]["rubric"],
                    result=result, error=None)

    @post("/submissions/{s_id:str}/review")
    async def rate(self, request: Request, s_id: FromPath[str]) -> Response:
        form = await form_of(request)
        sub = await evidence.get_submission(who(request), s_id)
        rubric = sub["achievement_row"]["rubric"]
        ratings = {c["id"]: form.get(f"rating_{c['id']}") for c in rubric["criteria"]}
        try:
            out = await review.record_review(who(request), s_id, ratings=ratings, feedback=form.get("feedback"),
                                             version=None, clock=clock())
        except IssuerError as exc:
            return page(request, "review/rate.html.j2", status_code=exc.status_code, sub=sub, rubric=rubric,
                        result=None, error=exc.message)
        return see_other(f"/teacher/submissions/{s_id}?result={out['status']}")

    @post("/elos/{e_id:str}/decision")
    async def decide(self, request: Request, e_id: FromPath[str]) -> Response:
        form = await form_of(request)
        out = await elos.decide_plan(who(request), e_id, approve=form.get("approve") == "yes", clock=clock(),
                                     base_url=base_url())
        return page(request, "elo/decided.html.j2", elo=out["elo"], link=out["mentorLink"])


class StudentPages(Controller):
    path = "/student"
    guards = [requires("student")]

    @get("/badges")
    async def badges(self, request: Request) -> Response:
        p = who(request)
        return page(request, "student/badges.html.j2", badges=await credentials_repo.list_credentials(await scope_of(p)),
                    submissions=await evidence.list_submissions(p), elos=await elos.list_elos(p),
                    achievements=await achievements.list_achievements(p))

    @get("/submit")
    async def submit_form(self, request: Request, achievement: FromQuery[str | None] = None) -> Response:
        return page(request, "evidence/submit.html.j2", achievements=await achievements.list_achievements(who(request)),
                    selected=achievement, error=None, sub=None)

    @post("/submit")
    async def submit(self, request: Request) -> Response:
        form = await form_of(request)
        try:
            sub = await evidence.submit(who(request), achievement_uuid=str(form.get("achievement") or ""),
                                        narrative=form.get("narrative"), urls=text_list(form, "urls"),
                                        files=await files_of(form), store=store(), clock=clock())
        except IssuerError as exc:
            return page(request, "evidence/submit.html.j2", status_code=exc.status_code,
                        achievements=await achievements.list_achievements(who(request)),
                        selected=form.get("achievement"), error=exc.message, sub=None)
        return see_other(f"/student/submissions/{sub['uuid']}")

    @get("/submissions/{s_id:str}")
    async def submission(self, request: Request, s_id: FromPath[str]) -> Response:
        return page(request, "evidence/submission.html.j2", sub=await evidence.get_submission(who(request), s_id),
                    error=None)

    @post("/submissions/{s_id:str}/revise")
    async def revise(self, request: Request, s_id: FromPath[str]) -> Response:
        form = await form_of(request)
        try:
            await evidence.revise(who(request), s_id, narrative=form.get("narrative"), urls=text_list(form, "urls"),
                                  files=await files_of(form), store=store(), clock=clock())
        except IssuerError as exc:
            return page(request, "evidence/submission.html.j2", status_code=exc.status_code,
                        sub=await evidence.get_submission(who(request), s_id), error=exc.message)
        return see_other(f"/student/submissions/{s_id}")

    @get("/elo")
    async def elo_form(self, request: Request) -> Response:
        p = who(request)
        fws = await frameworks.list_frameworks(p)
        comps = await catalog_repo.competencies_by_id([])
        for fw in fws:
            fw["competencies"] = (await catalog_repo.get_framework(fw["uuid"]))["competencies"]
        return page(request, "elo/propose.html.j2", achievements=await achievements.list_achievements(p),
                    frameworks=fws, error=None, comps=comps)

    @post("/elo")
    async def elo_propose(self, request: Request) -> Response:
        form = await form_of(request)
        p = who(request)
        try:
            await elos.propose(p, achievement_uuid=str(form.get("achievement") or ""),
                               partner_org=form.get("partner_org"), mentor_name=form.get("mentor_name"),
                               mentor_email=form.get("mentor_email"), goals=form.get("goals"),
                               competencies=getall(form, "competencies"),
                               hours=form.get("hours"), start_date=form.get("start_date"),
                               end_date=form.get("end_date"), clock=clock())
        except IssuerError as exc:
            fws = await frameworks.list_frameworks(p)
            for fw in fws:
                fw["competencies"] = (await catalog_repo.get_framework(fw["uuid"]))["competencies"]
            return page(request, "elo/propose.html.j2", status_code=exc.status_code,
                        achievements=await achievements.list_achievements(p), frameworks=fws, error=exc.message,
                        comps=[])
        return see_other("/student/badges")


