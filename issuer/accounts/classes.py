"""Classes (issue 13): an administrator makes a class of their school, names its teachers and
adds and removes its students, renames and archives it; a teacher lists their classes.

A class is what ``issuer.access.visible_learners`` reads: once a school has a class, a teacher
sees only the students of their classes (before that, the whole school). A class outside what
the caller administers (or, for a teacher, teaches) is not found (404). Every change is one
write transaction with its audit event.
"""
from __future__ import annotations

from collections.abc import Iterable

import msgspec

from issuer import access
from issuer.access import TEACHERS, Principal, Role
from issuer.accounts import audit
from issuer.accounts import repo as accounts_repo
from issuer.accounts.rows import ClassMemberRow, ClassRow, UserRow
from issuer.context import IssuerContext
from issuer.db.engine import write_transaction
from issuer.db.scope import SchoolScope
from issuer.errors import InvalidInput, NotFound
from issuer.schools import directory as schools
from issuer.schools import profile

__all__ = ["ClassDetail", "ClassSummary", "add_students", "archive_class", "class_choices", "class_detail",
           "class_of_staff", "class_students", "classes_by_name", "create_class", "member_choices",
           "remove_students", "school_classes", "sees_whole_school", "set_teachers", "teacher_classes",
           "update_class"]

NAME_MAX, SUBJECT_MAX, PERIOD_MAX = 120, 120, 60


class ClassSummary(msgspec.Struct, frozen=True, kw_only=True):
    """A class as a list shows it: its words, its teachers' names and how many students it has."""
    row: ClassRow
    teachers: list[str]
    students: int

    @property
    def archived(self) -> bool:
        return self.row.archived_at is not None


class ClassDetail(msgspec.Struct, frozen=True, kw_only=True):
    row: ClassRow
    teachers: list[ClassMemberRow]
    students: list[ClassMemberRow]

    @property
    def archived(self) -> bool:
        return self.row.archived_at is not None


def _summaries(rows: list[ClassRow], members: list[ClassMemberRow]) -> list[ClassSummary]:
    teachers: dict[int, list[str]] = {}
    counts: dict[int, int] = {}
    for m in members:
        if m.role == Role.STUDENT:
            counts[m.school_class] = counts.get(m.school_class, 0) + 1
        else:
            teachers.setdefault(m.school_class, []).append(m.display_name or m.username)
    ordered = sorted(rows, key=lambda r: (r.archived_at is not None, r.name.casefold()))
    return [ClassSummary(row=r, teachers=teachers.get(r.id, []), students=counts.get(r.id, 0)) for r in ordered]


async def school_classes(ctx: IssuerContext, principal: Principal) -> list[ClassSummary]:
    """Every class of the schools the administrator administers, archived ones last."""
    ids = [s.id for s in await profile.administered_schools(principal)]
    rows = await accounts_repo.classes_of_schools(ids)
    return _summaries(rows, await accounts_repo.class_members(r.id for r in rows))


async def teacher_classes(ctx: IssuerContext, principal: Principal) -> list[ClassSummary]:
    """The classes in use that the caller teaches (a school admin: every class of the school)."""
    access.require(principal, *TEACHERS)
    if principal.role == Role.SCHOOL_ADMIN and principal.school_id is not None:
        rows = await accounts_repo.classes_of_schools([principal.school_id])
    else:
        rows = await accounts_repo.classes_of_teacher(principal.id) if principal.id is not None else []
    rows = [r for r in rows if r.archived_at is None and r.school == principal.school_id]
    return _summaries(rows, await accounts_repo.class_members(r.id for r in rows))


async def sees_whole_school(principal: Principal) -> bool:
    """Whether the caller sees every student of their school (an administrator; a teacher while
    the school has no class yet: ``issuer.access.visible_learners``)."""
    if principal.school_id is None:
        return principal.role in access.ADMINS
    return await access.visible_learners(principal, principal.school_id) is None


