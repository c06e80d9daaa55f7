"""Issue 10, item 1: no listing leaks across schools or students, whatever the credential.

The attack: a school admin minted a ``role: "student"`` API token (no user). The list queries
read its missing learner id as "no filter", so it listed every school's awards (with student
names), submissions, ELO plans and transcripts, and wrote learner-less submissions and ELOs
whose review then failed with a 500.

``test_no_list_endpoint_leaks`` walks every list endpoint the app serves (found from its
routes: every GET without path parameters, so a new endpoint is walked without editing this
file) as every principal: each role of two schools of one district and one school of another
district, each through a session and through a bearer token, the school's user-less service
token and anonymous. Every record the seeded data holds is known by a marker (its uuid, a
name or a text only it contains) with its owner (school, learner); a response that shows a
marker its caller may not see is a leak. The positive control: every marker is seen by
someone, so the walk does reach the data.
"""
from __future__ import annotations

import msgspec
import pytest

from issuer.db.scope import LearnerScope, SchoolScope
from tests.web.authz_support import app_client, assert_problem, bearer, session

pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]

RUBRIC = {"name": "Investigation rubric", "criteria": [
    {"id": "plan", "name": "Planning", "requiredLevel": 3},
    {"id": "analysis", "name": "Analysis", "requiredLevel": 3}], "totalRequired": 6}
# The list endpoints the walk must find (a sanity floor: discovery cannot silently find none).
KNOWN_LISTS = {"/api/awards", "/api/submissions", "/api/elos", "/api/transcripts", "/api/reviews/queue",
               "/api/achievements", "/api/frameworks", "/admin/credentials", "/admin/users", "/admin/tokens",
               "/admin/audit", "/student/badges", "/teacher/reviews", "/admin/api-tokens"}


@pytest.fixture
async def client(platform, db, seed):
    async with app_client(platform, db) as c:
        yield c


def list_paths(app) -> list[str]:
    """Every GET route without path parameters (the app's own route table), but the schema."""
    from litestar.routes import HTTPRoute

    paths = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path_parameters:
            continue
        if route.path.startswith("/schema"):
            continue
        if any("GET" in h.http_methods for h in route.route_handlers):
            paths.add(route.path)
    return sorted(paths)


async def _east(seed, platform):
    """A second district with one school, an admin and a student."""
    from issuer.accounts import repo as accounts_repo
    from issuer.schools import repo as schools_repo

    at = platform.clock.now()
    district = await schools_repo.insert_district(slug="east-district", name="East County", url="", email="", at=at)
    school = await schools_repo.insert_school(district_id=district.id, slug="east", name="East Academy", at=at)
    users = {}
    for role in ("school_admin", "teacher", "student"):
        users[role] = await accounts_repo.insert_user(district_id=district.id, school_id=school.id, role=role,
                                             username=f"east-{role}-0", email=f"east-{role}-0@example.org",
                                             display_name=f"East {role} 0", password_hash="", at=at)
    return district, school, users


async def _school_data(client, slug: str, teacher: dict, students: list[dict]) -> None:
    """A framework, an achievement, a submission per student (the first one awarded), an ELO
    plan and a transcript for the first student; texts carry the school's and student's names."""
    r = await client.post("/api/frameworks", headers=teacher, json={
        "kind": "academic", "name": f"Framework of {slug} zq",
        "competencies": [{"code": f"{slug.upper()}.1", "name": f"Competency of {slug} zq"}]})
    assert r.status_code == 201, r.text
    comp = r.json()["competencies"][0]["id"]
    r = await client.post("/api/achievements", headers=teacher, json={
        "name": f"Achievement of {slug} zq", "description": "Plans and analyses.", "criteria": "Both at 3.",
        "rubric": RUBRIC, "alignments": [comp], "subject": "Science"})
    assert r.status_code == 201, r.text
    achievement = r.json()["id"]
    subs = []
    for n, student in enumerate(students):
        r = await client.post("/api/submissions", headers=student,
                              data={"achievement": achievement, "narrative": f"narrative of {slug} student {n} zq"})
        assert r.status_code == 201, r.text
        subs.append(r.json()["id"])
    r = await client.post(f"/api/submissions/{subs[0]}/reviews", headers=teacher,
                          json={"ratings": {"plan": 3, "analysis": 3}, "feedback": "Well done"})
    assert r.status_code in (200, 201), r.text
    r = await client.post("/api/elos", headers=students[0], json={
        "achievement": achievement, "partnerOrg": f"Partner of {slug}", "mentorName": "Dr. Rivera",
        "mentorEmail": "rivera@example.org", "goals": f"goals of {slug} student 0 zq", "hours": 10,
        "startDate": "2025-09-01", "endDate": "2025-12-01", "competencies": []})
    assert r.status_code == 201, r.text
    r = await client.post("/api/transcripts", headers=students[0], json={})
    assert r.status_code == 201, r.text


