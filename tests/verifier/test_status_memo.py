"""Verified status lists are remembered by content hash, for a bounded time, and never weaken a check.

Each good case has a bad twin: a list changed after it was remembered, a list whose proof never
verified, a clock past the TTL or gone back, a proof that expires.
"""
from __future__ import annotations

import copy
from datetime import timedelta

import pytest

from badges.signing import ChainResolver, DidKeyResolver, DocumentResolver, sign
from badges.status import BitstringStatusList
from badges.verification import CheckId, VerifiedStatusLists, verify_credential
from tests.support import NOW
from tests.verifier.factory import REVOKED_INDEX, STATUS_REVOCATION, World
from verifier.service import VerifierService

_INVALID_LIST = "https://www.w3.org/ns/credentials/status-list#STATUS_VERIFICATION_ERROR"


class CountingResolver:
    """The issuer's DID document, counting how often a key is looked up (once per proof checked)."""

    def __init__(self, world: World) -> None:
        self.inner = ChainResolver(DidKeyResolver(), DocumentResolver(world.did_documents))
        self.calls = 0

    def resolve(self, vm_id: str):
        self.calls += 1
        return self.inner.resolve(vm_id)


def _verify(world: World, badge: dict, lists: dict, *, memo, resolver, now=NOW):
    return verify_credential(badge, now=now, resolver=resolver, fetch_document=lambda url: copy.deepcopy(lists[url]),
                             status_lists=memo)


def test_a_verified_list_is_checked_once_then_remembered(world):
    memo, resolver = VerifiedStatusLists(ttl=300), CountingResolver(world)
    first = _verify(world, world.badge(), world.status_lists, memo=memo, resolver=resolver)
    assert first.verified and resolver.calls == 2 and len(memo) == 1  # the badge's proof + the list's proof
    second = _verify(world, world.badge(index=8, credential_id="urn:uuid:8"), world.status_lists, memo=memo,
                     resolver=resolver)
    assert second.verified and resolver.calls == 3  # only the new badge's proof
    assert second.check(CheckId.STATUS).outcome == "pass"


def test_without_a_memo_every_verification_checks_the_list(world):
    resolver = CountingResolver(world)
    for _ in range(2):
        assert _verify(world, world.badge(), world.status_lists, memo=None, resolver=resolver).verified
    assert resolver.calls == 4


def test_a_list_changed_after_it_was_remembered_is_checked_again_and_fails(world):
    memo, resolver = VerifiedStatusLists(ttl=300), CountingResolver(world)
    assert _verify(world, world.badge(), world.status_lists, memo=memo, resolver=resolver).verified
    # Someone clears the revoked bit but cannot re-sign: the remembered verdict must not cover it.
    tampered = copy.deepcopy(world.status_lists)
    bits = BitstringStatusList()
    tampered[STATUS_REVOCATION]["credentialSubject"]["encodedList"] = bits.encode()
    revoked = world.badge(index=REVOKED_INDEX, credential_id="urn:uuid:revoked")
    report = _verify(world, revoked, tampered, memo=memo, resolver=resolver)
    status = report.check(CheckId.STATUS)
    assert not report.verified and status.outcome == "fail" and status.problem_type == _INVALID_LIST
    # And the genuine list still says revoked.
    report = _verify(world, revoked, world.status_lists, memo=memo, resolver=resolver)
    assert report.check(CheckId.STATUS).problem_type.endswith("/revoked")


def test_a_list_whose_proof_fails_is_never_remembered(world):
    memo = VerifiedStatusLists(ttl=300)
    forged = copy.deepcopy(world.status_lists)
    forged[STATUS_REVOCATION]["validFrom"] = "2025-01-01T00:00:00Z"
    for _ in range(2):
        report = _verify(world, world.badge(), forged, memo=memo, resolver=CountingResolver(world))
        assert report.check(CheckId.STATUS).problem_type == _INVALID_LIST
    assert len(memo) == 0


