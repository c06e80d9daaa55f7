"""``DbTranscriptSource``: the ``issuer.transcripts.clr.TranscriptSource`` over our records.

A badge's status comes from our records (``IssuedCredential``), never from the document alone:
revoked (``revoked_at``) and suspended rows are left out of a new transcript; a badge past its
``validUntil`` is ``expired`` and stays on it, marked. Each transcript is stored together with its
audit event (and, for a cohort job, the job's progress) in one transaction.
"""
from __future__ import annotations

import json
import secrets
import uuid as uuidlib
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from badges.identity import identity_object
from badges.verification_checks import parse_datetime
from issuer.access import Principal
from issuer.accounts import audit as audit_trail
from issuer.db.engine import write_transaction
from issuer.transcripts import repo
from issuer.transcripts.clr import StoredCredential
from issuer.transcripts.rows import HeldCredential, LearnerRow, TranscriptRow

__all__ = ["DbTranscriptSource", "credential_status", "learner_profile"]


def credential_status(row: HeldCredential, now: datetime) -> str:
    """active | revoked | suspended | expired, from the row (and validUntil in its document)."""
    if row.revoked_at is not None:
        return "revoked"
    if row.suspended:
        return "suspended"
    try:
        until = json.loads(row.document).get("validUntil")
        if until and parse_datetime(until) < now:
            return "expired"
    except (ValueError, TypeError, AttributeError):
        pass
    return "active"


def learner_profile(user: LearnerRow) -> dict[str, Any]:
    """The CLR's learner: the name, and the email only as a salted hash (the CLR is shared with
    admissions offices, as the badges are)."""
    value, kind = (user.email.strip().lower(), "emailAddress") if user.email else (user.username, "userName")
    return {"name": user.display_name or user.username,
            "identifier": [identity_object(value, salt=secrets.token_hex(8), identity_type=kind)]}


def uuid_of(clr_id: str) -> uuidlib.UUID:
    return uuidlib.UUID(clr_id.rstrip("/").rsplit("/", 1)[-1])


class DbTranscriptSource:
    """Reads each learner once (``remember`` one already read) and stores what it is handed.
    ``actor``: who asked, for the audit log (None: the command line); ``job``: the cohort job
    storing these transcripts (a resumed job skips their students); ``stored_hook``: the job's
    progress, written in the transaction of each transcript; ``details``: more for the audit event."""

    def __init__(self, *, now: datetime, created_by: int | None = None, actor: Principal | None = None,
                 job: int | None = None, stored_hook: Callable[[], Awaitable[None]] | None = None,
                 details: dict[str, Any] | None = None) -> None:
        self.now = now
        self.created_by = created_by
        self.actor = actor
        self.job = job
        self.stored_hook = stored_hook
        self.details = details or {}
        self.stored: list[TranscriptRow] = []  # the transcripts this source stored, in order
        self._learners: dict[int, LearnerRow] = {}

    def remember(self, learner: LearnerRow) -> None:
        self._learners[learner.id] = learner

    async def learner(self, learner_id: Any) -> LearnerRow:
        try:
            key = int(learner_id)
        except (TypeError, ValueError):
            raise LookupError(f"no student {learner_id!r}") from None
        if key not in self._learners:
            user = await repo.learner(key)
            if user is None:
                raise LookupError(f"no student {learner_id!r}")
            self._learners[key] = user
        return self._learners[key]

    async def transcript_learner(self, learner_id: Any) -> dict[str, Any]:
        return learner_profile(await self.learner(learner_id))

    async def transcript_credentials(self, learner_id: Any) -> list[StoredCredential]:
        rows = await repo.learner_credentials(int(learner_id))
        return [StoredCredential(document=r.document, status=credential_status(r, self.now)) for r in rows]

    async def store_transcript(self, *, learner_id: Any, clr_id: str, document: str, issued_at: datetime) -> None:
        user = await self.learner(learner_id)
        if user.school is None:
            raise LookupError(f"student {learner_id!r} has no school")
        async with write_transaction():
            row = await repo.insert_transcript(uuid=uuid_of(clr_id), school_id=user.school, learner_id=user.id,
                                               clr_id=clr_id, document=document, issued_at=issued_at,
                                               created_by=self.created_by, job=self.job)
            await audit_trail.record(self.actor, action="transcript.generate", school_id=row.school,
                                     subject=row.clr_id, at=issued_at, learner=row.learner, **self.details)
            if self.stored_hook is not None:
                await self.stored_hook()
        self.stored.append(row)
