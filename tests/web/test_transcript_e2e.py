"""Transcript end to end over HTTP, on the full issuer app with the verifier mounted (SQLite, and
PostgreSQL when reachable): badges earned through the real services, one revoked → transcript →
PDF read back → attached CLR verified (engine and POST /verify) → page-1 QR → verify page.
Then the bad twins: tampered attachment, tampered nested badge, revoked nested badge."""
from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.support import NOW
from tests.web import transcript_support as ts

pypdf = pytest.importorskip("pypdf")
pytest.importorskip("weasyprint")
pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]
HTML = {"accept": "text/html,application/xhtml+xml"}


# The transcript tests' replacements for two fixtures of tests/conftest.py: the https base URL, and
# the full app with its verifier bridged to itself (tests/web/transcript_support.py).
@pytest.fixture
def platform_settings(tmp_path, db_url):
    return ts.make_settings(tmp_path, db_url)


@pytest.fixture
async def client(seed, platform, platform_settings, db):
    async with ts.bridged_client(platform, platform_settings, db) as c:
        yield c


@pytest.fixture
async def world(client, seed):
    ids = await ts.seed_student(client, seed)
    await ts.revoke(seed, ids.quadratic)
    return ids


async def make_transcript(client, seed, role="student", **body):
    r = await client.post("/api/transcripts", headers=ts.bearer(seed.token[role]), json=body)
    assert r.status_code == 201, r.text
    return r.json()


