"""Who is asking (``Principal``, ``Role``) and what they may see and do: the one authorization model.

A student sees only their own records; a teacher or school admin only their school's; a
district admin the schools of their district. Anything outside the caller's scope is
reported as *not found*, so ids of other schools' records are not confirmed to exist.

Listings take the caller's ``scope_of(principal)``, an explicit ``issuer.db.scope`` value: a
principal that lacks the id its role needs (a student without a user id, staff without a
school) is refused with 403, never widened to "every school".
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from issuer.schools import repo as schools_repo
from issuer.db.scope import LearnerScope, SchoolScope, Scope
from issuer.errors import BadRequest, Forbidden, InvalidInput, NotFound

class Role(StrEnum):
    DISTRICT_ADMIN = "district_admin"
    SCHOOL_ADMIN = "school_admin"
    TEACHER = "teacher"
    STUDENT = "student"
    MENTOR = "mentor"  # a link holder, never an account
    PUBLIC = "public"


ACCOUNT_ROLES = (Role.DISTRICT_ADMIN, Role.SCHOOL_ADMIN, Role.TEACHER, Role.STUDENT)
# What a role may hand on: a token's role never exceeds its creator's.
RANK = {Role.STUDENT: 1, Role.TEACHER: 2, Role.SCHOOL_ADMIN: 3, Role.DISTRICT_ADMIN: 4}
# The roles a token may hold without a user (service clients); the others are people.
USERLESS_TOKEN_ROLES = (Role.SCHOOL_ADMIN, Role.DISTRICT_ADMIN)


def parse_role(value: object) -> Role:
    """A role from the wire: an empty or unknown value is a 400, never a 500."""
    try:
        return Role(str(value or "").strip())
    except ValueError:
        raise BadRequest(f"unknown role {value!r}: one of {', '.join(r.value for r in ACCOUNT_ROLES)}") from None


@dataclass(frozen=True)
class Principal:
    """Who is asking. ``id`` is the user id (None for public and for school tokens without a user)."""
    role: Role = Role.PUBLIC
    id: int | None = None
    school_id: int | None = None
    district_id: int | None = None
    learner_id: int | None = None
    username: str = ""
    display_name: str = ""
    via: str = "anonymous"  # anonymous | session | token

    @property
    def is_authenticated(self) -> bool:
        return self.role not in (Role.PUBLIC, Role.MENTOR)


ANONYMOUS = Principal()


STAFF = frozenset({"teacher", "school_admin", "district_admin"})
TEACHERS = frozenset({"teacher", "school_admin"})


def role_of(principal: Any) -> str:
    role = getattr(principal, "role", None)
    return str(getattr(role, "value", role) or "public")


def _id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def require(principal: Any, *roles: str) -> str:
    role = role_of(principal)
    if role not in roles:
        raise Forbidden(f"this needs one of the roles: {', '.join(roles)}")
    if role == "student" and not (_id(getattr(principal, "id", None)) and _id(getattr(principal, "school_id", None))):
        # a student's records are written and read under their user id: without one, nothing
        raise Forbidden("this credential is not bound to a student account")
    return role


async def scope_of(principal: Any) -> Scope:
    """The rows ``principal`` may list: a student their own, staff their schools' (403 when the
    principal lacks the id its role needs)."""
    role = role_of(principal)
    if role == "student":
        require(principal, "student")
        return LearnerScope(school_id=principal.school_id, learner_id=principal.id)
    if role == "district_admin" and _id(getattr(principal, "district_id", None)):
        return SchoolScope(frozenset(await schools_repo.school_ids_of_district(principal.district_id)))
    if role in TEACHERS and _id(getattr(principal, "school_id", None)):
        return SchoolScope(frozenset({principal.school_id}))
    raise Forbidden("this credential has no school or account to list records for")


async def school_ids(principal: Any) -> list[int]:
    role = role_of(principal)
    if role == "district_admin":
        return await schools_repo.school_ids_of_district(principal.district_id)
    school = getattr(principal, "school_id", None)
    return [school] if school is not None and role in STAFF | {"student"} else []


async def check_school(principal: Any, school_id: int, what: str = "record") -> None:
    if school_id not in await school_ids(principal):
        raise NotFound(f"no such {what}")


async def acting_school(principal: Any, school_id: int | None = None) -> int:
    """The school a staff member acts for (a district admin names one, or gets the first)."""
    role = role_of(principal)
    if role in TEACHERS or role == "student":
        if school_id is not None and school_id != principal.school_id:
            raise NotFound("no such school")
        return principal.school_id
    if role == "district_admin":
        ids = await school_ids(principal)
        if school_id is None:
            if not ids:
                raise InvalidInput("the district has no school yet")
            return ids[0]
        if school_id not in ids:
            raise NotFound("no such school")
        return school_id
    raise Forbidden("not allowed")


class OwnedRecord(Protocol):
    """A learner's record in a school (a submission, an ELO plan): what ``check_record`` reads."""
    @property
    def school(self) -> int: ...
    @property
    def learner(self) -> int | None: ...


RecordT = TypeVar("RecordT", bound=OwnedRecord)


async def check_record(principal: Any, row: RecordT | None, what: str) -> RecordT:
    """The row when the caller may see it: a student their own, staff their schools'."""
    if row is None or row.learner is None:
        # a learner-less submission or plan (written by a user-less student token before
        # issue 10) belongs to nobody: it cannot be shown, reviewed or awarded
        raise NotFound(f"no such {what}")
    role = role_of(principal)
    if role == "student":
        if principal.id is None or row.learner != principal.id:
            raise NotFound(f"no such {what}")
        return row
    if role in STAFF:
        await check_school(principal, row.school, what)
        return row
    raise NotFound(f"no such {what}")
