"""The administrator's people pages and audit log over HTTP, on the full app (issue 13): make an
account (a temporary password shown once, that signs in), deactivate and reactivate, reset a
password behind a confirmation, import a class list from CSV (every line checked before anything
is created), and read the audit log filtered by who, what and when, a page at a time. Bad twins:
no CSRF token, a teacher and a student (403), another school's person (404), one's own account
(409), a taken username, a roster with bad lines (nothing created), filters that are not dates
or name nobody."""
from __future__ import annotations

import re

import pytest

from tests.web.support import bearer

pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]


@pytest.fixture
async def client(asgi_client):
    return asgi_client


def sign_in_as(client, seed, role):
    client.cookies.clear()
    client.cookies.set("badges_session", seed.session[role])


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def password_on(html: str) -> str:
    return re.search(r'<code class="one-time"[^>]*>([^<]+)</code>', html).group(1)


async def can_sign_in(client, username: str, password: str) -> bool:
    page = await client.get("/login")
    r = await client.post("/login", data={"csrf_token": csrf_of(page.text), "username": username,
                                          "password": password, "next": "/"})
    return r.status_code == 303


async def test_people_are_listed_and_an_account_is_made_with_a_one_time_password(client, seed):
    sign_in_as(client, seed, "school_admin")
    page = await client.get("/admin/people")
    assert page.status_code == 200 and re.search(r'<a href="/admin/people" aria-current="page">', page.text)
    assert "north-student-1" in page.text and "south-student-0" not in page.text  # their school only
    csrf = csrf_of(page.text)
    form = {"csrf_token": csrf, "display_name": "Ana Ruiz", "username": "ana.ruiz", "email": "ana@north.example",
            "role": "teacher"}
    assert (await client.post("/admin/people", data={**form, "csrf_token": ""})).status_code == 403
    r = await client.post("/admin/people", data=form)
    assert r.status_code == 201 and "Account made" in r.text
    password = password_on(r.text)
    assert re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}-[a-z2-9]{5}", password)
    assert password not in (await client.get("/admin/people")).text  # shown once
    users = (await client.get("/admin/users", headers=bearer(seed, "school_admin"))).json()
    assert any(u["username"] == "ana.ruiz" and u["role"] == "teacher" for u in users)
    client.cookies.clear()
    assert await can_sign_in(client, "ana.ruiz", password)


async def test_a_bad_account_form_lists_its_problems_and_keeps_the_input(client, seed):
    sign_in_as(client, seed, "school_admin")
    csrf = csrf_of((await client.get("/admin/people")).text)
    r = await client.post("/admin/people", data={"csrf_token": csrf, "display_name": "Kept Name", "username": "has space",
                                                 "email": "nope", "role": "pilot"})
    assert r.status_code == 422 and 'class="error-summary"' in r.text
    for field in ("username", "email", "role"):
        assert f'href="#{field}"' in r.text, field
    assert 'value="Kept Name"' in r.text and 'value="has space"' in r.text and 'value="nope"' in r.text
    r = await client.post("/admin/people", data={"csrf_token": csrf, "username": "north-teacher-0", "role": "student"})
    assert r.status_code == 422 and "is taken" in r.text
    # a school admin makes no district admin, and the role list does not offer one
    r = await client.post("/admin/people", data={"csrf_token": csrf, "username": "boss", "role": "district_admin"})
    assert r.status_code == 422
    assert 'value="district_admin"' not in r.text


async def test_deactivate_and_reactivate_with_bad_twins(client, seed):
    sign_in_as(client, seed, "school_admin")
    csrf = csrf_of((await client.get("/admin/people")).text)
    student = seed.users[("north", "student", 0)]["id"]
    r = await client.post(f"/admin/people/{student}/deactivate", data={"csrf_token": csrf})
    assert r.status_code == 303 and r.headers["location"] == f"/admin/people?done=deactivated#user-{student}"
    page = await client.get("/admin/people?done=deactivated")
    assert "The account is deactivated" in page.text and "Deactivated</span>" in page.text
    assert (await client.get("/me", headers=bearer(seed, "student"))).status_code == 401  # its token ended
    r = await client.post(f"/admin/people/{student}/activate", data={"csrf_token": csrf})
    assert r.status_code == 303
    assert "The account is active again" in (await client.get(r.headers["location"])).text

    me = seed.users[("north", "school_admin", 0)]["id"]
    r = await client.post(f"/admin/people/{me}/deactivate", data={"csrf_token": csrf})
    assert r.status_code == 409 and "cannot deactivate your own account" in r.text
    other = seed.users[("south", "student", 0)]["id"]
    assert (await client.post(f"/admin/people/{other}/deactivate", data={"csrf_token": csrf})).status_code == 404
    assert (await client.post(f"/admin/people/{student}/deactivate", data={})).status_code == 403  # no CSRF


