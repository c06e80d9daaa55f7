"""Queries of submissions and their versions, evidence files, reviews, ELOs and mentor links,
returning ``issuer.evidence.rows``.

Nothing outside the repos sees a Table or an untyped row.
"""
from __future__ import annotations

import uuid as uuidlib
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, TypeVar

import msgspec
from piccolo.columns import JSON, JSONB, Column
from piccolo.table import Table
from piccolo.utils.encoding import load_json

from issuer.catalog.rows import AchievementRow
from issuer.db.engine import is_postgres
from issuer.db.query import all_rows, as_uuid, fast_insert, first_row, insert_row, row_of, rows_of
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
from issuer.evidence.rows import (
    EloRow,
    FileRef,
    LearnerRow,
    ListedElo,
    ListedReview,
    ListedSubmission,
    MentorLinkRow,
    ReviewParts,
    ReviewRow,
    SubmissionRow,
    VersionRow,
)

Row = dict[str, Any]
R = TypeVar("R")


def _pk(table: type[Table]) -> Column:
    """``table.id``: Piccolo adds each table's Serial primary key when the class is made, out of a
    type checker's sight."""
    return table._meta.primary_key


def _inserted(row: R | None) -> R:
    if row is None:  # read back in the same connection right after the insert
        raise LookupError("the row just inserted cannot be read back")
    return row


# --- evidence ----------------------------------------------------------------------------------
async def record_files(files: Sequence[FileRef], *, created_at: datetime) -> None:
    for f in files:
        exists = await EvidenceFile.exists().where(EvidenceFile.sha256 == f.sha256)
        if not exists:
            await EvidenceFile.insert(EvidenceFile(sha256=f.sha256, media_type=f.media_type,
                                                   size=f.size, created_at=created_at))


async def insert_submission(*, school_id: int, learner_id: int | None, achievement_id: int, kind: str,
                            created_at: datetime, narrative: str, urls: list[str],
                            files: Sequence[FileRef], self_ratings: dict[str, int] | None = None,
                            self_comment: str = "") -> SubmissionRow:
    s_uuid = uuidlib.uuid4()
    s_id = await insert_row(Submission, uuid=s_uuid, school=school_id, learner=learner_id,
                            achievement=achievement_id, kind=kind, status="submitted", current_version=1,
                            created_at=created_at, updated_at=created_at)
    await SubmissionVersion.insert(SubmissionVersion(submission=s_id, number=1, narrative=narrative,
                                                     urls=urls, files=msgspec.to_builtins(files),
                                                     self_ratings=self_ratings or {}, self_comment=self_comment,
                                                     created_at=created_at))
    return _inserted(await get_submission(s_uuid))


async def add_version(submission_id: int, number: int, *, narrative: str, urls: list[str],
                      files: Sequence[FileRef], created_at: datetime, self_ratings: dict[str, int] | None = None,
                      self_comment: str = "") -> None:
    await SubmissionVersion.insert(SubmissionVersion(submission=submission_id, number=number,
                                                     narrative=narrative, urls=urls,
                                                     files=msgspec.to_builtins(files),
                                                     self_ratings=self_ratings or {}, self_comment=self_comment,
                                                     created_at=created_at))
    await Submission.update({Submission.current_version: number, Submission.status: "submitted",
                             Submission.updated_at: created_at}).where(_pk(Submission) == submission_id)


async def get_submission(s_uuid: str | uuidlib.UUID) -> SubmissionRow | None:
    u = as_uuid(s_uuid)
    if u is None:
        return None
    return row_of(SubmissionRow, await first_row(Submission.select().where(Submission.uuid == u)))


_USER_FIELDS = ("id", "school", "district", "role", "username", "email", "display_name", "active")