async def test_transcript_pdf_attachment_qr_and_verifier(client, seed, world, platform):
    from badges.verification import CheckId
    from verifier.inputs_pdf import extract_credential

    student = ts.bearer(seed.token["student"])
    t = await make_transcript(client, seed)
    assert t["url"] == f"{ts.BASE}/transcripts/{t['id']}" == t["clrId"]

    r = await client.get(f"/transcripts/{t['id']}.json")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vc+ld+json")
    clr_json = r.content.decode("utf-8")
    clr = json.loads(clr_json)
    assert clr["type"] == ["VerifiableCredential", "ClrCredential"] and clr["id"] == t["clrId"]
    bundled = clr["credentialSubject"]["verifiableCredential"]
    assert sorted(b["name"] for b in bundled) == ["Linear Equations", "Team Player", "Workplace Learning"]
    stored = {b["id"]: b for b in bundled}
    for uuid in (world.linear, world.collab, world.elo):  # each badge unchanged, its own proof kept
        original = json.loads((await client.get(f"/credentials/{uuid}")).content)
        assert stored[original["id"]] == original

    r = await client.get(f"/transcripts/{t['id']}.pdf", headers=student)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    pdf = r.content
    text = ts.pdf_text(pdf)
    for words in ("Academic competencies", "Habits of work", "Extended learning", "How to read this transcript",
                  "Mathematics", "Solve linear equations", "4 · Exceeds", "3 · Proficient",
                  "Goes beyond the standard and applies it in new situations.", "North High School",
                  "North student 0", "Linear Equations", "Team Player", "Collaborates", "River Lab", "38 hours",
                  "Dr. Rivera", "Reliable, careful sampling every week"):
        assert words in text, words
    order = [text.index(h) for h in ("Academic competencies", "Habits of work", "Extended learning")]
    assert order == sorted(order)
    assert "Quadratic" not in text and "MATH.2" not in text  # the revoked badge is left out

    # the attached CLR is the served one, byte for byte, and it verifies with every nested badge
    attached = extract_credential(pdf)
    assert attached == clr_json
    report = await ts.engine_verify(client, attached, now=platform.clock.now())
    assert report.verified, [(c.id, c.message) for c in report.failures]
    assert report.check(CheckId.NESTED).outcome == "pass"
    assert len(report.nested) == 3 and all(n.verified for n in report.nested)
    assert all(n.check(CheckId.STATUS).outcome == "pass" for n in report.nested)
    r = await client.post("/verify", content=pdf, headers={"content-type": "application/pdf"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["verified"] is True and len(body["nested"]) == 3
    assert all(n["verified"] for n in body["nested"])

    # the page-1 QR code leads to the verifier page for this transcript, which says verified
    codes = ts.page_one_qr_codes(pdf)
    assert t["verifyUrl"] in codes
    qr = urlsplit(t["verifyUrl"])
    assert parse_qs(qr.query)["url"] == [t["jsonUrl"]]
    page = await client.get(f"{qr.path}?{qr.query}", headers=HTML)
    assert page.status_code == 200, page.text
    assert 'data-verified="true"' in page.text and "Verified" in page.text
    # the small per-badge codes hold the short link /v/<uuid>: 303 to the verifier page for that badge
    badge_codes = [c for c in codes if c != t["verifyUrl"]]
    assert badge_codes and all(urlsplit(c).path.startswith("/v/") for c in badge_codes)
    for code in badge_codes:
        uuid = urlsplit(code).path.rsplit("/", 1)[1]
        assert uuid in (world.linear, world.collab, world.elo)
        hop = await client.get(urlsplit(code).path, headers=HTML)
        assert hop.status_code == 303
        target = urlsplit(hop.headers["location"])
        assert target.path == "/verify" and parse_qs(target.query)["url"] == [f"{ts.BASE}/credentials/{uuid}"]
        page = await client.get(hop.headers["location"], headers=HTML)
        assert page.status_code == 200 and 'data-verified="true"' in page.text, page.text[:500]
    # bad twins: an unknown or malformed id is a clear 404, not a verifier page that fails later
    missing = await client.get("/v/00000000-0000-4000-8000-0000000000ff")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/problem+json")
    assert (await client.get("/v/not-a-uuid")).status_code == 404

    # HTML view for the student
    r = await client.get(f"/transcripts/{t['id']}", headers=student)
    assert r.status_code == 200 and "Linear Equations" in r.text and "Quadratic" not in r.text


async def test_tampering_fails_with_the_right_named_check(client, seed, world, platform):
    from badges.signing import sign
    from badges.verification import CheckId
    from issuer.schools.identity import signer_for
    from verifier.inputs_pdf import extract_credential

    t = await make_transcript(client, seed)
    pdf = (await client.get(f"/transcripts/{t['id']}.pdf", headers=ts.bearer(seed.token["student"]))).content
    clr_json = extract_credential(pdf)
    now = platform.clock.now()

    # 1. a tampered attachment: the school's signature over the CLR no longer holds
    doc = json.loads(clr_json)
    doc["credentialSubject"]["identifier"][0]["identityHash"] = "Somebody Else"
    tampered_pdf = ts.replace_attachment(pdf, json.dumps(doc, separators=(",", ":")).encode())
    r = await client.post("/verify", content=tampered_pdf, headers={"content-type": "application/pdf"})
    assert r.status_code == 422
    failed = {c["id"] for c in r.json()["results"] if c["outcome"] == "fail"}
    assert failed == {"proof"}, r.json()["results"]
    good = await client.post("/verify", content=pdf, headers={"content-type": "application/pdf"})
    assert good.status_code == 200  # the twin

    # 2. a tampered nested badge (the CLR even re-signed by the school): the nested check names it
    doc = json.loads(clr_json)
    linear = next(b for b in doc["credentialSubject"]["verifiableCredential"] if b["name"] == "Linear Equations")
    linear["credentialSubject"]["result"][0]["achievedLevel"] = linear["credentialSubject"]["result"][0][
        "achievedLevel"].replace("/levels/4", "/levels/3")
    del doc["proof"]
    resigned = json.dumps(sign(doc, signer=await signer_for(platform, seed.schools["north"].id), created=now))
    report = await ts.engine_verify(client, resigned, now=now)
    assert [c.id for c in report.failures] == [CheckId.NESTED]
    bad = [n for n in report.nested if not n.verified]
    assert len(bad) == 1 and bad[0].credential["name"] == "Linear Equations" and bad[0].failed(CheckId.PROOF)
    r = await client.post("/verify", content=ts.replace_attachment(pdf, resigned.encode()),
                          headers={"content-type": "application/pdf"})
    assert r.status_code == 422
    assert {c["id"] for c in r.json()["results"] if c["outcome"] == "fail"} == {"nested"}

    # 3. a nested badge revoked after the transcript was made: the same PDF now fails, nested → status
    await ts.revoke(seed, world.collab)
    report = await ts.engine_verify(client, clr_json, now=now)
    assert [c.id for c in report.failures] == [CheckId.NESTED]
    bad = [n for n in report.nested if not n.verified]
    assert len(bad) == 1 and bad[0].credential["name"] == "Team Player"
    assert [c.id for c in bad[0].failures] == [CheckId.STATUS]
    r = await client.post("/verify", content=pdf, headers={"content-type": "application/pdf"})
    assert r.status_code == 422
    assert {c["id"] for c in r.json()["results"] if c["outcome"] == "fail"} == {"nested"}
    revoked = [n for n in r.json()["nested"] if not n["verified"]]
    assert [c["id"] for c in revoked[0]["results"] if c["outcome"] == "fail"] == ["status"]
    # a transcript made now leaves it out, and verifies again
    fresh = await make_transcript(client, seed)
    fresh_json = (await client.get(f"/transcripts/{fresh['id']}.json")).content.decode()
    assert "Team Player" not in fresh_json
    assert (await ts.engine_verify(client, fresh_json, now=now)).verified


async def test_who_may_see_and_make_transcripts(client, seed, world, platform):
    def who(slug, role, n=0):
        return seed.users[(slug, role, n)]

    t = await make_transcript(client, seed)
    own = ts.bearer(seed.token["student"])
    teacher = ts.bearer(seed.token["teacher"])
    from issuer.accounts import service as accounts

    async def token(slug, role, n=0):
        user = who(slug, role, n)
        return ts.bearer(await accounts.create_api_token(platform, school_id=user["school"], district_id=user["district"],
                                                         role=role, user_id=user["id"], name="t"))

    other_student = await token("north", "student", 1)
    south_teacher = await token("south", "teacher")
    for path in (f"/transcripts/{t['id']}", f"/transcripts/{t['id']}.pdf"):
        assert (await client.get(path, headers=own)).status_code == 200
        assert (await client.get(path, headers=teacher)).status_code == 200
        assert (await client.get(path, headers=other_student)).status_code == 404
        assert (await client.get(path, headers=south_teacher)).status_code == 404
        assert (await client.get(path)).status_code == 401
    # the signed JSON is public by its id: the QR code sends any verifier there
    assert (await client.get(f"/transcripts/{t['id']}.json")).status_code == 200
    assert (await client.get("/transcripts/00000000-0000-0000-0000-000000000000.json")).status_code == 404
    assert (await client.get("/transcripts/not-a-uuid.json")).status_code == 404
    # lists are scoped the same way
    assert [x["id"] for x in (await client.get("/api/transcripts", headers=own)).json()] == [t["id"]]
    assert (await client.get("/api/transcripts", headers=other_student)).json() == []
    assert (await client.get("/api/transcripts", headers=south_teacher)).json() == []
    assert [x["id"] for x in (await client.get("/api/transcripts", headers=teacher)).json()] == [t["id"]]

    # making one: a student only for themself, a teacher only for a student of their school
    me = who("north", "student")
    r = await client.post("/api/transcripts", headers=other_student, json={"student": me["id"]})
    assert r.status_code == 404
    r = await client.post("/api/transcripts", headers=south_teacher, json={"student": me["email"]})
    assert r.status_code == 404
    made = await make_transcript(client, seed, "teacher", student=me["email"])
    assert made["learner"] == me["id"]
    r = await client.post("/api/transcripts", headers=teacher, json={})
    assert r.status_code == 422
    r = await client.post("/api/transcripts", headers=other_student, json={})
    assert r.status_code == 409  # no badges yet: nothing to sign
    assert r.headers["content-type"].startswith("application/problem+json")
    r = await client.post("/api/transcripts", json={})
    assert r.status_code == 401
    # bad input is a 4xx problem, never a 500
    for body in ([1, 2], {"student": ["x"]}, "not json"):
        r = await client.post("/api/transcripts", headers=teacher,
                              **({"content": body} if isinstance(body, str) else {"json": body}))
        assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json"), r.text
    assert (await client.post("/api/transcripts", headers=teacher, json={"student": "nobody@example.org"})
            ).status_code == 404
    for path in ("/api/transcripts/nope/shares", f"/api/transcripts/{t['id']}/shares/999999/revoke"):
        assert (await client.post(path, headers=own, json={})).status_code == 404
    assert (await client.get(f"/transcripts/{t['id']}.xml", headers=own)).status_code == 404
    assert (await client.get("/api/transcript-jobs/nope", headers=teacher)).status_code == 404


async def test_share_links_verify_live_and_stop_when_revoked_or_expired(client, seed, world, platform):
    t = await make_transcript(client, seed)
    own = ts.bearer(seed.token["student"])
    r = await client.post(f"/api/transcripts/{t['id']}/shares", headers=own,
                          json={"expiresInDays": 7, "label": "State University admissions"})
    assert r.status_code == 201, r.text
    share = r.json()
    path = urlsplit(share["url"]).path
    page = await client.get(path)  # no account
    assert page.status_code == 200, page.text
    assert page.headers["x-verified"] == "true" and page.headers["referrer-policy"] == "no-referrer"
    assert "check out" in page.text and "Linear Equations" in page.text
    assert page.text.count("Checked just now: verified") == 3
    pdf = await client.get(path + ".pdf")  # the visitor downloads the PDF through the link
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert f'href="{share["url"]}.pdf"' in page.text
    # a badge revoked after sharing: the page says so, live
    await ts.revoke(seed, world.elo)
    page = await client.get(path)
    assert page.status_code == 200 and page.headers["x-verified"] == "false"
    assert "does NOT verify" in page.text and "Workplace Learning" not in page.text.split("Extended learning")[-1]

    # revoked → 410; others are unaffected
    other = (await client.post(f"/api/transcripts/{t['id']}/shares", headers=ts.bearer(seed.token["teacher"]),
                               json={"expiresInDays": 1})).json()
    listed = (await client.get(f"/api/transcripts/{t['id']}/shares", headers=own)).json()
    assert {s["id"] for s in listed} == {share["id"], other["id"]} and all("url" not in s for s in listed)
    r = await client.post(f"/api/transcripts/{t['id']}/shares/{share['id']}/revoke", headers=own)
    assert r.status_code == 200 and r.json()["revokedAt"]
    gone = await client.get(path)
    assert gone.status_code == 410 and "no longer valid" in gone.text
    assert (await client.get(path + ".pdf")).status_code == 410
    assert (await client.get(urlsplit(other["url"]).path)).status_code == 200
    # expired → 410
    platform.clock.advance(days=1, seconds=1)
    assert (await client.get(urlsplit(other["url"]).path)).status_code == 410
    # unknown → 404; someone else's transcript cannot be shared
    assert (await client.get("/share/" + "x" * 43)).status_code == 404
    r = await client.post(f"/api/transcripts/{t['id']}/shares", headers=ts.bearer(
        await __import__("issuer.accounts.service", fromlist=["x"]).create_api_token(platform,
            school_id=seed.schools["south"].id, district_id=seed.district.id, role="teacher",
            user_id=seed.users[("south", "teacher", 0)]["id"], name="s")), json={})
    assert r.status_code == 404
    for bad in ({"expiresInDays": 0}, {"expiresInDays": 10_000}, {"expiresAt": "2020-01-01T00:00:00Z"}):
        r = await client.post(f"/api/transcripts/{t['id']}/shares", headers=own, json=bad)
        assert r.status_code == 422, (bad, r.text)


async def test_cohort_job_runs_in_the_background_with_progress(client, seed, world, db):
    if db.engine_type != "sqlite":
        pytest.skip("spawns worker processes: once is enough (the job's queries are covered by the other tests)")
    from issuer.transcripts import cohort

    teacher = ts.bearer(seed.token["teacher"])
    r = await client.post("/api/transcript-jobs", headers=teacher, json={})
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["total"] == 2 and job["status"] in ("queued", "running")
    # the URL the 202 gives answers (it named /api/transcripts/cohort/<id>, a 404, before)
    assert urlsplit(job["url"]).path == r.headers["location"] == f"/api/transcript-jobs/{job['id']}"
    assert (await client.get(urlsplit(job["url"]).path, headers=teacher)).status_code == 200
    page = await client.get(urlsplit(job["url"]).path, headers={**teacher, **HTML})
    assert page.status_code == 200 and "Transcripts for a cohort" in page.text and "of 2 students done" in page.text
    done = await cohort.wait_for_job(job["id"], timeout=300)
    assert done.status == "done", done
    r = await client.get(f"/api/transcript-jobs/{job['id']}", headers=teacher)
    body = r.json()
    assert body["processed"] == 2 and body["succeeded"] == 1
    assert body["errors"] == [{"student": str(seed.users[("north", "student", 1)]["id"]),
                               "error": "no valid badges yet"}]
    made = (await client.get("/api/transcripts", headers=ts.bearer(seed.token["student"]))).json()
    assert len(made) == 1
    r = await client.get(f"/transcripts/{made[0]['id']}.json")
    assert r.status_code == 200  # the cohort's transcripts are stored, so their QR codes resolve
    report = await ts.engine_verify(client, r.content.decode(), now=NOW)
    assert report.verified, [(c.id, c.message) for c in report.failures]
    assert (await client.get(f"/api/transcript-jobs/{job['id']}", headers=ts.bearer(seed.token["student"]))
            ).status_code == 403


async def test_student_page_makes_shares_and_withdraws(client, seed, world):
    import re

    client.cookies.set("badges_session", seed.session["student"], domain="school.example")
    page = await client.get("/student/transcripts")
    assert page.status_code == 200 and "No transcript yet" in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    assert (await client.post("/student/transcripts", data={})).status_code == 403  # no CSRF token
    r = await client.post("/student/transcripts", data={"csrf_token": csrf})
    assert r.status_code == 303 and r.headers["location"].startswith("/transcripts/")
    view = await client.get(r.headers["location"])
    assert view.status_code == 200 and "Linear Equations" in view.text
    t_uuid = r.headers["location"].rsplit("/", 1)[-1]
    r = await client.post(f"/student/transcripts/{t_uuid}/shares",
                          data={"csrf_token": csrf, "label": "State University", "days": "7"})
    assert r.status_code == 201, r.text
    url = re.search(r'value="(https://school\.example/share/[^"]+)"', r.text).group(1)
    client.cookies.clear()
    shared = await client.get(urlsplit(url).path)  # no account
    assert shared.status_code == 200 and shared.headers["x-verified"] == "true"
    client.cookies.set("badges_session", seed.session["student"], domain="school.example")
    page = await client.get("/student/transcripts")
    assert "State University" in page.text and ">Active</span>" in page.text
    share_id = re.search(rf"/student/transcripts/{t_uuid}/shares/(\d+)/revoke", page.text).group(1)
    r = await client.post(f"/student/transcripts/{t_uuid}/shares/{share_id}/revoke", data={"csrf_token": csrf})
    assert r.status_code == 303
    assert ">Withdrawn</span>" in (await client.get("/student/transcripts")).text
    client.cookies.clear()
    assert (await client.get(urlsplit(url).path)).status_code == 410
    r = await client.post(f"/student/transcripts/{t_uuid}/shares", data={"days": "7"})
    assert r.status_code == 401


async def test_the_apps_own_mounted_verifier_verifies_the_transcript(seed, platform, platform_settings, db, client,
                                                                    world):
    """As deployed: no stand-in network, the verifier ``create_app`` mounts reads our own documents."""
    from issuer.app import create_app

    t = await make_transcript(client, seed)
    pdf = (await client.get(f"/transcripts/{t['id']}.pdf", headers=ts.bearer(seed.token["student"]))).content
    app = create_app(platform_settings, clock=platform.clock, engine=db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ts.BASE) as plain:
        r = await plain.post("/verify", content=pdf, headers={"content-type": "application/pdf"})
        assert r.status_code == 200 and r.json()["verified"] and len(r.json()["nested"]) == 3, r.text
        qr = urlsplit(t["verifyUrl"])
        page = await plain.get(f"{qr.path}?{qr.query}", headers=HTML)
        assert page.status_code == 200 and 'data-verified="true"' in page.text
        await ts.revoke(seed, world.linear)
        r = await plain.post("/verify", content=pdf, headers={"content-type": "application/pdf"})
        assert r.status_code == 422
        assert {c["id"] for c in r.json()["results"] if c["outcome"] == "fail"} == {"nested"}


async def test_a_resumed_cohort_job_skips_the_students_it_finished(client, seed, world, db, platform, monkeypatch):
    """A cohort job stopped after storing a transcript (its lease then runs out) is resumed by
    another runner: the finished student is not signed again, and the job ends done."""
    if db.engine_type != "sqlite":
        pytest.skip("spawns worker processes: once is enough (the job's queries are covered by the other tests)")
    from datetime import timedelta

    from issuer.access import Principal, Role
    from issuer.db.tables import Transcript, TranscriptJob
    from issuer.jobs import JobRunner, wall_now
    from issuer.transcripts import cohort
    from issuer.transcripts import repo as repo_transcripts

    teacher = seed.users[("north", "teacher", 0)]
    who = Principal(role=Role.TEACHER, id=teacher["id"], school_id=teacher["school"], district_id=seed.district.id,
                    via="token")
    first = await cohort.start_cohort(platform, who, background=False, workers=1)
    assert first.status == "done" and first.succeeded == 1, first
    made = await Transcript.count().where(Transcript.cohort_job == first.id)
    assert made == 1
    # as a kill -9 right after the transcript was stored: running, stale progress, a dead lease
    await TranscriptJob.update({TranscriptJob.status: "running", TranscriptJob.processed: 0,
                                TranscriptJob.succeeded: 0, TranscriptJob.finished_at: None,
                                TranscriptJob.lease_owner: "dead:1:0",
                                TranscriptJob.lease_until: wall_now() - timedelta(seconds=1)}).where(
        TranscriptJob.id == first.id)
    rendered = []
    real = cohort.engine.generate_cohort
    monkeypatch.setattr(cohort.engine, "generate_cohort",
                        lambda jobs, **kw: rendered.extend(j.stem for j in jobs) or real(jobs, **kw))
    assert await JobRunner().sweep(platform) == 1
    resumed = await repo_transcripts.job(first.uuid)
    assert resumed.status == "done" and resumed.succeeded == 1 and resumed.processed == 2, resumed
    assert rendered == []  # the finished student was skipped, nobody else has badges
    assert await Transcript.count().where(Transcript.cohort_job == first.id) == 1
    assert [e.error for e in resumed.errors] == ["no valid badges yet"]
    # bad twin: a new job for the same cohort signs the student's transcript again
    second = await cohort.start_cohort(platform, who, background=False, workers=1)
    assert second.succeeded == 1 and rendered == [str(seed.users[("north", "student", 0)]["id"])]
    assert await Transcript.count().where(Transcript.cohort_job == second.id) == 1
