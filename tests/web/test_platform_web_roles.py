"""Every platform endpoint with every role: a table of endpoint × role → expected status.

Roles call with their bearer token (``seed.token``); ``public`` and ``mentor`` (a link holder,
no account) call with nothing. Endpoints that change state get a fresh target per role.
"""
from __future__ import annotations

import pytest

from issuer.credentials import repo as credentials_repo
from issuer.credentials import vcapi

pytestmark = pytest.mark.anyio

ROLES = ("public", "mentor", "student", "teacher", "school_admin", "district_admin")


def _all(code):
    return dict.fromkeys(ROLES, code)


def _auth(ok, *, student=403, teacher=403, school_admin=None, district_admin=None):
    return {"public": 401, "mentor": 401, "student": student, "teacher": teacher,
            "school_admin": ok if school_admin is None else school_admin,
            "district_admin": ok if district_admin is None else district_admin}


CREDENTIAL = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
              "credentialSubject": {"id": "did:example:learner"}}

# (method, path, json body, expected status per role). {uuid}: a fresh credential of school
# "north" per role; {n}: a per-role suffix.
TABLE = [
    ("GET", "/issuers", None, _all(200)),
    ("GET", "/issuers/north", None, _all(200)),
    ("GET", "/issuers/north/did.json", None, _all(200)),
    ("GET", "/.well-known/did.json", None, _all(200)),
    ("GET", "/status/north/message/1", None, _all(200)),
    ("GET", "/credentials/{uuid}", None, _all(200)),
    ("GET", "/login", None, _all(200)),
    ("GET", "/schema/openapi.json", None, _all(200)),
    ("POST", "/credentials/issue", {"credential": CREDENTIAL}, _auth(201, district_admin=403)),
    ("GET", "/me", None, _auth(200, student=200, teacher=200)),
    ("GET", "/admin/credentials", None, _auth(200, student=200, teacher=200)),
    # a student only sees their own credentials: another learner's is "not found"
    ("GET", "/admin/credentials/{uuid}", None, _auth(200, student=404, teacher=200)),
    # the school's staff answer for the badges they award: a teacher revokes too (issue 13)
    ("POST", "/admin/credentials/{uuid}/revoke", {"reason": "test"}, _auth(200, teacher=200)),
    ("POST", "/admin/credentials/{uuid}/suspend", {"reason": "test"}, _auth(200, teacher=200)),
    ("POST", "/admin/credentials/{uuid}/reinstate", {"reason": "test"}, _auth(409, teacher=409)),  # not suspended
    ("GET", "/admin/schools/north/keys", None, _auth(200)),
    ("POST", "/admin/schools/north/keys/rotate", None, _auth(201)),
    ("POST", "/admin/schools/south/keys/rotate", None, _auth(201, school_admin=403)),  # other school
    ("GET", "/admin/users", None, _auth(200, teacher=200)),
    ("POST", "/admin/users", {"username": "new-{n}", "role": "student", "school": "north"}, _auth(201)),
    ("POST", "/admin/users", {"username": "new-{n}", "role": "teacher", "school": "south"},
     _auth(201, school_admin=403)),
    ("POST", "/admin/tokens", {"school": "north", "name": "t"}, _auth(201)),
    ("GET", "/admin/audit", None, _auth(200)),
]


async def _fresh_credential(seed, n: int) -> str:
    text, row = await vcapi.issue(seed.ctx, school_id=seed.schools["north"].id, credential=dict(CREDENTIAL),
                                  options={"credentialStatus": {"statusPurpose": ["revocation", "suspension"]}})
    return str(row.uuid)


def _fill(value, mapping):
    if isinstance(value, str):
        return value.format(**mapping)
    if isinstance(value, dict):
        return {k: _fill(v, mapping) for k, v in value.items()}
    return value


@pytest.mark.parametrize("method, path, body, expected", TABLE,
                         ids=[f"{m} {p}" + (f" {b.get('role', '')}{b.get('school', '')}" if isinstance(b, dict) and "username" in b else "")
                              for m, p, b, _ in TABLE])
async def test_endpoint_by_role(client, seed, method, path, body, expected):
    await _fresh_credential(seed, -1)  # so that the status lists exist
    for n, role in enumerate(ROLES):
        mapping = {"n": f"{role}-{n}", "uuid": await _fresh_credential(seed, n) if "{uuid}" in path else ""}
        headers = {} if role in ("public", "mentor") else {"Authorization": f"Bearer {seed.token[role]}"}
        response = await client.request(method, _fill(path, mapping), json=_fill(body, mapping), headers=headers,
                                        follow_redirects=False)
        assert response.status_code == expected[role], (role, response.status_code, response.text[:300])
        if response.status_code >= 400:
            assert response.headers["content-type"].startswith("application/problem+json"), role
            assert response.json()["status"] == response.status_code
        if response.status_code == 401:
            assert response.headers["www-authenticate"].startswith("Bearer")


async def test_listing_is_scoped_in_the_query(client, seed):
    north, south = seed.schools["north"].id, seed.schools["south"].id
    student = seed.users[("north", "student", 0)]
    mine = await credentials_repo.insert_issued_credential(school_id=north, learner_id=student["id"], credential_id="urn:uuid:11111111-1111-4111-8111-111111111111",
                                               document="{}", issued_at=seed.district.created_at)
    await credentials_repo.insert_issued_credential(school_id=north, learner_id=seed.users[("north", "student", 1)]["id"],
                                        credential_id="urn:uuid:22222222-2222-4222-8222-222222222222", document="{}",
                                        issued_at=seed.district.created_at)
    await credentials_repo.insert_issued_credential(school_id=south, credential_id="urn:uuid:33333333-3333-4333-8333-333333333333",
                                        document="{}", issued_at=seed.district.created_at)

    async def ids(role):
        r = await client.get("/admin/credentials", headers={"Authorization": f"Bearer {seed.token[role]}"})
        assert r.status_code == 200
        return sorted(c["credentialId"][9:17] for c in r.json())

    assert await ids("student") == ["11111111"]
    assert await ids("teacher") == ["11111111", "22222222"]
    assert await ids("school_admin") == ["11111111", "22222222"]
    assert await ids("district_admin") == ["11111111", "22222222", "33333333"]
    r = await client.get(f"/admin/credentials/{mine.uuid}", headers={"Authorization": f"Bearer {seed.token['student']}"})
    assert r.status_code == 200 and r.json()["learnerId"] == student["id"]

    r = await client.get("/admin/users", headers={"Authorization": f"Bearer {seed.token['teacher']}"})
    assert {u["schoolId"] for u in r.json()} == {north}


async def test_bad_bearer_token_is_401(client, seed):
    for value in ("Bearer bdg_not-a-token", "Basic dXNlcjpwdw==", "Bearer "):
        r = await client.get("/issuers/north", headers={"Authorization": value})
        assert r.status_code == 401, value
        assert r.headers["content-type"].startswith("application/problem+json")
