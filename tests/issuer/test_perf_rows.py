"""Prebuilt award-path statements (perf) give Piccolo's rows: ``insert_credential_row`` returns
what Piccolo's ``INSERT … RETURNING`` returns and what ``get_credential`` reads back (values
and types), for a VC-API style row (nulls) and an award row (every foreign key, a status
index); a duplicate credential id still raises. SQLite and PostgreSQL (``db`` fixture).
"""
from __future__ import annotations

import uuid

import msgspec
import pytest

from tests.issuer.learning_support import make_achievement
from tests.support import NOW

pytestmark = pytest.mark.anyio


def _fields(row) -> dict:
    return msgspec.structs.asdict(row) if isinstance(row, msgspec.Struct) else row


def _types(row) -> dict:
    return {k: type(v) for k, v in _fields(row).items()}


def _without(row, skip=("id", "uuid", "credential_id")) -> dict:
    return {k: v for k, v in _fields(row).items() if k not in skip}


async def test_insert_credential_row_is_piccolos_insert(people, platform):
    import sqlite3

    from issuer.credentials import repo as credentials_repo
    from issuer.credentials.rows import IssuedCredentialRow
    from issuer.credentials.status import allocate_entry
    from issuer.db import query as query
    from issuer.db.tables import IssuedCredential

    teacher, student = people["teacher"], people["student"]
    a = await make_achievement(people, platform)
    _, list_id, index = await allocate_entry(platform, teacher.school_id)
    award = await credentials_repo.insert_award_if_new(uuid=uuid.uuid4(), school=teacher.school_id, learner=student.id,
                                           achievement=a.id, submission=None, version=None,
                                           ratings={"a": 3}, source="review", created_at=NOW)
    cases = [dict(school=teacher.school_id, document='{"x": 1}', issued_at=NOW),
             dict(school=teacher.school_id, learner=student.id, achievement=a.id, award=award,
                  document='{"signed": true}', status_list=list_id, status_index=index,
                  status_purpose="revocation", issued_at=NOW)]
    for n, values in enumerate(cases):
        fast = await credentials_repo.insert_credential_row(uuid=uuid.uuid4(), credential_id=f"urn:fast:{n}", **values)
        slow_values = {**values, "award": None, "status_list": None, "status_index": None} if n else values
        slow = query.row_of(IssuedCredentialRow, (await IssuedCredential.insert(IssuedCredential(
            uuid=uuid.uuid4(), credential_id=f"urn:slow:{n}", **slow_values)).returning(
            *IssuedCredential.all_columns()))[0])
        stored = await credentials_repo.get_credential(fast.uuid)
        assert fast == stored
        assert _types(fast) == _types(stored)
        assert fast.suspended is False and fast.status_index == values.get("status_index")
        if n == 0:
            assert _without(fast) == _without(slow)
            assert _types(fast) == _types(slow)
    with pytest.raises(Exception) as err:  # the unique credential id still holds
        await credentials_repo.insert_credential_row(uuid=uuid.uuid4(), credential_id="urn:fast:0", **cases[0])
    assert isinstance(err.value, sqlite3.IntegrityError) or "unique" in type(err.value).__name__.lower()


async def _piccolo_latest(school_id: int, purpose: str):
    from issuer.db.tables import StatusList

    return await StatusList.select(StatusList.id, StatusList.list_no, StatusList.size).where(
        StatusList.school == school_id, StatusList.purpose == purpose).order_by(
        StatusList.list_no, ascending=False).first()


async def test_latest_status_list_is_piccolos_select(people):
    from issuer.credentials import repo as credentials_repo
    from issuer.credentials.rows import StatusListHead
    from issuer.db import query as query
    from issuer.schools import repo as schools_repo

    school = people["teacher"].school_id
    other = (await schools_repo.insert_school(district_id=people["teacher"].district_id, slug="perf-rows",
                                      name="Other", at=NOW)).id
    assert await credentials_repo.latest_status_list(school_id=school, purpose="revocation") is None
    for sid, purpose, list_no, size in [(school, "revocation", 1, 131072), (school, "revocation", 3, 262144),
                                        (school, "revocation", 2, 131072), (school, "suspension", 7, 131072),
                                        (other, "revocation", 9, 131072)]:
        assert await credentials_repo.insert_status_list(school_id=sid, purpose=purpose, list_no=list_no, size=size,
                                             encoded_list="u", at=NOW)
    for sid, purpose in [(school, "revocation"), (school, "suspension"), (other, "revocation"),
                         (other, "suspension")]:
        fast = await credentials_repo.latest_status_list(school_id=sid, purpose=purpose)
        slow = query.row_of(StatusListHead, await _piccolo_latest(sid, purpose))
        assert fast == slow and (fast is None or _types(fast) == _types(slow))
    assert (await credentials_repo.latest_status_list(school_id=school, purpose="revocation")).list_no == 3
    assert await credentials_repo.latest_status_list(school_id=other, purpose="suspension") is None


async def test_insert_args_are_piccolos_row_values(people):
    from issuer.db import query as query
    from issuer.db.engine import current_engine
    from issuer.db.tables import Award, IssuedCredential, Review

    engine_type = current_engine().engine_type
    school = people["teacher"].school_id
    cases = [(IssuedCredential, dict(uuid=uuid.uuid4(), school=school, credential_id="urn:a", document="{}",
                                     issued_at=NOW)),
             (IssuedCredential, dict(uuid=uuid.uuid4(), school=school, credential_id="urn:b", document="{}",
                                     issued_at=NOW, suspended=True, status_index=5, revoked_reason="r")),
             (Review, dict(version=1, submission=1, reviewer=2, role="rater", ratings={"a": 3}, feedback="",
                           met=False, created_at=NOW)),
             (Award, dict(uuid=uuid.uuid4(), school=school, learner=1, achievement=1, ratings='{"a": 3}',
                          source="review", created_at=NOW))]
    for table, values in cases:
        _, args = query.insert_args(table, values)
        (querystring,) = table.insert(table(**values)).returning(table._meta.primary_key).querystrings
        assert args == querystring.compile_string(engine_type)[1][-len(args):]
        assert [type(a) for a in args] == [type(a) for a in querystring.compile_string(engine_type)[1][-len(args):]]
    for bad in ({**cases[0][1], "nope": 1}, {**cases[1][1], "nope": 1, "also": 2}):  # unknown columns
        with pytest.raises(ValueError) as fast:
            query.insert_args(IssuedCredential, bad)
        with pytest.raises(ValueError) as plain:
            IssuedCredential(**bad)
        assert str(fast.value) == str(plain.value)
