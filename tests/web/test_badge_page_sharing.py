"""The badge page's Share area (issue 12), over HTTP on the full app (the verifier mounted).

A badge is awarded through the real API to North's first student. The owner sees the switches,
the link, LinkedIn's "Add to profile" and "Share" URLs with the right fields, the QR code and
the downloads; the JSON and baked images download as files; the offline bundle verifies with no
network. The public page carries Open Graph tags and names the credential as ``rel=alternate``,
and the badge's address answers a verifier with the credential (content negotiation), so the
mounted verifier verifies the page's URL.

Bad twins: another student, a teacher and an anonymous reader get no Share area and cannot flip
the switches; with the public page off, everyone but the owner and North's staff is told the
badge is not shared (page, JSON, downloads, QR, bundle, the verifier's link), while the file
itself still verifies; a revoked badge's bundle says revoked; a bad switch value is a 422.
"""
from __future__ import annotations

import io
import json
import re
import zipfile
from urllib.parse import parse_qs, urlsplit

import pytest

from badges.cli import main
from tests.support import BASE_URL, NOW
from tests.web.award_support import award, revoke
from tests.web.support import bearer

pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]

HTML = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
VC = {"accept": "application/vc+ld+json, application/ld+json, application/json;q=0.9, text/html;q=0.5"}
OWNER_NAME = "North student 0"  # the seed's display name of ("north", "student", 0), the badge's learner


@pytest.fixture
def client(asgi_client):
    return asgi_client


def as_(client, seed, who: str | None, sessions: dict | None = None) -> None:
    """Sign ``client`` in with a seeded session (``who`` a role of North, or a session token), or out."""
    client.cookies.clear()
    if who is not None:
        client.cookies.set("badges_session", (sessions or seed.session).get(who, who))


async def other_session(seed, key) -> str:
    from issuer.accounts import service as accounts

    return await accounts.create_session(seed.ctx, seed.users[key]["id"])


async def switch(client, uuid: str, **fields: str):
    """Flip a switch as the signed-in student does: the page's form, with its CSRF token."""
    page = (await client.get(f"/badges/{uuid}", headers=HTML)).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return await client.post(f"/badges/{uuid}/sharing", headers=HTML, data={**fields, "csrf_token": csrf})


def meta(page: str, key: str) -> str | None:
    found = re.search(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)"', page)
    return found.group(1) if found else None


async def test_owner_shares_to_linkedin_copies_the_link_and_downloads(client, seed):
    badge = await award(client, seed)
    uuid = badge["uuid"]
    as_(client, seed, "student")
    page = await client.get(f"/badges/{uuid}", headers=HTML)
    assert page.status_code == 200 and page.headers["vary"] == "Accept"
    text = page.text
    assert 'id="share"' in text and 'id="share-link"' in text and f'value="{BASE_URL}/badges/{uuid}"' in text
    assert 'data-copy="share-link"' in text and "/static/badge-share.js" in text

    add = re.search(r'id="linkedin-add" href="([^"]+)"', text).group(1).replace("&amp;", "&")
    assert add.startswith("https://www.linkedin.com/profile/add?")
    fields = {k: v[0] for k, v in parse_qs(urlsplit(add).query).items()}
    assert fields == {"startTask": "CERTIFICATION_NAME", "name": "Investigator",
                      "organizationName": "North High School", "issueYear": str(NOW.year),
                      "issueMonth": str(NOW.month), "certUrl": f"{BASE_URL}/badges/{uuid}", "certId": uuid}
    share = re.search(r'id="linkedin-share" href="([^"]+)"', text).group(1).replace("&amp;", "&")
    assert share.startswith("https://www.linkedin.com/sharing/share-offsite/?")
    assert parse_qs(urlsplit(share).query) == {"url": [f"{BASE_URL}/badges/{uuid}"]}

    # "Credential (JSON)" is a real download now (it used to reload the page)
    assert f'href="{BASE_URL}/badges/{uuid}.json" download' in text
    for link in (f"/badges/{uuid}.png?download=1", f"/badges/{uuid}.svg?download=1", f"/badges/{uuid}/bundle.zip",
                 f"/badges/{uuid}/qr.png"):
        assert link in text, link


async def test_the_linkedin_organisation_goes_by_id_when_the_school_has_one(client, seed):
    from issuer.db.tables import School

    await School.update({School.linkedin_organization_id: "1337"}).where(School.id == seed.schools["north"].id)
    badge = await award(client, seed)
    as_(client, seed, "student")
    text = (await client.get(f"/badges/{badge['uuid']}", headers=HTML)).text
    add = re.search(r'id="linkedin-add" href="([^"]+)"', text).group(1).replace("&amp;", "&")
    fields = parse_qs(urlsplit(add).query)
    assert fields["organizationId"] == ["1337"] and "organizationName" not in fields


