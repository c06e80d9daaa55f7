"""The bearer-token fast path (perf): ``issuer.accounts.auth.principal_for_token`` (one joined query)
gives exactly what ``accounts.principal_for_token`` (token, then user) gives, for every kind of
token: a user's token of every role, a token without a user, a deactivated user's token, a
revoked token, an unknown token. Runs on SQLite and PostgreSQL (``db`` fixture).
"""
from __future__ import annotations

import pytest

from tests.support import NOW

pytestmark = pytest.mark.anyio


async def _both(platform, token: str):
    from issuer.accounts import auth
    from issuer.accounts import service as accounts

    return await auth.principal_for_token(platform, token), await accounts.principal_for_token(platform, token)


async def test_every_live_token_gives_the_same_principal(seed, platform):
    from issuer.accounts import service as accounts

    for role, token in seed.token.items():
        fast, plain = await _both(platform, token)
        assert plain is not None and plain.role == role
        assert fast == plain
    school = seed.schools["north"].id
    for name in ("integration", ""):  # a token without a user (named and unnamed)
        token = await accounts.create_api_token(platform, school_id=school, district_id=seed.district.id,
                                                role="school_admin", name=name)
        fast, plain = await _both(platform, token)
        assert plain is not None and plain.id is None
        assert fast == plain


async def test_person_roles_without_a_user_give_no_principal_either_way(seed, platform):
    """Rows minted before a person's role needed its user (issue 10): refused by both paths,
    as are unknown roles and expired tokens."""
    from datetime import timedelta

    from issuer.accounts import repo as accounts_repo
    from issuer.accounts import service as accounts

    school = seed.schools["north"].id
    for role, expires in (("student", None), ("teacher", None), ("", None), ("root", None),
                          ("school_admin", NOW), ("school_admin", NOW - timedelta(seconds=1))):
        token = f"bdg_legacy_{role}_{expires}"
        await accounts_repo.insert_token(token_hash=accounts.sha256_hex(token), name="legacy", district_id=seed.district.id,
                                school_id=school, user_id=None, role=role, at=NOW, expires_at=expires)
        assert await _both(platform, token) == (None, None), role
    live = "bdg_legacy_live"
    await accounts_repo.insert_token(token_hash=accounts.sha256_hex(live), name="live", district_id=seed.district.id,
                            school_id=school, user_id=None, role="school_admin", at=NOW,
                            expires_at=NOW + timedelta(seconds=1))
    fast, plain = await _both(platform, live)
    assert plain is not None and fast == plain


async def test_dead_tokens_give_no_principal_either_way(seed, platform):
    from issuer.db.tables import ApiToken, User

    assert await _both(platform, "bdg_unknown") == (None, None)
    teacher = seed.users[("north", "teacher", 0)]
    await User.update({User.active: False}).where(User.id == teacher["id"])
    assert await _both(platform, seed.token["teacher"]) == (None, None)
    await User.update({User.active: True}).where(User.id == teacher["id"])
    fast, plain = await _both(platform, seed.token["teacher"])
    assert fast is not None and fast == plain
    await ApiToken.update({ApiToken.revoked_at: NOW}).where(ApiToken.user == teacher["id"])
    assert await _both(platform, seed.token["teacher"]) == (None, None)
    # the others are untouched
    fast, plain = await _both(platform, seed.token["student"])
    assert fast is not None and fast == plain

