"""OpenID4VCI 1.0, pre-authorized code flow (issue 14), driven by Sphereon's wallet-side client
(``@sphereon/oid4vci-client`` in ``oid4vci.mjs``) against the demo school served on a loopback
port: the student opens their badge's wallet page, the wallet takes the credential offer and the
transaction code, and receives the badge bound to its did:key. Our verifier and Digital Bazaar's
accept the bound badge.

Bad twins, by hand over HTTP (a wrong transaction code, a spent pre-authorized code, no access
token, a stale nonce, a proof for another audience, a spent offer) are refused with OAuth errors
and issue nothing.
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
import pytest

from badges.signing import Ed25519Signer
from tests.browser.support import seed_demo_school, serve
from tests.interop.support import requires_node, run_script

pytestmark = [*requires_node("@sphereon/oid4vci-client"),
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]

WALLET_SEED = hashlib.sha256(b"an OpenID4VCI wallet").digest()
CONTEXT = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from issuer.app import create_app

    port, settings, passwords = seed_demo_school(tmp_path_factory)
    with serve(create_app(settings), port, name="the issuer app", timeout=20) as url:
        yield url, passwords


@contextmanager
def signed_in(base: str, username: str, password: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, follow_redirects=True, timeout=30) as client:
        login = client.get("/login").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
        r = client.post("/login", data={"username": username, "password": password, "csrf_token": csrf})
        assert r.status_code == 200 and "Sign out" in r.text, r.text[:300]
        yield client


def wallet_page(client: httpx.Client) -> dict[str, str]:
    """The student's first badge → "Add to Learner Credential Wallet": the OpenID4VCI offer and code."""
    badges = client.get("/student/badges").text
    uuid = re.search(r'href="/badges/([0-9a-f-]{36})"', badges).group(1)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get(f"/badges/{uuid}").text).group(1)
    page = client.post(f"/badges/{uuid}/wallet", data={"csrf_token": csrf}).text
    offer = re.search(r'href="([^"]+)" id="oid4vci-offer"', page).group(1).replace("&amp;", "&")
    pin = re.search(r'id="tx-code"><span[^>]*>[^<]*</span><strong>(\d+)</strong>', page).group(1)
    return {"badge": uuid, "offer": offer, "pin": pin}


def test_sphereon_s_wallet_client_receives_the_badge_bound_to_its_key(server, tmp_path):
    base, passwords = server
    with signed_in(base, "maya", passwords["maya"]) as student:
        offer = wallet_page(student)
    assert offer["offer"].startswith("openid-credential-offer://?credential_offer_uri=")
    wallet = Ed25519Signer.from_seed(WALLET_SEED)
    results = run_script("oid4vci.mjs", "wallets", [
        {"name": "good", "offer": offer["offer"], "pin": offer["pin"], "seed": WALLET_SEED.hex(),
         "kid": wallet.verification_method, "context": CONTEXT}], tmp_path)
    good = results["good"]
    assert good["error"] is None, good["error"]
    badge = good["credential"]
    assert badge["credentialSubject"]["id"] == wallet.public_key.did_key
    assert "OpenBadgeCredential" in badge["type"]
    verdict = httpx.post(f"{base}/verify", json=badge, timeout=30).json()
    assert verdict["verified"] is True, verdict
    stored = httpx.get(badge["id"], headers={"accept": "application/json"}, timeout=30)
    assert json.loads(stored.content) == badge

    # the offer is spent: the same offer again gets nothing
    again = run_script("oid4vci.mjs", "wallets", [{**{"name": "again", "offer": offer["offer"], "pin": offer["pin"],
                                                     "seed": WALLET_SEED.hex(), "kid": wallet.verification_method,
                                                     "context": CONTEXT}}],
                       tmp_path)["again"]
    assert again["credential"] is None and again["error"]


def _jwt(signer: Ed25519Signer, header: dict, payload: dict) -> str:
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")
    signing_input = f"{part(header)}.{part(payload)}"
    return f"{signing_input}.{base64.urlsafe_b64encode(signer.sign(signing_input.encode())).decode().rstrip('=')}"


def test_bad_requests_get_oauth_errors_and_issue_nothing(server):
    base, passwords = server
    with signed_in(base, "maya", passwords["maya"]) as student:
        offer = wallet_page(student)
    offer_url = unquote(parse_qs(urlsplit(offer["offer"]).query)["credential_offer_uri"][0])
    metadata = httpx.get(f"{base}/.well-known/openid-credential-issuer").json()
    assert metadata["credential_issuer"] == base
    assert metadata["credential_configurations_supported"]["OpenBadgeCredential"]["format"] == "ldp_vc"
    token_url = httpx.get(f"{base}/.well-known/oauth-authorization-server").json()["token_endpoint"]
    grant = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
    code = httpx.get(offer_url).json()["grants"][grant]["pre-authorized_code"]

    r = httpx.post(token_url, data={"grant_type": grant, "pre-authorized_code": code, "tx_code": "000000"
                                    if offer["pin"] != "000000" else "111111"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    r = httpx.post(token_url, data={"grant_type": "authorization_code", "code": code})
    assert r.status_code == 400 and r.json()["error"] == "unsupported_grant_type"
    r = httpx.post(token_url, data={"grant_type": grant, "pre-authorized_code": code, "tx_code": offer["pin"]})
    assert r.status_code == 200, r.text
    token = r.json()
    assert token["token_type"] == "Bearer" and r.headers["cache-control"] == "no-store"
    r = httpx.post(token_url, data={"grant_type": grant, "pre-authorized_code": code, "tx_code": offer["pin"]})
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"  # the code is spent

    credential_url = metadata["credential_endpoint"]
    wallet = Ed25519Signer.from_seed(hashlib.sha256(b"another wallet").digest())
    header = {"typ": "openid4vci-proof+jwt", "alg": "EdDSA", "kid": wallet.verification_method}
    nonce = httpx.post(metadata["nonce_endpoint"]).json()["c_nonce"]

    def ask(proof_payload: dict, *, auth: str | None = f"Bearer {token['access_token']}") -> httpx.Response:
        body = {"credential_configuration_id": "OpenBadgeCredential",
                "proofs": {"jwt": [_jwt(wallet, header, proof_payload)]}}
        return httpx.post(credential_url, json=body, headers={"authorization": auth} if auth else {})

    good = {"aud": base, "iat": int(time.time()), "nonce": nonce}
    assert ask(good, auth=None).status_code == 401
    assert ask(good, auth="Bearer not-a-token").json()["error"] == "invalid_token"
    r = ask({**good, "nonce": nonce[:-2] + "00"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_nonce" and r.json()["c_nonce"]
    r = ask({**good, "aud": "https://elsewhere.example"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_proof"
    r = httpx.post(credential_url, json={"credential_configuration_id": "Diploma", "proofs": {"jwt": ["x.y.z"]}},
                   headers={"authorization": f"Bearer {token['access_token']}"})
    assert r.status_code == 400 and r.json()["error"] == "unknown_credential_configuration"
    r = ask(good)
    assert r.status_code == 200, r.text
    [issued] = r.json()["credentials"]
    assert issued["credential"]["credentialSubject"]["id"] == wallet.public_key.did_key
    r = ask(good)
    assert r.status_code == 401 and r.json()["error"] == "invalid_token"  # one badge per offer
    assert httpx.get(offer_url).status_code == 410
