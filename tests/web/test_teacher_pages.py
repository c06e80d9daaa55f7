"""The teacher's pages over HTTP, on the full app (issue 13): the review queue in sections with its
filters and waiting times, the rating page (the rubric grid, feedback per criterion, evidence shown
inline), the outcome after saving on its own page (POST/redirect/GET, so a reload never rates
twice), the award history with suspend, reinstate and revoke after a check step (the reason stays
internal), and one student's view. Bad twins: a level left out, a filter the form never offers, a
missing reason, no CSRF token, a student, another school's teacher."""
from __future__ import annotations

import re

import pytest

from tests.web.support import bearer, setup_achievement

pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
REASON = "Copied from a classmate: confirmed with both students"


@pytest.fixture
async def client(asgi_client):
    return asgi_client


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client, cookie: str) -> None:
    client.cookies.clear()
    client.cookies.set("badges_session", cookie)


async def session_of(seed, school: str, role: str) -> str:
    """A fresh session (one made now, after the clock moved on)."""
    from issuer.accounts import service as accounts

    return await accounts.create_session(seed.ctx, seed.users[(school, role, 0)]["id"])


async def south_teacher(seed) -> str:
    return await session_of(seed, "south", "teacher")


async def submit(client, seed, achievement: str, narrative: str, *, files=None, role="student") -> str:
    r = await client.post("/api/submissions", headers=bearer(seed, role),
                          data={"achievement": achievement, "narrative": narrative, "urls": "https://example.org/lab"},
                          files=files or {"files": ("notes.txt", b"trial,time\n1,3.2\n", "text/plain")})
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def rate(client, s_id: str, **levels) -> object:
    page = await client.get(f"/teacher/submissions/{s_id}")
    return await client.post(f"/teacher/submissions/{s_id}/review",
                             data={"csrf_token": csrf_of(page.text), **{f"rating_{k}": str(v) for k, v in levels.items()},
                                   "feedback": "Overall: a careful investigation."})


async def test_the_queue_has_sections_filters_and_waiting_times(client, seed):
    a = await setup_achievement(client, seed)
    twin = await setup_achievement(client, seed, second_rater=True)
    old = await submit(client, seed, a["id"], "The first draft")
    seed.ctx.clock.advance(days=3)
    new = await submit(client, seed, twin["id"], "Fresh work")
    sign_in(client, await session_of(seed, "north", "teacher"))
    page = await client.get("/teacher/reviews")
    assert page.status_code == 200
    assert re.search(r'<a href="/teacher/reviews" aria-current="page">', page.text)
    to_rate = page.text.split('id="to-rate"')[1].split('id="elos"')[0]
    assert to_rate.index(old) < to_rate.index(new)  # oldest first
    assert "waiting 3 days" in to_rate and "since today" in to_rate
    assert "Waiting for approval" not in page.text and "No plans waiting." in page.text

    # filters: how long it waited, the achievement, the student
    page = await client.get("/teacher/reviews?waited=3")
    assert old in page.text and new not in page.text
    page = await client.get(f"/teacher/reviews?achievement={twin['id']}")
    assert new in page.text and old not in page.text
    north_student = seed.users[("north", "student", 0)]["id"]
    page = await client.get(f"/teacher/reviews?student={north_student}")
    assert old in page.text and new in page.text
    page = await client.get(f"/teacher/reviews?student={north_student + 1000}")
    assert old not in page.text and "Nothing to rate" in page.text
    # bad twins: a value the form never offers is refused with the summary, never a 500
    for query, field in (("waited=5", "waited"), ("student=abc", "student"), ("achievement=nope", "achievement")):
        bad = await client.get(f"/teacher/reviews?{query}")
        assert bad.status_code == 422 and 'class="error-summary"' in bad.text and f'href="#{field}"' in bad.text, query

    # a first rating of second-rater work waits for someone else's second rating: not in the
    # first rater's sections, in the other staff's "Waiting for a second rating"
    r = await rate(client, new, plan=3, analysis=3)
    assert r.status_code == 303
    page = await client.get("/teacher/reviews")
    second = page.text.split('id="second"')[1].split('id="moderation"')[0]
    assert new not in page.text and "1 piece of work you rated waits for another teacher" in second
    # the first rater cannot rate again; the second rates blind
    page = await client.get(f"/teacher/submissions/{new}")
    assert "Save rating" not in page.text and "You rated version 1" in page.text
    sign_in(client, await session_of(seed, "north", "school_admin"))
    page = await client.get("/teacher/reviews")
    second = page.text.split('id="second"')[1].split('id="moderation"')[0]
    assert new in second and "Waiting for a second rating" in second
    page = await client.get(f"/teacher/submissions/{new}")
    assert "Save rating" in page.text and "blind second rating" in page.text and "Overall: a careful" not in page.text

    sign_in(client, await session_of(seed, "north", "student"))
    assert (await client.get("/teacher/reviews")).status_code == 403
    client.cookies.clear()
    assert (await client.get("/teacher/reviews", headers={"accept": "text/html"})).status_code in (302, 303, 401)


