"""The bulk award page over HTTP, on the full app (issue 13): the CSV template follows the
achievement's rubric; an uploaded file is checked whole, with each kind of row problem listed
by line and column in words and nothing issued (each with its good twin); a good file gets
"check your answers", the Confirm starts one job (a second submit of the same form starts no
other), the job's page reaches its outcome, the students get their mail, and the person's
recent jobs list it. Files that are too large, not UTF-8, binary, without a header, without
rows or with the wrong columns are form errors, never a 500."""
from __future__ import annotations

import asyncio
import csv
import io
import re
import uuid

import httpx
import pytest

from tests.support import BASE_URL
from tests.web.support import add_students, bearer, setup_achievement

pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]

PAGE = "/teacher/bulk-award"


@pytest.fixture
def mailer():
    from issuer.mail import RecordingMailer

    return RecordingMailer()


@pytest.fixture
async def client(seed, platform_settings, platform, db, mailer):
    from issuer.app import create_app

    app = create_app(platform_settings, clock=platform.clock, engine=db, mailer=mailer)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as c:
        yield c


def sign_in_as(client, seed, role):
    client.cookies.clear()
    client.cookies.set("badges_session", seed.session[role])


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def hidden(html: str, name: str) -> str:
    import html as htmllib

    return htmllib.unescape(re.search(rf'name="{name}" value="([^"]*)"', html).group(1))


async def upload(client, achievement_id: str, data: bytes, *, csrf: str | None = None):
    csrf = csrf or csrf_of((await client.get(PAGE)).text)
    return await client.post(PAGE, data={"csrf_token": csrf, "achievement": achievement_id},
                             files={"file": ("marks.csv", data, "text/csv")})


async def awards_count(client, seed) -> int:
    return len((await client.get("/api/awards", headers=bearer(seed, "teacher"))).json())


async def award_by_api(client, seed, a, rows: str) -> None:
    from issuer.credentials import bulk

    r = await client.post("/api/awards/bulk", headers=bearer(seed, "teacher"),
                          files={"file": ("a.csv", f"username,achievement,plan,analysis\n{rows}".encode(), "text/csv")})
    assert r.status_code == 202, r.text
    assert (await bulk.wait(r.json()["id"])).status == "done"


async def test_the_page_is_in_the_menu_and_the_template_follows_the_rubric(client, seed):
    a = await setup_achievement(client, seed)
    sign_in_as(client, seed, "teacher")
    page = await client.get(PAGE)
    assert page.status_code == 200, page.text
    assert f'<a href="{PAGE}" aria-current="page">' in page.text
    assert f'<option value="{a["id"]}"' in page.text and 'enctype="multipart/form-data"' in page.text
    assert "None yet" in page.text  # no jobs of theirs yet
    r = await client.get(f"{PAGE}/template", params={"achievement": a["id"]})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"] == 'attachment; filename="bulk-award-investigator.csv"'
    assert r.content.startswith("\ufeff".encode())  # spreadsheet programs read it as UTF-8
    [header] = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert header == ["username", "student name (optional, not read)", "plan: Planning (level 1–4; 3 needed)",
                      "analysis: Analysis (level 1–4; 3 needed)"]
    # bad twins: no achievement, or one that is not the school's, is a form error on the page
    for value in ("", str(uuid.uuid4()), "not-a-uuid"):
        r = await client.get(f"{PAGE}/template", params={"achievement": value})
        assert r.status_code == 422 and 'class="error-summary"' in r.text, value
        assert 'href="#template-achievement"' in r.text and "Choose the achievement whose template" in r.text
    # a student has no bulk award page
    sign_in_as(client, seed, "student")
    assert (await client.get(PAGE)).status_code in (401, 403)


