"""Over HTTP: every platform URL inside an issued badge answers (a page for a browser, JSON for
``Accept: application/json``); an unknown id is a 404 problem. Then privacy on the public badge
page (no revocation reason; evidence files as the student chooses), blind second rating in the
API and pages, areas kept apart, and a badge held no longer blocks new work."""
from __future__ import annotations

import io
import json
import re
import uuid
from urllib.parse import urlsplit

import pytest

from tests.web.learning_app import in_process_client
from tests.web.support import RUBRIC, bearer

pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]

BASE = "http://127.0.0.1:8000"
HTML = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
JSON = {"accept": "application/json"}


@pytest.fixture
async def client(seed):
    async with in_process_client(seed.ctx) as c:
        yield c


def png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (30, 80, 120)).save(out, format="PNG")
    return out.getvalue()


async def achievement(client, seed, *, area="academic", kind="academic", second_rater=False, name="Investigator"):
    t = bearer(seed, "teacher")
    r = await client.post("/api/frameworks", headers=t, json={
        "kind": kind, "name": "Science practices", "version": "2025",
        "competencies": [{"code": "SP.3", "name": "Plan and carry out investigations", "description": "Plans."}]})
    assert r.status_code == 201, r.text
    r = await client.post("/api/achievements", headers=t, json={
        "name": name, "description": "Plans and analyses an investigation.", "rubric": RUBRIC,
        "alignments": [r.json()["competencies"][0]["id"]], "area": area, "subject": "Science",
        "secondRater": second_rater})
    assert r.status_code == 201, r.text
    return r.json()


async def classroom_badge(client, seed, a, ratings=None) -> str:
    s, t = bearer(seed, "student"), bearer(seed, "teacher")
    r = await client.post("/api/submissions", headers=s, data={"achievement": a["id"], "narrative": "My lab"},
                          files={"files": ("lab.txt", b"observations", "text/plain")})
    assert r.status_code == 201, r.text
    r = await client.post(f"/api/submissions/{r.json()['id']}/reviews", headers=t,
                          json={"ratings": ratings or {"plan": 3, "analysis": 4}, "feedback": "Good"})
    assert r.status_code == 200 and r.json()["status"] == "awarded", r.text
    return r.json()["credential"]["uuid"]


async def elo_badge(client, seed, a) -> str:
    s, t = bearer(seed, "student"), bearer(seed, "teacher")
    r = await client.post("/api/elos", headers=s, json={
        "achievement": a["id"], "partnerOrg": "River Lab", "mentorName": "Dr. Rivera",
        "mentorEmail": "rivera@riverlab.example", "goals": "Sample water", "hours": 40,
        "startDate": "2025-09-01", "endDate": "2025-12-01"})
    assert r.status_code == 201, r.text
    link = (await client.post(f"/api/elos/{r.json()['id']}/decision", headers=t, json={"approve": True})).json()
    token = link["mentorLink"].rsplit("/", 1)[-1]
    from issuer.evidence import elos

    # the context the test app serves (tests/web/learning_app.py)
    sub = (await elos.attest(seed.ctx, token, statement="Careful", hours=38, confirm=True)).submission
    r = await client.post(f"/api/submissions/{sub.uuid}/reviews", headers=t,
                          json={"ratings": {"plan": 4, "analysis": 4}})
    assert r.status_code == 200 and r.json()["status"] == "awarded", r.text
    return r.json()["credential"]["uuid"]


def platform_urls(doc) -> set[str]:
    found: set[str] = set()

    def walk(value):
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, str) and value.startswith(BASE + "/"):
            found.add(value.split("#", 1)[0])

    walk(doc)
    return found


def is_file(r) -> bool:
    return (r.headers["content-type"].startswith("image/")
            or r.headers.get("content-disposition", "").startswith("attachment"))


