"""HTTP bodies of the transcript endpoints (msgspec, camelCase on the wire). Never Table rows."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from issuer.transcripts.clr import transcript_links
from issuer.transcripts.rows import ListedTranscript, ShareRow, TranscriptHead, TranscriptJobRow
from issuer.web.dto_types import Id, Name, Ref, SmallInt


class Base(msgspec.Struct, kw_only=True, rename="camel", forbid_unknown_fields=False):
    pass


class TranscriptIn(Base):
    """``student``: the student's id or email (staff); a student leaves it out (themself).
    ``externalLearning``: a student's own imported badges (uuids) to carry as external learning."""
    student: Ref | Id | None = None
    external_learning: Annotated[list[Ref], msgspec.Meta(max_length=200)] = []


class ShareIn(Base):
    expires_in_days: SmallInt | None = None
    expires_at: datetime | None = None
    label: Name = ""


class CohortIn(Base):
    school_id: Id | None = None


# Times go out as ISO 8601 with "Z" for UTC, as the other endpoints write them.
def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


class TranscriptOut(Base, omit_defaults=True):
    """A transcript and its links; ``learnerName`` in listings only."""
    id: str
    clr_id: str
    learner: int
    issued_at: str | None
    url: str
    json_url: str
    pdf_url: str
    verify_url: str
    learner_name: str | None = None

    @classmethod
    def of(cls, row: TranscriptHead, base_url: str) -> TranscriptOut:
        links = transcript_links(base_url, str(row.uuid))
        return cls(id=str(row.uuid), clr_id=row.clr_id, learner=row.learner, issued_at=_iso(row.issued_at),
                   url=links.html_url, json_url=links.json_url, pdf_url=links.pdf_url, verify_url=links.verify_url,
                   learner_name=row.learner_name if isinstance(row, ListedTranscript) else None)


class ShareOut(Base, omit_defaults=True):
    """A share link; ``url`` only when it is made (only the token's hash is kept)."""
    id: int
    label: str
    created_at: str | None
    expires_at: str | None
    revoked_at: str | None
    url: str | None = None

    @classmethod
    def of(cls, row: ShareRow, *, url: str | None = None) -> ShareOut:
        return cls(id=row.id, label=row.label, created_at=_iso(row.created_at), expires_at=_iso(row.expires_at),
                   revoked_at=_iso(row.revoked_at), url=url)


class CohortErrorOut(Base):
    student: str | None
    error: str | None


class CohortJobOut(Base):
    id: str
    status: str
    total: int
    processed: int
    succeeded: int
    created_at: str | None
    # the learner id beside each error is the runner's (a resumed job retries those students)
    errors: list[CohortErrorOut]
    finished_at: str | None
    url: str

    @classmethod
    def of(cls, job: TranscriptJobRow, base_url: str) -> CohortJobOut:
        return cls(id=str(job.uuid), status=job.status, total=job.total, processed=job.processed,
                   succeeded=job.succeeded, created_at=_iso(job.created_at),
                   errors=[CohortErrorOut(student=e.student, error=e.error) for e in job.errors],
                   finished_at=_iso(job.finished_at), url=f"{base_url}/api/transcript-jobs/{job.uuid}")