async def test_the_template_filled_in_is_accepted_as_it_is(client, seed):
    a = await setup_achievement(client, seed)
    sign_in_as(client, seed, "teacher")
    template = (await client.get(f"{PAGE}/template", params={"achievement": a["id"]})).content
    filled = template + b"north-student-0,North student 0,3,4\r\n"
    r = await upload(client, a["id"], filled)
    assert r.status_code == 200 and "Check your answers" in r.text, r.text
    assert "1 badge to 1 student" in r.text


async def test_each_kind_of_row_problem_is_listed_by_line_and_column_and_nothing_is_issued(client, seed):
    a = await setup_achievement(client, seed)
    await add_students(seed, 5)
    await award_by_api(client, seed, a, f"bulk-3,{a['id']},3,3\n")
    before = await awards_count(client, seed)
    sign_in_as(client, seed, "teacher")
    bad = ("username,plan,analysis\n"
           "north-student-0,3,3\n"          # 2: fine
           "nobody,3,3\n"                   # 3: no such student
           "north-student-1,5,3\n"          # 4: off the scale
           "bulk-0,x,3\n"                   # 5: not a number
           "bulk-1,,3\n"                    # 6: no level
           "bulk-2,2,3\n"                   # 7: below the required level
           "north-student-0,4,4\n"          # 8: twice in the file
           "bulk-3,4,4\n")                  # 9: already awarded at a lower level
    r = await upload(client, a["id"], bad.encode())
    assert r.status_code == 422, r.text
    assert "7 rows have problems: nothing has been issued" in r.text
    expected = {3: ("Username", "no student with username &#39;nobody&#39; in this school"),
                4: ("Planning", "level 5 is not on this rubric&#39;s scale (1–4)"),
                5: ("Planning", "&#39;x&#39; is not a level: write a whole number from 1–4"),
                6: ("Planning", "no level for Planning: write a level from 1–4"),
                7: ("Planning", "does not earn the badge: Planning: 2 Developing, below the required 3 Proficient"),
                77: ("Total of the levels", "does not earn the badge: Total: 5 of 8, below the required 6"),
                8: ("Username", "this student is already on line 2 for Investigator"),
                9: ("Username", "already awarded at level 3: a bulk award cannot raise it to 4")}
    rows = re.findall(r'<tr class="has-error">\s*<td data-label="Line">(\d+)</td>.*?<td data-label="Column">(.*?)</td>'
                      r'\s*<td data-label="What is wrong">(.*?)</td>', r.text, re.S)
    found: dict[int, tuple[str, str]] = {}
    for line, column, what in rows:  # a second problem of a line: that line number twice (77)
        key = int(line) if int(line) not in found else int(line * 2)
        found[key] = (re.sub(r"<[^>]+>|\s+<code>.*", "", column).strip(), what)
    assert sorted(found) == sorted(expected), found
    for line, (column, message) in expected.items():
        assert found[line][0] == column, (line, found[line])
        assert message in found[line][1], (line, found[line])
    assert "Upload the corrected file" in r.text
    assert await awards_count(client, seed) == before  # nothing issued

    # the good twins: each row corrected, the file is accepted (line 9 the same level: skipped)
    good = ("username,plan,analysis\n"
            "north-student-0,3,3\nnorth-student-1,4,3\nbulk-0,3,4\nbulk-1,3,3\nbulk-2,3,3\nbulk-4,4,4\n"
            "bulk-3,3,3\n")
    r = await upload(client, a["id"], good.encode())
    assert r.status_code == 200 and "Check your answers" in r.text, r.text
    assert "6 badges to 6 students" in r.text
    assert "1 row: the student already holds this badge" in r.text and "already awarded at this level" in r.text
    assert "3 · Proficient: 5 badges · 4 · Exceeds: 1 badge" in r.text  # a badge's level: its lowest
    assert await awards_count(client, seed) == before


