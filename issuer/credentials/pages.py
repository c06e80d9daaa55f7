"""Public sharing of an issued badge: HTML page, downloads (JSON, baked PNG/SVG, offline bundle),
QR code, evidence files, and the learner's sharing switches.

``GET /badges/<uuid>`` is the badge's public address. It answers by content negotiation
(``Vary: Accept``): a page for a browser, the signed credential byte for byte for a client that
asks for ``application/vc+ld+json`` / ``application/ld+json`` / ``application/json`` (a verifier
given the page's URL); the page also names the credential as ``<link rel="alternate">``.
The credential JSON is also served verbatim at ``/credentials/<uuid>`` by ``controllers``.
``/badges/<uuid>.jwt`` is the same credential as a VC-JWT (OB 3.0 §8.2), signed once and stored.
Everything here follows the learner's public-page switch (``sharing.may_read``).
"""
from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath

from issuer.accounts.auth import requires
from issuer.context import IssuerContext
from issuer.credentials import offline, sharing, vc_jwt, wallets
from issuer.credentials.schemas import BadgeEvidenceOut, BadgeSharingOut, EvidenceSharingOut
from issuer.endorsements import service as endorsements
from issuer.errors import InvalidInput, NotFound
from issuer.evidence.controllers import download
from issuer.render.qr import qr_data_uri
from issuer.storage import FileStore
from issuer.web.common import form_of, page, see_other, wants_html, who
from issuer.web.deps import DEPENDENCIES, Ctx

VC_MEDIA_TYPE = sharing.VC_MEDIA_TYPE
# What the badge's address offers, the page first: a client that accepts anything (*/*) gets the page.
_OFFERED = ["text/html", VC_MEDIA_TYPE, "application/ld+json", "application/json"]
_YES, _NO = ("yes", "true", "on", "1"), ("no", "false", "off", "0")


def _uuid_and_ext(name: str) -> tuple[str, str]:
    stem, _, ext = name.rpartition(".")
    return (stem, ext) if stem else (name, "")


def _store(ctx: IssuerContext) -> FileStore:
    return FileStore.from_settings(ctx.settings)


def _disposition(request: Request[Any, Any, Any], filename: str) -> str:
    """``attachment`` when the link asks for a download (``?download=1``), else ``inline``."""
    kind = "attachment" if request.query_params.get("download") in _YES else "inline"
    return f'{kind}; filename="{filename}"'


def _switch(form: Any, field: str) -> bool | None:
    value = form.get(field)
    if value is None:
        return None
    value = str(value).strip().lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise InvalidInput(f"{field} must be yes or no", field=field)


async def _credential_bytes(request: Request[Any, Any, Any], c_uuid: str) -> tuple[bytes, str]:
    row = await sharing.readable(who(request), await sharing.credential_row(c_uuid))
    return row.document.encode("utf-8"), sharing.file_stem(row)


