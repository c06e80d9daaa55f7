"""Withdrawn endorsements stop verifying (status lists for endorsements), over HTTP on SQLite and
PostgreSQL. Every new endorsement carries a ``revocation`` Bitstring Status List entry on a list of
its own issuer: the school's revocation list for the school's, the endorser's own list (signed
with its platform-held key, served at ``/endorsers/<uuid>/status/revocation``) for a partner's.

Good: both verify with their status checked, as does a badge embedding them. After withdrawal:
the standalone endorsements are revoked at ``/verify``, the badge issued before warns in its
``endorsements`` check, and untouched sibling endorsements of the same endorsers still verify.
Bad twins: a list document tampered at rest (bits cleared to hide the withdrawal) is refused,
a list of an unknown endorser is 404, and a list bit that was never handed out is not flipped."""
from __future__ import annotations

import json

import pytest

from badges.signing import DidKeyResolver, verify_proof
from badges.status import BitstringStatusList
from tests.support import BASE_URL
from tests.web.endorsement_support import HTML, RUBRIC, as_user, badge, checks, endorse, endorsement_uuid, mentor_link
from tests.web.support import bearer

pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]
JSON = {"accept": "application/json"}


@pytest.fixture
def client(asgi_client):
    return asgi_client














async def achievement(client, seed, name: str) -> dict:
    r = await client.post("/api/achievements", headers=bearer(seed, "teacher"), json={
        "name": name, "description": "Plans and analyses an investigation.", "rubric": RUBRIC})
    assert r.status_code == 201, r.text
    return r.json()


async def by_mentor(client, token: str, a: dict, comment: str) -> str:
    client.cookies.clear()
    page = await client.get(f"/mentor/{token}", headers=HTML)
    csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    r = await client.post(f"/mentor/{token}/endorse", headers=HTML, data={
        "csrf_token": csrf, "achievement": a["id"], "comment": comment})
    assert r.status_code == 200, r.text
    return r.text.split("/endorsements/", 1)[1][:36]


async def document(client, e_uuid: str) -> dict:
    return json.loads((await client.get(f"/endorsements/{e_uuid}", headers=JSON)).content)


async def verify(client, e_uuid: str) -> dict:
    r = await client.get("/verify", params={"url": f"{BASE_URL}/endorsements/{e_uuid}"}, headers=JSON)
    assert r.status_code in (200, 422), r.text
    return r.json()


