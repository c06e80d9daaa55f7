"""Platform queries: tenancy, keys, accounts, sessions, status lists, issued credentials.

Rows come back as plain dicts; nothing outside ``issuer/db`` sees a Table class. Every write
here runs inside the caller's transaction when there is one (Piccolo's engine keeps the
current transaction in a context variable).
"""
from __future__ import annotations

import uuid as uuidlib
from datetime import datetime
from typing import Any

from issuer.db.repo import lock_row
from issuer.db.scope import Scope, where as scoped
from issuer.db.tables import (ApiToken, AuditEvent, District, IssuedCredential, LoginAttempt, LoginThrottle,
                              School, SigningKey, StatusEntry, StatusList, User, WebSession)

Row = dict[str, Any]


# --- tenancy -------------------------------------------------------------------------------

async def first_district() -> Row | None:
    return await District.select().order_by(District.id).first()


async def insert_district(*, slug: str, name: str, url: str, email: str, at: datetime) -> Row:
    row = District(slug=slug, name=name, url=url, email=email, created_at=at)
    await row.save()
    return row.to_dict()


async def insert_school(*, district_id: int, slug: str, name: str, url: str = "", email: str = "",
                        description: str = "", address: dict | None = None, image_url: str = "",
                        at: datetime) -> Row:
    row = School(district=district_id, slug=slug, name=name, url=url, email=email,
                 description=description, address=address or {}, image_url=image_url, created_at=at)
    await row.save()
    return await school_by_id(row.id)


async def school_by_id(school_id: int) -> Row | None:
    return await School.select().where(School.id == school_id).output(load_json=True).first()


# Prebuilt (the award path reads both on every award; Piccolo spends more CPU building two
# selects than the database spends running them): the school as ``school_by_id`` gives it and
# the key ``active_key`` picks for it (the newest active one), portable SQL for both databases.
_SCHOOL_COLS = tuple(c._meta.db_column_name for c in School._meta.columns)
_KEY_COLS = tuple(c._meta.db_column_name for c in SigningKey._meta.columns)
_SCHOOL_WITH_KEY = (
    "SELECT " + ", ".join(f's."{n}"' for n in _SCHOOL_COLS) + ", "
    + ", ".join(f'k."{n}" AS "k__{n}"' for n in _KEY_COLS)
    + f' FROM "{School._meta.tablename}" s LEFT JOIN "{SigningKey._meta.tablename}" k ON k."id" = ('
    + f'SELECT max(k2."id") FROM "{SigningKey._meta.tablename}" k2 WHERE k2."active" = {{}} '
    + 'AND k2."district" = s."district" AND k2."school" = s."id") WHERE s."id" = {} LIMIT 1')


async def school_with_active_key(school_id: int) -> tuple[Row, Row | None] | None:
    """``school_by_id`` and that school's ``active_key`` in one query: (school, key row or
    None when the school has no active key yet), or None for no school
    (tests/issuer/test_perf_kit.py compares both)."""
    from piccolo.utils.encoding import load_json

    rows = await School.raw(_SCHOOL_WITH_KEY, True, school_id)
    if not rows:
        return None
    row = dict(rows[0])
    key = {n: row.pop(f"k__{n}") for n in _KEY_COLS}
    if isinstance(row.get("address"), (str, bytes)):
        row["address"] = load_json(row["address"])
    if key["id"] is None:
        return row, None
    key["active"] = bool(key["active"])
    return row, key


async def school_by_slug(slug: str) -> Row | None:
    return await School.select().where(School.slug == slug).output(load_json=True).first()


async def schools(district_id: int | None = None) -> list[Row]:
    query = School.select().order_by(School.id).output(load_json=True)
    if district_id is not None:
        query = query.where(School.district == district_id)
    return await query


async def district_by_id(district_id: int) -> Row | None:
    return await District.select().where(District.id == district_id).first()


# --- signing keys ----------------------------------------------------------------------------

def _owner(query, table, *, district_id: int, school_id: int | None):
    query = query.where(table.district == district_id)
    return query.where(table.school.is_null() if school_id is None else table.school == school_id)


async def active_key(*, district_id: int, school_id: int | None) -> Row | None:
    query = SigningKey.select().where(SigningKey.active == True)  # noqa: E712
    return await _owner(query, SigningKey, district_id=district_id, school_id=school_id).order_by(
        SigningKey.id, ascending=False).first()


async def keys_of(*, district_id: int, school_id: int | None) -> list[Row]:
    query = SigningKey.select(SigningKey.id, SigningKey.public_key_multibase, SigningKey.active,
                              SigningKey.created_at, SigningKey.retired_at)
    return await _owner(query, SigningKey, district_id=district_id, school_id=school_id).order_by(
        SigningKey.id)


