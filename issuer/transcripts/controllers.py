"""Transcripts over HTTP: generate, read (JSON / PDF / HTML), share links, cohort jobs.

* ``POST /api/transcripts`` ``{student?, externalLearning?}``: a student for themself (with the
  uuids of badges from elsewhere in their backpack to carry as external learning, if they choose);
  a teacher/admin for a student of their school (id or email) → 201 with the links.
* ``GET /transcripts/<uuid>.json``: the signed CLR, verbatim (``application/vc+ld+json``); public
  by its unguessable id, because the page-1 QR code sends any verifier there.
* ``GET /transcripts/<uuid>.pdf`` and ``GET /transcripts/<uuid>``: the owner student or staff of
  the school (rendering runs in a worker thread).
* ``/api/transcripts/<uuid>/shares``: make (expiry), list, revoke share links; ``GET /share/<token>``
  needs no account, verifies the transcript live and shows each badge's status (410 once the
  link is revoked or expired).
* ``POST /api/transcript-jobs`` (staff): every student of the school, in the background;
  ``GET /api/transcript-jobs/<uuid>`` reports progress.
"""
from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from issuer.access import STAFF, Principal
from issuer.accounts.auth import csrf_token, require_login, requires
from issuer.errors import InvalidInput, IssuerError, LinkExpired, NotFound
from issuer.portfolio import imports
from issuer.render.templating import render_template
from issuer.transcripts import cohort, service
from issuer.transcripts import shares as share_links
from issuer.transcripts.clr import CLR_MEDIA_TYPE
from issuer.transcripts.schemas import CohortIn, CohortJobOut, ShareIn, ShareOut, TranscriptIn, TranscriptOut
from issuer.web.common import form_of, getall, job_page, page, see_other, wants_html
from issuer.web.deps import DEPENDENCIES, Ctx
from issuer.web.dto_types import JSON_BODY_LIMIT, PathId

# A request as the auth middleware leaves it: ``request.user`` is who asks (``Principal``).
AuthRequest = Request[Principal, Any, Any]

_PRIVATE = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}
_SHARE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex",
                  "X-Content-Type-Options": "nosniff"}


class TranscriptApi(Controller):
    path = "/api/transcripts"
    tags = ["transcripts"]
    dependencies = DEPENDENCIES  # ctx, wherever the controller is mounted
    request_max_body_size = JSON_BODY_LIMIT  # JSON bodies (issuer/web/dto_types.py)

    @post("/", guards=[requires(*STAFF, "student")], status_code=201,
          summary="Sign a new transcript of a student's current badges")
    async def generate(self, ctx: Ctx, request: AuthRequest, data: JSONBody[TranscriptIn]) -> TranscriptOut:
        row, _ = await service.generate(ctx, request.user, data.student, external=data.external_learning)
        return TranscriptOut.of(row, ctx.settings.base_url)

    @get("/", guards=[requires(*STAFF, "student")], summary="Transcripts the caller may see")
    async def list_(self, ctx: Ctx, request: AuthRequest, student: FromQuery[str | None] = None) -> list[TranscriptOut]:
        return [TranscriptOut.of(r, ctx.settings.base_url) for r in await service.list_for(ctx, request.user, student)]

    @get("/{t_id:str}/shares", guards=[requires(*STAFF, "student")], summary="Share links of a transcript")
    async def shares(self, ctx: Ctx, request: AuthRequest, t_id: FromPath[str]) -> list[ShareOut]:
        return [ShareOut.of(s) for s in await share_links.list_shares(ctx, request.user, t_id)]

    @post("/{t_id:str}/shares", guards=[requires(*STAFF, "student")], status_code=201,
          summary="Make a share link (expires; revocable); the URL is shown only here")
    async def share(self, ctx: Ctx, request: AuthRequest, t_id: FromPath[str], data: JSONBody[ShareIn]) -> ShareOut:
        row, token = await share_links.create_share(ctx, request.user, t_id, expires_in_days=data.expires_in_days,
                                               expires_at=data.expires_at, label=data.label)
        return ShareOut.of(row, url=share_links.share_url(ctx, token))

    @post("/{t_id:str}/shares/{share_id:int}/revoke", guards=[requires(*STAFF, "student")], status_code=200,
          summary="Withdraw a share link")
    async def revoke(self, ctx: Ctx, request: AuthRequest, t_id: FromPath[str], share_id: FromPath[PathId]) -> ShareOut:
        return ShareOut.of(await share_links.revoke_share(ctx, request.user, t_id, share_id))


