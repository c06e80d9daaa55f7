"""Service-level flow of the learning half: framework → achievement → evidence → review → badge."""
from __future__ import annotations

import json

import pytest

from tests.issuer.learning_support import make_achievement

pytestmark = pytest.mark.anyio


async def test_below_then_revised_meets_threshold_issues_one_signed_badge(people, platform):
    from badges import schema
    from issuer.evidence import review
    from issuer.evidence import service as evidence
    from issuer.evidence.schemas import ReviewIn

    a = await make_achievement(people, platform)
    sub = await evidence.submit(platform, people["student"], achievement_uuid=str(a.uuid), narrative="My lab report",
                                urls=["https://example.org/report"], files=[("../../etc/passwd.txt", b"data 1")])
    low = await review.record_review(platform, people["teacher"], str(sub.uuid),
                                     ReviewIn(ratings={"analysis": 2, "communication": 3}, feedback="Analyse further"))
    assert low.status == "revise" and low.credential is None
    await evidence.revise(platform, people["student"], str(sub.uuid), narrative="Better report", urls=[],
                          files=[("report.txt", b"data 2")])
    high = await review.record_review(platform, people["teacher"], str(sub.uuid),
                                      ReviewIn(ratings={"analysis": 3, "communication": 4}, feedback="Well done"))
    assert high.status == "awarded" and high.issued is True and high.credential is not None
    from issuer.credentials import repo as credentials_repo

    row = await credentials_repo.get_credential(high.credential.uuid)
    doc = json.loads(row.document)
    schema.validate(doc, "achievement")
    schema.validate(doc, "achievement", strict=True)
    assert doc["credentialSubject"]["achievement"]["resultDescription"]
    assert len(doc["credentialSubject"]["result"]) == 2
    assert any("sha256:" in (e.get("description") or "") for e in doc["evidence"])
    again = await review.record_review(platform, people["admin"], str(sub.uuid),
                                       ReviewIn(ratings={"analysis": 4, "communication": 4}))
    assert again.issued is False and again.credential == high.credential
    full = await evidence.get_submission(platform, people["student"], str(sub.uuid))
    assert [v.number for v in full.versions] == [1, 2]
