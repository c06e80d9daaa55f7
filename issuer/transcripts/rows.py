"""What ``issuer.transcripts.repo`` returns: frozen rows, built with ``issuer.db.query.row_of``.

Only the columns the use cases, controllers and templates read, plus ``id``.
"""
from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from issuer.jobs import JobActor


class LearnerRow(msgspec.Struct, frozen=True, kw_only=True):
    """A student account (``User`` with role student)."""

    id: int
    school: int | None
    username: str
    email: str
    display_name: str


class HeldCredential(msgspec.Struct, frozen=True, kw_only=True):
    """A badge as we hold it: the signed bytes and what our records say about it."""

    id: int
    credential_id: str
    document: str
    revoked_at: datetime | None
    suspended: bool


class TranscriptHead(msgspec.Struct, frozen=True, kw_only=True):
    """What a transcript's links and listings need."""

    id: int
    uuid: UUID
    school: int
    learner: int
    clr_id: str
    issued_at: datetime
    created_by: int | None


class TranscriptRow(TranscriptHead, frozen=True, kw_only=True):
    """A stored transcript: the signed CLR exactly as served (``document``)."""

    document: str
    cohort_job: int | None = None


class ListedTranscript(TranscriptHead, frozen=True, kw_only=True):
    """A transcript in a listing, with the learner's name."""

    learner_name: str | None = None


class ShareRow(msgspec.Struct, frozen=True, kw_only=True):
    """A share link; only the sha256 of its token is kept."""

    id: int
    transcript: int
    label: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


class CohortError(msgspec.Struct, frozen=True, kw_only=True):
    """One problem of a cohort job. ``learner`` (the user id) is the runner's: a resumed job
    retries those students; ``student`` is what the job reports (their id or email)."""

    student: str | None = None
    learner: int | None = None
    error: str = ""


class TranscriptJobRow(msgspec.Struct, frozen=True, kw_only=True):
    """A cohort job: what a run needs (its learners, who started it), its progress and its lease."""

    id: int
    uuid: UUID
    school: int
    created_by: int | None
    status: str  # queued | running | done | failed
    total: int
    processed: int
    succeeded: int
    errors: list[CohortError]
    out_dir: str
    created_at: datetime
    finished_at: datetime | None
    learners: list[int]
    actor: JobActor
    lease_owner: str
    lease_until: datetime | None
