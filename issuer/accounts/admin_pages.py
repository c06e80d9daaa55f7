"""The administrator's account pages (issue 13): people (``/admin/people``: the list, a new
account, deactivate and reactivate, a password reset, a roster imported from CSV) and the audit
log (``/admin/audit-log``: filtered by who, what and when, a page at a time).

Plain forms with the CSRF token, no JavaScript. A temporary password is shown once, on the page
that answers the POST which made it (never in a URL, never stored). A refused change re-renders
the page with an error summary and what was typed kept, with the error's status code.
"""
from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery

from issuer.access import ADMINS, Principal, Role
from issuer.accounts import admin, audit_log, people
from issuer.accounts.auth import requires
from issuer.errors import Conflict, Forbidden, InvalidInput, IssuerError
from issuer.schools import profile as schools
from issuer.web.common import files_of, form_of, page, see_other, who
from issuer.web.deps import DEPENDENCIES, Ctx
from issuer.web.dto_types import PathId

AuthRequest = Request[Principal, Any, Any]
PEOPLE_DONE = frozenset({"deactivated", "activated"})
PER_PAGE = 50
MAX_ROSTER_BYTES = 512 * 1024


def errors_of(exc: IssuerError) -> list[dict[str, str]]:
    """The error summary's lines: every problem a use case listed, else its one message."""
    listed = exc.details.get("errors")
    if isinstance(listed, list) and listed:
        return [{"field": str(e.get("field") or ""), "message": str(e.get("message") or "")} for e in listed]
    return [{"field": str(exc.details.get("field") or ""), "message": exc.message}]


def _int(value: str | None, default: int = 1) -> int:
    try:
        return int(value or default)
    except ValueError:
        return default


