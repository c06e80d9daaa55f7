"""Two issuer apps in one process, side by side, each with its own settings and clock.

The routes converted to the explicit context (``ctx: IssuerContext`` through Litestar DI: the
issuer profiles, DID documents, status lists and VC-API issue) must answer from their own app's
context, however the requests interleave: these checks fail if any route read process-wide state
(a module global, a last-app-started-wins singleton) instead of its own app's context.
"""
from __future__ import annotations

from contextlib import AsyncExitStack
from datetime import timedelta

import pytest

from badges.signing import DocumentResolver, verify_proof
from tests.support import NOW

pytestmark = pytest.mark.anyio

A_BASE = "http://127.0.0.1:8000"
B_BASE = "http://badges.local:8411"
A_DID = "did:web:127.0.0.1%3A8000"
B_DID = "did:web:badges.local%3A8411"
B_NOW = NOW + timedelta(days=3, hours=2)
VC_V2 = "https://www.w3.org/ns/credentials/v2"
STATUS = {"credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"}}


@pytest.fixture
async def two(platform, platform_settings, seed):
    """(client of app A, client of app B), both started, on one database; A is started first,
    then B, so state left by the last app started would be B's."""
    from litestar.testing import AsyncTestClient

    from issuer.app import create_app
    from issuer.clock import FixedClock
    from issuer.db.engine import engine_for_url

    url = platform_settings.database_url
    app_a = create_app(platform_settings, clock=FixedClock(NOW), engine=engine_for_url(url))
    app_b = create_app(platform_settings.replace(base_url=B_BASE, status_cache_seconds=7),
                       clock=FixedClock(B_NOW), engine=engine_for_url(url))
    async with AsyncExitStack() as stack:
        a = await stack.enter_async_context(AsyncTestClient(app=app_a, base_url=A_BASE))
        b = await stack.enter_async_context(AsyncTestClient(app=app_b, base_url=B_BASE))
        assert app_a.state["ctx"] is not app_b.state["ctx"]
        yield a, b


def _issue_body() -> dict:
    return {"credential": {"@context": [VC_V2], "type": ["VerifiableCredential"],
                           "credentialSubject": {"id": "did:example:learner"}}, "options": STATUS}


async def test_each_app_serves_its_own_base_url(two):
    a, b = two
    # interleaved on purpose: A answers after B started (and took the shim), then B, then A again
    for client, base, did in ((a, A_BASE, A_DID), (b, B_BASE, B_DID), (a, A_BASE, A_DID)):
        profile = (await client.get("/issuers/north")).json()
        assert profile["id"] == f"{did}:issuers:north"
        listed = {s["slug"]: s for s in (await client.get("/issuers/")).json()}
        assert listed["north"]["did"] == f"{did}:issuers:north"
        assert listed["north"]["profileUrl"] == f"{base}/issuers/north"
        school = (await client.get("/issuers/north/did.json")).json()
        assert school["id"] == f"{did}:issuers:north"
        assert all(vm["controller"] == school["id"] for vm in school["verificationMethod"])
        assert (await client.get("/.well-known/did.json")).json()["id"] == did
        # the bad twin of each: an unknown school is a problem-details 404 on either app
        missing = await client.get("/issuers/nowhere/did.json")
        assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/problem+json")


async def test_each_app_issues_with_its_own_clock_and_base_url(two, seed):
    a, b = two
    headers = {"Authorization": f"Bearer {seed.school_token}"}
    made = {}
    for name, client in (("b", b), ("a", a)):
        r = await client.post("/credentials/issue", json=_issue_body(), headers=headers)
        assert r.status_code == 201, r.text
        made[name] = r.json()["verifiableCredential"]
    for name, base, did, now in (("a", A_BASE, A_DID, NOW), ("b", B_BASE, B_DID, B_NOW)):
        vc = made[name]
        assert vc["issuer"] == f"{did}:issuers:north"
        assert vc["proof"][0]["created"] == now.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert vc["proof"][0]["verificationMethod"].startswith(f"{did}:issuers:north#z6Mk")
        assert vc["credentialStatus"]["statusListCredential"].startswith(f"{base}/status/north/")
    # each credential verifies against its own app's DID document (the same key, another DID)
    for name, client, now in (("a", a, NOW), ("b", b, B_NOW)):
        doc = (await client.get("/issuers/north/did.json")).json()
        assert verify_proof(made[name], resolver=DocumentResolver({doc["id"]: doc}), now=now).verified
    # and not against the other app's: the verification method names a DID that document is not
    doc_b = (await b.get("/issuers/north/did.json")).json()
    assert not verify_proof(made["a"], resolver=DocumentResolver({doc_b["id"]: doc_b}), now=NOW).verified


async def test_status_list_headers_follow_each_apps_settings(two, seed):
    a, b = two
    headers = {"Authorization": f"Bearer {seed.school_token}"}
    r = await a.post("/credentials/issue", json=_issue_body(), headers=headers)
    assert r.status_code == 201, r.text
    path = r.json()["verifiableCredential"]["credentialStatus"]["statusListCredential"].removeprefix(A_BASE)
    served_a, served_b = await a.get(path), await b.get(path)
    assert served_a.status_code == served_b.status_code == 200
    assert served_a.content == served_b.content  # the one stored, signed list, byte for byte
    default = a.app.state["ctx"].settings.status_cache_seconds
    assert default != 7
    assert served_a.headers["cache-control"] == f"public, max-age={default}"
    assert served_b.headers["cache-control"] == "public, max-age=7"
