"""Prebuilt hot-path writes (perf) are Piccolo's statements: the same parameters as the Piccolo
query they replace, and rows stored exactly as Piccolo stores them (read back through the
ordinary getters, values and types), on SQLite and PostgreSQL (``db`` fixture). Bad twins:
a conflicting award or status index inserts nothing and says so.
"""
from __future__ import annotations

import uuid

import msgspec
import pytest

from tests.issuer.learning_support import make_achievement
from tests.support import NOW

pytestmark = pytest.mark.anyio


async def _submissions(people, platform, n):
    from issuer.db import query as query
    from issuer.evidence import repo as evidence_repo
    from issuer.evidence import service as evidence

    a = await make_achievement(people, platform)
    out = []
    for i in range(n):
        student = people["student"] if i == 0 else people["student2"]
        sub = await evidence.submit(platform, student, achievement_uuid=str(a.uuid), narrative=f"Work {i}",
                                    urls=[], files=[])
        row = await evidence_repo.get_submission(str(sub.uuid))
        out.append((row, await evidence_repo.get_version(row.id, 1)))
    return a, out


def _fields(row) -> dict:
    return msgspec.structs.asdict(row) if isinstance(row, msgspec.Struct) else row


def _piccolo_args(query, engine_type: str) -> list:
    (querystring,) = query.querystrings
    return querystring.compile_string(engine_type)[1]


def _same(a, b, skip=("id", "uuid")) -> None:
    """Equal values of equal types (a typed row is compared field by field)."""
    a = {k: v for k, v in _fields(a).items() if k not in skip}
    b = {k: v for k, v in _fields(b).items() if k not in skip}
    assert a == b
    assert {k: type(v) for k, v in a.items()} == {k: type(v) for k, v in b.items()}


async def test_award_and_review_inserts_are_piccolos(people, platform):
    from issuer.credentials import repo as credentials_repo
    from issuer.db import query as query
    from issuer.db.engine import current_engine
    from issuer.db.tables import Award, Review
    from issuer.evidence import repo as evidence_repo

    engine_type = current_engine().engine_type
    a, [(s1, v1), (s2, v2)] = await _submissions(people, platform, 2)
    teacher = people["teacher"].id
    for (sub, ver), fast in (((s1, v1), True), ((s2, v2), False)):
        review = {"version": ver.id, "submission": sub.id, "reviewer": teacher, "role": "rater",
                      "ratings": {"analysis": 3, "communication": 4}, "feedback": "Fine — ✓", "met": True, "created_at": NOW}
        award = {"uuid": uuid.uuid4(), "school": sub.school, "learner": sub.learner, "achievement": a.id,
                     "submission": sub.id, "version": ver.id, "ratings": {"analysis": 3, "communication": 4},
                     "source": "review", "created_at": NOW}
        if fast:
            _, args = query.insert_args(Review, review)
            assert args == _piccolo_args(Review.insert(Review(**review)).returning(Review.id), engine_type)[-len(args):]
            _, args = query.insert_args(Award, award, True)
            assert args == _piccolo_args(Award.insert(Award(**award)).on_conflict(action="DO NOTHING")
                                         .returning(Award.id), engine_type)[-len(args):]
            review_id = await evidence_repo.insert_review(**review)
            award_id = await credentials_repo.insert_award_if_new(**award)
            assert await credentials_repo.insert_award_if_new(**{**award, "uuid": uuid.uuid4()}) is None  # the pair exists
        else:  # what the fast path replaced
            review_id = await query.insert_row(Review, **review)
            rows = await Award.insert(Award(**award)).on_conflict(action="DO NOTHING").returning(Award.id)
            award_id = rows[0]["id"]
        if fast:
            fast_rows = ((await evidence_repo.reviews_for_version(ver.id))[0],
                         await credentials_repo.find_award(sub.learner, a.id))
            assert fast_rows[0].id == review_id and fast_rows[1].id == award_id
        else:
            plain_rows = ((await evidence_repo.reviews_for_version(ver.id))[0],
                          await credentials_repo.find_award(sub.learner, a.id))
            assert plain_rows[0].id == review_id and plain_rows[1].id == award_id
    for f, p in zip(fast_rows, plain_rows, strict=True):
        _same(f, p, skip=("id", "uuid", "version", "submission", "learner"))


async def test_submission_status_update_is_piccolos(people, platform):
    from issuer.db import query as query
    from issuer.db.tables import Submission
    from issuer.evidence import repo as evidence_repo

    _, [(s1, _), (s2, _)] = await _submissions(people, platform, 2)
    await evidence_repo.set_submission_status(s1.id, "awarded", NOW)
    await Submission.update({Submission.status: "awarded", Submission.updated_at: NOW}).where(
        Submission.id == s2.id)
    fast, plain = await evidence_repo.get_submission_by_id(s1.id), await evidence_repo.get_submission_by_id(s2.id)
    assert fast.status == "awarded" and fast.updated_at == NOW
    _same(fast, plain, skip=("id", "uuid", "learner", "created_at"))
    assert (await evidence_repo.get_submission_by_id(s2.id)).status == "awarded"


async def test_claim_status_index(seed):
    from issuer.credentials import repo as credentials_repo
    from issuer.credentials import status
    from issuer.db import query as query
    from issuer.db.tables import StatusEntry

    _, list_id, taken = await status.allocate_entry(seed.ctx, seed.schools["north"].id)
    free = (taken + 1) % 131072
    assert await credentials_repo.claim_status_index(list_id=list_id, index=free, at=NOW) is True
    assert await credentials_repo.claim_status_index(list_id=list_id, index=free, at=NOW) is False
    assert await credentials_repo.claim_status_index(list_id=list_id, index=taken, at=NOW) is False
    rows = await StatusEntry.select().where(StatusEntry.status_list == list_id).order_by(StatusEntry.id)
    assert [(r["status_index"], r["created_at"]) for r in rows] == [(taken, NOW), (free, NOW)]


async def test_prebuilt_reads_are_piccolos(people, platform):
    """``lock_submission`` and ``reviews_for_version`` (prebuilt SQL) = the Piccolo selects."""
    from issuer.db import query as query
    from issuer.db.engine import write_transaction
    from issuer.db.query import row_of, rows_of
    from issuer.db.tables import Review, Submission
    from issuer.evidence import repo as evidence_repo
    from issuer.evidence.rows import ReviewRow, SubmissionRow

    _, [(sub, ver)] = await _submissions(people, platform, 1)
    assert await evidence_repo.reviews_for_version(ver.id) == []
    for reviewer, role in ((people["teacher"].id, "rater"), (people["admin"].id, "rater"),
                           (people["teacher"].id, "moderator")):
        await evidence_repo.insert_review(version=ver.id, submission=sub.id, reviewer=reviewer, role=role,
                                 ratings={"analysis": 2, "communication": 4}, feedback="", met=False, created_at=NOW)
    want = await Review.select().where(Review.version == ver.id).order_by(Review.id).output(load_json=True)
    got = await evidence_repo.reviews_for_version(ver.id)
    assert len(got) == 3 and [r.id for r in got] == sorted(r.id for r in got)
    for g, w in zip(got, rows_of(ReviewRow, want), strict=True):
        _same(g, w, skip=())
    assert await evidence_repo.reviews_for_version(ver.id + 1000) == []
    async with write_transaction():
        locked = await evidence_repo.lock_submission(sub.id)
    plain = await Submission.select().where(Submission.id == sub.id).output(load_json=True).first()
    _same(locked, row_of(SubmissionRow, plain), skip=())
    assert await evidence_repo.lock_submission(sub.id + 1000) is None