async def test_rating_with_the_grid_then_the_outcome_in_words_and_no_second_save(client, seed):
    a = await setup_achievement(client, seed)
    s_id = await submit(client, seed, a["id"], "My investigation of pendulums", files=[
        ("files", ("notes.txt", b"Period grows with length: 1.2 s at 40 cm", "text/plain")),
        ("files", ("plot.png", PNG, "image/png")), ("files", ("report.pdf", PDF, "application/pdf"))])
    sign_in(client, seed.session["teacher"])
    page = await client.get(f"/teacher/submissions/{s_id}")
    assert page.status_code == 200
    html = page.text
    # the grid: one radio per cell, a row per criterion; feedback per criterion and overall
    assert len(re.findall(r'<input type="radio" id="rating_plan-\d"', html)) == 4
    assert 'name="feedback_plan"' in html and 'name="feedback_analysis"' in html and 'name="feedback"' in html
    # the evidence, inline: text as text, the image as <img>, the PDF in a frame of this origin
    assert "Period grows with length: 1.2 s at 40 cm</pre>" in html
    assert re.search(rf'<img src="/teacher/submissions/{s_id}/files/[0-9a-f]{{64}}"', html)
    assert re.search(rf'<iframe src="/teacher/submissions/{s_id}/files/[0-9a-f]{{64}}"', html)
    assert '<a href="https://example.org/lab"' in html
    csrf = csrf_of(html)

    # bad twin: a criterion left without a level; what was typed is kept
    r = await client.post(f"/teacher/submissions/{s_id}/review",
                          data={"csrf_token": csrf, "rating_plan": "3", "feedback_plan": "Clear plan",
                                "feedback": "Keep going"})
    assert r.status_code == 400 and 'class="error-summary"' in r.text
    assert 'href="#rating_analysis-1"' in r.text and "Choose a level for Analysis" in r.text
    assert re.search(r'id="rating_plan-3" name="rating_plan" value="3" required checked', r.text)
    assert ">Clear plan</textarea>" in r.text and ">Keep going</textarea>" in r.text
    assert (await client.post(f"/teacher/submissions/{s_id}/review", data={"rating_plan": "3"})).status_code == 403

    # below the threshold: POST/redirect/GET to the outcome, in words
    r = await client.post(f"/teacher/submissions/{s_id}/review",
                          data={"csrf_token": csrf, "rating_plan": "3", "rating_analysis": "2",
                                "feedback_analysis": "Say why the period grows", "feedback": "Nearly there"})
    assert r.status_code == 303 and r.headers["location"] == f"/teacher/submissions/{s_id}/outcome"
    out = await client.get(r.headers["location"])
    assert out.status_code == 200
    assert re.search(r"Not yet: Analysis needs [^<;]+", out.text), out.text
    assert "Say why the period grows" in out.text and "/badges/" not in out.text
    # the rating page no longer offers the form, so nothing can be saved twice
    page = await client.get(f"/teacher/submissions/{s_id}")
    assert "Save rating" not in page.text and "You rated version 1" in page.text
    again = await client.post(f"/teacher/submissions/{s_id}/review",
                              data={"csrf_token": csrf, "rating_plan": "4", "rating_analysis": "4"})
    assert again.status_code == 409 and 'class="error-summary"' in again.text
    # the student reads the feedback per criterion through the API
    mine = await client.get(f"/api/submissions/{s_id}", headers=bearer(seed, "student"))
    assert mine.json()["reviews"][0]["criterionFeedback"] == {"analysis": "Say why the period grows"}

    # the revision, at the threshold: awarded, with the badge one click away
    r = await client.post(f"/api/submissions/{s_id}/versions", headers=bearer(seed, "student"),
                          data={"narrative": "Now with the reason: g and length"})
    assert r.status_code == 201
    page = await client.get(f"/teacher/submissions/{s_id}")
    assert "Save rating" in page.text and "Earlier versions" in page.text
    r = await rate(client, s_id, plan=3, analysis=3)
    assert r.status_code == 303
    out = await client.get(f"/teacher/submissions/{s_id}/outcome")
    assert "Awarded: Investigator" in out.text
    badge = re.search(r'href="/badges/([0-9a-f-]{36})"', out.text).group(1)
    assert (await client.get(f"/badges/{badge}")).status_code == 200

    # bad twins: another school's teacher, a student, an unknown submission
    sign_in(client, await south_teacher(seed))
    assert (await client.get(f"/teacher/submissions/{s_id}")).status_code == 404
    assert (await client.get(f"/teacher/submissions/{s_id}/outcome")).status_code == 404
    sign_in(client, seed.session["student"])
    assert (await client.get(f"/teacher/submissions/{s_id}")).status_code == 403
    sign_in(client, seed.session["teacher"])
    assert (await client.get("/teacher/submissions/00000000-0000-0000-0000-000000000000")).status_code == 404


