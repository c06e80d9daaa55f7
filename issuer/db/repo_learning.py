"""Queries of the learning half: frameworks, achievements, submissions, ELOs, reviews, awards.

Rows come back as plain dicts (JSON columns decoded); services never see Table objects.
"""
from __future__ import annotations

import functools
import uuid as uuidlib
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from issuer.db.tables import (Achievement, Award, BulkJob, Competency, EvidenceFile, ExtendedLearning,
                              Framework, IssuedCredential, MentorLink, Review, School, Submission,
                              SubmissionVersion, User)

from piccolo.columns import JSON, JSONB
from piccolo.utils.encoding import dump_json, load_json

from issuer.db.repo import is_postgres
from issuer.db.scope import Scope, where as scoped

Row = dict[str, Any]


def _uuid(value) -> uuidlib.UUID | None:
    if isinstance(value, uuidlib.UUID):
        return value
    try:
        return uuidlib.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None


async def _first(query) -> Row | None:
    return await query.output(load_json=True).first()


async def _all(query) -> list[Row]:
    return await query.output(load_json=True)


async def _insert(table, **values) -> int:
    rows = await table.insert(table(**values)).returning(table._meta.primary_key)
    return rows[0][table._meta.primary_key._meta.name]


# Hot-path writes with prebuilt SQL: Piccolo spends more CPU building an INSERT/UPDATE than the
# database spends running it. Same statements and parameters as Piccolo's (the row object still
# fills defaults; JSON values are dumped with Piccolo's ``dump_json``); the primary key is left
# to the database as Piccolo does (null → rowid on SQLite, DEFAULT on PostgreSQL).
# tests/issuer/test_perf_writes.py compares both, parameters and stored rows.
@functools.lru_cache(maxsize=32)
def _insert_sql(table, ignore_conflict: bool) -> tuple[str, tuple]:
    pk = table._meta.primary_key
    columns = tuple(c for c in table._meta.columns if c is not pk)
    names = ",".join(f'"{c._meta.db_column_name}"' for c in columns)
    marks = ",".join("{}" for _ in columns)
    conflict = " ON CONFLICT DO NOTHING" if ignore_conflict else ""
    return (f'INSERT INTO "{table._meta.tablename}" ({names}) VALUES ({marks}){conflict} '
            f'RETURNING "{pk._meta.db_column_name}"'), columns


@functools.lru_cache(maxsize=32)
def _insert_plan(table, ignore_conflict: bool) -> tuple[str, tuple]:
    sql, columns = _insert_sql(table, ignore_conflict)
    return sql, tuple((c, c._meta.name, c._meta.db_column_name, isinstance(c, (JSON, JSONB))) for c in columns)


def insert_args(table, values: dict, ignore_conflict: bool = False) -> tuple[str, list]:
    """The INSERT and its parameters: the values ``table(**values)`` would hold (given by
    name or db column name, else the column default; a missing required value or an
    unknown name is Piccolo's ValueError), without building the row object."""
    from piccolo.columns.defaults.base import Default

    sql, plan = _insert_plan(table, ignore_conflict)
    pk = table._meta.primary_key
    given = dict(values)
    if pk._meta.name in given:  # Piccolo's row takes it, the INSERT leaves it to the database
        given.pop(pk._meta.name)
    elif pk._meta.db_column_name in given:
        given.pop(pk._meta.db_column_name)
    args = []
    for column, name, db_name, is_json in plan:
        value = given.pop(name, ...)
        if value is ...:
            value = given.pop(db_name, ...)
        if value is ...:
            value = column.get_default_value()
            if isinstance(value, Default):
                value = value.python()
            if value is None and not column._meta.null:
                raise ValueError(f"{name} wasn't provided")
        if is_json and not isinstance(value, str) and value is not None:
            value = dump_json(value)
        args.append(value)
    if given:
        raise ValueError(f"Unrecognized columns - {list(given)}")
    return sql, args


async def _fast_insert(table, values: dict, *, ignore_conflict: bool = False) -> int | None:
    sql, args = insert_args(table, values, ignore_conflict)
    rows = await table.raw(sql, *args)
    return rows[0][table._meta.primary_key._meta.db_column_name] if rows else None


# --- users and schools -------------------------------------------------------------------------
async def get_user(user_id: int) -> Row | None:
    return await _first(User.select(User.id, User.school, User.district, User.role, User.username,
                                    User.email, User.display_name, User.active).where(User.id == user_id))


