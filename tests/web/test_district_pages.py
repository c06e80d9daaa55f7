"""The district's schools and the trusted issuers over HTTP (issue 13), on the full app.

A district admin lists the schools, fills in the new-school form (every problem at once, input
kept), checks their answers and makes the school: it has its own key and DID (its DID document is
served), its admin gets a set-password link by e-mail (the outbox here) and signs in with the
password chosen there, and a badge it issues verifies with its own key and is recognised at once
(no restart). A did:key school issues as its key. A school admin adds a trusted issuer (bad ids,
duplicates and the district's own schools refused) and the verifier then says the issuer is
recognised by the school; removing it (after a confirmation page) undoes that. Bad twins: a
teacher and a school admin cannot create schools; another school's admin cannot see or remove
its trusted issuers; no CSRF token. And the LinkedIn organisation id on the profile.
"""
from __future__ import annotations

import re

import pytest

from issuer.accounts import service as accounts
from issuer.credentials import repo as credentials_repo
from issuer.mail import repo as mail_repo

pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]

BASE = "http://127.0.0.1:8000"
FOREIGN_KEY = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


@pytest.fixture
def client(asgi_client):
    return asgi_client


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def as_(client, seed, role):
    client.cookies.clear()
    client.cookies.set("badges_session", seed.session[role])


def school_form(csrf: str, **changes: str) -> dict[str, str]:
    form = {"csrf_token": csrf, "name": "East Middle School", "slug": "", "url": "https://east.example.org",
            "streetAddress": "5 Hill Street", "addressLocality": "Riverside", "addressRegion": "", "postalCode": "",
            "addressCountry": "US", "did_method": "did:web", "admin_username": "east-admin",
            "admin_name": "Erin East", "admin_email": "erin@east.example.org"}
    form.update(changes)
    return form


def credential(name: str = "Robotics Club") -> dict:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "type": ["VerifiableCredential", "OpenBadgeCredential"], "name": name, "validFrom": "2026-01-15T10:00:00Z",
        "credentialSubject": {"id": "did:example:learner-7", "type": ["AchievementSubject"], "achievement": {
            "id": "https://school.example/achievements/robotics", "type": ["Achievement"], "name": name,
            "description": "Built and programmed a robot with a team.", "criteria": {"narrative": "A season."}}}}


async def issue(client, token: str, *, status: bool = False) -> dict:
    options = {"credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"}} if status else {}
    r = await client.post("/credentials/issue", headers={"Authorization": f"Bearer {token}"},
                          json={"credential": credential(), "options": options})
    assert r.status_code == 201, r.text
    return r.json()["verifiableCredential"]


async def verify(client, doc: dict) -> dict:
    """As anyone would (no session: a signed-in page would need its CSRF token)."""
    import httpx

    async with httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url)) as anyone:
        r = await anyone.post("/credentials/verify", json={"verifiableCredential": doc, "options": {}})
    assert r.status_code in (200, 422), r.text  # 422: verified, and found wanting
    return r.json()


def trust_check(body: dict) -> dict:
    return next(c for c in body["results"] if c["id"] == "trust")


async def make_school(client, seed, **changes) -> str:
    as_(client, seed, "district_admin")
    csrf = csrf_of((await client.get("/district/schools/new")).text)
    check = await client.post("/district/schools/check", data=school_form(csrf, **changes))
    assert check.status_code == 200, check.text
    made = await client.post("/district/schools", data=school_form(csrf, **changes))
    assert made.status_code == 303, made.text
    return made.headers["location"]


