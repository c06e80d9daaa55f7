"""Classes over HTTP, on the full app (issue 13): an administrator makes a class with its teachers
and students, renames, changes and archives it; once a school has a class, a teacher sees only the
students of their classes (the review queue, the rating page, the student view, the award history,
status changes, the cohort view, bulk award validation, the JSON API), and administrators see
everyone; while a school has no class, every teacher sees all its students. The review queue and
the award history filter by class; the cohort view shows a class's grid and its CSV.

Bad twins: an empty name, another school's student, no CSRF token, a teacher on the admin pages,
teacher B opening teacher A's student's work (404), a class the teacher does not teach (404/400),
values the forms never offer (422)."""
from __future__ import annotations

import csv
import io
import re

import pytest

from tests.web.support import bearer, setup_achievement

pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]


@pytest.fixture
async def client(asgi_client):
    return asgi_client


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def as_session(client, cookie: str) -> None:
    client.cookies.clear()
    client.cookies.set("badges_session", cookie)


@pytest.fixture
async def world(client, seed):
    """North: teacher A (the seed's), teacher B (made here), students 0 and 1, each with a
    submission; student 0's is rated and awarded."""
    from issuer.accounts import repo as accounts_repo
    from issuer.accounts import service as accounts

    ctx = seed.ctx
    north = seed.schools["north"]
    b = await accounts_repo.insert_user(district_id=seed.district.id, school_id=north.id, role="teacher",
                                        username="north-teacher-b", email="b@example.org",
                                        display_name="North teacher B", password_hash="", at=ctx.clock.now())
    tokens = {"b": await accounts.create_api_token(ctx, school_id=north.id, district_id=seed.district.id,
                                                   role="teacher", user_id=b.id, name="b"),
              "s1": await accounts.create_api_token(ctx, school_id=north.id, district_id=seed.district.id,
                                                    role="student", user_id=seed.users[("north", "student", 1)]["id"],
                                                    name="s1")}
    sessions = {"a": seed.session["teacher"], "b": await accounts.create_session(ctx, b.id),
                "admin": seed.session["school_admin"]}
    achievement = await setup_achievement(client, seed)
    subs = {}
    for who, headers in (("s0", bearer(seed, "student")), ("s1", {"Authorization": f"Bearer {tokens['s1']}"})):
        r = await client.post("/api/submissions", headers=headers,
                              data={"achievement": achievement["id"], "narrative": f"work of {who}",
                                    "urls": "https://example.org/lab"},
                              files={"files": ("notes.txt", b"trial,time\n1,3.2\n", "text/plain")})
        assert r.status_code == 201, r.text
        subs[who] = r.json()["id"]
    r = await client.post(f"/api/submissions/{subs['s0']}/reviews", headers=bearer(seed, "teacher"),
                          json={"ratings": {"plan": 3, "analysis": 4}, "feedback": "Good"})
    assert r.status_code in (200, 201), r.text
    badge = r.json()["credential"]["uuid"]  # awarded: both criteria at or above Proficient
    return {"b": b, "tokens": tokens, "sessions": sessions, "subs": subs, "badge": badge,
            "s0": seed.users[("north", "student", 0)]["id"], "s1": seed.users[("north", "student", 1)]["id"],
            "a": seed.users[("north", "teacher", 0)]["id"], "achievement": achievement}


async def make_class(client, world, name: str, teacher: int, students: list[int]) -> int:
    as_session(client, world["sessions"]["admin"])
    page = await client.get("/admin/classes")
    r = await client.post("/admin/classes", data={"csrf_token": csrf_of(page.text), "name": name, "subject": "Science",
                                                  "period": "Fall", "teachers": [str(teacher)],
                                                  "students": [str(s) for s in students]})
    assert r.status_code == 303, r.text[:500]
    return int(re.search(r"/admin/classes/(\d+)\?done=created", r.headers["location"]).group(1))