async def test_confirm_runs_one_job_to_its_end_and_the_students_hear_of_it(client, seed, mailer):
    from issuer.credentials import bulk
    from issuer.db.tables import BulkJob, OutboxMessage

    a = await setup_achievement(client, seed)
    await award_by_api(client, seed, a, f"north-student-1,{a['id']},3,3\n")
    mailer.sent.clear()
    before = await awards_count(client, seed)
    sign_in_as(client, seed, "teacher")
    emails = await add_students(seed, 30)
    rows = "".join(f"bulk-{i},{3 + i % 2},4\n" for i in range(30))
    r = await upload(client, a["id"], f"username,plan,analysis\nnorth-student-0,4,4\nnorth-student-1,3,3\n{rows}".encode())
    assert r.status_code == 200 and "Check your answers" in r.text, r.text
    assert "31 badges to 31 students" in r.text and "The first 8 of 31 badges" in r.text
    form = {name: hidden(r.text, name) for name in ("csrf_token", "achievement", "token", "filename", "csv")}
    assert form["filename"] == "marks.csv" and form["csv"].startswith("username,plan,analysis\n")
    jobs_before = await BulkJob.count()

    first = await client.post(f"{PAGE}/confirm", data=form)
    assert first.status_code == 303, first.text
    job_url = first.headers["location"]
    assert job_url == f"{PAGE}/{form['token']}"
    again = await client.post(f"{PAGE}/confirm", data=form)  # the same form, sent twice
    assert again.status_code == 303 and again.headers["location"] == job_url
    assert await BulkJob.count() == jobs_before + 1

    running = await client.get(job_url)
    assert running.status_code == 200
    job = await bulk.wait(form["token"])
    assert job.status == "done" and job.issued == 31 and job.processed == 31 and job.total == 31, job
    done = await client.get(job_url)
    assert done.status_code == 200 and "31 badges issued" in done.text
    assert 'http-equiv="refresh"' not in done.text and "bulk-progress.js" not in done.text
    assert '<progress max="31" value="31"' in done.text and ">100<" in done.text
    assert 'href="/teacher/awards"' in done.text
    assert await awards_count(client, seed) == before + 31
    # a second, sequential submit after the end still starts nothing
    assert (await client.post(f"{PAGE}/confirm", data=form)).headers["location"] == job_url
    assert await awards_count(client, seed) == before + 31

    # every student hears of their badge (queued with it, handed on after the job)
    for _ in range(100):
        if len([m for m in mailer.sent if m.kind == "award"]) >= 31:
            break
        await asyncio.sleep(0.05)
    to_zero = [m for m in mailer.to("north-student-0@example.org") if m.kind == "award"]
    assert len(to_zero) == 1 and "Investigator" in to_zero[0].subject + to_zero[0].text
    assert re.search(rf"{BASE_URL}/badges/[0-9a-f-]{{36}}", to_zero[0].text)
    assert all(mailer.to(e) for e in emails) and not mailer.to("north-student-1@example.org")
    rows_ = await OutboxMessage.select(OutboxMessage.status).where(OutboxMessage.kind == "award")
    assert len(rows_) == 32 and {r["status"] for r in rows_} == {"sent"}  # (and the API's award before)

    # the job is on the person's list, with a way back to it
    page = await client.get(PAGE)
    assert f'href="{job_url}"' in page.text and "See the outcome" in page.text


