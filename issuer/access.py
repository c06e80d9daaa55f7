"""Who is asking (``Principal``, ``Role``) and what they may see and do: the one authorization model.

The rules are here, as functions of the ``Principal``: route guards
(``issuer.accounts.auth.requires``) call ``admit``; use cases call ``require``, ``scope_of``,
``check_record``/``may_see``, ``acting_school``, ``admin_scope`` and the ``check_*`` rules below.

What each role may do (own: its own records; school: its school's; district: those of its
district's schools; -: refused with 403). The last column names the rule::

                          student  teacher  school_admin  district_admin
    list records          own      classes  school        district        scope_of
    read one record       own      classes  school        district        check_record, may_see
    submit evidence, ELO  own      -        -             -               require
    review, award,        -        school   school        a school of     require, acting_school
      catalog, jobs                                       the district
    list users            -        school   school        district and    scope_of,
                                                          its admins      sees_district_admins
    (de)activate users    -        -        school        district        admin_scope, check_administered,
                                                                          check_manages (rank)
    create users          -        -        school        district        admin_scope, check_account_role
    API tokens            -        -        school        district's      admin_scope, check_token_role
                                                          schools         (rank; never a district admin)
    audit log             -        -        school        district        admin_scope
    credential status     -        school   school        district        require, scope_of
    school keys           -        -        its school    its schools     check_administers
    create schools        -        -        -             its district    check_creates_schools
    trusted issuers       -        -        its school    its schools     check_administers
    export, erase learner -        -        its school    its schools     check_administers

*classes*: a teacher sees the records of the students of their classes (``visible_learners``),
and of every student of their school while the school has no class yet (the rule that keeps a
school working before anyone makes a class; an archived class still counts as "has classes", but
opens its students to nobody). A school admin, who also rates work, sees the whole school.

A route guard answers 401 to a caller who is nobody (``ANONYMOUS``, a mentor's link) and 403 to
a role it does not admit. Inside a use case, a record outside the caller's scope is reported as
*not found* (404), so ids of other schools' records are not confirmed to exist; a school or an
action beyond the caller's role is *forbidden* (403).

Listings take the caller's ``scope_of(principal)``, an explicit ``issuer.db.scope`` value: a
principal that lacks the id its role needs (a student without a user id, staff without a
school) is refused with 403, never widened to "every school". A role hands on (creates,
manages, mints tokens of) only roles up to its own rank (``RANK``).
"""
from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal, Protocol, TypeGuard, TypeVar

from issuer.db.scope import LearnerScope, SchoolScope, Scope
from issuer.errors import BadRequest, Forbidden, InvalidInput, NotFound, Unauthenticated
from issuer.schools import directory as schools


class Role(StrEnum):
    DISTRICT_ADMIN = "district_admin"
    SCHOOL_ADMIN = "school_admin"
    TEACHER = "teacher"
    STUDENT = "student"
    MENTOR = "mentor"  # a link holder, never an account
    PUBLIC = "public"


# A role named by its value where a ``Role`` is expected (``requires("student")``): checked by
# the type checker against the account roles, turned into a ``Role`` where it is compared.
RoleName = Literal["district_admin", "school_admin", "teacher", "student"]

ACCOUNT_ROLES = (Role.DISTRICT_ADMIN, Role.SCHOOL_ADMIN, Role.TEACHER, Role.STUDENT)
STAFF = frozenset({Role.TEACHER, Role.SCHOOL_ADMIN, Role.DISTRICT_ADMIN})
TEACHERS = frozenset({Role.TEACHER, Role.SCHOOL_ADMIN})  # the staff of one school
ADMINS = frozenset({Role.SCHOOL_ADMIN, Role.DISTRICT_ADMIN})
# What a role may hand on: a token's or a managed account's role never exceeds its creator's.
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
    via: str = "anonymous"  # anonymous | session | token (| cli, for a job's recorded actor)

    @property
    def is_authenticated(self) -> bool:
        return self.role not in (Role.PUBLIC, Role.MENTOR)


ANONYMOUS = Principal()


def _id(value: object) -> TypeGuard[int]:
    # a Principal is built from rows and job JSON: only a real int is an id (not None, not a bool)
    return isinstance(value, int) and not isinstance(value, bool)


# --- roles: guards and use cases -------------------------------------------------------------------

def role_of(principal: Principal) -> Role:
    return principal.role


