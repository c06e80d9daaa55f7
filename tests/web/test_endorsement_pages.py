"""Endorsements over HTTP (issue 14), on SQLite and PostgreSQL: an administrator endorses an
achievement as the school and a mentor endorses it through their link on behalf of the partner;
both are listed on the public achievement page and served at ``/endorsements/<uuid>`` (a page, or
the signed JSON byte for byte); a new badge embeds them and ``/verify`` passes its ``endorsements``
check, a tampered embedded endorsement only warns. Bad twins: a student (403), another school's
achievement and an unknown one (404), an empty or long comment (400), another ELO's achievement
and an expired link (refused), a second endorsement by the same endorser (409)."""
from __future__ import annotations

import copy
import json
import re
from datetime import timedelta

import pytest

from tests.support import BASE_URL
from tests.web.endorsement_support import HTML, RUBRIC, as_user, badge, checks, endorse, endorsement_uuid, mentor_link
from tests.web.support import bearer

pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]


@pytest.fixture
def client(asgi_client):
    return asgi_client




async def achievement(client, seed, name="Investigator") -> dict:
    r = await client.post("/api/achievements", headers=bearer(seed, "teacher"), json={
        "name": name, "description": "Plans and analyses an investigation.", "rubric": RUBRIC})
    assert r.status_code == 201, r.text
    return r.json()












async def test_admin_and_mentor_endorse_listed_served_embedded_and_verified(client, seed):
    a = await achievement(client, seed)
    token = await mentor_link(client, seed, a)
    csrf = await as_user(client, seed, "school_admin", f"/endorse?achievement={a['id']}")
    r = await endorse(client, csrf, f"achievement:{a['id']}", "A rigorous standard we stand behind.")
    school_uuid = endorsement_uuid(r)
    page = await client.get(r.headers["location"], headers=HTML)
    assert page.status_code == 200 and "North High School endorses Investigator" in page.text
    assert "Your endorsement is signed and published" in page.text
    # the mentor: the link's page offers the endorsement, the post makes it
    client.cookies.clear()
    page = await client.get(f"/mentor/{token}", headers=HTML)
    assert "Endorse “Investigator” on behalf of River Lab" in page.text
    mcsrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = await client.post(f"/mentor/{token}/endorse", headers=HTML, data={
        "csrf_token": mcsrf, "achievement": a["id"], "comment": "Our lab relies on these skills."})
    assert r.status_code == 200 and "Thank you for your endorsement" in r.text, r.text
    # the public achievement page lists both, with a verify link each
    page = await client.get(f"/achievements/{a['id']}", headers=HTML)
    assert "Endorsed by North High School" in page.text and "Endorsed by River Lab" in page.text
    assert page.text.count("Verify this endorsement") == 2
    # the JSON, byte for byte, by Accept and as a download; verified at /verify
    raw = await client.get(f"/endorsements/{school_uuid}", headers={"accept": "application/json"})
    from issuer.db.tables import Endorsement

    stored = await Endorsement.select(Endorsement.document).where(Endorsement.uuid == school_uuid).first()
    assert raw.content == stored["document"].encode("utf-8")
    assert (await client.get(f"/endorsements/{school_uuid}.json")).content == raw.content
    r = await client.get("/verify", params={"url": f"{BASE_URL}/endorsements/{school_uuid}"},
                         headers={"accept": "application/json"})
    assert r.status_code == 200 and r.json()["verified"] is True, r.text
    # a new badge embeds both endorsements, and the verifier checks them
    doc = await badge(client, seed, a)
    embedded = doc["credentialSubject"]["achievement"]["endorsement"]
    assert [e["issuer"]["name"] for e in embedded] == ["North High School", "River Lab"]
    assert embedded[0] == json.loads(raw.content)
    r = await client.post("/credentials/verify", json={"verifiableCredential": doc})
    c = checks(r.json())
    assert r.json()["verified"] is True and c["endorsements"]["outcome"] == "pass", c["endorsements"]
    assert "North High School" in c["endorsements"]["message"] and "River Lab" in c["endorsements"]["message"]
    # bad twin: a tampered embedded endorsement warns (the badge's own proof fails too: it signed it)
    tampered = copy.deepcopy(doc)
    tampered["credentialSubject"]["achievement"]["endorsement"][1]["credentialSubject"]["endorsementComment"] = "Meh."
    r = await client.post("/credentials/verify", json={"verifiableCredential": tampered})
    c = checks(r.json())
    assert c["endorsements"]["outcome"] == "warn" and "1 of 2" in c["endorsements"]["message"], c["endorsements"]
    # the badge's public page lists the achievement's endorsements
    page = await client.get(f"/badges/{doc['id'].rsplit('/', 1)[-1]}", headers=HTML)
    assert "Endorsed by River Lab" in page.text


