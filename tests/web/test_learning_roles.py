"""Every learning endpoint with every role, and bad input → 4xx problem details, never 500."""
from __future__ import annotations

import pytest

from tests.web.learning_app import in_process_client
from tests.web.support import RUBRIC, bearer, setup_achievement

pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]


@pytest.fixture
async def client(seed):
    async with in_process_client(seed.ctx) as c:
        yield c


@pytest.fixture
async def south_teacher(seed, platform):
    from issuer.accounts import service as accounts

    u = seed.users[("south", "teacher", 0)]
    token = await accounts.create_api_token(platform, school_id=u["school"], district_id=seed.district.id, role="teacher",
                                            user_id=u["id"], name="south teacher")
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def other_student(seed, platform):
    from issuer.accounts import service as accounts

    u = seed.users[("north", "student", 1)]
    token = await accounts.create_api_token(platform, school_id=u["school"], district_id=seed.district.id, role="student",
                                            user_id=u["id"], name="student 1")
    return {"Authorization": f"Bearer {token}"}


def problem(r, status):
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["status"] == status


async def test_roles_on_every_endpoint(client, seed, south_teacher, other_student):
    a = await setup_achievement(client, seed)
    s = bearer(seed, "student")
    r = await client.post("/api/submissions", headers=s, data={"achievement": a["id"], "narrative": "mine"},
                          files={"files": ("a.txt", b"hello", "text/plain")})
    sub = r.json()
    sha = sub["versions"][0]["files"][0]["sha256"]
    sub_paths = [f"/api/submissions/{sub['id']}", f"/api/submissions/{sub['id']}/files/{sha}"]
    staff_gets = ["/api/reviews/queue", "/api/awards", "/api/frameworks", "/api/achievements",
                  f"/api/achievements/{a['id']}", "/api/elos", "/api/submissions", *sub_paths]
    for role in ("teacher", "school_admin", "district_admin"):
        for path in staff_gets:
            assert (await client.get(path, headers=bearer(seed, role))).status_code == 200, (role, path)
    for path in ["/api/submissions", "/api/awards", "/api/achievements", "/api/frameworks", "/api/elos",
                 *sub_paths]:
        assert (await client.get(path, headers=s)).status_code == 200, path
    for path in ["/api/reviews/queue", "/api/awards/bulk/00000000-0000-0000-0000-000000000000"]:
        problem(await client.get(path, headers=s), 403)
    # anonymous: 401 on the API, the public sharing routes stay public
    for path in staff_gets:
        problem(await client.get(path), 401)
    client.cookies.clear()  # without our cookies CSRF does not apply, so the guard answers
    problem(await client.post(f"/api/submissions/{sub['id']}/reviews", json={"ratings": {"plan": 3}}), 401)
    # a student sees only their own records, a teacher only their school's
    for path in sub_paths:
        problem(await client.get(path, headers=other_student), 404)
        problem(await client.get(path, headers=south_teacher), 404)
    assert (await client.get("/api/submissions", headers=other_student)).json() == []
    assert (await client.get("/api/reviews/queue", headers=south_teacher)).json() == []
    problem(await client.get(f"/api/achievements/{a['id']}", headers=south_teacher), 404)
    problem(await client.post(f"/api/submissions/{sub['id']}/reviews", headers=south_teacher,
                              json={"ratings": {"plan": 3, "analysis": 3}}), 404)
    problem(await client.post(f"/api/submissions/{sub['id']}/reviews", headers=s,
                              json={"ratings": {"plan": 3, "analysis": 3}}), 403)
    problem(await client.post("/api/achievements", headers=s, json={"name": "x", "description": "y",
                                                                    "rubric": RUBRIC}), 403)
    problem(await client.post(f"/api/submissions/{sub['id']}/versions", headers=other_student,
                              data={"narrative": "not mine"}), 404)
    problem(await client.post("/api/elos", headers=bearer(seed, "teacher"), json={
        "achievement": a["id"], "partnerOrg": "x", "mentorName": "y", "mentorEmail": "m@x.org", "goals": "g",
        "hours": 1, "startDate": "2025-01-01", "endDate": "2025-01-02"}), 403)


