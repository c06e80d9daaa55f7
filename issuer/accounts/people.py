"""People, as an administrator manages them from the pages (issue 13, ``/admin/people``): the
accounts they may see, a new account with a temporary password, a password reset, and a roster
imported from CSV, checked line by line before anything is created.

A temporary password is shown once, to the administrator who made it, and only its argon2 hash
is kept; whoever had the old password is signed out (``issuer.accounts.service.change_password``).
Who may do what is ``issuer.access``'s answer, through ``issuer.accounts.admin``.
"""
from __future__ import annotations

import asyncio
import csv
import io
import re
import secrets
from dataclasses import dataclass, field

from issuer import access
from issuer.access import Principal, Role
from issuer.accounts import admin, classes
from issuer.accounts import repo as accounts_repo
from issuer.accounts import service as accounts
from issuer.accounts.rows import UserRow
from issuer.context import IssuerContext
from issuer.db.engine import write_transaction
from issuer.errors import Conflict, InvalidInput
from issuer.schools.rows import SchoolRow
from issuer.schools.service import school_for_admin

__all__ = ["MAX_ROSTER_LINES", "PERSON_ROLES", "RosterLine", "RosterPreview", "create_person", "import_roster",
           "people", "preview_roster", "reset_password", "temporary_password"]

# The accounts a school has (a district admin is made from the command line, by another one).
PERSON_ROLES = (Role.STUDENT, Role.TEACHER, Role.SCHOOL_ADMIN)
MAX_ROSTER_LINES = 1000
ROSTER_COLUMNS = ("username", "display_name", "email", "role", "class")  # class: optional, a class's name
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,149}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# No 0/O, 1/l/I: a password read aloud or copied from a screen is typed right.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def temporary_password() -> str:
    """Fifteen random letters and digits in three groups (about 74 bits): easy to read out."""
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(5)) for _ in range(3))


async def people(ctx: IssuerContext, principal: Principal, *, query: str = "", role: str = "") -> list[UserRow]:
    """The accounts the administrator sees, narrowed by a name, username or email fragment and a role."""
    access.admin_scope(principal, "list people")
    rows = await admin.list_users(ctx, principal)
    needle = query.strip().casefold()
    if needle:
        rows = [r for r in rows if needle in r.username.casefold() or needle in r.display_name.casefold()
                or needle in r.email.casefold()]
    if role:
        rows = [r for r in rows if r.role.value == role]
    return sorted(rows, key=lambda r: (not r.active, r.role != Role.SCHOOL_ADMIN, r.role != Role.TEACHER,
                                       (r.display_name or r.username).casefold()))


def _person_errors(*, username: str, display_name: str, email: str, role: str, prefix: str = "") -> list[str]:
    """What is wrong with one person's fields (the words the form and the roster show)."""
    problems = []
    if not username:
        problems.append("Enter a username.")
    elif not _USERNAME.match(username):
        problems.append("A username is 1 to 150 letters, digits and . _ @ - (no spaces).")
    if len(display_name) > 255:
        problems.append("The name must be 255 characters or fewer.")
    if email and (len(email) > 320 or not _EMAIL.match(email)):
        problems.append("Enter an email address like name@school.example.org.")
    if role not in {r.value for r in PERSON_ROLES}:
        problems.append("The role must be student, teacher or school_admin.")
    return problems


async def create_person(ctx: IssuerContext, principal: Principal, *, username: str, display_name: str, email: str,
                        role: str, school_slug: str | None) -> tuple[UserRow, str]:
    """A new account with a temporary password: (the account, the password, to show once)."""
    username, display_name, email, role = username.strip(), display_name.strip(), email.strip(), role.strip()
    errors = []
    fields = {"Enter a username.": "username", "A username is": "username", "The name": "display_name",
              "Enter an email": "email", "The role": "role"}
    for message in _person_errors(username=username, display_name=display_name, email=email, role=role):
        errors.append({"field": next(v for k, v in fields.items() if message.startswith(k)), "message": message})
    if not errors and await accounts_repo.user_by_username(username) is not None:
        errors.append({"field": "username", "message": f"The username {username!r} is taken: choose another."})
    if errors:
        raise InvalidInput(errors[0]["message"], field=errors[0]["field"], errors=errors)
    password = temporary_password()
    try:
        user = await admin.create_user(ctx, principal, username=username, role=Role(role), password=password,
                                       email=email, display_name=display_name, school_slug=school_slug)
    except Conflict as exc:  # taken between the check and the insert
        raise InvalidInput(exc.message, field="username") from None
    return user, password


async def reset_password(ctx: IssuerContext, principal: Principal, user_id: int) -> tuple[UserRow, str]:
    """A new temporary password for someone the administrator manages; their sessions end."""
    user = await admin.managed_user(principal, user_id)
    if user.id == principal.id:
        raise Conflict("you cannot reset your own password here: change it instead")
    access.check_manages(principal, user.role)
    password = temporary_password()
    await accounts.change_password(ctx, user.id, password, current_password=None, actor_id=principal.id)
    return user, password


# --- roster import -------------------------------------------------------------------------------

@dataclass(frozen=True)
class RosterLine:
    line: int  # the line of the file (the header is line 1)
    username: str
    display_name: str
    email: str
    role: str
    problems: tuple[str, ...] = ()
    class_name: str = ""  # the class a student goes into ("" : none)
    class_id: int | None = None


