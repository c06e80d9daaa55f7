"""Queries of awards, issued credentials, status lists and bulk-award jobs.

Every function returns rows of ``issuer.credentials.rows`` (the bulk-job queries: of
``issuer.credentials.bulk_rows``), or ids, counts and flags; nothing outside the repos sees a Table.
"""
from __future__ import annotations

import uuid as uuidlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import msgspec
from piccolo.utils.encoding import load_json

from issuer.credentials.bulk_rows import BulkJobRow, PlannedAward
from issuer.credentials.rows import (
    AwardedBadgeRow,
    AwardLevelRow,
    AwardRow,
    CredentialSummaryRow,
    HeldDocumentRow,
    HeldSubmissionRow,
    IssuedCredentialRow,
    PairAwardRow,
    StatusListHead,
    StatusListRow,
    WalletExchangeRow,
)
from issuer.db.engine import lock_row
from issuer.db.query import (
    all_rows,
    as_uuid,
    fast_insert,
    first_row,
    insert_args,
    insert_row,
    insert_sql,
    row_of,
    rows_of,
)
from issuer.db.scope import Scope
from issuer.db.scope import where as scoped
from issuer.db.tables import Award, BulkJob, IssuedCredential, StatusEntry, StatusList, Submission, WalletExchange

Row = dict[str, Any]

# --- status lists ------------------------------------------------------------------------------

# Piccolo's select for ``latest_status_list``, prebuilt (read on every award).
_LATEST_LIST = ('SELECT "id","list_no","size" FROM "status_list" WHERE "school" = {} AND "purpose" = {} '
                'ORDER BY "list_no" DESC LIMIT 1')


async def latest_status_list(*, school_id: int, purpose: str) -> StatusListHead | None:
    rows = await StatusList.raw(_LATEST_LIST, school_id, purpose)
    return row_of(StatusListHead, rows[0]) if rows else None


async def status_list(*, school_id: int, purpose: str, list_no: int, lock: bool = False) -> StatusListRow | None:
    row = await StatusList.select(StatusList.id).where(
        StatusList.school == school_id, StatusList.purpose == purpose,
        StatusList.list_no == list_no).first()
    if row is None:
        return None
    if lock:
        await lock_row(StatusList, row["id"])
    found: Row | None = await StatusList.select().where(StatusList.id == row["id"]).first()
    return row_of(StatusListRow, found)


async def status_list_by_id(list_id: int, *, lock: bool = False) -> StatusListRow | None:
    if lock:
        await lock_row(StatusList, list_id)
    found: Row | None = await StatusList.select().where(StatusList.id == list_id).first()
    return row_of(StatusListRow, found)


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


async def status_index_taken(*, list_id: int, index: int) -> bool:
    """Whether ``index`` of the list was handed out (a ``StatusEntry`` row claims it)."""
    taken: bool = await StatusEntry.exists().where((StatusEntry.status_list == list_id)
                                                   & (StatusEntry.status_index == index))
    return taken


async def count_status_entries(list_id: int) -> int:
    count: int = await StatusEntry.count().where(StatusEntry.status_list == list_id)
    return count


# --- issued credentials ------------------------------------------------------------------------

async def insert_issued_credential(*, school_id: int, credential_id: str, document: str,
                                   issued_at: datetime, learner_id: int | None = None,
                                   achievement_id: int | None = None, award_id: int | None = None,
                                   status_list_id: int | None = None, status_index: int | None = None,
                                   status_purpose: str = "", uuid: uuidlib.UUID | None = None) -> IssuedCredentialRow:
    row = IssuedCredential(uuid=uuid or uuidlib.uuid4(), school=school_id, learner=learner_id,
                           achievement=achievement_id, award=award_id, credential_id=credential_id,
                           document=document, status_list=status_list_id, status_index=status_index,
                           status_purpose=status_purpose, issued_at=issued_at)
    await row.save()
    stored = await issued_credential(row_id=row.id)
    if stored is None:  # only if another transaction deleted it at once
        raise LookupError(f"credential {row.id} vanished after its insert")
    return stored


