"""The administrator's school pages over HTTP, on the full app (issue 13): the school profile
(``/admin/school``: the form keeps what was typed and lists every problem; the logo is sanitised
and becomes the Profile's image; the level words become new rubrics' levels) and the signing keys
(``/admin/keys``: the DID and keys, rotation behind a confirmation step). Bad twins: no CSRF
token, a teacher and a student (403), another district's or an unknown school (404), a hostile
SVG and a file that is not an image, blank and duplicate level words."""
from __future__ import annotations

import re

import pytest

from tests.web.support import bearer

pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]



def png(size: int = 32) -> bytes:
    """A well-formed PNG logo, made by Pillow."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGBA", (size, size), (11, 92, 173, 255)).save(out, format="PNG")
    return out.getvalue()


PNG = png()


@pytest.fixture
async def client(asgi_client):
    return asgi_client


def sign_in_as(client, seed, role):
    client.cookies.clear()
    client.cookies.set("badges_session", seed.session[role])


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def profile_form(csrf: str, **changes: str) -> dict[str, str]:
    form = {"csrf_token": csrf, "name": "North High School", "url": "https://north.example.org",
            "email": "office@north.example.org", "description": "A public high school by the river.",
            "streetAddress": "1 River Road", "addressLocality": "Riverside", "addressRegion": "CA",
            "postalCode": "92501", "addressCountry": "US", "level-1": "Emerging", "level-2": "Approaching",
            "level-3": "Meeting", "level-4": "Mastering", "level-3-description": "The standard, on their own."}
    form.update(changes)
    return form


async def test_the_school_profile_is_reached_from_the_menu_and_saved(client, seed):
    sign_in_as(client, seed, "school_admin")
    menu = await client.get("/teacher/reviews")
    assert 'href="/admin/school"' in menu.text and 'href="/admin/keys"' in menu.text
    page = await client.get("/admin/school")
    assert page.status_code == 200
    assert re.search(r'<a href="/admin/school" aria-current="page">', page.text)
    assert 'value="North High School"' in page.text and 'value="Beginning"' in page.text
    csrf = csrf_of(page.text)

    assert (await client.post("/admin/school", data=profile_form(""))).status_code == 403  # no CSRF token
    r = await client.post("/admin/school", data=profile_form(csrf))
    assert r.status_code == 303 and r.headers["location"] == "/admin/school?done=profile"
    page = await client.get(r.headers["location"])
    assert "The profile is saved." in page.text and 'value="Mastering"' in page.text

    # what badges carry: the Profile at /issuers/north, with the address
    doc = (await client.get("/issuers/north")).json()
    assert doc["url"] == "https://north.example.org" and doc["email"] == "office@north.example.org"
    assert doc["address"]["streetAddress"] == "1 River Road" and doc["address"]["type"] == ["Address"]
    assert doc["description"] == "A public high school by the river."

    # and new rubrics take the school's level words
    r = await client.post("/api/achievements", headers=bearer(seed, "teacher"), json={
        "name": "Lab safety", "description": "Works safely in the lab.", "achievementType": "Competency",
        "rubric": {"criteria": [{"id": "safety", "name": "Safety", "requiredLevel": 3}]}})
    assert r.status_code == 201, r.text
    levels = r.json()["rubric"]["criteria"][0]["levels"]
    assert [lv["name"] for lv in levels] == ["Emerging", "Approaching", "Meeting", "Mastering"]
    assert levels[2]["description"] == "The standard, on their own."


async def test_a_bad_profile_lists_every_problem_and_keeps_what_was_typed(client, seed):
    sign_in_as(client, seed, "school_admin")
    csrf = csrf_of((await client.get("/admin/school")).text)
    r = await client.post("/admin/school", data=profile_form(
        csrf, name="  ", url="north.example", email="not an email", **{"level-2": "", "level-4": "emerging",
                                                                        "level-1": "Emerging"}))
    assert r.status_code == 422
    assert 'class="error-summary"' in r.text
    for field in ("name", "url", "email", "level-2", "level-4"):
        assert f'href="#{field}"' in r.text, field
    assert 'value="north.example"' in r.text and 'value="not an email"' in r.text  # kept
    assert 'value="1 River Road"' in r.text and 'value="emerging"' in r.text
    assert 'aria-invalid="true"' in r.text
    # nothing was saved
    assert (await client.get("/issuers/north")).json()["name"] == "North High School"
    assert "streetAddress" not in (await client.get("/issuers/north")).json().get("address", {})


async def test_a_logo_is_sanitised_served_and_named_in_the_profile(client, seed):
    sign_in_as(client, seed, "school_admin")
    csrf = csrf_of((await client.get("/admin/school")).text)
    svg = (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><script>alert(1)</script>'
           b'<circle cx="5" cy="5" r="4" fill="#2a6"/></svg>')
    r = await client.post("/admin/school/logo", data={"csrf_token": csrf},
                          files={"logo": ("logo.svg", svg, "image/svg+xml")})
    # a script is refused outright, said beside the field
    assert r.status_code in (415, 422) and 'href="#logo"' in r.text
    r = await client.post("/admin/school/logo", data={"csrf_token": csrf},
                          files={"logo": ("logo.txt", b"hello, not an image", "text/plain")})
    assert r.status_code == 415 and "must be a PNG or SVG" in r.text
    r = await client.post("/admin/school/logo", data={"csrf_token": csrf})
    assert r.status_code == 422 and "Choose a PNG or SVG file" in r.text
    assert (await client.get("/issuers/north/logo")).status_code == 404

    r = await client.post("/admin/school/logo", data={"csrf_token": csrf},
                          files={"logo": ("logo.png", PNG, "image/png")})
    assert r.status_code == 303 and "done=logo" in r.headers["location"], re.findall(r"error-summary.*?</ul>", r.text, re.S)
    image = (await client.get("/issuers/north")).json()["image"]["id"]
    assert image.startswith("http://127.0.0.1:8000/issuers/north/logo?v=")
    logo = await client.get(image.removeprefix("http://127.0.0.1:8000"))
    assert logo.status_code == 200 and logo.headers["content-type"] == "image/png"
    assert logo.content.startswith(b"\x89PNG") and "default-src 'none'" in logo.headers["content-security-policy"]
    page = await client.get("/admin/school?done=logo")
    assert "The new logo is saved." in page.text and f'src="{image}"' in page.text


@pytest.mark.parametrize("role", ["teacher", "student"])
async def test_teachers_and_students_may_not_open_the_admin_pages(client, seed, role):
    sign_in_as(client, seed, role)
    for url in ("/admin/school", "/admin/keys", "/admin/keys/rotate"):
        assert (await client.get(url)).status_code == 403, url
    page = await client.get("/")
    assert 'href="/admin/school"' not in (await client.get(page.headers.get("location", "/verify"))).text
    client.cookies.clear()
    r = await client.get("/admin/school", headers={"accept": "text/html"})
    assert r.status_code in (302, 303, 401)


async def test_a_school_admin_works_on_their_own_school_only(client, seed):
    sign_in_as(client, seed, "school_admin")
    assert (await client.get("/admin/school?school=south")).status_code == 404
    assert (await client.get("/admin/school?school=nowhere")).status_code == 404
    csrf = csrf_of((await client.get("/admin/school")).text)
    r = await client.post("/admin/school", data={**profile_form(csrf, name="Taken over"), "school": "south"})
    assert r.status_code == 404
    assert (await client.get("/issuers/south")).json()["name"] == "South High School"
    assert (await client.get("/admin/keys?school=south")).status_code == 404
    r = await client.post("/admin/keys/rotate", data={"csrf_token": csrf, "school": "south"})
    assert r.status_code == 404


async def test_a_district_admin_picks_any_school_of_the_district(client, seed):
    sign_in_as(client, seed, "district_admin")
    page = await client.get("/admin/school")
    assert page.status_code == 200 and 'id="school-picker"' in page.text
    assert 'value="North High School"' in page.text  # the first school when none is named
    page = await client.get("/admin/school?school=south")
    assert 'value="South High School"' in page.text and 'name="school" value="south"' in page.text
    csrf = csrf_of(page.text)
    r = await client.post("/admin/school", data={**profile_form(csrf, name="South High"), "school": "south"})
    assert r.status_code == 303 and r.headers["location"] == "/admin/school?school=south&done=profile"
    assert (await client.get("/issuers/south")).json()["name"] == "South High"
    assert (await client.get("/issuers/north")).json()["name"] == "North High School"


async def test_keys_are_listed_and_rotated_after_a_confirmation(client, seed):
    sign_in_as(client, seed, "school_admin")
    page = await client.get("/admin/keys")
    assert page.status_code == 200
    assert "did:web:127.0.0.1%3A8000:issuers:north" in page.text
    assert page.text.count("Signs new badges") == 1 and "Retired</span>" not in page.text
    before = (await client.get("/issuers/north/did.json")).json()["verificationMethod"]
    assert len(before) == 1

    confirm = await client.get("/admin/keys/rotate")
    assert confirm.status_code == 200 and "Check before you rotate" in confirm.text
    assert before[0]["publicKeyMultibase"][:12] in confirm.text
    assert len((await client.get("/issuers/north/did.json")).json()["verificationMethod"]) == 1  # GET changes nothing
    csrf = csrf_of(confirm.text)
    assert (await client.post("/admin/keys/rotate", data={"school": ""})).status_code == 403  # no CSRF token
    r = await client.post("/admin/keys/rotate", data={"csrf_token": csrf})
    assert r.status_code == 303 and r.headers["location"] == "/admin/keys?done=rotated"
    page = await client.get(r.headers["location"])
    assert "Key rotated" in page.text and page.text.count("Signs new badges") == 1
    assert page.text.count("Retired</span>") == 1
    after = (await client.get("/issuers/north/did.json")).json()["verificationMethod"]
    assert len(after) == 2 and before[0] in after  # the old key stays published

    events = (await client.get("/admin/audit", headers=bearer(seed, "school_admin"))).json()
    assert any(e["action"] == "key.rotate" for e in events)
