"""A badge awarded through the real HTTP API (framework → achievement → evidence → review at the threshold) and
revoked through the status service: shared by the issuer/verifier, image, length-limit, bundle and interop tests."""
from __future__ import annotations

import json

from tests.web.support import bearer

RUBRIC = {"name": "Rubric", "criteria": [{"id": "plan", "name": "Planning", "requiredLevel": 3},
                                         {"id": "analysis", "name": "Analysis", "requiredLevel": 3}]}


async def award(client, seed) -> dict:
    teacher, student = bearer(seed, "teacher"), bearer(seed, "student")
    r = await client.post("/api/frameworks", headers=teacher, json={
        "kind": "academic", "name": "Science", "competencies": [{"code": "SP.3", "name": "Investigate"}]})
    assert r.status_code == 201, r.text
    comp = r.json()["competencies"][0]["id"]
    r = await client.post("/api/achievements", headers=teacher, json={
        "name": "Investigator", "description": "Plans and analyses an investigation.",
        "criteria": "Both criteria at Proficient.", "rubric": RUBRIC, "alignments": [comp], "subject": "Science"})
    assert r.status_code == 201, r.text
    r = await client.post("/api/submissions", headers=student, data={"achievement": r.json()["id"],
                                                                     "narrative": "My lab report"})
    assert r.status_code == 201, r.text
    r = await client.post(f"/api/submissions/{r.json()['id']}/reviews", headers=teacher,
                          json={"ratings": {"plan": 3, "analysis": 3}})
    assert r.status_code == 200 and r.json()["status"] == "awarded", r.text
    uuid = r.json()["credential"]["uuid"]
    r = await client.get(f"/credentials/{uuid}")
    assert r.status_code == 200
    return {"uuid": uuid, "raw": r.content, "doc": json.loads(r.content)}


async def revoke(seed, uuid):
    from issuer.credentials import repo as credentials_repo
    from issuer.credentials import status

    row = await credentials_repo.get_credential(uuid)
    await status.revoke(seed.ctx, row.id, reason="Not the student's own work",
                        actor_id=seed.users[("north", "school_admin", 0)]["id"])