async def _markers() -> dict[str, tuple[int | None, int | None]]:
    """Every record's markers → its owner (school id, learner id or None for school-wide)."""
    from issuer.db.tables import (
        Achievement,
        ApiToken,
        ExtendedLearning,
        Framework,
        IssuedCredential,
        Submission,
        SubmissionVersion,
        Transcript,
        User,
    )

    out: dict[str, tuple[int | None, int | None]] = {}
    for u in await User.select():
        if u["school"] is None:
            continue
        owner = (u["school"], u["id"] if u["role"] == "student" else None)
        for value in (u["username"], u["email"], u["display_name"]):
            out[value] = owner
    for table in (Achievement, Framework):
        for row in await table.select(table.uuid, table.school, table.name):
            out[str(row["uuid"])] = out[row["name"]] = (row["school"], None)
    for row in await Submission.select(Submission.uuid, Submission.school, Submission.learner):
        out[str(row["uuid"])] = (row["school"], row["learner"])
    for row in await SubmissionVersion.select(SubmissionVersion.narrative, SubmissionVersion.submission.school,
                                              SubmissionVersion.submission.learner):
        out[row["narrative"]] = (row["submission.school"], row["submission.learner"])
    for row in await ExtendedLearning.select(ExtendedLearning.uuid, ExtendedLearning.goals, ExtendedLearning.school,
                                             ExtendedLearning.learner):
        out[str(row["uuid"])] = out[row["goals"]] = (row["school"], row["learner"])
    for table in (IssuedCredential, Transcript):
        for row in await table.select(table.uuid, table.school, table.learner):
            out[str(row["uuid"])] = (row["school"], row["learner"])
    for row in await ApiToken.select(ApiToken.name, ApiToken.school):
        if row["name"].startswith("tok-"):
            out[row["name"]] = (row["school"], None)
    return out


async def test_no_list_endpoint_leaks(client, seed, platform):
    from issuer.accounts import service as accounts

    district, east, east_users = await _east(seed, platform)
    people: list[tuple[str, dict, frozenset[int], int | None]] = []  # (label, user, schools, learner)
    schools = {"north": seed.schools["north"].id, "south": seed.schools["south"].id, "east": east.id}
    users = {(slug, role, n): u for (slug, role, n), u in seed.users.items() if slug}
    users.update({("east", role, 0): msgspec.structs.asdict(u) for role, u in east_users.items()})  # as seed.users
    headers: dict[tuple, dict] = {}
    for (slug, role, n), user in users.items():
        token = await accounts.create_api_token(platform, school_id=user["school"], district_id=user["district"], role=role,
                                                user_id=user["id"], name=f"tok-{slug}-{role}-{n}")
        headers[(slug, role, n)] = bearer(token)
        learner = user["id"] if role == "student" else None
        for kind, h in (("bearer", bearer(token)), ("session", session(await accounts.create_session(platform, user["id"])))):
            people.append((f"{slug} {role} {n} ({kind})", h, frozenset({user["school"]}), learner))
    admin = seed.users[(None, "district_admin", 0)]
    district_schools = frozenset({schools["north"], schools["south"]})
    people.append(("district admin (bearer)", bearer(seed.token["district_admin"]), district_schools, None))
    people.append(("district admin (session)", session(seed.session["district_admin"]), district_schools, None))
    people.append(("north service token", bearer(seed.school_token), frozenset({schools["north"]}), None))
    people.append(("anonymous", {}, frozenset(), None))
    assert admin["school"] is None

    for slug, n_students in (("north", 2), ("south", 2), ("east", 1)):
        await _school_data(client, slug, headers[(slug, "teacher", 0)],
                           [headers[(slug, "student", n)] for n in range(n_students)])

    markers = await _markers()
    paths = list_paths(client._transport.app)
    assert set(paths) >= KNOWN_LISTS, KNOWN_LISTS - set(paths)
    seen: set[str] = set()
    leaks = []
    for label, h, allowed_schools, learner in people:
        for path in paths:
            r = await client.get(path, headers=h, follow_redirects=False)
            assert r.status_code < 500, (label, path, r.status_code, r.text[:300])
            text = r.text
            for marker, (school, owner) in markers.items():
                if marker not in text:
                    continue
                seen.add(marker)
                if school not in allowed_schools or (learner is not None and owner not in (None, learner)) \
                        or (not allowed_schools and owner is not None):
                    leaks.append((label, path, marker))
    assert leaks == []
    # (no listing shows a narrative today; they stay markers in case one starts to)
    unseen = {m for m in set(markers) - seen if not m.startswith("narrative of ")}
    assert unseen == set(), "the walk never saw these records: it cannot tell a leak either"


