"""A transcript carrying external learning (issue 14), verified by Digital Bazaar's JavaScript stack:
the CLR the SERVICE signed, the school's badge inside it and the badge from elsewhere inside it, each
through the documents their issuers serve (the school's did:web document; the other issuer's
did:key document, generated as a did:key resolver does). Bad twins: the external badge altered
inside the record (the record and the badge both fail), and the external badge against another key.

Needs Node and `npm ci --prefix tests/interop`; skipped otherwise.
"""
from __future__ import annotations

import copy
import json
import re
from urllib.parse import unquote

import httpx

from badges.signing import Ed25519Signer, sign
from badges.signing.proofs import format_datetime
from issuer.schools.identity import did_document
from tests.interop.support import BASE, SERVICE_MARKS, requires_node, run_node
from tests.support import NOW
from tests.vectors.build import badge
from tests.web.award_support import award

pytestmark = [*SERVICE_MARKS, *requires_node()]
ELSEWHERE = Ed25519Signer.from_seed(bytes(range(1, 33)))
OTHER = Ed25519Signer.from_seed(bytes(range(2, 34)))


def elsewhere_badge() -> dict:
    issuer = {"id": ELSEWHERE.public_key.did_key, "type": ["Profile"], "name": "Riverside Parks Department",
              "url": "https://parks.elsewhere.example"}
    doc = badge(issuer=issuer, name="Community Garden Volunteer", slug="garden", rubric=False)
    doc.pop("credentialStatus", None)
    return sign(doc, signer=ELSEWHERE, created=NOW)


def did_web_path(did: str) -> str:
    """DIDWEB Read, as a path on our own origin: did:web:host:a:b → /a/b/did.json."""
    segments = did.split(":")[3:]
    return "/" + "/".join(unquote(s) for s in segments) + "/did.json" if segments else "/.well-known/did.json"


def key_document(signer: Ed25519Signer, did: str) -> dict:
    return did_document(did, [signer.public_key.multibase])


async def test_clr_with_external_learning_verifies_in_javascript(seed, platform, platform_settings, db, tmp_path):
    from issuer.app import create_app

    app = create_app(platform_settings, clock=platform.clock, engine=db)
    outside = elsewhere_badge()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        ours = (await award(client, seed))["doc"]
        client.cookies.set("badges_session", seed.session["student"])
        page = (await client.get("/student/backpack/import", headers={"accept": "text/html"})).text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        r = await client.post("/student/backpack/import", data={"csrf_token": csrf, "url": ""},
                              files={"file": ("garden.json", json.dumps(outside).encode(), "application/json")},
                              headers={"accept": "text/html"})
        assert r.status_code == 303, r.text[:500]
        imported = r.headers["location"].split("/")[3].split("?")[0]
        client.cookies.clear()
        r = await client.post("/api/transcripts", headers={"Authorization": f"Bearer {seed.token['student']}"},
                              json={"externalLearning": [imported]})
        assert r.status_code == 201, r.text
        clr = json.loads((await client.get(f"/transcripts/{r.json()['id']}.json")).content)
        did = clr["issuer"]["id"]
        school_did = (await client.get(did_web_path(did))).json()
        lists = {}
        for entry in [ours["credentialStatus"]] if isinstance(ours["credentialStatus"], dict) else ours["credentialStatus"]:
            url = entry["statusListCredential"]
            lists[url] = json.loads((await client.get(httpx.URL(url).path)).content)

    bundled = clr["credentialSubject"]["verifiableCredential"]
    assert bundled == [ours, outside]
    other_did = ELSEWHERE.public_key.did_key
    documents = {did: school_did, other_did: key_document(ELSEWHERE, other_did), **lists}
    impostor = {did: school_did, other_did: key_document(OTHER, other_did)}
    altered = copy.deepcopy(clr)
    altered["credentialSubject"]["verifiableCredential"][1]["credentialSubject"]["achievement"]["name"] = "Surgeon"
    now = format_datetime(NOW)
    cases = [
        {"name": "record", "credential": clr, "documents": documents, "now": now},
        {"name": "school badge inside", "credential": bundled[0], "documents": documents, "now": now},
        {"name": "external badge inside", "credential": bundled[1], "documents": documents, "now": now},
        {"name": "record, external altered", "credential": altered, "documents": documents, "now": now},
        {"name": "external altered", "credential": altered["credentialSubject"]["verifiableCredential"][1],
         "documents": documents, "now": now},
        {"name": "external, another key", "credential": bundled[1], "documents": impostor, "now": now},
    ]
    results = run_node(cases, tmp_path)
    for name in ("record", "school badge inside", "external badge inside"):
        assert results[name]["verified"] is True, (name, results[name]["error"])
    for name in ("record, external altered", "external altered", "external, another key"):
        assert results[name]["verified"] is False, name
