"""An offline bundle made by ``badges bundle`` verifies in an independent verifier: Digital Bazaar's
JavaScript stack, whose document loader reads the bundle's files by its own mapping of each URL
to a path (did:web → <host>/<path>/did.json, http(s) → <host>/<path>; interop.mjs ``bundleLoader``),
never through our reader and never from the network.

The badge is the SERVICE's (issued on http://127.0.0.1:8000, so nothing could fetch its documents:
the issuer's plugin bundles them from its database). Bad twins: a tampered copy, the bundle made
after revocation, and the bundle without its status list.

Needs Node and `npm ci --prefix tests/interop`; skipped otherwise.
"""
from __future__ import annotations

import copy
import shutil

from badges.signing.proofs import format_datetime
from tests.interop.support import SERVICE_MARKS, requires_node, run_node
from tests.support import NOW
from tests.web.award_support import revoke
from tests.web.bundle_support import issued_badge, issuer_bundle

pytestmark = [*SERVICE_MARKS, *requires_node()]


async def test_javascript_verifies_a_badge_from_our_bundle(seed, platform, platform_settings, db, db_url, tmp_path,
                                                           monkeypatch):
    badge = await issued_badge(seed, platform, platform_settings, db, tmp_path)
    path = tmp_path / "badge.json"
    path.write_bytes(badge["raw"])
    code, before = await issuer_bundle(path, tmp_path / "before", db_url=db_url, data_dir=tmp_path,
                                       monkeypatch=monkeypatch)
    assert code == 0
    await revoke(seed, badge["uuid"])
    code, after = await issuer_bundle(path, tmp_path / "after", db_url=db_url, data_dir=tmp_path,
                                      monkeypatch=monkeypatch)
    assert code == 0
    no_status = tmp_path / "no-status"
    shutil.copytree(before, no_status)
    shutil.rmtree(no_status / "127.0.0.1:8000" / "status")

    doc = badge["doc"]
    tampered = copy.deepcopy(doc)
    tampered["credentialSubject"]["achievement"]["name"] = "Master Investigator"
    now = format_datetime(NOW)
    cases = [
        {"name": "bundled", "credential": doc, "bundle": before, "now": now},
        {"name": "tampered", "credential": tampered, "bundle": before, "now": now},
        {"name": "revoked", "credential": doc, "bundle": after, "now": now},
        {"name": "no status list", "credential": doc, "bundle": str(no_status), "now": now},
    ]
    results = run_node([{**c, "documents": {}} for c in cases], tmp_path)

    assert results["bundled"]["verified"] is True, results["bundled"]["error"]
    assert results["bundled"]["status"] == {"verified": True}
    assert results["tampered"]["verified"] is False
    revoked = results["revoked"]
    assert revoked["verified"] is False and "message bit" in revoked["error"], revoked
    assert results["no status list"]["verified"] is False