def admit(principal: Principal, roles: Collection[Role]) -> None:
    """The route guard's rule: 401 for a caller who is nobody, 403 for a role not in ``roles``."""
    if principal.role in roles:
        return
    require_login(principal)
    raise Forbidden(f"a {principal.role} may not do this")


def require_login(principal: Principal) -> Principal:
    if not principal.is_authenticated:
        raise Unauthenticated("sign in or present a bearer token")
    return principal


def require(principal: Principal, *roles: Role | RoleName) -> Role:
    """The caller's role when it is one of ``roles`` (403 otherwise, and for a student without
    the user id and school their records are written and read under)."""
    role = principal.role
    if role not in roles:
        raise Forbidden(f"this needs one of the roles: {', '.join(roles)}")
    if role == Role.STUDENT:
        _student_scope(principal)
    return role


def _student_scope(principal: Principal) -> LearnerScope:
    # a student's records are written and read under their user id: without one, nothing
    if _id(principal.id) and _id(principal.school_id):
        return LearnerScope(school_id=principal.school_id, learner_id=principal.id)
    raise Forbidden("this credential is not bound to a student account")


# --- what a principal may see: scopes and records ---------------------------------------------------

async def scope_of(principal: Principal) -> Scope:
    """The rows ``principal`` may list: a student their own, staff their schools' (403 when the
    principal lacks the id its role needs)."""
    role = principal.role
    if role == Role.STUDENT:
        return _student_scope(principal)
    if role == Role.DISTRICT_ADMIN and _id(principal.district_id):
        return SchoolScope(frozenset(await schools.school_ids_of_district(principal.district_id)))
    if role in TEACHERS and _id(principal.school_id):
        return SchoolScope(frozenset({principal.school_id}),
                           learner_ids=await visible_learners(principal, principal.school_id))
    raise Forbidden("this credential has no school or account to list records for")


async def visible_learners(principal: Principal, school_id: int) -> frozenset[int] | None:
    """The students of ``school_id`` whose records a member of staff may see: None for all of them
    (administrators; a teacher while the school has no class), else the students of the
    teacher's classes in use (a teacher of no class: none)."""
    if principal.role != Role.TEACHER:
        return None
    from issuer.accounts import directory as people  # accounts' rows import this module's Role

    if not await people.school_has_classes(school_id):
        return None
    if not _id(principal.id) or principal.school_id != school_id:
        return frozenset()
    return await people.taught_learners(principal.id, school_id)


async def school_ids(principal: Principal) -> list[int]:
    """The schools whose records ``principal`` may see (a student: their own school)."""
    role = principal.role
    if role == Role.DISTRICT_ADMIN:
        if principal.district_id is None:
            return []
        return list(await schools.school_ids_of_district(principal.district_id))
    school = principal.school_id
    return [school] if school is not None and (role in STAFF or role == Role.STUDENT) else []


async def check_school(principal: Principal, school_id: int, what: str = "record") -> None:
    if school_id not in await school_ids(principal):
        raise NotFound(f"no such {what}")


async def acting_school(principal: Principal, school_id: int | None = None) -> int:
    """The school a staff member acts for (a district admin names one, or gets the first)."""
    role = principal.role
    if role in TEACHERS or role == Role.STUDENT:
        if school_id is not None and school_id != principal.school_id:
            raise NotFound("no such school")
        if principal.school_id is None:
            raise Forbidden("this credential has no school")
        return principal.school_id
    if role == Role.DISTRICT_ADMIN:
        ids = await school_ids(principal)
        if school_id is None:
            if not ids:
                raise InvalidInput("the district has no school yet")
            return ids[0]
        if school_id not in ids:
            raise NotFound("no such school")
        return school_id
    raise Forbidden("not allowed")


class LearnerRecord(Protocol):
    """A typed row of a learner's record: its school and its learner (None: nobody's)."""

    @property
    def school(self) -> int: ...

    @property
    def learner(self) -> int | None: ...


R = TypeVar("R", bound="LearnerRecord | Mapping[str, Any]")
_NO_FIELD = object()


