"""Hand-built, signed badges for one learner, shared by the transcript tests (no tests in here).

The badges follow the area/subject/level rule of ``badges.transcript`` (docs/CONTRACTS.md): one
academic badge in each of two subjects (one competency reached twice, the second time higher), a
habits-of-work badge, an expired habits badge, an extended-learning badge with partner, hours and
mentor attestation, and a revoked academic badge whose competency must not show up anywhere.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tests.support import NOW, SEED

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3P0 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
BASE = "https://school.example"
LEARNER_ID = "urn:uuid:9a0b6a35-5d0e-4a8e-9f3c-1c2d3e4f5a6b"
LEARNER_NAME = "Ada Lovelace"
CLR_ID = f"{BASE}/transcripts/2b9f1c64-1111-4c1e-9a55-0d8f7e6c5b4a"
FRAMEWORK = "Riverside Graduate Profile"


@dataclass(frozen=True)
class Level:
    value: int
    name: str
    description: str = ""


# The school's own words (not the engine's DEFAULT_SCALE) so tests prove they are the ones shown.
SCALE = (
    Level(1, "Emerging", "Beginning to show the skill with support."),
    Level(2, "Developing", "Shows the skill in familiar tasks."),
    Level(3, "Proficient", "Shows the skill independently, meeting the standard."),
    Level(4, "Distinguished", "Goes beyond the standard in new situations."),
)


def signer():
    from badges.signing import Ed25519Signer

    return Ed25519Signer.from_seed(SEED)


def issuer_profile() -> dict:
    did = signer().public_key.did_key
    return {"id": did, "type": ["Profile"], "name": "Riverside Community School",
            "url": BASE, "email": "office@school.example",
            "address": {"type": ["Address"], "streetAddress": "1 River Road", "addressLocality": "Riverside",
                        "addressRegion": "CA", "postalCode": "90001", "addressCountry": "USA"}}


def _levels(base: str) -> list[dict]:
    return [{"id": f"{base}/levels/{lv.value}", "type": ["RubricCriterionLevel"], "name": lv.name,
             "level": str(lv.value), "points": str(lv.value)} for lv in SCALE]


def badge(key: str, *, name: str, area: str, competencies: list[tuple[str, str]], ratings: list[int],
          subject: str | None = None, issued: datetime = NOW - timedelta(days=30),
          valid_until: datetime | None = None, evidence: int = 1, extra_subject: dict | None = None,
          extra_evidence: list[dict] | None = None, extra_results: list[tuple[dict, dict]] = (),
          required: int = 3) -> dict:
    """An unsigned OpenBadgeCredential; ``ratings`` = achieved level per (unaligned) criterion."""
    ach_id = f"{BASE}/achievements/{key}"
    tags = [f"area:{area}"] + ([f"subject:{subject}"] if subject else [])
    rds, results = [], []
    for i, level in enumerate(ratings):
        rd_id = f"{ach_id}/rubric/c{i}"
        rds.append({"id": rd_id, "type": ["ResultDescription"], "name": f"Criterion {i + 1}",
                    "resultType": "RubricCriterionLevel", "rubricCriterionLevel": _levels(rd_id),
                    "requiredLevel": f"{rd_id}/levels/{required}"})
        results.append({"type": ["Result"], "resultDescription": rd_id, "achievedLevel": f"{rd_id}/levels/{level}"})
    for rd, result in extra_results:
        rds.append(rd)
        results.append(result)
    achievement = {
        "id": ach_id, "type": ["Achievement"], "name": name, "description": f"{name} (rubric-assessed).",
        "criteria": {"narrative": "Evidence rated at Proficient or above on every criterion."},
        "achievementType": "Competency", "tag": tags, "resultDescription": rds,
        "alignment": [{"type": ["Alignment"], "targetName": cname, "targetCode": code,
                       "targetUrl": f"{BASE}/competencies/{code}", "targetFramework": FRAMEWORK,
                       "targetType": "ext:Competency"} for code, cname in competencies],
    }
    subject_doc = {"id": LEARNER_ID, "type": ["AchievementSubject"], "achievement": achievement,
                   "result": results, **(extra_subject or {})}
    cred = {
        "@context": [VC_V2, OB_V3P0],
        "id": f"urn:example:badge:{key}",  # replaced by _stable_ids
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer_profile(),
        "name": name,
        "validFrom": issued.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": subject_doc,
        "evidence": [{"id": f"{BASE}/evidence/{key}/{n}", "type": ["Evidence"], "name": f"Artifact {n + 1}",
                      "narrative": f"Work sample {n + 1} for {name}."} for n in range(evidence)]
                    + list(extra_evidence or []),
    }
    if valid_until is not None:
        cred["validUntil"] = valid_until.strftime("%Y-%m-%dT%H:%M:%SZ")
    return cred


def _stable_ids(creds: dict[str, dict]) -> dict[str, dict]:
    # hash() is salted per process; ids must be stable across runs and processes.
    for n, cred in enumerate(creds.values()):
        cred["id"] = f"{BASE}/credentials/00000000-0000-4000-8000-{n + 1:012d}"
    return creds


def unsigned_badges() -> dict[str, dict]:
    """key -> unsigned credential, in record order."""
    hours_rd = {"id": f"{BASE}/achievements/elo-river-lab/hours", "type": ["ResultDescription"],
                "name": "Hours on site", "resultType": "ext:Hours"}
    return _stable_ids({
        "math-linear-1": badge("math-linear-1", name="Linear Equations I", area="academic", subject="Mathematics",
                               competencies=[("MATH.1", "Solve linear equations")], ratings=[3, 4],
                               issued=NOW - timedelta(days=200), evidence=2),
        "math-linear-2": badge("math-linear-2", name="Linear Equations II", area="academic",
                               subject="Mathematics", competencies=[("MATH.1", "Solve linear equations")],
                               ratings=[4, 4], issued=NOW - timedelta(days=90), evidence=3),
        "eng-argument": badge("eng-argument", name="Argument Writing", area="academic", subject="English",
                              competencies=[("ENG.2", "Write an evidence-based argument")], ratings=[2], required=2,
                              issued=NOW - timedelta(days=60)),
        "how-collab": badge("how-collab", name="Collaboration in Teams", area="habits",
                            competencies=[("HOW.1", "Collaborates with peers")], ratings=[3],
                            issued=NOW - timedelta(days=40)),
        "how-time": badge("how-time", name="Time Management", area="habits",
                          competencies=[("HOW.2", "Manages time and deadlines")], ratings=[4],
                          issued=NOW - timedelta(days=400), valid_until=NOW - timedelta(days=10)),
        "elo-river-lab": badge(
            "elo-river-lab", name="Water Quality Internship", area="elo",
            competencies=[("SCI.7", "Designs a field investigation")], ratings=[3], issued=NOW - timedelta(days=20),
            extra_subject={"source": {"id": "https://riverlab.example", "type": ["Profile"],
                                      "name": "River Valley Water Lab", "url": "https://riverlab.example"},
                           "activityStartDate": "2025-06-02T00:00:00Z", "activityEndDate": "2025-08-15T00:00:00Z"},
            extra_evidence=[{"id": f"{BASE}/evidence/elo-river-lab/mentor", "type": ["Evidence"],
                             "genre": "Mentor attestation", "name": "Dr. Grace Hopper",
                             "narrative": "Ada ran weekly sampling on her own and presented the findings."}],
            extra_results=[(hours_rd, {"type": ["Result"], "resultDescription": hours_rd["id"], "value": "40"})]),
        "math-quadratic": badge("math-quadratic", name="Quadratic Functions", area="academic",
                                subject="Mathematics", competencies=[("MATH.2", "Model with quadratic functions")],
                                ratings=[4], issued=NOW - timedelta(days=15)),
    })


STATUSES_BY_KEY = {"math-linear-1": "active", "math-linear-2": "active", "eng-argument": "active",
                   "how-collab": "active", "how-time": "active", "elo-river-lab": "active",
                   "math-quadratic": "revoked"}


def signed_badges() -> dict[str, dict]:
    """key -> signed credential; cached per process because RDFC signing is slow-ish."""
    if not _SIGNED:
        from badges.signing import sign

        s = signer()
        for key, cred in unsigned_badges().items():
            _SIGNED[key] = sign(cred, signer=s, created=NOW - timedelta(days=1))
    return copy.deepcopy(_SIGNED)


_SIGNED: dict[str, dict] = {}


def stored(creds: dict[str, dict]) -> dict[str, str]:
    """As the issuer stores them: the signed JSON text."""
    return {k: json.dumps(v, ensure_ascii=False) for k, v in creds.items()}


def statuses(creds: dict[str, dict]) -> dict[str, str]:
    return {creds[k]["id"]: STATUSES_BY_KEY[k] for k in creds}


def learner() -> dict:
    return {"id": LEARNER_ID, "name": LEARNER_NAME}


def issued_at() -> datetime:
    return NOW.astimezone(UTC)