async def test_an_administrator_makes_and_changes_a_class(client, seed, world):
    as_session(client, world["sessions"]["admin"])
    page = await client.get("/admin/classes")
    assert page.status_code == 200 and "every teacher sees all its students" in page.text
    people = await client.get("/admin/people")
    assert 'href="/admin/classes"' in people.text  # reached from People & classes
    csrf = csrf_of(page.text)
    # bad twins: no name (input kept), another school's student, no CSRF token
    r = await client.post("/admin/classes", data={"csrf_token": csrf, "name": " ", "subject": "Kept subject",
                                                  "students": [str(world["s0"])]})
    assert r.status_code == 422 and "error-summary" in r.text and 'value="Kept subject"' in r.text
    assert re.search(rf'value="{world["s0"]}" checked', r.text)
    other = seed.users[("south", "student", 0)]["id"]
    r = await client.post("/admin/classes", data={"csrf_token": csrf, "name": "Mixed", "students": [str(other)]})
    assert r.status_code == 422 and "Choose students of this school" in r.text
    assert (await client.post("/admin/classes", data={"name": "No token"})).status_code == 403
    class_id = await make_class(client, world, "Science 9A", world["a"], [world["s0"]])
    shown = await client.get(f"/admin/classes/{class_id}?done=created")
    assert "Science 9A" in shown.text and "The class is made" in shown.text and "North student 0" in shown.text
    csrf = csrf_of(shown.text)
    r = await client.post(f"/admin/classes/{class_id}", data={"csrf_token": csrf, "name": "Science 9B", "subject": "",
                                                             "period": ""})
    assert r.status_code == 303
    r = await client.post(f"/admin/classes/{class_id}/students", data={"csrf_token": csrf,
                                                                       "students": [str(world["s1"])]})
    assert r.status_code == 303
    r = await client.post(f"/admin/classes/{class_id}/students/remove", data={"csrf_token": csrf,
                                                                              "remove": [str(world["s0"])]})
    assert r.status_code == 303
    r = await client.post(f"/admin/classes/{class_id}/teachers", data={"csrf_token": csrf,
                                                                       "teachers": [str(world["a"]), str(world["b"].id)]})
    assert r.status_code == 303
    detail = await client.get(f"/admin/classes/{class_id}")
    assert "Science 9B" in detail.text and "North student 1" in detail.text
    assert re.search(rf'id="teacher-{world["b"].id}" name="teachers" value="{world["b"].id}" checked', detail.text)
    r = await client.post(f"/admin/classes/{class_id}/archive", data={"csrf_token": csrf})
    assert r.status_code == 303
    assert "Archived" in (await client.get("/admin/classes")).text
    # a teacher is not an administrator; another school's admin does not find the class
    as_session(client, world["sessions"]["a"])
    assert (await client.get("/admin/classes")).status_code == 403
    from issuer.accounts import service as accounts

    south_admin = await accounts.create_session(seed.ctx, seed.users[("south", "school_admin", 0)]["id"])
    as_session(client, south_admin)
    assert (await client.get(f"/admin/classes/{class_id}")).status_code == 404


async def test_a_school_without_classes_shows_every_student_to_every_teacher(client, seed, world):
    as_session(client, world["sessions"]["b"])
    assert (await client.get(f"/teacher/submissions/{world['subs']['s0']}")).status_code == 200
    assert (await client.get(f"/teacher/students/{world['s0']}")).status_code == 200
    page = await client.get("/teacher/classes")
    assert page.status_code == 200 and "You see the whole school" in page.text


async def test_a_teacher_sees_only_the_students_of_their_classes(client, seed, world):
    class_a = await make_class(client, world, "A's class", world["a"], [world["s0"]])
    class_b = await make_class(client, world, "B's class", world["b"].id, [world["s1"]])
    s0_sub, s1_sub = world["subs"]["s0"], world["subs"]["s1"]
    # teacher B: student 0 is A's, so not found everywhere (the bad twin)
    as_session(client, world["sessions"]["b"])
    assert (await client.get(f"/teacher/submissions/{s0_sub}")).status_code == 404
    assert (await client.get(f"/teacher/students/{world['s0']}")).status_code == 404
    queue = (await client.get("/teacher/reviews")).text
    assert s1_sub in queue and s0_sub not in queue
    assert (await client.get(f"/teacher/classes/{class_a}")).status_code == 404
    assert (await client.get(f"/teacher/cohort?class={class_a}")).status_code == 404
    b_api = {"Authorization": f"Bearer {world['tokens']['b']}"}
    assert (await client.get(f"/api/submissions/{s0_sub}", headers=b_api)).status_code == 404
    if world["badge"]:
        history = (await client.get("/teacher/awards")).text
        assert world["badge"] not in history
        assert (await client.get(f"/teacher/awards/{world['badge']}")).status_code == 404
        r = await client.post(f"/admin/credentials/{world['badge']}/suspend", headers=b_api, json={"reason": "x"})
        assert r.status_code in (403, 404), r.text
    # bulk award: a row for A's student is a row error, nothing is issued
    rows = f"email,achievement,plan,analysis\n{seed.users[('north', 'student', 0)]['email']},{world['achievement']['id']},4,4\n"
    r = await client.post("/api/awards/bulk", headers=b_api, files={"file": ("awards.csv", rows.encode(), "text/csv")})
    assert r.status_code in (400, 422), r.text
    assert "not in one of your classes" in r.text
    # teacher A sees their student, and the class page links to the student view, cohort and history
    as_session(client, world["sessions"]["a"])
    assert (await client.get(f"/teacher/submissions/{s0_sub}")).status_code == 200
    assert (await client.get(f"/teacher/submissions/{s1_sub}")).status_code == 404
    page = await client.get(f"/teacher/classes/{class_a}")
    assert page.status_code == 200 and f'href="/teacher/students/{world["s0"]}"' in page.text
    assert f'/teacher/cohort?class={class_a}' in page.text and f'/teacher/awards?class={class_a}' in page.text
    listed = (await client.get("/teacher/classes")).text
    assert "A&#39;s class" in listed and "B&#39;s class" not in listed
    # the review queue filters by class; a class the teacher does not teach, or no number, is a 400
    assert (await client.get(f"/teacher/reviews?class={class_b}")).status_code == 422
    assert (await client.get("/teacher/reviews?class=abc")).status_code == 422
    assert (await client.get(f"/teacher/awards?class={class_b}")).status_code == 422
    history = await client.get(f"/teacher/awards?class={class_a}")
    assert history.status_code == 200 and world["badge"] in history.text
    # the school admin sees everyone
    as_session(client, world["sessions"]["admin"])
    assert (await client.get(f"/teacher/submissions/{s0_sub}")).status_code == 200
    assert (await client.get(f"/teacher/submissions/{s1_sub}")).status_code == 200
    assert (await client.get(f"/teacher/students/{world['s1']}")).status_code == 200