async def class_choices(ctx: IssuerContext, principal: Principal) -> list[ClassRow]:
    """The classes in use a filter offers the caller: a teacher theirs, an administrator their
    schools' (a district admin: every school of the district)."""
    if principal.role == Role.TEACHER:
        return [c.row for c in await teacher_classes(ctx, principal)]
    if principal.role not in access.ADMINS:
        return []
    ids = await access.school_ids(principal)
    return [r for r in await accounts_repo.classes_of_schools(ids) if r.archived_at is None]


async def class_students(ctx: IssuerContext, principal: Principal, class_id: int) -> frozenset[int]:
    """The students of a class the caller may open (404 otherwise)."""
    row = await class_of_staff(principal, class_id)
    return frozenset((await accounts_repo.class_student_ids([row.id])).get(row.id, set()))


async def _administered_class(principal: Principal, class_id: int) -> ClassRow:
    access.admin_scope(principal, "manage classes")
    row = await accounts_repo.class_by_id(class_id)
    district = await schools.school_district(row.school) if row is not None else None
    if row is None or district is None or not access.administers(principal, district_id=district,
                                                                 school_id=row.school):
        raise NotFound("no such class")
    return row


async def class_of_staff(principal: Principal, class_id: int) -> ClassRow:
    """A class the caller may open: an administrator's school's, or one the teacher teaches (404 otherwise)."""
    access.require(principal, *access.STAFF)
    if principal.role in access.ADMINS:
        return await _administered_class(principal, class_id)
    row = await accounts_repo.class_by_id(class_id)
    if row is None or row.school != principal.school_id or row.archived_at is not None:
        raise NotFound("no such class")
    members = await accounts_repo.class_members([class_id])
    if not any(m.user == principal.id and m.role != Role.STUDENT for m in members):
        raise NotFound("no such class")
    return row


async def class_detail(ctx: IssuerContext, principal: Principal, class_id: int) -> ClassDetail:
    row = await class_of_staff(principal, class_id)
    members = await accounts_repo.class_members([row.id])
    return ClassDetail(row=row, teachers=[m for m in members if m.role != Role.STUDENT],
                       students=[m for m in members if m.role == Role.STUDENT])


async def member_choices(ctx: IssuerContext, school_id: int) -> tuple[list[UserRow], list[UserRow]]:
    """The school's active teachers (and school admins, who also teach) and its active students, by name."""
    return await _choices(school_id)


async def _choices(school_id: int) -> tuple[list[UserRow], list[UserRow]]:
    users = [u for u in await accounts_repo.users(SchoolScope(frozenset({school_id}))) if u.active]
    users.sort(key=lambda u: (u.display_name or u.username).casefold())
    return ([u for u in users if u.role in (Role.TEACHER, Role.SCHOOL_ADMIN)],
            [u for u in users if u.role == Role.STUDENT])


def _words(name: str, subject: str, period: str) -> tuple[str, str, str]:
    name, subject, period = name.strip(), subject.strip(), period.strip()
    errors = []
    if not name:
        errors.append({"field": "name", "message": "Enter the class's name."})
    elif len(name) > NAME_MAX:
        errors.append({"field": "name", "message": "The name must be 120 characters or fewer."})
    if len(subject) > SUBJECT_MAX:
        errors.append({"field": "subject", "message": "The subject must be 120 characters or fewer."})
    if len(period) > PERIOD_MAX:
        errors.append({"field": "period", "message": "The period must be 60 characters or fewer."})
    if errors:
        raise InvalidInput(errors[0]["message"], field=errors[0]["field"], errors=errors)
    return name, subject, period


async def _members(school_id: int, ids: Iterable[int], *, teachers: bool) -> list[int]:
    """``ids`` when each is an active teacher (or student) of the school; a form error otherwise."""
    wanted = sorted(set(ids))
    staff, students = await _choices(school_id)
    allowed = {u.id for u in (staff if teachers else students)}
    if any(i not in allowed for i in wanted):
        field = "teachers" if teachers else "students"
        raise InvalidInput(f"choose {'teachers' if teachers else 'students'} of this school from the list",
                           field=field)
    return wanted