async def test_bad_input_is_4xx_never_500(client, seed):
    a = await setup_achievement(client, seed)
    s, t = bearer(seed, "student"), bearer(seed, "teacher")
    # wrong type (a Windows executable named .pdf), empty file, HTML posing as text
    problem(await client.post("/api/submissions", headers=s, data={"achievement": a["id"]},
                              files={"files": ("cv.pdf", b"MZ\x90\x00\x03" + bytes(200), "application/pdf")}), 415)
    problem(await client.post("/api/submissions", headers=s, data={"achievement": a["id"]},
                              files={"files": ("x.txt", b"<script>alert(1)</script>", "text/plain")}), 415)
    problem(await client.post("/api/submissions", headers=s, data={"achievement": a["id"]}), 422)
    # oversized
    limit = seed.ctx.settings.max_upload_bytes
    r = await client.post("/api/submissions", headers=s, data={"achievement": a["id"]},
                          files={"files": ("big.txt", b"a" * (limit + 1), "text/plain")})
    assert r.status_code == 413, r.text
    # path traversal in the filename: stored under its hash, the name is metadata only
    r = await client.post("/api/submissions", headers=s, data={"achievement": a["id"], "narrative": "n"},
                          files={"files": ("../../../etc/passwd", b"root:x:0:0", "text/plain")})
    assert r.status_code == 201, r.text
    f = r.json()["versions"][0]["files"][0]
    assert f["name"] == "passwd" and "/" not in f["name"]
    upload_dir = seed.ctx.settings.upload_dir
    assert (upload_dir / f["sha256"][:2] / f["sha256"]).read_bytes() == b"root:x:0:0"
    problem(await client.get(f"/api/submissions/{r.json()['id']}/files/..%2F..%2Fetc%2Fpasswd", headers=s), 404)
    # unknown ids
    for path in ["/api/submissions/not-a-uuid", "/api/submissions/00000000-0000-0000-0000-000000000000",
                 "/api/achievements/nope", "/api/frameworks/nope", "/api/elos/nope", "/badges/nope",
                 "/badges/00000000-0000-0000-0000-000000000000.png", "/badges/nope/qr.png",
                 "/achievements/nope", "/achievements/nope/image"]:
        problem(await client.get(path, headers=t), 404)
    problem(await client.post("/api/submissions", headers=s, data={"achievement": "nope", "narrative": "x"}), 404)
    # ratings off the scale / unknown criterion / bad rubric / bad framework kind
    sub = (await client.post("/api/submissions", headers=s, data={"achievement": a["id"], "narrative": "x"})).json()
    problem(await client.post(f"/api/submissions/{sub['id']}/reviews", headers=t,
                              json={"ratings": {"plan": 9, "analysis": 3}}), 422)
    problem(await client.post(f"/api/submissions/{sub['id']}/reviews", headers=t,
                              json={"ratings": {"plan": 3, "bogus": 3}}), 422)
    problem(await client.post(f"/api/submissions/{sub['id']}/reviews", headers=t, json={"ratings": "x"}), 400)
    problem(await client.post("/api/achievements", headers=t, json={
        "name": "x", "description": "y", "rubric": {"criteria": [{"id": "a b", "name": "", "requiredLevel": 7}]}}), 422)
    problem(await client.post("/api/frameworks", headers=t, json={"kind": "vibes", "name": "x"}), 422)
    problem(await client.post("/api/frameworks/import", headers=t, data={"format": "csv"},
                              files={"file": ("f.csv", b"\xff\xfe\x00garbage", "text/csv")}), 422)
    problem(await client.post("/api/frameworks/import", headers=t, data={"format": "case"},
                              files={"file": ("f.json", b"{not json", "application/json")}), 422)
    # badge images: script in SVG, external reference, not an image
    for body in (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
                 b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">'
                 b'<image x:href="https://evil.example/x.png"/></svg>',
                 b'<!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg"/>',
                 b"GIF89a not allowed"):
        r = await client.put(f"/api/achievements/{a['id']}/image", headers=t,
                             files={"file": ("i.svg", body, "image/svg+xml")})
        assert 400 <= r.status_code < 500, r.text
    # malformed bulk CSV, rows with errors (nothing issued)
    problem(await client.post("/api/awards/bulk", headers=t, files={"file": ("a.csv", b"name,x\n1,2\n", "text/csv")}), 422)
    bad = f"email,achievement,plan,analysis\nnobody@example.org,{a['id']},3,3\nnorth-student-0@example.org,{a['id']},2,x\n"
    r = await client.post("/api/awards/bulk", headers=t, files={"file": ("a.csv", bad.encode(), "text/csv")})
    problem(r, 422)
    assert [row["line"] for row in r.json()["rows"]] == [2, 3]
    assert (await client.get("/api/awards", headers=t)).json() == []


async def test_bulk_award_all_rows_then_progress(client, seed):
    import asyncio

    a = await setup_achievement(client, seed)
    t = bearer(seed, "teacher")
    csv_text = ("email,achievement,plan,analysis\n"
                f"north-student-0@example.org,{a['id']},3,4\nnorth-student-1@example.org,Investigator,4,4\n")
    r = await client.post("/api/awards/bulk", headers=t, files={"file": ("a.csv", csv_text.encode(), "text/csv")})
    assert r.status_code == 202, r.text
    job = r.json()
    for _ in range(200):
        status = (await client.get(f"/api/awards/bulk/{job['id']}", headers=t)).json()
        if status["status"] in ("done", "failed"):
            break
        await asyncio.sleep(0.05)
    assert status["status"] == "done" and status["issued"] == 2 and status["total"] == 2, status
    assert len((await client.get("/api/awards", headers=t)).json()) == 2
    # the same file again: every row already awarded, nothing new issued
    r = await client.post("/api/awards/bulk", headers=t, files={"file": ("a.csv", csv_text.encode(), "text/csv")})
    assert r.status_code == 202 and len(r.json()["skipped"]) == 2 and r.json()["status"] == "done"
    assert len((await client.get("/api/awards", headers=t)).json()) == 2
