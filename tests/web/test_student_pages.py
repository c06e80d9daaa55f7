"""The student's pages over HTTP (issue 12): My badges, Progress, Submit evidence with the rubric
and a self-assessment, a submission's feedback in the rubric's words, and forms that keep what
was typed after an error. Each good case has its bad twin: another student's work is a 404, a
bad form is a 4xx page with an error summary and the input kept."""
from __future__ import annotations

import html
import re

import pytest

from tests.web.support import bearer

pytestmark = [pytest.mark.anyio, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]

HTML = {"accept": "text/html"}
WORDS = {"name": "Lab report", "criteria": [
    {"id": "analysis", "name": "Analysis", "requiredLevel": 3, "levels": [
        {"value": 1, "name": "Emerging", "description": "Restates the data without reading it."},
        {"value": 2, "name": "Approaching", "description": "Reads one trend in the data."},
        {"value": 3, "name": "Meets", "description": "Explains the trends and their sources of error."},
        {"value": 4, "name": "Extends", "description": "Questions the method from the data."}]},
    {"id": "communication", "name": "Communication", "requiredLevel": 2}]}


def student(seed, n=0):
    return {**HTML, "Authorization": f"Bearer {seed.token['student']}"} if n == 0 else None


async def catalog(client, seed):
    """Three frameworks (one per area) and four achievements: a science one with level
    descriptions, a habits one, a science one that needs the first, and an extended-learning one."""
    t = bearer(seed, "teacher")
    made = {}
    for kind, name, code in (("academic", "Science practices", "SP.3"), ("habits", "Habits of work", "HOW.1"),
                             ("elo", "Extended learning", "ELO.1")):
        r = await client.post("/api/frameworks", headers=t, json={
            "kind": kind, "name": name, "competencies": [{"code": code, "name": f"{name} competency"}]})
        assert r.status_code == 201, r.text
        made[kind] = r.json()["competencies"][0]["id"]

    async def achievement(name, kind, **kw):
        r = await client.post("/api/achievements", headers=t, json={
            "name": name, "description": f"{name}: the description.", "rubric": kw.pop("rubric", WORDS),
            "alignments": [made[kind]], **kw})
        assert r.status_code == 201, r.text
        return r.json()

    lab = await achievement("Lab Scientist", "academic", subject="Science")
    team = await achievement("Team Player", "habits")
    advanced = await achievement("Advanced Lab", "academic", subject="Science", prerequisites=[lab["id"]])
    intern = await achievement("Internship", "elo", area="elo")
    return {"lab": lab, "team": team, "advanced": advanced, "intern": intern, "competencies": made}


async def submit(client, seed, achievement_id, **extra):
    return await client.post("/student/submit", headers=student(seed), data={
        "achievement": achievement_id, "narrative": "I measured the pendulum ten times.", **extra},
        follow_redirects=False)


async def rate(client, seed, submission_id, ratings, feedback=""):
    r = await client.post(f"/api/submissions/{submission_id}/reviews", headers=bearer(seed, "teacher"),
                          json={"ratings": ratings, "feedback": feedback})
    assert r.status_code == 200, r.text
    return r.json()


def submission_of(r) -> str:
    assert r.status_code == 303, r.text[:500]
    return re.search(r"/student/submissions/([0-9a-f-]{36})", r.headers["location"]).group(1)


def text_of(r) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r.text)))


# ---- My badges ----------------------------------------------------------------------------------

async def test_an_empty_backpack_says_what_to_do_next(client, seed):
    r = await client.get("/student/badges", headers=student(seed))
    assert r.status_code == 200
    assert "No badges yet" in r.text and 'href="/student/submit"' in r.text


