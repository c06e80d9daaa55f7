"""The student's badges from elsewhere: add one (a file or an https link), see one with the
verifier's verdict of now, download what was given, take it out. Plain forms with the CSRF token;
a refused import re-renders the form with the reason and the link kept (``issuer.portfolio.imports``)."""
from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery

from issuer.accounts.auth import requires
from issuer.errors import InvalidInput
from issuer.portfolio import imports
from issuer.storage import FileStore
from issuer.web.common import files_of, form_of, page, see_other, who
from issuer.web.deps import DEPENDENCIES, Ctx


class BackpackImportPages(Controller):
    path = "/student/backpack"
    guards = [requires("student")]
    dependencies = DEPENDENCIES
    include_in_schema = False
    # twice the file limit, so a file a little too large gets the form's words rather than a bare 413
    request_max_body_size = 2 * imports.MAX_IMPORT_BYTES

    @get("/import")
    async def form(self, request: Request[Any, Any, Any]) -> Response[Any]:
        return page(request, "student/import.html.j2", errors=[], kept={})

    @post("/import")
    async def add(self, ctx: Ctx, request: Request[Any, Any, Any]) -> Response[Any]:
        form = await form_of(request)
        url = str(form.get("url") or "").strip()
        files = [(name, data) for name, data in await files_of(form, "file") if data or name]
        try:
            if files and url:
                raise InvalidInput("give a file or a link, not both", field="file")
            row = await imports.import_badge(ctx, who(request), data=files[0][1] if files else None,
                                             url=url or None)
        except InvalidInput as exc:
            field = exc.details.get("field") or "file"
            return page(request, "student/import.html.j2", status_code=exc.status_code,
                        errors=[{"field": field, "message": exc.message}], kept={"url": url})
        return see_other(f"/student/backpack/{row.uuid}?done=added")

    @get("/{badge_uuid:str}")
    async def show(self, ctx: Ctx, request: Request[Any, Any, Any], badge_uuid: FromPath[str],
                   done: FromQuery[str | None] = None) -> Response[Any]:
        shown = await imports.one(ctx, who(request), badge_uuid)
        return page(request, "student/imported.html.j2", badge=shown, done=done == "added")

    @get("/{badge_uuid:str}/original")
    async def original(self, ctx: Ctx, request: Request[Any, Any, Any], badge_uuid: FromPath[str]) -> Response[Any]:
        """What the student gave, byte for byte."""
        shown = await imports.one(ctx, who(request), badge_uuid)
        data = FileStore.from_settings(ctx.settings).get(shown.row.sha256)
        ext, media = imports.file_kind(shown.row)
        name = f"badge-{str(shown.row.uuid)[:8]}.{ext}"
        return Response(content=data, media_type=media,
                        headers={"Content-Disposition": f'attachment; filename="{name}"',
                                 "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})

    @post("/{badge_uuid:str}/remove")
    async def remove(self, ctx: Ctx, request: Request[Any, Any, Any], badge_uuid: FromPath[str]) -> Response[Any]:
        await imports.forget(ctx, who(request), badge_uuid)
        return see_other("/student/badges?removed=1#elsewhere")


ROUTES = [BackpackImportPages]
