"""Queries of users, API tokens, web sessions, login limits and the audit log.

Each query returns a row type of ``issuer.accounts.rows`` (frozen msgspec Structs, built with
``issuer.db.query.row_of``/``rows_of``); nothing outside the repos sees a Table.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from issuer.access import Role
from issuer.accounts.rows import (
    AuditRow,
    ClassMemberRow,
    ClassRow,
    LoginRow,
    PasswordResetRow,
    RecipientRow,
    SessionRow,
    TokenInfoRow,
    TokenRow,
    UserRow,
)
from issuer.db.query import all_rows, first_row, row_of, rows_of
from issuer.db.scope import Scope
from issuer.db.scope import where as scoped
from issuer.db.tables import (
    ApiToken,
    AuditEvent,
    ClassStudent,
    ClassTeacher,
    LoginAttempt,
    LoginThrottle,
    PasswordReset,
    SchoolClass,
    User,
    WebSession,
)

Row = dict[str, Any]

# --- accounts ----------------------------------------------------------------------------------

_USER = (User.id, User.district, User.school, User.role, User.username, User.email, User.display_name, User.active,
         User.erased_at)


async def insert_user(*, district_id: int, school_id: int | None, role: str, username: str,
                      email: str, display_name: str, password_hash: str, at: datetime) -> UserRow:
    row = User(district=district_id, school=school_id, role=role, username=username, email=email,
               display_name=display_name, password_hash=password_hash, active=True, created_at=at)
    await row.save()
    return UserRow(id=row.id, district=district_id, school=school_id, role=Role(role), username=username,
                   email=email, display_name=display_name, active=True)


async def user_by_id(user_id: int) -> UserRow | None:
    return row_of(UserRow, await User.select(*_USER).where(User.id == user_id).first())


async def user_credentials(username: str) -> LoginRow | None:
    """The one query that reads a password hash (login and password changes only)."""
    return row_of(LoginRow, await User.select(*_USER, User.password_hash).where(User.username == username).first())


async def users(scope: Scope, *, role: Role | None = None) -> list[UserRow]:
    """The accounts in ``scope`` (a learner scope: that one account); district admins, who
    belong to no school, only through ``district_admins``."""
    query = User.select(*_USER).where(scoped(scope, User, learner="id")).order_by(User.id)
    if role is not None:
        query = query.where(User.role == role)
    return rows_of(UserRow, await query)


async def district_admins(district_id: int) -> list[UserRow]:
    return rows_of(UserRow, await User.select(*_USER).where(
        (User.district == district_id) & User.school.is_null()).order_by(User.id))


async def user_by_username(username: str) -> UserRow | None:
    return row_of(UserRow, await User.select(*_USER).where(User.username == username).first())


async def set_password_hash(user_id: int, password_hash: str, *, keep_session: str | None = None) -> None:
    """A new password, and the end of every session of the user but ``keep_session`` (the
    sha256 of the one that changed it): whoever knew the old password is signed out."""
    await User.update({User.password_hash: password_hash}).where(User.id == user_id)
    await delete_user_sessions(user_id, keep=keep_session)


async def set_user_active(user_id: int, active: bool) -> None:
    await User.update({User.active: active}).where(User.id == user_id)


async def insert_token(*, token_hash: str, name: str, district_id: int, school_id: int | None,
                       user_id: int | None, role: str, at: datetime, expires_at: datetime | None = None,
                       created_by: int | None = None) -> TokenRow:
    row = ApiToken(token_hash=token_hash, name=name, district=district_id, school=school_id,
                   user=user_id, role=role, created_at=at, expires_at=expires_at, created_by=created_by)
    await row.save()
    return TokenRow(id=row.id, name=name, district=district_id, school=school_id, user=user_id, role=role,
                    expires_at=expires_at)


_TOKEN = (ApiToken.id, ApiToken.name, ApiToken.district, ApiToken.school, ApiToken.user, ApiToken.role,
          ApiToken.expires_at)


async def token_by_hash(token_hash: str) -> TokenRow | None:
    """The live (not revoked) token of this hash."""
    return row_of(TokenRow, await ApiToken.select(*_TOKEN).where(
        ApiToken.token_hash == token_hash, ApiToken.revoked_at.is_null()).first())


_TOKEN_LIST = (ApiToken.id, ApiToken.name, ApiToken.district, ApiToken.school, ApiToken.role,
               ApiToken.created_at, ApiToken.last_used_at, ApiToken.revoked_at, ApiToken.expires_at,
               ApiToken.user.username.as_alias("username"), ApiToken.school.slug.as_alias("school_slug"))


async def tokens(*, district_id: int, school_id: int | None = None) -> list[TokenInfoRow]:
    """The tokens of a district, or of one of its schools (never the hashes)."""
    query = ApiToken.select(*_TOKEN_LIST).where(ApiToken.district == district_id).order_by(ApiToken.id)
    if school_id is not None:
        query = query.where(ApiToken.school == school_id)
    return rows_of(TokenInfoRow, await query)


async def token_by_id(token_id: int) -> TokenInfoRow | None:
    return row_of(TokenInfoRow, await ApiToken.select(*_TOKEN_LIST).where(ApiToken.id == token_id).first())


async def revoke_token(token_id: int, at: datetime) -> bool:
    """False when it was already revoked (the first revocation's time stays)."""
    rows = await ApiToken.update({ApiToken.revoked_at: at}).where(
        (ApiToken.id == token_id) & ApiToken.revoked_at.is_null()).returning(ApiToken.id)
    return bool(rows)


async def revoke_user_tokens(user_id: int, at: datetime) -> int:
    """Revoke the user's tokens and the user-less (service) tokens they created, which held
    their authority; tokens they made for other people stay with those people."""
    rows = await ApiToken.update({ApiToken.revoked_at: at}).where(
        ((ApiToken.user == user_id) | ((ApiToken.created_by == user_id) & ApiToken.user.is_null()))
        & ApiToken.revoked_at.is_null()).returning(ApiToken.id)
    return len(rows)


_TOKEN_USER = ("id", "district", "school", "role", "username", "email", "display_name", "active")
# Prebuilt (Piccolo spends ~1 ms of CPU building an FK-join select): the token (as
# ``token_by_hash`` filters it) and its user, portable SQL for SQLite and PostgreSQL.
_TOKEN_WITH_USER = (
    'SELECT t.id, t.name, t.district, t.school, t."user", t.role, t.expires_at, '
    + ", ".join(f"u.{name} AS u__{name}" for name in _TOKEN_USER)
    + ' FROM api_token t LEFT JOIN app_user u ON u.id = t."user" '
    "WHERE t.token_hash = {} AND t.revoked_at IS NULL LIMIT 1")


async def token_with_user(token_hash: str) -> tuple[TokenRow, UserRow | None] | None:
    """``token_by_hash`` and, for a user's token, that user (``user_by_id``'s row) in one query:
    (token row, user row or None), or None for no live token."""
    rows = await ApiToken.raw(_TOKEN_WITH_USER, token_hash)
    if not rows:
        return None
    row = dict(rows[0])
    user = {name: row.pop(f"u__{name}") for name in _TOKEN_USER}
    if user["id"] is not None:
        user["active"] = bool(user["active"])  # raw rows on SQLite may give 0/1
    return rows_of(TokenRow, [row])[0], row_of(UserRow, user if user["id"] is not None else None)


async def touch_token(token_id: int, at: datetime) -> None:
    await ApiToken.update({ApiToken.last_used_at: at}).where(ApiToken.id == token_id)


async def insert_session(*, token_hash: str, user_id: int, at: datetime, expires_at: datetime) -> None:
    await WebSession(token_hash=token_hash, user=user_id, created_at=at, expires_at=expires_at).save()


async def session_by_hash(token_hash: str) -> SessionRow | None:
    return row_of(SessionRow, await WebSession.select(WebSession.id, WebSession.user, WebSession.expires_at).where(
        WebSession.token_hash == token_hash).first())


async def delete_session(token_hash: str) -> None:
    await WebSession.delete().where(WebSession.token_hash == token_hash)


async def delete_user_sessions(user_id: int, *, keep: str | None = None) -> None:
    """End every session of the user (but the one whose hash is ``keep``)."""
    query = WebSession.delete().where(WebSession.user == user_id)
    if keep is not None:
        query = query.where(WebSession.token_hash != keep)
    await query


async def record_login_attempt(*, login: str, ip: str, success: bool, at: datetime) -> None:
    # Cut to the columns' lengths (PostgreSQL refuses longer values): a name longer than any
    # username is no account anyway, and the attempt is still counted by its full key.
    await LoginAttempt(login=login[:150], ip=ip[:64], success=success, at=at).save()


# One statement that counts an attempt and returns the count: concurrent attempts each get
# their own number (the row is locked by the upsert on PostgreSQL, the database by the write
# on SQLite), so no two can both read "under the limit". A window older than the cutoff
# starts again at 1. Both databases evaluate SET against the row as it was.
_BUMP = ('INSERT INTO "login_throttle" ("key","window_start","failures") VALUES ({},{},1) '
         'ON CONFLICT ("key") DO UPDATE SET '
         '"failures" = CASE WHEN "login_throttle"."window_start" <= {} THEN 1 '
         'ELSE "login_throttle"."failures" + 1 END, '
         '"window_start" = CASE WHEN "login_throttle"."window_start" <= {} THEN excluded."window_start" '
         'ELSE "login_throttle"."window_start" END '
         'RETURNING "failures", "window_start"')


async def bump_login_counter(key: str, *, at: datetime, window_start_after: datetime) -> tuple[int, datetime]:
    """Count one attempt under ``key``: (attempts in the current window, when it started)."""
    rows = await LoginThrottle.raw(_BUMP, key, at, window_start_after, window_start_after)
    row = rows[0]
    start = row["window_start"]
    if isinstance(start, str):  # SQLite hands RETURNING values back as stored
        start = datetime.fromisoformat(start)
    return int(row["failures"]), start


async def forgive_login_attempt(key: str) -> None:
    """Take back one counted attempt (it succeeded)."""
    await LoginThrottle.update({LoginThrottle.failures: LoginThrottle.failures - 1}).where(
        (LoginThrottle.key == key) & (LoginThrottle.failures > 0))


async def reset_login_counter(key: str) -> None:
    await LoginThrottle.delete().where(LoginThrottle.key == key)


# --- audit -------------------------------------------------------------------------------------

async def audit(*, action: str, at: datetime, actor_id: int | None = None, district_id: int | None = None,
                school_id: int | None = None, subject: str = "", details: dict[str, Any] | None = None) -> None:
    await AuditEvent(at=at, actor=actor_id, district=district_id, school=school_id, action=action,
                     subject=subject, details=details or {}).save()


async def audit_many(events: list[dict[str, Any]]) -> None:
    """Several events in one INSERT (a review writes two: the rating and the award)."""
    if events:
        await AuditEvent.insert(*[AuditEvent(at=e["at"], actor=e.get("actor_id"), district=e.get("district_id"),
                                             school=e.get("school_id"), action=e["action"],
                                             subject=e.get("subject", ""), details=e.get("details") or {})
                                  for e in events])


async def audit_events(*, district_id: int | None = None, school_id: int | None = None,
                       limit: int = 100) -> list[AuditRow]:
    """A district's events or one school's: exactly one of the two (never everyone's)."""
    if (district_id is None) == (school_id is None):
        raise TypeError("audit_events needs exactly one of district_id and school_id")
    query = AuditEvent.select().order_by(AuditEvent.id, ascending=False).limit(limit).output(load_json=True)
    if district_id is not None:
        return rows_of(AuditRow, await query.where(AuditEvent.district == district_id))
    return rows_of(AuditRow, await query.where(AuditEvent.school == school_id))


async def audit_search(*, district_id: int | None = None, school_id: int | None = None, actor_id: int | None = None,
                       prefixes: tuple[str, ...] = (), since: datetime | None = None, until: datetime | None = None,
                       offset: int = 0, limit: int = 50) -> list[AuditRow]:
    """``audit_events`` filtered (issue 13's audit log page): by actor, by action (those starting
    with one of ``prefixes``), by time (``since`` ≤ at < ``until``), newest first, one page."""
    if (district_id is None) == (school_id is None):
        raise TypeError("audit_search needs exactly one of district_id and school_id")
    query = AuditEvent.select().output(load_json=True)
    query = query.where(AuditEvent.district == district_id) if district_id is not None \
        else query.where(AuditEvent.school == school_id)
    if actor_id is not None:
        query = query.where(AuditEvent.actor == actor_id)
    if prefixes:
        conditions: list[Any] = [AuditEvent.action.like(prefix.replace("%", "") + "%") for prefix in prefixes]
        condition = conditions[0]
        for other in conditions[1:]:
            condition = condition | other
        query = query.where(condition)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if until is not None:
        query = query.where(AuditEvent.at < until)
    query = query.order_by(AuditEvent.at, AuditEvent.id, ascending=False)
    return rows_of(AuditRow, await query.offset(offset).limit(limit))


async def users_by_usernames(usernames: Iterable[str]) -> list[UserRow]:
    wanted = sorted({u for u in usernames if u})
    if not wanted:
        return []
    return rows_of(UserRow, await User.select(*_USER).where(User.username.is_in(wanted)))


async def users_by_ids(ids: Iterable[int]) -> dict[int, UserRow]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {r.id: r for r in rows_of(UserRow, await User.select(*_USER).where(User.id.is_in(wanted)))}


# --- learners of the award path ------------------------------------------------------------------
# ``get_user`` is the learner ``issuer.evidence.repo.submission_for_review`` also returns, as the
# dict ``issuer.credentials.awarding`` reads; these two become ``UserRow`` together with them.

async def get_user(user_id: int) -> Row | None:
    return await first_row(User.select(User.id, User.school, User.district, User.role, User.username,
                                    User.email, User.display_name, User.active).where(User.id == user_id))


async def users_by_email(school_id: int, emails: Iterable[str]) -> dict[str, Row]:
    emails = sorted({e.lower() for e in emails})
    if not emails:
        return {}
    rows = await all_rows(User.select(User.id, User.email, User.role, User.display_name, User.school)
                      .where((User.school == school_id) & (User.role == "student")))
    return {r["email"].lower(): r for r in rows if r["email"] and r["email"].lower() in emails}


async def students_by_username(school_id: int, usernames: Iterable[str]) -> dict[str, Row]:
    """The school's students among ``usernames``, by username as stored (a bulk award's file)."""
    names = sorted({u for u in usernames if u})
    if not names:
        return {}
    rows = await all_rows(User.select(User.id, User.email, User.username, User.role, User.display_name, User.school)
                          .where((User.school == school_id) & (User.role == "student") & User.username.is_in(names)))
    return {r["username"]: r for r in rows}


async def recipients(user_ids: Iterable[int]) -> list[RecipientRow]:
    ids = sorted(set(user_ids))
    if not ids:
        return []
    return rows_of(RecipientRow, await User.select(*_RECIPIENT).where(User.id.is_in(ids)))


# --- e-mail: who a message reaches, password-reset links (issue 13) ----------------------------

_RECIPIENT = (*_USER, User.language)


async def recipient(user_id: int) -> RecipientRow | None:
    return row_of(RecipientRow, await User.select(*_RECIPIENT).where(User.id == user_id).first())


async def recipients_for_reset(identifier: str) -> list[RecipientRow]:
    """The active accounts a reset request names: by username, else by e-mail address (several
    accounts may share one address; each gets its own link)."""
    by_name = await User.select(*_RECIPIENT).where((User.username == identifier) & (User.active == True)).first()  # noqa: E712
    if by_name is not None:
        return [row_of(RecipientRow, by_name)]
    if "@" not in identifier:
        return []
    # the address as typed or in lower case (addresses are stored as given, almost always lower case)
    rows = await User.select(*_RECIPIENT).where(
        User.email.is_in(sorted({identifier, identifier.lower()})) & (User.active == True)  # noqa: E712
    ).order_by(User.id).limit(10)
    return rows_of(RecipientRow, rows)


async def digest_recipients(roles: Iterable[str]) -> list[RecipientRow]:
    """Active staff of a school, with an address, in ``roles``."""
    return rows_of(RecipientRow, await User.select(*_RECIPIENT).where(
        User.role.is_in(list(roles)) & (User.active == True) & User.school.is_not_null()  # noqa: E712
        & (User.email != "")).order_by(User.id))


async def set_language(user_id: int, language: str) -> None:
    await User.update({User.language: language}).where((User.id == user_id) & (User.language != language))


async def insert_password_reset(*, user_id: int, token_hash: str, at: datetime, expires_at: datetime) -> None:
    await PasswordReset.insert(PasswordReset(user=user_id, token_hash=token_hash, created_at=at,
                                             expires_at=expires_at))


async def password_reset(token_hash: str) -> PasswordResetRow | None:
    return row_of(PasswordResetRow, await PasswordReset.select(
        PasswordReset.id, PasswordReset.user, PasswordReset.expires_at, PasswordReset.used_at).where(
        PasswordReset.token_hash == token_hash).first())


async def use_password_reset(reset_id: int, at: datetime) -> bool:
    """Mark the link used; False when it already was (two submissions race: one wins)."""
    rows = await PasswordReset.update({PasswordReset.used_at: at}).where(
        (PasswordReset.id == reset_id) & PasswordReset.used_at.is_null()).returning(PasswordReset.id)
    return bool(rows)


async def retire_password_resets(user_id: int, at: datetime) -> None:
    """Every unused link of the user stops working (the password just changed)."""
    await PasswordReset.update({PasswordReset.used_at: at}).where(
        (PasswordReset.user == user_id) & PasswordReset.used_at.is_null())


async def people_counts(school_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """{school id: {role: active accounts}} for the district's schools page."""
    ids = list(school_ids)
    if not ids:
        return {}
    rows = await User.select(User.school, User.role).where(
        User.school.is_in(ids) & (User.active == True))  # noqa: E712
    counts: dict[int, dict[str, int]] = {}
    for row in rows:
        per_role = counts.setdefault(int(row["school"]), {})
        per_role[str(row["role"])] = per_role.get(str(row["role"]), 0) + 1
    return counts


async def erase_user(user_id: int, at: datetime) -> None:
    """What erasure does to the account row itself: no way in, no contact address (the name and
    username stay: the credentials and the audit trail name them)."""
    await User.update({User.active: False, User.email: "", User.password_hash: "", User.language: "",
                       User.erased_at: at}).where(User.id == user_id)


async def delete_password_resets(user_id: int) -> int:
    found = await PasswordReset.count().where(PasswordReset.user == user_id)
    await PasswordReset.delete().where(PasswordReset.user == user_id)
    return int(found)


async def count_user_sessions(user_id: int) -> int:
    return int(await WebSession.count().where(WebSession.user == user_id))
# --- classes (issue 13) ---------------------------------------------------------------------------

_CLASS = (SchoolClass.id, SchoolClass.school, SchoolClass.name, SchoolClass.subject, SchoolClass.period,
          SchoolClass.created_at, SchoolClass.archived_at)


async def insert_class(*, school_id: int, name: str, subject: str, period: str, at: datetime) -> ClassRow:
    row = SchoolClass(school=school_id, name=name, subject=subject, period=period, created_at=at)
    await row.save()
    return ClassRow(id=row.id, school=school_id, name=name, subject=subject, period=period, created_at=at,
                    archived_at=None)


async def update_class(class_id: int, *, name: str, subject: str, period: str) -> None:
    await SchoolClass.update({SchoolClass.name: name, SchoolClass.subject: subject,
                              SchoolClass.period: period}).where(SchoolClass.id == class_id)


async def set_class_archived(class_id: int, at: datetime | None) -> None:
    await SchoolClass.update({SchoolClass.archived_at: at}).where(SchoolClass.id == class_id)


async def class_by_id(class_id: int) -> ClassRow | None:
    return row_of(ClassRow, await SchoolClass.select(*_CLASS).where(SchoolClass.id == class_id).first())


async def classes_of_schools(school_ids: Iterable[int]) -> list[ClassRow]:
    return rows_of(ClassRow, await SchoolClass.select(*_CLASS).where(
        SchoolClass.school.is_in(sorted(set(school_ids)) or [-1])).order_by(SchoolClass.name))


async def classes_of_teacher(teacher_id: int) -> list[ClassRow]:
    ids = [r["school_class"] for r in await ClassTeacher.select(ClassTeacher.school_class).where(
        ClassTeacher.teacher == teacher_id)]
    if not ids:
        return []
    return rows_of(ClassRow, await SchoolClass.select(*_CLASS).where(SchoolClass.id.is_in(ids)).order_by(
        SchoolClass.name))


async def school_has_classes(school_id: int) -> bool:
    return bool(await SchoolClass.exists().where(SchoolClass.school == school_id))


async def taught_learners(teacher_id: int, school_id: int) -> frozenset[int]:
    """The students of the teacher's classes in use (not archived) at this school."""
    ids = [r["school_class"] for r in await ClassTeacher.select(ClassTeacher.school_class).where(
        (ClassTeacher.teacher == teacher_id) & (ClassTeacher.school_class.school == school_id)
        & ClassTeacher.school_class.archived_at.is_null())]
    if not ids:
        return frozenset()
    rows = await ClassStudent.select(ClassStudent.student).where(ClassStudent.school_class.is_in(ids))
    return frozenset(int(r["student"]) for r in rows)


async def class_members(class_ids: Iterable[int]) -> list[ClassMemberRow]:
    """The teachers and students of these classes, by name."""
    ids = sorted(set(class_ids)) or [-1]
    out: list[Row] = []
    for table, column in ((ClassTeacher, ClassTeacher.teacher), (ClassStudent, ClassStudent.student)):
        out += await table.select(
            table.school_class, column.as_alias("user"), column.role.as_alias("role"),
            column.username.as_alias("username"), column.display_name.as_alias("display_name"),
            column.active.as_alias("active")).where(table.school_class.is_in(ids))
    members = rows_of(ClassMemberRow, out)
    return sorted(members, key=lambda m: ((m.display_name or m.username).casefold(), m.user))


async def set_class_teachers(class_id: int, teacher_ids: Iterable[int]) -> None:
    """The class's teachers become exactly ``teacher_ids``."""
    wanted = set(teacher_ids)
    await ClassTeacher.delete().where((ClassTeacher.school_class == class_id)
                                      & ClassTeacher.teacher.not_in(sorted(wanted) or [-1]))
    have = {r["teacher"] for r in await ClassTeacher.select(ClassTeacher.teacher).where(
        ClassTeacher.school_class == class_id)}
    new = [ClassTeacher(school_class=class_id, teacher=t) for t in sorted(wanted - have)]
    if new:
        await ClassTeacher.insert(*new)


async def add_class_students(class_id: int, student_ids: Iterable[int]) -> int:
    """Add the students not in the class yet; how many were added."""
    have = {r["student"] for r in await ClassStudent.select(ClassStudent.student).where(
        ClassStudent.school_class == class_id)}
    new = [ClassStudent(school_class=class_id, student=s) for s in sorted(set(student_ids) - have)]
    if new:
        await ClassStudent.insert(*new)
    return len(new)


async def remove_class_students(class_id: int, student_ids: Iterable[int]) -> None:
    await ClassStudent.delete().where((ClassStudent.school_class == class_id)
                                      & ClassStudent.student.is_in(sorted(set(student_ids)) or [-1]))


async def class_student_ids(class_ids: Iterable[int]) -> dict[int, set[int]]:
    """Each class's students' ids."""
    out: dict[int, set[int]] = {}
    for r in await ClassStudent.select(ClassStudent.school_class, ClassStudent.student).where(
            ClassStudent.school_class.is_in(sorted(set(class_ids)) or [-1])):
        out.setdefault(int(r["school_class"]), set()).add(int(r["student"]))
    return out