async def test_badge_cards_are_grouped_by_area_with_level_and_status(client, seed):
    c = await catalog(client, seed)
    lab = submission_of(await submit(client, seed, c["lab"]["id"]))
    await rate(client, seed, lab, {"analysis": 4, "communication": 3})
    team = submission_of(await submit(client, seed, c["team"]["id"]))
    await rate(client, seed, team, {"analysis": 3, "communication": 2})
    r = await client.get("/student/badges", headers=student(seed))
    assert r.status_code == 200
    page = text_of(r)
    # grouped: academic by subject first, then habits of work
    assert page.index("Academic · Science") < page.index("Lab Scientist") < page.index("Habits of work") \
        < page.index("Team Player")
    # the level reached, in the rubric's words: the lowest criterion rating ("3 · Meets")
    assert "3 · Meets" in page and "North High School" in page
    assert r.text.count('class="badge-tile') == 2 and "emblem-academic" in r.text and "emblem-habits" in r.text
    assert "Revoked" not in page
    # the bad twin: another student's backpack shows none of them
    other = await client.get("/student/badges", headers={**HTML, "Authorization": f"Bearer {await other_token(seed)}"})
    assert other.status_code == 200 and "Lab Scientist" not in other.text and "No badges yet" in other.text


async def test_a_revoked_badge_says_so_on_its_card(client, seed, platform):
    from issuer.credentials import repo as credentials_repo
    from issuer.credentials import status

    c = await catalog(client, seed)
    out = await rate(client, seed, submission_of(await submit(client, seed, c["lab"]["id"])),
                     {"analysis": 3, "communication": 2})
    row = await credentials_repo.get_credential(out["credential"]["uuid"])
    await status.revoke(platform, row.id, reason="error", actor_id=seed.users[("north", "school_admin", 0)]["id"])
    page = text_of(await client.get("/student/badges", headers=student(seed)))
    assert "Lab Scientist" in page and "Revoked" in page


async def other_token(seed) -> str:
    from issuer.accounts import service as accounts

    user = seed.users[("north", "student", 1)]
    return await accounts.create_api_token(seed.ctx, school_id=user["school"], district_id=user["district"],
                                           role="student", user_id=user["id"], name="other")


# ---- Progress -----------------------------------------------------------------------------------

async def test_progress_shows_feedback_in_the_rubrics_words_and_the_map_changes_after_the_award(client, seed):
    c = await catalog(client, seed)
    s = submission_of(await submit(client, seed, c["lab"]["id"]))
    await rate(client, seed, s, {"analysis": 2, "communication": 2}, "Explain the error sources.")
    r = await client.get("/student/progress", headers=student(seed))
    assert r.status_code == 200
    page = text_of(r)
    assert "Badges in progress" in page and "Lab Scientist" in page and "Needs revision" in page
    # each criterion: required, achieved, met / not yet, and the level's description, never raw ids
    assert "3 · Meets" in page and "2 · Approaching" in page and "Not yet" in page and "Met" in page
    assert "Reads one trend in the data." in page  # what the work showed
    assert "To reach 3 · Meets: Explains the trends and their sources of error." in page  # the next step
    assert "Explain the error sources." in page
    assert "analysis" not in page.replace("Analysis", "")  # no raw criterion id
    # the learning map: the science competency not reached yet, its required level named
    assert "Science practices competency" in page and "Reached: not yet" in page
    # what's next: the habits badge is open, the advanced one waits on Lab Scientist, the ELO is planned
    assert "Team Player" in page and "First earn: Lab Scientist" in page
    assert f'/student/elo?achievement={c["intern"]["id"]}' in r.text
    assert f'/student/submit?achievement={c["team"]["id"]}' in r.text

    # revised and rated at the required level: the map shows the level reached, with the badge
    r = await client.post(f"/student/submissions/{s}/revise", headers=student(seed),
                          data={"narrative": "Now with the error sources."}, follow_redirects=False)
    assert r.status_code == 303
    out = await rate(client, seed, s, {"analysis": 3, "communication": 3}, "Well done.")
    assert out["status"] == "awarded"
    r = await client.get("/student/progress", headers=student(seed))
    page = text_of(r)
    assert "Reached: 3 · Meets" in page and f'/badges/{out["credential"]["uuid"]}' in r.text
    assert "Nothing in progress" in page
    assert "First earn" not in page and "Advanced Lab" in page  # its prerequisite is now earned


async def test_progress_is_only_for_students(client, seed):
    r = await client.get("/student/progress", headers={**HTML, **bearer(seed, "teacher")})
    assert r.status_code in (401, 403)


# ---- Submitting: the rubric first, the self-assessment with the work --------------------------------