async def test_evidence_files_are_served_inline_for_this_origin_only(client, seed):
    a = await setup_achievement(client, seed)
    s_id = await submit(client, seed, a["id"], "Files", files=[
        ("files", ("plot.png", PNG, "image/png")), ("files", ("report.pdf", PDF, "application/pdf"))])
    sign_in(client, seed.session["teacher"])
    html = (await client.get(f"/teacher/submissions/{s_id}")).text
    png_url = re.search(r'<img src="(/teacher/submissions/[^"]+)"', html).group(1)
    pdf_url = re.search(r'<iframe src="(/teacher/submissions/[^"]+)"', html).group(1)
    png, pdf = await client.get(png_url), await client.get(pdf_url)
    assert png.status_code == 200 and png.content == PNG and png.headers["content-type"] == "image/png"
    assert png.headers["content-disposition"].startswith("inline")
    assert "sandbox" in png.headers["content-security-policy"]
    assert pdf.status_code == 200 and pdf.content == PDF and pdf.headers["content-disposition"].startswith("inline")
    assert pdf.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'self'"
    assert "x-frame-options" not in pdf.headers  # framed by the rating page, by this origin only
    # bad twins: a hash the submission does not have, another school's teacher, a student
    assert (await client.get(png_url[:-64] + "0" * 64)).status_code == 404
    sign_in(client, await south_teacher(seed))
    assert (await client.get(png_url)).status_code == 404
    sign_in(client, seed.session["student"])
    assert (await client.get(png_url)).status_code == 403


async def badge_for(client, seed, role="student") -> str:
    a = await setup_achievement(client, seed)
    s_id = await submit(client, seed, a["id"], "Work that earns the badge", role=role)
    r = await client.post(f"/api/submissions/{s_id}/reviews", headers=bearer(seed, "teacher"),
                          json={"ratings": {"plan": 3, "analysis": 4}})
    assert r.status_code == 200 and r.json()["status"] == "awarded", r.text
    return r.json()["credential"]["uuid"]


