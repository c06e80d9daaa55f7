"""The report cache's key and expiry helpers: fast paths with the same answers as the plain ones."""
from __future__ import annotations

import copy
from datetime import timedelta

import pytest

from badges.trust import TrustRegistry
from tests.support import NOW
from verifier.service import _cache_key, _end_dates, _walk_end_dates

EMPTY = TrustRegistry()


def test_only_the_same_json_shares_a_key(world):
    badge = world.badge()
    assert _cache_key(badge, EMPTY) == _cache_key(copy.deepcopy(badge), EMPTY)
    changed = copy.deepcopy(badge)
    changed["name"] = changed["name"] + " "
    assert _cache_key(changed, EMPTY) != _cache_key(badge, EMPTY)
    # Values JSON cannot tell apart from others get no key at all (never a shared one).
    for odd in ({"a": float("nan")}, {"a": float("inf")}, {"a": (1, 2)}, {"a": b"x"}, {1: "x"}, {"a": {1, 2}},
                {"a": object()}):
        assert _cache_key(odd, EMPTY) is None, odd
    assert len({_cache_key(v, EMPTY) for v in ({"a": 1}, {"a": True}, {"a": 1.0}, {"a": "1"}, {"a": [1]})}) == 5
    cyclic: dict = {}
    cyclic["self"] = cyclic
    assert _cache_key(cyclic, EMPTY) is None
    # Text, bytes and objects never collide, and the trust list is part of the key.
    assert len({_cache_key("{}", EMPTY), _cache_key(b"{}", EMPTY), _cache_key({}, EMPTY)}) == 3
    trusted = TrustRegistry.from_dict({"issuers": [{"id": "did:web:lincoln.example", "name": "Lincoln"}]})
    assert _cache_key(badge, trusted) != _cache_key(badge, EMPTY)


@pytest.mark.parametrize("document", [
    {"validUntil": "2026-02-01T00:00:00Z", "credentialSubject": {"verifiableCredential": [
        {"validUntil": "2026-01-20T00:00:00+02:00"}, {"expirationDate": "2026-01-19T00:00:00Z"}]}},
    {"name": 'a","validUntil":"2020-01-01T00:00:00Z', "validFrom": "2020-01-01T00:00:00Z"},  # inside a string
    {"validUntil": "2026-01-01T00:00:00\u005a", "x": {"expirationDate": 7}, "y": {"validUntil": None}},
    {"validUntil": "not a date", "expirationDate": ["2026-01-01T00:00:00Z"]},
    {"description": "validUntil\":\"2020-01-01T00:00:00Z\" quoted \\", "validUntil": "2026-03-01T10:00:00-05:00"},
])
def test_end_dates_match_the_walk(document):
    assert sorted(_end_dates(document)) == sorted(_walk_end_dates(document))


def test_end_dates_of_signed_badges_and_records(world):
    badge = world.badge(valid_until=NOW + timedelta(days=3))
    record = world.clr([badge, world.badge()])
    assert _end_dates(badge) == [NOW + timedelta(days=3)]
    assert _end_dates(record) == _walk_end_dates(record) == [NOW + timedelta(days=3)]
    cyclic = {"validUntil": "2026-01-01T00:00:00Z"}
    cyclic["self"] = cyclic  # msgspec refuses it; the bounded walk still answers
    assert _end_dates(cyclic)


def test_only_the_server_factory_freezes_startup_objects():
    # gc.freeze is process-wide: checked in a child process, never in the test runner itself.
    import subprocess
    import sys
    from pathlib import Path

    code = ("import gc\n"
            "from litestar.testing import TestClient\n"
            "from verifier.app import create_app, serve_app\n"
            "with TestClient(create_app()):\n"
            "    print(gc.get_freeze_count())\n"
            "with TestClient(serve_app()):\n"
            "    print(gc.get_freeze_count())\n")
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, timeout=120,
                         env={"PATH": "", "PYTHONPATH": str(root)})
    assert out.returncode == 0, out.stderr
    before, after = map(int, out.stdout.split())
    assert before == 0 and after > 10_000