async def test_a_running_job_page_refreshes_without_javascript_and_polls_with_it(client, seed):
    from issuer.accounts.repo import get_user
    from issuer.credentials import repo as credentials_repo
    from issuer.jobs import JobActor
    from tests.support import NOW

    teacher = seed.users[("north", "teacher", 0)]
    assert await get_user(teacher["id"])
    job = await credentials_repo.insert_bulk_job(school=teacher["school"], created_by=teacher["id"], status="running",
                                                 total=200, processed=50, issued=40, created_at=NOW, plan=[],
                                                 actor=JobActor())
    sign_in_as(client, seed, "teacher")
    r = await client.get(f"{PAGE}/{job.uuid}")
    assert r.status_code == 200
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in r.text
    assert '<script src="/static/bulk-progress.js" defer></script>' in r.text
    assert f'data-job-url="/api/awards/bulk/{job.uuid}"' in r.text and "data-poll" in r.text
    assert '<progress max="200" value="50"' in r.text and '<span data-job="percent">25</span>' in r.text
    assert '<dd class="stat-figure" data-job="held">10</dd>' in r.text
    off = await client.get(f"{PAGE}/{job.uuid}", params={"refresh": "off"})
    assert 'http-equiv="refresh"' not in off.text and "data-poll" not in off.text and "Refresh now" in off.text
    # the script is served from this origin, and the JSON it polls answers the session
    assert (await client.get("/static/bulk-progress.js")).status_code == 200
    status = await client.get(f"/api/awards/bulk/{job.uuid}", headers={"Accept": "application/json"})
    assert status.status_code == 200 and status.json()["processed"] == 50
    # bad twins: an unknown job is a 404, a student sees none
    assert (await client.get(f"{PAGE}/{uuid.uuid4()}")).status_code == 404
    sign_in_as(client, seed, "student")
    assert (await client.get(f"{PAGE}/{job.uuid}")).status_code in (401, 403)


async def test_a_stopped_job_says_what_was_kept_and_what_to_do(client, seed):
    from issuer.credentials import repo as credentials_repo
    from issuer.credentials.bulk_rows import BulkError
    from issuer.jobs import JobActor
    from tests.support import NOW

    teacher = seed.users[("north", "teacher", 0)]
    job = await credentials_repo.insert_bulk_job(
        school=teacher["school"], created_by=teacher["id"], status="failed", total=100, processed=30, issued=30,
        created_at=NOW, finished_at=NOW, plan=[], actor=JobActor(),
        errors=[BulkError(line=32, errors=["the signing service broke (stopped after 30 of 100 rows)"])])
    sign_in_as(client, seed, "teacher")
    r = await client.get(f"{PAGE}/{job.uuid}")
    assert r.status_code == 200 and "The bulk award stopped before the end" in r.text
    assert "30 badges were issued and are kept." in r.text and "70 rows were not issued." in r.text
    assert '<td data-label="Line">32</td>' in r.text and "the signing service broke" in r.text
    assert 'http-equiv="refresh"' not in r.text