def _review_sql() -> tuple[str, tuple[str, ...]]:
    """Raw SQL for ``submission_for_review``: Piccolo needs ~2.5 ms of CPU to build a joined
    select, more than the query itself; this text is built once, at import, from the table definitions."""
    def cols(table: type[Table], alias: str, prefix: str, names: Sequence[str] | None = None) -> list[str]:
        names = names or [c._meta.db_column_name for c in table.all_columns()]
        return [f'{alias}."{n}" AS "{prefix}{n}"' for n in names]

    def json_cols(table: type[Table], prefix: str) -> list[str]:
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


_REVIEW_SQL = _review_sql()


async def submission_for_review(s_uuid: str | uuidlib.UUID) -> ReviewParts | None:
    """The submission, its achievement, its learner and its current version in one joined query:
    the rows ``get_submission``, ``catalog.repo.get_achievement_by_id``, the user and
    ``get_version(id, current_version)`` give; None for a part that does not exist."""
    u = as_uuid(s_uuid)
    if u is None:
        return None
    sql, json_names = _REVIEW_SQL
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
    submission = row_of(SubmissionRow, parts[""])
    if submission is None:  # pragma: no cover - parts[""] is a dict
        return None
    return ReviewParts(submission=submission,
                       achievement=row_of(AchievementRow, parts["a__"]) if parts["a__"]["id"] is not None else None,
                       learner=row_of(LearnerRow, parts["l__"]) if parts["l__"]["id"] is not None else None,
                       version=row_of(VersionRow, parts["v__"]) if parts["v__"]["id"] is not None else None)


async def get_submission_by_id(s_id: int) -> SubmissionRow | None:
    return row_of(SubmissionRow, await first_row(Submission.select().where(_pk(Submission) == s_id)))


def _rows_sql(table: type[Table], where: str, suffix: str = "") -> tuple[str, tuple[str, ...]]:
    """``table.select().where(table.<where> == {})`` + ``suffix`` as prebuilt SQL (every column, as
    Piccolo selects them) and the JSON columns to decode, as ``.output(load_json=True)`` does."""
    columns = ", ".join('"' + c._meta.db_column_name + '"' for c in table.all_columns())
    sql = f'SELECT {columns} FROM "{table._meta.tablename}" WHERE "{where}" = {{}}{suffix}'
    return sql, tuple(c._meta.db_column_name for c in table.all_columns() if isinstance(c, (JSON, JSONB)))


# The hot path's statements, built once at import.
_SUBMISSION_BY_ID = _rows_sql(Submission, "id")
_SUBMISSION_FOR_UPDATE = _rows_sql(Submission, "id", " FOR UPDATE")
_REVIEWS_OF_VERSION = _rows_sql(Review, "version", ' ORDER BY "id"')


async def _raw_rows(table: type[Table], statement: tuple[str, tuple[str, ...]], value: object) -> list[Row]:
    sql, json_names = statement
    rows = [dict(r) for r in await table.raw(sql, value)]
    for row in rows:
        for name in json_names:
            if isinstance(row.get(name), str):
                row[name] = load_json(row[name])
    return rows


async def lock_submission(s_id: int) -> SubmissionRow | None:
    """The submission row, held until the transaction ends: ``lock_row`` and a read in one
    query on PostgreSQL (``SELECT … FOR UPDATE``); on SQLite the write transaction serializes.
    Prebuilt SQL (hot path of a review): the same row as ``get_submission_by_id``."""
    statement = _SUBMISSION_FOR_UPDATE if is_postgres(Submission._meta.db) else _SUBMISSION_BY_ID
    rows = await _raw_rows(Submission, statement, s_id)
    return row_of(SubmissionRow, rows[0]) if rows else None


async def versions(submission_id: int) -> list[VersionRow]:
    return rows_of(VersionRow, await all_rows(
        SubmissionVersion.select().where(SubmissionVersion.submission == submission_id)
        .order_by(SubmissionVersion.number)))


async def get_version(submission_id: int, number: int) -> VersionRow | None:
    return row_of(VersionRow, await first_row(SubmissionVersion.select().where(
        (SubmissionVersion.submission == submission_id) & (SubmissionVersion.number == number))))