async def issued_credential(*, row_id: int | None = None, uuid: uuidlib.UUID | None = None,
                            credential_id: str | None = None, school_id: int | None = None,
                            learner_id: int | None = None) -> IssuedCredentialRow | None:
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
    found: Row | None = await query.first()
    return row_of(IssuedCredentialRow, found)


async def issued_credentials(scope: Scope, *, limit: int = 100, offset: int = 0) -> list[CredentialSummaryRow]:
    return rows_of(CredentialSummaryRow, await IssuedCredential.select(
        IssuedCredential.id, IssuedCredential.uuid, IssuedCredential.school, IssuedCredential.learner,
        IssuedCredential.credential_id, IssuedCredential.issued_at, IssuedCredential.revoked_at,
        IssuedCredential.suspended).where(scoped(scope, IssuedCredential)).order_by(
        IssuedCredential.id).limit(limit).offset(offset))


async def lock_issued_credential(row_id: int) -> None:
    await lock_row(IssuedCredential, row_id)


async def mark_revoked(row_id: int, *, reason: str, actor_id: int | None, at: datetime) -> None:
    await IssuedCredential.update({IssuedCredential.revoked_at: at, IssuedCredential.revoked_reason: reason,
                                   IssuedCredential.revoked_by: actor_id}).where(IssuedCredential.id == row_id)


async def store_jwt(row_id: int, token: str) -> str:
    """Keeps ``token`` unless a concurrent request stored one first; returns the one stored."""
    await IssuedCredential.update({IssuedCredential.jwt: token}).where(
        (IssuedCredential.id == row_id) & (IssuedCredential.jwt == ""))
    stored = await IssuedCredential.select(IssuedCredential.jwt).where(IssuedCredential.id == row_id).first()
    return str(stored["jwt"]) if stored else token


async def mark_suspended(row_id: int, *, suspended: bool, reason: str) -> None:
    await IssuedCredential.update({IssuedCredential.suspended: suspended,
                                   IssuedCredential.suspended_reason: reason}).where(
        IssuedCredential.id == row_id)


# --- awards and credentials --------------------------------------------------------------------
async def find_award(learner_id: int, achievement_id: int) -> AwardRow | None:
    """The learner's first award of the achievement (opportunity 1), if any."""
    return row_of(AwardRow, await first_row(Award.select().where(
        (Award.learner == learner_id) & (Award.achievement == achievement_id)).order_by(Award.opportunity)))


async def award_for_submission(submission_id: int) -> AwardRow | None:
    return row_of(AwardRow, await first_row(Award.select().where(Award.submission == submission_id)))


async def get_award_by_id(award_id: int) -> AwardRow | None:
    return row_of(AwardRow, await first_row(Award.select().where(Award.id == award_id)))


_PAIR_AWARDS = ('SELECT a."id", a."opportunity", a."ratings", a."submission", c."uuid" AS "credential_uuid", '
                'c."revoked_at" FROM "award" a LEFT JOIN "issued_credential" c ON c."award" = a."id" '
                'WHERE a."learner" = {} AND a."achievement" = {} ORDER BY a."opportunity"')


async def pair_awards(learner_id: int, achievement_id: int) -> list[PairAwardRow]:
    """Every award of the learner for the achievement, first opportunity first, each with its
    badge's ``credential_uuid`` and ``revoked_at``. Prebuilt SQL: it runs on every review that
    awards, and Piccolo builds a joined select with more CPU than the (usually empty) query costs."""
    rows = [dict(r) for r in await Award.raw(_PAIR_AWARDS, learner_id, achievement_id)]
    for r in rows:
        if isinstance(r["ratings"], str):
            r["ratings"] = load_json(r["ratings"])
    return rows_of(PairAwardRow, rows)


# (``+ 0`` and ``|| ''`` are expressions, so SQLite's driver runs no per-column converter on them:
# a thousand students' badges are tens of thousands of values.)
_AWARD_LEVELS = ('SELECT c."learner" + 0 AS "learner", c."achievement" + 0 AS "achievement", '
                 'a."ratings" || \'\' AS "ratings" FROM "issued_credential" c '
                 'JOIN "award" a ON a."id" = c."award" WHERE c."school" = {} AND c."learner" IS NOT NULL '
                 'AND c."revoked_at" IS NULL AND c."suspended" = {}')
