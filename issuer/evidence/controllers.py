"""Evidence API: submit, revise (new version), read, download a file."""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery

from issuer.access import STAFF
from issuer.accounts.auth import requires
from issuer.evidence import service
from issuer.evidence.forms import self_levels
from issuer.evidence.rows import FileRef
from issuer.evidence.schemas import SubmissionOut, submission_out
from issuer.web.common import files_of, form_of, text_list, who
from issuer.web.deps import DEPENDENCIES, Ctx


def download(data: bytes, meta: FileRef) -> Response[bytes]:
    name = meta.name or "file"
    return Response(content=data, media_type=meta.media_type or "application/octet-stream",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
                             "X-Content-Type-Options": "nosniff",
                             "Content-Security-Policy": "default-src 'none'; sandbox"})


class EvidenceController(Controller):
    path = "/api/submissions"
    tags = ["evidence"]
    dependencies = DEPENDENCIES  # ctx, wherever the controller is mounted

    @post("/", guards=[requires("student")], status_code=201)
    async def submit(self, ctx: Ctx, request: Request[Any, Any, Any]) -> SubmissionOut:
        """multipart: ``achievement``, ``narrative``, ``urls`` (one per line or repeated), ``files``; an
        optional self-assessment: ``self_level_<criterion id>`` (a level) and ``self_comment``."""
        form = await form_of(request)
        sub = await service.submit(ctx, who(request), achievement_uuid=str(form.get("achievement") or ""),
                                   narrative=form.get("narrative"), urls=text_list(form, "urls"),
                                   files=await files_of(form), self_ratings=self_levels(form),
                                   self_comment=form.get("self_comment"))
        return submission_out(await service.get_submission(ctx, who(request), str(sub.uuid)))

    @post("/{s_id:str}/versions", guards=[requires("student")], status_code=201)
    async def revise(self, ctx: Ctx, request: Request[Any, Any, Any], s_id: FromPath[str]) -> SubmissionOut:
        form = await form_of(request)
        await service.revise(ctx, who(request), s_id, narrative=form.get("narrative"), urls=text_list(form, "urls"),
                             files=await files_of(form), self_ratings=self_levels(form),
                             self_comment=form.get("self_comment"))
        return submission_out(await service.get_submission(ctx, who(request), s_id))

    @get("/", guards=[requires(*STAFF, "student")])
    async def list_(self, ctx: Ctx, request: Request[Any, Any, Any],
                    status: FromQuery[str | None] = None) -> list[SubmissionOut]:
        return [submission_out(s) for s in await service.list_submissions(
            ctx, who(request), statuses=[status] if status else None)]

    @get("/{s_id:str}", guards=[requires(*STAFF, "student")])
    async def read(self, ctx: Ctx, request: Request[Any, Any, Any], s_id: FromPath[str]) -> SubmissionOut:
        return submission_out(await service.get_submission(ctx, who(request), s_id))

    @get("/{s_id:str}/files/{sha256:str}", guards=[requires(*STAFF, "student")])
    async def file(self, ctx: Ctx, request: Request[Any, Any, Any], s_id: FromPath[str],
                   sha256: FromPath[str]) -> Response[bytes]:
        data, meta = await service.submission_file(ctx, who(request), s_id, sha256)
        return download(data, meta)