@dataclass(frozen=True)
class RosterPreview:
    school: SchoolRow
    lines: list[RosterLine] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # about the file as a whole

    @property
    def ok(self) -> bool:
        return bool(self.lines) and not self.problems and not any(line.problems for line in self.lines)

    @property
    def bad_lines(self) -> list[RosterLine]:
        return [line for line in self.lines if line.problems]


async def preview_roster(ctx: IssuerContext, principal: Principal, text: str,
                         school_slug: str | None) -> RosterPreview:
    """Every line of a roster CSV (``username,display_name,email,role``; the role defaults to
    student) with what is wrong with it; nothing is created."""
    access.admin_scope(principal, "import a roster")
    school = await school_for_admin(principal, school_slug)
    text = text.lstrip("\ufeff")
    if not text.strip():
        return RosterPreview(school=school, problems=["The file is empty: choose a CSV file with a header line."])
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        return RosterPreview(school=school, problems=[f"This is not a CSV file we can read ({exc})."])
    header = [h.strip().lower().replace(" ", "_") for h in rows[0]]
    missing = [c for c in ("username",) if c not in header]
    unknown = [h for h in header if h and h not in ROSTER_COLUMNS]
    if missing or unknown:
        return RosterPreview(school=school, problems=[
            "The first line must name the columns: username, display_name, email, role, class"
            + (f" (unknown: {', '.join(unknown)})" if unknown else "") + "."])
    body = [(n, r) for n, r in enumerate(rows[1:], start=2) if any(cell.strip() for cell in r)]
    if len(body) > MAX_ROSTER_LINES:
        return RosterPreview(school=school, problems=[
            f"The file has {len(body)} people; import at most {MAX_ROSTER_LINES} at a time."])
    seen: dict[str, int] = {}
    lines = []
    taken = {u.username for u in await accounts_repo.users_by_usernames(
        [r[header.index("username")].strip() for _, r in body if len(r) > header.index("username")])}
    in_use = await classes.classes_by_name(school.id) if "class" in header else {}
    for number, raw in body:
        values = {name: (raw[i].strip() if i < len(raw) else "") for i, name in enumerate(header)}
        role = values.get("role", "").lower() or Role.STUDENT.value
        class_name = values.get("class", "")
        school_class = in_use.get(class_name.casefold()) if class_name else None
        line = RosterLine(line=number, username=values.get("username", ""), display_name=values.get("display_name", ""),
                          email=values.get("email", ""), role=role, class_name=class_name,
                          class_id=school_class.id if school_class is not None else None)
        problems = _person_errors(username=line.username, display_name=line.display_name, email=line.email, role=role)
        if class_name and school_class is None:
            problems.append(f"There is no class {class_name!r} in use: make it on the Classes page first.")
        elif class_name and role != Role.STUDENT.value:
            problems.append("Only students go into a class from a roster: choose a class's teachers on its page.")
        if len(raw) > len(header):
            problems.append("This line has more cells than the header names.")
        if line.username in taken:
            problems.append(f"The username {line.username!r} is taken.")
        if line.username and line.username in seen:
            problems.append(f"The username {line.username!r} is also on line {seen[line.username]}.")
        if role in {r.value for r in PERSON_ROLES} and not access.may_hand_on(principal, Role(role)):
            problems.append(f"You cannot make a {role} account.")
        seen.setdefault(line.username, number)
        lines.append(RosterLine(**{**line.__dict__, "problems": tuple(problems)}))
    return RosterPreview(school=school, lines=lines)


async def import_roster(ctx: IssuerContext, principal: Principal, text: str,
                        school_slug: str | None) -> list[tuple[UserRow, str]]:
    """Create every account of a roster that ``preview_roster`` finds clean, in one transaction
    (all or none): [(account, temporary password)]. A roster with any problem is refused."""
    preview = await preview_roster(ctx, principal, text, school_slug)
    if not preview.ok:
        raise InvalidInput("the roster has problems: fix them and check it again", field="roster",
                           lines=[line.line for line in preview.bad_lines])
    passwords = [temporary_password() for _ in preview.lines]
    # argon2 is slow on purpose: hash before the write transaction, so it holds no lock meanwhile
    hashes = [await asyncio.to_thread(accounts.hash_password, p) for p in passwords]
    scope = access.admin_scope(principal, "import a roster")
    now = ctx.clock.now()
    made = []
    async with write_transaction():
        for line, password, password_hash in zip(preview.lines, passwords, hashes, strict=True):
            try:
                user = await accounts_repo.insert_user(
                    district_id=scope.district_id, school_id=preview.school.id, role=line.role, username=line.username,
                    email=line.email, display_name=line.display_name, password_hash=password_hash, at=now)
            except Exception as exc:  # noqa: BLE001 - a username taken since the preview (unique column)
                raise Conflict(f"line {line.line}: the username {line.username!r} was taken meanwhile; "
                               "nothing was imported", field="roster") from exc
            made.append((user, password))
        by_class: dict[int, list[int]] = {}
        for line, (user, _password) in zip(preview.lines, made, strict=True):
            if line.class_id is not None:
                by_class.setdefault(line.class_id, []).append(user.id)
        for class_id, students in by_class.items():
            await accounts_repo.add_class_students(class_id, students)
        await accounts_repo.audit_many([
            {"action": "user.create", "at": now, "actor_id": principal.id, "district_id": scope.district_id,
             "school_id": preview.school.id, "subject": user.username,
             "details": {"role": user.role.value, "via": "roster"}} for user, _ in made])
    return made