async def check_record(principal: Principal, row: R | None, what: str) -> R:
    """The row when the caller may see it: a student their own, staff their schools' (404 otherwise).

    ``row`` is a typed row (``.school``, ``.learner``) or, from a repo not typed yet, a dict."""
    if row is None:
        raise NotFound(f"no such {what}")
    if isinstance(row, Mapping):
        school, learner = row.get("school"), row.get("learner", _NO_FIELD)
    else:
        school, learner = row.school, row.learner
    # a learner-less submission or plan (written by a user-less student token before issue 10)
    # belongs to nobody: it cannot be shown, reviewed or awarded
    if learner is None or not await may_see(principal, school_id=school, learner_id=learner):
        raise NotFound(f"no such {what}")
    return row


async def may_see(principal: Principal, *, school_id: object, learner_id: object) -> bool:
    """Whether ``principal`` may see one record of a learner: a student their own, staff their
    schools' (a teacher: of the students of their classes, ``visible_learners``)."""
    role = principal.role
    if role == Role.STUDENT:
        return principal.id is not None and learner_id == principal.id
    if role in STAFF:
        if not _id(school_id) or school_id not in await school_ids(principal):
            return False
        learners = await visible_learners(principal, school_id)
        return learners is None or learner_id in learners
    return False


# --- administration: accounts, tokens, the audit log, school keys --------------------------------

@dataclass(frozen=True, slots=True)
class AdminScope:
    """What an administrator administers: a whole district (``school_id`` None) or one school of it."""

    district_id: int
    school_id: int | None = None

    def admits(self, *, district_id: int | None, school_id: int | None) -> bool:
        return district_id == self.district_id and (self.school_id is None or school_id == self.school_id)


def _administered(principal: Principal) -> AdminScope | None:
    if principal.district_id is None:
        return None
    if principal.role == Role.DISTRICT_ADMIN:
        return AdminScope(district_id=principal.district_id)
    if principal.role == Role.SCHOOL_ADMIN and principal.school_id is not None:
        return AdminScope(district_id=principal.district_id, school_id=principal.school_id)
    return None


def admin_scope(principal: Principal, action: str) -> AdminScope:
    """What ``principal`` administers; 403 ("only administrators ``action``") for anyone else."""
    scope = _administered(principal)
    if scope is None:
        raise Forbidden(f"only administrators {action}")
    return scope


def check_administered(principal: Principal, *, district_id: int | None, school_id: int | None,
                       what: str) -> None:
    """404 for a user or token outside what the administrator administers."""
    scope = _administered(principal)
    if scope is None or not scope.admits(district_id=district_id, school_id=school_id):
        raise NotFound(f"no such {what}")


def administers(principal: Principal, *, district_id: int, school_id: int) -> bool:
    """Whether ``principal`` administers this school (its keys, its accounts and tokens)."""
    scope = _administered(principal)
    return scope is not None and scope.admits(district_id=district_id, school_id=school_id)


def check_administers(principal: Principal, *, district_id: int, school_id: int) -> None:
    if not administers(principal, district_id=district_id, school_id=school_id):
        raise Forbidden("not an administrator of this school")


def check_creates_schools(principal: Principal) -> int:
    """Only a district admin creates schools, in their own district (whose id is returned)."""
    if principal.role != Role.DISTRICT_ADMIN or not _id(principal.district_id):
        raise Forbidden("only a district admin creates schools")
    return principal.district_id


def may_hand_on(principal: Principal, role: Role) -> bool:
    """Whether ``principal`` may create, manage or mint a token of ``role`` (up to its own rank)."""
    return role in RANK and RANK[role] <= RANK.get(principal.role, 0)


def check_account_role(principal: Principal, role: Role) -> None:
    """An administrator creates accounts of a school; only a district admin a district admin."""
    if role == Role.DISTRICT_ADMIN and principal.role != Role.DISTRICT_ADMIN:
        raise Forbidden("only a district admin creates district admins")


def check_manages(principal: Principal, role: Role) -> None:
    """An administrator (de)activates accounts up to their own rank."""
    if not may_hand_on(principal, role):
        raise Forbidden("only a district admin manages a district admin")


def check_token_role(principal: Principal, role: Role) -> None:
    """A token acts within one school, as a role up to its creator's."""
    if role == Role.DISTRICT_ADMIN:
        raise Forbidden("a token acts within one school")
    if not may_hand_on(principal, role):
        raise Forbidden(f"a {principal.role} cannot create a {role} token")


def sees_district_admins(principal: Principal) -> bool:
    """District admins belong to no school: only a district admin lists them."""
    return principal.role == Role.DISTRICT_ADMIN
