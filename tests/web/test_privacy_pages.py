"""An administrator's privacy requests for one student (issue 13), over HTTP on the full app.

A student's work (a narrative, two files: one only theirs, one another student also handed in),
a review with feedback and the badge it earned. The school admin exports the student's data (the
badge byte for byte, the files, the feedback), checks what an erasure deletes and keeps, and
erases: the narrative, the own file (record and bytes on disk), the feedback, the portfolio and the
sessions are gone; the shared file, the badge (it still verifies, and can still be revoked), the
award and the audit trail stay, with one "erased on request" event. Bad twins: a teacher (403),
another school's admin (404), no CSRF token (403), erasing twice (harmless, no second event).
"""
from __future__ import annotations

import hashlib
import io
import re
import zipfile

import httpx
import pytest

from issuer.accounts import repo as accounts_repo
from issuer.accounts import service as accounts
from issuer.evidence import repo as evidence_repo
from issuer.storage import FileStore
from tests.web.award_support import RUBRIC, revoke
from tests.web.support import bearer

pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]

OWN = b"%PDF-1.4\n% my own lab notes\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SHARED = b"%PDF-1.4\n% the class handout\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def client(asgi_client):
    return asgi_client


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def as_session(client, token):
    client.cookies.clear()
    client.cookies.set("badges_session", token)


async def verify(client, doc_bytes: bytes) -> dict:
    async with httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url)) as anyone:
        r = await anyone.post("/verify", content=doc_bytes, headers={"content-type": "application/json"})
    assert r.status_code in (200, 422), r.text
    return r.json()


async def student_work(client, seed) -> dict:
    teacher, student = bearer(seed, "teacher"), bearer(seed, "student")
    r = await client.post("/api/achievements", headers=teacher, json={
        "name": "Investigator", "description": "Plans and analyses an investigation.",
        "criteria": "Both criteria at Proficient.", "rubric": RUBRIC, "subject": "Science"})
    assert r.status_code == 201, r.text
    achievement = r.json()["id"]
    r = await client.post("/api/submissions", headers=student, data={"achievement": achievement,
                                                                     "narrative": "My lab report"},
                          files=[("files", ("notes.pdf", OWN, "application/pdf")),
                                 ("files", ("handout.pdf", SHARED, "application/pdf"))])
    assert r.status_code == 201, r.text
    submission = r.json()["id"]
    r = await client.post(f"/api/submissions/{submission}/reviews", headers=teacher,
                          json={"ratings": {"plan": 3, "analysis": 3}, "feedback": "A careful plan, well argued."})
    assert r.status_code == 200 and r.json()["status"] == "awarded", r.text
    uuid = r.json()["credential"]["uuid"]
    # another student hands in the same handout: that file is theirs too
    token = await accounts.create_api_token(seed.ctx, school_id=seed.schools["north"].id, district_id=seed.district.id,
                                            role="student", user_id=seed.users[("north", "student", 1)]["id"],
                                            name="s1")
    r = await client.post("/api/submissions", headers=bearer_token(token), data={"achievement": achievement},
                          files=[("files", ("handout.pdf", SHARED, "application/pdf"))])
    assert r.status_code == 201, r.text
    r = await client.post("/api/elos", headers=student, json={
        "achievement": achievement, "partnerOrg": "City Museum", "mentorName": "Dr. Rivera",
        "mentorEmail": "rivera@example.org", "goals": "Catalogue the fossils", "hours": 10,
        "startDate": "2025-09-01", "endDate": "2025-12-01", "competencies": []})
    assert r.status_code == 201, r.text
    raw = (await client.get(f"/credentials/{uuid}")).content
    return {"uuid": uuid, "raw": raw, "submission": submission, "elo": r.json()["id"]}


