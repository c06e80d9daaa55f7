"""A badge the SERVICE issued, verified by Digital Bazaar's JavaScript stack through what the
service serves: its did:web DID document and its status list credential (fetched from the app
over ASGI and handed to the JS document loader as the documents for that DID / URL; the loader
still serves only our pinned contexts, nothing from the network).

Bad twins: a tampered copy, the same badge against a DID document listing another key, and the
badge after revocation (the JS side checks the Bitstring status list itself).

Needs Node and `npm ci --prefix tests/interop`; skipped otherwise.
"""
from __future__ import annotations

import copy
import json
from urllib.parse import unquote, urlsplit

import httpx

from badges.signing import Ed25519Signer
from badges.signing.proofs import format_datetime
from tests.interop.support import (
    BASE,
    SERVICE_MARKS,
    requires_node,
    run_node,
)
from tests.support import NOW
from tests.web.award_support import award, revoke

pytestmark = [*SERVICE_MARKS, *requires_node()]


def did_web_path(did: str) -> str:
    """DIDWEB Read, as a path on our own origin: did:web:host:a:b → /a/b/did.json."""
    segments = did.split(":")[3:]
    return "/" + "/".join(unquote(s) for s in segments) + "/did.json" if segments else "/.well-known/did.json"


async def test_service_badge_verifies_in_javascript_through_its_did_web(seed, platform, platform_settings, db,
                                                                        tmp_path):
    from issuer.app import create_app

    app = create_app(platform_settings, clock=platform.clock, engine=db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        badge = await award(client, seed)
        doc = badge["doc"]
        did = doc["issuer"]["id"]
        assert did.startswith("did:web:")
        r = await client.get(did_web_path(did))
        assert r.status_code == 200, r.text
        did_document = r.json()
        assert did_document["id"] == did
        assert doc["proof"][0]["verificationMethod"] in did_document["assertionMethod"]

        async def status_lists() -> dict:
            lists = {}
            entries = doc["credentialStatus"]
            for entry in entries if isinstance(entries, list) else [entries]:
                url = entry["statusListCredential"]
                served = await client.get(urlsplit(url).path)
                assert served.status_code == 200, served.text
                lists[url] = json.loads(served.content)
            return lists

        before = await status_lists()
        await revoke(seed, badge["uuid"])
        after = await status_lists()

    now = format_datetime(NOW)
    tampered = copy.deepcopy(doc)
    tampered["credentialSubject"]["achievement"]["name"] = "Master Investigator"
    other_key = Ed25519Signer.from_seed(bytes(range(1, 33))).public_key.multibase
    impostor = copy.deepcopy(did_document)
    for method in impostor["verificationMethod"]:
        method["publicKeyMultibase"] = other_key
    cases = [
        {"name": "issued", "credential": doc, "documents": {did: did_document, **before}, "now": now},
        {"name": "tampered", "credential": tampered, "documents": {did: did_document, **before}, "now": now},
        {"name": "other key", "credential": doc, "documents": {did: impostor, **before}, "now": now},
        {"name": "revoked", "credential": doc, "documents": {did: did_document, **after}, "now": now},
    ]
    results = run_node(cases, tmp_path)

    assert results["issued"]["verified"] is True, results["issued"]["error"]
    assert results["issued"]["status"] == {"verified": True}
    assert results["tampered"]["verified"] is False
    assert results["other key"]["verified"] is False
    revoked = results["revoked"]
    assert revoked["verified"] is False and revoked["status"]["verified"] is False, revoked
    # one two-bit "message" entry; this few-line checker reads the single bit at the index (see status.mjs)
    assert f"message bit {doc['credentialStatus']['statusListIndex']} is set" in revoked["error"]
