"""50 simultaneous reviews that all cross the threshold: 50 badges, 50 distinct status indexes,
and doing it all again (plus concurrent duplicates) issues nothing more."""
from __future__ import annotations

import asyncio
import json

import msgspec
import pytest

from tests.issuer.learning_support import make_achievement, principal

pytestmark = pytest.mark.anyio
N = 50


async def test_fifty_concurrent_reviews_fifty_badges_distinct_indexes(seed, platform, people):
    from issuer.accounts import repo as accounts_repo
    from issuer.credentials import repo as credentials_repo
    from issuer.db.tables import Award, IssuedCredential
    from issuer.evidence import review
    from issuer.evidence import service as evidence
    from issuer.evidence.schemas import ReviewIn, ReviewResult

    a = await make_achievement(people, platform)
    school = seed.schools["north"]
    students = []
    for i in range(N):
        u = await accounts_repo.insert_user(district_id=seed.district.id, school_id=school.id, role="student",
                                            username=f"conc-{i}", email=f"conc-{i}@example.org",
                                            display_name=f"Student {i}", password_hash="", at=platform.clock.now())
        students.append(principal(msgspec.structs.asdict(u), "student"))
    subs = [await evidence.submit(platform, s, achievement_uuid=str(a.uuid), narrative=f"work {i}", urls=[],
                                  files=[]) for i, s in enumerate(students)]

    async def rate(sub, who):
        return await review.record_review(platform, who, str(sub.uuid),
                                          ReviewIn(ratings={"analysis": 3, "communication": 3}))

    results = await asyncio.gather(*(rate(s, people["teacher"]) for s in subs))
    assert all(r.status == "awarded" and r.issued for r in results)
    rows = await IssuedCredential.select(IssuedCredential.status_list, IssuedCredential.status_index,
                                         IssuedCredential.document)
    assert len(rows) == N
    assert len({(r["status_list"], r["status_index"]) for r in rows}) == N
    indexes = {json.loads(r["document"])["credentialStatus"]["statusListIndex"] for r in rows}
    assert len(indexes) == N

    # again, twice over and concurrently: a repeat returns the existing badge, never a new one
    again = await asyncio.gather(*(rate(s, people["admin"]) for s in subs),
                                 *(rate(s, people["teacher"]) for s in subs[:10]), return_exceptions=True)
    assert await IssuedCredential.count() == N
    assert await Award.count() == N
    ok = [r for r in again if isinstance(r, ReviewResult)]
    assert len(ok) == N + 10 and all(r.issued is False for r in ok)
    assert {r.credential.uuid for r in ok} == {r.credential.uuid for r in results}
    assert await credentials_repo.find_award(students[0].id, a.id)