async def get_version_by_id(version_id: int) -> VersionRow | None:
    return row_of(VersionRow, await first_row(SubmissionVersion.select().where(_pk(SubmissionVersion) == version_id)))


async def list_submissions(scope: Scope, *, statuses: Sequence[str] | None = None,
                           limit: int = 500) -> list[ListedSubmission]:
    q = Submission.select(*Submission.all_columns(),
                          Submission.achievement.name.as_alias("achievement_name"),
                          Submission.achievement.uuid.as_alias("achievement_uuid"),
                          Submission.learner.display_name.as_alias("learner_name")).where(
        scoped(scope, Submission) & Submission.learner.is_not_null())  # learner-less: see check_record
    if statuses:
        q = q.where(Submission.status.is_in(list(statuses)))
    return rows_of(ListedSubmission, await all_rows(q.order_by(Submission.updated_at).limit(limit)))


_SET_STATUS = 'UPDATE "submission" SET "status" = {}, "updated_at" = {} WHERE "submission"."id" = {}'


async def set_submission_status(submission_id: int, status: str, at: datetime) -> None:
    # Piccolo's own statement for Submission.update({status, updated_at}).where(id), prebuilt.
    await Submission.raw(_SET_STATUS, status, at, submission_id)


# --- reviews -----------------------------------------------------------------------------------
async def insert_review(*, version: int, submission: int, reviewer: int | None, role: str, ratings: dict[str, int],
                        feedback: str, met: bool, created_at: datetime,
                        criterion_feedback: dict[str, str] | None = None) -> int:
    review_id = await fast_insert(Review, {"version": version, "submission": submission, "reviewer": reviewer,
                                           "role": role, "ratings": ratings, "feedback": feedback, "met": met,
                                           "created_at": created_at,
                                           "criterion_feedback": criterion_feedback or {}})
    return _inserted(review_id)


async def reviews_for_version(version_id: int) -> list[ReviewRow]:
    # prebuilt Review.select().where(Review.version == version_id).order_by(Review.id) (hot path)
    return rows_of(ReviewRow, await _raw_rows(Review, _REVIEWS_OF_VERSION, version_id))


async def reviews_for_submission(submission_id: int) -> list[ListedReview]:
    return rows_of(ListedReview, await all_rows(
        Review.select(*Review.all_columns(), Review.version.number.as_alias("version_number"),
                      Review.reviewer.display_name.as_alias("reviewer_name"))
        .where(Review.submission == submission_id).order_by(_pk(Review))))


async def current_raters(submission_ids: Sequence[int]) -> dict[int, set[int]]:
    """Submission id → who rated its current version (as a rater, not a moderator): the review
    queue keeps a second rating from the first rater and a moderation from both."""
    if not submission_ids:
        return {}
    rows = await all_rows(Review.select(Review.submission, Review.reviewer, Review.version.number.as_alias("number"),
                                        Review.submission.current_version.as_alias("current"))
                          .where(Review.submission.is_in(list(submission_ids)) & (Review.role == "rater")))
    out: dict[int, set[int]] = {}
    for row in rows:
        if row["number"] == row["current"] and row["reviewer"] is not None:
            out.setdefault(int(row["submission"]), set()).add(int(row["reviewer"]))
    return out


async def update_review(review_id: int, *, ratings: dict[str, int], feedback: str, met: bool,
                        created_at: datetime, criterion_feedback: dict[str, str] | None = None) -> None:
    await Review.update({Review.ratings: ratings, Review.feedback: feedback, Review.met: met,
                         Review.criterion_feedback: criterion_feedback or {},
                         Review.created_at: created_at}).where(_pk(Review) == review_id)