async def test_a_password_reset_is_confirmed_then_shown_once(client, seed):
    sign_in_as(client, seed, "school_admin")
    teacher = seed.users[("north", "teacher", 0)]
    confirm = await client.get(f"/admin/people/{teacher['id']}/reset-password")
    assert confirm.status_code == 200 and "Check before you reset" in confirm.text
    r = await client.post(f"/admin/people/{teacher['id']}/reset-password", data={"csrf_token": csrf_of(confirm.text)})
    assert r.status_code == 200 and "Password reset" in r.text
    password = password_on(r.text)
    assert (await client.get("/me", headers={"cookie": f"badges_session={seed.session['teacher']}"})).status_code == 401
    client.cookies.clear()
    assert await can_sign_in(client, teacher["username"], password)

    sign_in_as(client, seed, "school_admin")
    csrf = csrf_of((await client.get("/admin/people")).text)
    other = seed.users[("south", "teacher", 0)]["id"]
    assert (await client.get(f"/admin/people/{other}/reset-password")).status_code == 404
    assert (await client.post(f"/admin/people/{other}/reset-password", data={"csrf_token": csrf})).status_code == 404
    me = seed.users[("north", "school_admin", 0)]["id"]
    r = await client.post(f"/admin/people/{me}/reset-password", data={"csrf_token": csrf})
    assert r.status_code == 409 and "change it instead" in r.text


ROSTER = ("username,display_name,email,role\n"
          "maya.j,Maya Johnson,maya@north.example,student\n"
          "leo.k,Leo Kim,,\n"
          "mr.lee,Daniel Lee,lee@north.example,teacher\n")


async def test_a_class_list_is_checked_line_by_line_then_imported(client, seed):
    sign_in_as(client, seed, "school_admin")
    form = await client.get("/admin/people/import")
    assert form.status_code == 200 and 'type="file"' in form.text
    csrf = csrf_of(form.text)

    bad = ROSTER + "north-student-0,Taken,,student\nmaya.j,Twice,,student\nbad name,,x@,pilot\n"
    r = await client.post("/admin/people/import", data={"csrf_token": csrf},
                          files={"roster": ("class.csv", bad.encode(), "text/csv")})
    assert r.status_code == 422 and "3 of 6 lines have problems" in r.text
    assert "is taken" in r.text and "also on line 2" in r.text and "The role must be" in r.text
    assert "/admin/people/import/confirm" not in r.text  # no way to import a list with problems
    # nor by posting it anyway: nothing is created
    r = await client.post("/admin/people/import/confirm", data={"csrf_token": csrf, "roster_text": bad})
    assert r.status_code == 422
    users = {u["username"] for u in (await client.get("/admin/users", headers=bearer(seed, "school_admin"))).json()}
    assert "maya.j" not in users and "leo.k" not in users

    r = await client.post("/admin/people/import", data={"csrf_token": csrf},
                          files={"roster": ("class.csv", b"\xef\xbb\xbf" + ROSTER.encode(), "text/csv")})
    assert r.status_code == 200 and "3 people are ready to import" in r.text
    text = re.search(r'name="roster_text" value="([^"]*)"', r.text).group(1)
    r = await client.post("/admin/people/import/confirm", data={"csrf_token": csrf, "roster_text": text.replace(
        "&#10;", "\n").replace("&#39;", "'"), "school": ""})
    assert r.status_code == 201 and "3 accounts made" in r.text
    passwords = re.findall(r'<code class="one-time">([^<]+)</code>', r.text)
    assert len(passwords) == 3
    users = {u["username"]: u for u in (await client.get("/admin/users", headers=bearer(seed, "school_admin"))).json()}
    assert users["leo.k"]["role"] == "student" and users["mr.lee"]["role"] == "teacher"
    client.cookies.clear()
    assert await can_sign_in(client, "leo.k", passwords[1])


async def test_a_roster_that_is_not_a_roster_is_refused(client, seed):
    sign_in_as(client, seed, "school_admin")
    csrf = csrf_of((await client.get("/admin/people/import")).text)
    r = await client.post("/admin/people/import", data={"csrf_token": csrf},
                          files={"roster": ("class.csv", b"name,age\nAna,12\n", "text/csv")})
    assert r.status_code == 422 and "must name the columns" in r.text
    r = await client.post("/admin/people/import", data={"csrf_token": csrf},
                          files={"roster": ("class.csv", b"\xff\xfe\x00bad", "text/csv")})
    assert r.status_code == 422 and "UTF-8" in r.text
    r = await client.post("/admin/people/import", data={"csrf_token": csrf})
    assert r.status_code == 422 and "The file is empty" in r.text


@pytest.mark.parametrize("role", ["teacher", "student"])
async def test_teachers_and_students_may_not_manage_people_or_read_the_log(client, seed, role):
    sign_in_as(client, seed, role)
    for url in ("/admin/people", "/admin/people/import", "/admin/audit-log",
                f"/admin/people/{seed.users[('north', 'student', 1)]['id']}/reset-password"):
        assert (await client.get(url)).status_code == 403, url


