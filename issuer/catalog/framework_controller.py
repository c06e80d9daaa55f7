"""Competency frameworks API: create, import (CSV / CASE JSON), list, read."""
from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from issuer.catalog import frameworks as service
from issuer.accounts.auth import requires
from issuer.web.common import STAFF, clock, files_of, form_of, who
from issuer.web.dto_learning import FrameworkIn, framework_out
from issuer.web.dto_types import JSON_BODY_LIMIT


class FrameworkController(Controller):
    path = "/api/frameworks"
    tags = ["frameworks"]

    @post("/", guards=[requires(*STAFF)], status_code=201, request_max_body_size=JSON_BODY_LIMIT)
    async def create(self, request: Request, data: JSONBody[FrameworkIn]) -> dict:
        fw = await service.create_framework(who(request), kind=data.kind, name=data.name, version=data.version,
                                            competencies=[{"code": c.code, "name": c.name,
                                                           "description": c.description, "url": c.url}
                                                          for c in data.competencies],
                                            clock=clock(), school_id=data.school_id)
        return framework_out(fw)

    @post("/import", guards=[requires(*STAFF)], status_code=201)
    async def import_(self, request: Request) -> list[dict]:
        """multipart: ``file``, ``format`` (csv | case), optional ``kind`` and ``name``."""
        form = await form_of(request)
        files = await files_of(form, "file")
        from issuer.errors import InvalidInput

        if len(files) != 1:
            raise InvalidInput("send exactly one file in the field 'file'")
        fws = await service.import_framework(who(request), fmt=str(form.get("format") or "csv"), data=files[0][1],
                                             kind=form.get("kind") or None, name=form.get("name") or None,
                                             clock=clock())
        return [framework_out(await service.get_framework(who(request), str(f["uuid"]))) for f in fws]

    @get("/", guards=[requires(*STAFF, "student")])
    async def list_(self, request: Request, kind: FromQuery[str | None] = None) -> list[dict]:
        return [framework_out(f) for f in await service.list_frameworks(who(request), kind)]

    @get("/{fw_id:str}", guards=[requires(*STAFF, "student")])
    async def read(self, request: Request, fw_id: FromPath[str]) -> dict:
        return framework_out(await service.get_framework(who(request), fw_id))
