"""The administrator's achievement pages over HTTP (issue 13): the list by area, the editor
whose add/remove buttons are server round-trips keeping what was typed, validation errors linked
to their fields, alignments restricted to the area, prerequisites, the image, and versions:
editing an awarded achievement makes a new version, the old badge still verifies and its
achievement URL still shows the old rubric, a badge issued after the edit carries the new one.
Bad twins: no CSRF token, a teacher (403), another school's achievement (404), a forged
alignment of the other area, a required level off the scale, a hostile SVG."""
from __future__ import annotations

import html
import re

import pytest

from tests.web.award_support import award
from tests.web.support import bearer

pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]


@pytest.fixture
async def client(asgi_client):
    return asgi_client


def sign_in_as(client, seed, role):
    client.cookies.clear()
    client.cookies.set("badges_session", seed.session[role])


def csrf_of(text: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)


def value_of(text: str, name: str) -> str | None:
    m = re.search(rf'<input id="{re.escape(name)}" name="{re.escape(name)}"[^>]*value="([^"]*)"', text)
    return html.unescape(m.group(1)) if m else None


def textarea_of(text: str, name: str) -> str | None:
    m = re.search(rf'<textarea id="{re.escape(name)}" name="{re.escape(name)}"[^>]*>([^<]*)</textarea>', text)
    return html.unescape(m.group(1)) if m else None


LEVELS = ["Beginning", "Developing", "Proficient", "Exceeds"]


def editor_form(csrf: str, *, criteria=(("Planning", 3), ("Analysis", 3)), levels=LEVELS, action="save",
                **changes) -> dict:
    form = {"csrf_token": csrf, "name": "Lab investigator", "description": "Plans and analyses an investigation.",
            "criteria": "Both criteria at Proficient.", "area": "academic", "subject": "Science",
            "level_count": str(len(levels)), "criterion_count": str(len(criteria)), "action": action,
            "achievement_type": "Competency"}
    for j, name in enumerate(levels, start=1):
        form[f"level-{j}"] = name
    for i, (name, required) in enumerate(criteria, start=1):
        form[f"c-{i}-name"] = name
        form[f"c-{i}-required"] = str(required)
        for j, level in enumerate(levels, start=1):
            form[f"c-{i}-level-{j}"] = f"{name} at {level}"
    form.update(changes)
    return form


async def framework(client, seed, kind: str, name: str, code: str) -> int:
    r = await client.post("/api/frameworks", headers=bearer(seed, "school_admin"), json={
        "kind": kind, "name": name, "competencies": [{"code": code, "name": f"{name} competency"}]})
    assert r.status_code == 201, r.text
    return r.json()["competencies"][0]["id"]


async def test_the_list_is_in_the_menu_and_groups_by_area(client, seed):
    await award(client, seed)  # "Investigator", academic · Science, one award
    r = await client.post("/api/achievements", headers=bearer(seed, "school_admin"), json={
        "name": "Collaboration", "description": "Works well with others.", "area": "habits",
        "rubric": {"criteria": [{"id": "share", "name": "Shares", "requiredLevel": 3}]}})
    assert r.status_code == 201, r.text
    sign_in_as(client, seed, "school_admin")
    page = await client.get("/admin/school")
    assert 'href="/admin/achievements"' in page.text
    page = await client.get("/admin/achievements")
    assert page.status_code == 200
    assert re.search(r'<a href="/admin/achievements" aria-current="page">', page.text)
    text = page.text
    assert text.index("Academic · Science") < text.index("Investigator") < text.index("Habits of work") \
        < text.index("Collaboration")
    assert "Open for awards" in text
    # a teacher and a student cannot open it
    sign_in_as(client, seed, "teacher")
    assert (await client.get("/admin/achievements")).status_code == 403
    sign_in_as(client, seed, "student")
    assert (await client.get("/admin/achievements/new")).status_code == 403


