"""The pages of an extended learning opportunity's outside parties: the partner's public page and
the mentor's attestation page, reached only through a single-use, expiring link.

The mentor has no account, so the form is protected like the login form: its ``csrf_token``
field (or an ``X-CSRF-Token`` header for JSON) must match the pre-session CSRF cookie
(``issuer.accounts.auth.check_csrf``); otherwise a page elsewhere could post an attestation through
a mentor's browser. A session caller was checked by ``AuthMiddleware`` already; a bearer token is
never sent by a browser on its own, so it needs no token."""
from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath

from issuer.accounts.auth import CSRF_FIELD, CSRF_HEADER, check_csrf, principal_of
from issuer.endorsements import service as endorsements
from issuer.errors import IssuerError
from issuer.evidence import elos as service
from issuer.web.common import form_of, negotiated, page
from issuer.web.deps import DEPENDENCIES, Ctx
from issuer.web.dto_types import JSON_BODY_LIMIT


async def _offer(ctx: Ctx, token: str) -> endorsements.PartnerOffer | None:
    """The endorsement the link offers alongside the attestation (issuer.endorsements), if any."""
    try:
        return await endorsements.partner_offer(ctx, token)
    except IssuerError:
        return None


class PartnerController(Controller):
    """The organisation of an attested extended learning opportunity (a badge's
    ``credentialSubject.source.id``): a page for a browser, JSON for ``Accept: application/json``."""
    path = "/partners"
    tags = ["public"]
    dependencies = DEPENDENCIES  # ctx, wherever the controller is mounted

    @get("/{elo_id:str}")
    async def partner(self, ctx: Ctx, request: Request[Any, Any, Any], elo_id: FromPath[str]) -> Response[Any]:
        return negotiated(request, await service.partner(ctx, elo_id), "linked/partner.html.j2")


class MentorController(Controller):
    path = "/mentor"
    tags = ["mentor"]
    request_max_body_size = JSON_BODY_LIMIT  # JSON bodies (issuer/web/dto_types.py)
    dependencies = DEPENDENCIES  # ctx, wherever the controller is mounted

    @get("/{token:str}")
    async def show(self, ctx: Ctx, request: Request[Any, Any, Any], token: FromPath[str]) -> Response[Any]:
        try:
            view = await service.mentor_view(ctx, token)
        except IssuerError as exc:
            return page(request, "mentor/gone.html.j2", status_code=exc.status_code, message=exc.message)
        return page(request, "mentor/attest.html.j2", view=view, token=token, error=None, error_field="",
                    values={}, headers_noindex=True, offer=await _offer(ctx, token))

    @post("/{token:str}", status_code=200)
    async def attest(self, ctx: Ctx, request: Request[Any, Any, Any], token: FromPath[str]) -> Response[Any]:
        """Form post (or JSON with statement, hours, confirm)."""
        body: dict[str, Any]
        if (request.headers.get("content-type") or "").startswith("application/json"):
            sent = await request.json()
            body = sent if isinstance(sent, dict) else {}
        else:
            body = dict(await form_of(request))
        if principal_of(request).via == "anonymous":
            presented = request.headers.get(CSRF_HEADER) or body.get(CSRF_FIELD)
            check_csrf(request, presented if isinstance(presented, str) else None)
        try:
            await service.attest(ctx, token, statement=str(body.get("statement") or ""), hours=body.get("hours"),
                                 confirm=body.get("confirm") in (True, "true", "on", "1", "yes"))
        except IssuerError as exc:
            if exc.status_code == 410:
                return page(request, "mentor/gone.html.j2", status_code=410, message=exc.message)
            try:
                view = await service.mentor_view(ctx, token)
            except IssuerError as gone:
                return page(request, "mentor/gone.html.j2", status_code=gone.status_code, message=gone.message)
            return page(request, "mentor/attest.html.j2", status_code=exc.status_code, view=view, token=token,
                        offer=await _offer(ctx, token),
                        error=exc.message, error_field=str(exc.details.get("field") or ""),
                        values={"statement": str(body.get("statement") or ""), "hours": str(body.get("hours") or ""),
                                "confirm": body.get("confirm") in (True, "true", "on", "1", "yes")})
        return page(request, "mentor/thanks.html.j2", token=token, offer=await _offer(ctx, token))