async def test_the_audit_log_says_who_did_what_and_filters(client, seed):
    sign_in_as(client, seed, "school_admin")
    csrf = csrf_of((await client.get("/admin/people")).text)
    await client.post("/admin/people", data={"csrf_token": csrf, "username": "new.kid", "role": "student"})
    await client.post("/admin/keys/rotate", data={"csrf_token": csrf})
    student = seed.users[("north", "student", 1)]["id"]
    await client.post(f"/admin/people/{student}/deactivate", data={"csrf_token": csrf})

    page = await client.get("/admin/audit-log")
    assert page.status_code == 200 and re.search(r'<a href="/admin/audit-log" aria-current="page">', page.text)
    text = re.sub(r"\s+", " ", page.text)
    assert "made the account new.kid" in text and "signing key" in text and "rotated the school" in text
    assert "deactivated the account north-student-1" in text and "North school_admin 0" in text
    assert "user.create" not in text  # events in words, not codes

    keys_only = await client.get("/admin/audit-log?kind=keys")
    assert "rotated the school" in keys_only.text and "made the account" not in keys_only.text
    by_who = await client.get("/admin/audit-log?who=north-school_admin-0&kind=accounts")
    assert "made the account new.kid" in by_who.text
    later = await client.get("/admin/audit-log?since=2099-01-01")
    assert "No events match" in later.text
    today = seed.ctx.clock.now().date().isoformat()
    same_day = await client.get(f"/admin/audit-log?since={today}&until={today}")
    assert "made the account new.kid" in same_day.text

    # bad twins: not a date, a range backwards, nobody, another school's person, an unknown kind
    r = await client.get("/admin/audit-log?since=yesterday&until=2020-01-01&who=nobody&kind=everything")
    assert r.status_code == 422 and 'class="error-summary"' in r.text
    for field in ("since", "who", "kind"):
        assert f'href="#{field}"' in r.text, field
    assert 'value="yesterday"' in r.text and 'value="nobody"' in r.text
    r = await client.get("/admin/audit-log?since=2026-12-31&until=2026-01-01")
    assert r.status_code == 422 and "on or after the start date" in r.text
    r = await client.get("/admin/audit-log?who=south-school_admin-0")
    assert r.status_code == 422 and "No one here has the username" in r.text


async def test_the_audit_log_pages_and_a_district_admin_sees_the_district(client, seed):
    from issuer.accounts import repo as accounts_repo

    north, south = seed.schools["north"].id, seed.schools["south"].id
    at = seed.ctx.clock.now()
    await accounts_repo.audit_many([{"action": "school.profile", "at": at, "district_id": seed.district.id,
                                     "school_id": north, "subject": f"north-{i}"} for i in range(60)])
    await accounts_repo.audit(action="school.logo", at=at, district_id=seed.district.id, school_id=south,
                              subject="south")
    sign_in_as(client, seed, "school_admin")
    first = await client.get("/admin/audit-log")
    assert first.text.count("changed the school profile") == 50 and "Older events" in first.text
    assert "uploaded a new logo" not in first.text  # another school's event
    second = await client.get("/admin/audit-log?page=2")
    assert second.text.count("changed the school profile") == 10 and "Newer events" in second.text
    assert "Older events" not in second.text

    sign_in_as(client, seed, "district_admin")
    district = await client.get("/admin/audit-log?kind=school")
    assert "uploaded a new logo" in district.text and "South High School" in district.text


async def test_an_api_token_is_made_from_its_page_and_shown_once(client, seed):
    sign_in_as(client, seed, "school_admin")
    page = await client.get("/admin/api-tokens")
    assert page.status_code == 200 and re.search(r'<a href="/admin/api-tokens" aria-current="page">', page.text)
    csrf = csrf_of(page.text)
    form = {"csrf_token": csrf, "name": "Gradebook sync", "role": "teacher", "lifetime": "90",
            "user": "north-teacher-0"}
    assert (await client.post("/admin/api-tokens", data={**form, "csrf_token": ""})).status_code == 403
    r = await client.post("/admin/api-tokens", data=form)
    assert r.status_code == 201 and "Token made" in r.text
    token = re.search(r'id="new-token" type="text" readonly value="([^"]+)"', r.text).group(1)
    me = await client.get("/me", headers={"authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["role"] == "teacher"
    assert token not in (await client.get("/admin/api-tokens")).text  # shown once
    # bad twins: no name, a role above a token's, a lifetime not offered; the input is kept
    r = await client.post("/admin/api-tokens", data={**form, "name": " ", "role": "district_admin", "lifetime": "9999"})
    assert r.status_code == 422
    for field in ("token-name", "token-role", "token-lifetime"):
        assert f'href="#{field}"' in r.text, field
    r = await client.post("/admin/api-tokens", data={**form, "user": "south-teacher-0"})  # another school's
    assert r.status_code == 422 and 'href="#token-user"' in r.text and 'value="south-teacher-0"' in r.text
    r = await client.post("/admin/api-tokens", data={**form, "user": ""})
    assert r.status_code == 422 and "enter their username" in r.text
    r = await client.post("/admin/api-tokens", data={**form, "role": "school_admin", "user": "", "lifetime": "0"})
    assert r.status_code == 201 and "never" in r.text  # a school token, until revoked
    sign_in_as(client, seed, "teacher")
    assert (await client.post("/admin/api-tokens", data=form)).status_code == 403
