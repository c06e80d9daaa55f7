"""What the evidence queries return: frozen rows of submissions, their versions and reviews,
extended learning plans and mentor links; and the composed views the use cases hand to pages.

Built from Piccolo's dicts by ``issuer.db.query.row_of`` / ``rows_of`` at the return of
``issuer.evidence.repo``; only the columns somebody reads, plus ``id``.
"""
from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

import msgspec

from issuer.catalog.rows import AchievementRow, AlignedCompetency


class FileRef(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """An evidence file as a version lists it (the JSON of ``SubmissionVersion.files``): the blob
    is in the file store under ``sha256``; ``name`` is the cleaned upload name."""
    sha256: str
    name: str
    media_type: str
    size: int


class SubmissionRow(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    uuid: UUID
    school: int
    learner: int | None  # None: written by a user-less token before issue 10; nobody's (access.check_record)
    achievement: int
    kind: str  # classroom | elo
    status: str  # submitted | needs_second | moderation | revise | prerequisites | already_held | awarded
    current_version: int
    created_at: datetime
    updated_at: datetime


class ListedSubmission(SubmissionRow, frozen=True, kw_only=True):
    """A submission in a queue or list: with its achievement's and learner's names."""
    achievement_name: str | None
    achievement_uuid: UUID | None
    learner_name: str | None


class VersionRow(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    submission: int
    number: int
    narrative: str
    urls: list[str]
    files: list[FileRef]
    created_at: datetime
    # the student's self-assessment of this version (issue 12): criterion id → level, and a comment
    self_ratings: dict[str, int] = msgspec.field(default_factory=dict)
    self_comment: str = ""


class LearnerRow(msgspec.Struct, frozen=True, kw_only=True):
    """The learner of a submission under review: what the badge's recipient identifier needs."""
    id: int
    school: int | None
    district: int | None
    username: str
    email: str
    display_name: str


class ReviewRow(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    version: int
    submission: int
    reviewer: int | None
    role: str  # rater | moderator
    ratings: dict[str, int]
    feedback: str
    met: bool
    created_at: datetime
    criterion_feedback: dict[str, str] = {}  # criterion id -> feedback on that row


class ListedReview(ReviewRow, frozen=True, kw_only=True):
    """A review as a submission's page lists it: with its version number and the reviewer's name
    (both None when withheld from a student)."""
    version_number: int | None
    reviewer_name: str | None


class EloRow(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    uuid: UUID
    school: int
    learner: int | None
    achievement: int
    partner_org: str
    mentor_name: str
    mentor_email: str
    goals: str
    competencies: list[int]
    hours: float
    start_date: date
    end_date: date
    status: str  # proposed | approved | rejected | attested
    attestation: str
    attested_hours: float | None
    attested_at: datetime | None
    submission: int | None
    created_at: datetime


class ListedElo(EloRow, frozen=True, kw_only=True):
    learner_name: str | None
    achievement_name: str | None
    # the submission an attested plan became, and where its rating stands
    submission_uuid: UUID | None = None
    submission_status: str | None = None


class MentorLinkRow(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    elo: int
    expires_at: datetime
    used_at: datetime | None


class ReviewParts(msgspec.Struct, frozen=True, kw_only=True):
    """What a review reads in one query: the submission, its achievement, learner and current version."""
    submission: SubmissionRow
    achievement: AchievementRow | None
    learner: LearnerRow | None
    version: VersionRow | None


# --- views the use cases return ------------------------------------------------------------------
class SubmissionDetail(SubmissionRow, frozen=True, kw_only=True):
    """A submission with everything its page shows. ``blind``: a first rating is withheld from
    this second rater; ``reviewers_shown``: False for the student (who sees ratings, not raters)."""
    achievement_row: AchievementRow
    versions: list[VersionRow]
    reviews: list[ListedReview]
    blind: bool
    reviewers_shown: bool


class PlanDecision(msgspec.Struct, frozen=True, kw_only=True):
    elo: EloRow
    mentor_link: str | None  # shown once, on approval


class MentorView(msgspec.Struct, frozen=True, kw_only=True):
    """What the mentor's attestation page shows."""
    elo: EloRow
    learner_name: str
    achievement: AchievementRow | None
    competencies: list[AlignedCompetency]
    expires_at: datetime


class Attested(msgspec.Struct, frozen=True, kw_only=True):
    elo: EloRow
    submission: SubmissionRow
