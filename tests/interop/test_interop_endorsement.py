"""Endorsements the SERVICE signed (issue 14), verified by Digital Bazaar's JavaScript stack: the
school's (its did:web DID document, as the app serves it) and a mentor's on behalf of the partner
organisation (a platform-held did:key; its DID document is the one did:key defines, built here
from the key). The loader serves only those documents and our pinned contexts.

Bad twins: each endorsement with its comment changed, and the partner's against another key.

Status (``status.mjs``: Digital Bazaar's vc-bitstring-status-list, which also checks that the
list's issuer is the credential's): each endorsement carries a revocation entry, on the school's
revocation list or the partner's own list; valid before the school withdraws them, revoked after
(the bit it reads is set), with the lists as the app served them at each moment.

Needs Node and `npm ci --prefix tests/interop`; skipped otherwise.
"""
from __future__ import annotations

import copy
import json
import re
from urllib.parse import unquote

import httpx

from badges.signing import Ed25519Signer
from badges.signing.proofs import format_datetime
from issuer.schools.identity import did_document
from tests.interop.support import BASE, SERVICE_MARKS, requires_node, run_node, run_script
from tests.support import NOW
from tests.web.support import bearer

pytestmark = [*SERVICE_MARKS, *requires_node()]
HTML = {"accept": "text/html"}


def did_web_path(did: str) -> str:
    """DIDWEB Read, as a path on our own origin: did:web:host:a:b → /a/b/did.json."""
    segments = did.split(":")[3:]
    return "/" + "/".join(unquote(s) for s in segments) + "/did.json" if segments else "/.well-known/did.json"


def did_key_document(did: str) -> dict:
    return did_document(did, [did.removeprefix("did:key:")])


