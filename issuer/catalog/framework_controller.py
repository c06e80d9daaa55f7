"""Competency frameworks API: create, import (CSV / CASE JSON), list, read."""
from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from issuer.access import STAFF
from issuer.accounts.auth import requires
from issuer.catalog import frameworks as service
from issuer.catalog.schemas import FrameworkIn, FrameworkOut, framework_out
from issuer.errors import InvalidInput
from issuer.web.common import files_of, form_of, who
from issuer.web.deps import DEPENDENCIES, Ctx
from issuer.web.dto_types import JSON_BODY_LIMIT


class FrameworkController(Controller):
    path = "/api/frameworks"
    tags = ["frameworks"]
    dependencies = DEPENDENCIES  # ctx, wherever the controller is mounted

    @post("/", guards=[requires(*STAFF)], status_code=201, request_max_body_size=JSON_BODY_LIMIT)
    async def create(self, ctx: Ctx, request: Request[Any, Any, Any], data: JSONBody[FrameworkIn]) -> FrameworkOut:
        return framework_out(await service.create_framework(ctx, who(request), data))

    @post("/import", guards=[requires(*STAFF)], status_code=201)
    async def import_(self, ctx: Ctx, request: Request[Any, Any, Any]) -> list[FrameworkOut]:
        """multipart: ``file``, ``format`` (csv | case), optional ``kind`` and ``name``."""
        form = await form_of(request)
        files = await files_of(form, "file")
        if len(files) != 1:
            raise InvalidInput("send exactly one file in the field 'file'")
        kind, name = form.get("kind"), form.get("name")
        fws = await service.import_framework(ctx, who(request), fmt=str(form.get("format") or "csv"),
                                             data=files[0][1], kind=str(kind) if kind else None,
                                             name=str(name) if name else None)
        return [framework_out(f) for f in fws]

    @get("/", guards=[requires(*STAFF, "student")])
    async def list_(self, ctx: Ctx, request: Request[Any, Any, Any],
                    kind: FromQuery[str | None] = None) -> list[FrameworkOut]:
        return [framework_out(f) for f in await service.list_frameworks(ctx, who(request), kind)]

    @get("/{fw_id:str}", guards=[requires(*STAFF, "student")])
    async def read(self, ctx: Ctx, request: Request[Any, Any, Any], fw_id: FromPath[str]) -> FrameworkOut:
        return framework_out(await service.get_framework(ctx, who(request), fw_id))
