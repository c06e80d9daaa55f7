"""HTTP bodies of the learning half (msgspec, camelCase on the wire). Never Table rows."""
from __future__ import annotations

from typing import Annotated, Any

import msgspec

from issuer.web.dto_types import (MAX_LIST, Code, Email, Hours, Id, Keyword, Name, Ref, SmallInt, Text, Url,
                                  check_rubric)

Ids = Annotated[list[Id], msgspec.Meta(max_length=MAX_LIST)]


class Base(msgspec.Struct, kw_only=True, rename="camel", forbid_unknown_fields=False):
    pass


class CompetencyIn(Base):
    code: Code
    name: Text
    description: Text = ""
    url: Url = ""


class FrameworkIn(Base):
    kind: Keyword
    name: Name
    version: Keyword = ""
    competencies: Annotated[list[CompetencyIn], msgspec.Meta(max_length=5000)] = []
    school_id: Id | None = None


class AchievementIn(Base):
    name: Name
    description: Text
    rubric: dict[str, Any]
    criteria: Text = ""
    alignments: Ids = []
    prerequisites: Annotated[list[Ref], msgspec.Meta(max_length=MAX_LIST)] = []
    second_rater: bool = False
    achievement_type: Keyword = "Competency"
    area: Keyword | None = None
    subject: Code = ""
    school_id: Id | None = None

    def __post_init__(self) -> None:
        check_rubric(self.rubric)


class ReviewIn(Base):
    ratings: Annotated[dict[Code, SmallInt], msgspec.Meta(max_length=MAX_LIST)]
    feedback: Text = ""
    version: Id | None = None


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


class AttestIn(Base):
    statement: Text
    hours: Hours
    confirm: bool = False


def _iso(v):
    return v.isoformat() if hasattr(v, "isoformat") else v


def framework_out(fw: dict) -> dict:
    out = {"id": str(fw["uuid"]), "kind": fw["kind"], "name": fw["name"], "version": fw["version"],
           "source": fw["source"], "sourceUri": fw["source_uri"] or None, "createdAt": _iso(fw["created_at"])}
    if "competencies" in fw:
        out["competencies"] = [{"id": c["id"], "code": c["code"], "name": c["name"], "kind": c["kind"],
                                "description": c["description"], "url": c["url"] or None}
                               for c in fw["competencies"]]
    return out


def achievement_out(a: dict, base_url: str) -> dict:
    return {"id": str(a["uuid"]), "url": f"{base_url}/achievements/{a['uuid']}", "name": a["name"],
            "description": a["description"], "criteria": a["criteria"], "achievementType": a["achievement_type"],
            "area": a.get("area") or None, "subject": a.get("subject") or None,
            "image": f"{base_url}/achievements/{a['uuid']}/image" if a["image_sha256"] else None,
            "alignments": a["alignments"], "rubric": a["rubric"], "prerequisites": a["prerequisites"],
            "secondRater": a["second_rater"], "createdAt": _iso(a["created_at"])}


def version_out(v: dict) -> dict:
    return {"number": v["number"], "narrative": v["narrative"], "urls": v["urls"], "files": v["files"],
            "createdAt": _iso(v["created_at"])}


def submission_out(s: dict) -> dict:
    out = {"id": str(s["uuid"]), "status": s["status"], "kind": s["kind"], "currentVersion": s["current_version"],
           "createdAt": _iso(s["created_at"]), "updatedAt": _iso(s["updated_at"])}
    if s.get("achievement_uuid"):
        out["achievement"] = {"id": str(s["achievement_uuid"]), "name": s.get("achievement_name")}
    elif s.get("achievement_row"):
        out["achievement"] = {"id": str(s["achievement_row"]["uuid"]), "name": s["achievement_row"]["name"]}
    if s.get("learner_name") is not None:
        out["learner"] = {"name": s["learner_name"]}
    if "versions" in s:
        out["versions"] = [version_out(v) for v in s["versions"]]
    if "reviews" in s:
        out["reviews"] = [{"version": r.get("version_number"), "role": r["role"], "ratings": r["ratings"],
                           "feedback": r["feedback"], "met": r["met"], "createdAt": _iso(r["created_at"]),
                           **({"reviewer": r["reviewer_name"]} if "reviewer_name" in r else {})}
                          for r in s["reviews"]]
    return out


def elo_out(e: dict) -> dict:
    return {"id": str(e["uuid"]), "status": e["status"], "partnerOrg": e["partner_org"],
            "mentorName": e["mentor_name"], "mentorEmail": e["mentor_email"], "goals": e["goals"],
            "competencies": e["competencies"], "hours": e["hours"], "startDate": _iso(e["start_date"]),
            "endDate": _iso(e["end_date"]), "attestedHours": e["attested_hours"],
            "attestation": e["attestation"] or None, "attestedAt": _iso(e["attested_at"]),
            "submission": None}


def credential_out(c: dict, base_url: str) -> dict:
    return {"id": str(c["uuid"]), "credentialId": c["credential_id"], "achievement": c.get("achievement_name"),
            "learner": c.get("learner_name"), "issuedAt": _iso(c["issued_at"]),
            "revoked": c["revoked_at"] is not None, "suspended": bool(c["suspended"]),
            "url": f"{base_url}/badges/{c['uuid']}", "json": f"{base_url}/credentials/{c['uuid']}"}


def job_out(j: Any) -> dict:
    return {"id": str(j.uuid), "status": j.status, "total": j.total, "processed": j.processed,
            "issued": j.issued, "errors": j.errors, "createdAt": _iso(j.created_at),
            "finishedAt": _iso(j.finished_at)}
