"""Every kind of badge the platform issues, through its real HTTP API, for the status tests:
the rubric flow (evidence → review), a bulk CSV award, VC-API issue of an OpenBadgeCredential
and an extended learning opportunity (mentor attestation → review)."""
from __future__ import annotations

import asyncio
import json

from tests.web import transcript_support as ts

KINDS = ("rubric", "bulk", "vcapi", "elo")


def bearer(seed, role: str) -> dict:
    return {"Authorization": f"Bearer {seed.token[role]}"}


async def _bulk(client, seed, achievement_id: str) -> str:
    teacher = bearer(seed, "teacher")
    csv_text = f"email,achievement,plan,analysis\nnorth-student-1@example.org,{achievement_id},3,4\n"
    r = await client.post("/api/awards/bulk", headers=teacher, files={"file": ("a.csv", csv_text.encode(), "text/csv")})
    assert r.status_code == 202, r.text
    job = r.json()
    for _ in range(400):
        job = (await client.get(f"/api/awards/bulk/{job['id']}", headers=teacher)).json()
        if job["status"] in ("done", "failed"):
            break
        await asyncio.sleep(0.05)
    assert job["status"] == "done" and job["issued"] == 1, job
    awards = (await client.get("/api/awards", headers=teacher)).json()
    return next(a["id"] for a in awards if a["achievement"] == "Bulk Lab Safety")


async def _vcapi(client, seed) -> str:
    from issuer.credentials import repo as credentials_repo

    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "type": ["VerifiableCredential", "OpenBadgeCredential"], "name": "Robotics Club",
        "validFrom": "2026-01-15T10:00:00Z",
        "credentialSubject": {"id": "did:example:learner-7", "type": ["AchievementSubject"], "achievement": {
            "id": "https://school.example/achievements/robotics", "type": ["Achievement"], "name": "Robotics Club",
            "description": "Built and programmed a robot with a team.", "criteria": {"narrative": "A season."}}}}
    r = await client.post("/credentials/issue", headers={"Authorization": f"Bearer {seed.school_token}"}, json={
        "credential": credential,
        "options": {"credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"}}})
    assert r.status_code == 201, r.text
    row = await credentials_repo.issued_credential(credential_id=r.json()["verifiableCredential"]["id"])
    return str(row.uuid)


async def issue_every_kind(client, seed) -> dict[str, dict]:
    """{kind: {"uuid", "raw", "doc"}} for each of :data:`KINDS`, all issued by north."""
    teacher, student = bearer(seed, "teacher"), bearer(seed, "student")
    comps = await ts.framework(client, teacher, "academic", "Science", [("SP.3", "Investigate")])
    habits = await ts.framework(client, teacher, "elo", "Extended learning", [("ELO.1", "Applies learning")])
    rubric_id = await ts.achievement(client, teacher, "Investigator", area="academic", subject="Science",
                                     comps=[comps["SP.3"]])
    bulk_id = await ts.achievement(client, teacher, "Bulk Lab Safety", area="academic", subject="Science",
                                   comps=[comps["SP.3"]])
    elo_id = await ts.achievement(client, teacher, "Workplace Learning", area="elo", comps=[habits["ELO.1"]])
    uuids = {"rubric": await ts.earn(client, student, teacher, rubric_id, {"plan": 3, "analysis": 3}),
             "bulk": await _bulk(client, seed, bulk_id),
             "vcapi": await _vcapi(client, seed),
             "elo": await ts.earn_elo(client, student, teacher, elo_id)}
    out = {}
    for kind, uuid in uuids.items():
        r = await client.get(f"/credentials/{uuid}")
        assert r.status_code == 200, (kind, r.text)
        out[kind] = {"uuid": uuid, "raw": r.content, "doc": json.loads(r.content)}
    return out
