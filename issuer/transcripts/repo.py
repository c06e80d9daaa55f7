"""Transcript queries: learners and the badges we hold for them, transcripts, share links and
cohort jobs. Every function returns ``issuer.transcripts.rows`` values."""
from __future__ import annotations

import re
import uuid as uuidlib
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TypeVar

import msgspec
from piccolo.columns import Column

from issuer.db.query import as_uuid, row_of, rows_of
from issuer.db.scope import Scope
from issuer.db.scope import where as scoped
from issuer.db.tables import IssuedCredential, Transcript, TranscriptJob, TranscriptShare, User
from issuer.jobs import JobActor
from issuer.transcripts.rows import (
    HeldCredential,
    LearnerRow,
    ListedTranscript,
    ShareRow,
    TranscriptJobRow,
    TranscriptRow,
)

T = TypeVar("T")

_LEARNER = (User.id, User.school, User.username, User.email, User.display_name)
_HELD = (IssuedCredential.id, IssuedCredential.credential_id, IssuedCredential.document,
         IssuedCredential.revoked_at, IssuedCredential.suspended)



def _inserted(row: T | None) -> T:
    if row is None:  # only if the database lost the row it just wrote
        raise LookupError("a row just inserted could not be read back")
    return row


# --- learners and their badges ------------------------------------------------------------------


async def learner(learner_id: int) -> LearnerRow | None:
    row = await User.select(*_LEARNER).where((User.id == learner_id) & (User.role == "student")).first()
    return row_of(LearnerRow, row)


async def find_learner(key: str, *, school_ids: Sequence[int] | None = None) -> LearnerRow | None:
    """A student by id, email or username (``badges transcript STUDENT``; the POST body)."""
    key = str(key).strip()
    query = User.select(*_LEARNER).where(User.role == "student")
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
    return row_of(LearnerRow, rows[0]) if len(rows) == 1 else None


async def learners_of_school(school_id: int) -> list[LearnerRow]:
    return rows_of(LearnerRow, await User.select(*_LEARNER).where(
        (User.school == school_id) & (User.role == "student") & (User.active == True)  # noqa: E712
    ).order_by(User.id))


async def learner_credentials(learner_id: int) -> list[HeldCredential]:
    """The learner's badges, oldest first."""
    return rows_of(HeldCredential, await IssuedCredential.select(*_HELD).where(
        IssuedCredential.learner == learner_id).order_by(IssuedCredential.issued_at).order_by(IssuedCredential.id))


async def credentials_by_id(credential_ids: Iterable[str]) -> list[HeldCredential]:
    ids = list(credential_ids)
    if not ids:
        return []
    return rows_of(HeldCredential, await IssuedCredential.select(*_HELD).where(
        IssuedCredential.credential_id.is_in(ids)))


# --- transcripts --------------------------------------------------------------------------------

async def insert_transcript(*, uuid: uuidlib.UUID, school_id: int, learner_id: int, clr_id: str, document: str,
                            issued_at: datetime, created_by: int | None = None,
                            job: int | None = None) -> TranscriptRow:
    row = Transcript(uuid=uuid, school=school_id, learner=learner_id, clr_id=clr_id, document=document,
                     created_by=created_by, issued_at=issued_at, cohort_job=job)
    await row.save()
    return _inserted(await transcript_by_id(row.id))


async def transcript(t_uuid: object) -> TranscriptRow | None:
    value = as_uuid(t_uuid)
    if value is None:
        return None
    return row_of(TranscriptRow, await Transcript.select().where(Transcript.uuid == value).first())


async def transcript_by_id(row_id: int) -> TranscriptRow | None:
    return row_of(TranscriptRow, await Transcript.select().where(Transcript.id == row_id).first())


async def transcripts(scope: Scope, *, limit: int = 100) -> list[ListedTranscript]:
    query = Transcript.select(Transcript.id, Transcript.uuid, Transcript.school, Transcript.learner,
                              Transcript.clr_id, Transcript.issued_at, Transcript.created_by,
                              Transcript.learner.display_name.as_alias("learner_name")
                              ).where(scoped(scope, Transcript)).order_by(Transcript.id, ascending=False).limit(limit)
    return rows_of(ListedTranscript, await query)


# --- share links --------------------------------------------------------------------------------

