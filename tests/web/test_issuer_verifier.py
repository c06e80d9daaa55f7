"""The verifier as the issuer app mounts it, on SQLite and PostgreSQL.

A badge issued on ``http://127.0.0.1:8000`` names a did:web that cannot be fetched (http, an IP
address) and an http status list the SSRF guard refuses; the mounted verifier reads both from the
service's own database (``issuer.credentials.local_documents``). The badge is awarded through the real
HTTP API (framework → achievement → evidence → review at the threshold), verified on ``POST /verify``,
``POST /credentials/verify`` and ``GET /verify?url=`` (the badge page's link), then revoked and
verified again. A foreign issuer's badge verifies with the trust check warning "unknown issuer".
"""
from __future__ import annotations

import copy
import json
import re

import httpx
import pytest

from tests.support import NOW, SEED
from tests.web.award_support import award, revoke

pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]

BASE = "http://127.0.0.1:8000"
NORTH = "did:web:127.0.0.1%3A8000:issuers:north"


@pytest.fixture
def client(asgi_client):
    # The full app over httpx in this event loop (tests/web/conftest.py), not the platform's test client.
    return asgi_client


def checks(body: dict) -> dict:
    return {c["id"]: c for c in body["results"]}


async def test_own_badge_verifies_in_process_then_revoked(client, seed):
    badge = await award(client, seed)
    doc = badge["doc"]
    assert doc["issuer"]["id"] == NORTH
    assert doc["credentialStatus"]["statusListCredential"].startswith(f"{BASE}/status/north/")

    r = await client.post("/credentials/verify", json={"verifiableCredential": doc, "options": {}})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["verified"] is True, body
    c = checks(body)
    assert c["proof"]["outcome"] == "pass" and c["issuer_key"]["outcome"] == "pass"
    assert c["status"]["outcome"] == "pass"
    assert c["trust"]["outcome"] == "pass"
    assert "North High School" in c["trust"]["message"] and "registered issuer" in c["trust"]["message"]
    assert c["trust"]["details"]["label"] == "District school"

    r = await client.post("/verify", content=badge["raw"], headers={"content-type": "application/json"})
    assert r.status_code == 200 and r.json()["verified"] is True, r.text
    # the badge page's "Verify this badge" link: a hosted credential at our own (http) URL
    r = await client.get("/verify", params={"url": f"{BASE}/credentials/{badge['uuid']}"},
                         headers={"accept": "application/json"})
    assert r.status_code == 200 and r.json()["verified"] is True, r.text
    page = await client.get("/verify", params={"url": f"{BASE}/credentials/{badge['uuid']}"},
                            headers={"accept": "text/html"})
    assert page.status_code == 200 and "North High School" in page.text

    await revoke(seed, badge["uuid"])
    r = await client.post("/credentials/verify", json={"verifiableCredential": doc})
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["verified"] is False
    c = checks(body)
    assert c["status"]["outcome"] == "fail" and c["proof"]["outcome"] == "pass", c["status"]
    assert "revoked" in c["status"]["message"].lower()
    r = await client.post("/verify", content=badge["raw"], headers={"content-type": "application/json"})
    assert r.status_code == 422 and checks(r.json())["status"]["outcome"] == "fail"
    page = await client.get("/verify", params={"url": f"{BASE}/credentials/{badge['uuid']}"},
                            headers={"accept": "text/html"})
    assert page.status_code == 422 and "revoked" in page.text.lower()


async def test_tampered_own_badge_fails_the_proof(client, seed):
    badge = await award(client, seed)
    tampered = copy.deepcopy(badge["doc"])
    tampered["credentialSubject"]["achievement"]["name"] = "Master Investigator"
    r = await client.post("/credentials/verify", json={"verifiableCredential": tampered})
    assert r.status_code == 422
    assert checks(r.json())["proof"]["outcome"] == "fail"


async def test_foreign_issuer_is_an_unknown_issuer(client, seed):
    from badges.signing import sign
    from badges.signing.keys import Ed25519Signer

    badge = await award(client, seed)
    signer = Ed25519Signer.from_seed(SEED)
    foreign = {k: v for k, v in badge["doc"].items() if k not in ("proof", "credentialStatus")}
    foreign["issuer"] = {**foreign["issuer"], "id": signer.controller, "name": "Elsewhere Academy"}
    foreign = sign(foreign, signer=signer, created=NOW)
    r = await client.post("/credentials/verify", json={"verifiableCredential": foreign})
    assert r.status_code == 200, r.text
    c = checks(r.json())
    assert c["proof"]["outcome"] == "pass"
    assert c["trust"]["outcome"] == "warn" and c["trust"]["problemType"].endswith("unknown-issuer")
    assert "Elsewhere Academy" in c["trust"]["message"]
    # ... and the same badge claiming to be North, but signed with the foreign key, is not North's
    forged = {k: v for k, v in badge["doc"].items() if k != "proof"}
    forged = sign(forged, signer=signer.with_verification_method(f"{NORTH}#{signer.public_key.multibase}"),
                  created=NOW)
    r = await client.post("/credentials/verify", json={"verifiableCredential": forged})
    assert r.status_code == 422, r.text
    c = checks(r.json())
    assert "fail" in (c["proof"]["outcome"], c["issuer_key"]["outcome"]), c
    assert c["trust"]["outcome"] != "pass"