async def test_a_district_admin_makes_a_school_with_its_own_key_did_and_admin(client, seed, platform):
    as_(client, seed, "district_admin")
    listing = await client.get("/district/schools")
    assert listing.status_code == 200
    assert '<a href="/district/schools" aria-current="page">' in listing.text  # from the menu
    assert "North High School" in listing.text and "did:web:127.0.0.1%3A8000:issuers:north" in listing.text
    csrf = csrf_of((await client.get("/district/schools/new")).text)

    # every problem at once, what was typed kept; nothing made
    bad = await client.post("/district/schools/check", data=school_form(
        csrf, name="", slug="North!", admin_username="north-teacher-0", admin_email="nope", url="ftp://x"))
    assert bad.status_code == 422 or bad.status_code == 400, bad.status_code
    for message in ("Enter the school", "The username &#39;north-teacher-0&#39; is taken",
                    "Enter an email address", "Enter the web address in full"):
        assert message in bad.text, message
    assert 'value="north-teacher-0"' in bad.text and 'class="error-summary"' in bad.text
    taken = await client.post("/district/schools/check", data=school_form(csrf, slug="north"))
    assert "is taken" in taken.text

    # check your answers: nothing written yet
    check = await client.post("/district/schools/check", data=school_form(csrf))
    assert check.status_code == 200 and "Check the new school" in check.text
    assert "did:web:127.0.0.1%3A8000:issuers:east-middle-school" in check.text
    assert (await client.get("/issuers/east-middle-school")).status_code == 404
    # "Change the answers" goes back to the form as typed
    back = await client.post("/district/schools", data={**school_form(csrf), "change": "1"})
    assert back.status_code == 200 and 'value="Erin East"' in back.text
    assert (await client.get("/issuers/east-middle-school")).status_code == 404
    # no CSRF token: refused
    assert (await client.post("/district/schools", data=school_form(""))).status_code == 403

    made = await client.post("/district/schools", data=school_form(csrf))
    assert made.status_code == 303 and made.headers["location"] == "/district/schools?made=east-middle-school#made"
    page = await client.get(made.headers["location"])
    assert "East Middle School is ready" in page.text
    audit = await client.get("/admin/audit-log")
    assert "made the school east-middle-school" in audit.text

    did_doc = (await client.get("/issuers/east-middle-school/did.json")).json()
    assert did_doc["id"] == "did:web:127.0.0.1%3A8000:issuers:east-middle-school"
    north_doc = (await client.get("/issuers/north/did.json")).json()
    east_key = did_doc["verificationMethod"][0]["publicKeyMultibase"]
    assert east_key not in {m["publicKeyMultibase"] for m in north_doc["verificationMethod"]}

    # the admin's set-password link, by e-mail
    [mail] = [m for m in await mail_repo.listed(school_ids=[s.id for s in await _schools()], district_id=seed.district.id,
                                                limit=50, kind="password_reset") if m.to_address == "erin@east.example.org"]
    link = re.search(r"http://127\.0\.0\.1:8000(/password-reset/[A-Za-z0-9_-]+)", mail.text_body).group(1)
    client.cookies.clear()
    form = await client.get(link)
    assert form.status_code == 200
    done = await client.post(link, data={"new_password": "east password 1", "confirm_password": "east password 1",
                                         "csrf_token": csrf_of(form.text)})
    assert done.status_code == 303
    token, principal = await accounts.login(platform, "east-admin", "east password 1", ip="10.0.0.9")
    assert principal.role == "school_admin" and principal.school_id is not None

    # a badge the new school issues is signed with its own key and recognised at once
    api_token = await accounts.create_api_token(platform, school_id=principal.school_id,
                                                district_id=seed.district.id, name="vc-api")
    doc = await issue(client, api_token)
    proof = doc["proof"][0] if isinstance(doc["proof"], list) else doc["proof"]
    assert doc["issuer"]["id"] == did_doc["id"] and proof["verificationMethod"].endswith("#" + east_key)
    body = await verify(client, doc)
    assert body["verified"] is True, body
    assert trust_check(body)["outcome"] == "pass" and "East Middle School" in trust_check(body)["message"]
    # bad twin: the same badge with another school's key does not verify
    forged = {**doc, "proof": {**proof, "verificationMethod": north_doc["verificationMethod"][0]["id"]}}
    assert (await verify(client, forged))["verified"] is False


async def _schools():
    from issuer.schools import repo as schools_repo

    return await schools_repo.schools()


async def test_a_did_key_school_issues_as_its_key(client, seed, platform):
    await make_school(client, seed, name="Key Academy", did_method="did:key", admin_username="key-admin",
                      admin_email="k@key.example.org")
    listing = await client.get("/district/schools")
    assert "did:key:z6Mk" in listing.text
    [school] = [s for s in await _schools() if s.slug == "key-academy"]
    token = await accounts.create_api_token(platform, school_id=school.id, district_id=seed.district.id, name="vc")
    doc = await issue(client, token, status=True)
    assert doc["issuer"]["id"].startswith("did:key:z6Mk")
    body = await verify(client, doc)
    assert body["verified"] is True and trust_check(body)["outcome"] == "pass", body
    assert next(c for c in body["results"] if c["id"] == "status")["outcome"] == "pass", body


async def test_only_a_district_admin_makes_schools(client, seed):
    for role in ("school_admin", "teacher", "student"):
        as_(client, seed, role)
        assert (await client.get("/district/schools")).status_code == 403, role
        assert (await client.get("/district/schools/new")).status_code == 403, role
    as_(client, seed, "school_admin")
    csrf = csrf_of((await client.get("/admin/school")).text)
    assert (await client.post("/district/schools", data=school_form(csrf))).status_code == 403
    assert "east-middle-school" not in {s.slug for s in await _schools()}
    menu = await client.get("/admin/school")
    assert 'href="/district/schools"' not in menu.text