async def test_the_editor_adds_and_removes_rows_and_levels_keeping_input(client, seed):
    sign_in_as(client, seed, "school_admin")
    page = await client.get("/admin/achievements/new")
    assert page.status_code == 200
    # starts from the school's level words, two criteria
    assert [value_of(page.text, f"level-{j}") for j in range(1, 5)] == LEVELS
    assert value_of(page.text, "c-2-name") == "" and value_of(page.text, "c-3-name") is None
    csrf = csrf_of(page.text)

    r = await client.post("/admin/achievements/new", data=editor_form(csrf, action="add-criterion"))
    assert r.status_code == 200
    assert value_of(r.text, "name") == "Lab investigator" and value_of(r.text, "c-2-name") == "Analysis"
    assert textarea_of(r.text, "c-1-level-4") == "Planning at Exceeds"
    assert value_of(r.text, "c-3-name") == ""  # the new, empty row

    r = await client.post("/admin/achievements/new", data=editor_form(csrf, action="remove-criterion-1"))
    assert value_of(r.text, "c-1-name") == "Analysis" and value_of(r.text, "c-2-name") is None

    r = await client.post("/admin/achievements/new", data=editor_form(csrf, action="add-level"))
    assert value_of(r.text, "level-5") == "" and textarea_of(r.text, "c-2-level-5") == ""
    assert textarea_of(r.text, "c-2-level-4") == "Analysis at Exceeds"

    r = await client.post("/admin/achievements/new", data=editor_form(
        csrf, action="remove-level", criteria=(("Planning", 4), ("Analysis", 2))))
    assert value_of(r.text, "level-4") is None and textarea_of(r.text, "c-1-level-4") is None
    assert re.search(r'<option value="3" selected>3 · Proficient</option>', r.text)  # 4 → the new top level

    # nothing was saved by any of these
    assert (await client.get("/api/achievements", headers=bearer(seed, "school_admin"))).json() == []


async def test_validation_errors_are_listed_linked_and_the_input_kept(client, seed):
    sign_in_as(client, seed, "school_admin")
    csrf = csrf_of((await client.get("/admin/achievements/new")).text)
    form = editor_form(csrf, name="", total="99")
    form["c-2-level-3"] = ""
    form["c-1-required"] = "7"  # off the scale (a forged post)
    form["level-2"] = ""
    r = await client.post("/admin/achievements/new", data=form)
    assert r.status_code == 400
    summary = r.text[r.text.index('class="error-summary"'):r.text.index("</ul>", r.text.index('class="error-summary"'))]
    assert '<a href="#name">Enter a name for the achievement.</a>' in summary
    assert '<a href="#c-2-level-3">Criterion 2 has no description for level 3.</a>' in summary
    assert '<a href="#c-1-required">Criterion 1: the required level must be on the scale (1 to 4).</a>' in summary
    assert '<a href="#level-2">Level 2 needs a name.</a>' in summary
    assert '<a href="#total">' in summary
    assert 'id="c-2-level-3-error"' in r.text and 'aria-describedby="c-2-level-3-error"' in r.text
    assert value_of(r.text, "c-1-name") == "Planning" and textarea_of(r.text, "c-1-level-2") == "Planning at Developing"
    assert (await client.get("/api/achievements", headers=bearer(seed, "school_admin"))).json() == []
    # no CSRF token: refused before anything
    assert (await client.post("/admin/achievements/new", data=editor_form(""))).status_code == 403