async def test_unknown_local_link_and_foreign_http_link(client, seed):
    r = await client.get("/verify", params={"url": f"{BASE}/credentials/00000000-0000-4000-8000-000000000000"},
                         headers={"accept": "application/json"})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json"), r.text
    r = await client.get("/verify", params={"url": "http://evil.example/credential.json"},
                         headers={"accept": "application/json"})
    assert r.status_code == 400, r.text  # plain http elsewhere is still refused (SSRF guard)


async def test_verify_form_carries_the_csrf_token_for_a_signed_in_user(client, seed):
    badge = await award(client, seed)
    client.cookies.set("badges_session", seed.session["teacher"])
    r = await client.get("/verify", headers={"accept": "text/html"})
    assert r.status_code == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', r.text)
    assert token, "the mounted verifier's form lost its CSRF field"
    form = {"credential": badge["raw"].decode()}
    refused = await client.post("/verify", data=form, headers={"accept": "text/html"})
    assert refused.status_code == 403  # a signed-in browser's POST needs the token ...
    r = await client.post("/verify", data={**form, "csrf_token": token.group(1)}, headers={"accept": "text/html"})
    assert r.status_code == 200, r.text  # ... which the form now carries
    assert "North High School" in r.text


async def test_did_key_deployment_is_a_registered_issuer_too(seed, platform_settings, platform, db):
    from issuer.app import create_app

    app = create_app(platform_settings.replace(issuer_identity="did:key"), clock=platform.clock, engine=db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as c:
        badge = await award(c, seed)
        assert badge["doc"]["issuer"]["id"].startswith("did:key:z6Mk")
        r = await c.post("/credentials/verify", json={"verifiableCredential": badge["doc"]})
        assert r.status_code == 200, r.text
        result = checks(r.json())
        assert result["trust"]["outcome"] == "pass" and "North High School" in result["trust"]["message"]
        assert result["status"]["outcome"] == "pass"


async def test_documents_dir_and_trust_file_settings(seed, platform_settings, platform, db, tmp_path):
    """``--documents DIR`` and a trust file for the mounted verifier: a college's did:web from the
    offline bundle, then the same college as a registered issuer; a bad trust file is a settings error."""
    from badges.signing import sign
    from badges.signing.keys import Ed25519Signer
    from issuer.app import VerifierOptions, create_app
    from issuer.schools.identity import did_document
    from issuer.settings import SettingsError

    college = "did:web:college.example"
    signer = Ed25519Signer.from_seed(SEED)
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "college.json").write_text(json.dumps(did_document(college, [signer.public_key.multibase])))
    trust = tmp_path / "trust.json"
    trust.write_text(json.dumps({college: {"name": "Riverside College", "label": "Partner college"}}))

    async def verify_college(options):
        app = create_app(platform_settings, clock=platform.clock, engine=db, verifier_options=options)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as c:
            badge = await award(c, seed)
            unsigned = {k: v for k, v in badge["doc"].items() if k not in ("proof", "credentialStatus")}
            unsigned["issuer"] = {**unsigned["issuer"], "id": college, "name": "Riverside College"}
            signed = sign(unsigned, signer=signer.with_verification_method(f"{college}#{signer.public_key.multibase}"),
                          created=NOW)
            r = await c.post("/credentials/verify", json={"verifiableCredential": signed})
            return r.status_code, checks(r.json())

    status, c = await verify_college(VerifierOptions(documents_dir=bundle))
    assert status == 200 and c["issuer_key"]["outcome"] == "pass", c["issuer_key"]
    assert c["trust"]["outcome"] == "warn"
    status, c = await verify_college(VerifierOptions(documents_dir=bundle, trust_file=trust))
    assert status == 200 and c["trust"]["outcome"] == "pass", c["trust"]
    assert "Riverside College (Partner college)" in c["trust"]["message"]
    # without the bundle the college's did:web is fetched live (https://college.example/.well-known/did.json),
    # which this test must not do: the bad twin is a documents dir that does not exist
    with pytest.raises(SettingsError):
        create_app(platform_settings, clock=platform.clock, engine=db,
                   verifier_options=VerifierOptions(documents_dir=tmp_path / "missing"))
    trust.write_text("{not json")
    with pytest.raises(SettingsError):
        create_app(platform_settings, clock=platform.clock, engine=db, verifier_options=VerifierOptions(trust_file=trust))
    app = create_app(platform_settings, clock=platform.clock, engine=db,
                     verifier_options=VerifierOptions(allow_private_networks=True))
    assert app.state["verifier_service"].fetcher.allow_private is True


async def test_options_from_settings_and_environment(tmp_path, platform_settings):
    from issuer.app import VerifierOptions
    from issuer.settings import Settings

    assert VerifierOptions.from_settings(platform_settings) == VerifierOptions()
    env = {"BADGES_VERIFIER_DOCUMENTS": str(tmp_path), "BADGES_VERIFIER_TRUST": str(tmp_path / "t.json"),
           "BADGES_VERIFIER_ALLOW_PRIVATE_NETWORKS": "yes", "BADGES_DATA_DIR": str(tmp_path)}
    options = VerifierOptions.from_settings(Settings.from_env(env))
    assert options.documents_dir == tmp_path and options.trust_file == tmp_path / "t.json"
    assert options.allow_private_networks is True
    assert VerifierOptions.from_settings(Settings.from_env({**env, "BADGES_VERIFIER_ALLOW_PRIVATE_NETWORKS": "no"})
                                         ).allow_private_networks is False