# --- extended learning -------------------------------------------------------------------------
async def insert_elo(*, school: int, learner: int | None, achievement: int, partner_org: str, mentor_name: str,
                     mentor_email: str, goals: str, competencies: list[int], hours: float, start_date: date,
                     end_date: date, status: str, created_at: datetime) -> EloRow:
    e_uuid = uuidlib.uuid4()
    await insert_row(ExtendedLearning, uuid=e_uuid, school=school, learner=learner, achievement=achievement,
                     partner_org=partner_org, mentor_name=mentor_name, mentor_email=mentor_email, goals=goals,
                     competencies=competencies, hours=hours, start_date=start_date, end_date=end_date,
                     status=status, created_at=created_at)
    return _inserted(await get_elo(e_uuid))


async def get_elo(e_uuid: str | uuidlib.UUID) -> EloRow | None:
    u = as_uuid(e_uuid)
    if u is None:
        return None
    return row_of(EloRow, await first_row(ExtendedLearning.select().where(ExtendedLearning.uuid == u)))


async def get_elo_by_id(e_id: int) -> EloRow | None:
    return row_of(EloRow, await first_row(ExtendedLearning.select().where(_pk(ExtendedLearning) == e_id)))


async def list_elos(scope: Scope) -> list[ListedElo]:
    q = ExtendedLearning.select(*ExtendedLearning.all_columns(),
                                ExtendedLearning.learner.display_name.as_alias("learner_name"),
                                ExtendedLearning.achievement.name.as_alias("achievement_name"),
                                ExtendedLearning.submission.uuid.as_alias("submission_uuid"),
                                ExtendedLearning.submission.status.as_alias("submission_status"),
                                ).where(scoped(scope, ExtendedLearning) & ExtendedLearning.learner.is_not_null())
    return rows_of(ListedElo, await all_rows(q.order_by(_pk(ExtendedLearning))))


async def elo_for_submission(submission_id: int) -> EloRow | None:
    return row_of(EloRow, await first_row(
        ExtendedLearning.select().where(ExtendedLearning.submission == submission_id)))


async def update_elo(e_id: int, **values: object) -> None:
    await ExtendedLearning.update({getattr(ExtendedLearning, k): v for k, v in values.items()}).where(
        _pk(ExtendedLearning) == e_id)


async def insert_mentor_link(*, elo: int, token_hash: str, expires_at: datetime, created_at: datetime) -> int:
    return await insert_row(MentorLink, elo=elo, token_hash=token_hash, expires_at=expires_at, created_at=created_at)


async def get_mentor_link(token_hash: str) -> MentorLinkRow | None:
    return row_of(MentorLinkRow, await first_row(MentorLink.select().where(MentorLink.token_hash == token_hash)))


async def use_mentor_link(link_id: int, at: datetime) -> bool:
    """Mark the link used; False when someone used it first (single use under concurrency)."""
    rows = await MentorLink.update({MentorLink.used_at: at}).where(
        (_pk(MentorLink) == link_id) & MentorLink.used_at.is_null()).returning(_pk(MentorLink))
    return bool(rows)


# --- erasure on request (issuer.evidence.erasure) ------------------------------------------------

class LearnerEvidence(msgspec.Struct, frozen=True, kw_only=True):
    """What a learner's evidence holds, counted (the erasure's check page) with the file hashes."""

    submissions: int
    versions: int  # versions with a narrative, links, files or a self-assessment
    self_assessments: int
    feedback: int  # reviews with written feedback
    elos: int  # extended learning still holding a mentor's contact, goals or an attestation
    mentor_links: int
    files: list[str]  # sha256 of every file their versions name


async def _learner_submission_ids(learner_id: int) -> list[int]:
    return [int(r["id"]) for r in await Submission.select(_pk(Submission)).where(Submission.learner == learner_id)]


