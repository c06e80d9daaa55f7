"""HTTP bodies of the transcript endpoints (msgspec, camelCase on the wire). Never Table rows."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from issuer.web.dto_types import Id, Name, Ref, SmallInt


class Base(msgspec.Struct, kw_only=True, rename="camel", forbid_unknown_fields=False):
    pass


class TranscriptIn(Base):
    """``student``: the student's id or email (staff); a student leaves it out (themself)."""
    student: Ref | Id | None = None


class ShareIn(Base):
    expires_in_days: SmallInt | None = None
    expires_at: datetime | None = None
    label: Name = ""


class CohortIn(Base):
    school_id: Id | None = None


def _iso(value: Any) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def transcript_out(row: dict, base_url: str) -> dict:
    from issuer.transcripts.clr import transcript_links

    links = transcript_links(base_url, str(row["uuid"]))
    out = {"id": str(row["uuid"]), "clrId": row["clr_id"], "learner": row["learner"],
           "issuedAt": _iso(row["issued_at"]), "url": links.html_url, "jsonUrl": links.json_url,
           "pdfUrl": links.pdf_url, "verifyUrl": links.verify_url}
    if row.get("learner_name") is not None:
        out["learnerName"] = row["learner_name"]
    return out


def share_out(row: dict, *, url: str | None = None) -> dict:
    out = {"id": row["id"], "label": row["label"], "createdAt": _iso(row["created_at"]),
           "expiresAt": _iso(row["expires_at"]), "revokedAt": _iso(row["revoked_at"])}
    if url is not None:
        out["url"] = url  # shown once, when the link is made: only its hash is kept
    return out


def job_out(job: dict, base_url: str) -> dict:
    return {"id": str(job["uuid"]), "status": job["status"], "total": job["total"], "processed": job["processed"],
            "succeeded": job["succeeded"], "createdAt": _iso(job["created_at"]),
            # the learner id beside each error is the runner's (a resumed job retries those students)
            "errors": [{"student": e.get("student"), "error": e.get("error")} for e in job["errors"] or []],
            "finishedAt": _iso(job["finished_at"]), "url": f"{base_url}/api/transcript-jobs/{job['uuid']}"}
