"""HTTP bodies of evidence, reviews and extended learning (msgspec, camelCase on the wire).
Never Table rows: the ``*_out`` builders read ``issuer.evidence.rows``."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec

from issuer.evidence.rows import EloRow, ListedReview, ListedSubmission, SubmissionDetail, SubmissionRow, VersionRow
from issuer.web.dto_types import MAX_LIST, Code, Email, Hours, Id, Keyword, Name, Ref, SmallInt, Text

Ids = Annotated[list[Id], msgspec.Meta(max_length=MAX_LIST)]


class Base(msgspec.Struct, kw_only=True, rename="camel", forbid_unknown_fields=False):
    pass


class Out(msgspec.Struct, kw_only=True, rename="camel"):
    """A response body: every field is sent (``None`` as ``null``) except those left ``UNSET``."""


# --- in ------------------------------------------------------------------------------------------
class ReviewIn(Base):
    ratings: Annotated[dict[Code, SmallInt], msgspec.Meta(max_length=MAX_LIST)]
    feedback: Text = ""
    version: Id | None = None
    # criterion id -> feedback on that row of the rubric (``feedback`` is the overall word)
    criterion_feedback: Annotated[dict[Code, Text], msgspec.Meta(max_length=MAX_LIST)] = {}


class EloIn(Base):
    achievement: Ref
    partner_org: Name
    mentor_name: Name
    mentor_email: Email
    goals: Text
    hours: Hours
    start_date: Keyword
    end_date: Keyword
    competencies: Ids = []


class EloDecisionIn(Base):
    approve: bool


# --- out -----------------------------------------------------------------------------------------
def iso(value: datetime | date) -> str:
    return value.isoformat()


def iso_or_none(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


class FileOut(Out):
    sha256: str
    name: str
    media_type: str
    size: int


class VersionOut(Out):
    number: int
    narrative: str
    urls: list[str]
    files: list[FileOut]
    created_at: str
    self_ratings: dict[str, int] = {}  # the student's self-assessment: criterion id → level
    self_comment: str = ""


class ReviewOut(Out):
    version: int | None
    role: str
    ratings: dict[str, int]
    feedback: str
    met: bool
    created_at: str
    criterion_feedback: dict[str, str] = {}
    reviewer: str | None | msgspec.UnsetType = msgspec.UNSET  # staff only: a student sees ratings, not raters


class NamedRef(Out):
    id: str
    name: str | None


class LearnerName(Out):
    name: str


class SubmissionOut(Out):
    id: str
    status: str
    kind: str
    current_version: int
    created_at: str
    updated_at: str
    achievement: NamedRef | msgspec.UnsetType = msgspec.UNSET
    learner: LearnerName | msgspec.UnsetType = msgspec.UNSET
    versions: list[VersionOut] | msgspec.UnsetType = msgspec.UNSET
    reviews: list[ReviewOut] | msgspec.UnsetType = msgspec.UNSET


def version_out(v: VersionRow) -> VersionOut:
    return VersionOut(number=v.number, narrative=v.narrative, urls=v.urls,
                      files=[FileOut(sha256=f.sha256, name=f.name, media_type=f.media_type, size=f.size)
                             for f in v.files],
                      created_at=iso(v.created_at), self_ratings=v.self_ratings, self_comment=v.self_comment)


def review_out(r: ListedReview, *, reviewer_shown: bool) -> ReviewOut:
    return ReviewOut(version=r.version_number, role=r.role, ratings=r.ratings, feedback=r.feedback, met=r.met,
                     created_at=iso(r.created_at), criterion_feedback=r.criterion_feedback,
                     reviewer=r.reviewer_name if reviewer_shown else msgspec.UNSET)


def submission_out(s: SubmissionRow) -> SubmissionOut:
    """A listed submission (its achievement and learner named) or one in full (versions, reviews)."""
    out = SubmissionOut(id=str(s.uuid), status=s.status, kind=s.kind, current_version=s.current_version,
                        created_at=iso(s.created_at), updated_at=iso(s.updated_at))
    if isinstance(s, ListedSubmission):
        if s.achievement_uuid:
            out.achievement = NamedRef(id=str(s.achievement_uuid), name=s.achievement_name)
        if s.learner_name is not None:
            out.learner = LearnerName(name=s.learner_name)
    if isinstance(s, SubmissionDetail):
        out.achievement = NamedRef(id=str(s.achievement_row.uuid), name=s.achievement_row.name)
        out.versions = [version_out(v) for v in s.versions]
        out.reviews = [review_out(r, reviewer_shown=s.reviewers_shown) for r in s.reviews]
    return out


class EloOut(Out):
    id: str
    status: str
    partner_org: str
    mentor_name: str
    mentor_email: str
    goals: str
    competencies: list[int]
    hours: float
    start_date: str
    end_date: str
    attested_hours: float | None
    attestation: str | None
    attested_at: str | None
    submission: None = None  # always null: the submission is the teachers' (their queue shows it)


def elo_out(e: EloRow) -> EloOut:
    return EloOut(id=str(e.uuid), status=e.status, partner_org=e.partner_org, mentor_name=e.mentor_name,
                  mentor_email=e.mentor_email, goals=e.goals, competencies=e.competencies, hours=e.hours,
                  start_date=iso(e.start_date), end_date=iso(e.end_date), attested_hours=e.attested_hours,
                  attestation=e.attestation or None, attested_at=iso_or_none(e.attested_at))


class PartnerDoc(Out):
    """An extended-learning partner (a badge's ``credentialSubject.source``), as an OB 3.0 Profile."""
    id: str
    type: list[str]
    name: str
    description: str


class EloDecisionOut(Out):
    elo: EloOut
    mentor_link: str | None


class MentorLinkOut(Out):
    mentor_link: str


# --- the outcome of a review ----------------------------------------------------------------------
class CriterionOut(Out):
    criterion: str
    name: str
    met: bool | None
    achieved: str | None
    required: str
    reason: str


class DecisionOut(Out):
    awarded: bool
    reasons: list[CriterionOut]


class CredentialRef(Out):
    """The badge a review issued (or found issued)."""
    uuid: str
    id: str
    status_index: int | None  # an awarded badge always has one; the stored row allows none (VC-API)
    url: str
    json: str


class HeldRef(Out):
    """The badge the learner already holds at this level or higher."""
    uuid: str
    url: str
    json: str


class MissingPrerequisite(Out):
    id: str
    name: str


class ReviewResult(Out, kw_only=True):
    """What recording a review did: ``status`` is the submission's status after it (``awarded``,
    ``revise``, ``needs_second``, ``moderation``, ``prerequisites`` or ``already_held``)."""
    submission: str
    version: int
    review: int | None
    role: str | None
    decision: DecisionOut | None = None
    credential: CredentialRef | None = None
    issued: bool = False
    status: str
    missing_prerequisites: list[MissingPrerequisite] | msgspec.UnsetType = msgspec.UNSET
    held_credential: HeldRef | msgspec.UnsetType = msgspec.UNSET
    message: str | msgspec.UnsetType = msgspec.UNSET
