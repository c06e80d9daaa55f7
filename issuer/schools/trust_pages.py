"""``/admin/trusted-issuers`` (issue 13): the issuers a school recognises, a form to add one (an
error summary, what was typed kept) and, behind a confirmation page, removal. A district admin
names the school with ``?school=<slug>`` as on the other admin pages."""
from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery

from issuer.access import ADMINS, Principal
from issuer.accounts.auth import requires
from issuer.errors import InvalidInput
from issuer.schools import profile, trust
from issuer.schools.admin_pages import _suffix, _with, errors_of
from issuer.schools.rows import SchoolRow
from issuer.web.common import form_of, page, see_other, who
from issuer.web.deps import DEPENDENCIES, Ctx

AuthRequest = Request[Principal, Any, Any]
DONE = frozenset({"added", "removed"})


class TrustPages(Controller):
    path = "/admin/trusted-issuers"
    guards = [requires(*ADMINS)]
    dependencies = DEPENDENCIES
    include_in_schema = False

    async def _page(self, request: AuthRequest, school: SchoolRow, *, status_code: int = 200, done: str | None = None,
                    errors: list[dict[str, str]] | None = None, kept: dict[str, str] | None = None) -> Response[Any]:
        principal = who(request)
        return page(request, "admin/trusted_issuers.html.j2", status_code=status_code, school=school,
                    schools=await profile.administered_schools(principal),
                    issuers=await trust.listed(principal, school.slug), done=done if done in DONE else None,
                    errors=errors or [], kept=kept or {}, school_query=_suffix(school, principal))

    @get("/")
    async def index(self, request: AuthRequest, school: FromQuery[str | None] = None,
                    done: FromQuery[str | None] = None) -> Response[Any]:
        return await self._page(request, await profile.admin_school(who(request), school), done=done)

    @post("/")
    async def add(self, ctx: Ctx, request: AuthRequest) -> Response[Any]:
        form = await form_of(request)
        school = await profile.admin_school(who(request), str(form.get("school") or "") or None)
        typed = {name: str(form.get(name) or "") for name in ("issuer_id", "name", "note")}
        try:
            await trust.add(ctx, who(request), school.slug, **typed)
        except InvalidInput as exc:
            return await self._page(request, school, status_code=exc.status_code, errors=errors_of(exc), kept=typed)
        return see_other(_with("/admin/trusted-issuers", _suffix(school, who(request)), "done=added"))

    @get("/{entry_id:int}/remove")
    async def confirm(self, request: AuthRequest, entry_id: FromPath[int],
                      school: FromQuery[str | None] = None) -> Response[Any]:
        found = await profile.admin_school(who(request), school)
        entry = await trust.trusted_entry(who(request), found.slug, entry_id)
        return page(request, "admin/trusted_issuer_remove.html.j2", school=found, entry=entry,
                    school_query=_suffix(found, who(request)))

    @post("/{entry_id:int}/remove")
    async def remove(self, ctx: Ctx, request: AuthRequest, entry_id: FromPath[int]) -> Response[Any]:
        form = await form_of(request)
        found = await profile.admin_school(who(request), str(form.get("school") or "") or None)
        await trust.remove(ctx, who(request), found.slug, entry_id)
        return see_other(_with("/admin/trusted-issuers", _suffix(found, who(request)), "done=removed"))


ROUTES = [TrustPages]