_LEVELS_DECODER = msgspec.json.Decoder(dict[str, Any])


def _lowest(ratings: object) -> int | None:
    if isinstance(ratings, str | bytes):
        ratings = _LEVELS_DECODER.decode(ratings)
    if not isinstance(ratings, dict):
        return None
    values = [v for v in ratings.values() if type(v) is int]
    return min(values) if values else None


async def award_levels(school_id: int, learner_ids: Iterable[int] | None = None) -> list[AwardLevelRow]:
    """The school's valid badges (neither revoked nor suspended) as (learner, achievement, level
    reached), optionally of some learners: one prebuilt query, however many students (the cohort
    view reads a school of a thousand in one go)."""
    sql, args = _AWARD_LEVELS, [school_id, False]
    wanted = None if learner_ids is None else sorted(set(learner_ids))
    if wanted is not None:
        if len(wanted) <= 500:  # a class: let the database filter
            sql += ' AND c."learner" IN (' + ", ".join("{}" for _ in wanted) + ")" if wanted else " AND 1 = 0"
            args += wanted
        keep = set(wanted)
    rows = await IssuedCredential.raw(sql, *args)
    out = [AwardLevelRow(learner=r["learner"], achievement=r["achievement"], level=_lowest(r["ratings"]))
           for r in rows]
    return out if wanted is None else [r for r in out if r.learner in keep]


async def set_evidence_shared(award_id: int, shared: bool) -> None:
    await Award.update({Award.evidence_shared: shared}).where(Award.id == award_id)


async def set_badge_sharing(row_id: int, *, public_page: bool | None = None, show_name: bool | None = None) -> None:
    """The learner's switches on one issued credential (None: leave that one as it is)."""
    values: dict[Any, bool] = {}
    if public_page is not None:
        values[IssuedCredential.public_page] = public_page
    if show_name is not None:
        values[IssuedCredential.show_name] = show_name
    if values:
        await IssuedCredential.update(values).where(IssuedCredential.id == row_id)


_HELD = ('SELECT s."id", a."prerequisites" FROM "submission" s JOIN "achievement" a ON a."id" = s."achievement" '
         'WHERE s."learner" = {} AND s."status" = \'prerequisites\'')


async def held_for_prerequisites(learner_id: int) -> list[HeldSubmissionRow]:
    """The learner's submissions held back because a prerequisite badge was missing, with the
    prerequisites of their achievement (``prerequisites``, decoded). Prebuilt SQL (after every award)."""
    rows = [dict(r) for r in await Submission.raw(_HELD, learner_id)]
    for r in rows:
        if isinstance(r["prerequisites"], str):
            r["prerequisites"] = load_json(r["prerequisites"] or "[]")
        r["prerequisites"] = [int(p) for p in r["prerequisites"] or []]
    return rows_of(HeldSubmissionRow, rows)


async def awarded_achievement_ids(learner_id: int, achievement_ids: Iterable[int]) -> set[int]:
    ids = list(set(achievement_ids))
    if not ids:
        return set()
    rows = await Award.select(Award.achievement).where((Award.learner == learner_id)
                                                       & Award.achievement.is_in(ids))
    return {r["achievement"] for r in rows}


async def award_counts(achievement_ids: Iterable[int]) -> dict[int, int]:
    """How many awards each achievement has (absent: none)."""
    ids = sorted(set(achievement_ids))
    if not ids:
        return {}
    counts: dict[int, int] = {}
    for r in await Award.select(Award.achievement).where(Award.achievement.is_in(ids)):
        counts[r["achievement"]] = counts.get(r["achievement"], 0) + 1
    return counts


async def awards_for_learners(learner_ids: Iterable[int]) -> set[tuple[int, int]]:
    ids = list(set(learner_ids))
    if not ids:
        return set()
    rows = await Award.select(Award.learner, Award.achievement).where(Award.learner.is_in(ids))
    return {(r["learner"], r["achievement"]) for r in rows}


