"""Awards API: list issued badges (own / school), bulk award from CSV with job progress."""
from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath

from issuer.access import STAFF
from issuer.accounts.auth import requires
from issuer.credentials import bulk, sharing
from issuer.credentials.schemas import AwardedBadgeOut
from issuer.errors import InvalidInput
from issuer.web.common import files_of, form_of, job_page, wants_html, who
from issuer.web.deps import DEPENDENCIES, Ctx
from issuer.web.dto_learning import job_out


class AwardController(Controller):
    path = "/api/awards"
    tags = ["awards"]
    dependencies = DEPENDENCIES  # ctx, wherever the controller is mounted

    @get("/", guards=[requires(*STAFF, "student")])
    async def list_(self, ctx: Ctx, request: Request[Any, Any, Any]) -> list[AwardedBadgeOut]:
        rows = await sharing.badges_of(who(request))
        return [AwardedBadgeOut.of(r, base_url=ctx.settings.base_url) for r in rows]

    @post("/bulk", guards=[requires("teacher", "school_admin", "district_admin")], status_code=202)
    async def bulk_award(self, ctx: Ctx, request: Request[Any, Any, Any]) -> Response[Any]:
        """multipart ``file`` (CSV: email, achievement, one column per criterion id). Every row is
        validated first (422 with per-row errors, nothing issued); then the job runs in the background."""
        files = await files_of(await form_of(request), "file")
        if len(files) != 1:
            raise InvalidInput("send exactly one CSV file in the field 'file'")
        job, plan = await bulk.start(ctx, who(request), files[0][1])
        body = job_out(job) | {"skipped": plan.skipped, "url": f"{ctx.settings.base_url}/api/awards/bulk/{job.uuid}"}
        return Response(content=body, status_code=202,
                        headers={"Location": f"/api/awards/bulk/{job.uuid}"})

    @get("/bulk/{job_id:str}", guards=[requires("teacher", "school_admin", "district_admin")])
    async def bulk_status(self, ctx: Ctx, request: Request[Any, Any, Any], job_id: FromPath[str]) -> Response[Any]:
        """The job's progress as JSON, or (a browser) a page that refreshes itself until it ends."""
        job = await bulk.job_status(ctx, who(request), job_id)
        if wants_html(request):
            return job_page(request, job, title="Bulk award", unit="rows", done_key="issued",
                            done_label="badges issued", json_url=f"/api/awards/bulk/{job.uuid}")
        return Response(content=job_out(job))