class TranscriptJobApi(Controller):
    path = "/api/transcript-jobs"
    tags = ["transcripts"]
    dependencies = DEPENDENCIES  # ctx, wherever the controller is mounted
    request_max_body_size = JSON_BODY_LIMIT  # JSON bodies (issuer/web/dto_types.py)

    @post("/", guards=[requires("teacher", "school_admin", "district_admin")], status_code=202,
          summary="Transcripts for every student of a school, in the background")
    async def start(self, ctx: Ctx, request: AuthRequest, data: JSONBody[CohortIn]) -> Response[Any]:
        job = await cohort.start_cohort(ctx, request.user, school_id=data.school_id)
        return Response(content=CohortJobOut.of(job, ctx.settings.base_url), status_code=202,
                        headers={"Location": f"/api/transcript-jobs/{job.uuid}"})

    @get("/{job_id:str}", guards=[requires("teacher", "school_admin", "district_admin")],
         summary="Progress of a cohort job")
    async def status(self, ctx: Ctx, request: AuthRequest, job_id: FromPath[str]) -> Response[Any]:
        """JSON, or (a browser) a page that refreshes itself until the job ends."""
        job = await cohort.job_status(ctx, request.user, job_id)
        if wants_html(request):
            return job_page(request, job, title="Transcripts for a cohort", unit="students", done_key="succeeded",
                            done_label="transcripts made", json_url=f"/api/transcript-jobs/{job.uuid}")
        return Response(content=CohortJobOut.of(job, ctx.settings.base_url))


def _layout(request: AuthRequest) -> dict[str, Any]:
    """What the layout needs to show who is signed in, their menu and their language."""
    return {"request": request, "csrf_token": csrf_token(request)}


class TranscriptDocuments(Controller):
    path = "/transcripts"
    tags = ["transcripts"]
    dependencies = DEPENDENCIES  # ctx, wherever the controller is mounted

    @get("/{name:str}", summary="A transcript: <uuid>.json (signed CLR), <uuid>.pdf, or <uuid> (HTML view); "
                                "?download=1 saves the JSON or PDF as a file")
    async def read(self, ctx: Ctx, request: AuthRequest, name: FromPath[str],
                   download: FromQuery[bool] = False) -> Response[Any]:
        stem, dot, suffix = name.rpartition(".")
        if not dot:
            stem, suffix = name, ""
        disposition = "attachment" if download else "inline"
        if suffix == "json":
            document = await service.signed_document(ctx, stem)
            headers = {"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"}
            if download:  # the signed bytes as stored, saved as a file
                headers["Content-Disposition"] = f'attachment; filename="transcript-{stem}.clr.json"'
            return Response(content=document.encode("utf-8"), media_type=CLR_MEDIA_TYPE, headers=headers)
        if suffix not in ("", "pdf"):
            raise NotFound("no such transcript")
        row = await service.visible(ctx, require_login(request.user), stem)
        if suffix == "pdf":
            pdf = await service.render_pdf(ctx, row)
            return Response(content=pdf, media_type="application/pdf", headers={
                **_PRIVATE, "Content-Disposition": f'{disposition}; filename="transcript-{stem}.pdf"'})
        html = await service.render_html(ctx, row, page=_layout(request))
        return Response(content=html, media_type="text/html; charset=utf-8", headers=_PRIVATE)


class SharePage(Controller):
    path = "/share"
    tags = ["transcripts"]
    dependencies = DEPENDENCIES  # ctx, wherever the controller is mounted

    @get("/{token:str}", summary="A shared transcript, verified live (no account needed); <token>.pdf: its PDF")
    async def open(self, ctx: Ctx, request: AuthRequest, token: FromPath[str]) -> Response[Any]:
        try:
            if token.endswith(".pdf"):
                pdf = await share_links.share_pdf(ctx, token.removesuffix(".pdf"))
                return Response(content=pdf, media_type="application/pdf", headers={
                    **_SHARE_HEADERS, "Content-Disposition": 'inline; filename="transcript.pdf"'})
            html, report = await share_links.share_page(ctx, token, page=_layout(request))
        except (LinkExpired, NotFound) as exc:
            gone = render_template("transcript/share_gone.html.j2", request=request, message=exc.message,
                                   gone=isinstance(exc, LinkExpired))
            return Response(content=gone, media_type="text/html; charset=utf-8",
                            status_code=exc.status_code, headers=_SHARE_HEADERS)
        return Response(content=html, media_type="text/html; charset=utf-8",
                        headers={**_SHARE_HEADERS, "X-Verified": "true" if report.verified else "false"})


