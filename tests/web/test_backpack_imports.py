"""Badges from elsewhere in the student's backpack (issue 14): each format a student may bring (a
JSON file, a compact JWS, a baked PNG and SVG, an https link) is verified on import, kept byte for
byte, shown "from <issuer>" with a verdict checked again when shown, and never counted as the
school's. Bad twins: a tampered badge, something that is not a badge, an oversized file, an http
link, a link that answers nothing, a badge our own school issued, another student's import.
"""
from __future__ import annotations

import json
import re

import httpx
import pytest

from badges import bake
from badges.signing.jwt import sign_jwt
from issuer.db.tables import ImportedBadge
from tests.support import BASE_URL
from tests.web.award_support import award
from tests.web.elsewhere_support import ELSEWHERE, elsewhere_badge

pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]

HTML = {"accept": "text/html"}
LINK = "https://badges.elsewhere.example/assertions/42"
OB2 = "https://badges.elsewhere.example/ob2/assertions/9"  # an Open Badges 2.0 hosted assertion
OB2_BADGE, OB2_ISSUER = "https://badges.elsewhere.example/ob2/badge", "https://badges.elsewhere.example/ob2/issuer"
OB2_DOCS = {
    OB2: {"@context": "https://w3id.org/openbadges/v2", "type": "Assertion", "id": OB2, "badge": OB2_BADGE,
          "recipient": {"type": "email", "hashed": False, "identity": "north-student-0@example.org"},
          "verification": {"type": "hosted"}, "issuedOn": "2025-05-01T00:00:00Z"},
    OB2_BADGE: {"@context": "https://w3id.org/openbadges/v2", "type": "BadgeClass", "id": OB2_BADGE,
                "name": "Junior Lifeguard", "issuer": OB2_ISSUER},
    OB2_ISSUER: {"@context": "https://w3id.org/openbadges/v2", "type": "Issuer", "id": OB2_ISSUER,
                 "name": "Riverside Pools"},
}


def png_bytes() -> bytes:
    from issuer.credentials.sharing import default_png

    return default_png("Garden")


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'


@pytest.fixture
async def client(seed, platform_settings, platform, db):
    """The full app, its verifier reaching a fake web that serves one badge at LINK."""
    from issuer.app import VerifierOptions, create_app

    served = json.dumps(elsewhere_badge("Online Course: Statistics")).encode()

    def web(request: httpx.Request) -> httpx.Response:
        if str(request.url) == LINK:
            return httpx.Response(200, content=served, headers={"content-type": "application/vc+ld+json"})
        if str(request.url) in OB2_DOCS:
            return httpx.Response(200, json=OB2_DOCS[str(request.url)])
        return httpx.Response(404)

    app = create_app(platform_settings, clock=platform.clock, engine=db,
                     verifier_options=VerifierOptions(transport=httpx.MockTransport(web),
                                                      resolve_host=lambda host, port: ["93.184.215.14"]))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as c:
        c.served = served
        yield c


async def as_student(client, seed, who: str = "student") -> str:
    client.cookies.clear()
    client.cookies.set("badges_session", seed.session.get(who, who))
    page = (await client.get("/student/backpack/import", headers=HTML)).text
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


async def add(client, csrf: str, *, data: bytes | None = None, name: str = "badge.json", url: str = ""):
    files = {"file": (name, data or b"", "application/octet-stream")} if data is not None else None
    return await client.post("/student/backpack/import", data={"csrf_token": csrf, "url": url}, files=files,
                             headers=HTML)


async def test_each_format_is_verified_kept_byte_for_byte_and_shown_from_its_issuer(client, seed):
    csrf = await as_student(client, seed)
    doc = elsewhere_badge()
    as_json = json.dumps(doc, indent=1).encode()
    as_jwt = sign_jwt(elsewhere_badge("Internship: Bike Shop"), signer=ELSEWHERE).encode()
    as_png = bake.bake_png(png_bytes(), json.dumps(elsewhere_badge("First Aid")))
    as_svg = bake.bake_svg(SVG, json.dumps(elsewhere_badge("Debate Club")))
    kept = {}
    for data, name in ((as_json, "garden.json"), (as_jwt, "bike.jws"), (as_png, "aid.png"), (as_svg, "debate.svg")):
        r = await add(client, csrf, data=data, name=name)
        assert r.status_code == 303, (name, r.text[:500])
        uuid = r.headers["location"].split("/")[3].split("?")[0]
        kept[name] = uuid
        page = (await client.get(r.headers["location"], headers=HTML)).text
        assert "From Riverside Parks Department" in page and "Verified" in page
        original = await client.get(f"/student/backpack/{uuid}/original")
        assert original.content == data  # byte for byte as given
    r = await add(client, csrf, url=LINK)
    assert r.status_code == 303, r.text[:500]
    uuid = r.headers["location"].split("/")[3].split("?")[0]
    assert (await client.get(f"/student/backpack/{uuid}/original")).content == client.served

    mine = (await client.get("/student/badges", headers=HTML)).text
    for title in ("Community Garden Volunteer", "Internship: Bike Shop", "First Aid", "Debate Club",
                  "Online Course: Statistics"):
        assert title in mine
    assert mine.count("from Riverside Parks Department") == 5
    # the same file again is the same badge, not a second one
    assert (await add(client, csrf, data=as_json, name="again.json")).status_code == 303
    assert await ImportedBadge.count() == 5
    # never the school's: the learning map and the school's badge groups know nothing of them
    progress = (await client.get("/student/progress", headers=HTML)).text
    assert "Community Garden Volunteer" not in progress and "Riverside Parks" not in progress
    school_part = mine.split('id="elsewhere"')[0]
    assert "Community Garden Volunteer" not in school_part

    # another student sees none of it; the owner can take one out
    other = await as_student(client, seed, await _other_student_session(seed))
    assert other
    assert (await client.get(f"/student/backpack/{kept['garden.json']}", headers=HTML)).status_code == 404
    csrf = await as_student(client, seed)
    r = await client.post(f"/student/backpack/{kept['garden.json']}/remove", data={"csrf_token": csrf}, headers=HTML)
    assert r.status_code == 303 and await ImportedBadge.count() == 4


