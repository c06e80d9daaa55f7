"""Classes as pages (issue 13): the administrator's ``/admin/classes`` (reached from "People &
classes": make a class with its teachers and students, rename, change teachers, add and remove
students, archive) and the teacher's ``/teacher/classes`` (their classes, each with its students,
its cohort view and its award history).

Plain forms with the CSRF token, no JavaScript; each change answers with a redirect to the class
and a notification banner (POST/redirect/GET), a refused one re-renders the form with an error
summary and what was chosen kept.
"""
from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery

from issuer.access import ADMINS, TEACHERS, Principal
from issuer.accounts import classes
from issuer.accounts.admin_pages import errors_of
from issuer.accounts.auth import requires
from issuer.errors import InvalidInput
from issuer.schools import profile as schools
from issuer.web.common import form_of, getall, page, see_other, who
from issuer.web.deps import DEPENDENCIES, Ctx
from issuer.web.dto_types import PathId

AuthRequest = Request[Principal, Any, Any]
DONE = frozenset({"created", "renamed", "teachers", "added", "removed", "archived", "unarchived"})


def _ids(form: Any, name: str) -> list[int]:
    out = []
    for value in getall(form, name):
        text = str(value).strip()
        if not text.isdigit():
            raise InvalidInput("choose from the list", field=name)
        out.append(int(text))
    return out


class AdminClassPages(Controller):
    path = "/admin/classes"
    guards = [requires(*ADMINS)]
    dependencies = DEPENDENCIES
    include_in_schema = False

    async def _index(self, ctx: Ctx, request: AuthRequest, *, status_code: int = 200,
                     errors: list[dict[str, str]] | None = None, kept: dict[str, Any] | None = None,
                     school_slug: str | None = None) -> Response[Any]:
        principal = who(request)
        school = await schools.admin_school(principal, school_slug or None)
        teachers, students = await classes.member_choices(ctx, school.id)
        rows = [c for c in await classes.school_classes(ctx, principal) if c.row.school == school.id]
        return page(request, "admin/classes.html.j2", status_code=status_code, classes=rows, school=school,
                    schools=await schools.administered_schools(principal), teachers=teachers, students=students,
                    errors=errors or [], kept=kept or {"teachers": [], "students": []})

    @get("/")
    async def index(self, ctx: Ctx, request: AuthRequest, school: FromQuery[str] = "") -> Response[Any]:
        return await self._index(ctx, request, school_slug=school[:64])

    @post("/")
    async def create(self, ctx: Ctx, request: AuthRequest) -> Response[Any]:
        form = await form_of(request)
        kept: dict[str, Any] = {name: str(form.get(name) or "") for name in ("name", "subject", "period", "school")}
        try:
            kept["teachers"], kept["students"] = _ids(form, "teachers"), _ids(form, "students")
            row = await classes.create_class(ctx, who(request), name=kept["name"], subject=kept["subject"],
                                             period=kept["period"], teacher_ids=kept["teachers"],
                                             student_ids=kept["students"], school_slug=kept["school"] or None)
        except InvalidInput as exc:
            kept.setdefault("teachers", [])
            kept.setdefault("students", [])
            return await self._index(ctx, request, status_code=exc.status_code, errors=errors_of(exc), kept=kept,
                                     school_slug=kept["school"])
        return see_other(f"/admin/classes/{row.id}?done=created")

    async def _class(self, ctx: Ctx, request: AuthRequest, class_id: int, *, status_code: int = 200,
                     done: str | None = None, errors: list[dict[str, str]] | None = None,
                     kept: dict[str, Any] | None = None) -> Response[Any]:
        detail = await classes.class_detail(ctx, who(request), class_id)
        teachers, students = await classes.member_choices(ctx, detail.row.school)
        inside = {m.user for m in detail.students}
        return page(request, "admin/class.html.j2", status_code=status_code, cls=detail, teachers=teachers,
                    outside=[s for s in students if s.id not in inside],
                    chosen_teachers={m.user for m in detail.teachers}, done=done if done in DONE else None,
                    errors=errors or [], kept=kept or {})

    @get("/{class_id:int}")
    async def detail(self, ctx: Ctx, request: AuthRequest, class_id: FromPath[PathId],
                     done: FromQuery[str | None] = None) -> Response[Any]:
        return await self._class(ctx, request, class_id, done=done)

    async def _change(self, ctx: Ctx, request: AuthRequest, class_id: int, action: str) -> Response[Any]:
        form = await form_of(request)
        p = who(request)
        kept = {name: str(form.get(name) or "") for name in ("name", "subject", "period")}
        try:
            if action == "renamed":
                await classes.update_class(ctx, p, class_id, name=kept["name"], subject=kept["subject"],
                                           period=kept["period"])
            elif action == "teachers":
                await classes.set_teachers(ctx, p, class_id, _ids(form, "teachers"))
            elif action == "added":
                await classes.add_students(ctx, p, class_id, _ids(form, "students"))
            elif action == "removed":
                await classes.remove_students(ctx, p, class_id, _ids(form, "remove"))
            else:
                await classes.archive_class(ctx, p, class_id, archived=action == "archived")
        except InvalidInput as exc:
            return await self._class(ctx, request, class_id, status_code=exc.status_code, errors=errors_of(exc),
                                     kept=kept if action == "renamed" else {})
        return see_other(f"/admin/classes/{class_id}?done={action}")

    @post("/{class_id:int}")
    async def rename(self, ctx: Ctx, request: AuthRequest, class_id: FromPath[PathId]) -> Response[Any]:
        return await self._change(ctx, request, class_id, "renamed")

    @post("/{class_id:int}/teachers")
    async def teachers(self, ctx: Ctx, request: AuthRequest, class_id: FromPath[PathId]) -> Response[Any]:
        return await self._change(ctx, request, class_id, "teachers")

    @post("/{class_id:int}/students")
    async def add(self, ctx: Ctx, request: AuthRequest, class_id: FromPath[PathId]) -> Response[Any]:
        return await self._change(ctx, request, class_id, "added")

    @post("/{class_id:int}/students/remove")
    async def remove(self, ctx: Ctx, request: AuthRequest, class_id: FromPath[PathId]) -> Response[Any]:
        return await self._change(ctx, request, class_id, "removed")

    @post("/{class_id:int}/archive")
    async def archive(self, ctx: Ctx, request: AuthRequest, class_id: FromPath[PathId]) -> Response[Any]:
        return await self._change(ctx, request, class_id, "archived")

    @post("/{class_id:int}/unarchive")
    async def unarchive(self, ctx: Ctx, request: AuthRequest, class_id: FromPath[PathId]) -> Response[Any]:
        return await self._change(ctx, request, class_id, "unarchived")


class TeacherClassPages(Controller):
    path = "/teacher/classes"
    guards = [requires(*TEACHERS)]
    dependencies = DEPENDENCIES
    include_in_schema = False

    @get("/")
    async def index(self, ctx: Ctx, request: AuthRequest) -> Response[Any]:
        p = who(request)
        mine = await classes.teacher_classes(ctx, p)
        return page(request, "teacher/classes.html.j2", classes=mine,
                    whole_school=await classes.sees_whole_school(p))

    @get("/{class_id:int}")
    async def detail(self, ctx: Ctx, request: AuthRequest, class_id: FromPath[PathId]) -> Response[Any]:
        detail = await classes.class_detail(ctx, who(request), class_id)
        return page(request, "teacher/class.html.j2", cls=detail)


ROUTES = [AdminClassPages, TeacherClassPages]