async def create_class(ctx: IssuerContext, principal: Principal, *, name: str, subject: str = "", period: str = "",
                       teacher_ids: Iterable[int] = (), student_ids: Iterable[int] = (),
                       school_slug: str | None = None) -> ClassRow:
    """A new class of the administrator's school (``school_slug``: one of a district admin's)."""
    access.admin_scope(principal, "make classes")
    school = await profile.admin_school(principal, school_slug)
    name, subject, period = _words(name, subject, period)
    teachers = await _members(school.id, teacher_ids, teachers=True)
    students = await _members(school.id, student_ids, teachers=False)
    now = ctx.clock.now()
    async with write_transaction():
        row = await accounts_repo.insert_class(school_id=school.id, name=name, subject=subject, period=period, at=now)
        await accounts_repo.set_class_teachers(row.id, teachers)
        await accounts_repo.add_class_students(row.id, students)
        await audit.record(principal, action="class.create", school_id=school.id, subject=name, at=now,
                           class_id=row.id, teachers=len(teachers), students=len(students))
    return row


async def update_class(ctx: IssuerContext, principal: Principal, class_id: int, *, name: str, subject: str,
                       period: str) -> ClassRow:
    row = await _administered_class(principal, class_id)
    name, subject, period = _words(name, subject, period)
    now = ctx.clock.now()
    async with write_transaction():
        await accounts_repo.update_class(row.id, name=name, subject=subject, period=period)
        await audit.record(principal, action="class.update", school_id=row.school, subject=name, at=now,
                           class_id=row.id, was=row.name)
    return msgspec.structs.replace(row, name=name, subject=subject, period=period)


async def set_teachers(ctx: IssuerContext, principal: Principal, class_id: int, teacher_ids: Iterable[int]) -> None:
    row = await _administered_class(principal, class_id)
    teachers = await _members(row.school, teacher_ids, teachers=True)
    now = ctx.clock.now()
    async with write_transaction():
        await accounts_repo.set_class_teachers(row.id, teachers)
        await audit.record(principal, action="class.teachers", school_id=row.school, subject=row.name, at=now,
                           class_id=row.id, teachers=teachers)


async def add_students(ctx: IssuerContext, principal: Principal, class_id: int, student_ids: Iterable[int]) -> int:
    """Add students of the class's school; how many were not in it yet."""
    row = await _administered_class(principal, class_id)
    students = await _members(row.school, student_ids, teachers=False)
    if not students:
        raise InvalidInput("choose at least one student to add", field="students")
    now = ctx.clock.now()
    async with write_transaction():
        added = await accounts_repo.add_class_students(row.id, students)
        await audit.record(principal, action="class.students.add", school_id=row.school, subject=row.name, at=now,
                           class_id=row.id, students=students)
    return added


async def remove_students(ctx: IssuerContext, principal: Principal, class_id: int,
                          student_ids: Iterable[int]) -> None:
    row = await _administered_class(principal, class_id)
    students = sorted(set(student_ids))
    if not students:
        raise InvalidInput("choose at least one student to remove", field="remove")
    now = ctx.clock.now()
    async with write_transaction():
        await accounts_repo.remove_class_students(row.id, students)
        await audit.record(principal, action="class.students.remove", school_id=row.school, subject=row.name,
                           at=now, class_id=row.id, students=students)


async def archive_class(ctx: IssuerContext, principal: Principal, class_id: int, *, archived: bool) -> ClassRow:
    """Archive a class (its teachers no longer see its students through it) or bring it back."""
    row = await _administered_class(principal, class_id)
    now = ctx.clock.now()
    async with write_transaction():
        await accounts_repo.set_class_archived(row.id, now if archived else None)
        await audit.record(principal, action="class.archive" if archived else "class.unarchive",
                           school_id=row.school, subject=row.name, at=now, class_id=row.id)
    return msgspec.structs.replace(row, archived_at=now if archived else None)


async def classes_by_name(school_id: int) -> dict[str, ClassRow]:
    """The school's classes in use by their name, case folded (the roster's ``class`` column)."""
    return {r.name.strip().casefold(): r for r in await accounts_repo.classes_of_schools([school_id])
            if r.archived_at is None}
