"""Length limits (issue 10): every free-text field of the DTOs has a maximum, JSON bodies have a
size cap, and a value at the limit is stored (on PostgreSQL too, whose Varchar columns the limits
mirror) while one character more is a 400 problem, not a stored megabyte or a 500."""
from __future__ import annotations

import pytest

from issuer.web.dto_types import JSON_BODY_LIMIT
from tests.web.support import RUBRIC, bearer, is_problem, setup_achievement

pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]


@pytest.fixture
def client(asgi_client):
    # The full app over httpx in this event loop (tests/web/conftest.py), as in the hostile-request tests.
    return asgi_client


def user(**over):
    return {"username": "new-teacher", "role": "teacher", "email": "t@example.org", "displayName": "T",
            "school": "north", **over}


@pytest.mark.parametrize("field,limit,make", [
    ("username", 150, lambda n: "u" * n),
    ("displayName", 255, lambda n: "D" * n),
    ("email", 320, lambda n: "e" * (n - len("@example.org")) + "@example.org"),
])
async def test_user_fields(client, seed, field, limit, make):
    admin = bearer(seed, "school_admin")
    is_problem(await client.post("/admin/users", headers=admin, json=user(**{field: make(limit + 1)})), 400)
    r = await client.post("/admin/users", headers=admin, json=user(**{field: make(limit)}))
    assert r.status_code == 201, r.text


async def test_token_name(client, seed):
    admin = bearer(seed, "school_admin")
    is_problem(await client.post("/admin/tokens", headers=admin, json={"name": "n" * 256, "role": "school_admin"}), 400)
    is_problem(await client.post("/admin/tokens", headers=admin, json={"name": "n" * 1_000_000, "role": "school_admin"}),
               400, 413)
    r = await client.post("/admin/tokens", headers=admin, json={"name": "n" * 255, "role": "school_admin"})
    assert r.status_code == 201, r.text


async def test_revocation_reason(client, seed):
    from tests.web.award_support import award

    badge = await award(client, seed)
    admin = bearer(seed, "school_admin")
    path = f"/admin/credentials/{badge['uuid']}/revoke"
    is_problem(await client.post(path, headers=admin, json={"reason": "r" * 1025}), 400)
    r = await client.post(path, headers=admin, json={"reason": "r" * 1024})
    assert r.status_code == 200, r.text


async def test_achievement_name_and_criterion_ids(client, seed):
    teacher = bearer(seed, "teacher")
    a = await setup_achievement(client, seed)

    def body(name="Badge", criterion="plan"):
        rubric = {**RUBRIC, "criteria": [{**RUBRIC["criteria"][0], "id": criterion}, RUBRIC["criteria"][1]]}
        return {"name": name, "description": "d", "rubric": rubric, "alignments": a["alignments"]}

    is_problem(await client.post("/api/achievements", headers=teacher, json=body(name="N" * 256)), 400)
    is_problem(await client.post("/api/achievements", headers=teacher, json=body(criterion="c" * 129)), 400)
    r = await client.post("/api/achievements", headers=teacher, json=body(name="N" * 255, criterion="c" * 128))
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "N" * 255


async def test_competency_code_and_framework_name(client, seed):
    teacher = bearer(seed, "teacher")

    def body(code="SP.1", name="Science"):
        return {"kind": "academic", "name": name, "competencies": [{"code": code, "name": "Investigate"}]}

    is_problem(await client.post("/api/frameworks", headers=teacher, json=body(code="C" * 129)), 400)
    is_problem(await client.post("/api/frameworks", headers=teacher, json=body(name="F" * 256)), 400)
    r = await client.post("/api/frameworks", headers=teacher, json=body(code="C" * 128, name="F" * 255))
    assert r.status_code == 201, r.text


async def test_json_body_size_is_capped_but_uploads_keep_their_own(client, seed):
    teacher = bearer(seed, "teacher")
    big = {"kind": "academic", "name": "Big", "competencies": [{"code": "X", "name": "n" * (JSON_BODY_LIMIT + 10)}]}
    is_problem(await client.post("/api/frameworks", headers=teacher, json=big), 413)
    a = await setup_achievement(client, seed)
    r = await client.post("/api/submissions", headers=bearer(seed, "student"),
                          data={"achievement": a["id"], "narrative": "x"},
                          files={"files": ("notes.txt", b"word " * (JSON_BODY_LIMIT // 2), "text/plain")})
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("length,status", [(1024, 201), (1025, 422)])
async def test_imported_competency_url(client, seed, length, status):
    url = "https://case.example/" + "u" * (length - len("https://case.example/"))
    csv = f"framework,kind,code,name,url\nScience,academic,SP.1,Investigate,{url}\n".encode()
    r = await client.post("/api/frameworks/import", headers=bearer(seed, "teacher"), data={"format": "csv"},
                          files={"file": ("f.csv", csv, "text/csv")})
    assert r.status_code == status, r.text[:300]