async def test_trusted_issuers_are_recognised_by_the_school(client, seed):
    as_(client, seed, "school_admin")
    page = await client.get("/admin/trusted-issuers")
    assert page.status_code == 200 and "No trusted issuer yet" in page.text
    assert '<a href="/admin/trusted-issuers" aria-current="page">' in page.text
    csrf = csrf_of(page.text)

    # a foreign badge: an unknown issuer before
    from badges.signing.keys import Ed25519Signer
    from tests.support import NOW, SEED

    signer = Ed25519Signer.from_seed(SEED)
    foreign = signer.controller
    from badges.signing import sign

    unsigned = {**credential("Chess Club"), "issuer": {"id": foreign, "type": ["Profile"], "name": "Chess Org"}}
    doc = sign(unsigned, signer=signer, created=NOW)
    assert trust_check(await verify(client, doc))["outcome"] == "warn"

    for issuer_id, message in (("", "Enter the issuer"), ("http://plain.example.org", "Enter the issuer&#39;s ID"),
                               ("did:key:zNotAKey", "not a valid Ed25519 key"),
                               ("did:web:127.0.0.1%3A8000:issuers:south", "school of the district")):
        bad = await client.post("/admin/trusted-issuers", data={"csrf_token": csrf, "issuer_id": issuer_id,
                                                                "name": "Chess Org", "note": ""})
        assert bad.status_code in (400, 422) and message in bad.text, (issuer_id, bad.text[:2000])
        assert f'value="{issuer_id}"' in bad.text
    assert (await client.post("/admin/trusted-issuers", data={"issuer_id": foreign, "name": "Chess Org"})).status_code == 403

    added = await client.post("/admin/trusted-issuers", data={"csrf_token": csrf, "issuer_id": foreign,
                                                              "name": "Chess Org", "note": "The city chess league"})
    assert added.status_code == 303 and added.headers["location"] == "/admin/trusted-issuers?done=added"
    page = await client.get(added.headers["location"])
    assert "Chess Org" in page.text and "The city chess league" in page.text
    again = await client.post("/admin/trusted-issuers", data={"csrf_token": csrf, "issuer_id": foreign, "name": "X"})
    assert "already recognises" in again.text

    check = trust_check(await verify(client, doc))
    assert check["outcome"] == "pass" and "recognised by North High School" in check["message"], check

    # another school's admin neither sees nor removes it
    entry_id = int(re.search(r'/admin/trusted-issuers/(\d+)/remove', page.text).group(1))
    client.cookies.clear()
    south_admin = await accounts.create_session(seed.ctx, seed.users[("south", "school_admin", 0)]["id"])
    client.cookies.set("badges_session", south_admin)
    south_page = await client.get("/admin/trusted-issuers")
    assert "Chess Org" not in south_page.text
    assert (await client.get(f"/admin/trusted-issuers/{entry_id}/remove")).status_code == 404
    gone = await client.post(f"/admin/trusted-issuers/{entry_id}/remove", data={"csrf_token": csrf_of(south_page.text)})
    assert gone.status_code == 404

    as_(client, seed, "school_admin")
    confirm = await client.get(f"/admin/trusted-issuers/{entry_id}/remove")
    assert confirm.status_code == 200 and "Check before you remove" in confirm.text
    removed = await client.post(f"/admin/trusted-issuers/{entry_id}/remove", data={"csrf_token": csrf})
    assert removed.status_code == 303
    assert trust_check(await verify(client, doc))["outcome"] == "warn"


async def test_the_linkedin_organisation_id_goes_on_the_badge_page(client, seed):
    as_(client, seed, "school_admin")
    page = await client.get("/admin/school")
    csrf = csrf_of(page.text)
    form = {"csrf_token": csrf, "name": "North High School", "level-1": "Beginning", "level-2": "Developing",
            "level-3": "Proficient", "level-4": "Advanced", "linkedin_organization_id": "12ab"}
    bad = await client.post("/admin/school", data=form)
    assert bad.status_code in (400, 422) and "is a number" in bad.text and 'value="12ab"' in bad.text
    ok = await client.post("/admin/school", data={**form, "linkedin_organization_id": "1337"})
    assert ok.status_code == 303
    assert 'value="1337"' in (await client.get("/admin/school")).text
    from issuer.credentials.sharing import linkedin_links
    from issuer.schools import repo as schools_repo

    north = await schools_repo.school_by_slug("north")
    assert north.linkedin_organization_id == "1337"
    links = linkedin_links(name="B", school=north.name, organization_id=north.linkedin_organization_id,
                           issued=None, url=BASE, cert_id="x")
    assert "organizationId=1337" in links["add"] and "organizationName" not in links["add"]
    assert credentials_repo  # the badge page itself is covered by tests/web/test_badge_page*.py
