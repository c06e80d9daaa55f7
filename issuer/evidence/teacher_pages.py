"""Server-rendered pages for teachers: the review queue, rating evidence (the rubric grid beside
the evidence, then the outcome on its own page: POST/redirect/GET), deciding ELO plans, and one
student's work. Forms post with the CSRF token."""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.params import FromPath, FromQuery

from issuer.access import STAFF
from issuer.accounts.auth import requires
from issuer.credentials import admin as credential_admin
from issuer.errors import InvalidInput, IssuerError
from issuer.evidence import elos, review, teaching
from issuer.evidence import service as evidence
from issuer.evidence.rows import FileRef
from issuer.evidence.schemas import ReviewIn
from issuer.web.common import form_of, page, see_other, who
from issuer.web.deps import DEPENDENCIES, Ctx

# Evidence a browser shows inline without running anything of the student's: images (<img>), PDFs
# (its own viewer, in an <iframe> of this origin), video and audio, and plain text. Anything
# else (office documents) is a download.
INLINE = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain",
                    "video/mp4", "video/quicktime", "audio/mpeg"})
# A PDF viewer needs its plugin, so the PDF's policy only says who may frame it; everything else
# is sandboxed and loads nothing.
PDF_POLICY = "default-src 'none'; frame-ancestors 'self'"
INLINE_POLICY = "default-src 'none'; media-src 'self'; frame-ancestors 'self'; sandbox"


def inline(data: bytes, meta: FileRef) -> Response[bytes]:
    """An evidence file to show on the rating page (the API's download is an attachment)."""
    shown = meta.media_type in INLINE
    disposition = "inline" if shown else "attachment"
    media_type = meta.media_type if shown else "application/octet-stream"
    if media_type == "text/plain":
        media_type = "text/plain; charset=utf-8"
    return Response(content=data, media_type=media_type,
                    headers={"Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(meta.name or 'file')}",
                             "Content-Security-Policy": PDF_POLICY if meta.media_type == "application/pdf"
                             else INLINE_POLICY,
                             "Cache-Control": "private, max-age=300"})


def _rubric_criteria(rubric: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in rubric.get("criteria", []) if isinstance(c, dict)]


class RatingForm:
    """The rating form as posted: the level chosen per criterion, the feedback per criterion and
    overall (kept to re-render the form after an error), and what is missing."""

    def __init__(self, form: FormMultiDict, rubric: dict[str, Any]) -> None:
        self.criteria = _rubric_criteria(rubric)
        self.selected = {str(c["id"]): str(form.get(f"rating_{c['id']}") or "") for c in self.criteria}
        self.notes = {str(c["id"]): str(form.get(f"feedback_{c['id']}") or "") for c in self.criteria}
        self.feedback = str(form.get("feedback") or "")

    def missing(self) -> list[dict[str, str]]:
        """The criteria left without a level: their id, name and first radio's id (where the error
        summary's link goes); the page says "Choose a level for …" in its language."""
        out = []
        for c in self.criteria:
            if not self.selected[str(c["id"])]:
                levels = c.get("levels") or [{"value": 1}]
                out.append({"id": str(c["id"]), "name": str(c.get("name") or c["id"]),
                            "field": f"rating_{c['id']}-{levels[0]['value']}"})
        return out

    def review_in(self) -> ReviewIn:
        ratings = review.parse_ratings(self.selected)
        return ReviewIn(ratings=ratings, feedback=self.feedback,
                        criterion_feedback={k: v for k, v in self.notes.items() if v.strip()})