async def users_by_email(school_id: int, emails: Iterable[str]) -> dict[str, Row]:
    emails = sorted({e.lower() for e in emails})
    if not emails:
        return {}
    rows = await _all(User.select(User.id, User.email, User.role, User.display_name, User.school)
                      .where((User.school == school_id) & (User.role == "student")))
    return {r["email"].lower(): r for r in rows if r["email"] and r["email"].lower() in emails}


async def school_district(school_id: int) -> int | None:
    row = await School.select(School.district).where(School.id == school_id).first()
    return row["district"] if row else None


async def school_name(school_id: int) -> str | None:
    row = await School.select(School.name).where(School.id == school_id).first()
    return row["name"] if row else None


async def school_ids_of_district(district_id: int) -> list[int]:
    return [r["id"] for r in await School.select(School.id).where(School.district == district_id)]


# --- frameworks --------------------------------------------------------------------------------
async def insert_framework(*, school_id: int, kind: str, name: str, version: str, source: str,
                           source_uri: str, created_at: datetime,
                           competencies: Sequence[Row]) -> Row:
    fw_uuid = uuidlib.uuid4()
    fw_id = await _insert(Framework, uuid=fw_uuid, school=school_id, kind=kind, name=name,
                          version=version, source=source, source_uri=source_uri, created_at=created_at)
    if competencies:
        await Competency.insert(*[Competency(framework=fw_id, kind=kind, code=c["code"], name=c["name"],
                                             description=c.get("description", ""), url=c.get("url", ""))
                                  for c in competencies])
    return await get_framework(fw_uuid)


async def get_framework(fw_uuid) -> Row | None:
    u = _uuid(fw_uuid)
    if u is None:
        return None
    fw = await _first(Framework.select().where(Framework.uuid == u))
    if fw:
        fw["competencies"] = await _all(Competency.select().where(Competency.framework == fw["id"])
                                        .order_by(Competency.id))
    return fw


async def list_frameworks(school_ids: Sequence[int], kind: str | None = None) -> list[Row]:
    if not school_ids:
        return []
    q = Framework.select().where(Framework.school.is_in(list(school_ids))).order_by(Framework.id)
    if kind:
        q = q.where(Framework.kind == kind)
    return await _all(q)


async def competencies_by_id(ids: Iterable[int]) -> list[Row]:
    ids = sorted({int(i) for i in ids})
    if not ids:
        return []
    return await _all(Competency.select(
        *Competency.all_columns(), Competency.framework.name.as_alias("framework_name"),
        Competency.framework.school.as_alias("school"), Competency.framework.uuid.as_alias("framework_uuid"),
        Competency.framework.source_uri.as_alias("framework_uri"),
        Competency.framework.source.as_alias("framework_source"))
        .where(Competency.id.is_in(ids)).order_by(Competency.id))


# --- achievements ------------------------------------------------------------------------------
async def insert_achievement(**values) -> Row:
    a_uuid = uuidlib.uuid4()
    await _insert(Achievement, uuid=a_uuid, **values)
    return await get_achievement(a_uuid)


async def get_achievement(a_uuid) -> Row | None:
    u = _uuid(a_uuid)
    if u is None:
        return None
    return await _first(Achievement.select().where(Achievement.uuid == u))


async def get_achievement_by_id(a_id: int) -> Row | None:
    return await _first(Achievement.select().where(Achievement.id == a_id))


async def achievements_by_uuid(uuids: Iterable) -> list[Row]:
    us = [u for u in (_uuid(x) for x in uuids) if u]
    if not us:
        return []
    return await _all(Achievement.select().where(Achievement.uuid.is_in(us)))


async def achievements_by_ids(ids: Iterable[int]) -> list[Row]:
    ids = sorted(set(ids))
    if not ids:
        return []
    return await _all(Achievement.select().where(Achievement.id.is_in(ids)))


async def list_achievements(school_ids: Sequence[int]) -> list[Row]:
    if not school_ids:
        return []
    return await _all(Achievement.select().where(Achievement.school.is_in(list(school_ids))
                                                 & (Achievement.archived == False))  # noqa: E712
                      .order_by(Achievement.id))


async def update_achievement(a_id: int, **values) -> None:
    await Achievement.update({getattr(Achievement, k): v for k, v in values.items()}).where(
        Achievement.id == a_id)


# --- evidence ----------------------------------------------------------------------------------
async def record_files(files: Sequence[Row], *, created_at: datetime) -> None:
    for f in files:
        exists = await EvidenceFile.exists().where(EvidenceFile.sha256 == f["sha256"])
        if not exists:
            await EvidenceFile.insert(EvidenceFile(sha256=f["sha256"], media_type=f["mediaType"],
                                                   size=f["size"], created_at=created_at))