async def test_nobody_else_gets_the_share_area_or_the_switches(client, seed):
    badge = await award(client, seed)
    uuid = badge["uuid"]
    other = await other_session(seed, ("north", "student", 1))
    for who in (None, "teacher", other):
        as_(client, seed, who)
        text = (await client.get(f"/badges/{uuid}", headers=HTML)).text
        assert 'id="share"' not in text and f"/badges/{uuid}/sharing" not in text, who
        assert "Verify this badge" in text
    # the switch itself: the API refuses anyone but the owner
    as_(client, seed, None)
    r = await client.post(f"/badges/{uuid}/sharing", data={"public_page": "no"})
    assert r.status_code == 401
    r = await client.post(f"/badges/{uuid}/sharing", headers=bearer(seed, "teacher"), data={"public_page": "no"})
    assert r.status_code == 403
    from issuer.accounts import service as accounts

    token = await accounts.create_api_token(seed.ctx, school_id=seed.schools["north"].id, district_id=seed.district.id,
                                            role="student", user_id=seed.users[("north", "student", 1)]["id"],
                                            name="other")
    r = await client.post(f"/badges/{uuid}/sharing", headers={"Authorization": f"Bearer {token}"},
                          data={"public_page": "no"})
    assert r.status_code == 404
    assert (await client.get(f"/badges/{uuid}", headers=HTML)).status_code == 200  # still public


async def test_downloads_are_files_with_the_stored_bytes(client, seed):
    badge = await award(client, seed)
    uuid = badge["uuid"]
    r = await client.get(f"/badges/{uuid}.json")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vc+ld+json")
    assert r.headers["content-disposition"] == f'attachment; filename="investigator-{uuid[:8]}.json"'
    assert r.content == badge["raw"]  # byte for byte as signed and stored
    png = await client.get(f"/badges/{uuid}.png?download=1")
    assert png.headers["content-disposition"] == f'attachment; filename="investigator-{uuid[:8]}.png"'
    assert png.content.startswith(b"\x89PNG")
    assert (await client.get(f"/badges/{uuid}.png")).headers["content-disposition"].startswith("inline;")
    svg = await client.get(f"/badges/{uuid}.svg?download=1")
    assert svg.headers["content-disposition"] == f'attachment; filename="investigator-{uuid[:8]}.svg"'
    # bad twins: a format we do not make, a badge that does not exist
    assert (await client.get(f"/badges/{uuid}.xml")).status_code == 404
    assert (await client.get("/badges/00000000-0000-4000-8000-000000000000.json")).status_code == 404


async def test_public_page_previews_well_and_answers_a_verifier_with_the_credential(client, seed):
    badge = await award(client, seed)
    uuid = badge["uuid"]
    page = await client.get(f"/badges/{uuid}", headers=HTML)
    text = page.text
    assert page.headers["content-type"].startswith("text/html")
    assert meta(text, "og:title") == "Investigator"
    assert meta(text, "og:url") == f"{BASE_URL}/badges/{uuid}"
    assert meta(text, "og:image") == f"{BASE_URL}/badges/{uuid}.png"
    assert meta(text, "twitter:card") == "summary"
    assert "North High School awarded this badge to a verified student of North High School." in meta(
        text, "og:description")
    assert (f'<link rel="alternate" type="application/vc+ld+json" href="{BASE_URL}/credentials/{uuid}"'
            in text)
    assert OWNER_NAME not in text  # the name is off until the student shows it
    assert "A verified student of North High School" in text and "Check the recipient" in text

    r = await client.get(f"/badges/{uuid}", headers=VC)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vc+ld+json")
    assert r.headers["vary"] == "Accept" and r.content == badge["raw"]
    # a client that takes anything gets the page (the address is a page first)
    assert (await client.get(f"/badges/{uuid}", headers={"accept": "*/*"})).headers["content-type"].startswith(
        "text/html")

    # the mounted verifier verifies the page's URL (it used to say "no credential at this link")
    r = await client.get("/verify", params={"url": f"{BASE_URL}/badges/{uuid}"}, headers={"accept": "application/json"})
    assert r.status_code == 200 and r.json()["verified"] is True, r.text
    # bad twin: a badge page that does not exist
    r = await client.get("/verify", params={"url": f"{BASE_URL}/badges/00000000-0000-4000-8000-000000000000"},
                         headers={"accept": "application/json"})
    assert r.status_code >= 400 and "no credential" in r.text.lower()


async def test_show_my_name_puts_the_name_on_the_public_page(client, seed):
    badge = await award(client, seed)
    uuid = badge["uuid"]
    as_(client, seed, "student")
    r = await switch(client, uuid, show_name="yes")
    assert r.status_code == 303 and r.headers["location"] == f"/badges/{uuid}?saved=name#share"
    assert "Your sharing settings are saved." in (await client.get(r.headers["location"], headers=HTML)).text
    as_(client, seed, None)
    text = (await client.get(f"/badges/{uuid}", headers=HTML)).text
    assert f"<strong>{OWNER_NAME}</strong>" in text
    assert f"awarded this badge to {OWNER_NAME}." in meta(text, "og:description")
    # and off again, through the API
    r = await client.post(f"/badges/{uuid}/sharing", headers=bearer(seed, "student"), data={"show_name": "no"})
    assert r.status_code == 200 and r.json() == {"publicPage": True, "showName": False}
    assert OWNER_NAME not in (await client.get(f"/badges/{uuid}", headers=HTML)).text
    # bad twins: a value that is not yes/no, or no switch at all
    r = await client.post(f"/badges/{uuid}/sharing", headers=bearer(seed, "student"), data={"show_name": "maybe"})
    assert r.status_code == 422 and r.json()["field"] == "show_name"
    r = await client.post(f"/badges/{uuid}/sharing", headers=bearer(seed, "student"), data={})
    assert r.status_code == 422


