"""Transcript queries, and ``DbTranscriptSource``: the ``TranscriptSource`` the transcript service reads.

A badge's status comes from our records (``IssuedCredential``), never from the document alone:
revoked (``revoked_at``) and suspended rows are left out of a new transcript; a badge past its
``validUntil`` is ``expired`` and stays on it, marked.
"""
from __future__ import annotations

import json
import re
import secrets
import uuid as uuidlib
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from badges.identity import identity_object
from badges.verification_checks import parse_datetime
from issuer.db.scope import Scope
from issuer.db.scope import where as scoped
from issuer.db.tables import IssuedCredential, School, Transcript, TranscriptJob, TranscriptShare, User
from issuer.transcripts.clr import StoredCredential

Row = dict[str, Any]


def credential_status(row: Row, now: datetime) -> str:
    """active | revoked | suspended | expired, from the row (and validUntil in its document)."""
    if row.get("revoked_at") is not None:
        return "revoked"
    if row.get("suspended"):
        return "suspended"
    try:
        until = json.loads(row["document"]).get("validUntil")
        if until and parse_datetime(until) < now:
            return "expired"
    except (ValueError, TypeError, AttributeError):
        pass
    return "active"


class DbTranscriptSource:
    """``issuer.transcripts.clr.TranscriptSource`` over the issuer's database."""

    def __init__(self, *, now: datetime, created_by: int | None = None, job: int | None = None) -> None:
        self.now = now
        self.created_by = created_by
        self.job = job  # the cohort job storing its transcripts (a resumed job skips their students)
        self.stored: list[Row] = []  # the Transcript rows this source stored, in order

    async def transcript_learner(self, learner_id: Any) -> dict:
        user = await learner(learner_id)
        if user is None:
            raise LookupError(f"no student {learner_id!r}")
        # The CLR is shared with admissions offices: the email only as a salted hash (as in the badges).
        value, kind = (user["email"].strip().lower(), "emailAddress") if user["email"] else (user["username"],
                                                                                            "userName")
        return {"name": user["display_name"] or user["username"],
                "identifier": [identity_object(value, salt=secrets.token_hex(8), identity_type=kind)]}

    async def transcript_credentials(self, learner_id: Any) -> list[StoredCredential]:
        rows = await learner_credentials(int(learner_id))
        return [StoredCredential(document=r["document"], status=credential_status(r, self.now)) for r in rows]

    async def store_transcript(self, *, learner_id: Any, clr_id: str, document: str, issued_at: datetime) -> None:
        user = await learner(learner_id)
        row = await insert_transcript(uuid=uuid_of(clr_id), school_id=user["school"], learner_id=user["id"],
                                      clr_id=clr_id, document=document, issued_at=issued_at,
                                      created_by=self.created_by, job=self.job)
        self.stored.append(row)


def uuid_of(clr_id: str) -> uuidlib.UUID:
    return uuidlib.UUID(clr_id.rstrip("/").rsplit("/", 1)[-1])


# --- learners and their badges ------------------------------------------------------------------

async def learner(learner_id: Any) -> Row | None:
    try:
        learner_id = int(learner_id)
    except (TypeError, ValueError):
        return None
    return await User.select().where((User.id == learner_id) & (User.role == "student")).first()


async def find_learner(key: str, *, school_ids: Sequence[int] | None = None) -> Row | None:
    """A student by id, email or username (``badges transcript STUDENT``; the POST body)."""
    key = str(key).strip()
    query = User.select().where(User.role == "student")
    if re.fullmatch(r"[0-9]{1,10}", key):  # ASCII only: "³".isdigit() is True but int() refuses it
        if int(key) > 2**31 - 1:  # beyond the int4 id column: no such student (not a driver error)
            return None
        query = query.where(User.id == int(key))
    elif "@" in key:
        query = query.where(User.email.is_in(sorted({key, key.lower()})))
    else:
        query = query.where(User.username == key)
    if school_ids is not None:
        query = query.where(User.school.is_in(list(school_ids) or [-1]))
    rows = await query
    return rows[0] if len(rows) == 1 else None


async def learners_of_school(school_id: int) -> list[Row]:
    return await User.select(User.id, User.username, User.email, User.display_name).where(
        (User.school == school_id) & (User.role == "student") & (User.active == True)  # noqa: E712
    ).order_by(User.id)


async def learner_credentials(learner_id: int) -> list[Row]:
    return await IssuedCredential.select(
        IssuedCredential.id, IssuedCredential.credential_id, IssuedCredential.document,
        IssuedCredential.revoked_at, IssuedCredential.suspended, IssuedCredential.issued_at,
    ).where(IssuedCredential.learner == learner_id).order_by(IssuedCredential.issued_at).order_by(IssuedCredential.id)


async def credentials_by_id(credential_ids: Iterable[str]) -> list[Row]:
    ids = list(credential_ids)
    if not ids:
        return []
    return await IssuedCredential.select(
        IssuedCredential.credential_id, IssuedCredential.document, IssuedCredential.revoked_at,
        IssuedCredential.suspended).where(IssuedCredential.credential_id.is_in(ids))