async def insert_submission(*, school_id: int, learner_id: int, achievement_id: int, kind: str,
                            created_at: datetime, narrative: str, urls: list, files: list) -> Row:
    s_uuid = uuidlib.uuid4()
    s_id = await _insert(Submission, uuid=s_uuid, school=school_id, learner=learner_id,
                         achievement=achievement_id, kind=kind, status="submitted", current_version=1,
                         created_at=created_at, updated_at=created_at)
    await SubmissionVersion.insert(SubmissionVersion(submission=s_id, number=1, narrative=narrative,
                                                     urls=urls, files=files, created_at=created_at))
    return await get_submission(s_uuid)


async def add_version(submission_id: int, number: int, *, narrative: str, urls: list, files: list,
                      created_at: datetime) -> None:
    await SubmissionVersion.insert(SubmissionVersion(submission=submission_id, number=number,
                                                     narrative=narrative, urls=urls, files=files,
                                                     created_at=created_at))
    await Submission.update({Submission.current_version: number, Submission.status: "submitted",
                             Submission.updated_at: created_at}).where(Submission.id == submission_id)


async def get_submission(s_uuid) -> Row | None:
    u = _uuid(s_uuid)
    if u is None:
        return None
    return await _first(Submission.select().where(Submission.uuid == u))


_USER_FIELDS = ("id", "school", "district", "role", "username", "email", "display_name", "active")


@functools.cache
def _review_sql() -> tuple[str, tuple[str, ...]]:
    """Raw SQL for ``submission_for_review``: Piccolo needs ~2.5 ms of CPU to build a joined
    select, more than the query itself; this text is built once from the table definitions."""
    def cols(table, alias: str, prefix: str, names=None) -> list[str]:
        names = names or [c._meta.db_column_name for c in table.all_columns()]
        return [f'{alias}."{n}" AS "{prefix}{n}"' for n in names]

    def json_cols(table, prefix: str) -> list[str]:
        return [prefix + c._meta.db_column_name for c in table.all_columns() if isinstance(c, (JSON, JSONB))]

    select = (cols(Submission, "s", "") + cols(Achievement, "a", "a__") + cols(User, "u", "l__", _USER_FIELDS)
              + cols(SubmissionVersion, "v", "v__"))
    sql = (f'SELECT {", ".join(select)} FROM "{Submission._meta.tablename}" s '
           f'LEFT JOIN "{Achievement._meta.tablename}" a ON a."id" = s."achievement" '
           f'LEFT JOIN "{User._meta.tablename}" u ON u."id" = s."learner" '
           f'LEFT JOIN "{SubmissionVersion._meta.tablename}" v '
           f'ON v."submission" = s."id" AND v."number" = s."current_version" WHERE s."uuid" = {{}}')
    return sql, tuple(json_cols(Submission, "") + json_cols(Achievement, "a__")
                      + json_cols(SubmissionVersion, "v__"))


async def submission_for_review(s_uuid) -> tuple[Row, Row | None, Row | None, Row | None] | None:
    """(submission, its achievement, its learner, its current version) in one joined query: the
    same dicts as ``get_submission``, ``get_achievement_by_id``, ``get_user`` and
    ``get_version(id, current_version)``; None for a part that does not exist."""
    u = _uuid(s_uuid)
    if u is None:
        return None
    sql, json_names = _review_sql()
    rows = await Submission.raw(sql, u)
    if not rows:
        return None
    row = dict(rows[0])
    for name in json_names:
        if isinstance(row.get(name), str):
            row[name] = load_json(row[name])  # as ``.output(load_json=True)`` decodes
    parts: dict[str, Row] = {"": {}, "a__": {}, "l__": {}, "v__": {}}
    for key, value in row.items():
        prefix = key[:3] if key[:3] in parts else ""
        parts[prefix][key[len(prefix):]] = value
    return (parts[""],) + tuple(p if p["id"] is not None else None
                                for p in (parts["a__"], parts["l__"], parts["v__"]))


async def get_submission_by_id(s_id: int) -> Row | None:
    return await _first(Submission.select().where(Submission.id == s_id))