class TeacherPages(Controller):
    path = "/teacher"
    guards = [requires(*STAFF)]
    dependencies = DEPENDENCIES  # ctx, wherever the controller is mounted

    @get("/reviews")
    async def queue(self, ctx: Ctx, request: Request[Any, Any, Any], achievement: FromQuery[str | None] = None,
                    student: FromQuery[str | None] = None, waited: FromQuery[str | None] = None) -> Response[Any]:
        p = who(request)
        try:
            filters = teaching.parse_filters(achievement=achievement, student=student, waited=waited,
                                             school_class=request.query_params.get("class"))
            queue = await teaching.review_queue(ctx, p, filters)
        except InvalidInput as exc:
            queue = await teaching.review_queue(ctx, p, teaching.QueueFilters())
            return page(request, "teacher/queue.html.j2", status_code=exc.status_code, queue=queue,
                        waited_choices=teaching.WAITED_CHOICES, error=exc.message,
                        error_field=str(exc.details.get("field") or ""))
        return page(request, "teacher/queue.html.j2", queue=queue, waited_choices=teaching.WAITED_CHOICES,
                    error=None, error_field="")

    async def _rate_page(self, ctx: Ctx, request: Request[Any, Any, Any], s_id: str, *, status_code: int = 200,
                         form: RatingForm | None = None, missing: list[dict[str, str]] | None = None,
                         error: str | None = None, no_reason: bool = False,
                         refused: bool = False) -> Response[Any]:
        view = await teaching.rating_view(ctx, who(request), s_id)
        return page(request, "review/rate.html.j2", status_code=status_code, view=view, sub=view.submission,
                    rubric=view.submission.achievement_row.rubric, form=form, missing=missing or [],
                    error=error, no_reason=no_reason, refused=refused)

    @get("/submissions/{s_id:str}")
    async def submission(self, ctx: Ctx, request: Request[Any, Any, Any], s_id: FromPath[str]) -> Response[Any]:
        return await self._rate_page(ctx, request, s_id)

    @post("/submissions/{s_id:str}/review")
    async def rate(self, ctx: Ctx, request: Request[Any, Any, Any], s_id: FromPath[str]) -> Response[Any]:
        posted = await form_of(request)
        sub = await evidence.get_submission(ctx, who(request), s_id)
        form = RatingForm(posted, sub.achievement_row.rubric)
        if teaching.blocked(sub, who(request)):
            # the first rater posting a second rating, a rater moderating: the page says why in words
            return await self._rate_page(ctx, request, s_id, status_code=409, refused=True)
        missing = form.missing()
        # a moderator's levels decide, so they say why (the student reads it as the feedback)
        no_reason = sub.status == "moderation" and not form.feedback.strip()
        if missing or no_reason:
            return await self._rate_page(ctx, request, s_id, status_code=400, form=form, missing=missing,
                                         no_reason=no_reason)
        try:
            await review.record_review(ctx, who(request), s_id, form.review_in())
        except IssuerError as exc:
            return await self._rate_page(ctx, request, s_id, status_code=exc.status_code, form=form,
                                         error=exc.message)
        # POST/redirect/GET: the outcome has its own address, so reloading it never rates again
        return see_other(f"/teacher/submissions/{s_id}/outcome")

    @get("/submissions/{s_id:str}/outcome")
    async def outcome(self, ctx: Ctx, request: Request[Any, Any, Any], s_id: FromPath[str]) -> Response[Any]:
        out = await teaching.rating_outcome(ctx, who(request), s_id)
        return page(request, "review/outcome.html.j2", out=out, sub=out.submission,
                    rubric=out.submission.achievement_row.rubric)

    @get("/submissions/{s_id:str}/files/{sha256:str}")
    async def file(self, ctx: Ctx, request: Request[Any, Any, Any], s_id: FromPath[str],
                   sha256: FromPath[str]) -> Response[bytes]:
        data, meta = await evidence.submission_file(ctx, who(request), s_id, sha256)
        return inline(data, meta)

    @get("/elos")
    async def elo_plans(self, ctx: Ctx, request: Request[Any, Any, Any]) -> Response[Any]:
        return page(request, "teacher/elos.html.j2", plans=await teaching.elo_plans(ctx, who(request)))

    @post("/elos/{e_id:str}/decision")
    async def decide(self, ctx: Ctx, request: Request[Any, Any, Any], e_id: FromPath[str]) -> Response[Any]:
        form = await form_of(request)
        out = await elos.decide_plan(ctx, who(request), e_id, approve=form.get("approve") == "yes")
        return page(request, "elo/decided.html.j2", elo=out.elo, link=out.mentor_link, renewed=False)

    @post("/elos/{e_id:str}/new-link")
    async def new_link(self, ctx: Ctx, request: Request[Any, Any, Any], e_id: FromPath[str]) -> Response[Any]:
        """A mentor who lost the e-mail gets a new single-use link (mailed, and shown once here)."""
        link = await elos.reissue_link(ctx, who(request), e_id)
        return page(request, "elo/decided.html.j2", elo=await elos.get_elo(ctx, who(request), e_id), link=link,
                    renewed=True)

    @get("/students/{student_id:int}")
    async def student(self, ctx: Ctx, request: Request[Any, Any, Any], student_id: FromPath[int]) -> Response[Any]:
        p = who(request)
        work = await teaching.student_work(ctx, p, student_id)
        badges = await credential_admin.award_history(ctx, p, learner=student_id)
        return page(request, "teacher/student.html.j2", work=work, badges=badges)