async def test_every_platform_url_in_a_badge_answers_with_a_page_and_json(client, seed):
    a = await achievement(client, seed)
    r = await client.put(f"/api/achievements/{a['id']}/image", headers=bearer(seed, "teacher"),
                         files={"file": ("badge.png", png(), "image/png")})
    assert r.status_code == 200, r.text
    elo_a = await achievement(client, seed, area="elo", kind="elo", name="Field scientist")
    urls: set[str] = set()
    for c_uuid in (await classroom_badge(client, seed, a), await elo_badge(client, seed, elo_a)):
        doc = json.loads((await client.get(f"/credentials/{c_uuid}")).content)
        urls |= platform_urls(doc)
    paths = {urlsplit(u).path for u in urls}
    # every kind of link the platform writes into a badge is among them
    for part in ("/frameworks/", "/partners/", "/rubric/plan", "/rubric/plan/levels/3", "/rubric/total",
                 "/achievements/", "/badges/", "/credentials/", "/status/"):
        assert any(part in p for p in paths), (part, sorted(paths))
    for path in sorted(paths):
        html = await client.get(path, headers=HTML, follow_redirects=True)
        assert html.status_code == 200, (path, html.status_code, html.text[:200])
        signed = path.startswith("/status/")  # a signed status list is served as signed, to anyone
        if not (is_file(html) or signed):
            assert html.headers["content-type"].startswith("text/html"), path
            assert "<h1" in html.text, path
        data = await client.get(path, headers=JSON, follow_redirects=True)
        assert data.status_code == 200, (path, data.status_code, data.text[:200])
        if not is_file(data):
            assert "json" in data.headers["content-type"], path
            body = json.loads(data.content)
            assert isinstance(body, dict) and body, path
    # the definitions say what they define
    level = next(p for p in paths if p.endswith("/rubric/plan/levels/3"))
    assert (await client.get(level, headers=JSON)).json()["name"] == "Proficient"
    comp = next(p for p in paths if p.startswith("/frameworks/"))
    assert (await client.get(comp, headers=JSON)).json()["code"] == "SP.3"
    partner = next(p for p in paths if p.startswith("/partners/"))
    body = (await client.get(partner, headers=JSON)).json()
    assert body["name"] == "River Lab" and "rivera@" not in json.dumps(body)


async def test_unknown_ids_behind_badge_links_are_404_problems(client, seed):
    a = await achievement(client, seed)
    fw = (await client.get("/api/frameworks", headers=bearer(seed, "teacher"))).json()[0]
    nobody = str(uuid.uuid4())
    for path in (f"/frameworks/{nobody}/competencies/SP.3", f"/frameworks/{fw['id']}/competencies/NOPE",
                 "/frameworks/not-a-uuid/competencies/SP.3", f"/partners/{nobody}", "/partners/not-a-uuid",
                 f"/achievements/{nobody}", "/achievements/not-a-uuid", f"/achievements/{nobody}/rubric/plan",
                 f"/achievements/{a['id']}/rubric/nope", f"/achievements/{a['id']}/rubric/plan/levels/9",
                 f"/achievements/{a['id']}/rubric/plan/levels/x"):
        for accept in (HTML, JSON):
            r = await client.get(path, headers=accept)
            assert r.status_code == 404, (path, r.status_code, r.text[:200])
            assert r.headers["content-type"].startswith("application/problem+json")
            assert r.json()["status"] == 404
    # the good twin of the first: the competency exists
    assert (await client.get(f"/frameworks/{fw['id']}/competencies/SP.3", headers=JSON)).status_code == 200
    # an archived badge class still answers: the badges issued for it name it
    from issuer.catalog import repo as catalog_repo

    await catalog_repo.update_achievement((await catalog_repo.get_achievement(a["id"])).id, archived=True)
    for path in (f"/achievements/{a['id']}", f"/achievements/{a['id']}/rubric/plan/levels/3"):
        assert (await client.get(path, headers=JSON)).status_code == 200


async def test_a_plan_not_yet_attested_has_no_partner_page(client, seed):
    a = await achievement(client, seed, area="elo", kind="elo")
    r = await client.post("/api/elos", headers=bearer(seed, "student"), json={
        "achievement": a["id"], "partnerOrg": "Secret Lab", "mentorName": "M", "mentorEmail": "m@lab.example",
        "goals": "g", "hours": 1, "startDate": "2025-09-01", "endDate": "2025-09-02"})
    assert (await client.get(f"/partners/{r.json()['id']}", headers=JSON)).status_code == 404