@functools.lru_cache(maxsize=32)
def _rows_sql(table, where: str, suffix: str = "") -> tuple[str, tuple[str, ...]]:
    """``table.select().where(table.<where> == {})`` + ``suffix`` as prebuilt SQL (every column, as
    Piccolo selects them) and the JSON columns to decode, as ``.output(load_json=True)`` does."""
    columns = ", ".join('"' + c._meta.db_column_name + '"' for c in table.all_columns())
    sql = f'SELECT {columns} FROM "{table._meta.tablename}" WHERE "{where}" = {{}}{suffix}'
    return sql, tuple(c._meta.db_column_name for c in table.all_columns() if isinstance(c, (JSON, JSONB)))


async def _raw_rows(table, where: str, value, suffix: str = "") -> list[Row]:
    sql, json_names = _rows_sql(table, where, suffix)
    rows = [dict(r) for r in await table.raw(sql, value)]
    for row in rows:
        for name in json_names:
            if isinstance(row.get(name), str):
                row[name] = load_json(row[name])
    return rows


async def lock_submission(s_id: int) -> Row | None:
    """The submission row, held until the transaction ends: ``lock_row`` and a read in one
    query on PostgreSQL (``SELECT … FOR UPDATE``); on SQLite the write transaction serializes.
    Prebuilt SQL (hot path of a review): the same row as ``get_submission_by_id``."""
    lock = " FOR UPDATE" if is_postgres(Submission._meta.db) else ""
    rows = await _raw_rows(Submission, "id", s_id, lock)
    return rows[0] if rows else None


async def versions(submission_id: int) -> list[Row]:
    return await _all(SubmissionVersion.select().where(SubmissionVersion.submission == submission_id)
                      .order_by(SubmissionVersion.number))


async def get_version(submission_id: int, number: int) -> Row | None:
    return await _first(SubmissionVersion.select().where(
        (SubmissionVersion.submission == submission_id) & (SubmissionVersion.number == number)))


async def get_version_by_id(version_id: int) -> Row | None:
    return await _first(SubmissionVersion.select().where(SubmissionVersion.id == version_id))


async def list_submissions(scope: Scope, *, statuses: Sequence[str] | None = None, limit: int = 500) -> list[Row]:
    q = Submission.select(*Submission.all_columns(),
                          Submission.achievement.name.as_alias("achievement_name"),
                          Submission.achievement.uuid.as_alias("achievement_uuid"),
                          Submission.learner.display_name.as_alias("learner_name"),
                          Submission.learner.email.as_alias("learner_email")).where(
        scoped(scope, Submission) & Submission.learner.is_not_null())  # learner-less: see check_record
    if statuses:
        q = q.where(Submission.status.is_in(list(statuses)))
    return await _all(q.order_by(Submission.updated_at).limit(limit))


_SET_STATUS = 'UPDATE "submission" SET "status" = {}, "updated_at" = {} WHERE "submission"."id" = {}'


async def set_submission_status(submission_id: int, status: str, at: datetime) -> None:
    # Piccolo's own statement for Submission.update({status, updated_at}).where(id), prebuilt.
    await Submission.raw(_SET_STATUS, status, at, submission_id)


# --- reviews -----------------------------------------------------------------------------------
async def insert_review(**values) -> int:
    return await _fast_insert(Review, values)


async def reviews_for_version(version_id: int) -> list[Row]:
    # prebuilt Review.select().where(Review.version == version_id).order_by(Review.id) (hot path)
    return await _raw_rows(Review, "version", version_id, ' ORDER BY "id"')


async def reviews_for_submission(submission_id: int) -> list[Row]:
    return await _all(Review.select(*Review.all_columns(), Review.version.number.as_alias("version_number"),
                                    Review.reviewer.display_name.as_alias("reviewer_name"))
                      .where(Review.submission == submission_id).order_by(Review.id))


# --- awards and credentials --------------------------------------------------------------------
async def find_award(learner_id: int, achievement_id: int) -> Row | None:
    """The learner's first award of the achievement (opportunity 1), if any."""
    return await _first(Award.select().where((Award.learner == learner_id)
                                             & (Award.achievement == achievement_id)).order_by(Award.opportunity))


async def award_for_submission(submission_id: int) -> Row | None:
    return await _first(Award.select().where(Award.submission == submission_id))


async def get_award_by_id(award_id: int) -> Row | None:
    return await _first(Award.select().where(Award.id == award_id))


_PAIR_AWARDS = ('SELECT a."id", a."opportunity", a."ratings", a."submission", c."uuid" AS "credential_uuid", '
                'c."revoked_at" FROM "award" a LEFT JOIN "issued_credential" c ON c."award" = a."id" '
                'WHERE a."learner" = {} AND a."achievement" = {} ORDER BY a."opportunity"')


