"""Public sharing of an issued badge: HTML page, baked PNG/SVG, QR code, evidence files.

The credential JSON itself is served verbatim at ``/credentials/<uuid>`` (``credentials.controllers``).
"""
from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath

from issuer.accounts.auth import requires
from issuer.context import IssuerContext
from issuer.credentials import sharing
from issuer.credentials.schemas import BadgeEvidenceOut, EvidenceSharingOut
from issuer.errors import InvalidInput, NotFound
from issuer.evidence.controllers import download
from issuer.storage import FileStore
from issuer.web.common import form_of, page, see_other, wants_html, who
from issuer.web.deps import DEPENDENCIES, Ctx


def _uuid_and_ext(name: str) -> tuple[str, str]:
    stem, _, ext = name.rpartition(".")
    return (stem, ext) if stem else (name, "")


def _store(ctx: IssuerContext) -> FileStore:
    return FileStore.from_settings(ctx.settings)


class BadgeController(Controller):
    path = "/badges"
    tags = ["public"]
    dependencies = DEPENDENCIES  # ctx, wherever the controller is mounted

    @get("/{name:str}")
    async def badge(self, ctx: Ctx, request: Request[Any, Any, Any], name: FromPath[str]) -> Response[Any]:
        c_uuid, ext = _uuid_and_ext(name)
        if ext == "png":
            return Response(content=await sharing.baked_png(c_uuid, _store(ctx)), media_type="image/png",
                            headers={"Content-Disposition": f'inline; filename="badge-{c_uuid}.png"'})
        if ext == "svg":
            return Response(content=await sharing.baked_svg(c_uuid, _store(ctx)), media_type="image/svg+xml",
                            headers={"Content-Disposition": f'inline; filename="badge-{c_uuid}.svg"',
                                     "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})
        if ext:
            raise NotFound("no such badge format (html, .png, .svg)")
        view = await sharing.badge_view(ctx, c_uuid, who(request))
        return page(request, "badge/page.html.j2", badge=view)

    @get("/{c_id:str}/qr.png")
    async def qr(self, ctx: Ctx, c_id: FromPath[str]) -> Response[Any]:
        return Response(content=await sharing.qr(ctx, c_id), media_type="image/png")

    @get("/{c_id:str}/evidence/{sha256:str}")
    async def evidence_file(self, ctx: Ctx, request: Request[Any, Any, Any], c_id: FromPath[str],
                            sha256: FromPath[str]) -> Response[Any]:
        data, meta = await sharing.evidence_file(c_id, sha256, _store(ctx), who(request))
        return download(data, meta)

    @get("/{c_id:str}/evidence")
    async def evidence_page(self, ctx: Ctx, request: Request[Any, Any, Any], c_id: FromPath[str]) -> Response[Any]:
        """The badge's evidence (narrative, mentor attestation, files): a page, or with
        ``Accept: application/json`` the signed badge's ``evidence`` items."""
        view = await sharing.badge_view(ctx, c_id, who(request))
        if not wants_html(request):
            body = BadgeEvidenceOut(id=f"{ctx.settings.base_url}/badges/{view['uuid']}/evidence",
                                    badge=view["json_url"], name=f"Evidence for {view['name']}",
                                    evidence=view["evidence_json"])
            return Response(content=body, media_type="application/json", headers={"Vary": "Accept"})
        return page(request, "badge/evidence.html.j2", badge=view)

    @post("/{c_id:str}/evidence-sharing", guards=[requires("student")], status_code=200)
    async def evidence_sharing(self, request: Request[Any, Any, Any], c_id: FromPath[str]) -> Response[Any]:
        """The learner's switch: form field ``shared`` = ``yes`` (files public to whoever has the
        badge's link, the default) or ``no`` (only the learner and the school's staff)."""
        form = await form_of(request)
        value = str(form.get("shared") or "").lower()
        if value not in ("yes", "no", "true", "false"):
            raise InvalidInput("shared must be yes or no", field="shared")
        shared = await sharing.set_evidence_shared(who(request), c_id, value in ("yes", "true"))
        if wants_html(request):
            return see_other(f"/badges/{c_id}")
        return Response(content=EvidenceSharingOut(evidence_shared=shared), media_type="application/json")
