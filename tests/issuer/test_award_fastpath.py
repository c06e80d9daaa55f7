"""The award path's shortcuts (perf) return exactly what the plain getters return.

``submission_for_review`` (one joined raw query) = ``get_submission`` + ``get_achievement_by_id``
+ ``get_user`` + ``get_version``; ``lock_submission`` = ``get_submission_by_id``; ``issuer_kit`` = ``signer_for`` +
``issuer_profile`` (also right after a key rotation); ``achievement_doc`` = ``achievement_document``
and follows edits of the achievement row. Runs on SQLite and PostgreSQL (``db`` fixture).
"""
from __future__ import annotations

import msgspec
import pytest

from tests.issuer.learning_support import make_achievement

pytestmark = pytest.mark.anyio


async def _submission(people, platform):
    from issuer.evidence import service as evidence

    a = await make_achievement(people, platform)
    sub = await evidence.submit(platform, people["student"], achievement_uuid=str(a.uuid), narrative="Work",
                                urls=["https://example.org/w"], files=[])
    return a, sub


def _types(row) -> dict:
    if isinstance(row, msgspec.Struct):
        row = msgspec.structs.asdict(row)
    return {k: type(v) for k, v in row.items()}


async def test_submission_for_review_is_the_three_getters(people, platform):
    from issuer.accounts import repo as accounts_repo
    from issuer.catalog import repo as catalog_repo
    from issuer.db.query import row_of
    from issuer.evidence import repo as evidence_repo
    from issuer.evidence.rows import LearnerRow, ReviewParts

    _, sub = await _submission(people, platform)
    for revision in (None, 2):
        if revision:  # a resubmission: the current version is now 2
            from issuer.evidence import service as evidence

            await evidence.revise(platform, people["student"], str(sub.uuid), narrative="Better", urls=[], files=[])
        got = await evidence_repo.submission_for_review(str(sub.uuid))
        want_sub = await evidence_repo.get_submission(str(sub.uuid))
        want = ReviewParts(submission=want_sub,
                           achievement=await catalog_repo.get_achievement_by_id(want_sub.achievement),
                           learner=row_of(LearnerRow, await accounts_repo.get_user(want_sub.learner)),
                           version=await evidence_repo.get_version(want_sub.id, want_sub.current_version))
        assert got == want
        parts = ("submission", "achievement", "learner", "version")
        assert [_types(getattr(got, p)) for p in parts] == [_types(getattr(want, p)) for p in parts]
        assert got.version.number == (revision or 1)
    assert await evidence_repo.lock_submission(want_sub.id) == await evidence_repo.get_submission_by_id(want_sub.id)
    assert await evidence_repo.submission_for_review("00000000-0000-4000-8000-000000000000") is None
    assert await evidence_repo.submission_for_review("not-a-uuid") is None


async def test_issuer_kit_matches_identity_and_follows_rotation(people, platform):
    from issuer.credentials import awarding
    from issuer.schools import identity, keys

    school = people["teacher"].school_id
    for _ in range(2):
        kit = await awarding.issuer_kit(platform, school)
        signer = await identity.signer_for(platform, school)
        assert kit.profile == await identity.issuer_profile(platform, school)
        assert kit.signer.verification_method == signer.verification_method
        assert kit.signer.public_key.multibase == signer.public_key.multibase
        assert kit.base_url == platform.settings.base_url
        await keys.rotate(platform, district_id=people["teacher"].district_id, school_id=school)
    assert (await awarding.issuer_kit(platform, school)).signer.public_key.multibase != kit.signer.public_key.multibase


async def test_achievement_doc_is_cached_per_version(people, platform):
    from issuer.catalog import repo as catalog_repo
    from issuer.catalog.achievements import achievement_document
    from issuer.credentials import awarding

    a = await make_achievement(people, platform)
    base = platform.settings.base_url
    row = await catalog_repo.get_achievement_by_id(a.id)
    first = await awarding.achievement_doc(platform, row, base_url=base)
    assert first == await achievement_document(row, base_url=base)
    copy = msgspec.structs.replace(row)
    assert copy is not row and await awarding.achievement_doc(platform, copy, base_url=base) is first  # same version
    await catalog_repo.update_achievement(a.id, image_sha256="ab" * 32, image_type="image/png")
    edited = await catalog_repo.get_achievement_by_id(a.id)
    second = await awarding.achievement_doc(platform, edited, base_url=base)
    assert second == await achievement_document(edited, base_url=base) != first
    assert "image" in second and "image" not in first
    other = await awarding.achievement_doc(platform, edited, base_url="https://other.example")
    assert other["id"].startswith("https://other.example/")


async def test_insert_credential_row_is_the_stored_row(people, platform):
    import uuid

    from issuer.credentials import repo as credentials_repo


    row = await credentials_repo.insert_credential_row(
        uuid=uuid.uuid4(), school=people["teacher"].school_id, credential_id="urn:uuid:" + str(uuid.uuid4()),
        document='{"x":1}', status_purpose="revocation", issued_at=platform.clock.now())
    stored = await credentials_repo.get_credential(row.uuid)
    assert row == stored and _types(row) == _types(stored)
