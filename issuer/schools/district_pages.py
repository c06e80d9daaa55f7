"""The district admin's schools pages (issue 13): ``/district/schools`` (the district's schools,
their DIDs, keys and people), ``/district/schools/new`` (the form), ``POST
/district/schools/check`` (check your answers: the form checked, nothing written) and ``POST
/district/schools`` (make it: 303 to the list with a banner; the admin's set-password e-mail
goes out after the answer). Plain forms with the CSRF token, no JavaScript.
"""
from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.params import FromQuery

from issuer import access
from issuer.access import Principal, Role
from issuer.accounts.auth import requires
from issuer.errors import InvalidInput
from issuer.render.i18n import language_of
from issuer.schools import district
from issuer.schools.admin_pages import errors_of
from issuer.schools.profile import ADDRESS_FIELDS
from issuer.web.common import form_of, page, see_other, who
from issuer.web.deps import DEPENDENCIES, Ctx

AuthRequest = Request[Principal, Any, Any]
FIELDS = ("name", "slug", "url", "did_method", "admin_username", "admin_name", "admin_email")


def _school_in(form: Any) -> tuple[district.SchoolIn, dict[str, str]]:
    typed = {name: str(form.get(name) or "") for name in (*FIELDS, *ADDRESS_FIELDS)}
    data = district.SchoolIn(name=typed["name"], slug=typed["slug"], url=typed["url"],
                             did_method=typed["did_method"] or "did:web",
                             address={k: typed[k] for k in ADDRESS_FIELDS}, admin_username=typed["admin_username"],
                             admin_name=typed["admin_name"], admin_email=typed["admin_email"])
    return data, typed


class DistrictPages(Controller):
    path = "/district/schools"
    guards = [requires(Role.DISTRICT_ADMIN)]
    dependencies = DEPENDENCIES
    include_in_schema = False

    @get("/")
    async def index(self, ctx: Ctx, request: AuthRequest, made: FromQuery[str | None] = None) -> Response[Any]:
        schools = await district.district_schools(ctx, who(request))
        just_made = next((s for s in schools if s.school.slug == made), None) if made else None
        return page(request, "district/schools.html.j2", schools=schools, made=just_made)

    @get("/new")
    async def new(self, ctx: Ctx, request: AuthRequest) -> Response[Any]:
        access.check_creates_schools(who(request))
        return page(request, "district/new.html.j2", errors=[], kept={"did_method": "did:web"},
                    address_fields=ADDRESS_FIELDS)

    @post("/check")
    async def check(self, ctx: Ctx, request: AuthRequest) -> Response[Any]:
        data, typed = _school_in(await form_of(request))
        try:
            plan = await district.check_new_school(ctx, who(request), data)
        except InvalidInput as exc:
            return page(request, "district/new.html.j2", status_code=exc.status_code, errors=errors_of(exc),
                        kept=typed, address_fields=ADDRESS_FIELDS)
        return page(request, "district/check.html.j2", plan=plan, kept=typed, address_fields=ADDRESS_FIELDS)

    @post("/")
    async def create(self, ctx: Ctx, request: AuthRequest) -> Response[Any]:
        form = await form_of(request)
        data, typed = _school_in(form)
        if form.get("change"):  # "Change" on the check page: back to the form, as typed
            return page(request, "district/new.html.j2", errors=[], kept=typed, address_fields=ADDRESS_FIELDS)
        try:
            school, _did, deliver = await district.create_school(ctx, who(request), data,
                                                                 language=language_of(request))
        except InvalidInput as exc:  # changed since the check (a name taken meanwhile)
            return page(request, "district/new.html.j2", status_code=exc.status_code, errors=errors_of(exc),
                        kept=typed, address_fields=ADDRESS_FIELDS)
        response = see_other(f"/district/schools?made={school.slug}#made")
        response.background = BackgroundTask(deliver)
        return response


ROUTES = [DistrictPages]