class BadgeController(Controller):
    path = "/badges"
    tags = ["public"]
    dependencies = DEPENDENCIES  # ctx, wherever the controller is mounted

    @get("/{name:str}")
    async def badge(self, ctx: Ctx, request: Request[Any, Any, Any], name: FromPath[str]) -> Response[Any]:
        c_uuid, ext = _uuid_and_ext(name)
        viewer = who(request)
        if ext == "png":
            row = await sharing.credential_row(c_uuid)
            return Response(content=await sharing.baked_png(c_uuid, _store(ctx), viewer), media_type="image/png",
                            headers={"Content-Disposition": _disposition(
                                request, f"{sharing.file_stem(row)}.png")})
        if ext == "svg":
            row = await sharing.credential_row(c_uuid)
            return Response(content=await sharing.baked_svg(c_uuid, _store(ctx), viewer),
                            media_type="image/svg+xml",
                            headers={"Content-Disposition": _disposition(
                                request, f"{sharing.file_stem(row)}.svg"),
                                     "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})
        if ext == "json":  # the signed credential as a file: stored bytes, a name a person can read
            body, filename = await _credential_bytes(request, c_uuid)
            return Response(content=body, media_type=VC_MEDIA_TYPE,
                            headers={"Content-Disposition": f'attachment; filename="{filename}.json"'})
        if ext == "jwt":  # the same credential as a VC-JWT (issuer.credentials.vc_jwt)
            row = await sharing.readable(viewer, await sharing.credential_row(c_uuid))
            return Response(content=(await vc_jwt.jwt_of(ctx, row)).encode("ascii"), media_type=vc_jwt.MEDIA_TYPE,
                            headers={"Content-Disposition": f'attachment; filename="{sharing.file_stem(row)}.jwt"'})
        if ext:
            raise NotFound("no such badge format (html, .json, .jwt, .png, .svg)")
        if request.accept.best_match(_OFFERED, default="text/html") != "text/html":
            body, _ = await _credential_bytes(request, c_uuid)  # a verifier given the page's URL
            return Response(content=body, media_type=VC_MEDIA_TYPE, headers={"Vary": "Accept"})
        try:
            view = await sharing.badge_view(ctx, c_uuid, viewer)
        except sharing.NotShared:
            response = page(request, "badge/not_shared.html.j2", status_code=404)
        else:
            copies = (await wallets.wallet_copies(await sharing.credential_row(c_uuid))) if view["owner"] else []
            # the badge's own endorsements and its achievement's standing ones (issuer.endorsements)
            endorsed = await endorsements.for_subjects(ctx, [view["credential_id"], view["achievement_id"]])
            response = page(request, "badge/page.html.j2", badge=view, endorsements=endorsed,
                            saved=request.query_params.get("saved"), wallet_copies=copies)
        response.headers["Vary"] = "Accept"
        return response

    @get("/{c_id:str}/qr.png")
    async def qr(self, ctx: Ctx, request: Request[Any, Any, Any], c_id: FromPath[str]) -> Response[Any]:
        return Response(content=await sharing.qr(ctx, c_id, who(request)), media_type="image/png")

    @get("/{c_id:str}/bundle.zip")
    async def bundle(self, ctx: Ctx, request: Request[Any, Any, Any], c_id: FromPath[str]) -> Response[Any]:
        """The offline bundle: the badge, its school's DID document and its status list, zipped."""
        row = await sharing.readable(who(request), await sharing.credential_row(c_id))
        name = sharing.file_stem(row)
        data = await offline.bundle_zip(ctx, row, name=name, now=ctx.clock.now())
        return Response(content=data, media_type="application/zip",
                        headers={"Content-Disposition": f'attachment; filename="{name}-offline.zip"'})

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

    @post("/{c_id:str}/wallet", guards=[requires("student")], status_code=200)
    async def wallet(self, ctx: Ctx, request: Request[Any, Any, Any], c_id: FromPath[str]) -> Response[Any]:
        """The owner's "Add to wallet": a new single-use request link for the Learner Credential
        Wallet, shown on this page (with a QR code to scan from a desktop) — the link holds a
        secret only its sha256 of is kept, so the page is the POST's answer, not a redirect."""
        made = await wallets.offer(ctx, who(request), c_id)
        view = await sharing.badge_view(ctx, c_id, who(request))
        response = page(request, "badge/wallet.html.j2", badge=view, offer=made, qr=qr_data_uri(made.deep_link),
                        minutes=int(wallets.EXCHANGE_TTL.total_seconds() // 60))
        response.headers["Cache-Control"] = "no-store"
        return response

    @post("/{c_id:str}/sharing", guards=[requires("student")], status_code=200)
    async def badge_sharing(self, request: Request[Any, Any, Any], c_id: FromPath[str]) -> Response[Any]:
        """The learner's switches: form fields ``public_page`` and/or ``show_name`` = ``yes`` or
        ``no`` (a field left out keeps its value). A page gets 303 back to the badge."""
        form = await form_of(request)
        public_page, show_name = _switch(form, "public_page"), _switch(form, "show_name")
        if public_page is None and show_name is None:
            raise InvalidInput("give public_page or show_name (yes or no)", field="public_page")
        row = await sharing.set_sharing(who(request), c_id, public_page=public_page, show_name=show_name)
        if wants_html(request):
            return see_other(f"/badges/{c_id}?saved={'page' if public_page is not None else 'name'}#share")
        return Response(content=BadgeSharingOut(public_page=row.public_page, show_name=row.show_name),
                        media_type="application/json")