async def test_create_with_a_four_level_rubric_alignments_and_prerequisites(client, seed):
    academic = await framework(client, seed, "academic", "Science", "SP.1")
    habits = await framework(client, seed, "habits", "Habits", "HW.1")
    sign_in_as(client, seed, "school_admin")
    page = await client.get("/admin/achievements/new")
    # the academic area offers the academic framework only
    assert f'id="competency-{academic}"' in page.text and f'id="competency-{habits}"' not in page.text
    r = await client.post("/admin/achievements/new", data=editor_form(csrf_of(page.text), area="habits",
                                                                      action="refresh"))
    assert f'id="competency-{habits}"' in r.text and f'id="competency-{academic}"' not in r.text
    csrf = csrf_of(page.text)

    # bad twin: a habits competency on an academic achievement (forged: the page does not offer it)
    r = await client.post("/admin/achievements/new", data=editor_form(csrf, alignments=[str(habits)]))
    assert r.status_code == 400 and '<a href="#alignments">' in r.text

    r = await client.post("/admin/achievements/new", data=editor_form(csrf, alignments=[str(academic)], total="7"))
    assert r.status_code == 303, r.text
    location = r.headers["location"]
    assert location.endswith("?done=created")
    first_uuid = location.split("/")[3].split("?")[0]
    page = await client.get(location)
    assert "The achievement is created." in page.text and "Science competency" in page.text
    doc = (await client.get(f"/achievements/{first_uuid}")).json()
    levels = doc["resultDescription"][0]["rubricCriterionLevel"]
    assert [lv["name"] for lv in levels] == LEVELS and levels[3]["description"] == "Planning at Exceeds"
    assert doc["resultDescription"][0]["requiredLevel"].endswith("/levels/3")
    assert doc["resultDescription"][-1]["requiredValue"] == "7"

    # a second one with the first as prerequisite
    page = await client.get("/admin/achievements/new")
    assert f'id="prerequisite-{first_uuid}"' in page.text
    r = await client.post("/admin/achievements/new", data=editor_form(
        csrf, name="Lab leader", prerequisites=[first_uuid]))
    assert r.status_code == 303
    second = (await client.get(r.headers["location"])).text
    assert f'href="/admin/achievements/{first_uuid}"' in second
    # bad twin: an unknown prerequisite
    r = await client.post("/admin/achievements/new", data=editor_form(
        csrf, name="Lab leader 2", prerequisites=["00000000-0000-4000-8000-000000000000"]))
    assert r.status_code == 422 and '<a href="#prerequisites">' in r.text


async def test_editing_without_awards_changes_in_place(client, seed):
    sign_in_as(client, seed, "school_admin")
    csrf = csrf_of((await client.get("/admin/achievements/new")).text)
    r = await client.post("/admin/achievements/new", data=editor_form(csrf))
    a_uuid = r.headers["location"].split("/")[3].split("?")[0]
    page = await client.get(f"/admin/achievements/{a_uuid}/edit")
    assert "No badge has been awarded with version 1 yet: saving changes it in place." in page.text
    assert value_of(page.text, "c-1-name") == "Planning" and textarea_of(page.text, "c-2-level-4") == "Analysis at Exceeds"
    r = await client.post(f"/admin/achievements/{a_uuid}/edit", data=editor_form(csrf, name="Lab investigator II"))
    assert r.status_code == 303 and r.headers["location"] == f"/admin/achievements/{a_uuid}?done=saved"
    assert (await client.get(f"/achievements/{a_uuid}")).json()["name"] == "Lab investigator II"