async def test_bad_files_are_form_errors_never_a_500(client, seed):
    from issuer.credentials import bulk_pages

    a = await setup_achievement(client, seed)
    sign_in_as(client, seed, "teacher")
    csrf = csrf_of((await client.get(PAGE)).text)
    cases = [
        (b"username,plan,analysis\n" + b"north-student-0,3,3\n" * (bulk_pages.MAX_BYTES // 20 + 1), 413,
         "The file is too large: at most 2 MB"),
        ("username,plan,analysis\nnórth,3,3\n".encode("latin-1"), 422, "not saved as UTF-8"),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", 422, "This is not a CSV file"),
        (b"\n\n", 422, "The first line of the file must name the columns"),
        (b"plan,analysis\n3,3\n", 422, "The first line of the file must name the columns"),
        (b"username,plan,analysis\n", 422, "The file has no rows under its first line"),
        (b"username,foo,bar\nnorth-student-0,3,3\n", 422, "The file has no column for plan (Planning), analysis"),
        (b"username,plan,analysis,mood\nnorth-student-0,3,3,ok\n", 422, "columns Investigator&#39;s rubric does not have: mood"),
        (b"username,plan,analysis\nnorth-student-0,3,3,4\n", 422, "Line 2: more cells than columns"),
        (b"username,username,plan\nx,y,3\n", 422, "The CSV header repeats a column"),
    ]
    for data, code, words in cases:
        r = await upload(client, a["id"], data, csrf=csrf)
        assert r.status_code == code, (words, r.status_code, r.text[:300])
        assert 'class="error-summary"' in r.text and words in r.text, (words, r.text[:2000])
        assert 'href="#file"' in r.text
    # no file, no achievement, another school's (or no) achievement
    r = await client.post(PAGE, data={"csrf_token": csrf, "achievement": a["id"]},
                          files={"file": ("", b"", "application/octet-stream")})
    assert r.status_code == 422 and "Choose the CSV file to upload" in r.text
    r = await upload(client, "", b"username,plan,analysis\nnorth-student-0,3,3\n", csrf=csrf)
    assert r.status_code == 422 and "Choose the achievement these badges are for" in r.text
    r = await upload(client, str(uuid.uuid4()), b"username,plan,analysis\nnorth-student-0,3,3\n", csrf=csrf)
    assert r.status_code == 422 and 'href="#achievement"' in r.text
    # a malformed multipart body is a 4xx problem, no CSRF token a 403
    r = await client.post(PAGE, content=b"--x\r\nnonsense", headers={"content-type": "multipart/form-data; boundary=x",
                                                                      "x-csrf-token": csrf})
    assert 400 <= r.status_code < 500, r.text
    # (urlencoded: the CSRF middleware leaves a rejected multipart body's spooled files to the GC)
    r = await client.post(PAGE, data={"achievement": a["id"]})
    assert r.status_code == 403
    # a confirmation without its id, or with a file changed to have a problem since the check
    r = await client.post(f"{PAGE}/confirm", data={"csrf_token": csrf, "achievement": a["id"], "token": "x",
                                                   "csv": "username,plan,analysis\nnorth-student-0,3,3\n"})
    assert r.status_code == 422 and "The confirmation form was incomplete" in r.text
    r = await client.post(f"{PAGE}/confirm", data={"csrf_token": csrf, "achievement": a["id"], "token": str(uuid.uuid4()),
                                                   "csv": "username,plan,analysis\nnobody,3,3\n"})
    assert r.status_code == 422 and "no student with username" in r.text and "nothing has been issued" in r.text
    assert await awards_count(client, seed) == 0


async def test_the_mail_of_a_bulk_award_waits_in_the_outbox_and_skips_who_cannot_get_it(seed, platform, client):
    """Bad twins of the notices: a student without an address, and one deactivated since the file
    was checked, get none; a mail server that is down leaves the messages failed in the outbox
    (for ``badges mail retry``), and the badges stand."""
    from issuer.access import Principal, Role
    from issuer.accounts import repo as accounts_repo
    from issuer.credentials import bulk
    from issuer.db.tables import OutboxMessage, User
    from issuer.mail import RecordingMailer
    from tests.support import NOW

    a = await setup_achievement(client, seed)
    school = seed.schools["north"]
    await accounts_repo.insert_user(district_id=seed.district.id, school_id=school.id, role="student",
                                    username="no-mail", email="", display_name="No Mail", password_hash="", at=NOW)
    teacher = seed.users[("north", "teacher", 0)]
    who = Principal(role=Role.TEACHER, id=teacher["id"], school_id=school.id, district_id=seed.district.id)
    data = b"username,plan,analysis\nno-mail,3,3\nnorth-student-0,3,3\nnorth-student-1,4,4\n"
    plan = await bulk.validate(who, data, achievement=a["id"])
    assert not plan.errors and len(plan.rows) == 3
    await User.update({User.active: False}).where(User.username == "north-student-1")
    down = platform.replace(mailer=RecordingMailer(failing=True))
    job, _ = await bulk.start(down, who, data, achievement=a["id"], background=False)
    assert job.status == "done" and job.issued == 3, job
    rows = await OutboxMessage.select(OutboxMessage.to_address, OutboxMessage.status, OutboxMessage.attempts).where(
        OutboxMessage.kind == "award")
    assert rows == [{"to_address": "north-student-0@example.org", "status": "failed", "attempts": 1}]