async def pair_awards(learner_id: int, achievement_id: int) -> list[Row]:
    """Every award of the learner for the achievement, first opportunity first, each with its
    badge's ``credential_uuid`` and ``revoked_at``. Prebuilt SQL: it runs on every review that
    awards, and Piccolo builds a joined select with more CPU than the (usually empty) query costs."""
    rows = [dict(r) for r in await Award.raw(_PAIR_AWARDS, learner_id, achievement_id)]
    for r in rows:
        if isinstance(r["ratings"], str):
            r["ratings"] = load_json(r["ratings"])
    return rows


async def set_evidence_shared(award_id: int, shared: bool) -> None:
    await Award.update({Award.evidence_shared: shared}).where(Award.id == award_id)


_HELD = ('SELECT s."id", a."prerequisites" FROM "submission" s JOIN "achievement" a ON a."id" = s."achievement" '
         'WHERE s."learner" = {} AND s."status" = \'prerequisites\'')


async def held_for_prerequisites(learner_id: int) -> list[Row]:
    """The learner's submissions held back because a prerequisite badge was missing, with the
    prerequisites of their achievement (``prerequisites``, decoded). Prebuilt SQL (after every award)."""
    rows = [dict(r) for r in await Submission.raw(_HELD, learner_id)]
    for r in rows:
        if isinstance(r["prerequisites"], str):
            r["prerequisites"] = load_json(r["prerequisites"] or "[]")
    return rows


async def update_review(review_id: int, **values) -> None:
    await Review.update({getattr(Review, k): v for k, v in values.items()}).where(Review.id == review_id)


async def awarded_achievement_ids(learner_id: int, achievement_ids: Iterable[int]) -> set[int]:
    ids = list(set(achievement_ids))
    if not ids:
        return set()
    rows = await Award.select(Award.achievement).where((Award.learner == learner_id)
                                                       & Award.achievement.is_in(ids))
    return {r["achievement"] for r in rows}


async def awards_for_learners(learner_ids: Iterable[int]) -> set[tuple[int, int]]:
    ids = list(set(learner_ids))
    if not ids:
        return set()
    rows = await Award.select(Award.learner, Award.achievement).where(Award.learner.is_in(ids))
    return {(r["learner"], r["achievement"]) for r in rows}


async def insert_award(**values) -> int:
    return await _insert(Award, **values)


async def insert_award_if_new(**values) -> int | None:
    """The new award's id, or None when the (learner, achievement) pair already has one
    (``ON CONFLICT DO NOTHING``: on PostgreSQL a concurrent insert of the same pair is waited
    for, then this returns None and the caller reads the committed award)."""
    return await _fast_insert(Award, values, ignore_conflict=True)


async def credential_for_award(award_id: int) -> Row | None:
    return await _first(IssuedCredential.select().where(IssuedCredential.award == award_id))


async def insert_credential(**values) -> int:
    return await _insert(IssuedCredential, **values)


@functools.lru_cache(maxsize=8)
def _insert_returning_sql(table) -> str:
    sql, _ = _insert_sql(table, False)
    head = sql[:sql.rindex(" RETURNING ")]
    return head + " RETURNING " + ",".join(f'"{c._meta.db_column_name}"' for c in table._meta.columns)


async def insert_credential_row(**values) -> Row:
    """Insert and return the stored row (``RETURNING`` every column: the same dict as
    ``credential_for_award`` reads back, without a second query). Prebuilt like
    ``_fast_insert`` (tests/issuer/test_perf_kit.py compares it with Piccolo's insert)."""
    _, args = insert_args(IssuedCredential, values)
    rows = await IssuedCredential.raw(_insert_returning_sql(IssuedCredential), *args)
    row = dict(rows[0])
    row["suspended"] = bool(row["suspended"])  # 0/1 on SQLite, as Piccolo's select converts it
    return row


async def get_credential(c_uuid) -> Row | None:
    u = _uuid(c_uuid)
    if u is None:
        return None
    return await _first(IssuedCredential.select().where(IssuedCredential.uuid == u))