async def insert_key(*, district_id: int, school_id: int | None, public_key_multibase: str,
                     encrypted_seed: str, at: datetime) -> Row:
    row = SigningKey(district=district_id, school=school_id, public_key_multibase=public_key_multibase,
                     encrypted_seed=encrypted_seed, active=True, created_at=at)
    await row.save()
    return await SigningKey.select().where(SigningKey.id == row.id).first()


async def retire_keys(*, district_id: int, school_id: int | None, at: datetime) -> None:
    query = SigningKey.update({SigningKey.active: False, SigningKey.retired_at: at}).where(
        SigningKey.active == True)  # noqa: E712
    await _owner(query, SigningKey, district_id=district_id, school_id=school_id)


async def key_signed_stored_document(public_key_multibase: str, *, school_id: int | None) -> bool:
    """Whether a stored signed document names this key (``…#<multibase>`` as a proof's
    verificationMethod): a badge, a status list, a transcript (which also bundles old badges).
    ``school_id`` narrows the scan to that school; None (the district's key) scans everything."""
    from issuer.db.tables import Transcript  # the transcript half's table, read-only here

    pattern = f"%#{public_key_multibase}%"  # base58btc has no LIKE wildcards
    for table in (IssuedCredential, StatusList, Transcript):
        query = table.select(table.id).where(table.document.like(pattern))
        if school_id is not None:
            query = query.where(table.school == school_id)
        if await query.first() is not None:
            return True
    return False


async def delete_key(key_id: int) -> None:
    """Only for a retired key that signed nothing stored (``issuer.services.keys.rotate``)."""
    await SigningKey.delete().where((SigningKey.id == key_id) & (SigningKey.active == False))  # noqa: E712


async def lock_school(school_id: int) -> None:
    await lock_row(School, school_id)


async def lock_district(district_id: int) -> None:
    await lock_row(District, district_id)


# --- accounts ----------------------------------------------------------------------------------

_USER_PUBLIC = (User.id, User.district, User.school, User.role, User.username, User.email,
                User.display_name, User.active, User.created_at)


async def insert_user(*, district_id: int, school_id: int | None, role: str, username: str,
                      email: str, display_name: str, password_hash: str, at: datetime) -> Row:
    row = User(district=district_id, school=school_id, role=role, username=username, email=email,
               display_name=display_name, password_hash=password_hash, active=True, created_at=at)
    await row.save()
    return await user_by_id(row.id)


async def user_by_id(user_id: int) -> Row | None:
    return await User.select(*_USER_PUBLIC).where(User.id == user_id).first()


async def user_credentials(username: str) -> Row | None:
    """The one query that reads a password hash (login only)."""
    return await User.select(*_USER_PUBLIC, User.password_hash).where(User.username == username).first()


async def users(scope: Scope, *, role: str | None = None) -> list[Row]:
    """The accounts in ``scope`` (a learner scope: that one account); district admins, who
    belong to no school, only through ``district_admins``."""
    query = User.select(*_USER_PUBLIC).where(scoped(scope, User, learner="id")).order_by(User.id)
    if role is not None:
        query = query.where(User.role == role)
    return await query


async def district_admins(district_id: int) -> list[Row]:
    return await User.select(*_USER_PUBLIC).where(
        (User.district == district_id) & User.school.is_null()).order_by(User.id)


async def user_by_username(username: str) -> Row | None:
    return await User.select(*_USER_PUBLIC).where(User.username == username).first()


async def set_password_hash(user_id: int, password_hash: str, *, keep_session: str | None = None) -> None:
    """A new password, and the end of every session of the user but ``keep_session`` (the
    sha256 of the one that changed it): whoever knew the old password is signed out."""
    await User.update({User.password_hash: password_hash}).where(User.id == user_id)
    await delete_user_sessions(user_id, keep=keep_session)


async def set_user_active(user_id: int, active: bool) -> None:
    await User.update({User.active: active}).where(User.id == user_id)


async def insert_token(*, token_hash: str, name: str, district_id: int, school_id: int | None,
                       user_id: int | None, role: str, at: datetime, expires_at: datetime | None = None,
                       created_by: int | None = None) -> Row:
    row = ApiToken(token_hash=token_hash, name=name, district=district_id, school=school_id,
                   user=user_id, role=role, created_at=at, expires_at=expires_at, created_by=created_by)
    await row.save()
    return {"id": row.id, "name": name, "role": role, "school": school_id, "district": district_id,
            "user": user_id, "expires_at": expires_at, "created_at": at}


async def token_by_hash(token_hash: str) -> Row | None:
    return await ApiToken.select().where(ApiToken.token_hash == token_hash,
                                         ApiToken.revoked_at.is_null()).first()


