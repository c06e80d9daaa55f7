"""``issuer.context``: one IssuerContext per app or command, frozen, with caches of its own."""
from __future__ import annotations

from datetime import timedelta

import pytest

from issuer.clock import FixedClock
from issuer.context import build_context
from tests.support import NOW

pytestmark = pytest.mark.anyio


async def test_build_context_carries_settings_clock_and_keys(platform_settings, db):
    clock = FixedClock(NOW)
    ctx = build_context(platform_settings, clock=clock, engine=db)
    assert ctx.settings is platform_settings and ctx.clock is clock and ctx.engine is db
    assert ctx.keys.kek == platform_settings.key_encryption_key
    assert ctx.jobs.inline and ctx.verify is None  # no verifier outside an app
    # a job runs with the context it is handed (JobRunner.run(ctx, ...)): the runner keeps no clock
    assert not hasattr(ctx.jobs, "clock")
    assert "kek" not in repr(ctx) and repr(ctx.keys.kek) not in repr(ctx)


async def test_context_is_frozen_and_replace_makes_a_copy(platform_settings, db):
    ctx = build_context(platform_settings, clock=FixedClock(NOW), engine=db)
    with pytest.raises(AttributeError):
        ctx.clock = FixedClock(NOW + timedelta(days=1))  # type: ignore[misc]
    other = ctx.replace(clock=FixedClock(NOW + timedelta(days=1)))
    assert other.clock.now() == NOW + timedelta(days=1) and ctx.clock.now() == NOW
    assert other.keys is ctx.keys and other.caches is ctx.caches


async def test_each_context_has_its_own_caches(platform_settings, db):
    one = build_context(platform_settings, clock=FixedClock(NOW), engine=db)
    two = build_context(platform_settings, clock=FixedClock(NOW), engine=db)
    one.caches.documents["k"] = {"x": 1}
    one.keys.signers[("k",)] = (None, "did:example:1")
    assert "k" not in two.caches.documents and ("k",) not in two.keys.signers