async def learner_evidence(learner_id: int) -> LearnerEvidence:
    ids = await _learner_submission_ids(learner_id)
    versions = rows_of(VersionRow, await SubmissionVersion.select().where(
        SubmissionVersion.submission.is_in(ids)).output(load_json=True)) if ids else []
    reviews = await Review.select(Review.feedback, Review.criterion_feedback).where(
        Review.submission.is_in(ids)).output(load_json=True) if ids else []
    elos = await ExtendedLearning.select(_pk(ExtendedLearning), ExtendedLearning.mentor_name,
                                         ExtendedLearning.mentor_email, ExtendedLearning.goals,
                                         ExtendedLearning.attestation).where(ExtendedLearning.learner == learner_id)
    elo_ids = [int(r["id"]) for r in elos]
    links = await MentorLink.count().where(MentorLink.elo.is_in(elo_ids)) if elo_ids else 0
    files = sorted({f.sha256 for v in versions for f in v.files})
    return LearnerEvidence(
        submissions=len(ids),
        versions=sum(1 for v in versions if v.narrative or v.urls or v.files or v.self_ratings or v.self_comment),
        self_assessments=sum(1 for v in versions if v.self_ratings or v.self_comment),
        feedback=sum(1 for r in reviews if r["feedback"] or r["criterion_feedback"]),
        elos=sum(1 for r in elos if r["mentor_name"] or r["mentor_email"] or r["goals"] or r["attestation"]),
        mentor_links=int(links), files=files)


async def files_used_elsewhere(learner_id: int, hashes: Sequence[str]) -> set[str]:
    """Which of ``hashes`` another learner's evidence, an achievement image or a school logo also uses
    (the file store keeps one copy per content)."""
    if not hashes:
        return set()
    from issuer.db.tables import School  # read-only: a logo shares the file store

    # CAST: the files column is JSON on PostgreSQL, which has no LIKE for it
    others = (f'SELECT v."id" FROM "{SubmissionVersion._meta.tablename}" v WHERE v."submission" NOT IN '
              f'(SELECT s."id" FROM "{Submission._meta.tablename}" s WHERE s."learner" = {{}}) '
              'AND CAST(v."files" AS TEXT) LIKE {} LIMIT 1')
    used: set[str] = set()
    for sha in hashes:
        if await SubmissionVersion.raw(others, learner_id, f"%{sha}%"):
            used.add(sha)
            continue
        for query in (Achievement.select(_pk(Achievement)).where(Achievement.image_sha256 == sha),
                      School.select(_pk(School)).where(School.logo_sha256 == sha)):
            if await query.first() is not None:
                used.add(sha)
                break
    return used


async def erase_learner_evidence(learner_id: int, *, delete_files: Sequence[str]) -> None:
    """Blank every version's narrative, links, files and self-assessment, the reviews' written
    feedback (the ratings stay: awards were decided on them), the ELOs' mentor contacts, goals and
    attestation; delete the ELOs' mentor links and the file records in ``delete_files``."""
    ids = await _learner_submission_ids(learner_id)
    if ids:
        await SubmissionVersion.update({SubmissionVersion.narrative: "", SubmissionVersion.urls: [],
                                        SubmissionVersion.files: [], SubmissionVersion.self_ratings: {},
                                        SubmissionVersion.self_comment: ""}).where(
            SubmissionVersion.submission.is_in(ids))
        await Review.update({Review.feedback: "", Review.criterion_feedback: {}}).where(Review.submission.is_in(ids))
    elo_ids = [int(r["id"]) for r in await ExtendedLearning.select(_pk(ExtendedLearning)).where(
        ExtendedLearning.learner == learner_id)]
    if elo_ids:
        await MentorLink.delete().where(MentorLink.elo.is_in(elo_ids))
        await ExtendedLearning.update({ExtendedLearning.mentor_name: "", ExtendedLearning.mentor_email: "",
                                       ExtendedLearning.goals: "", ExtendedLearning.attestation: ""}).where(
            _pk(ExtendedLearning).is_in(elo_ids))
    if delete_files:
        await EvidenceFile.delete().where(EvidenceFile.sha256.is_in(list(delete_files)))
