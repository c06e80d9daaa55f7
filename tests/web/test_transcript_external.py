"""External learning on a transcript (issue 14), over HTTP on the full app with its verifier: a
student imports badges from elsewhere, ticks one on the transcript page, and the signed CLR carries
it unchanged, grouped apart, verified (engine and the mounted verifier); the PDF lists it in its own
section after the school's competencies and the school's counts do not move.

Bad twins: another student's import (404), a VC-JWT import (422, with why), an import that no
longer verifies (422, with the verifier's reason, no transcript kept), staff asking for it (422).
"""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from badges import bake
from badges.signing import Ed25519Signer, sign
from badges.signing.jwt import sign_jwt
from badges.transcript import EXTERNAL_LEARNING_ID
from issuer.db.tables import Transcript
from tests.support import NOW
from tests.vectors.build import badge
from tests.web import transcript_support as ts

pytest.importorskip("pypdf")
pytest.importorskip("weasyprint")
pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]
HTML = {"accept": "text/html"}
ELSEWHERE = Ed25519Signer.from_seed(bytes(range(1, 33)))  # a platform that is not ours, on a did:key


@pytest.fixture
def platform_settings(tmp_path, db_url):
    return ts.make_settings(tmp_path, db_url)


@pytest.fixture
async def client(seed, platform, platform_settings, db):
    async with ts.bridged_client(platform, platform_settings, db) as c:
        yield c


@pytest.fixture
async def world(client, seed):
    ids = await ts.seed_student(client, seed)
    await ts.revoke(seed, ids.quadratic)
    return ids


def elsewhere(name: str, slug: str, *, aligned: bool = False, valid_until: str | None = None) -> dict:
    issuer = {"id": ELSEWHERE.public_key.did_key, "type": ["Profile"], "name": "Riverside Parks Department",
              "url": "https://parks.elsewhere.example"}
    doc = badge(issuer=issuer, name=name, slug=slug, rubric=False, valid_until=valid_until)
    doc.pop("credentialStatus", None)
    if aligned:  # it claims a competency: the school's structure must still know nothing of it
        doc["credentialSubject"]["achievement"]["alignment"] = [{
            "type": ["Alignment"], "targetName": "Solve linear equations", "targetCode": "MATH.1",
            "targetUrl": "https://parks.elsewhere.example/competencies/math-1", "targetType": "ext:Competency"}]
    return sign(doc, signer=ELSEWHERE, created=NOW)


async def as_student(client, seed, session: str = "student") -> str:
    client.cookies.clear()
    client.cookies.set("badges_session", seed.session.get(session, session))
    page = (await client.get("/student/transcripts/", headers=HTML)).text
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


async def add(client, csrf: str, data: bytes, name: str) -> str:
    r = await client.post("/student/backpack/import", data={"csrf_token": csrf, "url": ""},
                          files={"file": (name, data, "application/octet-stream")}, headers=HTML)
    assert r.status_code == 303, r.text[:500]
    return r.headers["location"].split("/")[3].split("?")[0]


async def make(client, csrf: str, *chosen: str):
    return await client.post("/student/transcripts/", data={"csrf_token": csrf, "external": list(chosen)},
                             headers=HTML)


