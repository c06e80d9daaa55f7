"""The administrator's achievement pages (issue 13): ``/admin/achievements``.

* ``GET /admin/achievements``: the school's achievements grouped by area (academic by subject,
  habits of work, extended learning) with version, awards and whether new awards are closed.
* ``GET|POST /admin/achievements/new`` and ``/admin/achievements/{uuid}/edit``: the editor
  (``issuer.catalog.editor``). A post names an ``action``: ``save``, or ``add-criterion``,
  ``remove-criterion-<n>``, ``add-level``, ``remove-level``, ``refresh`` (the area changed: show
  its competencies), each of which re-renders the form with what was typed, without JavaScript.
* ``GET /admin/achievements/{uuid}``: one achievement with its rubric, alignments,
  prerequisites, image (``POST …/image``) and version history.

A school admin works on their school, a district admin on any school of the district
(``?school=<slug>``, a hidden field on the forms). Refused input re-renders with an error summary
and the status code of the error; a save answers 303 to the achievement's page.
"""
from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery

from issuer.access import ADMINS, Principal
from issuer.accounts.auth import requires
from issuer.catalog import achievements, editor
from issuer.catalog.rows import AchievementRow
from issuer.endorsements import service as endorsements
from issuer.errors import Conflict, InvalidInput, IssuerError
from issuer.schools import profile
from issuer.schools.rows import SchoolRow
from issuer.web.common import files_of, form_of, page, see_other, who
from issuer.web.deps import DEPENDENCIES, Ctx

AuthRequest = Request[Principal, Any, Any]
DONE = frozenset({"created", "saved", "version", "image", "image-version"})
ACTIONS = frozenset({"add-criterion", "add-level", "remove-level", "refresh"})


def errors_of(exc: IssuerError) -> list[dict[str, str]]:
    listed = exc.details.get("errors")
    if isinstance(listed, list) and listed:
        return [{"field": str(e.get("field") or ""), "message": str(e.get("message") or "")} for e in listed]
    return [{"field": _FIELDS.get(str(exc.details.get("field") or ""), str(exc.details.get("field") or "")),
             "message": exc.message}]


_FIELDS = {"rubric": "add-criterion", "achievementType": "name"}


def _suffix(school: SchoolRow, principal: Principal) -> str:
    return f"school={school.slug}" if principal.district_id and principal.school_id is None else ""


def _with(url: str, *params: str) -> str:
    query = "&".join(p for p in params if p)
    return f"{url}?{query}" if query else url


