"""Public sharing of an issued badge: HTML page, baked PNG/SVG, QR code, evidence files.

The credential JSON itself is served verbatim at ``/credentials/<uuid>`` by the platform half.
"""
from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath

from issuer.credentials import sharing
from issuer.evidence.controllers import download
from issuer.errors import InvalidInput
from issuer.accounts.auth import requires
from issuer.storage import FileStore
from issuer.web.common import ctx_of, form_of, page, see_other, wants_html, who


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
            store = FileStore.from_settings(ctx_of(request).settings)
            return Response(content=await sharing.baked_png(c_uuid, store), media_type="image/png",
                            headers={"Content-Disposition": f'inline; filename="badge-{c_uuid}.png"'})
        if ext == "svg":
            store = FileStore.from_settings(ctx_of(request).settings)
            return Response(content=await sharing.baked_svg(c_uuid, store), media_type="image/svg+xml",
                            headers={"Content-Disposition": f'inline; filename="badge-{c_uuid}.svg"',
                                     "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})
        if ext:
            from issuer.errors import NotFound

            raise NotFound("no such badge format (html, .png, .svg)")
        view = await sharing.badge_view(c_uuid, who(request))
        return page(request, "badge/page.html.j2", badge=view)

    @get("/{c_id:str}/qr.png")
    async def qr(self, c_id: FromPath[str]) -> Response:
        return Response(content=await sharing.qr(c_id), media_type="image/png")

    @get("/{c_id:str}/evidence/{sha256:str}")
    async def evidence_file(self, request: Request, c_id: FromPath[str], sha256: FromPath[str]) -> Response:
        store = FileStore.from_settings(ctx_of(request).settings)
        data, meta = await sharing.evidence_file(c_id, sha256, store, who(request))
        return download(data, meta)

    @get("/{c_id:str}/evidence")
    async def evidence_page(self, request: Request, c_id: FromPath[str]) -> Response:
        """The badge's evidence (narrative, mentor attestation, files): a page, or with
        ``Accept: application/json`` the signed badge's ``evidence`` items."""
        view = await sharing.badge_view(c_id, who(request))
        if not wants_html(request):
            base_url = ctx_of(request).settings.base_url
            return Response(content={"id": f"{base_url}/badges/{view['uuid']}/evidence", "badge": view["json_url"],
                                     "name": f"Evidence for {view['name']}", "evidence": view["evidence_json"]},
                            media_type="application/json", headers={"Vary": "Accept"})
        return page(request, "badge/evidence.html.j2", badge=view)

    @post("/{c_id:str}/evidence-sharing", guards=[requires("student")], status_code=200)
    async def evidence_sharing(self, request: Request, c_id: FromPath[str]) -> Response:
        """The learner's switch: form field ``shared`` = ``yes`` (files public to whoever has the
        badge's link, the default) or ``no`` (only the learner and the school's staff)."""
        form = await form_of(request)
        value = str(form.get("shared") or "").lower()
        if value not in ("yes", "no", "true", "false"):
            raise InvalidInput("shared must be yes or no", field="shared")
        shared = await sharing.set_evidence_shared(who(request), c_id, value in ("yes", "true"))
        if wants_html(request):
            return see_other(f"/badges/{c_id}")
        return Response(content={"evidenceShared": shared}, media_type="application/json")