async def test_withdrawn_endorsements_are_revoked_and_siblings_stay(client, seed, platform):
    a = await achievement(client, seed, "Investigator")
    b = await achievement(client, seed, "Field scientist")
    token_a, token_b = await mentor_link(client, seed, a), await mentor_link(client, seed, b)
    csrf = await as_user(client, seed, "school_admin")
    school = endorsement_uuid(await endorse(client, csrf, f"achievement:{a['id']}", "A standard we stand behind."))
    school_sibling = endorsement_uuid(await endorse(client, csrf, "issuer:school:south", "A school we trust."))
    partner = await by_mentor(client, token_a, a, "Our lab relies on these skills.")
    partner_sibling = await by_mentor(client, token_b, b, "Field work we know well.")

    docs = {u: await document(client, u) for u in (school, school_sibling, partner, partner_sibling)}
    for doc in docs.values():
        status = doc["credentialStatus"]
        assert status["type"] == "BitstringStatusListEntry" and status["statusPurpose"] == "revocation"
    # the school's endorsements: entries of the school's revocation list
    assert docs[school]["credentialStatus"]["statusListCredential"].startswith(f"{BASE_URL}/status/north/revocation/")
    # the partner's: its own list, indexes handed out in order, issuer = the endorsement's issuer
    list_url = docs[partner]["credentialStatus"]["statusListCredential"]
    assert list_url == docs[partner_sibling]["credentialStatus"]["statusListCredential"]
    assert list_url.startswith(f"{BASE_URL}/endorsers/") and list_url.endswith("/status/revocation")
    assert [docs[u]["credentialStatus"]["statusListIndex"] for u in (partner, partner_sibling)] == ["0", "1"]
    served = await client.get(list_url.removeprefix(BASE_URL))
    assert served.status_code == 200 and served.headers["content-type"].startswith("application/vc+ld+json")
    from issuer.db.tables import Endorser

    stored = await Endorser.select(Endorser.status_document).where(Endorser.name == "River Lab").first()
    assert served.content == stored["status_document"].encode("utf-8")  # byte for byte as signed
    listed = json.loads(served.content)
    assert listed["issuer"]["id"] == docs[partner]["issuer"]["id"]
    assert verify_proof(listed, resolver=DidKeyResolver(), now=platform.clock.now()).verified

    for u in docs:  # all verify, their status checked
        body = await verify(client, u)
        assert body["verified"] is True and checks(body)["status"]["outcome"] == "pass", checks(body)["status"]
    embedding = await badge(client, seed, a)  # carries the school's and the partner's endorsement of a
    r = await client.post("/credentials/verify", json={"verifiableCredential": embedding})
    assert checks(r.json())["endorsements"]["outcome"] == "pass", checks(r.json())["endorsements"]

    csrf = await as_user(client, seed, "school_admin", "/admin/endorsements")
    for u in (school, partner):
        r = await client.post(f"/admin/endorsements/{u}/withdraw", data={"csrf_token": csrf}, headers=HTML)
        assert r.status_code == 303
    page = await client.get("/admin/endorsements?done=withdrawn", headers=HTML)
    assert "a copy someone saved still verifies" not in page.text and "it no longer verifies" in page.text
    assert "Verifiers report it as revoked." in (await client.get(f"/endorsements/{partner}", headers=HTML)).text
    for u in (school, partner):
        body = await verify(client, u)
        status = checks(body)["status"]
        assert body["verified"] is False and status["outcome"] == "fail" and "revoked" in status["message"], status
        assert checks(body)["proof"]["outcome"] == "pass"  # the document itself is unchanged
    for u in (school_sibling, partner_sibling):  # untouched siblings on the same lists
        body = await verify(client, u)
        assert body["verified"] is True and checks(body)["status"]["outcome"] == "pass", checks(body)["status"]
    client.cookies.clear()
    r = await client.post("/credentials/verify", json={"verifiableCredential": embedding})
    c = checks(r.json())
    assert c["endorsements"]["outcome"] == "warn" and "2 of 2" in c["endorsements"]["message"], c["endorsements"]
    assert c["proof"]["outcome"] == "pass" and c["status"]["outcome"] == "pass"  # the badge itself stands

    # withdrawing again changes nothing (the list is not re-signed)
    before = (await client.get(list_url.removeprefix(BASE_URL))).content
    csrf = await as_user(client, seed, "school_admin", "/admin/endorsements")
    r = await client.post(f"/admin/endorsements/{partner}/withdraw", data={"csrf_token": csrf}, headers=HTML)
    assert r.status_code == 303 and (await client.get(list_url.removeprefix(BASE_URL))).content == before

    # bad twin: the list tampered at rest to hide the withdrawal (bits cleared, proof kept) is refused
    tampered = json.loads(before)
    tampered["credentialSubject"]["encodedList"] = BitstringStatusList(
        BitstringStatusList.decode(tampered["credentialSubject"]["encodedList"]).size_bits).encode()
    await Endorser.update({Endorser.status_document: json.dumps(tampered)}).where(Endorser.name == "River Lab")
    body = await verify(client, partner)
    status = checks(body)["status"]
    assert body["verified"] is False and status["outcome"] == "fail" and "not properly signed" in status["message"]
    body = await verify(client, partner_sibling)  # the sibling cannot be confirmed either
    assert body["verified"] is False and checks(body)["status"]["outcome"] == "fail"


async def test_endorser_lists_refuse_what_they_do_not_hold(client, seed):
    # bad twins: an unknown endorser's list, a malformed id, a path with another purpose
    assert (await client.get("/endorsers/3f1c9f1e-0000-4000-8000-000000000000/status/revocation")).status_code == 404
    assert (await client.get("/endorsers/nope/status/revocation")).status_code == 404
    assert (await client.get("/endorsers/3f1c9f1e-0000-4000-8000-000000000000/status/suspension")).status_code == 404