async def test_the_review_queue_filters_by_class(client, seed, world):
    class_a = await make_class(client, world, "Both", world["a"], [world["s0"], world["s1"]])
    await make_class(client, world, "Only one", world["a"], [world["s1"]])
    as_session(client, world["sessions"]["a"])
    everyone = (await client.get("/teacher/reviews")).text
    assert world["subs"]["s1"] in everyone and 'name="class"' in everyone
    classes = re.findall(r'<option value="(\d+)"[^>]*>Only one<', everyone)
    one = (await client.get(f"/teacher/reviews?class={classes[0]}")).text
    assert world["subs"]["s1"] in one
    both = (await client.get(f"/teacher/reviews?class={class_a}")).text
    assert world["subs"]["s1"] in both


async def test_the_cohort_view_of_a_class_and_its_csv(client, seed, world):
    class_a = await make_class(client, world, "Cohort class", world["a"], [world["s0"], world["s1"]])
    as_session(client, world["sessions"]["a"])
    page = await client.get(f"/teacher/cohort?class={class_a}")
    assert page.status_code == 200 and 'id="cohort-grid"' in page.text
    assert "SP.3" in page.text and "North student 0" in page.text and "North student 1" in page.text
    if world["badge"]:  # student 0's badge: the lowest rating (3), at the required level
        assert "3 · Proficient" in page.text
    # student 1 has no badge: below the required level, listed with a link
    assert f'href="/teacher/students/{world["s1"]}"' in page.text and "none yet" in page.text
    # sorting by the competency, high to low: student 0 (a level) before student 1 (none)
    comp = re.search(r'sort=(c\d+)', page.text).group(1)
    ordered = (await client.get(f"/teacher/cohort?class={class_a}&sort={comp}&dir=desc")).text
    assert ordered.index("North student 0") < ordered.index("North student 1") or not world["badge"]
    assert 'aria-sort="descending"' in ordered
    r = await client.get(f"/teacher/cohort.csv?class={class_a}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["student", "username", "met"] and rows[0][3].startswith("SP.3")
    assert rows[1][0] == "required" and rows[1][3] == "3"
    by_name = {row[0]: row for row in rows[2:]}
    assert by_name["North student 1"][3] == ""
    if world["badge"]:
        assert by_name["North student 0"][3] == "3" and by_name["North student 0"][2] == "1"
    # bad twins: a sort the grid does not have, a class that is not a number
    assert (await client.get(f"/teacher/cohort?class={class_a}&sort=c999999")).status_code == 422
    assert (await client.get("/teacher/cohort?class=x")).status_code == 422
    assert (await client.get("/teacher/cohort?sort=up")).status_code == 422
    # the school admin may look at the whole school
    as_session(client, world["sessions"]["admin"])
    whole = await client.get("/teacher/cohort")
    assert whole.status_code == 200 and "The whole school" in whole.text and "North student 1" in whole.text


async def test_a_roster_puts_students_into_a_class(client, seed, world):
    class_id = await make_class(client, world, "Roster class", world["a"], [])
    as_session(client, world["sessions"]["admin"])
    page = await client.get("/admin/people/import")
    csrf = csrf_of(page.text)
    # bad twins: a class that does not exist, a teacher put into a class; nothing is created
    bad = ("username,display_name,role,class\nnew.kid,New Kid,student,No such class\n"
           "new.teacher,New Teacher,teacher,Roster class\n")
    r = await client.post("/admin/people/import", data={"csrf_token": csrf, "roster_text": bad})
    assert r.status_code == 422 and "no class &#39;No such class&#39;" in r.text and "Only students go into" in r.text
    good = "username,display_name,role,class\nnew.kid,New Kid,student,roster CLASS\nother.kid,Other Kid,student,\n"
    r = await client.post("/admin/people/import", data={"csrf_token": csrf, "roster_text": good})
    assert r.status_code == 200, r.text[:300]
    r = await client.post("/admin/people/import/confirm", data={"csrf_token": csrf, "roster_text": good})
    assert r.status_code == 201, r.text[:300]
    detail = (await client.get(f"/admin/classes/{class_id}")).text
    assert "New Kid" in detail.split('id="add-title"')[0] and "Other Kid" not in detail.split('id="add-title"')[0]
