"""The student's portfolio and "My data" pages, and the page a portfolio's share link opens.

Plain forms with the CSRF token (no JavaScript needed). After a change the page answers 303 to
itself with ``?done=<what>`` (a banner says what happened); a refused change re-renders the page
with an error summary and what was typed kept, with the error's status code.
"""
from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery

from issuer.access import Principal
from issuer.accounts.auth import requires
from issuer.errors import InvalidInput, IssuerError, LinkExpired, NotFound
from issuer.evidence.controllers import download
from issuer.portfolio import archive, service, shares
from issuer.portfolio.import_pages import BackpackImportPages
from issuer.web.common import form_of, getall, page, see_other, who
from issuer.web.deps import DEPENDENCIES, Ctx
from issuer.web.dto_types import PathId

AuthRequest = Request[Principal, Any, Any]

# A share link carries its secret in the path: never cached, never indexed, never sent on as a Referer.
_SHARE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex",
                  "X-Content-Type-Options": "nosniff"}
DONE = frozenset({"saved", "added", "piece", "removed", "moved", "withdrawn"})


class PortfolioPages(Controller):
    path = "/student/portfolio"
    guards = [requires("student")]
    dependencies = DEPENDENCIES
    include_in_schema = False

    async def _page(self, ctx: Ctx, request: AuthRequest, *, status_code: int = 200, done: str | None = None,
                    error: IssuerError | None = None, kept: dict[str, Any] | None = None,
                    new_share: dict[str, str] | None = None) -> Response[Any]:
        errors = [{"field": error.details.get("field") or "", "message": error.message}] if error else []
        return page(request, "portfolio/edit.html.j2", status_code=status_code,
                    view=await service.view(ctx, who(request)), done=done if done in DONE else None,
                    errors=errors, kept=kept or {}, new_share=new_share)

    @get("/")
    async def index(self, ctx: Ctx, request: AuthRequest, done: FromQuery[str | None] = None) -> Response[Any]:
        return await self._page(ctx, request, done=done)

    @post("/")
    async def save(self, ctx: Ctx, request: AuthRequest) -> Response[Any]:
        form = await form_of(request)
        kept = {"title": str(form.get("title") or ""), "reflection": str(form.get("reflection") or "")}
        try:
            await service.save(ctx, who(request), title=kept["title"], reflection=kept["reflection"])
        except InvalidInput as exc:
            return await self._page(ctx, request, status_code=exc.status_code, error=exc, kept=kept)
        return see_other("/student/portfolio?done=saved")

    @post("/pieces")
    async def add(self, ctx: Ctx, request: AuthRequest) -> Response[Any]:
        form = await form_of(request)
        chosen = [str(v) for v in getall(form, "pieces")]
        try:
            await service.add_pieces(ctx, who(request), chosen)
        except InvalidInput as exc:
            return await self._page(ctx, request, status_code=exc.status_code, error=exc, kept={"pieces": chosen})
        return see_other("/student/portfolio?done=added#chosen")

    @post("/pieces/{item_id:int}")
    async def update(self, ctx: Ctx, request: AuthRequest, item_id: FromPath[PathId]) -> Response[Any]:
        form = await form_of(request)
        reflection = str(form.get("reflection") or "")
        public = str(form.get("public") or "") == "yes"
        try:
            await service.update_piece(ctx, who(request), item_id, reflection=reflection, public=public)
        except InvalidInput as exc:
            return await self._page(ctx, request, status_code=exc.status_code, error=exc,
                                    kept={"item": item_id, "reflection": reflection, "public": public})
        return see_other(f"/student/portfolio?done=piece#piece-{item_id}")

    @post("/pieces/{item_id:int}/remove")
    async def remove(self, ctx: Ctx, request: AuthRequest, item_id: FromPath[PathId]) -> Response[Any]:
        await service.remove_piece(ctx, who(request), item_id)
        return see_other("/student/portfolio?done=removed#chosen")

    @post("/pieces/{item_id:int}/move")
    async def move(self, ctx: Ctx, request: AuthRequest, item_id: FromPath[PathId]) -> Response[Any]:
        form = await form_of(request)
        await service.move_piece(ctx, who(request), item_id, str(form.get("direction") or ""))
        return see_other(f"/student/portfolio?done=moved#piece-{item_id}")

    @post("/shares")
    async def share(self, ctx: Ctx, request: AuthRequest) -> Response[Any]:
        form = await form_of(request)
        label = str(form.get("label") or "")
        try:
            _, token = await shares.create_share(ctx, who(request), label=label)
        except InvalidInput as exc:
            return await self._page(ctx, request, status_code=exc.status_code, error=exc, kept={"label": label})
        # 201 with the page itself: the link is shown this once (only its hash is kept)
        return await self._page(ctx, request, status_code=201,
                                new_share={"url": shares.share_url(ctx, token), "label": label.strip()})

    @post("/shares/{share_id:int}/revoke")
    async def revoke(self, ctx: Ctx, request: AuthRequest, share_id: FromPath[PathId]) -> Response[Any]:
        await shares.revoke_share(ctx, who(request), share_id)
        return see_other("/student/portfolio?done=withdrawn#shares")


class SharedPortfolio(Controller):
    """What a share link opens, with no account: the public pieces, or "no longer shared"."""

    path = "/portfolio"
    dependencies = DEPENDENCIES
    include_in_schema = False

    @get("/{token:str}")
    async def open(self, ctx: Ctx, request: AuthRequest, token: FromPath[str]) -> Response[Any]:
        try:
            shared = await shares.public_view(ctx, token)
        except (LinkExpired, NotFound) as exc:
            gone = page(request, "portfolio/gone.html.j2", status_code=exc.status_code,
                        withdrawn=isinstance(exc, LinkExpired))
            gone.headers.update(_SHARE_HEADERS)
            return gone
        response = page(request, "portfolio/public.html.j2", shared=shared, token=token)
        response.headers.update(_SHARE_HEADERS)
        return response

    @get("/{token:str}/files/{item_id:int}")
    async def file(self, ctx: Ctx, token: FromPath[str], item_id: FromPath[PathId]) -> Response[bytes]:
        data, meta = await shares.public_file(ctx, token, item_id)
        response = download(data, meta)
        response.headers.update(_SHARE_HEADERS)
        return response


class MyDataPages(Controller):
    """My data: what the archive holds, and the archive itself (a download, no side effects)."""

    path = "/student/data"
    guards = [requires("student")]
    dependencies = DEPENDENCIES
    include_in_schema = False

    @get("/")
    async def index(self, ctx: Ctx, request: AuthRequest) -> Response[Any]:
        return page(request, "student/data.html.j2", counts=await archive.summary(ctx, who(request)))

    @get("/archive.zip")
    async def download(self, ctx: Ctx, request: AuthRequest) -> Response[bytes]:
        data, name = await archive.build(ctx, who(request))
        return Response(content=data, media_type="application/zip",
                        headers={"Content-Disposition": f'attachment; filename="{name}"',
                                 "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})


def _privacy_routes() -> list[Any]:
    from issuer.portfolio import privacy_pages  # an administrator's privacy requests (issue 13)

    return list(privacy_pages.ROUTES)


PORTFOLIO_ROUTES: list[Any] = [PortfolioPages, SharedPortfolio, MyDataPages, BackpackImportPages, *_privacy_routes()]
