"""Blind second rating and moderation on the teacher's pages, over HTTP on the full app (issue 13).

An achievement with ``secondRater`` on: the first rating sends the work to "Waiting for a second
rating" for everybody but its rater; the second rater's page holds nothing of the first rating
(levels, feedback, name); the first rater is told, in words, that the second rating is someone
else's, and a post of theirs is refused without writing anything. Ratings that differ by more
than one level go to "Moderation", which neither rater sees; the moderator compares both ratings
on the grid, must give a reason, and their levels decide (a badge, or a revision). Bad twins: no
level, no reason, a rater moderating, the first rater rating twice, a student, another school,
no CSRF token.
"""
from __future__ import annotations

import html
import re

import pytest

from tests.web.support import bearer, setup_achievement

pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]

FIRST_WORDS = "Secret-first-rater: the plan is superb"
FIRST_NOTE = "Secret-note-on-analysis"
SECOND_WORDS = "The analysis stops short of the data"
REASON = "The data table supports a proficient analysis, not an exemplary one"


@pytest.fixture
async def client(asgi_client):
    return asgi_client


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


async def as_user(client, seed, school, role) -> None:
    from issuer.accounts import service as accounts

    user = seed.users[(school, role, 0)]
    client.cookies.clear()
    client.cookies.set("badges_session", await accounts.create_session(seed.ctx, user["id"]))


async def submit(client, seed, achievement: str) -> str:
    r = await client.post("/api/submissions", headers=bearer(seed, "student"),
                          data={"achievement": achievement, "narrative": "My investigation of pendulums"})
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def post_rating(client, s_id: str, feedback: str = "", **fields) -> object:
    page = await client.get(f"/teacher/submissions/{s_id}")
    assert page.status_code == 200, page.text[:300]
    return await client.post(f"/teacher/submissions/{s_id}/review",
                             data={"csrf_token": csrf_of(page.text), "feedback": feedback,
                                   **{k if k.startswith("feedback_") else f"rating_{k}": str(v)
                                      for k, v in fields.items()}})


async def reviews_of(client, seed, s_id: str) -> list[dict]:
    r = await client.get(f"/api/submissions/{s_id}", headers=bearer(seed, "teacher"))  # the first rater
    assert r.status_code == 200, r.text
    return r.json()["reviews"]


def section(html: str, start: str, end: str) -> str:
    return html.split(f'id="{start}"')[1].split(f'id="{end}"')[0]


async def test_the_second_rater_rates_blind_and_the_first_rater_cannot_be_the_second(client, seed):
    a = await setup_achievement(client, seed, second_rater=True)
    s_id = await submit(client, seed, a["id"])
    await as_user(client, seed, "north", "teacher")
    r = await post_rating(client, s_id, FIRST_WORDS, plan=4, analysis=3, feedback_analysis=FIRST_NOTE)
    assert r.status_code == 303
    out = await client.get(r.headers["location"])
    assert "Waiting for a second rating: Investigator" in out.text

    # the first rater: told in words, no form, and a post of theirs changes nothing
    page = await client.get(f"/teacher/submissions/{s_id}")
    assert 'id="blocked-notice"' in page.text and "the second rating must come from another teacher" in page.text
    assert "Save rating" not in page.text and 'name="rating_plan"' not in page.text
    csrf = csrf_of(page.text)
    again = await client.post(f"/teacher/submissions/{s_id}/review",
                              data={"csrf_token": csrf, "rating_plan": "1", "rating_analysis": "1"})
    assert again.status_code == 409 and 'class="error-summary"' in again.text
    assert "the second rating must come from another teacher" in again.text.split('class="error-summary"')[1]
    assert [r["ratings"] for r in await reviews_of(client, seed, s_id)] == [{"plan": 4, "analysis": 3}]
    queue = await client.get("/teacher/reviews")
    assert s_id not in queue.text and "1 piece of work you rated waits" in queue.text

    # the second rater: the work is in their "Waiting for a second rating"; the page is blind
    await as_user(client, seed, "north", "school_admin")
    queue = await client.get("/teacher/reviews")
    assert s_id in section(queue.text, "second", "moderation") and "1 piece of work" not in queue.text
    page = await client.get(f"/teacher/submissions/{s_id}")
    assert page.status_code == 200 and 'id="blind-notice"' in page.text and "Save rating" in page.text
    first_rater = seed.users[("north", "teacher", 0)]["display_name"]
    for secret in (FIRST_WORDS, FIRST_NOTE, first_rater, "Ratings so far", "is-achieved", " checked"):
        assert secret not in page.text, secret
    # agreement within one level: the lower rating of each criterion decides (plan 3, analysis 3: met)
    r = await post_rating(client, s_id, SECOND_WORDS, plan=3, analysis=3)
    assert r.status_code == 303
    out = await client.get(r.headers["location"])
    assert "Awarded: Investigator" in out.text and re.search(r'href="/badges/[0-9a-f-]{36}"', out.text)
    # bad twin: once both ratings are in, nothing is hidden any more
    page = await client.get(f"/teacher/submissions/{s_id}")
    assert FIRST_WORDS in page.text and first_rater in page.text and 'id="blind-notice"' not in page.text


