"""Queries of submissions and their versions, evidence files, reviews, ELOs and mentor links.

Rows come back as plain dicts (JSON columns decoded); nothing outside the repos sees a Table.
"""
from __future__ import annotations

import functools
import uuid as uuidlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from piccolo.columns import JSON, JSONB
from piccolo.utils.encoding import load_json

from issuer.db.engine import is_postgres
from issuer.db.query import all_rows, as_uuid, fast_insert, first_row, insert_row
from issuer.db.scope import Scope
from issuer.db.scope import where as scoped
from issuer.db.tables import (
    Achievement,
    EvidenceFile,
    ExtendedLearning,
    MentorLink,
    Review,
    Submission,
    SubmissionVersion,
    User,
)

Row = dict[str, Any]

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
    s_id = await insert_row(Submission, uuid=s_uuid, school=school_id, learner=learner_id,
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
    u = as_uuid(s_uuid)
    if u is None:
        return None
    return await first_row(Submission.select().where(Submission.uuid == u))


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
    u = as_uuid(s_uuid)
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
    return await first_row(Submission.select().where(Submission.id == s_id))


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
    return await all_rows(SubmissionVersion.select().where(SubmissionVersion.submission == submission_id)
                      .order_by(SubmissionVersion.number))


async def get_version(submission_id: int, number: int) -> Row | None:
    return await first_row(SubmissionVersion.select().where(
        (SubmissionVersion.submission == submission_id) & (SubmissionVersion.number == number)))


async def get_version_by_id(version_id: int) -> Row | None:
    return await first_row(SubmissionVersion.select().where(SubmissionVersion.id == version_id))


async def list_submissions(scope: Scope, *, statuses: Sequence[str] | None = None, limit: int = 500) -> list[Row]:
    q = Submission.select(*Submission.all_columns(),
                          Submission.achievement.name.as_alias("achievement_name"),
                          Submission.achievement.uuid.as_alias("achievement_uuid"),
                          Submission.learner.display_name.as_alias("learner_name"),
                          Submission.learner.email.as_alias("learner_email")).where(
        scoped(scope, Submission) & Submission.learner.is_not_null())  # learner-less: see check_record
    if statuses:
        q = q.where(Submission.status.is_in(list(statuses)))
    return await all_rows(q.order_by(Submission.updated_at).limit(limit))


_SET_STATUS = 'UPDATE "submission" SET "status" = {}, "updated_at" = {} WHERE "submission"."id" = {}'


async def set_submission_status(submission_id: int, status: str, at: datetime) -> None:
    # Piccolo's own statement for Submission.update({status, updated_at}).where(id), prebuilt.
    await Submission.raw(_SET_STATUS, status, at, submission_id)


# --- reviews -----------------------------------------------------------------------------------
async def insert_review(**values) -> int:
    return await fast_insert(Review, values)


async def reviews_for_version(version_id: int) -> list[Row]:
    # prebuilt Review.select().where(Review.version == version_id).order_by(Review.id) (hot path)
    return await _raw_rows(Review, "version", version_id, ' ORDER BY "id"')


async def reviews_for_submission(submission_id: int) -> list[Row]:
    return await all_rows(Review.select(*Review.all_columns(), Review.version.number.as_alias("version_number"),
                                    Review.reviewer.display_name.as_alias("reviewer_name"))
                      .where(Review.submission == submission_id).order_by(Review.id))


async def update_review(review_id: int, **values) -> None:
    await Review.update({getattr(Review, k): v for k, v in values.items()}).where(Review.id == review_id)


# --- extended learning -------------------------------------------------------------------------
async def insert_elo(**values) -> Row:
    e_uuid = uuidlib.uuid4()
    await insert_row(ExtendedLearning, uuid=e_uuid, **values)
    return await get_elo(e_uuid)


async def get_elo(e_uuid) -> Row | None:
    u = as_uuid(e_uuid)
    if u is None:
        return None
    return await first_row(ExtendedLearning.select().where(ExtendedLearning.uuid == u))


async def get_elo_by_id(e_id: int) -> Row | None:
    return await first_row(ExtendedLearning.select().where(ExtendedLearning.id == e_id))


async def list_elos(scope: Scope) -> list[Row]:
    q = ExtendedLearning.select(*ExtendedLearning.all_columns(),
                                ExtendedLearning.learner.display_name.as_alias("learner_name"),
                                ExtendedLearning.achievement.name.as_alias("achievement_name")
                                ).where(scoped(scope, ExtendedLearning) & ExtendedLearning.learner.is_not_null())
    return await all_rows(q.order_by(ExtendedLearning.id))


async def elo_for_submission(submission_id: int) -> Row | None:
    return await first_row(ExtendedLearning.select().where(ExtendedLearning.submission == submission_id))


async def update_elo(e_id: int, **values) -> None:
    await ExtendedLearning.update({getattr(ExtendedLearning, k): v for k, v in values.items()}).where(
        ExtendedLearning.id == e_id)


async def insert_mentor_link(**values) -> int:
    return await insert_row(MentorLink, **values)


async def get_mentor_link(token_hash: str) -> Row | None:
    return await first_row(MentorLink.select().where(MentorLink.token_hash == token_hash))


async def use_mentor_link(link_id: int, at: datetime) -> bool:
    """Mark the link used; False when someone used it first (single use under concurrency)."""
    rows = await MentorLink.update({MentorLink.used_at: at}).where(
        (MentorLink.id == link_id) & MentorLink.used_at.is_null()).returning(MentorLink.id)
    return bool(rows)