async def test_the_submit_page_shows_the_chosen_rubric_with_the_required_level_outlined(client, seed):
    c = await catalog(client, seed)
    r = await client.get(f"/student/submit?achievement={c['lab']['id']}", headers=student(seed))
    assert r.status_code == 200
    assert "The rubric of Lab Scientist" in r.text and "rubric-read" in r.text
    assert "Explains the trends and their sources of error." in r.text
    # the required cell is outlined (and says so in words)
    required = re.search(r'<td class="cell is-required">(.*?)</td>', r.text, re.S).group(1)
    assert "3 · Meets" in required and "Required" in required
    assert 'name="self_level_analysis"' in r.text and 'name="self_comment"' in r.text
    assert "Show rubric" in r.text and "/static/submit-evidence.js" in r.text
    # an unknown achievement: the page still answers, asking to choose
    r = await client.get("/student/submit?achievement=not-a-uuid", headers=student(seed))
    assert r.status_code == 200 and "Choose a badge from the list to see its rubric." in r.text


async def test_the_self_assessment_travels_with_the_submission_to_the_student_and_the_teacher(client, seed):
    c = await catalog(client, seed)
    r = await submit(client, seed, c["lab"]["id"], self_level_analysis="3", self_level_communication="",
                     self_comment="Look at my error bars.")
    s = submission_of(r)
    mine = await client.get(f"/student/submissions/{s}", headers=student(seed))
    page = text_of(mine)
    assert "Your self-assessment" in page and "Analysis 3 · Meets" in page and "Look at my error bars." in page
    teacher = await client.get(f"/teacher/submissions/{s}", headers={**HTML, **bearer(seed, "teacher")})
    page = text_of(teacher)
    assert "The student's self-assessment of version 1" in page and "Look at my error bars." in page
    assert "Analysis 3 · Meets" in page and "Communication" not in page.split("self-assessment of version 1")[1][:80]
    # the bad twin: another student cannot open it
    other = await client.get(f"/student/submissions/{s}",
                             headers={**HTML, "Authorization": f"Bearer {await other_token(seed)}"})
    assert other.status_code == 404


@pytest.mark.parametrize(("extra", "field"), [
    ({"self_level_analysis": "9"}, "self_level_analysis"),
    ({"self_level_nonsense": "2"}, "self-assessment"),
    ({"self_comment": "x" * 5001}, "self_comment"),
])
async def test_a_bad_self_assessment_is_refused_with_the_input_kept(client, seed, extra, field):
    c = await catalog(client, seed)
    r = await submit(client, seed, c["lab"]["id"], urls="https://example.org/my-lab", self_level_communication="2",
                     **extra)
    assert r.status_code == 422
    assert 'class="error-summary"' in r.text and f'href="#{field}"' in r.text
    assert "I measured the pendulum ten times." in r.text and "https://example.org/my-lab" in r.text
    assert re.search(r'<option value="2" selected>', r.text)  # the level chosen for communication stays
    listed = await client.get("/api/submissions", headers=bearer(seed, "student"))
    assert listed.json() == []  # nothing was stored


async def test_a_bad_submission_keeps_what_was_typed(client, seed):
    c = await catalog(client, seed)
    r = await client.post("/student/submit", headers=student(seed), data={
        "achievement": c["lab"]["id"], "narrative": "My draft <b>text</b>", "urls": "ftp://nope"})
    assert r.status_code == 422
    assert 'href="#urls"' in r.text and "must be a full web address" in r.text
    assert "My draft &lt;b&gt;text&lt;/b&gt;" in r.text and "ftp://nope" in r.text
    assert 'aria-invalid="true"' in r.text
    # an achievement of another school, or none: the form says which field
    r = await client.post("/student/submit", headers=student(seed), data={"achievement": "nope", "narrative": "kept"})
    assert r.status_code == 404 and 'href="#achievement"' in r.text and ">kept</textarea>" in r.text