def test_the_memo_ends_with_its_ttl_and_when_the_clock_goes_back(world):
    memo, resolver = VerifiedStatusLists(ttl=60), CountingResolver(world)
    assert _verify(world, world.badge(), world.status_lists, memo=memo, resolver=resolver).verified
    assert resolver.calls == 2
    later = NOW + timedelta(seconds=59)
    assert _verify(world, world.badge(), world.status_lists, memo=memo, resolver=resolver, now=later).verified
    assert resolver.calls == 3  # remembered
    expired = NOW + timedelta(seconds=61)
    assert _verify(world, world.badge(), world.status_lists, memo=memo, resolver=resolver, now=expired).verified
    assert resolver.calls == 5  # checked again (and remembered from `expired` on)
    earlier = NOW - timedelta(seconds=1)
    assert _verify(world, world.badge(), world.status_lists, memo=memo, resolver=resolver, now=earlier).verified
    assert resolver.calls == 7


def test_a_proof_expiry_bounds_the_memo(world):
    key = VerifiedStatusLists.key(world.status_lists[STATUS_REVOCATION])
    memo = VerifiedStatusLists(ttl=300)
    document = copy.deepcopy(world.status_lists[STATUS_REVOCATION])
    document["proof"][0]["expires"] = (NOW + timedelta(seconds=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    memo.remember(key, document, NOW)
    assert memo.verified(key, NOW + timedelta(seconds=9))
    assert not memo.verified(key, NOW + timedelta(seconds=10))
    document["proof"][0]["expires"] = "not a date"
    memo.remember(key, document, NOW)
    assert not memo.verified(key, NOW)


def test_keys_follow_every_byte_and_the_memo_is_bounded(world):
    document = world.status_lists[STATUS_REVOCATION]
    changed = copy.deepcopy(document)
    changed["id"] += "x"
    assert VerifiedStatusLists.key(document) == VerifiedStatusLists.key(copy.deepcopy(document))
    assert VerifiedStatusLists.key(document) != VerifiedStatusLists.key(changed)
    assert VerifiedStatusLists.key({"x": object()}) is None
    memo = VerifiedStatusLists(ttl=300, max_entries=2)
    for n in range(3):
        memo.remember(f"k{n}", {}, NOW)
    assert len(memo) == 2 and not memo.verified("k0", NOW) and memo.verified("k2", NOW)
    # least recently used out: k1 was checked last, so k2 goes when k3 comes
    assert memo.verified("k1", NOW)
    memo.remember("k3", {}, NOW)
    assert memo.verified("k1", NOW) and memo.verified("k3", NOW) and not memo.verified("k2", NOW)
    # each entry's window is read on the caller's clock: past its TTL (or before it was checked) it is gone
    assert not memo.verified("k1", NOW + timedelta(seconds=300)) and len(memo) == 1
    assert not memo.verified("k3", NOW - timedelta(seconds=1))
    off = VerifiedStatusLists(ttl=0)
    off.remember("k", {}, NOW)
    assert len(off) == 0 and not off.verified("k", NOW)


@pytest.mark.anyio
async def test_the_service_remembers_lists_for_its_fetch_ttl(world):
    service = VerifierService(world.config(cache_ttl=120, max_cache_ttl=300))
    try:
        assert service.status_lists.ttl == timedelta(seconds=120)
        assert (await service.verify(world.badge())).report.verified
        assert len(service.status_lists) == 1
        other = world.badge(index=9, credential_id="urn:uuid:9")
        assert (await service.verify(other)).report.verified
        # A list re-signed by another key is a different document: checked again, and it fails.
        resigned = sign({k: v for k, v in world.status_lists[STATUS_REVOCATION].items() if k != "proof"},
                        signer=world.wrong_key, created=NOW - timedelta(days=1))
        world.web.json(STATUS_REVOCATION, resigned)
        service.fetcher.close()
        fresh = VerifierService(world.config(cache_ttl=120))
        fresh.status_lists = service.status_lists  # the old list's verdict is still remembered
        report = (await fresh.verify(world.badge(index=10, credential_id="urn:uuid:10"))).report
        assert report.check(CheckId.STATUS).problem_type == _INVALID_LIST
        fresh.close()
    finally:
        service.close()