async def test_public_page_off_hides_the_badge_from_everyone_but_the_owner_and_staff(client, seed):
    badge = await award(client, seed)
    uuid = badge["uuid"]
    as_(client, seed, "student")
    r = await switch(client, uuid, public_page="no")
    assert r.status_code == 303
    page = (await client.get(f"/badges/{uuid}", headers=HTML)).text
    assert "Only you and your school" in page and 'id="linkedin-add"' not in page
    assert "/verify?url=" not in page  # the verifier reads the page as anyone does: it would say "not there"

    south_teacher = await other_session(seed, ("south", "teacher", 0))
    other_student = await other_session(seed, ("north", "student", 1))
    for who, sees in ((None, False), (other_student, False), (south_teacher, False), ("teacher", True),
                      ("school_admin", True), ("student", True)):
        as_(client, seed, who)
        r = await client.get(f"/badges/{uuid}", headers=HTML)
        assert r.status_code == (200 if sees else 404), who
        if not sees:
            assert "This badge is not shared" in r.text and "Investigator" not in r.text
        assert (await client.get(f"/credentials/{uuid}")).status_code == (200 if sees else 404), who
    as_(client, seed, None)
    for path in (f"/badges/{uuid}.json", f"/badges/{uuid}.png", f"/badges/{uuid}.svg", f"/badges/{uuid}/qr.png",
                 f"/badges/{uuid}/bundle.zip", f"/badges/{uuid}/evidence"):
        r = await client.get(path)
        assert r.status_code == 404 and r.json()["title"] == "Not shared", path
    r = await client.get(f"/badges/{uuid}", headers=VC)
    assert r.status_code == 404
    r = await client.get("/verify", params={"url": f"{BASE_URL}/badges/{uuid}"}, headers={"accept": "application/json"})
    assert r.status_code >= 400 and r.json().get("verified") is not True
    # the file the student hands over still verifies: it needs only the DID document and status list
    r = await client.post("/verify", content=badge["raw"], headers={"content-type": "application/json"})
    assert r.status_code == 200 and r.json()["verified"] is True, r.text

    as_(client, seed, "student")
    assert (await switch(client, uuid, public_page="yes")).status_code == 303
    as_(client, seed, None)
    assert (await client.get(f"/badges/{uuid}", headers=HTML)).status_code == 200
    assert (await client.get(f"/credentials/{uuid}")).content == badge["raw"]


async def test_the_offline_bundle_verifies_with_no_network(client, seed, tmp_path, capsys):
    badge = await award(client, seed)
    uuid = badge["uuid"]
    now = NOW.strftime("%Y-%m-%dT%H:%M:%SZ")

    async def unpack(into):
        r = await client.get(f"/badges/{uuid}/bundle.zip")
        assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
        assert r.headers["content-disposition"] == f'attachment; filename="investigator-{uuid[:8]}-offline.zip"'
        zipfile.ZipFile(io.BytesIO(r.content)).extractall(into)
        return into / f"investigator-{uuid[:8]}-offline"

    folder = await unpack(tmp_path / "one")
    assert (folder / f"investigator-{uuid[:8]}.json").read_bytes() == badge["raw"]
    listed = json.loads((folder / "manifest.json").read_text())
    assert listed["type"] == "OfflineVerificationBundle" and listed["missing"] == []
    refs = {d["ref"] for d in listed["documents"]}
    assert badge["doc"]["credentialStatus"]["statusListCredential"] in refs
    assert any(ref.startswith("did:web:") for ref in refs)
    # the engine alone (no plugins: no fetcher, no database) verifies it from the bundle
    code = main(["verify", "--now", now, "--documents", str(folder), str(folder / f"investigator-{uuid[:8]}.json")],
                plugins=())
    out = capsys.readouterr().out
    assert code == 0 and "VERIFIED" in out and "the date of the offline bundle" in out, out

    # bad twin: revoked, then bundled again: the bundle says so
    await revoke(seed, uuid)
    folder = await unpack(tmp_path / "two")
    code = main(["verify", "--now", now, "--documents", str(folder), str(folder / f"investigator-{uuid[:8]}.json")],
                plugins=())
    assert code == 1 and "revoked" in capsys.readouterr().out
    # bad twin: a bundle without its status list cannot vouch for the badge
    for path in folder.rglob("*"):
        if "/status/" in path.as_posix() and path.is_file():
            path.unlink()
    code = main(["verify", "--now", now, "--documents", str(folder), str(folder / f"investigator-{uuid[:8]}.json")],
                plugins=())
    assert code == 1
