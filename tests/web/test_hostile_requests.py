"""Hostile requests (issue 10): nothing a client sends may reach a 500.

Huge integers (beyond the database's int4/int8), non-ASCII digits, unknown token roles, JSON nested
50,000 deep and malformed JSON: each gets a 4xx problem-details response, next to a good twin."""
from __future__ import annotations

import json
import re

import pytest

from tests.web.support import bearer, is_problem, setup_achievement

pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]

HUGE = 99999999999999999999
DEEP = "[" * 50_000 + "]" * 50_000
DEEP_OBJECT = '{"a":' * 50_000 + "1" + "}" * 50_000


@pytest.fixture
def client(asgi_client):
    # The full app (admin, VC-API, transcripts, mentor) over httpx in this event loop, so a PostgreSQL pool
    # bound to the test's loop serves it (tests/web/conftest.py).
    return asgi_client


async def test_huge_and_odd_integers_in_paths_and_queries(client, seed):
    admin = bearer(seed, "district_admin")
    for path in (f"/status/north/revocation/{HUGE}", f"/status/north/revocation/{2**63}",
                 f"/status/north/revocation/{2**31}", "/status/north/revocation/-1",
                 "/status/north/revocation/%C2%B3"):
        is_problem(await client.get(path), 400, 404)
    for query in (f"offset={2**64}", f"limit={2**64}", f"offset={2**31}", "offset=-1", "limit=%C2%B3"):
        is_problem(await client.get(f"/admin/credentials?{query}", headers=admin), 400)
    is_problem(await client.get(f"/admin/audit?limit={2**64}", headers=admin), 400)
    # good twins
    assert (await client.get("/admin/credentials?offset=0&limit=10", headers=admin)).status_code == 200
    assert (await client.get("/admin/audit?limit=5", headers=admin)).status_code == 200


async def test_huge_integers_in_bodies(client, seed):
    teacher = bearer(seed, "teacher")
    a = await setup_achievement(client, seed)
    body = {"name": "Big", "description": "d", "rubric": a["rubric"], "alignments": [2**63]}
    is_problem(await client.post("/api/achievements", headers=teacher, json=body), 400, 422)
    body["alignments"] = [2**31]
    is_problem(await client.post("/api/achievements", headers=teacher, json=body), 400, 422)
    body["alignments"] = a["alignments"]
    assert (await client.post("/api/achievements", headers=teacher, json=body)).status_code == 201
    for student in (2**64, 2**63, 2**31, -5, "³", "²³"):
        is_problem(await client.post("/api/transcripts", headers=teacher, json={"student": student}), 400, 404, 422)
    ok = await client.post("/api/transcripts", headers=teacher,
                           json={"student": seed.users[("north", "student", 0)]["id"]})
    assert ok.status_code < 500, ok.text


@pytest.mark.parametrize("role", ["", "root", "³", "x" * 10_000])
async def test_unknown_token_role_is_a_client_error(client, seed, role):
    is_problem(await client.post("/admin/tokens", headers=bearer(seed, "district_admin"),
                                 json={"name": "ci", "role": role, "school": "north"}), 400, 403, 422)


async def test_known_token_role_is_created(client, seed):
    r = await client.post("/admin/tokens", headers=bearer(seed, "district_admin"),
                          json={"name": "ci", "role": "school_admin", "school": "north"})
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT, "{", '{"a": 1,}', "\xff\xfe", "nul\x00", "[1, 2"])
async def test_deep_or_malformed_json_is_a_client_error(client, seed, body):
    headers = {**bearer(seed, "school_admin"), "Content-Type": "application/json"}
    for path in ("/api/achievements", "/credentials/issue", "/api/frameworks", "/admin/tokens", "/api/transcripts",
                 "/mentor/not-a-token"):
        is_problem(await client.post(path, headers=headers, content=body.encode("utf-8", "surrogatepass")),
                   400, 404, 413, 422)


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT, "{", '{"CFDocument": ', '{"CFItems": [1, 2,]}'])
async def test_deep_or_malformed_case_import_is_a_client_error(client, seed, body):
    r = await client.post("/api/frameworks/import", headers=bearer(seed, "teacher"), data={"format": "case"},
                          files={"file": ("case.json", body.encode(), "application/json")})
    is_problem(r, 400, 413, 415, 422)


