"""The administrator's framework pages (issue 13), under ``/admin/frameworks``:

* ``/`` the school's frameworks in three sections (academic, habits of work, extended learning);
* ``/new`` a framework made by hand; ``/{uuid}`` its competencies as a tree, its name and version,
  a competency added; ``/{uuid}/competencies/{id}`` one edited or removed;
* ``/import`` a CSV or CASE JSON file → a preview (the tree, every problem by line or item) →
  ``/import/confirm`` stores it; ``/template.csv`` the CSV template.

Plain forms with the CSRF token, no JavaScript. After a change the page answers 303 with
``?done=<what>`` (a banner says what happened); a refused change re-renders the form with an error
summary, what was typed kept, and the error's status code. A district admin names the school
with ``?school=<slug>`` as on the other admin pages.
"""
from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery

from badges.competencies import KINDS
from issuer.access import ADMINS, Principal
from issuer.accounts.auth import requires
from issuer.catalog import framework_admin as admin
from issuer.errors import Conflict, InvalidInput, IssuerError, NotFound
from issuer.schools import profile
from issuer.schools.rows import SchoolRow
from issuer.web.common import files_of, form_of, page, see_other, who
from issuer.web.deps import DEPENDENCIES, Ctx
from issuer.web.dto_types import PathId

AuthRequest = Request[Principal, Any, Any]
LIST_DONE = frozenset({"imported", "updated"})
FRAMEWORK_DONE = frozenset({"created", "saved", "added", "edited", "removed", "imported", "updated"})


def errors_of(exc: IssuerError) -> list[dict[str, str]]:
    listed = exc.details.get("errors")
    if isinstance(listed, list) and listed:
        return [{"field": str(e.get("field") or ""), "message": str(e.get("message") or "")} for e in listed]
    return [{"field": str(exc.details.get("field") or ""), "message": exc.message}]


def _school_query(school: SchoolRow, principal: Principal) -> str:
    return f"school={school.slug}" if principal.district_id and principal.school_id is None else ""


def _with(url: str, *params: str) -> str:
    query = "&".join(p for p in params if p)
    return f"{url}?{query}" if query else url


def _text(form: Any, name: str, limit: int = 5000) -> str:
    return str(form.get(name) or "")[:limit]


