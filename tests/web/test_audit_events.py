"""The audit log records awards (rubric flow, bulk, VC-API), reviews, transcript generation
(single and cohort) and share links, each with who, the school, the subject and the reason where
there is one; a school's admin reads their school's events only (issue 9)."""
from __future__ import annotations

import pytest

from tests.support import BASE_URL
from tests.web.support import bearer, setup_achievement

pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]


@pytest.fixture
async def client(seed, platform, platform_settings, db):
    """The whole app (admin routes included) over ASGI in this event loop, on the test's engine."""
    import httpx

    from issuer.app import create_app

    app = create_app(platform_settings, clock=platform.clock, engine=db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as c:
        yield c


async def _admin_token(platform, seed, slug: str) -> dict:
    from issuer.accounts import service as accounts

    u = seed.users[(slug, "school_admin", 0)]
    token = await accounts.create_api_token(platform, school_id=u["school"], district_id=seed.district.id,
                                            role="school_admin", user_id=u["id"], name=f"{slug} admin")
    return {"Authorization": f"Bearer {token}"}


async def _events(client, headers) -> list[dict]:
    r = await client.get("/admin/audit", headers=headers, params={"limit": 500})
    assert r.status_code == 200, r.text
    return r.json()


def _one(events, action, subject=None) -> dict:
    found = [e for e in events if e["action"] == action and (subject is None or e["subject"] == subject)]
    assert len(found) == 1, (action, subject, [(e["action"], e["subject"]) for e in events])
    return found[0]


async def test_each_action_writes_its_event_and_only_its_school_reads_it(client, seed, platform):
    from issuer.access import Principal, Role
    from issuer.credentials import bulk
    from issuer.transcripts import cohort as transcript_cohort

    north = seed.schools["north"].id
    teacher = seed.users[("north", "teacher", 0)]
    t = bearer(seed, "teacher")
    a = await setup_achievement(client, seed)

    # a review that earns the badge: the rating and the award
    r = await client.post("/api/submissions", headers=bearer(seed, "student"),
                          data={"achievement": a["id"], "narrative": "My investigation"})
    assert r.status_code == 201, r.text
    sub = r.json()
    bad = await client.post(f"/api/submissions/{sub['id']}/reviews", headers=t,
                            json={"ratings": {"plan": 9, "analysis": 3}})
    assert bad.status_code == 422  # refused: no event (checked below: exactly one review event)
    r = await client.post(f"/api/submissions/{sub['id']}/reviews", headers=t,
                          json={"ratings": {"plan": 3, "analysis": 3}, "feedback": "Well done"})
    assert r.status_code == 200 and r.json()["status"] == "awarded", r.text
    reviewed = r.json()["credential"]["id"]

    # a bulk award (a refused file first: no job, no event)
    header = "email,achievement,plan,analysis\n"
    bad = await client.post("/api/awards/bulk", headers=t, files={"file": (
        "a.csv", f"{header}nobody@example.org,{a['id']},3,3\n".encode(), "text/csv")})
    assert bad.status_code == 422
    r = await client.post("/api/awards/bulk", headers=t, files={"file": (
        "a.csv", f"{header}north-student-1@example.org,{a['id']},4,3\n".encode(), "text/csv")})
    assert r.status_code == 202, r.text
    job = await bulk.wait(r.json()["id"])
    assert job.status == "done" and job.issued == 1, job

    # VC-API issue with the school's token (a token without a user)
    r = await client.post("/credentials/issue", headers={"Authorization": f"Bearer {seed.school_token}"},
                          json={"credential": {"@context": ["https://www.w3.org/ns/credentials/v2"],
                                               "type": ["VerifiableCredential"],
                                               "credentialSubject": {"id": "did:example:learner"}}})
    assert r.status_code == 201, r.text
    vc_id = r.json()["verifiableCredential"]["id"]

    # a transcript, a share link, withdrawn (twice: the second changes nothing)
    r = await client.post("/api/transcripts", headers=t, json={"student": "north-student-0@example.org"})
    assert r.status_code == 201, r.text
    transcript = r.json()
    r = await client.post(f"/api/transcripts/{transcript['id']}/shares", headers=t,
                          json={"expiresInDays": 7, "label": "State University"})
    assert r.status_code == 201, r.text
    share = r.json()
    for _ in range(2):
        r = await client.post(f"/api/transcripts/{transcript['id']}/shares/{share['id']}/revoke", headers=t)
        assert r.status_code == 200, r.text

    # a cohort job (in the foreground, one worker: the same path as the API's background task)
    who = Principal(role=Role.TEACHER, id=teacher["id"], school_id=north, district_id=seed.district.id,
                    via="session")
    cohort = await transcript_cohort.start_cohort(platform, who, background=False, workers=1)
    assert cohort.status == "done" and cohort.succeeded == 2, cohort

    events = await _events(client, await _admin_token(platform, seed, "north"))
    assert all(e.get("schoolId") == north for e in events)
    review = _one(events, "review.record", sub["id"])
    assert review.get("actorId") == teacher["id"] and review["details"]["via"] == "token"
    assert review["details"]["met"] is True and review["details"]["version"] == 1
    award = _one(events, "credential.award", reviewed)
    assert award.get("actorId") == teacher["id"] and award["details"]["source"] == "review"
    assert award["details"]["submission"] == sub["id"]
    started = _one(events, "awards.bulk", str(job.uuid))
    assert started.get("actorId") == teacher["id"] and started["details"]["total"] == 1
    bulk_award = [e for e in events if e["action"] == "credential.award" and e["details"].get("source") == "bulk"]
    assert len(bulk_award) == 1 and bulk_award[0]["details"]["job"] == str(job.uuid)
    assert bulk_award[0].get("actorId") == teacher["id"] and bulk_award[0]["details"]["line"] == 2
    issued = _one(events, "credential.issue", vc_id)
    assert issued.get("actorId") is None and issued["details"] == {"source": "vc-api", "via": "token", "token": "vc-api"}
    clr_id = transcript["clrId"]
    generated = [e for e in events if e["action"] == "transcript.generate"]
    single = [e for e in generated if e["subject"] == clr_id]
    assert len(single) == 1 and single[0].get("actorId") == teacher["id"] and "job" not in single[0]["details"]
    from_job = [e for e in generated if e["details"].get("job") == str(cohort.uuid)]
    assert len(from_job) == 2 and all(e.get("actorId") == teacher["id"] for e in from_job)
    assert _one(events, "transcript.cohort", str(cohort.uuid))["details"]["total"] == 2
    shared = _one(events, "transcript.share", clr_id)
    assert shared["details"]["label"] == "State University" and shared["details"]["share"] == share["id"]
    withdrawn = _one(events, "transcript.share.withdraw", clr_id)
    assert withdrawn.get("actorId") == teacher["id"]

    # the district admin reads them too; the other school's admin reads none of them
    district = await _events(client, bearer(seed, "district_admin"))
    assert {e["action"] for e in events} <= {e["action"] for e in district}
    assert await _events(client, await _admin_token(platform, seed, "south")) == []
    # and a teacher cannot read the log at all
    assert (await client.get("/admin/audit", headers=t)).status_code == 403