async def test_the_revise_form_keeps_what_was_typed(client, seed):
    c = await catalog(client, seed)
    s = submission_of(await submit(client, seed, c["lab"]["id"]))
    r = await client.post(f"/student/submissions/{s}/revise", headers=student(seed), data={
        "narrative": "Second go", "urls": "not a url", "self_comment": "better now"})
    assert r.status_code == 422
    assert 'href="#urls"' in r.text and ">Second go</textarea>" in r.text and ">better now</textarea>" in r.text
    r = await client.post(f"/student/submissions/{s}/revise", headers=student(seed), data={
        "narrative": "Second go", "self_level_analysis": "4"}, follow_redirects=False)
    assert r.status_code == 303
    page = text_of(await client.get(f"/student/submissions/{s}", headers=student(seed)))
    assert "Version 2" in page and "4 · Extends" in page


async def test_feedback_on_the_submission_page_is_in_the_rubrics_words(client, seed):
    c = await catalog(client, seed)
    s = submission_of(await submit(client, seed, c["lab"]["id"]))
    await rate(client, seed, s, {"analysis": 2, "communication": 3}, "Nearly there.")
    r = await client.get(f"/student/submissions/{s}", headers=student(seed))
    page = text_of(r)
    assert "Rating of version 1" in page and "Analysis 2 · Approaching" in page and "Not yet" in page
    assert "Reads one trend in the data." in page and "Nearly there." in page
    assert "Communication 3 · Proficient" in page  # the default scale, in its words
    assert re.search(r'class="cell is-achieved".*?2 · Approaching', r.text, re.S)
    # Spanish: the default scale's words follow the page
    es = text_of(await client.get(f"/student/submissions/{s}?lang=es", headers=student(seed)))
    assert "3 · Competente" in es and "Todavía no" in es


# ---- Extended learning: the plan form keeps what was typed -------------------------------------------

async def test_the_elo_form_keeps_everything_after_an_error(client, seed):
    c = await catalog(client, seed)
    data = {"achievement": c["intern"]["id"], "partner_org": "River Lab", "mentor_name": "Dr. Sam Rivera",
            "mentor_email": "not-an-email", "goals": "Sample the river weekly.",
            "competencies": [str(c["competencies"]["elo"])], "hours": "40", "start_date": "2026-01-10",
            "end_date": "2026-03-10"}
    r = await client.post("/student/elo", headers=student(seed), data=data)
    assert r.status_code == 422
    assert 'href="#mentor_email"' in r.text and "Enter your mentor's email address" in html.unescape(r.text)
    for kept in ('value="River Lab"', 'value="Dr. Sam Rivera"', 'value="not-an-email"', ">Sample the river weekly.<",
                 'value="40"', 'value="2026-01-10"', 'value="2026-03-10"',
                 f'value="{c["competencies"]["elo"]}" checked', f'value="{c["intern"]["id"]}" selected'):
        assert kept in r.text, kept
    r = await client.post("/student/elo", headers=student(seed), data={**data, "end_date": "2025-01-01",
                                                                      "mentor_email": "rivera@lab.example"})
    assert r.status_code == 422 and 'href="#end_date"' in r.text
    r = await client.post("/student/elo", headers=student(seed), data={**data, "mentor_email": "rivera@lab.example"},
                          follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/student/elo?result=proposed"
    page = text_of(await client.get("/student/elo?result=proposed", headers=student(seed)))
    assert "Your plan is with your teacher" in page and "River Lab" in page and "Waiting for approval" in page


# ---- the API carries the self-assessment too ------------------------------------------------------

async def test_the_api_takes_and_returns_the_self_assessment(client, seed):
    c = await catalog(client, seed)
    s = bearer(seed, "student")
    r = await client.post("/api/submissions", headers=s, data={
        "achievement": c["lab"]["id"], "narrative": "work", "self_level_analysis": "2", "self_comment": "unsure"})
    assert r.status_code == 201, r.text
    [version] = r.json()["versions"]
    assert version["selfRatings"] == {"analysis": 2} and version["selfComment"] == "unsure"
    bad = await client.post("/api/submissions", headers=s, data={
        "achievement": c["lab"]["id"], "narrative": "work", "self_level_analysis": "7"})
    assert bad.status_code == 422 and bad.json()["field"] == "self_level_analysis"
    assert bad.headers["content-type"].startswith("application/problem+json")