async def award_ratings_for_learners(learner_ids: Iterable[int]) -> dict[tuple[int, int], dict[str, int]]:
    """(learner, achievement) → the ratings of its highest award (what a bulk file is checked against)."""
    ids = list(set(learner_ids))
    if not ids:
        return {}
    rows = await Award.select(Award.learner, Award.achievement, Award.ratings, Award.opportunity).where(
        Award.learner.is_in(ids)).order_by(Award.opportunity)
    out: dict[tuple[int, int], dict[str, int]] = {}
    for r in rows:
        ratings = r["ratings"]
        if isinstance(ratings, str):
            ratings = load_json(ratings or "{}")
        out[(r["learner"], r["achievement"])] = {str(k): int(v) for k, v in (ratings or {}).items()
                                                  if isinstance(v, int) and not isinstance(v, bool)}
    return out


async def insert_award(**values: Any) -> int:
    return await insert_row(Award, **values)


async def insert_award_if_new(**values: Any) -> int | None:
    """The new award's id, or None when the (learner, achievement) pair already has one
    (``ON CONFLICT DO NOTHING``: on PostgreSQL a concurrent insert of the same pair is waited
    for, then this returns None and the caller reads the committed award)."""
    return await fast_insert(Award, values, ignore_conflict=True)


async def credential_for_award(award_id: int) -> IssuedCredentialRow | None:
    return row_of(IssuedCredentialRow, await first_row(IssuedCredential.select().where(
        IssuedCredential.award == award_id)))


async def insert_credential(**values: Any) -> int:
    return await insert_row(IssuedCredential, **values)


def _insert_returning_sql(table: type[IssuedCredential]) -> str:
    sql, _ = insert_sql(table, False)
    head = sql[:sql.rindex(" RETURNING ")]
    return head + " RETURNING " + ",".join(f'"{c._meta.db_column_name}"' for c in table._meta.columns)


_INSERT_RETURNING = _insert_returning_sql(IssuedCredential)  # built once at import, like db.query's INSERTs


async def insert_credential_row(**values: Any) -> IssuedCredentialRow:
    """Insert and return the stored row (``RETURNING`` every column: the same row as
    ``credential_for_award`` reads back, without a second query). Prebuilt like
    ``_fast_insert`` (tests/issuer/test_perf_kit.py compares it with Piccolo's insert)."""
    _, args = insert_args(IssuedCredential, values)
    rows = await IssuedCredential.raw(_INSERT_RETURNING, *args)
    row = dict(rows[0])
    row["suspended"] = bool(row["suspended"])  # 0/1 on SQLite, as Piccolo's select converts it
    return row_of(IssuedCredentialRow, row)


async def get_credential(c_uuid: object) -> IssuedCredentialRow | None:
    u = as_uuid(c_uuid)
    if u is None:
        return None
    return row_of(IssuedCredentialRow, await first_row(IssuedCredential.select().where(IssuedCredential.uuid == u)))


async def documents_in_force(learner_id: int) -> list[HeldDocumentRow]:
    """The learner's awarded badges that are neither revoked nor suspended, as signed, oldest first
    (copies bound to a wallet are the wallet's, not listed: they have no award)."""
    return rows_of(HeldDocumentRow, await IssuedCredential.select(
        IssuedCredential.id, IssuedCredential.uuid, IssuedCredential.document, IssuedCredential.issued_at,
    ).where((IssuedCredential.learner == learner_id) & IssuedCredential.award.is_not_null()
            & IssuedCredential.revoked_at.is_null() & (IssuedCredential.suspended == False)  # noqa: E712
            ).order_by(IssuedCredential.issued_at).order_by(IssuedCredential.id))