async def insert_share(*, transcript_id: int, token_hash: str, label: str, created_by: int | None,
                       created_at: datetime, expires_at: datetime | None) -> ShareRow:
    row = TranscriptShare(transcript=transcript_id, token_hash=token_hash, label=label, created_by=created_by,
                          created_at=created_at, expires_at=expires_at)
    await row.save()
    return _inserted(await share(row.id, transcript_id))


async def share_by_hash(token_hash: str) -> ShareRow | None:
    return row_of(ShareRow, await TranscriptShare.select().where(TranscriptShare.token_hash == token_hash).first())


async def share(share_id: int, transcript_id: int) -> ShareRow | None:
    return row_of(ShareRow, await TranscriptShare.select().where(
        (TranscriptShare.id == share_id) & (TranscriptShare.transcript == transcript_id)).first())


async def shares(transcript_id: int) -> list[ShareRow]:
    return rows_of(ShareRow, await TranscriptShare.select().where(
        TranscriptShare.transcript == transcript_id).order_by(TranscriptShare.id))


async def revoke_share(share_id: int, at: datetime) -> bool:
    """True when this call withdrew the link (False: it already was)."""
    rows = await TranscriptShare.update({TranscriptShare.revoked_at: at}).where(
        (TranscriptShare.id == share_id) & (TranscriptShare.revoked_at.is_null())).returning(TranscriptShare.id)
    return bool(rows)


# --- cohort jobs --------------------------------------------------------------------------------

# The JSON columns: written from the row's Structs (errors, actor) as plain JSON values.
_JSON_COLUMNS = frozenset({"errors", "learners", "actor"})


def _columns(values: dict[str, object]) -> dict[Column | str, object]:
    return {getattr(TranscriptJob, k): msgspec.to_builtins(v) if k in _JSON_COLUMNS else v
            for k, v in values.items()}


async def insert_job(*, school: int, status: str, total: int, created_at: datetime,
                     learners: Sequence[int] = (), created_by: int | None = None, out_dir: str = "",
                     actor: JobActor | None = None) -> TranscriptJobRow:
    """A new cohort job; ``learners`` are fixed now (a resumed job does the same students)."""
    row = TranscriptJob(uuid=uuidlib.uuid4(), school=school, status=status, total=total, created_at=created_at,
                        learners=list(learners), created_by=created_by, out_dir=out_dir,
                        actor=msgspec.to_builtins(actor or JobActor()))
    await row.save()
    return _inserted(await job_by_id(row.id))


async def job(j_uuid: object) -> TranscriptJobRow | None:
    value = as_uuid(j_uuid)
    if value is None:
        return None
    row: TranscriptJobRow | None = row_of(TranscriptJobRow, await TranscriptJob.select().where(
        TranscriptJob.uuid == value).first().output(load_json=True))
    return row


async def job_by_id(job_id: int) -> TranscriptJobRow | None:
    row: TranscriptJobRow | None = row_of(TranscriptJobRow, await TranscriptJob.select().where(
        TranscriptJob.id == job_id).first().output(load_json=True))
    return row


async def update_job(job_id: int, **values: object) -> None:
    await TranscriptJob.update(_columns(values)).where(TranscriptJob.id == job_id)


async def update_job_leased(job_id: int, owner: str, **values: object) -> bool:
    """Update the job only while ``owner`` holds its lease (issuer.jobs); False otherwise."""
    rows = await TranscriptJob.update(_columns(values)).where(
        (TranscriptJob.id == job_id) & (TranscriptJob.lease_owner == owner)).returning(TranscriptJob.id)
    return bool(rows)


async def learners_done_by_job(job_id: int) -> set[int]:
    """The students a cohort job has stored a transcript for."""
    rows = await Transcript.select(Transcript.learner).where(Transcript.cohort_job == job_id)
    return {r["learner"] for r in rows}


async def learner_share_count(learner_id: int) -> int:
    """Share links of the learner's transcripts (the erasure's check page)."""
    ids = [r["id"] for r in await Transcript.select(Transcript.id).where(Transcript.learner == learner_id)]
    return int(await TranscriptShare.count().where(TranscriptShare.transcript.is_in(ids))) if ids else 0


async def delete_learner_shares(learner_id: int) -> int:
    """Delete the share links of the learner's transcripts (the transcripts, signed, stay)."""
    count = await learner_share_count(learner_id)
    ids = [r["id"] for r in await Transcript.select(Transcript.id).where(Transcript.learner == learner_id)]
    if ids:
        await TranscriptShare.delete().where(TranscriptShare.transcript.is_in(ids))
    return count
