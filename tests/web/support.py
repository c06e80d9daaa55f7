"""Plain helpers shared by the web tests (the fixtures are in ``tests/conftest.py`` and ``tests/web/conftest.py``):
bearer headers, the learning half's rubric and achievement set-up over HTTP, seeded students, problem checks."""
from __future__ import annotations

RUBRIC = {"name": "Investigation rubric", "criteria": [
    {"id": "plan", "name": "Planning", "requiredLevel": 3},
    {"id": "analysis", "name": "Analysis", "requiredLevel": 3}], "totalRequired": 6}


def bearer(seed, role):
    return {"Authorization": f"Bearer {seed.token[role]}"}


async def setup_achievement(client, seed, *, second_rater=False, area=None):
    t = bearer(seed, "teacher")
    r = await client.post("/api/frameworks", headers=t, json={
        "kind": "academic", "name": "Science practices",
        "competencies": [{"code": "SP.3", "name": "Plan and carry out investigations"}]})
    assert r.status_code == 201, r.text
    comp = r.json()["competencies"][0]["id"]
    r = await client.post("/api/achievements", headers=t, json={
        "name": "Investigator", "description": "Plans and analyses an investigation.",
        "criteria": "Both criteria at Proficient.", "rubric": RUBRIC, "alignments": [comp],
        "secondRater": second_rater, "subject": "Science", **({"area": area} if area else {})})
    assert r.status_code == 201, r.text
    return r.json()


def is_problem(r, *codes):
    assert r.status_code in codes, (r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers["content-type"]
    return r.json()


async def add_students(seed, n: int) -> list[str]:
    from issuer.accounts import repo as accounts_repo
    from tests.support import NOW

    school = seed.schools["north"]
    emails = []
    for i in range(n):
        email = f"bulk-{i}@example.org"
        await accounts_repo.insert_user(district_id=seed.district.id, school_id=school.id, role="student",
                               username=f"bulk-{i}", email=email, display_name=f"Bulk {i}", password_hash="", at=NOW)
        emails.append(email)
    return emails