# --- privacy -----------------------------------------------------------------------------------

async def as_session(platform, client, seed, user_key):
    from issuer.accounts import service as accounts

    client.cookies.clear()
    if user_key is not None:
        client.cookies.set("badges_session", await accounts.create_session(platform, seed.users[user_key]["id"]))


async def test_public_page_says_revoked_but_not_why(client, seed):
    c_uuid = await classroom_badge(client, seed, await achievement(client, seed))
    from issuer.credentials import repo as credentials_repo
    from issuer.credentials import status

    page = await client.get(f"/badges/{c_uuid}", headers=HTML)
    assert page.status_code == 200 and "revoked" not in page.text
    row = await credentials_repo.get_credential(c_uuid)
    await status.revoke(seed.ctx, row.id, reason="Plagiarism found in the lab report",
                        actor_id=seed.users[("north", "school_admin", 0)]["id"])
    page = await client.get(f"/badges/{c_uuid}", headers=HTML)
    assert "This badge has been revoked" in page.text and "Plagiarism" not in page.text


async def test_evidence_files_follow_the_students_choice(client, seed, platform):
    c_uuid = await classroom_badge(client, seed, await achievement(client, seed))
    doc = json.loads((await client.get(f"/credentials/{c_uuid}")).content)
    file_path = urlsplit(next(e["id"] for e in doc["evidence"] if "/evidence/" in e["id"])).path
    owner, other, teacher, south = (("north", "student", 0), ("north", "student", 1), ("north", "teacher", 0),
                                    ("south", "teacher", 0))

    async def sees(who) -> bool:
        await as_session(platform, client, seed, who)
        r = await client.get(file_path)
        assert r.status_code in (200, 403), r.text
        page = (await client.get(f"/badges/{c_uuid}", headers=HTML)).text
        assert (file_path in page) == (r.status_code == 200)
        return r.status_code == 200

    # default: whoever has the badge's link sees the files
    assert [await sees(w) for w in (None, other, owner, teacher, south)] == [True] * 5
    await as_session(platform, client, seed, None)
    assert "evidence-sharing" not in (await client.get(f"/badges/{c_uuid}", headers=HTML)).text
    await as_session(platform, client, seed, owner)
    assert "evidence-sharing" in (await client.get(f"/badges/{c_uuid}", headers=HTML)).text  # the switch
    client.cookies.clear()
    # only the student may flip it
    r = await client.post(f"/badges/{c_uuid}/evidence-sharing", headers=bearer(seed, "teacher"), data={"shared": "no"})
    assert r.status_code == 403
    r = await client.post(f"/badges/{c_uuid}/evidence-sharing", headers=bearer(seed, "student") | JSON,
                          data={"shared": "maybe"})
    assert r.status_code == 422
    r = await client.post(f"/badges/{c_uuid}/evidence-sharing", headers=bearer(seed, "student") | JSON,
                          data={"shared": "no"})
    assert r.status_code == 200 and r.json() == {"evidenceShared": False}
    assert [await sees(w) for w in (None, other, owner, teacher, south)] == [False, False, True, True, False]
    await as_session(platform, client, seed, None)
    assert "keeps this file private" in (await client.get(f"/badges/{c_uuid}", headers=HTML)).text
    r = await client.get(file_path)
    assert r.status_code == 403 and r.json()["status"] == 403
    # the switch on the badge page, as a signed-in student uses it (a form with its CSRF token)
    import re

    await as_session(platform, client, seed, owner)
    r = await client.post(f"/badges/{c_uuid}/evidence-sharing", headers=HTML, data={"shared": "yes"})
    assert r.status_code == 403  # no CSRF token: refused, nothing changed
    assert not await sees(None)
    await as_session(platform, client, seed, owner)
    page = (await client.get(f"/badges/{c_uuid}", headers=HTML)).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = await client.post(f"/badges/{c_uuid}/evidence-sharing", headers=HTML,
                          data={"shared": "yes", "csrf_token": csrf})
    assert r.status_code == 303 and r.headers["location"] == f"/badges/{c_uuid}"
    assert await sees(None)