async def test_refusals(client, seed, platform):
    a = await achievement(client, seed)
    ref = f"achievement:{a['id']}"
    csrf = await as_user(client, seed, "school_admin")
    r = await endorse(client, csrf, ref, "   ")
    assert r.status_code == 400 and "Write a comment" in r.text
    r = await endorse(client, csrf, ref, "x" * 2001)
    assert r.status_code == 400
    r = await endorse(client, csrf, "achievement:00000000-0000-4000-8000-000000000000", "Fine.")
    assert r.status_code == 404
    endorsement_uuid(await endorse(client, csrf, ref, "Fine."))
    r = await endorse(client, csrf, ref, "Fine again.")
    assert r.status_code == 409 and "already endorses" in r.text
    # a student may not endorse
    client.cookies.clear()
    client.cookies.set("badges_session", seed.session["student"])
    r = await client.get("/endorse", headers=HTML)
    assert r.status_code == 403
    # another school's staff does not see this achievement
    from issuer.accounts import service as accounts

    south = seed.users[("south", "school_admin", 0)]
    client.cookies.clear()
    client.cookies.set("badges_session", await accounts.create_session(platform, south["id"]))
    page = (await client.get("/endorse", headers=HTML)).text
    scsrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert "Investigator" not in page
    r = await endorse(client, scsrf, ref, "Looks good.")
    assert r.status_code == 404
    # the mentor: another ELO's achievement, an unknown link, an expired link
    token = await mentor_link(client, seed, a)
    other = await achievement(client, seed, name="Field Notes")
    client.cookies.clear()
    page = await client.get(f"/mentor/{token}", headers=HTML)
    mcsrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = await client.post(f"/mentor/{token}/endorse", headers=HTML,
                          data={"csrf_token": mcsrf, "achievement": other["id"], "comment": "Yes."})
    assert r.status_code == 404
    r = await client.post(f"/mentor/{'x' * 43}/endorse", headers=HTML,
                          data={"csrf_token": mcsrf, "achievement": a["id"], "comment": "Yes."})
    assert r.status_code == 410
    r = await client.post(f"/mentor/{token}/endorse", headers=HTML,
                          data={"csrf_token": mcsrf, "achievement": a["id"], "comment": ""})
    assert r.status_code == 400 and "Write a comment" in r.text
    platform.clock.advance(timedelta(days=31))
    r = await client.post(f"/mentor/{token}/endorse", headers=HTML,
                          data={"csrf_token": mcsrf, "achievement": a["id"], "comment": "Yes."})
    assert r.status_code == 410
    r = await client.get("/endorsements/00000000-0000-4000-8000-000000000000", headers=HTML)
    assert r.status_code == 404


async def test_admin_list_withdraw_and_issuer_page(client, seed):
    a = await achievement(client, seed)
    csrf = await as_user(client, seed, "school_admin", "/admin/endorsements")
    page = (await client.get("/admin/endorsements", headers=HTML)).text
    assert "No endorsements yet" in page
    e = endorsement_uuid(await endorse(client, csrf, "issuer:school:south", "A partner school we trust."))
    page = await client.get("/issuers/south", headers=HTML)
    assert page.status_code == 200 and "Endorsed by North High School" in page.text
    assert (await client.get("/issuers/south")).json()["name"] == "South High School"  # JSON stays the default
    endorsement_uuid(await endorse(client, csrf, f"achievement:{a['id']}", "Rigorous."))
    page = (await client.get("/admin/endorsements", headers=HTML)).text
    assert "South High School" in page and "Investigator" in page
    r = await client.post(f"/admin/endorsements/{e}/withdraw", data={"csrf_token": csrf}, headers=HTML)
    assert r.status_code == 303
    assert "Endorsed by North High School" not in (await client.get("/issuers/south", headers=HTML)).text
    assert "Withdrawn" in (await client.get(f"/endorsements/{e}", headers=HTML)).text
    # the teacher endorses as themselves
    tcsrf = await as_user(client, seed, "teacher")
    r = await endorse(client, tcsrf, f"achievement:{a['id']}", "I teach this every term.")
    page = await client.get(r.headers["location"], headers=HTML)
    assert "North teacher 0, teacher at North High School endorses Investigator" in page.text
