"""The Learner Credential Wallet's request link (issue 14), answered the way the wallet answers
it: a DIDAuth presentation signed by Digital Bazaar's JavaScript stack
(``@digitalbazaar/vc`` ``signPresentation`` with their ``Ed25519Signature2020`` suite and an
``Ed25519VerificationKey2020`` did:key, in ``didauth.mjs``), POSTed to the link's
``vc_request_url``. The badge that comes back is bound to the wallet's DID and verifies in
Digital Bazaar's verifier and ours.

Bad twins, each leaving nothing issued: the same answer again (409), an expired request (410), a
presentation signed for ``assertionMethod``, for another challenge, by a key that is not the
named holder's, or not JSON at all (400), an unknown request (404). Revoking the badge revokes
the wallet's copy; the student still has one badge.
"""
from __future__ import annotations

import json
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from issuer.credentials import repo as credentials_repo
from issuer.db.tables import IssuedCredential, WalletExchange
from tests.interop.support import SERVICE_MARKS, requires_node, run_node, run_script
from tests.support import BASE_URL, NOW
from tests.web.award_support import award, revoke

pytestmark = [*SERVICE_MARKS, *requires_node("@digitalbazaar/ed25519-signature-2020")]

HTML = {"accept": "text/html"}
WALLET_SEED = "5a" * 32  # the wallet's key: a fixed seed, so the holder DID is the same every run
OTHER_SEED = "a5" * 32


async def ask_for_wallet_link(client, seed, uuid: str) -> dict[str, str]:
    """What the student does: open the badge, press "Add to Learner Credential Wallet"; the link's fields."""
    client.cookies.set("badges_session", seed.session["student"])
    page = (await client.get(f"/badges/{uuid}", headers=HTML)).text
    assert "Add to Learner Credential Wallet" in page
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = await client.post(f"/badges/{uuid}/wallet", data={"csrf_token": csrf}, headers=HTML)
    assert r.status_code == 200, r.text
    link = re.search(r'id="wallet-link" href="([^"]+)"', r.text).group(1).replace("&amp;", "&")
    assert 'src="data:image/png;base64,' in r.text  # the QR code for a desktop
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "lcw.app", "/request.html")
    fields = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert set(fields) == {"issuer", "auth_type", "challenge", "vc_request_url"}
    assert fields["auth_type"] == "bearer"
    client.cookies.clear()  # the wallet has no session
    return fields


def wallet_answers(tmp_path, *cases: dict) -> dict:
    defaults = {"seed": WALLET_SEED, "created": NOW.strftime("%Y-%m-%dT%H:%M:%SZ"), "v1": True}
    return run_script("didauth.mjs", "cases", [{**defaults, **c} for c in cases], tmp_path, answer="presentations")


async def post_answer(client, url: str, body) -> object:
    path = url.removeprefix(BASE_URL)
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return await client.post(path, content=content, headers={"content-type": "application/json"})


async def test_the_wallet_gets_the_badge_bound_to_its_did_once(client, seed, tmp_path):
    badge = await award(client, seed)
    link = await ask_for_wallet_link(client, seed, badge["uuid"])
    assert link["issuer"] == badge["doc"]["issuer"]["id"]
    assert link["vc_request_url"].startswith(f"{BASE_URL}/wallet/exchanges/")
    signed = wallet_answers(tmp_path, {"name": "lcw", "challenge": link["challenge"]})["lcw"]
    holder = signed["holder"]

    r = await post_answer(client, link["vc_request_url"], signed["presentation"])
    assert r.status_code == 200, r.text
    bound = json.loads(r.content)
    assert bound["credentialSubject"]["id"] == holder
    assert bound["id"] != badge["doc"]["id"] and bound["credentialStatus"] != badge["doc"]["credentialStatus"]
    same = {k for k in badge["doc"] if k not in ("id", "proof", "credentialStatus", "credentialSubject")}
    assert {k: bound[k] for k in same} == {k: badge["doc"][k] for k in same}
    copy = await credentials_repo.issued_credential(credential_id=bound["id"])
    assert copy.document.encode() == r.content and copy.holder == holder and copy.learner is None
    served = await client.get(bound["id"].removeprefix(BASE_URL))
    assert served.content == r.content  # byte for byte as signed

    # ours and Digital Bazaar's verifiers both accept it, the holder as its subject
    ours = await client.post("/verify", content=r.content, headers={"content-type": "application/json"})
    assert ours.json()["verified"] is True, ours.text
    did_doc = (await client.get("/issuers/north/did.json")).json()
    status_url = bound["credentialStatus"]["statusListCredential"]
    status_doc = (await client.get(status_url.removeprefix(BASE_URL))).json()
    js = run_node([{"name": "bound", "credential": bound, "now": NOW.isoformat(),
                    "documents": {did_doc["id"]: did_doc, status_url: status_doc}}], tmp_path)["bound"]
    assert js["verified"] is True, js["error"]

    # replayed: the same answer again is refused and issues nothing
    count = await IssuedCredential.count()
    again = await post_answer(client, link["vc_request_url"], signed["presentation"])
    assert again.status_code == 409 and "already used" in again.json()["detail"]
    assert await IssuedCredential.count() == count

    # the badge page lists where it went; the student still has one badge
    client.cookies.set("badges_session", seed.session["student"])
    page = (await client.get(f"/badges/{badge['uuid']}", headers=HTML)).text
    assert holder in page
    mine = (await client.get("/student/badges", headers=HTML)).text
    assert mine.count(f"/badges/{badge['uuid']}") >= 1 and bound["id"].rsplit("/", 1)[1] not in mine

    # revoking the badge revokes the wallet's copy too
    await revoke(seed, badge["uuid"])
    client.cookies.clear()
    verdict = (await client.post("/verify", content=r.content, headers={"content-type": "application/json"})).json()
    assert verdict["verified"] is False and "revoked" in json.dumps(verdict).lower()