async def test_the_student_chooses_and_the_clr_carries_it_unchanged_and_apart(client, seed, world, platform):
    from badges.verification import CheckId

    csrf = await as_student(client, seed)
    garden = elsewhere("Community Garden Volunteer", "garden", aligned=True)
    garden_uuid = await add(client, csrf, json.dumps(garden, indent=1).encode(), "garden.json")
    baked = elsewhere("First Aid", "first-aid")
    from issuer.credentials.sharing import default_png

    aid_uuid = await add(client, csrf, bake.bake_png(default_png("Aid"), json.dumps(baked)), "aid.png")
    jwt_uuid = await add(client, csrf, sign_jwt(elsewhere("Bike Shop", "bike"), signer=ELSEWHERE).encode(), "b.jws")

    # the page offers the two JSON badges (none ticked) and says why the token cannot go in
    page = (await client.get("/student/transcripts/", headers=HTML)).text
    assert f'name="external" value="{garden_uuid}">' in page and f'value="{aid_uuid}">' in page
    assert f'value="{jwt_uuid}"' not in page and "compact token (VC-JWT)" in page
    assert "External learning (optional)" in page and " checked" not in page.split('id="external"')[1][:3000]

    # default none: the transcript is as before
    r = await make(client, csrf)
    assert r.status_code == 303
    plain = json.loads((await client.get(r.headers["location"] + ".json")).content)
    assert len(plain["credentialSubject"]["verifiableCredential"]) == 3
    assert EXTERNAL_LEARNING_ID not in json.dumps(plain)

    r = await make(client, csrf, garden_uuid, aid_uuid)
    assert r.status_code == 303, r.text[:800]
    t_id = r.headers["location"].rsplit("/", 1)[1]
    clr_json = (await client.get(f"/transcripts/{t_id}.json")).content.decode()
    clr = json.loads(clr_json)
    bundled = clr["credentialSubject"]["verifiableCredential"]
    assert len(bundled) == 5 and bundled[3] == garden and bundled[4] == baked  # unchanged, after the school's
    assert bundled[3]["issuer"]["name"] == "Riverside Parks Department"
    links = clr["credentialSubject"]["association"]
    ach = garden["credentialSubject"]["achievement"]["id"]
    assert [a["associationType"] for a in links if a["sourceId"] == ach] == ["isPartOf"]
    nodes = clr["credentialSubject"]["achievement"]
    assert not any("parks.elsewhere.example" in json.dumps(n.get("alignment", [])) for n in nodes)

    report = await ts.engine_verify(client, clr_json, now=platform.clock.now())
    assert report.verified, [(c.id, c.message) for c in report.failures]
    assert report.check(CheckId.NESTED).outcome == "pass" and len(report.nested) == 5
    assert all(n.verified for n in report.nested)
    session = dict(client.cookies)
    client.cookies.clear()  # the public verifier, as anyone
    r = await client.post("/verify", content=clr_json, headers={"content-type": "application/json"})
    client.cookies.update(session)
    assert r.status_code == 200 and r.json()["verified"] is True and len(r.json()["nested"]) == 5

    # the PDF: its own section after the school's, the school's count unchanged (3 badges)
    pdf = (await client.get(f"/transcripts/{t_id}.pdf")).content
    text = ts.pdf_text(pdf)
    heading = "External learning (verified, issued by others)"
    assert heading in text and "BADGES INCLUDED 3" in text and "EXTERNAL LEARNING 2 from other issuers" in text
    school_part, external_part = text.split(heading, 1)
    assert text.index("Extended learning") < text.index(heading)
    assert "Community Garden" not in school_part and "First Aid" not in school_part
    for words in ("Community Garden Volunteer", "First Aid", "Riverside Parks Department", "Verified"):
        assert words in external_part, words
    html = (await client.get(f"/transcripts/{t_id}", headers=HTML)).text
    assert heading in html and "3 badges · 2 from other issuers" in html

    # staff make transcripts without it, and cannot ask for it
    teacher = ts.bearer(seed.token["teacher"])
    client.cookies.clear()
    r = await client.post("/api/transcripts", headers=teacher,
                          json={"student": seed.users[("north", "student", 0)]["id"], "externalLearning": [garden_uuid]})
    assert r.status_code == 422 and "only the student" in r.text


async def test_refusals_another_students_a_token_and_one_that_no_longer_verifies(client, seed, world, platform):
    from issuer.accounts import service as accounts

    other = await accounts.create_session(seed.ctx, seed.users[("north", "student", 1)]["id"])
    csrf = await as_student(client, seed, other)
    theirs = await add(client, csrf, json.dumps(elsewhere("Chess Club", "chess")).encode(), "chess.json")

    csrf = await as_student(client, seed)
    # valid for an hour more at its issuer: then it no longer verifies
    until = (NOW + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    mine = await add(client, csrf, json.dumps(elsewhere("Community Garden Volunteer", "garden",
                                                        valid_until=until)).encode(), "g.json")
    token = await add(client, csrf, sign_jwt(elsewhere("Bike Shop", "bike"), signer=ELSEWHERE).encode(), "b.jws")
    before = await Transcript.count()

    r = await make(client, csrf, theirs)
    assert r.status_code == 404
    r = await make(client, csrf, "not-a-uuid")
    assert r.status_code == 404
    r = await make(client, csrf, token)
    assert r.status_code == 422 and "compact token (VC-JWT)" in r.text and "There is a problem" in r.text

    platform.clock.advance(hours=2)
    r = await make(client, csrf, mine)
    assert r.status_code == 422 and "does not verify now" in r.text and "expired" in r.text, r.text[:1500]
    assert f'value="{mine}"' not in r.text  # the page no longer offers it, and says why
    assert await Transcript.count() == before  # nothing half-made

    # the JSON API answers with problem details
    r = await client.post("/api/transcripts", headers=ts.bearer(seed.token["student"]),
                          json={"externalLearning": [theirs]})
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
