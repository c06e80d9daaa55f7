"""The award path's school + key read (perf): ``repo_platform.school_with_active_key`` (one
prebuilt query) gives exactly ``school_by_id`` and ``active_key`` (values and types), for a
school without a key, with one, after rotations and after the school row is edited; and
``awarding.issuer_kit`` (its signer cached per key row) signs like ``identity.signer_for``, follows a
rotation and an edit of the school, and still creates the first key. SQLite and PostgreSQL
(``db`` fixture).
"""
from __future__ import annotations

import msgspec
import pytest

from tests.support import NOW

pytestmark = pytest.mark.anyio


def _types(row) -> dict | None:
    return None if row is None else {k: type(v) for k, v in msgspec.structs.asdict(row).items()}


async def _plain(school_id: int):
    from issuer.schools import repo as schools_repo

    school = await schools_repo.school_by_id(school_id)
    return school, await schools_repo.active_key(district_id=school.district, school_id=school_id)


async def _check_same(school_id: int):
    from issuer.schools import repo as schools_repo

    got = await schools_repo.school_with_active_key(school_id)
    want = await _plain(school_id)
    assert got == want
    assert [_types(g) for g in got] == [_types(w) for w in want]
    return got


async def test_school_with_active_key_is_the_two_getters(people, platform):
    from issuer.schools import keys
    from issuer.schools import repo as schools_repo

    teacher = people["teacher"]
    school, key = await _check_same(teacher.school_id)
    if key is None:  # no key until first use
        await keys.active_key_row(platform, district_id=teacher.district_id, school_id=teacher.school_id)
        school, key = await _check_same(teacher.school_id)
    assert key is not None and key.active is True
    assert isinstance(school.address, dict)
    for _ in range(2):
        await keys.rotate(platform, district_id=teacher.district_id, school_id=teacher.school_id)
        _, new_key = await _check_same(teacher.school_id)
        assert new_key.id != key.id
        key = new_key
    # a school with an address and no key yet; the district's own key is not the school's
    await keys.active_key_row(platform, district_id=teacher.district_id, school_id=None)
    other = await schools_repo.insert_school(district_id=teacher.district_id, slug="perf-kit", name="Perf Kit",
                                     address={"addressLocality": "Montpelier"}, at=NOW)
    school, key = await _check_same(other.id)
    assert key is None and school.address == {"addressLocality": "Montpelier"}
    assert await schools_repo.school_with_active_key(10**9) is None


async def test_issuer_kit_signs_like_signer_for_and_follows_changes(people, platform):
    from issuer.credentials import awarding
    from issuer.db.tables import School
    from issuer.errors import NotFound
    from issuer.schools import identity, keys
    from issuer.schools import repo as schools_repo

    teacher = people["teacher"]
    seen = set()
    for _ in range(3):
        for _ in range(2):  # the second read is served from the signer cache
            kit = await awarding.issuer_kit(platform, teacher.school_id)
            signer = await identity.signer_for(platform, teacher.school_id)
            assert kit.signer.sign(b"data") == signer.sign(b"data")
            assert kit.signer.verification_method == signer.verification_method
            assert kit.profile == await identity.issuer_profile(platform, teacher.school_id)
            assert kit.school == await schools_repo.school_by_id(teacher.school_id)
        seen.add(kit.signer.public_key.multibase)
        await keys.rotate(platform, district_id=teacher.district_id, school_id=teacher.school_id)
    assert len(seen) == 3
    await School.update({School.name: "Renamed School"}).where(School.id == teacher.school_id)
    kit = await awarding.issuer_kit(platform, teacher.school_id)
    assert kit.profile["name"] == "Renamed School"
    assert kit.profile == await identity.issuer_profile(platform, teacher.school_id)
    # the first award of a new school creates its key, as signer_for would
    other = await schools_repo.insert_school(district_id=teacher.district_id, slug="perf-kit-2", name="Kit Two", at=NOW)
    kit = await awarding.issuer_kit(platform, other.id)
    assert kit.signer.sign(b"x") == (await identity.signer_for(platform, other.id)).sign(b"x")
    assert (await schools_repo.active_key(district_id=teacher.district_id, school_id=other.id)) is not None
    with pytest.raises(NotFound):
        await awarding.issuer_kit(platform, 10**9)