async def test_bad_answers_are_refused_and_issue_nothing(client, seed, tmp_path, platform):
    badge = await award(client, seed)
    links = [await ask_for_wallet_link(client, seed, badge["uuid"]) for _ in range(2)]
    signed = wallet_answers(
        tmp_path,
        {"name": "purpose", "challenge": links[0]["challenge"], "purpose": "assertionMethod"},
        {"name": "other-challenge", "challenge": links[1]["challenge"]},
        {"name": "good", "challenge": links[0]["challenge"]},
        {"name": "stranger", "challenge": links[0]["challenge"], "seed": OTHER_SEED})
    count = await IssuedCredential.count()
    url = links[0]["vc_request_url"]

    r = await post_answer(client, url, signed["purpose"]["presentation"])
    assert r.status_code == 400 and "authentication" in r.json()["detail"]
    r = await post_answer(client, url, signed["other-challenge"]["presentation"])
    assert r.status_code == 400 and "challenge" in r.json()["detail"]
    forged = dict(signed["good"]["presentation"], holder=signed["stranger"]["holder"])  # not the signer's DID
    r = await post_answer(client, url, forged)
    assert r.status_code == 400 and "holder" in r.json()["detail"]
    tampered = json.loads(json.dumps(signed["good"]["presentation"]))
    tampered["proof"]["proofValue"] = tampered["proof"]["proofValue"][:-4] + "1111"
    r = await post_answer(client, url, tampered)
    assert r.status_code == 400
    for body in (b"not json", b"[]", json.dumps({"verifiablePresentation": "x"}).encode()):
        r = await post_answer(client, url, body)
        assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json"), body
    r = await post_answer(client, f"{BASE_URL}/wallet/exchanges/00000000-0000-4000-8000-000000000000",
                          signed["good"]["presentation"])
    assert r.status_code == 404
    r = await post_answer(client, url, b"{" + b" " * (70 * 1024) + b"}")
    assert r.status_code in (400, 413)
    assert await IssuedCredential.count() == count
    assert await WalletExchange.count().where(WalletExchange.used_at.is_not_null()) == 0

    # expired: ten minutes on, even the good answer is refused
    platform.clock.advance(minutes=11)
    r = await post_answer(client, url, signed["good"]["presentation"])
    assert r.status_code == 410 and "expired" in r.json()["detail"]
    assert await IssuedCredential.count() == count
    assert timedelta(minutes=11)  # (the clock is the test's own: nothing sleeps)


async def test_the_interaction_url_leads_other_wallets_through_a_vc_api_exchange(client, seed, tmp_path):
    """VCALM: the interaction URL names the vcapi exchange; POST {} asks for DIDAuth with a fresh
    challenge and our domain; the answer, wrapped, gets the bound badge inside a presentation."""
    badge = await award(client, seed)
    client.cookies.set("badges_session", seed.session["student"])
    page = (await client.get(f"/badges/{badge['uuid']}", headers=HTML)).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    offer = (await client.post(f"/badges/{badge['uuid']}/wallet", data={"csrf_token": csrf}, headers=HTML)).text
    interaction = re.search(r'href="([^"]+)" id="interaction-link"', offer).group(1).replace("&amp;", "&")
    assert interaction.endswith("?iuv=1") and len(interaction) < 400
    client.cookies.clear()

    path = interaction.removeprefix(BASE_URL)
    protocols = (await client.get(path, headers={"accept": "application/json"})).json()["protocols"]
    assert set(protocols) == {"vcapi", "oid4vci-1.0"}
    assert protocols["vcapi"].startswith(f"{BASE_URL}/wallet/exchanges/")
    assert protocols["oid4vci-1.0"].startswith("openid-credential-offer://?credential_offer_uri=")
    human = await client.get(path, headers=HTML)
    assert human.status_code == 200 and "Open this in your wallet" in human.text

    exchange = protocols["vcapi"].removeprefix(BASE_URL)
    request = (await client.post(exchange, json={})).json()["verifiablePresentationRequest"]
    assert request["query"] == [{"type": "DIDAuthentication", "acceptedMethods": [{"method": "key"}]}]
    assert request["domain"] == "127.0.0.1:8000" and request["challenge"]
    signed = wallet_answers(tmp_path, {"name": "vcapi", "challenge": request["challenge"], "domain": request["domain"]},
                            {"name": "no-domain", "challenge": request["challenge"]})
    # bad twin: the domain asked for is missing from the proof
    r = await client.post(exchange, json={"verifiablePresentation": signed["no-domain"]["presentation"]})
    assert r.status_code == 400 and "domain" in r.json()["detail"]
    r = await client.post(exchange, json={"verifiablePresentation": signed["vcapi"]["presentation"]})
    assert r.status_code == 200, r.text
    vp = r.json()["verifiablePresentation"]
    assert vp["type"] == ["VerifiablePresentation"]
    [bound] = vp["verifiableCredential"]
    assert bound["credentialSubject"]["id"] == signed["vcapi"]["holder"]
    stored = await credentials_repo.issued_credential(credential_id=bound["id"])
    assert stored.document.encode() in r.content  # inside the wrapper, the stored bytes as signed
    # used: the interaction URL and the exchange say so
    assert (await client.get(path, headers={"accept": "application/json"})).status_code == 409
    assert (await client.post(exchange, json={})).status_code == 409
