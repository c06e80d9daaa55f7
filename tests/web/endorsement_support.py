"""What the endorsement tests share (tests/web/test_endorsement_pages.py, test_endorsement_status.py):
signing in with a page's CSRF token, endorsing through the staff form, a mentor link, a badge
awarded through the API, a verification result's checks by id."""
from __future__ import annotations

import json
import re

from tests.web.support import bearer

HTML = {"accept": "text/html"}
RUBRIC = {"name": "Rubric", "criteria": [{"id": "plan", "name": "Planning", "requiredLevel": 3},
                                         {"id": "analysis", "name": "Analysis", "requiredLevel": 3}]}


async def as_user(client, seed, role: str, path: str = "/endorse") -> str:
    client.cookies.clear()
    client.cookies.set("badges_session", seed.session[role])
    page = (await client.get(path, headers=HTML)).text
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


async def mentor_link(client, seed, a) -> str:
    s, t = bearer(seed, "student"), bearer(seed, "teacher")
    r = await client.post("/api/elos", headers=s, json={
        "achievement": a["id"], "partnerOrg": "River Lab", "mentorName": "Dr. Rivera",
        "mentorEmail": "rivera@riverlab.example", "goals": "Sample water", "hours": 40,
        "startDate": "2025-09-01", "endDate": "2025-12-01"})
    assert r.status_code == 201, r.text
    link = (await client.post(f"/api/elos/{r.json()['id']}/decision", headers=t, json={"approve": True})).json()
    return link["mentorLink"].rsplit("/", 1)[-1]


async def endorse(client, csrf, subject, comment):
    return await client.post("/endorse", data={"csrf_token": csrf, "subject": subject, "comment": comment},
                             headers=HTML)


def endorsement_uuid(r) -> str:
    assert r.status_code == 303, r.text
    return re.search(r"/endorsements/([0-9a-f-]{36})", r.headers["location"]).group(1)


async def badge(client, seed, a) -> dict:
    s, t = bearer(seed, "student"), bearer(seed, "teacher")
    r = await client.post("/api/submissions", headers=s, data={"achievement": a["id"], "narrative": "My lab"})
    assert r.status_code == 201, r.text
    r = await client.post(f"/api/submissions/{r.json()['id']}/reviews", headers=t,
                          json={"ratings": {"plan": 3, "analysis": 3}})
    assert r.status_code == 200 and r.json()["status"] == "awarded", r.text
    return json.loads((await client.get(f"/credentials/{r.json()['credential']['uuid']}")).content)


def checks(body: dict) -> dict:
    return {c["id"]: c for c in body["results"]}
