"""Endorsement routes: the public endorsement (``/endorsements/<uuid>``: a page, or the signed JSON
byte for byte), an endorser's revocation list (``/endorsers/<uuid>/status/revocation``), the staff
form (``/endorse``), the school's list (``/admin/endorsements``) and the mentor's endorsement
through their link (``POST /mentor/<token>/endorse``). Plain forms with the CSRF token; a refused
form re-renders with the reason and what was typed."""
from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery

from issuer.access import ADMINS
from issuer.accounts.auth import CSRF_FIELD, CSRF_HEADER, check_csrf, principal_of, requires
from issuer.endorsements import service
from issuer.errors import BadRequest, IssuerError, NotFound
from issuer.schools import directory as schools
from issuer.web.common import form_of, page, see_other, who
from issuer.web.deps import DEPENDENCIES, Ctx
from issuer.web.dto import problem_responses

VC_MEDIA_TYPE = "application/vc+ld+json"
_OFFERED = ["text/html", VC_MEDIA_TYPE, "application/ld+json", "application/json"]


class EndorsementController(Controller):
    """An endorsement's stable address: a page for a browser, the signed credential for a client
    that asks for JSON (``Vary: Accept``); ``.json`` downloads it."""
    path = "/endorsements"
    tags = ["public"]
    dependencies = DEPENDENCIES

    @get("/{name:str}")
    async def endorsement(self, ctx: Ctx, request: Request[Any, Any, Any], name: FromPath[str],
                          done: FromQuery[str | None] = None) -> Response[Any]:
        e_uuid, _, ext = name.partition(".")
        if ext not in ("", "json"):
            raise NotFound("no such endorsement format (html, .json)")
        row = await service.stored(e_uuid)
        if ext == "json":
            filename = f"endorsement-{str(row.uuid)[:8]}.json"
            return Response(content=row.document.encode("utf-8"), media_type=VC_MEDIA_TYPE,
                            headers={"Content-Disposition": f'attachment; filename="{filename}"'})
        if request.accept.best_match(_OFFERED, default="text/html") != "text/html":
            return Response(content=row.document.encode("utf-8"), media_type=VC_MEDIA_TYPE, headers={"Vary": "Accept"})
        response = page(request, "endorsement/page.html.j2", e=service.view_of(ctx, row), done=done)
        response.headers["Vary"] = "Accept"
        return response


class EndorserStatusController(Controller):
    """An endorser's (teacher's, partner's) revocation list, signed with its key, verbatim: what a
    verifier reads to learn that one of its endorsements was withdrawn."""
    path = "/endorsers"
    tags = ["status"]
    dependencies = DEPENDENCIES

    @get("/{e_uuid:str}/status/revocation", responses=problem_responses(404),
         summary="An endorser's signed revocation list", response_description="application/vc+ld+json")
    async def status_list(self, ctx: Ctx, e_uuid: FromPath[str]) -> Response[bytes]:
        document = await service.endorser_status_list(e_uuid)
        return Response(content=document.encode("utf-8"), media_type=VC_MEDIA_TYPE,
                        headers={"Cache-Control": f"public, max-age={ctx.settings.status_cache_seconds}"})