class AchievementPages(Controller):
    path = "/admin/achievements"
    guards = [requires(*ADMINS)]
    dependencies = DEPENDENCIES
    include_in_schema = False

    # --- the list ---------------------------------------------------------------------------
    @get("/")
    async def index(self, ctx: Ctx, request: AuthRequest, school: FromQuery[str | None] = None) -> Response[Any]:
        principal = who(request)
        found = await profile.admin_school(principal, school)
        return page(request, "admin/achievements.html.j2", school=found,
                    schools=await profile.administered_schools(principal),
                    groups=await editor.catalogue(ctx, principal, found.id), school_query=_suffix(found, principal))

    # --- the editor -------------------------------------------------------------------------
    async def _editor(self, ctx: Ctx, request: AuthRequest, school: SchoolRow, form: editor.EditorForm, *,
                      row: AchievementRow | None = None, errors: list[dict[str, str]] | None = None,
                      status_code: int = 200) -> Response[Any]:
        principal = who(request)
        awards = await editor.award_count(row) if row is not None else 0
        return page(request, "admin/achievement_edit.html.j2", status_code=status_code, school=school,
                    form=form, row=row, awards=awards, errors=errors or [],
                    frameworks=await editor.framework_choices(ctx, principal, form.area),
                    prerequisites=await editor.prerequisite_choices(ctx, principal, school.id, row),
                    max_levels=editor.MAX_LEVELS, min_levels=editor.MIN_LEVELS, max_criteria=editor.MAX_CRITERIA,
                    school_query=_suffix(school, principal))

    @get("/new")
    async def new(self, ctx: Ctx, request: AuthRequest, school: FromQuery[str | None] = None) -> Response[Any]:
        found = await profile.admin_school(who(request), school)
        return await self._editor(ctx, request, found, editor.blank_form(profile.scale_of(found)))

    @post("/new")
    async def create(self, ctx: Ctx, request: AuthRequest) -> Response[Any]:
        return await self._post(ctx, request, None)

    @get("/{a_uuid:str}/edit")
    async def edit(self, ctx: Ctx, request: AuthRequest, a_uuid: FromPath[str]) -> Response[Any]:
        principal = who(request)
        row = await achievements.get_achievement(ctx, principal, a_uuid)
        school = await self._school_of(principal, row)
        newest = (await achievements.versions(ctx, principal, a_uuid))[-1]
        if newest.id != row.id:  # an older version is read only: edit the current one
            return see_other(_with(f"/admin/achievements/{newest.uuid}/edit", _suffix(school, principal)))
        form = editor.form_from_row(row, await editor.current_prerequisites(row))
        return await self._editor(ctx, request, school, form, row=row)

    @post("/{a_uuid:str}/edit")
    async def save(self, ctx: Ctx, request: AuthRequest, a_uuid: FromPath[str]) -> Response[Any]:
        return await self._post(ctx, request, a_uuid)

    async def _school_of(self, principal: Principal, row: AchievementRow) -> SchoolRow:
        for s in await profile.administered_schools(principal):
            if s.id == row.school:
                return s
        raise InvalidInput("not an achievement of a school you administer")  # get_achievement checked it

    async def _post(self, ctx: Ctx, request: AuthRequest, a_uuid: str | None) -> Response[Any]:
        principal = who(request)
        posted = await form_of(request)
        row = await achievements.get_achievement(ctx, principal, a_uuid) if a_uuid else None
        school = (await self._school_of(principal, row) if row is not None
                  else await profile.admin_school(principal, str(posted.get("school") or "") or None))
        form = editor.form_from_post(posted)
        action = str(posted.get("action") or "save")
        if action in ACTIONS or action.startswith("remove-criterion-"):
            return await self._editor(ctx, request, school, editor.apply_action(form, action), row=row)
        data, errors = editor.check(form)
        choices = await editor.framework_choices(ctx, principal, form.area)
        errors += editor.check_alignment_kinds(form, choices)
        if data is None or errors:
            return await self._editor(ctx, request, school, form, row=row, errors=errors, status_code=400)
        data.school_id = school.id
        try:
            if row is None:
                saved = await editor.create(ctx, principal, data)
                done = "created"
            else:
                saved = await editor.update(ctx, principal, str(row.uuid), data)
                done = "version" if saved.id != row.id else "saved"
        except (InvalidInput, Conflict) as exc:
            return await self._editor(ctx, request, school, form, row=row, errors=errors_of(exc),
                                      status_code=exc.status_code)
        return see_other(_with(f"/admin/achievements/{saved.uuid}", _suffix(school, principal), f"done={done}"))

    # --- one achievement --------------------------------------------------------------------
    async def _detail(self, ctx: Ctx, request: AuthRequest, a_uuid: str, *, done: str | None = None,
                      errors: list[dict[str, str]] | None = None, status_code: int = 200) -> Response[Any]:
        principal = who(request)
        row = await achievements.get_achievement(ctx, principal, a_uuid)
        school = await self._school_of(principal, row)
        history = await achievements.versions(ctx, principal, a_uuid)
        counts = {v.id: await editor.award_count(v) for v in history}
        comps = await achievements.aligned(row)
        prereqs = await achievements.lineages(row.prerequisites)
        return page(request, "admin/achievement.html.j2", status_code=status_code, school=school, row=row,
                    history=list(reversed(history)), counts=counts, newest=history[-1],
                    competencies=comps, prerequisites=[vs[-1] for vs in prereqs.values() if vs],
                    done=done if done in DONE else None, errors=errors or [],
                    image=f"/achievements/{row.uuid}/image" if row.image_sha256 else None,
                    school_query=_suffix(school, principal),
                    endorsements=await endorsements.for_subjects(
                        ctx, [achievements.achievement_url(ctx.settings.base_url, row.uuid)]))

    @get("/{a_uuid:str}")
    async def show(self, ctx: Ctx, request: AuthRequest, a_uuid: FromPath[str],
                   done: FromQuery[str | None] = None) -> Response[Any]:
        return await self._detail(ctx, request, a_uuid, done=done)

    @post("/{a_uuid:str}/image")
    async def image(self, ctx: Ctx, request: AuthRequest, a_uuid: FromPath[str]) -> Response[Any]:
        principal = who(request)
        posted = await form_of(request)
        files = await files_of(posted, "image")
        try:
            before = await achievements.get_achievement(ctx, principal, a_uuid)
            saved = await editor.set_image(ctx, principal, a_uuid, files[0][1] if files else b"")
        except (InvalidInput, Conflict) as exc:
            return await self._detail(ctx, request, a_uuid, errors=[{"field": "image", "message": _image_message(exc)}],
                                      status_code=exc.status_code)
        school = await self._school_of(principal, saved)
        done = "image-version" if saved.id != before.id else "image"
        return see_other(_with(f"/admin/achievements/{saved.uuid}", _suffix(school, principal), f"done={done}")
                         + "#image-section")


def _image_message(exc: IssuerError) -> str:
    if exc.status_code == 413:
        return "The image file is too large."
    if exc.status_code == 415:
        return "The image must be a PNG or SVG file."
    if isinstance(exc, Conflict):
        return exc.message
    return f"This image cannot be used: {exc.message}."


ROUTES = [AchievementPages]