async def list_credentials(scope: Scope, *, limit: int = 500, learner_id: int | None = None,
                           achievement_id: int | None = None, status: str | None = None,
                           credential_uuid: uuidlib.UUID | None = None,
                           newest_first: bool = False) -> list[AwardedBadgeRow]:
    """Awarded badges in ``scope``, optionally of one learner, one achievement, one badge, or in one
    status (``active``: neither revoked nor suspended; ``suspended``; ``revoked``)."""
    q = IssuedCredential.select(
        IssuedCredential.id, IssuedCredential.uuid, IssuedCredential.school, IssuedCredential.learner,
        IssuedCredential.achievement, IssuedCredential.award, IssuedCredential.credential_id,
        IssuedCredential.status_index, IssuedCredential.revoked_at, IssuedCredential.revoked_reason,
        IssuedCredential.suspended, IssuedCredential.suspended_reason, IssuedCredential.issued_at,
        IssuedCredential.achievement.name.as_alias("achievement_name"),
        IssuedCredential.achievement.uuid.as_alias("achievement_uuid"),
        IssuedCredential.achievement.version.as_alias("achievement_version"),
        IssuedCredential.learner.display_name.as_alias("learner_name"),
    ).where(IssuedCredential.award.is_not_null() & scoped(scope, IssuedCredential))
    if learner_id is not None:
        q = q.where(IssuedCredential.learner == learner_id)
    if achievement_id is not None:
        q = q.where(IssuedCredential.achievement == achievement_id)
    if credential_uuid is not None:
        q = q.where(IssuedCredential.uuid == credential_uuid)
    if status == "revoked":
        q = q.where(IssuedCredential.revoked_at.is_not_null())
    elif status == "suspended":
        q = q.where(IssuedCredential.revoked_at.is_null() & (IssuedCredential.suspended == True))  # noqa: E712
    elif status == "active":
        q = q.where(IssuedCredential.revoked_at.is_null() & (IssuedCredential.suspended == False))  # noqa: E712
    order = IssuedCredential.id
    q = q.order_by(order, ascending=not newest_first)
    return rows_of(AwardedBadgeRow, await all_rows(q.limit(limit)))


# --- bulk jobs ---------------------------------------------------------------------------------
# The JSON columns: written from the row's Structs (plan, errors, actor) as plain JSON values.
_BULK_JSON = frozenset({"plan", "errors", "actor"})


def _bulk_values(values: dict[str, object]) -> dict[str, object]:
    return {k: msgspec.to_builtins(v) if k in _BULK_JSON else v for k, v in values.items()}


async def insert_bulk_job(*, uuid: uuidlib.UUID | None = None, **values: object) -> BulkJobRow:
    """``uuid``: the one the confirmation form carried (a second submit of it hits the unique
    constraint instead of starting a second job); else a new one."""
    j_id = await insert_row(BulkJob, uuid=uuid or uuidlib.uuid4(), **_bulk_values(values))
    row = await bulk_job_by_id(j_id)
    if row is None:  # only if the database lost the row it just wrote
        raise LookupError("a bulk job just inserted could not be read back")
    return row


# A job's state without its plan (up to MAX_ROWS rows): what every progress read needs.
_BULK_STATE = tuple(c for c in BulkJob._meta.columns if c._meta.name != "plan")


async def get_bulk_job(j_uuid: object) -> BulkJobRow | None:
    u = as_uuid(j_uuid)
    if u is None:
        return None
    return row_of(BulkJobRow, await first_row(BulkJob.select(*_BULK_STATE).where(BulkJob.uuid == u)))


async def bulk_job_by_id(j_id: int) -> BulkJobRow | None:
    return row_of(BulkJobRow, await first_row(BulkJob.select(*_BULK_STATE).where(BulkJob.id == j_id)))


async def bulk_jobs_by(*, created_by: int, school: int, limit: int) -> list[BulkJobRow]:
    """The jobs one person started in one school, newest first."""
    return rows_of(BulkJobRow, await all_rows(BulkJob.select(*_BULK_STATE).where(
        (BulkJob.created_by == created_by) & (BulkJob.school == school)).order_by(BulkJob.id, ascending=False)
        .limit(limit)))