async def test_a_disagreement_goes_to_moderation_and_the_moderators_levels_decide(client, seed):
    a = await setup_achievement(client, seed, second_rater=True)
    s_id = await submit(client, seed, a["id"])
    await as_user(client, seed, "north", "teacher")
    assert (await post_rating(client, s_id, FIRST_WORDS, plan=4, analysis=4)).status_code == 303
    await as_user(client, seed, "north", "school_admin")
    r = await post_rating(client, s_id, SECOND_WORDS, plan=2, analysis=4)
    assert r.status_code == 303
    out = await client.get(r.headers["location"])
    assert "Sent to moderation: Investigator" in out.text and "/badges/" not in out.text

    # neither rater sees it in "Moderation", nor may moderate it (in words; a post writes nothing)
    for role in ("teacher", "school_admin"):
        await as_user(client, seed, "north", role)
        queue = await client.get("/teacher/reviews")
        assert s_id not in queue.text, role
        page = await client.get(f"/teacher/submissions/{s_id}")
        assert "you cannot moderate it" in page.text and "Save the final rating" not in page.text, role
        refused = await client.post(f"/teacher/submissions/{s_id}/review",
                                    data={"csrf_token": csrf_of(page.text), "rating_plan": "3",
                                          "rating_analysis": "3", "feedback": REASON})
        assert refused.status_code == 409 and "you cannot moderate it" in refused.text, role
    assert len(await reviews_of(client, seed, s_id)) == 2

    # a third member of staff: the case in "Moderation", both ratings side by side on the grid
    await as_user(client, seed, None, "district_admin")
    queue = await client.get("/teacher/reviews")
    assert s_id in section(queue.text, "moderation", "plans")
    assert "In moderation" in section(queue.text, "moderation", "plans")  # words, never "moderation" as a code
    page = await client.get(f"/teacher/submissions/{s_id}")
    html = page.text
    assert "Moderate version 1" in html and "Save the final rating" in html
    teacher = seed.users[("north", "teacher", 0)]["display_name"]
    admin = seed.users[("north", "school_admin", 0)]["display_name"]
    grid = html.split('class="rubric-grid')[1].split("</table>")[0]
    plan_row = grid.split('id="criterion-plan"')[1].split("</tr>")[0]
    # who chose what: rating 1 (the teacher) at level 4, rating 2 (the admin) at level 2
    cells = re.findall(r'<td class="cell[^"]*">(.*?)</td>', plan_row, re.S)
    assert f"Rating 1: {teacher}" in cells[3] and f"Rating 2: {admin}" in cells[1]
    assert "The ratings differ by 2 levels" in plan_row
    assert "The ratings agree" in grid.split('id="criterion-analysis"')[1].split("</tr>")[0]
    assert FIRST_WORDS in html and SECOND_WORDS in html  # their feedback, below the grid

    # bad twins: no level and no reason: both named in the summary, the choice kept, nothing written
    csrf = csrf_of(html)
    r = await client.post(f"/teacher/submissions/{s_id}/review", data={"csrf_token": csrf, "rating_plan": "3"})
    assert r.status_code == 400
    summary = r.text.split('class="error-summary"')[1].split("</div>")[0]
    assert 'href="#rating_analysis-1"' in summary and 'href="#feedback"' in summary
    assert "Enter the reason for your decision" in summary
    assert re.search(r'id="rating_plan-3" name="rating_plan" value="3" required checked', r.text)
    assert len(await reviews_of(client, seed, s_id)) == 2
    assert (await client.post(f"/teacher/submissions/{s_id}/review",
                              data={"rating_plan": "3", "rating_analysis": "3", "feedback": REASON})).status_code == 403

    # the moderator decides: the badge is issued with their levels
    r = await client.post(f"/teacher/submissions/{s_id}/review",
                          data={"csrf_token": csrf, "rating_plan": "3", "rating_analysis": "3", "feedback": REASON})
    assert r.status_code == 303
    out = await client.get(r.headers["location"])
    assert "Awarded: Investigator" in out.text and REASON in out.text and "as moderator" in out.text
    badge = re.search(r'href="/badges/([0-9a-f-]{36})"', out.text).group(1)
    assert (await client.get(f"/badges/{badge}")).status_code == 200
    roles = [(r["role"], r["ratings"]) for r in await reviews_of(client, seed, s_id)]
    assert roles[-1] == ("moderator", {"plan": 3, "analysis": 3})