async def test_a_student_token_needs_its_student(client, seed):
    """The attack's first step is refused: no student (or teacher) token without the person,
    nor for another school's person; an empty or unknown role is a 400, a higher one a 403."""
    admin = bearer(seed.token["school_admin"])
    for body, status in (({"role": "student"}, 400), ({"role": "teacher"}, 400), ({"role": ""}, 400),
                         ({"role": "root"}, 400), ({"role": "district_admin"}, 403),
                         ({"role": "student", "user": "south-student-0"}, 404),
                         ({"role": "teacher", "user": "north-student-0"}, 400),
                         ({"user": "nobody"}, 404)):
        assert_problem(await client.post("/admin/tokens", headers=admin, json={"name": "x", **body}), status)
    assert_problem(await client.post("/admin/tokens", headers=bearer(seed.token["teacher"]),
                                     json={"role": "student", "user": "north-student-0"}), 403)
    # bound to the student, the token sees what the student sees and nothing else
    r = await client.post("/admin/tokens", headers=admin, json={"name": "app", "user": "north-student-0"})
    assert r.status_code == 201, r.text
    assert r.json()["role"] == "student" and r.json()["user"] == "north-student-0"
    me = (await client.get("/me", headers=bearer(r.json()["token"]))).json()
    assert me["role"] == "student" and me["id"] == seed.users[("north", "student", 0)]["id"]


async def test_a_userless_student_token_minted_before_the_fix_is_refused(client, seed, platform):
    """Such rows may exist in a database: they authenticate as nobody (401), so they neither
    list other schools' records nor write learner-less submissions or ELOs."""
    from issuer.accounts import repo as accounts_repo
    from issuer.accounts import service as accounts

    token = "bdg_legacy_student"
    await accounts_repo.insert_token(token_hash=accounts.sha256_hex(token), name="legacy", district_id=seed.district.id,
                            school_id=seed.schools["north"].id, user_id=None, role="student",
                            at=platform.clock.now())
    for path in ("/api/awards", "/api/submissions", "/api/elos", "/api/transcripts", "/admin/credentials"):
        assert_problem(await client.get(path, headers=bearer(token)), 401)
    assert_problem(await client.post("/api/submissions", headers=bearer(token),
                                     data={"achievement": "x", "narrative": "n"}), 401)


async def test_a_principal_without_the_id_its_role_needs_gets_403_not_everything(seed, platform):
    """Below the web layer too: a student principal without a user id cannot list or write."""
    from issuer import access as learning_access
    from issuer.access import Principal, Role
    from issuer.errors import Forbidden
    from issuer.evidence import elos
    from issuer.evidence import service as evidence

    north = seed.schools["north"].id
    ghost = Principal(role=Role.STUDENT, school_id=north, district_id=seed.district.id, via="token")
    for call in (learning_access.scope_of(ghost), evidence.list_submissions(platform, ghost),
                 elos.list_elos(platform, ghost),
                 evidence.submit(platform, ghost, achievement_uuid="x", narrative="n", urls=None, files=None)):
        with pytest.raises(Forbidden):
            await call
    staff_without_school = Principal(role=Role.TEACHER, district_id=seed.district.id, via="token")
    with pytest.raises(Forbidden):
        await learning_access.scope_of(staff_without_school)
    real = Principal(role=Role.STUDENT, id=seed.users[("north", "student", 0)]["id"], school_id=north,
                     district_id=seed.district.id, via="token")
    assert await learning_access.scope_of(real) == LearnerScope(school_id=north, learner_id=real.id)