class StudentTranscriptPages(Controller):
    """The student's page, in the navigation ("Transcript"): make a transcript, view it, download
    its PDF and signed CLR, make and withdraw share links with their expiry (forms + CSRF).

    A refused form re-renders the page with an error summary, what was typed kept, and the
    error's status code; a change answers 303 back here (``?done=``) or, for a new share link,
    201 with the page itself, since the link is shown this once."""

    path = "/student/transcripts"
    guards = [requires("student")]
    dependencies = DEPENDENCIES  # ctx, wherever the controller is mounted
    include_in_schema = False

    async def _page(self, ctx: Ctx, request: AuthRequest, *, status_code: int = 200,
                    new_share: dict[str, str] | None = None, error: IssuerError | None = None,
                    kept: dict[str, Any] | None = None, done: str | None = None) -> Response[Any]:
        p = request.user
        offered = await imports.carriable(ctx, p)
        now = ctx.clock.now()
        items = []
        for row in await service.list_for(ctx, p):
            made = [{"id": s.id, "label": s.label, "created_at": s.created_at, "expires_at": s.expires_at,
                     "revoked_at": s.revoked_at, "expired": s.expires_at is not None and s.expires_at <= now}
                    for s in await share_links.list_shares(ctx, p, str(row.uuid))]
            items.append({"row": row, "links": service.links_for(ctx, row), "shares": made})
        errors = [{"field": error.details.get("field") or "", "message": error.message}] if error else []
        return page(request, "transcript/student.html.j2", status_code=status_code, transcripts=items,
                    new_share=new_share, errors=errors, kept=kept or {}, offered=offered,
                    done=done if done in ("withdrawn",) else None, max_days=share_links.MAX_SHARE_DAYS)

    @get("/")
    async def index(self, ctx: Ctx, request: AuthRequest, done: FromQuery[str | None] = None) -> Response[Any]:
        return await self._page(ctx, request, done=done)

    @post("/")
    async def make(self, ctx: Ctx, request: AuthRequest) -> Response[Any]:
        form = await form_of(request)
        chosen = [str(v) for v in getall(form, "external") if str(v).strip()]
        try:
            row, _ = await service.generate(ctx, request.user, external=chosen)
        except NotFound:
            raise  # another student's badge, or none: the error page, not this one
        except IssuerError as exc:
            return await self._page(ctx, request, status_code=exc.status_code, error=exc,
                                    kept={"external": chosen})
        return see_other(f"/transcripts/{row.uuid}")

    @post("/{t_id:str}/shares")
    async def share(self, ctx: Ctx, request: AuthRequest, t_id: FromPath[str]) -> Response[Any]:
        form = await form_of(request)
        label, days_text = str(form.get("label") or ""), str(form.get("days") or "30").strip()
        kept = {"transcript": t_id, "label": label, "days": days_text}
        days = int(days_text) if days_text.isdigit() else 0
        try:
            if not 1 <= days <= share_links.MAX_SHARE_DAYS:
                raise InvalidInput(f"Say for how many days the link works: a whole number from 1 to "
                                   f"{share_links.MAX_SHARE_DAYS}", field="expiresInDays")
            _, token = await share_links.create_share(ctx, request.user, t_id, expires_in_days=days, label=label)
        except NotFound:
            raise  # another student's transcript, or none: the error page, not this one
        except IssuerError as exc:
            # the summary links to the field of this transcript's form
            field = {"expiresInDays": "days", "label": "label"}.get(str(exc.details.get("field")), "days")
            error = InvalidInput(exc.message, field=f"{field}-{t_id}")
            return await self._page(ctx, request, status_code=exc.status_code, error=error, kept=kept)
        return await self._page(ctx, request, status_code=201,
                                new_share={"url": share_links.share_url(ctx, token), "label": label.strip(),
                                           "days": str(days)})

    @post("/{t_id:str}/shares/{share_id:int}/revoke")
    async def revoke(self, ctx: Ctx, request: AuthRequest, t_id: FromPath[str],
                     share_id: FromPath[PathId]) -> Response[Any]:
        await share_links.revoke_share(ctx, request.user, t_id, share_id)
        return see_other("/student/transcripts?done=withdrawn")


TRANSCRIPT_ROUTES = [TranscriptApi, TranscriptJobApi, TranscriptDocuments, SharePage, StudentTranscriptPages]