async def test_editing_an_awarded_achievement_makes_a_new_version(client, seed):
    badge = await award(client, seed)  # "Investigator" v1, criteria plan + analysis at 3
    old_id = badge["doc"]["credentialSubject"]["achievement"]["id"]
    old_uuid = old_id.rsplit("/", 1)[1]
    old_doc = (await client.get(old_id.replace("http://testserver", ""))).json()
    sign_in_as(client, seed, "school_admin")
    page = await client.get(f"/admin/achievements/{old_uuid}/edit")
    assert "This badge has 1 award: saving makes version 2; issued badges keep version 1." in page.text
    assert "Save as version 2" in page.text
    form = editor_form(csrf_of(page.text), name="Investigator", criteria=(("Planning", 3), ("Analysis", 3),
                                                                           ("Communication", 2)))
    form["c-1-id"], form["c-2-id"] = "plan", "analysis"
    r = await client.post(f"/admin/achievements/{old_uuid}/edit", data=form)
    assert r.status_code == 303, r.text
    new_uuid = r.headers["location"].split("/")[3].split("?")[0]
    assert new_uuid != old_uuid and r.headers["location"].endswith("?done=version")
    page = await client.get(r.headers["location"])
    assert "Saved as version 2." in page.text and "Version history" in page.text
    assert f'href="/admin/achievements/{old_uuid}"' in page.text  # version 1 in the history

    # the old badge: still verifies, and its achievement URL still shows the old rubric
    raw = (await client.get(f"/credentials/{badge['uuid']}")).content
    assert raw == badge["raw"]
    client.cookies.clear()  # a verifier, not the admin
    r = await client.post("/verify", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 200 and r.json()["verified"] is True, r.text
    sign_in_as(client, seed, "school_admin")
    assert (await client.get(old_id.replace("http://testserver", ""))).json() == old_doc
    assert len(old_doc["resultDescription"]) == 2
    # the old version's page says it is kept for its badges; its edit page leads to the current one
    old_page = await client.get(f"/admin/achievements/{old_uuid}")
    assert "This is version 1, kept as it was for the badges issued with it." in old_page.text
    r = await client.get(f"/admin/achievements/{old_uuid}/edit")
    assert r.status_code == 303 and r.headers["location"] == f"/admin/achievements/{new_uuid}/edit"

    # the API lists the current version only; the student's submit page offers it alone
    listed = (await client.get("/api/achievements", headers=bearer(seed, "teacher"))).json()
    assert [(a["id"], a["version"]) for a in listed] == [(new_uuid, 2)]
    student, teacher = bearer(seed, "student"), bearer(seed, "teacher")
    r = await client.post("/api/submissions", headers=student, data={"achievement": old_uuid, "narrative": "again"})
    assert r.status_code >= 400
    # a badge issued after the edit carries the new rubric
    r = await client.post("/api/submissions", headers=student, data={"achievement": new_uuid, "narrative": "v2 work"})
    assert r.status_code == 201, r.text
    r = await client.post(f"/api/submissions/{r.json()['id']}/reviews", headers=teacher,
                          json={"ratings": {"plan": 4, "analysis": 4, "communication": 3}})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "awarded", r.text
    new_badge = (await client.get(f"/credentials/{r.json()['credential']['uuid']}")).json()
    assert new_badge["credentialSubject"]["achievement"]["id"].endswith(new_uuid)
    assert len(new_badge["credentialSubject"]["achievement"]["resultDescription"]) == 3
    # the list shows version 2 with both awards
    page = await client.get("/admin/achievements")
    assert re.search(r"Investigator</strong></a>.*?<td data-label=\"Version\">2</td>\s*<td data-label=\"Awards\"><span>2 <span class=\"event-meta\">1 with version 2",
                     page.text, re.S)
    # the award history says which version each badge was issued with
    history = (await client.get("/teacher/awards")).text
    assert history.count('<span class="event-meta">version 2</span>') == 1
    assert "Investigator · version 2</option>" in history


async def test_the_api_put_follows_the_same_versioning_rule(client, seed):
    badge = await award(client, seed)
    old_uuid = badge["doc"]["credentialSubject"]["achievement"]["id"].rsplit("/", 1)[1]
    admin = bearer(seed, "school_admin")
    body = {"name": "Investigator", "description": "Plans, runs and analyses an investigation.",
            "rubric": {"criteria": [{"id": "plan", "name": "Planning", "requiredLevel": 3}]}, "subject": "Science",
            "area": "academic"}
    r = await client.put(f"/api/achievements/{old_uuid}", headers=admin, json=body)
    assert r.status_code == 200, r.text
    assert r.json()["id"] != old_uuid and r.json()["version"] == 2
    # an older version cannot be edited (409), and the new one, without awards, changes in place
    assert (await client.put(f"/api/achievements/{old_uuid}", headers=admin, json=body)).status_code == 409
    new_uuid = r.json()["id"]
    r = await client.put(f"/api/achievements/{new_uuid}", headers=admin, json={**body, "name": "Investigator+"})
    assert r.status_code == 200 and r.json()["id"] == new_uuid and r.json()["name"] == "Investigator+"
    # bad twins: a student (403), another school's admin (404), a bad rubric (4xx)
    assert (await client.put(f"/api/achievements/{new_uuid}", headers=bearer(seed, "student"),
                             json=body)).status_code == 403
    r = await client.put(f"/api/achievements/{new_uuid}", headers=admin, json={**body, "rubric": {"criteria": []}})
    assert 400 <= r.status_code < 500


def png(colour=(11, 92, 173, 255)) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGBA", (32, 32), colour).save(out, format="PNG")
    return out.getvalue()


PNG = png()


async def test_the_image_upload_and_its_bad_twin(client, seed):
    sign_in_as(client, seed, "school_admin")
    csrf = csrf_of((await client.get("/admin/achievements/new")).text)
    r = await client.post("/admin/achievements/new", data=editor_form(csrf))
    a_uuid = r.headers["location"].split("/")[3].split("?")[0]
    r = await client.post(f"/admin/achievements/{a_uuid}/image", data={"csrf_token": csrf},
                          files={"image": ("badge.png", PNG, "image/png")})
    assert r.status_code == 303 and r.headers["location"] == f"/admin/achievements/{a_uuid}?done=image#image-section"
    assert (await client.get(f"/achievements/{a_uuid}/image")).headers["content-type"].startswith("image/png")
    hostile = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    r = await client.post(f"/admin/achievements/{a_uuid}/image", data={"csrf_token": csrf},
                          files={"image": ("x.svg", hostile, "image/svg+xml")})
    assert 400 <= r.status_code < 500 and 'href="#image"' in r.text


async def test_another_schools_achievement_is_not_found(client, seed):
    r = await client.post("/api/achievements", headers=bearer(seed, "school_admin"), json={
        "name": "North only", "description": "x", "rubric": {"criteria": [{"id": "a", "name": "A", "requiredLevel": 3}]}})
    a_uuid = r.json()["id"]
    from issuer.accounts import service as accounts
    south_admin = seed.users[("south", "school_admin", 0)]
    client.cookies.clear()
    client.cookies.set("badges_session", await accounts.create_session(seed.ctx, south_admin["id"]))
    assert (await client.get(f"/admin/achievements/{a_uuid}")).status_code == 404
    assert (await client.get(f"/admin/achievements/{a_uuid}/edit")).status_code == 404


async def test_versions_of_one_achievement_count_as_one(client, seed):
    """A badge of version 1 still meets a prerequisite once the achievement is at version 2, and
    the student's "What's next" does not offer the new version of a badge they hold."""
    badge = await award(client, seed)  # the student holds Investigator v1
    v1 = badge["doc"]["credentialSubject"]["achievement"]["id"].rsplit("/", 1)[1]
    admin, teacher, student = bearer(seed, "school_admin"), bearer(seed, "teacher"), bearer(seed, "student")
    r = await client.put(f"/api/achievements/{v1}", headers=admin, json={
        "name": "Investigator", "description": "Plans and analyses an investigation, and reflects on it.",
        "subject": "Science", "rubric": {"criteria": [{"id": "plan", "name": "Planning", "requiredLevel": 3}]}})
    assert r.status_code == 200 and r.json()["version"] == 2
    v2 = r.json()["id"]
    # made after the edit: its prerequisite is version 2, which the student does not hold as such
    r = await client.post("/api/achievements", headers=admin, json={
        "name": "Lab leader", "description": "Leads a lab team.", "subject": "Science", "prerequisites": [v2],
        "rubric": {"criteria": [{"id": "lead", "name": "Leading", "requiredLevel": 3}]}})
    assert r.status_code == 201, r.text
    leader = r.json()["id"]
    sign_in_as(client, seed, "student")
    page = (await client.get("/student/progress")).text
    after = page[page.index('id="next"'):]
    assert "Lab leader" in after and "Investigator" not in after and "First earn" not in after
    client.cookies.clear()
    r = await client.post("/api/submissions", headers=student, data={"achievement": leader, "narrative": "Led it"})
    assert r.status_code == 201, r.text
    r = await client.post(f"/api/submissions/{r.json()['id']}/reviews", headers=teacher, json={"ratings": {"lead": 3}})
    assert r.status_code == 200 and r.json()["status"] == "awarded", r.text


async def test_replacing_the_image_of_an_awarded_achievement_makes_a_new_version(client, seed):
    badge = await award(client, seed)
    v1 = badge["doc"]["credentialSubject"]["achievement"]["id"].rsplit("/", 1)[1]
    sign_in_as(client, seed, "school_admin")
    csrf = csrf_of((await client.get(f"/admin/achievements/{v1}")).text)
    first, second = png(), png((15, 122, 104, 255))
    r = await client.post(f"/admin/achievements/{v1}/image", data={"csrf_token": csrf},
                          files={"image": ("a.png", first, "image/png")})
    assert r.headers["location"] == f"/admin/achievements/{v1}?done=image#image-section"  # a first image: in place
    page = await client.get(f"/admin/achievements/{v1}")
    assert "Badges already issued keep their image: this makes a new version." in page.text
    r = await client.post(f"/admin/achievements/{v1}/image", data={"csrf_token": csrf},
                          files={"image": ("b.png", second, "image/png")})
    assert r.status_code == 303 and "done=image-version" in r.headers["location"]
    v2 = r.headers["location"].split("/")[3].split("?")[0]
    assert v2 != v1
    assert (await client.get(f"/achievements/{v1}/image")).content != (await client.get(f"/achievements/{v2}/image")).content
    page = await client.get(r.headers["location"])
    assert "The new image is saved as version 2." in page.text
    # the rubric and everything else came along
    assert (await client.get(f"/achievements/{v2}")).json()["resultDescription"] == \
        [{**d, "id": d["id"].replace(v1, v2), **({"requiredLevel": d["requiredLevel"].replace(v1, v2)} if "requiredLevel" in d else {}),
          **({"rubricCriterionLevel": [{**lv, "id": lv["id"].replace(v1, v2)} for lv in d["rubricCriterionLevel"]]} if "rubricCriterionLevel" in d else {})}
         for d in (await client.get(f"/achievements/{v1}")).json()["resultDescription"]]


async def test_open_work_is_rated_against_the_version_it_was_submitted_to(client, seed):
    """Decided: work submitted before the edit keeps its version's rubric, and its badge names it."""
    badge = await award(client, seed)
    v1 = badge["doc"]["credentialSubject"]["achievement"]["id"].rsplit("/", 1)[1]
    student, teacher, admin = bearer(seed, "student"), bearer(seed, "teacher"), bearer(seed, "school_admin")
    r = await client.post("/api/submissions", headers=student, data={"achievement": v1, "narrative": "Better report"})
    assert r.status_code == 201, r.text
    open_work = r.json()["id"]
    r = await client.put(f"/api/achievements/{v1}", headers=admin, json={
        "name": "Investigator", "description": "Now one criterion.", "subject": "Science",
        "rubric": {"criteria": [{"id": "method", "name": "Method", "requiredLevel": 3}]}})
    assert r.status_code == 200 and r.json()["version"] == 2
    r = await client.post(f"/api/submissions/{open_work}/reviews", headers=teacher,
                          json={"ratings": {"plan": 4, "analysis": 4}})
    assert r.status_code == 200 and r.json()["status"] == "awarded", r.text
    doc = (await client.get(f"/credentials/{r.json()['credential']['uuid']}")).json()
    assert doc["credentialSubject"]["achievement"]["id"].endswith(v1)


async def test_a_district_admin_works_on_a_named_school(client, seed):
    sign_in_as(client, seed, "district_admin")
    page = await client.get("/admin/achievements?school=south")
    assert page.status_code == 200 and "South High School" in page.text
    assert 'href="/admin/achievements/new?school=south"' in page.text
    page = await client.get("/admin/achievements/new?school=south")
    assert 'name="school" value="south"' in page.text
    r = await client.post("/admin/achievements/new", data=editor_form(csrf_of(page.text), school="south"))
    assert r.status_code == 303 and r.headers["location"].endswith("?school=south&done=created"), r.text
    a_uuid = r.headers["location"].split("/")[3].split("?")[0]
    from issuer.catalog import achievements
    assert (await achievements.find(a_uuid)).school == seed.schools["south"].id
    # a school outside the district is not found
    assert (await client.get("/admin/achievements?school=nowhere")).status_code == 404
