"""Service-level flow of the learning half: framework → achievement → evidence → review → badge."""
from __future__ import annotations

import json

import pytest

from issuer.services.accounts import Principal, Role

pytestmark = pytest.mark.anyio

RUBRIC = {"name": "Lab report", "criteria": [
    {"id": "analysis", "name": "Analysis", "requiredLevel": 3},
    {"id": "communication", "name": "Communication", "requiredLevel": 3}]}


def principal(user: dict, role: str) -> Principal:
    return Principal(role=Role(role), id=user["id"], school_id=user["school"], district_id=user["district"],
                     learner_id=user["id"] if role == "student" else None)


@pytest.fixture
def people(seed):
    u = seed.users
    return {"teacher": principal(u[("north", "teacher", 0)], "teacher"),
            "admin": principal(u[("north", "school_admin", 0)], "school_admin"),
            "student": principal(u[("north", "student", 0)], "student"),
            "student2": principal(u[("north", "student", 1)], "student"),
            "south_teacher": principal(u[("south", "teacher", 0)], "teacher"),
            "south_student": principal(u[("south", "student", 0)], "student")}


@pytest.fixture
def store(platform):
    from issuer.storage import FileStore

    return FileStore(platform.settings.upload_dir, max_bytes=platform.settings.max_upload_bytes)


async def make_achievement(people, platform, **kw):
    from issuer.services import achievements, frameworks

    fw = await frameworks.create_framework(people["teacher"], kind="academic", name="Science", clock=platform.clock,
                                           competencies=[{"code": "SCI.1", "name": "Plan investigations"}])
    return await achievements.create_achievement(
        people["teacher"], name="Lab Scientist", description="Plans and reports an investigation",
        rubric=kw.pop("rubric", RUBRIC), alignments=[fw["competencies"][0]["id"]], clock=platform.clock, **kw)


async def test_below_then_revised_meets_threshold_issues_one_signed_badge(people, platform, store):
    from badges import schema
    from issuer.services import evidence, review

    a = await make_achievement(people, platform)
    sub = await evidence.submit(people["student"], achievement_uuid=str(a["uuid"]), narrative="My lab report",
                                urls=["https://example.org/report"], files=[("../../etc/passwd.txt", b"data 1")],
                                store=store, clock=platform.clock)
    low = await review.record_review(people["teacher"], str(sub["uuid"]), ratings={"analysis": 2, "communication": 3},
                                     feedback="Analyse further", version=None, clock=platform.clock)
    assert low["status"] == "revise" and low["credential"] is None
    await evidence.revise(people["student"], str(sub["uuid"]), narrative="Better report", urls=[],
                          files=[("report.txt", b"data 2")], store=store, clock=platform.clock)
    high = await review.record_review(people["teacher"], str(sub["uuid"]), ratings={"analysis": 3, "communication": 4},
                                      feedback="Well done", version=None, clock=platform.clock)
    assert high["status"] == "awarded" and high["issued"] is True
    from issuer.db import repo_learning as repo

    row = await repo.get_credential(high["credential"]["uuid"])
    doc = json.loads(row["document"])
    schema.validate(doc, "achievement")
    schema.validate(doc, "achievement", strict=True)
    assert doc["credentialSubject"]["achievement"]["resultDescription"]
    assert len(doc["credentialSubject"]["result"]) == 2
    assert any("sha256:" in (e.get("description") or "") for e in doc["evidence"])
    again = await review.record_review(people["admin"], str(sub["uuid"]), ratings={"analysis": 4, "communication": 4},
                                       feedback="", version=None, clock=platform.clock)
    assert again["issued"] is False and again["credential"]["uuid"] == high["credential"]["uuid"]
    full = await evidence.get_submission(people["student"], str(sub["uuid"]))
    assert [v["number"] for v in full["versions"]] == [1, 2]