_TOKEN_LIST = (ApiToken.id, ApiToken.name, ApiToken.district, ApiToken.school, ApiToken.user, ApiToken.role,
               ApiToken.created_at, ApiToken.last_used_at, ApiToken.revoked_at, ApiToken.expires_at,
               ApiToken.created_by, ApiToken.user.username.as_alias("username"),
               ApiToken.school.slug.as_alias("school_slug"))


async def tokens(*, district_id: int, school_id: int | None = None) -> list[Row]:
    """The tokens of a district, or of one of its schools (never the hashes)."""
    query = ApiToken.select(*_TOKEN_LIST).where(ApiToken.district == district_id).order_by(ApiToken.id)
    if school_id is not None:
        query = query.where(ApiToken.school == school_id)
    return await query


async def token_by_id(token_id: int) -> Row | None:
    return await ApiToken.select(*_TOKEN_LIST).where(ApiToken.id == token_id).first()


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


_TOKEN_USER = ("id", "district", "school", "role", "username", "display_name", "active")
# Prebuilt (Piccolo spends ~1 ms of CPU building an FK-join select): the token (as
# ``token_by_hash`` filters it) and its user, portable SQL for SQLite and PostgreSQL.
_TOKEN_WITH_USER = (
    'SELECT t.id, t.name, t.district, t.school, t."user", t.role, t.expires_at, '
    + ", ".join(f"u.{name} AS u__{name}" for name in _TOKEN_USER)
    + ' FROM api_token t LEFT JOIN app_user u ON u.id = t."user" '
    "WHERE t.token_hash = {} AND t.revoked_at IS NULL LIMIT 1")


async def token_with_user(token_hash: str) -> tuple[Row, Row | None] | None:
    """``token_by_hash`` and, for a user's token, that user (``user_by_id``'s columns that make
    a principal; ``active`` may come back as 0/1 on SQLite) in one query: (token row, user row
    or None), or None for no live token."""
    rows = await ApiToken.raw(_TOKEN_WITH_USER, token_hash)
    if not rows:
        return None
    row = dict(rows[0])
    user = {name: row.pop(f"u__{name}") for name in _TOKEN_USER}
    return row, (user if user["id"] is not None else None)


async def touch_token(token_id: int, at: datetime) -> None:
    await ApiToken.update({ApiToken.last_used_at: at}).where(ApiToken.id == token_id)


async def insert_session(*, token_hash: str, user_id: int, at: datetime, expires_at: datetime) -> None:
    await WebSession(token_hash=token_hash, user=user_id, created_at=at, expires_at=expires_at).save()


async def session_by_hash(token_hash: str) -> Row | None:
    return await WebSession.select().where(WebSession.token_hash == token_hash).first()


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


# --- status lists ------------------------------------------------------------------------------

# Piccolo's select for ``latest_status_list``, prebuilt (read on every award).
_LATEST_LIST = ('SELECT "id","list_no","size" FROM "status_list" WHERE "school" = {} AND "purpose" = {} '
                'ORDER BY "list_no" DESC LIMIT 1')


async def latest_status_list(*, school_id: int, purpose: str) -> Row | None:
    rows = await StatusList.raw(_LATEST_LIST, school_id, purpose)
    return dict(rows[0]) if rows else None


async def status_list(*, school_id: int, purpose: str, list_no: int, lock: bool = False) -> Row | None:
    row = await StatusList.select(StatusList.id).where(
        StatusList.school == school_id, StatusList.purpose == purpose,
        StatusList.list_no == list_no).first()
    if row is None:
        return None
    if lock:
        await lock_row(StatusList, row["id"])
    return await StatusList.select().where(StatusList.id == row["id"]).first()


async def insert_status_list(*, school_id: int, purpose: str, list_no: int, size: int,
                             encoded_list: str, at: datetime) -> bool:
    """Insert unless another transaction created the same list first (then False)."""
    rows = await StatusList.insert(StatusList(
        school=school_id, purpose=purpose, list_no=list_no, size=size, encoded_list=encoded_list,
        document="", updated_at=at)).on_conflict(action="DO NOTHING").returning(StatusList.id)
    return bool(rows)


async def update_status_list(list_id: int, *, encoded_list: str, document: str, at: datetime) -> None:
    await StatusList.update({StatusList.encoded_list: encoded_list, StatusList.document: document,
                             StatusList.updated_at: at}).where(StatusList.id == list_id)


async def claim_status_index(*, list_id: int, index: int, at: datetime) -> bool:
    """True when the index was free and is now ours (the unique constraint arbitrates)."""
    # Piccolo's INSERT … ON CONFLICT DO NOTHING RETURNING "id", prebuilt (the hot path of an award)
    rows = await StatusEntry.raw(_CLAIM_INDEX, list_id, index, at)
    return bool(rows)