async def bulk_job_plan(j_id: int) -> list[PlannedAward]:
    """The job's validated rows, in issuing order (what a run, or a resumed run, issues)."""
    row = await first_row(BulkJob.select(BulkJob.plan).where(BulkJob.id == j_id))
    return msgspec.convert(row["plan"], list[PlannedAward]) if row is not None else []


async def update_bulk_job_leased(j_id: int, owner: str, **values: object) -> bool:
    """Update the job only while ``owner`` holds its lease (issuer.jobs); False otherwise."""
    rows = await BulkJob.update({getattr(BulkJob, k): v for k, v in _bulk_values(values).items()}).where(
        (BulkJob.id == j_id) & (BulkJob.lease_owner == owner)).returning(BulkJob.id)
    return bool(rows)


# --- wallet copies and their exchanges (issuer.credentials.binding, issuer.credentials.wallets) --

async def bound_copies(credential_row_id: int) -> list[IssuedCredentialRow]:
    return rows_of(IssuedCredentialRow, await IssuedCredential.select().where(
        IssuedCredential.bound_from == credential_row_id).order_by(IssuedCredential.id))


async def insert_exchange(**values: Any) -> WalletExchangeRow:
    row_id = await insert_row(WalletExchange, **values)
    stored = await exchange(row_id=row_id)
    if stored is None:  # only if another transaction deleted it at once
        raise LookupError(f"wallet exchange {row_id} vanished after its insert")
    return stored


async def exchange(*, row_id: int | None = None, uuid: uuidlib.UUID | None = None) -> WalletExchangeRow | None:
    query = WalletExchange.select()
    if row_id is not None:
        query = query.where(WalletExchange.id == row_id)
    if uuid is not None:
        query = query.where(WalletExchange.uuid == uuid)
    return row_of(WalletExchangeRow, await first_row(query))


async def lock_exchange(row_id: int) -> None:
    await lock_row(WalletExchange, row_id)


async def restart_exchange(row_id: int, *, challenge_hash: str, protocol: str) -> None:
    await WalletExchange.update({WalletExchange.challenge_hash: challenge_hash,
                                 WalletExchange.protocol: protocol}).where(
        (WalletExchange.id == row_id) & WalletExchange.used_at.is_null())


async def set_pre_authorized_code(row_id: int, code_hash: str) -> None:
    await WalletExchange.update({WalletExchange.pre_auth_hash: code_hash}).where(
        (WalletExchange.id == row_id) & WalletExchange.used_at.is_null())


async def exchange_by_pre_authorized_code(code_hash: str) -> WalletExchangeRow | None:
    return row_of(WalletExchangeRow, await first_row(WalletExchange.select().where(
        WalletExchange.pre_auth_hash == code_hash)))


async def grant_access(row_id: int, *, code_hash: str, access_hash: str, expires_at: datetime) -> bool:
    """Spend the pre-authorized code for an access token; False if it was spent already."""
    done = await WalletExchange.update({WalletExchange.pre_auth_hash: "", WalletExchange.access_hash: access_hash,
                                        WalletExchange.access_expires_at: expires_at}).where(
        (WalletExchange.id == row_id) & (WalletExchange.pre_auth_hash == code_hash)).returning(WalletExchange.id)
    return bool(done)


async def exchange_by_access_token(access_hash: str) -> WalletExchangeRow | None:
    return row_of(WalletExchangeRow, await first_row(WalletExchange.select().where(
        WalletExchange.access_hash == access_hash)))


async def complete_exchange(row_id: int, *, used_at: datetime, holder: str, issued_id: int) -> None:
    await WalletExchange.update({WalletExchange.used_at: used_at, WalletExchange.holder: holder,
                                 WalletExchange.issued: issued_id}).where(WalletExchange.id == row_id)


async def wallet_copies_of(credential_row_id: int) -> list[WalletExchangeRow]:
    """The completed exchanges of one credential, newest first (the badge page lists them)."""
    return rows_of(WalletExchangeRow, await WalletExchange.select().where(
        (WalletExchange.credential == credential_row_id) & WalletExchange.used_at.is_not_null()).order_by(
        WalletExchange.id, ascending=False))
