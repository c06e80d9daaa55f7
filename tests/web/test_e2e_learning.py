"""End to end over HTTP: framework → achievement → evidence → below threshold → resubmit →
badge → verify with the engine → revoke → verify again (revoked). Then the same for an ELO."""
from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from tests.web.learning_app import in_process_client
from tests.web.support import bearer, setup_achievement

# the platform half's controllers still use inferred path parameters (deprecated in Litestar 2.25)
pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]


@pytest.fixture
async def client(seed):
    # httpx over the ASGI app in THIS event loop: Litestar's AsyncTestClient runs the app in a
    # portal thread with its own loop, which a PostgreSQL pool bound to the test's loop cannot serve.
    async with in_process_client(seed.ctx) as c:
        yield c


async def verify(client, doc: dict, now):
    """The engine's verifier over what the service serves: DID document and status list."""
    from badges.errors import ResolutionError
    from badges.signing import DocumentResolver
    from badges.verification import verify_credential

    issuer_id = doc["issuer"]["id"]
    slug = issuer_id.rsplit(":", 1)[-1]
    did_doc = (await client.get(f"/issuers/{slug}/did.json")).json()
    docs = {}
    for entry in [doc["credentialStatus"]] if isinstance(doc["credentialStatus"], dict) else doc["credentialStatus"]:
        url = entry["statusListCredential"]
        r = await client.get(urlsplit(url).path)
        assert r.status_code == 200
        docs[url] = r.json()

    def fetch(url):
        if url not in docs:
            raise ResolutionError(f"not served: {url}")
        return docs[url]

    return verify_credential(json.dumps(doc), now=now, resolver=DocumentResolver({did_doc["id"]: did_doc}),
                             fetch_document=fetch)


async def revoke(client, seed, platform, uuid):
    from issuer.credentials import repo as credentials_repo
    from issuer.credentials import status

    row = await credentials_repo.get_credential(uuid)
    await status.revoke(platform, row.id, reason="Plagiarism found", actor_id=seed.users[("north", "school_admin", 0)]["id"])


async def test_classroom_evidence_to_verified_then_revoked_badge(client, seed, platform):
    from badges import schema

    a = await setup_achievement(client, seed)
    s = bearer(seed, "student")
    r = await client.post("/api/submissions", headers=s, data={"achievement": a["id"], "narrative": "First try",
                                                                "urls": "https://example.org/lab"},
                          files={"files": ("lab.txt", b"observations v1", "text/plain")})
    assert r.status_code == 201, r.text
    sub = r.json()
    t = bearer(seed, "teacher")
    r = await client.post(f"/api/submissions/{sub['id']}/reviews", headers=t,
                          json={"ratings": {"plan": 3, "analysis": 2}, "feedback": "Analyse the error sources"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "revise" and r.json()["credential"] is None
    assert (await client.get("/api/awards", headers=s)).json() == []
    r = await client.post(f"/api/submissions/{sub['id']}/versions", headers=s, data={"narrative": "Second try"},
                          files={"files": ("lab2.pdf", b"%PDF-1.4 observations v2", "application/pdf")})
    assert r.status_code == 201, r.text
    assert [v["number"] for v in r.json()["versions"]] == [1, 2]
    r = await client.post(f"/api/submissions/{sub['id']}/reviews", headers=t,
                          json={"ratings": {"plan": 3, "analysis": 3}, "feedback": "Proficient"})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["status"] == "awarded" and out["issued"] is True
    cred_uuid = out["credential"]["uuid"]

    r = await client.get(f"/credentials/{cred_uuid}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vc+ld+json")
    doc = json.loads(r.content)
    schema.validate(doc, "achievement")
    schema.validate(doc, "achievement", strict=True)
    assert [x["achievedLevel"].rsplit("/", 1)[-1] for x in doc["credentialSubject"]["result"][:2]] == ["3", "3"]
    file_ev = [e for e in doc["evidence"] if "sha256:" in (e.get("description") or "")]
    assert file_ev and file_ev[0]["id"].startswith("http://127.0.0.1:8000/badges/")
    r = await client.get(urlsplit(file_ev[0]["id"]).path)
    assert r.status_code == 200 and r.content == b"%PDF-1.4 observations v2"
    report = await verify(client, doc, platform.clock.now())
    assert report.verified, report.to_dict()

    page = await client.get(f"/badges/{cred_uuid}")
    assert page.status_code == 200 and "Investigator" in page.text and "/verify?url=" in page.text
    png = await client.get(f"/badges/{cred_uuid}.png")
    from badges.bake import unbake

    assert json.loads(unbake(png.content)) == doc
    assert json.loads(unbake((await client.get(f"/badges/{cred_uuid}.svg")).content)) == doc
    qr = await client.get(f"/badges/{cred_uuid}/qr.png")
    assert qr.status_code == 200 and qr.content.startswith(b"\x89PNG")

    await revoke(client, seed, platform, cred_uuid)
    report = await verify(client, doc, platform.clock.now())
    assert not report.verified
    assert report.failed("status")


async def test_elo_plan_mentor_attestation_review_badge(client, seed, platform):
    a = await setup_achievement(client, seed, area="elo")
    s = bearer(seed, "student")
    comps = (await client.get("/api/frameworks", headers=s)).json()
    r = await client.post("/api/elos", headers=s, json={
        "achievement": a["id"], "partnerOrg": "River Lab", "mentorName": "Dr. Rivera",
        "mentorEmail": "rivera@riverlab.example", "goals": "Sample water quality", "hours": 40,
        "startDate": "2025-09-01", "endDate": "2025-12-01", "competencies": []})
    assert r.status_code == 201, r.text
    elo = r.json()
    assert comps
    t = bearer(seed, "teacher")
    r = await client.post(f"/api/elos/{elo['id']}/decision", headers=t, json={"approve": True})
    assert r.status_code == 200, r.text
    link = r.json()["mentorLink"]
    path = urlsplit(link).path
    page = await client.get(path)
    assert page.status_code == 200 and "River Lab" in page.text
    import re

    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = await client.post(path, data={"statement": "Reliable, careful sampling", "hours": "38", "confirm": "yes",
                                      "csrf_token": csrf})
    assert r.status_code == 200, r.text
    again = await client.post(path, data={"statement": "again", "hours": "38", "confirm": "yes",
                                          "csrf_token": csrf})
    assert again.status_code == 410
    queue = (await client.get("/api/reviews/queue", headers=t)).json()
    sub = next(q for q in queue if q["kind"] == "elo")
    r = await client.post(f"/api/submissions/{sub['id']}/reviews", headers=t,
                          json={"ratings": {"plan": 2, "analysis": 3}})
    assert r.json()["status"] == "revise"
    # the second opportunity for an ELO is a later review of the same attested learning
    r = await client.post(f"/api/submissions/{sub['id']}/reviews", headers=bearer(seed, "school_admin"),
                          json={"ratings": {"plan": 3, "analysis": 4}})
    assert r.status_code == 200 and r.json()["status"] == "awarded", r.text
    cred_uuid = r.json()["credential"]["uuid"]
    doc = json.loads((await client.get(f"/credentials/{cred_uuid}")).content)
    assert doc["credentialSubject"]["source"]["name"] == "River Lab"
    assert any(e.get("genre") == "Mentor attestation" for e in doc["evidence"])
    assert "area:elo" in doc["credentialSubject"]["achievement"]["tag"]
    report = await verify(client, doc, platform.clock.now())
    assert report.verified, report.to_dict()
    await revoke(client, seed, platform, cred_uuid)
    assert not (await verify(client, doc, platform.clock.now())).verified
