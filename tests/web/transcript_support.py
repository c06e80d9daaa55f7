"""A student with academic, habits-of-work and ELO badges, seeded through the real services over
HTTP (frameworks → achievements → evidence → reviews at the threshold → mentor attestation), on
the full issuer app (``create_app``) with the verifier mounted. Used by the transcript tests.

The base URL is https (``https://school.example``): the verifier follows only https links, and the
QR code on the transcript must lead to a page that verifies. The mounted verifier's network is an
``httpx.MockTransport`` that hands each request to the same app in-process (a fake DNS answers
with a public address), so it resolves did:web documents and status lists as it would live.
"""
from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import SimpleNamespace
from urllib.parse import urlsplit

import anyio.from_thread
import httpx

from tests.support import NOW

BASE = "https://school.example"
RUBRIC = {"name": "Rubric", "criteria": [{"id": "plan", "name": "Planning", "requiredLevel": 3},
                                         {"id": "analysis", "name": "Analysis", "requiredLevel": 3}]}


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def make_settings(tmp_path, db_url):
    from issuer.settings import Settings
    from tests.support import TEST_KEK

    return Settings(base_url=BASE, data_dir=tmp_path, database_url=db_url, key_encryption_key=TEST_KEK)


def bridge(get_client):
    """The verifier's network: requests for our host go to the app itself, in-process."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host != urlsplit(BASE).hostname:
            return httpx.Response(404)
        path = request.url.raw_path.decode("ascii")

        async def get():
            return await get_client().get(path, headers={"accept": request.headers.get("accept", "*/*")})

        r = anyio.from_thread.run(get)
        return httpx.Response(r.status_code, headers={"content-type": r.headers.get("content-type", "")},
                              content=r.content)

    return httpx.MockTransport(handler)


def make_app(settings, clock, engine, holder: dict):
    from issuer.app import create_app
    from verifier.config import VerifierConfig
    from verifier.service import VerifierService

    app = create_app(settings, clock=clock, engine=engine)
    # Fresh answers every time: the tests revoke badges between two verifications.
    config = VerifierConfig(transport=bridge(lambda: holder["client"]), resolve_host=lambda h, p: ["93.184.216.34"],
                            clock=clock.now, cache_ttl=0.0, max_cache_ttl=0.0, report_cache_ttl=0.0,
                            time_budget=30.0)
    app.state["verifier_service"] = VerifierService(config)
    return app


class AppClient(httpx.AsyncClient):
    """An httpx client on one app, in-process; ``ctx`` is that app's ``IssuerContext`` (with the
    verifier the app mounts, ``ctx.verify``)."""

    def __init__(self, app, **kwargs) -> None:
        super().__init__(transport=httpx.ASGITransport(app=app), **kwargs)
        self.ctx = app.state["ctx"]


@asynccontextmanager
async def bridged_client(platform, settings, engine) -> AsyncIterator[AppClient]:
    """The full app (``make_app``) over httpx in this event loop, its verifier bridged to itself.

    With ``make_settings`` it replaces two platform fixtures (``platform_settings``, ``client``) in a
    transcript test module: the https base URL, and this client.
    """
    holder: dict = {}
    app = make_app(settings, platform.clock, engine, holder)
    async with AppClient(app, base_url=BASE) as c:
        holder["client"] = c
        yield c


async def learner(seed, n: int = 0):
    """North's student ``n`` as the transcript use cases take a learner (``LearnerRow``)."""
    from issuer.transcripts import repo

    return await repo.learner(seed.users[("north", "student", n)]["id"])


async def framework(client, headers, kind, name, competencies):
    r = await client.post("/api/frameworks", headers=headers, json={
        "kind": kind, "name": name, "competencies": [{"code": c, "name": n} for c, n in competencies]})
    assert r.status_code == 201, r.text
    return {c["code"]: c["id"] for c in r.json()["competencies"]}


async def achievement(client, headers, name, *, area, comps, subject=""):
    r = await client.post("/api/achievements", headers=headers, json={
        "name": name, "description": f"{name}: shows the competency in real work.", "criteria": "Both at Proficient.",
        "rubric": RUBRIC, "alignments": comps, "area": area, "subject": subject})
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def earn(client, student, teacher, achievement_id, ratings, narrative="My work"):
    r = await client.post("/api/submissions", headers=student, data={"achievement": achievement_id,
                                                                     "narrative": narrative})
    assert r.status_code == 201, r.text
    r = await client.post(f"/api/submissions/{r.json()['id']}/reviews", headers=teacher, json={"ratings": ratings})
    assert r.status_code == 200 and r.json()["status"] == "awarded", r.text
    return r.json()["credential"]["uuid"]