async def test_mentor_attestation_with_huge_hours(client, seed):
    from urllib.parse import urlsplit

    a = await setup_achievement(client, seed, area="elo")
    s = bearer(seed, "student")
    elo = {"achievement": a["id"], "partnerOrg": "River Lab", "mentorName": "Dr. Rivera",
           "mentorEmail": "rivera@riverlab.example", "goals": "Sample water quality", "hours": 10**400,
           "startDate": "2025-09-01", "endDate": "2025-12-01", "competencies": []}
    is_problem(await client.post("/api/elos", headers=s, json=elo), 400, 422)
    r = await client.post("/api/elos", headers=s, json={**elo, "hours": 40})
    assert r.status_code == 201, r.text
    r = await client.post(f"/api/elos/{r.json()['id']}/decision", headers=bearer(seed, "teacher"),
                          json={"approve": True})
    path = urlsplit(r.json()["mentorLink"]).path
    page = await client.get(path, headers={"Accept": "text/html"})
    csrf = {"X-CSRF-Token": re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)}
    for hours in (10**400, "³", 2**64 * 1.0):
        r = await client.post(path, json={"statement": "Careful sampling", "hours": hours, "confirm": True},
                              headers=csrf)
        assert r.status_code in (400, 422), r.text[:300]  # the mentor's page, with the error on it
    r = await client.post(path, json={"statement": "Careful sampling", "hours": 38, "confirm": True},
                          headers=csrf)
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("username", ["u" * 151, "u" * 100_000])
async def test_login_with_an_overlong_username(client, seed, username):
    import re

    page = await client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = await client.post("/login", data={"username": username, "password": "x", "csrf_token": csrf})
    assert r.status_code == 400, r.text[:300]
    # good twin: a name at the column's limit is simply unknown
    r = await client.post("/login", data={"username": "u" * 150, "password": "x", "csrf_token": csrf})
    assert r.status_code == 401, r.text[:300]


@pytest.mark.parametrize("exc", [
    "asyncpg.exceptions.StringDataRightTruncationError", "asyncpg.exceptions.NumericValueOutOfRangeError",
    "asyncpg.exceptions._base.DataError", "builtins.OverflowError"])
def test_database_value_errors_are_client_errors(exc):
    """The net behind the DTO bounds: a value the database cannot hold is a 400, not a 500."""
    import importlib
    from types import SimpleNamespace

    from issuer.web.errors import problem_for

    module, _, name = exc.rpartition(".")
    error = getattr(importlib.import_module(module), name)("value too long for type character varying(150)")
    request = SimpleNamespace(method="POST", url=SimpleNamespace(path="/x"))
    status, body, _ = problem_for(request, error)
    assert status == 400 and body["status"] == 400 and "varying" not in body["detail"]
    # bad twin: any other exception is still an internal error, logged, detail hidden
    status, body, _ = problem_for(request, KeyError("secret"))
    assert status == 500 and "secret" not in str(body)


@pytest.mark.parametrize("depth", [40, 900, 3000])
async def test_deep_but_decodable_json_is_refused_before_recursive_code(client, seed, depth):
    """Nesting that JSON decoding survives but JSON-LD, schema checks or rubric parsing would not."""
    nested = '{"a":' * depth + '{"x": 1}' + "}" * depth  # built as text: json.dumps would recurse too
    credential = ('{"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"], '
                  f'"credentialSubject": {nested}}}')
    r = await client.post("/credentials/issue", content=f'{{"credential": {credential}}}',
                          headers={"Authorization": f"Bearer {seed.school_token}", "Content-Type": "application/json"})
    body = is_problem(r, 400)
    assert "nest" in (body.get("detail", "") + str(body.get("errors", "")))
    a = await setup_achievement(client, seed)
    rubric = json.dumps(a["rubric"])[:-1] + f', "extra": {nested}}}'
    r = await client.post("/api/achievements", content=f'{{"name": "Deep", "description": "d", "rubric": {rubric}}}',
                          headers={**bearer(seed, "teacher"), "Content-Type": "application/json"})
    is_problem(r, 400)
    # good twin: the same rubric without the deep member is accepted
    r = await client.post("/api/achievements", headers=bearer(seed, "teacher"),
                          json={"name": "Deep", "description": "d", "rubric": a["rubric"]})
    assert r.status_code == 201, r.text