class FrameworkPages(Controller):
    path = "/admin/frameworks"
    guards = [requires(*ADMINS)]
    dependencies = DEPENDENCIES
    include_in_schema = False

    # --- the list and a new framework -----------------------------------------------------------
    @get("/")
    async def index(self, ctx: Ctx, request: AuthRequest, school: FromQuery[str | None] = None,
                    done: FromQuery[str | None] = None) -> Response[Any]:
        principal = who(request)
        found = await profile.admin_school(principal, school)
        return page(request, "admin/frameworks.html.j2", school=found,
                    schools=await profile.administered_schools(principal),
                    groups=await admin.frameworks_by_kind(ctx, principal, found.id),
                    school_query=_school_query(found, principal), done=done if done in LIST_DONE else None)

    async def _new(self, request: AuthRequest, school: SchoolRow, *, status_code: int = 200,
                   errors: list[dict[str, str]] | None = None, kept: dict[str, str] | None = None) -> Response[Any]:
        return page(request, "admin/framework_new.html.j2", status_code=status_code, school=school,
                    school_query=_school_query(school, who(request)), errors=errors or [], kept=kept or {})

    @get("/new")
    async def new(self, request: AuthRequest, school: FromQuery[str | None] = None,
                  kind: FromQuery[str] = "") -> Response[Any]:
        found = await profile.admin_school(who(request), school)
        return await self._new(request, found, kept={"kind": kind if kind in KINDS else ""})

    @post("/new")
    async def create(self, ctx: Ctx, request: AuthRequest) -> Response[Any]:
        form = await form_of(request)
        found = await profile.admin_school(who(request), _text(form, "school", 200) or None)
        kept = {k: _text(form, k, 300) for k in ("name", "kind", "version")}
        try:
            fw = await admin.create_by_hand(ctx, who(request), found.id, admin.FrameworkForm(**kept))
        except InvalidInput as exc:
            return await self._new(request, found, status_code=exc.status_code, errors=errors_of(exc), kept=kept)
        return see_other(f"/admin/frameworks/{fw.uuid}?done=created")

    @get("/template.csv")
    async def template(self) -> Response[str]:
        return Response(content=admin.template_csv(), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="framework-template.csv"'})

    # --- import ---------------------------------------------------------------------------------------
    async def _import(self, request: AuthRequest, school: SchoolRow, *, status_code: int = 200,
                      preview: admin.ImportPreview | None = None, errors: list[dict[str, str]] | None = None,
                      kept: dict[str, str] | None = None) -> Response[Any]:
        return page(request, "admin/framework_import.html.j2", status_code=status_code, school=school,
                    schools=await profile.administered_schools(who(request)), preview=preview,
                    errors=errors or [], kept=kept or {}, max_kb=admin.MAX_IMPORT_BYTES // 1024,
                    school_query=_school_query(school, who(request)), columns=admin.TEMPLATE_COLUMNS)

    @get("/import")
    async def import_form(self, request: AuthRequest, school: FromQuery[str | None] = None,
                          kind: FromQuery[str] = "", format: FromQuery[str] = "") -> Response[Any]:  # noqa: A002
        found = await profile.admin_school(who(request), school)
        return await self._import(request, found, kept={"kind": kind if kind in KINDS else "",
                                                        "format": format if format in admin.FORMATS else ""})

    @post("/import")
    async def import_preview(self, ctx: Ctx, request: AuthRequest) -> Response[Any]:
        form = await form_of(request)
        found = await profile.admin_school(who(request), _text(form, "school", 200) or None)
        kept = {k: _text(form, k, 300) for k in ("format", "kind", "name")}
        files = await files_of(form, "file")
        try:
            if not files:
                raise InvalidInput("Choose the file to import.", field="file")
            preview = await admin.preview_import(ctx, who(request), found.id, fmt=kept["format"], data=files[0][1],
                                                 kind=kept["kind"], name=kept["name"])
        except InvalidInput as exc:
            return await self._import(request, found, status_code=exc.status_code, errors=errors_of(exc), kept=kept)
        errors = [] if preview.ok else [{"field": "problems", "message": _problem_summary(preview)}]
        return await self._import(request, found, status_code=200 if preview.ok else 422, preview=preview,
                                  errors=errors, kept=kept)

    @post("/import/confirm")
    async def import_confirm(self, ctx: Ctx, request: AuthRequest) -> Response[Any]:
        form = await form_of(request)
        found = await profile.admin_school(who(request), _text(form, "school", 200) or None)
        try:
            issued = int(_text(form, "issued", 20) or "0")
        except ValueError:
            issued = 0
        draft = admin.Draft(format=_text(form, "format", 10), kind=_text(form, "kind", 16),
                            name=_text(form, "name", 300), content=str(form.get("content") or ""), issued=issued,
                            signature=_text(form, "signature", 100))
        kept = {"format": draft.format, "kind": draft.kind, "name": draft.name}
        try:
            fw, updated = await admin.confirm_import(ctx, who(request), found.id, draft)
        except InvalidInput as exc:
            return await self._import(request, found, status_code=exc.status_code, errors=errors_of(exc), kept=kept)
        return see_other(f"/admin/frameworks/{fw.uuid}?done={'updated' if updated else 'imported'}")

    # --- one framework ----------------------------------------------------------------------------------
    async def _framework(self, ctx: Ctx, request: AuthRequest, fw_id: str, *, status_code: int = 200,
                         done: str | None = None, errors: list[dict[str, str]] | None = None,
                         kept: dict[str, str] | None = None, form: str = "") -> Response[Any]:
        view = await admin.admin_framework(ctx, who(request), fw_id)
        return page(request, "admin/framework.html.j2", status_code=status_code, view=view, fw=view.framework,
                    done=done if done in FRAMEWORK_DONE else None, errors=errors or [], kept=kept or {},
                    form=form)

    @get("/{fw_id:str}")
    async def framework(self, ctx: Ctx, request: AuthRequest, fw_id: FromPath[str],
                        done: FromQuery[str | None] = None) -> Response[Any]:
        return await self._framework(ctx, request, fw_id, done=done)

    @post("/{fw_id:str}")
    async def save(self, ctx: Ctx, request: AuthRequest, fw_id: FromPath[str]) -> Response[Any]:
        form = await form_of(request)
        kept = {k: _text(form, k, 300) for k in ("name", "version")}
        try:
            await admin.edit_framework(ctx, who(request), fw_id, admin.FrameworkForm(**kept))
        except InvalidInput as exc:
            return await self._framework(ctx, request, fw_id, status_code=exc.status_code, errors=errors_of(exc),
                                         kept=kept, form="framework")
        return see_other(f"/admin/frameworks/{fw_id}?done=saved")

    @post("/{fw_id:str}/competencies")
    async def add(self, ctx: Ctx, request: AuthRequest, fw_id: FromPath[str]) -> Response[Any]:
        form = await form_of(request)
        kept = {k: _text(form, k) for k in ("code", "name", "description", "parent")}
        try:
            row = await admin.add_competency(ctx, who(request), fw_id, admin.CompetencyForm(**kept))
        except InvalidInput as exc:
            return await self._framework(ctx, request, fw_id, status_code=exc.status_code, errors=errors_of(exc),
                                         kept=kept, form="competency")
        return see_other(f"/admin/frameworks/{fw_id}?done=added#competency-{row.id}")

    async def _competency(self, ctx: Ctx, request: AuthRequest, fw_id: str, c_id: int, *, status_code: int = 200,
                          errors: list[dict[str, str]] | None = None,
                          kept: dict[str, str] | None = None) -> Response[Any]:
        view, row = await admin.competency_of(ctx, who(request), fw_id, c_id)
        return page(request, "admin/framework_competency.html.j2", status_code=status_code, view=view,
                    fw=view.framework, competency=row, errors=errors or [],
                    kept=kept or {"code": row.code, "name": row.name, "description": row.description,
                                  "parent": row.parent_code})

    @get("/{fw_id:str}/competencies/{c_id:int}")
    async def competency(self, ctx: Ctx, request: AuthRequest, fw_id: FromPath[str],
                         c_id: FromPath[PathId]) -> Response[Any]:
        return await self._competency(ctx, request, fw_id, c_id)

    @post("/{fw_id:str}/competencies/{c_id:int}")
    async def edit(self, ctx: Ctx, request: AuthRequest, fw_id: FromPath[str], c_id: FromPath[PathId]) -> Response[Any]:
        form = await form_of(request)
        kept = {k: _text(form, k) for k in ("code", "name", "description", "parent")}
        try:
            await admin.edit_competency(ctx, who(request), fw_id, c_id, admin.CompetencyForm(**kept))
        except InvalidInput as exc:
            return await self._competency(ctx, request, fw_id, c_id, status_code=exc.status_code,
                                          errors=errors_of(exc), kept=kept)
        return see_other(f"/admin/frameworks/{fw_id}?done=edited#competency-{c_id}")

    @post("/{fw_id:str}/competencies/{c_id:int}/remove")
    async def remove(self, ctx: Ctx, request: AuthRequest, fw_id: FromPath[str],
                     c_id: FromPath[PathId]) -> Response[Any]:
        try:
            await admin.remove_competency(ctx, who(request), fw_id, c_id)
        except Conflict as exc:  # aligned to, or a parent: said on the competency's page
            return await self._competency(ctx, request, fw_id, c_id, status_code=exc.status_code,
                                          errors=[{"field": "remove", "message": exc.message}])
        except NotFound:
            return see_other(f"/admin/frameworks/{fw_id}")
        return see_other(f"/admin/frameworks/{fw_id}?done=removed")


def _problem_summary(preview: admin.ImportPreview) -> str:
    n = len(preview.problems)
    if not preview.reading.entries and n:
        return f"{preview.problems[0].where}: {preview.problems[0].message}"
    return (f"{n} problem{'s' if n != 1 else ''} in the file: fix {'them' if n != 1 else 'it'} in the file "
            "and choose it again. Nothing has been stored.")


ROUTES = [FrameworkPages]
