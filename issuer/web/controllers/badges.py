"""Public sharing of an issued badge: HTML page, baked PNG/SVG, QR code, evidence files.

The credential JSON itself is served verbatim at ``/credentials/<uuid>`` by the platform half.
"""
from __future__ import annotations

from litestar import Controller, Request, Response, get
from litestar.params import FromPath

from issuer.services import sharing
from issuer.web.controllers.evidence import download
from issuer.web.controllers.learning_common import page, store


def _uuid_and_ext(name: str) -> tuple[str, str]:
    stem, _, ext = name.rpartition(".")
    return (stem, ext) if stem else (name, "")


class BadgeController(Controller):
    path = "/badges"
    tags = ["public"]

    @get("/{name:str}")
    async def badge(self, request: Request, name: FromPath[str]) -> Response:
        c_uuid, ext = _uuid_and_ext(name)
        if ext == "png":
            return Response(content=await sharing.baked_png(c_uuid, store()), media_type="image/png",
                            headers={"Content-Disposition": f'inline; filename="badge-{c_uuid}.png"'})
        if ext == "svg":
            return Response(content=await sharing.baked_svg(c_uuid, store()), media_type="image/svg+xml",
                            headers={"Content-Disposition": f'inline; filename="badge-{c_uuid}.svg"',
                                     "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})
        if ext:
            from issuer.services.learning_errors import NotFound

            raise NotFound("no such badge format (html, .png, .svg)")
        view = await sharing.badge_view(c_uuid)
        return page(request, "badge/page.html.j2", badge=view)

    @get("/{c_id:str}/qr.png")
    async def qr(self, c_id: FromPath[str]) -> Response:
        return Response(content=await sharing.qr(c_id), media_type="image/png")

    @get("/{c_id:str}/evidence/{sha256:str}")
    async def evidence_file(self, c_id: FromPath[str], sha256: FromPath[str]) -> Response:
        data, meta = await sharing.evidence_file(c_id, sha256, store())
        return download(data, meta)

    @get("/{c_id:str}/evidence")
    async def evidence_page(self, request: Request, c_id: FromPath[str]) -> Response:
        view = await sharing.badge_view(c_id)
        return page(request, "badge/evidence.html.j2", badge=view)