def test_a_scope_cannot_be_built_without_its_ids():
    for bad in (lambda: LearnerScope(school_id=1, learner_id=None), lambda: LearnerScope(school_id=None, learner_id=2),
                lambda: SchoolScope({1, 2}), lambda: SchoolScope(frozenset({None})),
                lambda: LearnerScope(school_id=True, learner_id=2)):
        with pytest.raises(TypeError):
            bad()
    assert SchoolScope(frozenset()).admits(school_id=1) is False
    assert LearnerScope(school_id=1, learner_id=2).admits(school_id=1, learner_id=3) is False


async def test_list_queries_require_a_scope(seed):
    """No query answers "everything" for a missing scope: calling one without it is a TypeError."""
    from issuer.accounts import repo as accounts_repo
    from issuer.credentials import repo as credentials_repo
    from issuer.evidence import repo as evidence_repo
    from issuer.transcripts import repo as repo_transcripts

    for call in (evidence_repo.list_submissions, credentials_repo.list_credentials, evidence_repo.list_elos,
                 repo_transcripts.transcripts, credentials_repo.issued_credentials, accounts_repo.users):
        with pytest.raises(TypeError):
            await call()
        with pytest.raises(TypeError):
            await call(None)
    with pytest.raises(TypeError):
        await accounts_repo.audit_events()


async def test_learner_less_records_left_by_the_attack_are_not_found_not_500(client, seed, platform):
    """Submissions and ELO plans the user-less student token wrote before the fix (learner
    NULL) used to sit in the review queue and answer every review with a 500: now they are
    nobody's (404) and out of the listings, while a real student's twin is reviewed as usual."""
    from issuer.catalog import repo as catalog_repo
    from issuer.db.tables import ExtendedLearning, Submission
    from issuer.evidence import repo as evidence_repo

    teacher = bearer(seed.token["teacher"])
    r = await client.post("/api/achievements", headers=teacher, json={
        "name": "Orphan check", "description": "d", "criteria": "c", "rubric": RUBRIC, "alignments": []})
    achievement = await catalog_repo.get_achievement(r.json()["id"])
    good = (await client.post("/api/submissions", headers=bearer(seed.token["student"]),
                              data={"achievement": str(achievement.uuid), "narrative": "mine"})).json()["id"]
    now = platform.clock.now()
    orphan = await evidence_repo.insert_submission(school_id=achievement.school, learner_id=None,
                                          achievement_id=achievement.id, kind="classroom", created_at=now,
                                          narrative="written by a user-less token", urls=[], files=[])
    elo = await evidence_repo.insert_elo(school=achievement.school, learner=None, achievement=achievement.id,
                                partner_org="p", mentor_name="m", mentor_email="m@example.org", goals="g",
                                competencies=[], hours=1, start_date=now.date(), end_date=now.date(),
                                status="proposed", created_at=now)
    assert await Submission.count().where(Submission.learner.is_null()) == 1
    assert await ExtendedLearning.count().where(ExtendedLearning.learner.is_null()) == 1
    queue = [s["id"] for s in (await client.get("/api/reviews/queue", headers=teacher)).json()]
    assert good in queue and str(orphan.uuid) not in queue
    assert str(elo.uuid) not in [e["id"] for e in (await client.get("/api/elos", headers=teacher)).json()]
    assert_problem(await client.get(f"/api/submissions/{orphan.uuid}", headers=teacher), 404)
    assert_problem(await client.post(f"/api/submissions/{orphan.uuid}/reviews", headers=teacher,
                                     json={"ratings": {"plan": 3, "analysis": 3}}), 404)
    assert_problem(await client.get(f"/api/elos/{elo.uuid}", headers=teacher), 404)
    r = await client.post(f"/api/submissions/{good}/reviews", headers=teacher, json={"ratings": {"plan": 3, "analysis": 3}})
    assert r.status_code in (200, 201), r.text