async def test_award_history_suspend_reinstate_and_revoke_after_checking(client, seed):
    uuid = await badge_for(client, seed)
    sign_in(client, seed.session["teacher"])
    page = await client.get("/teacher/awards")
    assert page.status_code == 200 and f'href="/teacher/awards/{uuid}"' in page.text and "Investigator" in page.text
    assert re.search(r'<a href="/teacher/awards" aria-current="page">', page.text)
    assert uuid not in (await client.get("/teacher/awards?status=revoked")).text
    assert uuid in (await client.get("/teacher/awards?status=active")).text
    student = seed.users[("north", "student", 0)]["id"]
    assert uuid in (await client.get(f"/teacher/awards?student={student}")).text
    bad = await client.get("/teacher/awards?status=lost")
    assert bad.status_code == 422 and 'href="#filter-status"' in bad.text

    detail = await client.get(f"/teacher/awards/{uuid}")
    assert detail.status_code == 200 and "Valid" in detail.text
    csrf = csrf_of(detail.text)
    # suspend: a reason is required (kept when missing), then the badge reads suspended
    r = await client.post(f"/teacher/awards/{uuid}/suspend", data={"csrf_token": csrf, "reason": "  "})
    assert r.status_code == 400 and 'href="#reason-suspend"' in r.text and "Enter a reason" in r.text
    assert (await client.post(f"/teacher/awards/{uuid}/suspend", data={"reason": REASON})).status_code == 403
    r = await client.post(f"/teacher/awards/{uuid}/suspend", data={"csrf_token": csrf, "reason": REASON})
    assert r.status_code == 303 and r.headers["location"] == f"/teacher/awards/{uuid}?done=suspended"
    detail = await client.get(r.headers["location"])
    assert "Badge suspended" in detail.text and REASON in detail.text and "Reinstate the badge" in detail.text
    public = await client.get(f"/badges/{uuid}", headers={"accept": "text/html"})
    assert "suspended" in public.text and "classmate" not in public.text  # the reason stays internal
    r = await client.post(f"/teacher/awards/{uuid}/suspend", data={"csrf_token": csrf, "reason": "again"})
    assert r.status_code == 409 and 'class="error-summary"' in r.text
    r = await client.post(f"/teacher/awards/{uuid}/reinstate", data={"csrf_token": csrf, "reason": ""})
    assert r.status_code == 303
    assert "Badge reinstated" in (await client.get(r.headers["location"])).text

    # revoke: the check step changes nothing; confirming does, for good
    r = await client.post(f"/teacher/awards/{uuid}/revoke", data={"csrf_token": csrf, "reason": ""})
    assert r.status_code == 400 and 'href="#reason-revoke"' in r.text
    check = await client.post(f"/teacher/awards/{uuid}/revoke", data={"csrf_token": csrf, "reason": REASON})
    assert check.status_code == 200 and "Check before you revoke" in check.text and REASON in check.text
    assert f'action="/teacher/awards/{uuid}/revoke/confirm"' in check.text
    change = re.search(r'href="(/teacher/awards/[^"]+action=revoke[^"]*)"', check.text).group(1)
    again = await client.get(change.replace("&amp;", "&"))
    assert f">{REASON}</textarea>" in again.text  # Change keeps the answer
    assert uuid in (await client.get("/teacher/awards?status=active")).text  # nothing changed yet
    r = await client.post(f"/teacher/awards/{uuid}/revoke/confirm", data={"csrf_token": csrf, "reason": REASON})
    assert r.status_code == 303
    detail = await client.get(r.headers["location"])
    assert "Badge revoked" in detail.text and "Revoked on" in detail.text and "Suspend the badge" not in detail.text
    assert uuid in (await client.get("/teacher/awards?status=revoked")).text
    r = await client.post(f"/teacher/awards/{uuid}/revoke/confirm", data={"csrf_token": csrf, "reason": REASON})
    assert r.status_code == 409
    public = await client.get(f"/badges/{uuid}", headers={"accept": "text/html"})
    assert "classmate" not in public.text

    # bad twins: another school's teacher, a student
    sign_in(client, await south_teacher(seed))
    assert (await client.get(f"/teacher/awards/{uuid}")).status_code == 404
    assert uuid not in (await client.get("/teacher/awards")).text
    sign_in(client, seed.session["student"])
    assert (await client.get("/teacher/awards")).status_code == 403