class PeoplePages(Controller):
    path = "/admin/people"
    guards = [requires(*ADMINS)]
    dependencies = DEPENDENCIES
    include_in_schema = False

    async def _page(self, ctx: Ctx, request: AuthRequest, *, status_code: int = 200, q: str = "", role: str = "",
                    page_number: int = 1, done: str | None = None, errors: list[dict[str, str]] | None = None,
                    kept: dict[str, str] | None = None, made: dict[str, Any] | None = None) -> Response[Any]:
        principal = who(request)
        rows = await people.people(ctx, principal, query=q, role=role)
        pages = max(1, (len(rows) + PER_PAGE - 1) // PER_PAGE)
        page_number = max(1, min(page_number, pages))
        school_list = await schools.administered_schools(principal)
        return page(request, "admin/people.html.j2", status_code=status_code,
                    people=rows[(page_number - 1) * PER_PAGE:page_number * PER_PAGE], total=len(rows),
                    page_number=page_number, pages=pages, q=q, role=role, roles=people.PERSON_ROLES,
                    schools=school_list, school_names={s.id: s.name for s in school_list},
                    done=done if done in PEOPLE_DONE else None, errors=errors or [], kept=kept or {}, made=made)

    @get("/")
    async def index(self, ctx: Ctx, request: AuthRequest, q: FromQuery[str] = "", role: FromQuery[str] = "",
                    done: FromQuery[str | None] = None) -> Response[Any]:
        return await self._page(ctx, request, q=q[:200], role=role if role in {r.value for r in Role} else "",
                                page_number=_int(request.query_params.get("page")), done=done)

    @post("/")
    async def create(self, ctx: Ctx, request: AuthRequest) -> Response[Any]:
        form = await form_of(request)
        kept = {name: str(form.get(name) or "") for name in ("display_name", "username", "email", "role", "school")}
        try:
            user, password = await people.create_person(
                ctx, who(request), username=kept["username"], display_name=kept["display_name"], email=kept["email"],
                role=kept["role"], school_slug=kept["school"] or None)
        except (InvalidInput, Forbidden) as exc:
            return await self._page(ctx, request, status_code=exc.status_code, errors=errors_of(exc), kept=kept)
        # 201 with the page itself: the temporary password is shown this once
        return await self._page(ctx, request, status_code=201, made={"user": user, "password": password})

    @post("/{user_id:int}/deactivate")
    async def deactivate(self, ctx: Ctx, request: AuthRequest, user_id: FromPath[PathId]) -> Response[Any]:
        return await self._set_active(ctx, request, user_id, active=False)

    @post("/{user_id:int}/activate")
    async def activate(self, ctx: Ctx, request: AuthRequest, user_id: FromPath[PathId]) -> Response[Any]:
        return await self._set_active(ctx, request, user_id, active=True)

    async def _set_active(self, ctx: Ctx, request: AuthRequest, user_id: int, *, active: bool) -> Response[Any]:
        try:
            user = await admin.set_user_active(ctx, who(request), user_id, active=active)
        except (Conflict, Forbidden) as exc:  # one's own account; an account above one's rank
            return await self._page(ctx, request, status_code=exc.status_code,
                                    errors=[{"field": "", "message": exc.message}])
        return see_other(f"/admin/people?done={'activated' if active else 'deactivated'}#user-{user.id}")

    @get("/{user_id:int}/reset-password")
    async def confirm_reset(self, ctx: Ctx, request: AuthRequest, user_id: FromPath[PathId]) -> Response[Any]:
        user = await admin.managed_user(who(request), user_id)
        return page(request, "admin/person_reset.html.j2", person=user, password=None, errors=[])

    @post("/{user_id:int}/reset-password")
    async def reset(self, ctx: Ctx, request: AuthRequest, user_id: FromPath[PathId]) -> Response[Any]:
        try:
            user, password = await people.reset_password(ctx, who(request), user_id)
        except (Conflict, Forbidden) as exc:
            user = await admin.managed_user(who(request), user_id)
            return page(request, "admin/person_reset.html.j2", status_code=exc.status_code, person=user,
                        password=None, errors=[{"field": "", "message": exc.message}])
        return page(request, "admin/person_reset.html.j2", person=user, password=password, errors=[])

    # --- the roster ----------------------------------------------------------------------------
    async def _roster(self, request: AuthRequest, *, status_code: int = 200, preview: Any = None, text: str = "",
                      errors: list[dict[str, str]] | None = None, made: list[Any] | None = None,
                      school: str = "") -> Response[Any]:
        return page(request, "admin/roster.html.j2", status_code=status_code, preview=preview, text=text,
                    errors=errors or [], made=made, schools=await schools.administered_schools(who(request)),
                    school=school, columns=people.ROSTER_COLUMNS, max_lines=people.MAX_ROSTER_LINES)

    @get("/import")
    async def roster_form(self, request: AuthRequest, school: FromQuery[str] = "") -> Response[Any]:
        return await self._roster(request, school=school)

    @post("/import")
    async def roster_preview(self, ctx: Ctx, request: AuthRequest) -> Response[Any]:
        form = await form_of(request)
        school = str(form.get("school") or "")
        files = await files_of(form, "roster")
        data = files[0][1] if files else str(form.get("roster_text") or "").encode()
        if len(data) > MAX_ROSTER_BYTES:
            return await self._roster(request, status_code=413, school=school, errors=[
                {"field": "roster", "message": "The file is too large: split it into files under 512 KB."}])
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return await self._roster(request, status_code=422, school=school, errors=[
                {"field": "roster", "message": "Save the file as CSV in UTF-8 and choose it again."}])
        preview = await people.preview_roster(ctx, who(request), text, school or None)
        errors = [{"field": "roster", "message": p} for p in preview.problems]
        if preview.bad_lines:
            errors.append({"field": "lines", "message": f"{len(preview.bad_lines)} of {len(preview.lines)} lines have "
                                                        "problems: fix them in the file and check it again."})
        return await self._roster(request, status_code=422 if errors else 200, preview=preview, text=text,
                                  errors=errors, school=preview.school.slug)

    @post("/import/confirm")
    async def roster_import(self, ctx: Ctx, request: AuthRequest) -> Response[Any]:
        form = await form_of(request)
        school, text = str(form.get("school") or ""), str(form.get("roster_text") or "")
        try:
            made = await people.import_roster(ctx, who(request), text, school or None)
        except (InvalidInput, Conflict) as exc:
            preview = await people.preview_roster(ctx, who(request), text, school or None)
            return await self._roster(request, status_code=exc.status_code, preview=preview, text=text,
                                      errors=[{"field": "roster", "message": exc.message}], school=school)
        return await self._roster(request, status_code=201, made=made, school=school)


class AuditLogPage(Controller):
    path = "/admin/audit-log"
    guards = [requires(*ADMINS)]
    dependencies = DEPENDENCIES
    include_in_schema = False

    @get("/")
    async def index(self, ctx: Ctx, request: AuthRequest, kind: FromQuery[str] = "", since: FromQuery[str] = "",
                    until: FromQuery[str] = "") -> Response[Any]:
        # ``who`` and ``page`` are read from the query as such: here they name the helpers imported above
        filters = audit_log.AuditFilters(who=request.query_params.get("who", "")[:150], kind=kind[:32],
                                         since=since[:32], until=until[:32],
                                         page=_int(request.query_params.get("page")))
        try:
            found = await audit_log.audit_page(ctx, who(request), filters)
        except InvalidInput as exc:
            return page(request, "admin/audit.html.j2", status_code=exc.status_code, log=None, filters=filters,
                        kinds=audit_log.KINDS, errors=errors_of(exc))
        return page(request, "admin/audit.html.j2", log=found, filters=filters, kinds=audit_log.KINDS, errors=[])


ROUTES = [PeoplePages, AuditLogPage]