async def earn_elo(client, student, teacher, achievement_id):
    r = await client.post("/api/elos", headers=student, json={
        "achievement": achievement_id, "partnerOrg": "River Lab", "mentorName": "Dr. Rivera",
        "mentorEmail": "rivera@riverlab.example", "goals": "Sample water quality", "hours": 40,
        "startDate": "2025-09-01", "endDate": "2025-12-01", "competencies": []})
    assert r.status_code == 201, r.text
    r = await client.post(f"/api/elos/{r.json()['id']}/decision", headers=teacher, json={"approve": True})
    path = urlsplit(r.json()["mentorLink"]).path
    page = await client.get(path)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = await client.post(path, data={"statement": "Reliable, careful sampling every week", "hours": "38",
                                      "confirm": "yes", "csrf_token": csrf})
    assert r.status_code == 200, r.text
    queue = (await client.get("/api/reviews/queue", headers=teacher)).json()
    sub = next(q for q in queue if q["kind"] == "elo")
    r = await client.post(f"/api/submissions/{sub['id']}/reviews", headers=teacher,
                          json={"ratings": {"plan": 3, "analysis": 4}})
    assert r.status_code == 200 and r.json()["status"] == "awarded", r.text
    return r.json()["credential"]["uuid"]


async def seed_student(client, seed) -> SimpleNamespace:
    """North's first student earns four badges; the quadratic one is then revoked."""
    teacher, student = bearer(seed.token["teacher"]), bearer(seed.token["student"])
    math = await framework(client, teacher, "academic", "Mathematics standards",
                           [("MATH.1", "Solve linear equations"), ("MATH.2", "Model with quadratic functions")])
    habits = await framework(client, teacher, "habits", "Habits of work", [("HOW.COLLAB", "Collaborates")])
    elo = await framework(client, teacher, "elo", "Extended learning", [("ELO.WORK", "Applies learning at work")])
    ids = SimpleNamespace()
    linear = await achievement(client, teacher, "Linear Equations", area="academic", subject="Mathematics",
                               comps=[math["MATH.1"]])
    quadratic = await achievement(client, teacher, "Quadratic Modelling", area="academic", subject="Mathematics",
                                  comps=[math["MATH.2"]])
    collab = await achievement(client, teacher, "Team Player", area="habits", comps=[habits["HOW.COLLAB"]])
    work = await achievement(client, teacher, "Workplace Learning", area="elo", comps=[elo["ELO.WORK"]])
    ids.linear = await earn(client, student, teacher, linear, {"plan": 4, "analysis": 4})
    ids.quadratic = await earn(client, student, teacher, quadratic, {"plan": 3, "analysis": 3})
    ids.collab = await earn(client, student, teacher, collab, {"plan": 3, "analysis": 3})
    ids.elo = await earn_elo(client, student, teacher, work)
    return ids


async def revoke(seed, credential_uuid):
    from issuer.credentials import repo as credentials_repo
    from issuer.credentials import status

    row = await credentials_repo.get_credential(credential_uuid)
    await status.revoke(seed.ctx, row.id, reason="Work was not the student's own",
                        actor_id=seed.users[("north", "school_admin", 0)]["id"])


def pdf_text(pdf: bytes) -> str:
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def replace_attachment(pdf: bytes, new: bytes) -> bytes:
    import pypdf

    writer = pypdf.PdfWriter(clone_from=io.BytesIO(pdf))
    spec = writer.root_object["/Names"]["/EmbeddedFiles"]["/Names"][1].get_object()
    spec["/EF"]["/F"].get_object().set_data(new)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def page_one_qr_codes(pdf: bytes) -> list[str]:
    """Decoded from the rendered page image (poppler's pdftoppm, then zxing-cpp)."""
    import zxingcpp
    from PIL import Image

    assert shutil.which("pdftoppm"), "poppler-utils (pdftoppm) is needed to rasterise the page"
    png = subprocess.run(["pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-png", "-"], input=pdf,
                         capture_output=True, check=True).stdout
    return [b.text for b in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


async def engine_verify(client, clr_json: str, now=NOW):
    """``badges.verification`` directly, over the DID documents and status lists the app serves."""
    from badges.errors import ResolutionError
    from badges.signing import ChainResolver, DidKeyResolver, DocumentResolver
    from badges.verification import verify_credential

    clr = json.loads(clr_json)
    docs, lists = {}, {}
    for doc in [clr, *clr["credentialSubject"]["verifiableCredential"]]:
        did = doc["issuer"]["id"]
        if did not in docs and not did.startswith("did:key:"):  # a did:key resolves itself (external learning)
            slug = did.rsplit(":", 1)[-1]
            r = await client.get(f"/issuers/{slug}/did.json")
            assert r.status_code == 200
            docs[did] = r.json()
        entries = doc.get("credentialStatus") or []
        for entry in entries if isinstance(entries, list) else [entries]:
            url = entry["statusListCredential"]
            r = await client.get(urlsplit(url).path)
            assert r.status_code == 200
            lists[url] = json.loads(r.content)

    def fetch(url):
        if url not in lists:
            raise ResolutionError(f"not served: {url}")
        return lists[url]

    return verify_credential(clr_json, now=now, resolver=ChainResolver(DidKeyResolver(), DocumentResolver(docs)),
                             fetch_document=fetch)