async def school(school_id: int) -> Row | None:
    return await School.select().where(School.id == school_id).first()


async def schools_by_slug(slugs: Iterable[str]) -> list[Row]:
    slugs = list(slugs)
    return await School.select().where(School.slug.is_in(slugs)) if slugs else []


# --- transcripts --------------------------------------------------------------------------------

async def insert_transcript(*, uuid: uuidlib.UUID, school_id: int, learner_id: int, clr_id: str, document: str,
                            issued_at: datetime, created_by: int | None = None, job: int | None = None) -> Row:
    row = Transcript(uuid=uuid, school=school_id, learner=learner_id, clr_id=clr_id, document=document,
                     created_by=created_by, issued_at=issued_at, cohort_job=job)
    await row.save()
    return await Transcript.select().where(Transcript.id == row.id).first()


async def transcript(t_uuid: Any) -> Row | None:
    try:
        value = t_uuid if isinstance(t_uuid, uuidlib.UUID) else uuidlib.UUID(str(t_uuid))
    except ValueError:
        return None
    return await Transcript.select().where(Transcript.uuid == value).first()


async def transcript_by_id(row_id: int) -> Row | None:
    return await Transcript.select().where(Transcript.id == row_id).first()


async def transcripts(scope: Scope, *, limit: int = 100) -> list[Row]:
    query = Transcript.select(Transcript.id, Transcript.uuid, Transcript.school, Transcript.learner,
                              Transcript.clr_id, Transcript.issued_at, Transcript.created_by,
                              Transcript.learner.display_name.as_alias("learner_name")
                              ).where(scoped(scope, Transcript)).order_by(Transcript.id, ascending=False).limit(limit)
    return await query


# --- share links --------------------------------------------------------------------------------

async def insert_share(*, transcript_id: int, token_hash: str, label: str, created_by: int | None,
                       created_at: datetime, expires_at: datetime | None) -> Row:
    row = TranscriptShare(transcript=transcript_id, token_hash=token_hash, label=label, created_by=created_by,
                          created_at=created_at, expires_at=expires_at)
    await row.save()
    return await TranscriptShare.select().where(TranscriptShare.id == row.id).first()


async def share_by_hash(token_hash: str) -> Row | None:
    return await TranscriptShare.select().where(TranscriptShare.token_hash == token_hash).first()


async def share(share_id: int, transcript_id: int) -> Row | None:
    return await TranscriptShare.select().where(
        (TranscriptShare.id == share_id) & (TranscriptShare.transcript == transcript_id)).first()


async def shares(transcript_id: int) -> list[Row]:
    return await TranscriptShare.select().where(TranscriptShare.transcript == transcript_id).order_by(
        TranscriptShare.id)


async def revoke_share(share_id: int, at: datetime) -> bool:
    """True when this call withdrew the link (False: it already was)."""
    rows = await TranscriptShare.update({TranscriptShare.revoked_at: at}).where(
        (TranscriptShare.id == share_id) & (TranscriptShare.revoked_at.is_null())).returning(TranscriptShare.id)
    return bool(rows)


# --- cohort jobs --------------------------------------------------------------------------------

async def insert_job(**values: Any) -> Row:
    row = TranscriptJob(uuid=uuidlib.uuid4(), **values)
    await row.save()
    return await TranscriptJob.select().where(TranscriptJob.id == row.id).first().output(load_json=True)


async def job(j_uuid: Any) -> Row | None:
    try:
        value = j_uuid if isinstance(j_uuid, uuidlib.UUID) else uuidlib.UUID(str(j_uuid))
    except ValueError:
        return None
    return await TranscriptJob.select().where(TranscriptJob.uuid == value).first().output(load_json=True)


async def update_job(job_id: int, **values: Any) -> None:
    await TranscriptJob.update({getattr(TranscriptJob, k): v for k, v in values.items()}).where(
        TranscriptJob.id == job_id)


async def update_job_leased(job_id: int, owner: str, **values: Any) -> bool:
    """Update the job only while ``owner`` holds its lease (issuer.jobs); False otherwise."""
    rows = await TranscriptJob.update({getattr(TranscriptJob, k): v for k, v in values.items()}).where(
        (TranscriptJob.id == job_id) & (TranscriptJob.lease_owner == owner)).returning(TranscriptJob.id)
    return bool(rows)


async def learners_done_by_job(job_id: int) -> set[int]:
    """The students a cohort job has stored a transcript for."""
    rows = await Transcript.select(Transcript.learner).where(Transcript.cohort_job == job_id)
    return {r["learner"] for r in rows}


async def fail_unfinished_jobs(*, errors: list[dict], at: datetime, keep: Iterable[int] = ()) -> list[int]:
    """Every queued or running cohort job (but those in ``keep``) becomes failed; their ids."""
    where = TranscriptJob.status.is_in(["queued", "running"])
    if keep := list(keep):
        where = where & TranscriptJob.id.not_in(keep)
    rows = await TranscriptJob.update({TranscriptJob.status: "failed", TranscriptJob.errors: errors,
                                       TranscriptJob.finished_at: at}).where(where).returning(TranscriptJob.id)
    return [r["id"] for r in rows]