async def test_a_moderator_below_the_threshold_asks_for_a_revision(client, seed):
    a = await setup_achievement(client, seed, second_rater=True)
    s_id = await submit(client, seed, a["id"])
    await as_user(client, seed, "north", "teacher")
    await post_rating(client, s_id, FIRST_WORDS, plan=4, analysis=4)
    await as_user(client, seed, "north", "school_admin")
    await post_rating(client, s_id, SECOND_WORDS, plan=1, analysis=2)
    await as_user(client, seed, None, "district_admin")
    r = await post_rating(client, s_id, REASON, plan=2, analysis=3)
    assert r.status_code == 303
    out = await client.get(r.headers["location"])
    assert re.search(r"Not yet: Planning needs [^<;]+", out.text) and "/badges/" not in out.text
    student = await client.get(f"/api/submissions/{s_id}", headers=bearer(seed, "student"))
    assert student.json()["status"] == "revise"


async def test_who_may_open_the_moderation_page(client, seed):
    a = await setup_achievement(client, seed, second_rater=True)
    s_id = await submit(client, seed, a["id"])
    await as_user(client, seed, "north", "teacher")
    await post_rating(client, s_id, FIRST_WORDS, plan=4, analysis=4)
    await as_user(client, seed, "north", "school_admin")
    await post_rating(client, s_id, SECOND_WORDS, plan=1, analysis=1)
    # a student, another school's teacher and admin: refused, never shown the case
    await as_user(client, seed, "north", "student")
    assert (await client.get(f"/teacher/submissions/{s_id}")).status_code == 403
    assert s_id not in (await client.get("/teacher/reviews")).text
    for role in ("teacher", "school_admin"):
        await as_user(client, seed, "south", role)
        assert (await client.get(f"/teacher/submissions/{s_id}")).status_code == 404, role
        assert s_id not in (await client.get("/teacher/reviews")).text, role
    # the moderation queue in Spanish, in words
    await as_user(client, seed, None, "district_admin")
    page = await client.get("/teacher/reviews?lang=es")
    assert s_id in section(page.text, "moderation", "plans") and "Moderación" in page.text


async def test_approving_a_plan_says_the_mentor_was_emailed(client, seed):
    a = await setup_achievement(client, seed, area="elo")
    plans = []
    for partner in ("River Lab", "City Library"):
        r = await client.post("/api/elos", headers=bearer(seed, "student"), json={
            "achievement": a["id"], "partnerOrg": partner, "mentorName": "Dr. Rivera",
            "mentorEmail": "rivera@riverlab.example", "goals": "Sample water quality", "hours": 40,
            "startDate": "2025-09-01", "endDate": "2025-12-01", "competencies": []})
        assert r.status_code == 201, r.text
        plans.append(r.json()["id"])
    await as_user(client, seed, "north", "teacher")
    page = await client.get("/teacher/reviews")
    r = await client.post(f"/teacher/elos/{plans[0]}/decision", data={"csrf_token": csrf_of(page.text), "approve": "yes"})
    assert r.status_code == 200 and "<h1>Plan approved</h1>" in r.text
    assert "We e-mailed Dr. Rivera (rivera@riverlab.example)" in r.text and "/mentor/" in r.text
    # bad twins: a rejection mails nothing and shows no link; a second decision is refused
    r = await client.post(f"/teacher/elos/{plans[1]}/decision", data={"csrf_token": csrf_of(page.text), "approve": "no"})
    assert r.status_code == 200 and "<h1>Plan not approved</h1>" in r.text and "/mentor/" not in r.text
    again = await client.post(f"/teacher/elos/{plans[1]}/decision",
                              data={"csrf_token": csrf_of(page.text), "approve": "yes"})
    assert again.status_code == 409


