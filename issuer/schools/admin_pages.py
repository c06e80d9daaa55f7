"""The administrator's school pages (issue 13): the school profile (``/admin/school``) and the
signing keys (``/admin/keys``, rotation behind a confirmation step).

Plain forms with the CSRF token, no JavaScript. A school admin works on their school; a district
admin on any school of the district, named by ``?school=<slug>`` (a form carries it in a hidden
field), the district's first school when none is named. After a change the page answers 303 to
itself with ``?done=<what>`` (a banner says what happened); a refused change re-renders the form
with an error summary, what was typed kept, and the error's status code.
"""
from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromQuery

from issuer.access import ADMINS, Principal
from issuer.accounts.auth import requires
from issuer.errors import Conflict, InvalidInput, IssuerError
from issuer.schools import identity, profile
from issuer.schools import service as school_admin
from issuer.schools.rows import SchoolRow
from issuer.web.common import files_of, form_of, page, see_other, who
from issuer.web.deps import DEPENDENCIES, Ctx

AuthRequest = Request[Principal, Any, Any]
SCHOOL_DONE = frozenset({"profile", "logo"})
KEY_DONE = frozenset({"rotated"})


def errors_of(exc: IssuerError) -> list[dict[str, str]]:
    """The error summary's lines: every problem a use case listed, else its one message."""
    listed = exc.details.get("errors")
    if isinstance(listed, list) and listed:
        return [{"field": str(e.get("field") or ""), "message": str(e.get("message") or "")} for e in listed]
    return [{"field": str(exc.details.get("field") or ""), "message": exc.message}]


def _suffix(school: SchoolRow, principal: Principal) -> str:
    # a district admin's links keep naming the school they are working on
    return f"school={school.slug}" if principal.district_id and principal.school_id is None else ""


def _with(url: str, *params: str) -> str:
    query = "&".join(p for p in params if p)
    return f"{url}?{query}" if query else url


class SchoolPages(Controller):
    """``/admin/school``: the profile form and the logo upload."""

    path = "/admin/school"
    guards = [requires(*ADMINS)]
    dependencies = DEPENDENCIES
    include_in_schema = False

    async def _page(self, ctx: Ctx, request: AuthRequest, school: SchoolRow, *, status_code: int = 200,
                    done: str | None = None, errors: list[dict[str, str]] | None = None,
                    kept: dict[str, Any] | None = None) -> Response[Any]:
        principal = who(request)
        return page(request, "admin/school.html.j2", status_code=status_code, school=school,
                    schools=await profile.administered_schools(principal), scale=profile.scale_of(school),
                    address_fields=profile.ADDRESS_FIELDS, did=await identity.issuer_did(ctx, school.id),
                    logo=profile.logo_url(ctx.settings.base_url, school) if school.logo_sha256 else None,
                    done=done if done in SCHOOL_DONE else None, errors=errors or [], kept=kept,
                    school_query=_suffix(school, principal))

    @get("/")
    async def index(self, ctx: Ctx, request: AuthRequest, school: FromQuery[str | None] = None,
                    done: FromQuery[str | None] = None) -> Response[Any]:
        return await self._page(ctx, request, await profile.admin_school(who(request), school), done=done)

    @post("/")
    async def save(self, ctx: Ctx, request: AuthRequest) -> Response[Any]:
        form = await form_of(request)
        slug = str(form.get("school") or "") or None
        school = await profile.admin_school(who(request), slug)
        text = {name: str(form.get(name) or "") for name in ("name", "url", "email", "description",
                                                          "linkedin_organization_id")}
        address = {key: str(form.get(key) or "") for key in profile.ADDRESS_FIELDS}
        names = [str(form.get(f"level-{i}") or "") for i in range(1, profile.LEVELS + 1)]
        descriptions = [str(form.get(f"level-{i}-description") or "") for i in range(1, profile.LEVELS + 1)]
        data = profile.ProfileIn(**text, address=address, level_names=names, level_descriptions=descriptions)
        try:
            await profile.update_profile(ctx, who(request), school.slug, data)
        except InvalidInput as exc:
            kept = {**text, **address, "levels": names, "descriptions": descriptions}
            return await self._page(ctx, request, school, status_code=exc.status_code, errors=errors_of(exc),
                                    kept=kept)
        return see_other(_with("/admin/school", _suffix(school, who(request)), "done=profile"))

    @post("/logo")
    async def logo(self, ctx: Ctx, request: AuthRequest) -> Response[Any]:
        form = await form_of(request)
        school = await profile.admin_school(who(request), str(form.get("school") or "") or None)
        files = await files_of(form, "logo")
        try:
            await profile.set_logo(ctx, who(request), school.slug, files[0][1] if files else b"")
        except InvalidInput as exc:  # too large, not an image, a hostile SVG: said beside the field
            errors = [{"field": "logo", "message": _logo_message(exc)}]
            return await self._page(ctx, request, school, status_code=exc.status_code, errors=errors)
        return see_other(_with("/admin/school", _suffix(school, who(request)), "done=logo") + "#logo-section")


