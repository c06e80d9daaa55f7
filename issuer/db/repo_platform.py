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
from issuer.db.tables import (ApiToken, AuditEvent, District, IssuedCredential, LoginAttempt, School,
                              SigningKey, StatusEntry, StatusList, User, WebSession)

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


async def users(*, district_id: int | None = None, school_id: int | None = None,
                role: str | None = None, user_id: int | None = None) -> list[Row]:
    query = User.select(*_USER_PUBLIC).order_by(User.id)
    if district_id is not None:
        query = query.where(User.district == district_id)
    if school_id is not None:
        query = query.where(User.school == school_id)
    if role is not None:
        query = query.where(User.role == role)
    if user_id is not None:
        query = query.where(User.id == user_id)
    return await query


async def set_password_hash(user_id: int, password_hash: str) -> None:
    await User.update({User.password_hash: password_hash}).where(User.id == user_id)


async def insert_token(*, token_hash: str, name: str, district_id: int, school_id: int | None,
                       user_id: int | None, role: str, at: datetime) -> Row:
    row = ApiToken(token_hash=token_hash, name=name, district=district_id, school=school_id,
                   user=user_id, role=role, created_at=at)
    await row.save()
    return {"id": row.id, "name": name, "role": role, "school": school_id, "district": district_id}


async def token_by_hash(token_hash: str) -> Row | None:
    return await ApiToken.select().where(ApiToken.token_hash == token_hash,
                                         ApiToken.revoked_at.is_null()).first()


_TOKEN_USER = ("id", "district", "school", "role", "username", "display_name", "active")
# Prebuilt (Piccolo spends ~1 ms of CPU building an FK-join select): the token (as
# ``token_by_hash`` filters it) and its user, portable SQL for SQLite and PostgreSQL.
_TOKEN_WITH_USER = (
    'SELECT t.id, t.name, t.district, t.school, t."user", t.role, '
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


async def record_login_attempt(*, login: str, ip: str, success: bool, at: datetime) -> None:
    await LoginAttempt(login=login, ip=ip, success=success, at=at).save()


async def failed_logins_since(*, login: str, ip: str, since: datetime) -> list[datetime]:
    rows = await LoginAttempt.select(LoginAttempt.at).where(
        LoginAttempt.login == login, LoginAttempt.ip == ip, LoginAttempt.success == False,  # noqa: E712
        LoginAttempt.at >= since).order_by(LoginAttempt.at)
    return [r["at"] for r in rows]


async def clear_failed_logins(*, login: str, ip: str) -> None:
    await LoginAttempt.delete().where(LoginAttempt.login == login, LoginAttempt.ip == ip,
                                      LoginAttempt.success == False)  # noqa: E712


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


async def issued_credentials(*, school_id: int | None = None, learner_id: int | None = None,
                             district_id: int | None = None, limit: int = 100, offset: int = 0) -> list[Row]:
    query = IssuedCredential.select(
        IssuedCredential.id, IssuedCredential.uuid, IssuedCredential.school, IssuedCredential.learner,
        IssuedCredential.credential_id, IssuedCredential.issued_at, IssuedCredential.revoked_at,
        IssuedCredential.suspended).order_by(IssuedCredential.id).limit(limit).offset(offset)
    if school_id is not None:
        query = query.where(IssuedCredential.school == school_id)
    if learner_id is not None:
        query = query.where(IssuedCredential.learner == learner_id)
    if district_id is not None:
        query = query.where(IssuedCredential.school.district == district_id)
    return await query


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


async def audit_events(*, district_id: int | None = None, school_id: int | None = None,
                       limit: int = 100) -> list[Row]:
    query = AuditEvent.select().order_by(AuditEvent.id, ascending=False).limit(limit).output(load_json=True)
    if district_id is not None:
        query = query.where(AuditEvent.district == district_id)
    if school_id is not None:
        query = query.where(AuditEvent.school == school_id)
    return await query