def bearer_token(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


async def test_export_then_erase_keeps_what_the_badge_needs(client, seed, platform):
    work = await student_work(client, seed)
    student = seed.users[("north", "student", 0)]
    sid = student["id"]
    store = FileStore.from_settings(platform.settings)
    own, shared = hashlib.sha256(OWN).hexdigest(), hashlib.sha256(SHARED).hexdigest()
    assert store.path_for(own).is_file() and store.path_for(shared).is_file()

    # bad twins first: a teacher, another school's admin
    as_session(client, seed.session["teacher"])
    assert (await client.get(f"/admin/people/{sid}/privacy")).status_code == 403
    assert (await client.get(f"/admin/people/{sid}/privacy/export.zip")).status_code == 403
    south = await accounts.create_session(platform, seed.users[("south", "school_admin", 0)]["id"])
    as_session(client, south)
    assert (await client.get(f"/admin/people/{sid}/privacy")).status_code == 404
    assert (await client.get(f"/admin/people/{sid}/erase")).status_code == 404
    south_csrf = csrf_of((await client.get("/admin/people")).text)
    assert (await client.post(f"/admin/people/{sid}/erase", data={"csrf_token": south_csrf})).status_code == 404

    as_session(client, seed.session["school_admin"])
    people = await client.get("/admin/people")
    assert f'href="/admin/people/{sid}/privacy"' in people.text
    page = await client.get(f"/admin/people/{sid}/privacy")
    assert page.status_code == 200 and "Export their data" in page.text and 'href="/admin/privacy"' in page.text

    # the export: the student's own archive, the badge byte for byte, the files, the feedback
    r = await client.get(f"/admin/people/{sid}/privacy/export.zip")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(r.content))
    names = archive.namelist()
    [badge] = [n for n in names if n.startswith("badges/") and n.endswith(".json")]
    assert archive.read(badge) == work["raw"]
    contents = {archive.read(n) for n in names if "/files/" in n}
    assert OWN in contents and SHARED in contents
    [reviews] = [n for n in names if n.endswith("reviews.json")]
    assert "A careful plan, well argued." in archive.read(reviews).decode()

    # check your answers: what is deleted and what is kept, nothing done yet
    check = await client.get(f"/admin/people/{sid}/erase")
    assert check.status_code == 200
    for words in ("What is deleted", "What is kept, and why", "Uploaded files only they used",
                  "Issued badges, signed, byte for byte", "Their places in the status lists", "cannot be undone"):
        assert words in check.text, words
    assert (await accounts_repo.user_by_id(sid)).active
    csrf = csrf_of(check.text)
    assert (await client.post(f"/admin/people/{sid}/erase", data={})).status_code == 403  # no CSRF token

    done = await client.post(f"/admin/people/{sid}/erase", data={"csrf_token": csrf})
    assert done.status_code == 303 and done.headers["location"] == f"/admin/people/{sid}/privacy?done=erased"
    assert "evidence is erased and the account is closed" in (await client.get(done.headers["location"])).text

    # deleted: the narrative, the files record and bytes (own only), the feedback, the account's way in
    submission = await evidence_repo.get_submission(work["submission"])
    [version] = await evidence_repo.versions(submission.id)
    assert version.narrative == "" and version.files == [] and version.urls == []
    reviews_left = await evidence_repo.reviews_for_submission(submission.id)
    assert reviews_left and all(r.feedback == "" for r in reviews_left) and reviews_left[0].ratings  # ratings kept
    assert not store.path_for(own).exists() and store.path_for(shared).is_file()
    elo = await evidence_repo.get_elo(work["elo"])
    assert (elo.mentor_name, elo.mentor_email, elo.goals) == ("", "", "")
    erased = await accounts_repo.user_by_id(sid)
    assert erased.active is False and erased.email == "" and erased.erased_at is not None
    as_session(client, seed.session["student"])
    assert (await client.get("/student/badges")).status_code in (302, 303, 401)  # the session ended
    with pytest.raises(Exception):  # noqa: B017 - no password any more
        await accounts.login(platform, student["username"], "anything", ip="10.0.0.3")

    # kept: the badge verifies, byte for byte as served, and the school can still revoke it
    assert (await client.get(f"/credentials/{work['uuid']}")).content == work["raw"]
    body = await verify(client, work["raw"])
    assert body["verified"] is True, body
    events = [e for e in await accounts_repo.audit_events(school_id=seed.schools["north"].id, limit=200)
              if e.action == "user.erase"]
    assert len(events) == 1 and events[0].subject == student["username"]

    # twice: harmless, no second event
    as_session(client, seed.session["school_admin"])
    again = await client.post(f"/admin/people/{sid}/erase", data={"csrf_token": csrf})
    assert again.status_code == 303
    events = [e for e in await accounts_repo.audit_events(school_id=seed.schools["north"].id, limit=200)
              if e.action == "user.erase"]
    assert len(events) == 1
    assert "Erased on request" in (await client.get("/admin/people")).text

    await revoke(seed, work["uuid"])
    body = await verify(client, work["raw"])
    assert body["verified"] is False and any(c["id"] == "status" and c["outcome"] == "fail" for c in body["results"])


async def test_a_teacher_cannot_erase_and_a_non_student_is_not_erased_here(client, seed):
    sid = seed.users[("north", "student", 0)]["id"]
    as_session(client, seed.session["teacher"])
    page = await client.get("/teacher/reviews")
    assert (await client.post(f"/admin/people/{sid}/erase", data={"csrf_token": csrf_of(page.text)})).status_code == 403
    assert (await accounts_repo.user_by_id(sid)).active
    as_session(client, seed.session["school_admin"])
    teacher_id = seed.users[("north", "teacher", 0)]["id"]
    assert (await client.get(f"/admin/people/{teacher_id}/erase")).status_code == 404
    assert (await client.get("/admin/privacy")).status_code == 200