async def list_credentials(scope: Scope, *, limit: int = 500) -> list[Row]:
    q = IssuedCredential.select(
        IssuedCredential.id, IssuedCredential.uuid, IssuedCredential.school, IssuedCredential.learner,
        IssuedCredential.achievement, IssuedCredential.award, IssuedCredential.credential_id,
        IssuedCredential.status_index, IssuedCredential.revoked_at, IssuedCredential.revoked_reason,
        IssuedCredential.suspended, IssuedCredential.issued_at,
        IssuedCredential.achievement.name.as_alias("achievement_name"),
        IssuedCredential.achievement.uuid.as_alias("achievement_uuid"),
        IssuedCredential.learner.display_name.as_alias("learner_name"),
    ).where(IssuedCredential.award.is_not_null() & scoped(scope, IssuedCredential))
    return await _all(q.order_by(IssuedCredential.id).limit(limit))


# --- extended learning -------------------------------------------------------------------------
async def insert_elo(**values) -> Row:
    e_uuid = uuidlib.uuid4()
    await _insert(ExtendedLearning, uuid=e_uuid, **values)
    return await get_elo(e_uuid)


async def get_elo(e_uuid) -> Row | None:
    u = _uuid(e_uuid)
    if u is None:
        return None
    return await _first(ExtendedLearning.select().where(ExtendedLearning.uuid == u))


async def get_elo_by_id(e_id: int) -> Row | None:
    return await _first(ExtendedLearning.select().where(ExtendedLearning.id == e_id))


async def list_elos(scope: Scope) -> list[Row]:
    q = ExtendedLearning.select(*ExtendedLearning.all_columns(),
                                ExtendedLearning.learner.display_name.as_alias("learner_name"),
                                ExtendedLearning.achievement.name.as_alias("achievement_name")
                                ).where(scoped(scope, ExtendedLearning) & ExtendedLearning.learner.is_not_null())
    return await _all(q.order_by(ExtendedLearning.id))


async def elo_for_submission(submission_id: int) -> Row | None:
    return await _first(ExtendedLearning.select().where(ExtendedLearning.submission == submission_id))


async def update_elo(e_id: int, **values) -> None:
    await ExtendedLearning.update({getattr(ExtendedLearning, k): v for k, v in values.items()}).where(
        ExtendedLearning.id == e_id)


async def insert_mentor_link(**values) -> int:
    return await _insert(MentorLink, **values)


async def get_mentor_link(token_hash: str) -> Row | None:
    return await _first(MentorLink.select().where(MentorLink.token_hash == token_hash))


async def use_mentor_link(link_id: int, at: datetime) -> bool:
    """Mark the link used; False when someone used it first (single use under concurrency)."""
    rows = await MentorLink.update({MentorLink.used_at: at}).where(
        (MentorLink.id == link_id) & MentorLink.used_at.is_null()).returning(MentorLink.id)
    return bool(rows)


# --- bulk jobs ---------------------------------------------------------------------------------
async def insert_bulk_job(**values) -> Row:
    j_uuid = uuidlib.uuid4()
    await _insert(BulkJob, uuid=j_uuid, **values)
    return await get_bulk_job(j_uuid)


async def get_bulk_job(j_uuid) -> Row | None:
    u = _uuid(j_uuid)
    if u is None:
        return None
    return await _first(BulkJob.select().where(BulkJob.uuid == u))


async def update_bulk_job(j_id: int, **values) -> None:
    await BulkJob.update({getattr(BulkJob, k): v for k, v in values.items()}).where(BulkJob.id == j_id)


async def update_bulk_job_leased(j_id: int, owner: str, **values) -> bool:
    """Update the job only while ``owner`` holds its lease (issuer.jobs); False otherwise."""
    rows = await BulkJob.update({getattr(BulkJob, k): v for k, v in values.items()}).where(
        (BulkJob.id == j_id) & (BulkJob.lease_owner == owner)).returning(BulkJob.id)
    return bool(rows)


async def achievements_by_id(ids: Iterable[int]) -> dict[int, Row]:
    """Archived ones too: a job resumed after an achievement was archived still issues it."""
    ids = sorted(set(ids))
    if not ids:
        return {}
    return {r["id"]: r for r in await _all(Achievement.select().where(Achievement.id.is_in(ids)))}


async def fail_unfinished_bulk_jobs(*, errors: list[dict], at: datetime, keep: Iterable[int] = ()) -> list[int]:
    """Every queued or running job (but those in ``keep``) becomes failed; their ids."""
    where = BulkJob.status.is_in(["queued", "running"])
    if keep := list(keep):
        where = where & BulkJob.id.not_in(keep)
    rows = await BulkJob.update({BulkJob.status: "failed", BulkJob.errors: errors, BulkJob.finished_at: at}).where(
        where).returning(BulkJob.id)
    return [r["id"] for r in rows]