# --- blind second rating, areas, a held badge no longer blocks new work --------------------------

async def test_second_rater_is_blind_in_the_api_and_the_page(client, seed, platform):
    a = await achievement(client, seed, second_rater=True)
    r = await client.post("/api/submissions", headers=bearer(seed, "student"), data={"achievement": a["id"],
                                                                                      "narrative": "Work"})
    sub = r.json()["id"]
    r = await client.post(f"/api/submissions/{sub}/reviews", headers=bearer(seed, "teacher"),
                          json={"ratings": {"plan": 3, "analysis": 3}, "feedback": "First rater's secret note"})
    assert r.json()["status"] == "needs_second"
    second = (await client.get(f"/api/submissions/{sub}", headers=bearer(seed, "school_admin"))).json()
    assert second["reviews"] == [] and "secret" not in json.dumps(second)
    first = (await client.get(f"/api/submissions/{sub}", headers=bearer(seed, "teacher"))).json()
    assert first["reviews"][0]["feedback"] == "First rater's secret note"
    await as_session(platform, client, seed, ("north", "school_admin", 0))
    page = await client.get(f"/teacher/submissions/{sub}", headers=HTML)
    assert page.status_code == 200 and "secret" not in page.text and "North teacher 0" not in page.text
    assert "blind second rating" in page.text
    client.cookies.clear()
    r = await client.post(f"/api/submissions/{sub}/reviews", headers=bearer(seed, "school_admin"),
                          json={"ratings": {"plan": 3, "analysis": 3}})
    assert r.json()["status"] == "awarded"
    both = (await client.get(f"/api/submissions/{sub}", headers=bearer(seed, "school_admin"))).json()
    assert len(both["reviews"]) == 2 and "secret" in json.dumps(both)


async def test_the_rating_page_lists_each_file_with_its_type_and_size(platform, client, seed):
    a = await achievement(client, seed)
    r = await client.post("/api/submissions", headers=bearer(seed, "student"),
                          data={"achievement": a["id"], "narrative": "Work"},
                          files={"files": ("lab.txt", b"observations", "text/plain")})
    assert r.status_code == 201, r.text
    await as_session(platform, client, seed, ("north", "teacher", 0))
    page = await client.get(f"/teacher/submissions/{r.json()['id']}", headers=HTML)
    assert page.status_code == 200, page.text
    assert re.search(r">lab\.txt</a>\s*(<small>)?\(text/plain, 12 bytes\)", page.text), page.text


async def test_academic_achievement_aligning_habits_is_refused_with_a_reason(client, seed):
    t = bearer(seed, "teacher")
    habits = (await client.post("/api/frameworks", headers=t, json={
        "kind": "habits", "name": "Habits", "competencies": [{"code": "H.1", "name": "Collaboration"}]})).json()
    body = {"name": "Algebra", "description": "Solves equations", "rubric": RUBRIC,
            "alignments": [habits["competencies"][0]["id"]], "area": "academic"}
    r = await client.post("/api/achievements", headers=t, json=body)
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert "cannot align habits of work competencies" in r.json()["detail"]
    r = await client.post("/api/achievements", headers=t, json=body | {"area": "habits"})
    assert r.status_code == 201, r.text


async def test_a_badge_held_does_not_block_new_work(client, seed):
    a = await achievement(client, seed)
    first = await classroom_badge(client, seed, a, {"plan": 3, "analysis": 3})
    second = await classroom_badge(client, seed, a, {"plan": 4, "analysis": 4})  # the POST was a 409
    assert first != second
    r = await client.post("/api/submissions", headers=bearer(seed, "student"), data={"achievement": a["id"],
                                                                                      "narrative": "Same again"})
    r = await client.post(f"/api/submissions/{r.json()['id']}/reviews", headers=bearer(seed, "teacher"),
                          json={"ratings": {"plan": 3, "analysis": 3}})
    assert r.status_code == 200 and r.json()["status"] == "already_held" and r.json()["credential"] is None
    assert r.json()["heldCredential"]["uuid"] == second