async def test_the_mentor_page_keeps_what_was_typed_and_the_link_works_once(client, seed):
    from urllib.parse import urlsplit

    a = await setup_achievement(client, seed, area="elo")
    r = await client.post("/api/elos", headers=bearer(seed, "student"), json={
        "achievement": a["id"], "partnerOrg": "River Lab", "mentorName": "Dr. Rivera",
        "mentorEmail": "rivera@riverlab.example", "goals": "Sample water quality", "hours": 40,
        "startDate": "2025-09-01", "endDate": "2025-12-01", "competencies": []})
    r = await client.post(f"/api/elos/{r.json()['id']}/decision", headers=bearer(seed, "teacher"),
                          json={"approve": True})
    link = urlsplit(r.json()["mentorLink"]).path
    client.cookies.clear()  # the mentor has no account
    form = await client.get(link, headers={"accept": "text/html"})
    words = html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", form.text)))
    assert form.status_code == 200 and "Confirm North student 0's extended learning" in words, words[:2000]
    assert "Sample water quality" in words and "Planned hours 40 " in words
    # bad twin: the box left unticked: the summary names it, the words typed stay
    r = await client.post(link, data={"csrf_token": csrf_of(form.text), "statement": "Careful sampling", "hours": "38"})
    assert r.status_code == 422 and 'href="#confirm"' in r.text and "Tick the box to confirm" in r.text
    assert ">Careful sampling</textarea>" in r.text and 'value="38"' in r.text
    r = await client.post(link, data={"csrf_token": csrf_of(form.text), "statement": "Careful sampling",
                                      "hours": "38", "confirm": "yes"})
    assert r.status_code == 200 and "Your confirmation is recorded" in r.text
    # the link works once
    again = await client.get(link, headers={"accept": "text/html"})
    assert again.status_code == 410 and "This link cannot be used" in again.text
    es = await client.get(f"{link}?lang=es", headers={"accept": "text/html"})
    assert "Este enlace no se puede usar" in es.text


async def test_the_extended_learning_page_lists_every_plan_and_sends_a_new_link(client, seed):
    a = await setup_achievement(client, seed, area="elo")
    ids = {}
    for partner in ("River Lab", "City Library", "Town Museum"):
        r = await client.post("/api/elos", headers=bearer(seed, "student"), json={
            "achievement": a["id"], "partnerOrg": partner, "mentorName": "Dr. Rivera",
            "mentorEmail": "rivera@riverlab.example", "goals": "Sample water quality", "hours": 40,
            "startDate": "2025-09-01", "endDate": "2025-12-01", "competencies": []})
        ids[partner] = r.json()["id"]
    teacher = bearer(seed, "teacher")
    link = (await client.post(f"/api/elos/{ids['River Lab']}/decision", headers=teacher,
                              json={"approve": True})).json()["mentorLink"]
    await client.post(f"/api/elos/{ids['City Library']}/decision", headers=teacher, json={"approve": False})
    await as_user(client, seed, "north", "teacher")
    page = await client.get("/teacher/elos")
    assert page.status_code == 200
    assert re.search(r'<a href="/teacher/elos" aria-current="page">', page.text)  # in the teacher's menu
    assert "Town Museum" not in section(page.text, "with-mentor", "confirmed")
    assert "1 plan waits for your decision" in page.text
    assert "River Lab" in section(page.text, "with-mentor", "confirmed")
    assert "City Library" in page.text.split('id="not-approved"')[1]
    assert 'href="/teacher/elos"' in (await client.get("/teacher/reviews")).text  # the queue links it

    # a new link for the mentor of an approved plan: mailed and shown once; the old one still works
    r = await client.post(f"/teacher/elos/{ids['River Lab']}/new-link", data={"csrf_token": csrf_of(page.text)})
    assert r.status_code == 200 and "A new link is on its way" in r.text
    new = re.search(r'value="(http://127\.0\.0\.1:8000/mentor/[^"]+)"', r.text).group(1)
    assert new != link
    # bad twins: a plan not approved gets no link; no CSRF token; a student; another school
    assert (await client.post(f"/teacher/elos/{ids['City Library']}/new-link",
                              data={"csrf_token": csrf_of(page.text)})).status_code == 409
    assert (await client.post(f"/teacher/elos/{ids['River Lab']}/new-link", data={})).status_code == 403
    await as_user(client, seed, "south", "teacher")
    page = await client.get("/teacher/elos")
    assert "River Lab" not in page.text
    assert (await client.post(f"/teacher/elos/{ids['River Lab']}/new-link",
                              data={"csrf_token": csrf_of(page.text)})).status_code == 404
    await as_user(client, seed, "north", "student")
    assert (await client.get("/teacher/elos")).status_code == 403