async def _other_student_session(seed) -> str:
    from issuer.accounts import service as accounts

    return await accounts.create_session(seed.ctx, seed.users[("north", "student", 1)]["id"])


async def test_what_does_not_verify_is_refused_with_the_reason_and_nothing_is_kept(client, seed):
    csrf = await as_student(client, seed)
    tampered = elsewhere_badge()
    tampered["name"] = "Certified Astronaut"
    cases = [
        (dict(data=json.dumps(tampered).encode()), "does not verify"),
        (dict(data=b"just some words, not a badge", name="notes.txt"), "not a badge"),
        (dict(data=b"{" + b" " * 2_100_000 + b"}"), "larger"),
        (dict(data=b""), "empty"),
        (dict(), "file or a link"),
        (dict(url="http://badges.elsewhere.example/assertions/42"), "https://"),
        (dict(url="https://badges.elsewhere.example/missing"), ""),
    ]
    for kwargs, words in cases:
        r = await add(client, csrf, **kwargs)
        assert 400 <= r.status_code < 500, (kwargs.keys(), r.status_code)
        assert "There is a problem" in r.text and words in r.text, (words, r.text[:800])
    # a badge our own school issued is in My badges already, not "from elsewhere"
    ours = await award(client, seed)
    csrf = await as_student(client, seed)
    r = await add(client, csrf, data=ours["raw"])
    assert r.status_code == 422 and "issued by a school on this platform" in r.text
    assert await ImportedBadge.count() == 0


async def test_my_data_carries_them_and_an_erasure_takes_them_away(client, seed):
    import io
    import zipfile

    csrf = await as_student(client, seed)
    data = json.dumps(elsewhere_badge("Lifeguard")).encode()
    assert (await add(client, csrf, data=data, name="lifeguard.json")).status_code == 303
    archive = await client.get("/student/data/archive.zip")
    assert archive.status_code == 200, archive.text[:300]
    with zipfile.ZipFile(io.BytesIO(archive.content)) as z:
        kept = [n for n in z.namelist() if n.startswith("elsewhere/")]
        assert len(kept) == 1 and z.read(kept[0]) == data

    from issuer.accounts import service as accounts
    from issuer.portfolio import privacy

    principal = await accounts.principal_for_session(seed.ctx, seed.session["school_admin"])
    assert principal is not None
    student_id = seed.users[("north", "student", 0)]["id"]
    plan = await privacy.erasure_plan(seed.ctx, principal, student_id)
    assert plan.delete["badgesFromElsewhere"] == 1
    await privacy.erase(seed.ctx, principal, student_id)
    assert await ImportedBadge.count() == 0


async def test_an_open_badges_2_hosted_assertion_is_accepted_and_marked_as_such(client, seed):
    csrf = await as_student(client, seed)
    r = await add(client, csrf, url=OB2)
    assert r.status_code == 303, r.text[:600]
    page = (await client.get(r.headers["location"], headers=HTML)).text
    assert "Junior Lifeguard" in page and "From Riverside Pools" in page
    assert "Open Badges 2.0 (hosted)" in page and "Verified" in page
    # the bad twin: a 2.0 assertion whose issuer's copy is gone is refused, with the 2.0 reason
    OB2_DOCS["https://badges.elsewhere.example/ob2/assertions/10"] = {
        **OB2_DOCS[OB2], "id": "https://badges.elsewhere.example/ob2/assertions/10"}
    hosted_copy = OB2_DOCS.pop("https://badges.elsewhere.example/ob2/assertions/10")
    file = json.dumps(hosted_copy).encode()
    r = await add(client, csrf, data=file, name="old-badge.json")
    assert r.status_code == 422 and "issuer" in r.text and "copy" in r.text