class EndorsePages(Controller):
    """A member of staff endorses: an administrator as the school, a teacher as themselves."""
    path = "/endorse"
    guards = [requires("teacher", "school_admin", "district_admin")]
    dependencies = DEPENDENCIES
    include_in_schema = False

    async def _form(self, ctx: Ctx, request: Request[Any, Any, Any], ref: str | None, *, status_code: int = 200,
                    errors: list[dict[str, Any]] | None = None, kept: dict[str, Any] | None = None) -> Response[Any]:
        principal = who(request)
        subject = await service.subject_of(ctx, principal, ref) if ref else None
        as_school = principal.role in ADMINS
        school_id = principal.school_id
        school = (await schools.school_name(school_id) if school_id is not None else None) or ""
        as_name = school if as_school else (principal.display_name or principal.username)
        back = "/admin/endorsements" if as_school else "/teacher/reviews"
        if subject is not None and subject.kind == "achievement" and as_school:
            back = f"/admin/achievements/{subject.ref.partition(':')[2]}"
        elif subject is not None and subject.kind == "badge":
            back = f"/teacher/awards/{subject.ref.partition(':')[2]}"
        return page(request, "endorsement/new.html.j2", status_code=status_code, subject=subject,
                    choices=[] if subject else await service.choices(ctx, principal), as_school=as_school,
                    as_name=as_name, errors=errors or [], kept=kept or {}, back=back)

    @get("/")
    async def form(self, ctx: Ctx, request: Request[Any, Any, Any], achievement: FromQuery[str | None] = None,
                   badge: FromQuery[str | None] = None, issuer: FromQuery[str | None] = None) -> Response[Any]:
        ref = (f"achievement:{achievement}" if achievement else f"badge:{badge}" if badge
               else f"issuer:{issuer}" if issuer else None)
        return await self._form(ctx, request, ref)

    @post("/")
    async def endorse(self, ctx: Ctx, request: Request[Any, Any, Any]) -> Response[Any]:
        form = await form_of(request)
        ref = str(form.get("subject") or "").strip()
        comment = str(form.get("comment") or "")
        try:
            if not ref:
                raise BadRequest("choose what to endorse", field="subject")
            row = await service.endorse(ctx, who(request), ref=ref, comment=comment)
        except IssuerError as exc:
            if exc.status_code in (403, 404) and exc.details.get("field") is None:
                raise
            field = str(exc.details.get("field") or "")
            chosen = ref if ref and field != "subject" and exc.status_code != 404 else None
            return await self._form(ctx, request, chosen, status_code=exc.status_code,
                                    errors=[{"field": field or None, "message": exc.message}],
                                    kept={"comment": comment, "subject": ref, "error_field": field})
        return see_other(f"/endorsements/{row.uuid}?done=endorsed")


class AdminEndorsementPages(Controller):
    """The school's endorsements, for its administrators."""
    path = "/admin/endorsements"
    guards = [requires("school_admin", "district_admin")]
    dependencies = DEPENDENCIES
    include_in_schema = False

    @get("/")
    async def listing(self, ctx: Ctx, request: Request[Any, Any, Any], done: FromQuery[str | None] = None
                      ) -> Response[Any]:
        return page(request, "endorsement/admin.html.j2", endorsements=await service.of_school(ctx, who(request)),
                    done=done)

    @post("/{e_uuid:str}/withdraw")
    async def withdraw(self, ctx: Ctx, request: Request[Any, Any, Any], e_uuid: FromPath[str]) -> Response[Any]:
        await service.withdraw(ctx, who(request), e_uuid)
        return see_other("/admin/endorsements?done=withdrawn")


class MentorEndorsePages(Controller):
    """The mentor endorses the achievement of their link's ELO on behalf of the partner
    organisation (CSRF as on the attestation form: the mentor has no session)."""
    path = "/mentor"
    tags = ["mentor"]
    dependencies = DEPENDENCIES
    include_in_schema = False

    @post("/{token:str}/endorse", status_code=200)
    async def endorse(self, ctx: Ctx, request: Request[Any, Any, Any], token: FromPath[str]) -> Response[Any]:
        form = await form_of(request)
        if principal_of(request).via == "anonymous":
            presented = request.headers.get(CSRF_HEADER) or form.get(CSRF_FIELD)
            check_csrf(request, presented if isinstance(presented, str) else None)
        comment = str(form.get("comment") or "")
        try:
            row = await service.endorse_as_partner(ctx, token, achievement=str(form.get("achievement") or ""),
                                                   comment=comment)
        except IssuerError as exc:
            if exc.status_code in (404, 410):
                return page(request, "mentor/gone.html.j2", status_code=exc.status_code, message=exc.message)
            offer = await service.partner_offer(ctx, token)
            return page(request, "mentor/endorse.html.j2", status_code=exc.status_code, token=token,
                        organisation=offer.organisation, subject=offer.subject, held=offer.held,
                        error=exc.message, error_field=str(exc.details.get("field") or ""), comment=comment)
        return page(request, "mentor/endorsed.html.j2", e=service.view_of(ctx, row))


ROUTES = [EndorsementController, EndorserStatusController, EndorsePages, AdminEndorsementPages, MentorEndorsePages]
