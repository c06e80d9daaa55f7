"""``allocate_entry(..., school=row)`` (perf: the award path passes the school row it already
read) allocates exactly as the plain call does: same list, same URL, an index unique in the
list; a row of another school is not trusted (the right school is read). SQLite and PostgreSQL.
"""
from __future__ import annotations

import pytest

from tests.support import NOW

pytestmark = pytest.mark.anyio


async def test_passing_the_school_row_changes_nothing(seed):
    from issuer.credentials import repo as credentials_repo
    from issuer.credentials import status
    from issuer.db.engine import write_transaction
    from issuer.schools import repo as schools_repo

    north, south = seed.schools["north"], seed.schools["south"]
    got = []
    async with write_transaction():
        for kw in ({}, {"school": await schools_repo.school_by_id(north.id)}, {"school": south}):
            got.append(await status.allocate_entry(seed.ctx, north.id, **kw))
    urls = {entry["statusListCredential"] for entry, _, _ in got}
    assert len(urls) == 1 and "/status/north/message/1" in urls.pop()  # never south's list
    assert len({list_id for _, list_id, _ in got}) == 1
    assert len({index for _, _, index in got}) == 3
    for entry, _, index in got:
        assert entry["statusListIndex"] == str(index) and entry["statusPurpose"] == "message"
    for _, list_id, index in got:
        assert not await credentials_repo.claim_status_index(list_id=list_id, index=index, at=NOW)