async def test_one_students_view(client, seed):
    uuid = await badge_for(client, seed)
    a = await setup_achievement(client, seed)
    s_id = await submit(client, seed, a["id"], "Work in progress")
    student = seed.users[("north", "student", 0)]
    sign_in(client, seed.session["teacher"])
    page = await client.get(f"/teacher/students/{student['id']}")
    assert page.status_code == 200
    assert student["display_name"] in page.text and f'href="/teacher/awards/{uuid}"' in page.text
    assert f'href="/teacher/submissions/{s_id}"' in page.text and "Submitted" in page.text
    assert re.search(r'<a href="/teacher/reviews" aria-current="true">', page.text)
    # bad twins: a teacher is not a student, another school's student, nobody, a student
    assert (await client.get(f"/teacher/students/{seed.users[('north', 'teacher', 0)]['id']}")).status_code == 404
    assert (await client.get(f"/teacher/students/{seed.users[('south', 'student', 0)]['id']}")).status_code == 404
    assert (await client.get("/teacher/students/999999")).status_code == 404
    sign_in(client, seed.session["student"])
    assert (await client.get(f"/teacher/students/{student['id']}")).status_code == 403


async def test_an_elo_plan_is_approved_then_validated_from_the_queue(client, seed):
    from urllib.parse import urlsplit

    a = await setup_achievement(client, seed, area="elo")
    r = await client.post("/api/elos", headers=bearer(seed, "student"), json={
        "achievement": a["id"], "partnerOrg": "River Lab", "mentorName": "Dr. Rivera",
        "mentorEmail": "rivera@riverlab.example", "goals": "Sample water quality", "hours": 40,
        "startDate": "2025-09-01", "endDate": "2025-12-01", "competencies": []})
    assert r.status_code == 201, r.text
    plan = r.json()["id"]
    sign_in(client, seed.session["teacher"])
    page = await client.get("/teacher/reviews")
    plans = page.text.split('id="plans"')[1]
    assert "River Lab" in plans and f'action="/teacher/elos/{plan}/decision"' in plans
    r = await client.post(f"/teacher/elos/{plan}/decision", data={"csrf_token": csrf_of(page.text), "approve": "yes"})
    assert r.status_code == 200
    link = urlsplit(re.search(r'(http://127\.0\.0\.1:8000/mentor/[^"<\s]+)', r.text).group(1)).path

    client.cookies.clear()  # the mentor, with the link only
    form = await client.get(link, headers={"accept": "text/html"})
    r = await client.post(link, data={"csrf_token": csrf_of(form.text), "statement": "Reliable, careful sampling",
                                      "hours": "38", "confirm": "yes"})
    assert r.status_code in (200, 303), r.text[:300]

    sign_in(client, seed.session["teacher"])
    page = await client.get("/teacher/reviews")
    elos = page.text.split('id="elos"')[1].split('id="moderation"')[0]
    s_id = re.search(r'href="/teacher/submissions/([0-9a-f-]{36})"', elos).group(1)
    assert "River Lab" not in page.text.split('id="plans"')[1]  # decided: no longer a plan to approve
    rate_page = await client.get(f"/teacher/submissions/{s_id}")
    assert "Reliable, careful sampling" in rate_page.text  # the mentor's words are the evidence
    r = await rate(client, s_id, plan=3, analysis=3)
    out = await client.get(r.headers["location"])
    assert "Awarded: Investigator" in out.text

    # the same queue in Spanish
    page = await client.get("/teacher/reviews?lang=es")
    assert "Evidencias por valorar" in page.text and "Aprendizaje ampliado por validar" in page.text


async def test_the_review_api_takes_feedback_per_criterion_and_refuses_an_unknown_one(client, seed):
    a = await setup_achievement(client, seed)
    s_id = await submit(client, seed, a["id"], "Work")
    url, teacher = f"/api/submissions/{s_id}/reviews", bearer(seed, "teacher")
    r = await client.post(url, headers=teacher, json={"ratings": {"plan": 3, "analysis": 2},
                                                      "criterionFeedback": {"plann": "typo"}})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert "plann" in r.json()["detail"]
    r = await client.post(url, headers=teacher, json={"ratings": {"plan": 3, "analysis": 2}, "feedback": "Overall",
                                                      "criterionFeedback": {"analysis": " Explain the trend ", "plan": ""}})
    assert r.status_code == 200 and r.json()["status"] == "revise", r.text
    review = (await client.get(f"/api/submissions/{s_id}", headers=bearer(seed, "student"))).json()["reviews"][0]
    assert review["criterionFeedback"] == {"analysis": "Explain the trend"} and review["feedback"] == "Overall"