async def test_service_endorsements_verify_in_javascript(seed, platform, platform_settings, db, tmp_path):
    from issuer.app import create_app

    app = create_app(platform_settings, clock=platform.clock, engine=db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        t, s = bearer(seed, "teacher"), bearer(seed, "student")
        r = await client.post("/api/achievements", headers=t, json={
            "name": "Investigator", "description": "Plans an investigation.",
            "rubric": {"name": "R", "criteria": [{"id": "plan", "name": "Planning", "requiredLevel": 3}]}})
        a = r.json()
        client.cookies.set("badges_session", seed.session["school_admin"])
        page = (await client.get("/endorse", headers=HTML)).text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        r = await client.post("/endorse", headers=HTML, data={
            "csrf_token": csrf, "subject": f"achievement:{a['id']}", "comment": "A standard we stand behind."})
        assert r.status_code == 303, r.text
        school = json.loads((await client.get(r.headers["location"].split("?")[0],
                                              headers={"accept": "application/json"})).content)
        r = await client.post("/api/elos", headers=s, json={
            "achievement": a["id"], "partnerOrg": "River Lab", "mentorName": "Dr. Rivera",
            "mentorEmail": "rivera@riverlab.example", "goals": "Sample water", "hours": 40,
            "startDate": "2025-09-01", "endDate": "2025-12-01"})
        link = (await client.post(f"/api/elos/{r.json()['id']}/decision", headers=t, json={"approve": True})).json()
        token = link["mentorLink"].rsplit("/", 1)[-1]
        client.cookies.clear()
        page = (await client.get(f"/mentor/{token}", headers=HTML)).text
        mcsrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        r = await client.post(f"/mentor/{token}/endorse", headers=HTML, data={
            "csrf_token": mcsrf, "achievement": a["id"], "comment": "Our lab relies on these skills."})
        assert r.status_code == 200, r.text
        uuid = re.search(r'/endorsements/([0-9a-f-]{36})', r.text).group(1)
        partner = json.loads((await client.get(f"/endorsements/{uuid}", headers={"accept": "application/json"})).content)
        school_did = school["issuer"]["id"]
        school_doc = (await client.get(did_web_path(school_did))).json()

        async def lists() -> dict:
            """The status list credentials of both endorsements, as the app serves them now."""
            urls = [d["credentialStatus"]["statusListCredential"] for d in (school, partner)]
            return {u: json.loads((await client.get(u.removeprefix(BASE))).content) for u in urls}

        lists_before = await lists()
        client.cookies.set("badges_session", seed.session["school_admin"])
        page = (await client.get("/admin/endorsements", headers=HTML)).text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        for e in (school["id"], partner["id"]):
            r = await client.post(f"/admin/endorsements/{e.rsplit('/', 1)[-1]}/withdraw", headers=HTML,
                                  data={"csrf_token": csrf})
            assert r.status_code == 303, r.text
        lists_after = await lists()

    partner_did = partner["issuer"]["id"]
    assert school_did.startswith("did:web:") and partner_did.startswith("did:key:")
    now = format_datetime(NOW)
    docs = {school_did: school_doc, partner_did: did_key_document(partner_did)}
    cases = []
    for name, doc in (("school", school), ("partner", partner)):
        cases.append({"name": name, "credential": doc, "documents": {**docs, **lists_before}, "now": now})
        tampered = copy.deepcopy(doc)
        tampered["credentialSubject"]["endorsementComment"] = "Meh."
        cases.append({"name": f"{name} tampered", "credential": tampered, "documents": {**docs, **lists_before},
                      "now": now})
    other = Ed25519Signer.from_seed(bytes(range(1, 33))).public_key.multibase
    impostor = {**did_key_document(partner_did)}
    impostor["verificationMethod"] = [{**m, "publicKeyMultibase": other} for m in impostor["verificationMethod"]]
    cases.append({"name": "partner other key", "credential": partner,
                  "documents": {partner_did: impostor}, "now": now})
    results = run_node(cases, tmp_path)
    assert results["school"]["verified"] is True, results["school"]["error"]
    assert results["partner"]["verified"] is True, results["partner"]["error"]
    assert results["school tampered"]["verified"] is False
    assert results["partner tampered"]["verified"] is False
    assert results["partner other key"]["verified"] is False

    # Status, by Digital Bazaar's own status code: valid before the withdrawal, revoked after
    status_cases = []
    for name, doc in (("school", school), ("partner", partner)):
        for when, served in (("before", lists_before), ("after", lists_after)):
            status_cases.append({"name": f"{name} {when}", "credential": doc, "documents": {**docs, **served}})
    # bad twin: without its list, the partner's endorsement cannot be confirmed
    url = partner["credentialStatus"]["statusListCredential"]
    status_cases.append({"name": "partner list missing", "credential": partner, "documents": docs})
    # bad twin: another issuer's list (the school's, validly signed by the school) at the partner's URL
    school_url = school["credentialStatus"]["statusListCredential"]
    status_cases.append({"name": "partner list of another issuer", "credential": partner,
                         "documents": {**docs, url: lists_before[school_url]}})
    status_results = run_script("status.mjs", "cases", status_cases, tmp_path, answer="results", timeout=600)
    for name in ("school", "partner"):
        before, after = status_results[f"{name} before"]["db"], status_results[f"{name} after"]["db"]
        assert before["verified"] is True and before["statusVerified"] is True, (name, before)
        assert before["status"] is False, (name, before)
        # vc-bitstring-status-list verifies the list and reports the bit it read: set = revoked
        assert after["verified"] is True and after["statusVerified"] is True, (name, after)
        assert after["status"] is True, (name, after)
    missing = status_results["partner list missing"]["db"]
    assert missing["verified"] is False and missing["statusVerified"] is False, (url, missing)
    foreign = status_results["partner list of another issuer"]["db"]
    assert foreign["verified"] is False and foreign["statusVerified"] is False, foreign
    assert "do not match" in foreign["error"], foreign  # the list's issuer must be the credential's
    # and the served-mode runner (which fails a set bit itself): both withdrawn endorsements refused
    after = run_node([{"name": name, "credential": doc, "documents": {**docs, **lists_after}, "now": now}
                      for name, doc in (("school", school), ("partner", partner))], tmp_path)
    for name in ("school", "partner"):
        assert after[name]["verified"] is False and "revocation bit" in after[name]["error"], after[name]