_CLAIM_INDEX = ('INSERT INTO "status_entry" ("status_list","status_index","created_at") VALUES ({},{},{}) '
                'ON CONFLICT DO NOTHING RETURNING "id"')


async def count_status_entries(list_id: int) -> int:
    return await StatusEntry.count().where(StatusEntry.status_list == list_id)


# --- issued credentials ------------------------------------------------------------------------

async def insert_issued_credential(*, school_id: int, credential_id: str, document: str,
                                   issued_at: datetime, learner_id: int | None = None,
                                   achievement_id: int | None = None, award_id: int | None = None,
                                   status_list_id: int | None = None, status_index: int | None = None,
                                   status_purpose: str = "", uuid: uuidlib.UUID | None = None) -> Row:
    row = IssuedCredential(uuid=uuid or uuidlib.uuid4(), school=school_id, learner=learner_id,
                           achievement=achievement_id, award=award_id, credential_id=credential_id,
                           document=document, status_list=status_list_id, status_index=status_index,
                           status_purpose=status_purpose, issued_at=issued_at)
    await row.save()
    return await IssuedCredential.select().where(IssuedCredential.id == row.id).first()


async def issued_credential(*, row_id: int | None = None, uuid: uuidlib.UUID | None = None,
                            credential_id: str | None = None, school_id: int | None = None,
                            learner_id: int | None = None) -> Row | None:
    """One credential; ``school_id`` / ``learner_id`` scope the lookup (tenancy in the query)."""
    query = IssuedCredential.select()
    if row_id is not None:
        query = query.where(IssuedCredential.id == row_id)
    if uuid is not None:
        query = query.where(IssuedCredential.uuid == uuid)
    if credential_id is not None:
        query = query.where(IssuedCredential.credential_id == credential_id)
    if school_id is not None:
        query = query.where(IssuedCredential.school == school_id)
    if learner_id is not None:
        query = query.where(IssuedCredential.learner == learner_id)
    return await query.first()


async def issued_credentials(scope: Scope, *, limit: int = 100, offset: int = 0) -> list[Row]:
    return await IssuedCredential.select(
        IssuedCredential.id, IssuedCredential.uuid, IssuedCredential.school, IssuedCredential.learner,
        IssuedCredential.credential_id, IssuedCredential.issued_at, IssuedCredential.revoked_at,
        IssuedCredential.suspended).where(scoped(scope, IssuedCredential)).order_by(
        IssuedCredential.id).limit(limit).offset(offset)


async def lock_issued_credential(row_id: int) -> None:
    await lock_row(IssuedCredential, row_id)


async def mark_revoked(row_id: int, *, reason: str, actor_id: int | None, at: datetime) -> None:
    await IssuedCredential.update({IssuedCredential.revoked_at: at, IssuedCredential.revoked_reason: reason,
                                   IssuedCredential.revoked_by: actor_id}).where(IssuedCredential.id == row_id)


async def mark_suspended(row_id: int, *, suspended: bool, reason: str) -> None:
    await IssuedCredential.update({IssuedCredential.suspended: suspended,
                                   IssuedCredential.suspended_reason: reason}).where(
        IssuedCredential.id == row_id)


# --- audit -------------------------------------------------------------------------------------

async def audit(*, action: str, at: datetime, actor_id: int | None = None, district_id: int | None = None,
                school_id: int | None = None, subject: str = "", details: dict | None = None) -> None:
    await AuditEvent(at=at, actor=actor_id, district=district_id, school=school_id, action=action,
                     subject=subject, details=details or {}).save()


async def audit_many(events: list[dict]) -> None:
    """Several events in one INSERT (a review writes two: the rating and the award)."""
    if events:
        await AuditEvent.insert(*[AuditEvent(at=e["at"], actor=e.get("actor_id"), district=e.get("district_id"),
                                             school=e.get("school_id"), action=e["action"],
                                             subject=e.get("subject", ""), details=e.get("details") or {})
                                  for e in events])


async def audit_events(*, district_id: int | None = None, school_id: int | None = None,
                       limit: int = 100) -> list[Row]:
    """A district's events or one school's: exactly one of the two (never everyone's)."""
    if (district_id is None) == (school_id is None):
        raise TypeError("audit_events needs exactly one of district_id and school_id")
    query = AuditEvent.select().order_by(AuditEvent.id, ascending=False).limit(limit).output(load_json=True)
    if district_id is not None:
        return await query.where(AuditEvent.district == district_id)
    return await query.where(AuditEvent.school == school_id)
