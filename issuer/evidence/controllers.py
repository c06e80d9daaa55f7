"""Evidence API: submit, revise (new version), read, download a file."""
from __future__ import annotations

from urllib.parse import quote

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery

from issuer.evidence import service
from issuer.accounts.auth import requires
from issuer.web.common import STAFF, clock, files_of, form_of, store, text_list, who
from issuer.web.dto_learning import submission_out


def download(data: bytes, meta: dict) -> Response:
    name = meta.get("name") or "file"
    return Response(content=data, media_type=meta.get("mediaType") or "application/octet-stream",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
                             "X-Content-Type-Options": "nosniff",
                             "Content-Security-Policy": "default-src 'none'; sandbox"})


class EvidenceController(Controller):
    path = "/api/submissions"
    tags = ["evidence"]

    @post("/", guards=[requires("student")], status_code=201)
    async def submit(self, request: Request) -> dict:
        """multipart: ``achievement``, ``narrative``, ``urls`` (one per line or repeated), ``files``."""
        form = await form_of(request)
        sub = await service.submit(who(request), achievement_uuid=str(form.get("achievement") or ""),
                                   narrative=form.get("narrative"), urls=text_list(form, "urls"),
                                   files=await files_of(form), store=store(), clock=clock())
        return submission_out(await service.get_submission(who(request), str(sub["uuid"])))

    @post("/{s_id:str}/versions", guards=[requires("student")], status_code=201)
    async def revise(self, request: Request, s_id: FromPath[str]) -> dict:
        form = await form_of(request)
        await service.revise(who(request), s_id, narrative=form.get("narrative"), urls=text_list(form, "urls"),
                             files=await files_of(form), store=store(), clock=clock())
        return submission_out(await service.get_submission(who(request), s_id))

    @get("/", guards=[requires(*STAFF, "student")])
    async def list_(self, request: Request, status: FromQuery[str | None] = None) -> list[dict]:
        return [submission_out(s) for s in await service.list_submissions(
            who(request), statuses=[status] if status else None)]

    @get("/{s_id:str}", guards=[requires(*STAFF, "student")])
    async def read(self, request: Request, s_id: FromPath[str]) -> dict:
        return submission_out(await service.get_submission(who(request), s_id))

    @get("/{s_id:str}/files/{sha256:str}", guards=[requires(*STAFF, "student")])
    async def file(self, request: Request, s_id: FromPath[str], sha256: FromPath[str]) -> Response:
        data, meta = await service.submission_file(who(request), s_id, sha256, store())
        return download(data, meta)