def _logo_message(exc: InvalidInput) -> str:
    if exc.status_code == 413:
        return "The logo file is too large: choose one under 512 KB."
    if exc.status_code == 415:
        return "The logo must be a PNG or SVG image."
    if exc.details.get("field") == "logo":
        return exc.message
    return f"This image cannot be used as a logo: {exc.message}."


class KeyPages(Controller):
    """``/admin/keys``: the school's DID and keys; ``/admin/keys/rotate``: check, then rotate."""

    path = "/admin/keys"
    guards = [requires(*ADMINS)]
    dependencies = DEPENDENCIES
    include_in_schema = False

    async def _context(self, ctx: Ctx, request: AuthRequest, school: SchoolRow) -> dict[str, Any]:
        principal = who(request)
        keys = await school_admin.school_keys(ctx, principal, school.slug)
        return {"school": school, "schools": await profile.administered_schools(principal),
                "did": identity.school_did_web(school.slug, ctx.settings.base_url),
                "did_url": f"{ctx.settings.base_url}/issuers/{school.slug}/did.json",
                "keys": sorted(keys, key=lambda k: (not k["active"], -k["id"])),
                "school_query": _suffix(school, principal)}

    @get("/")
    async def index(self, ctx: Ctx, request: AuthRequest, school: FromQuery[str | None] = None,
                    done: FromQuery[str | None] = None) -> Response[Any]:
        found = await profile.admin_school(who(request), school)
        return page(request, "admin/keys.html.j2", done=done if done in KEY_DONE else None,
                    **await self._context(ctx, request, found))

    @get("/rotate")
    async def confirm(self, ctx: Ctx, request: AuthRequest, school: FromQuery[str | None] = None) -> Response[Any]:
        found = await profile.admin_school(who(request), school)
        return page(request, "admin/keys_rotate.html.j2", errors=[], **await self._context(ctx, request, found))

    @post("/rotate")
    async def rotate(self, ctx: Ctx, request: AuthRequest) -> Response[Any]:
        form = await form_of(request)
        found = await profile.admin_school(who(request), str(form.get("school") or "") or None)
        try:
            await school_admin.rotate_key(ctx, who(request), found.slug)
        except Conflict as exc:  # every published key still verifies something: try later
            return page(request, "admin/keys_rotate.html.j2", status_code=exc.status_code,
                        errors=[{"field": "", "message": exc.message}], **await self._context(ctx, request, found))
        return see_other(_with("/admin/keys", _suffix(found, who(request)), "done=rotated"))


def _more_routes() -> list[Any]:
    # the district's schools and the trusted issuers (issue 13) import this module's helpers
    from issuer.schools import district_pages, trust_pages

    return [*district_pages.ROUTES, *trust_pages.ROUTES]


ROUTES: list[Any] = [SchoolPages, KeyPages, *_more_routes()]
