"""VC-API POST /credentials/issue: the happy path, storage byte for byte, and each refusal."""
from __future__ import annotations

import json

import pytest

from badges.signing import DocumentResolver, verify_proof
from badges.status import check_status
from issuer.db import repo_platform as repo
from issuer.db.tables import IssuedCredential
from tests.conftest import NOW
from tests.platform_fixtures import *  # noqa: F401,F403

pytestmark = pytest.mark.anyio

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
DID = "did:web:127.0.0.1%3A8000:issuers:north"


def credential(**changes):
    base = {"@context": [VC_V2], "type": ["VerifiableCredential"],
            "credentialSubject": {"id": "did:example:learner", "name": "Ada"}}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def bearer(seed):
    return {"Authorization": f"Bearer {seed.school_token}"}


async def _did_resolver(client):
    doc = (await client.get("/issuers/north/did.json")).json()
    return DocumentResolver({doc["id"]: doc})


async def test_issue_happy_path(client, seed):
    body = {"credential": credential(validFrom="2026-01-01T00:00:00Z"),
            "options": {"credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"}}}
    r = await client.post("/credentials/issue", json=body, headers=bearer(seed))
    assert r.status_code == 201, r.text
    vc = r.json()["verifiableCredential"]
    assert vc["issuer"] == DID  # filled in (bare id: a plain VC 2.0 has no Profile terms)
    assert vc["id"].startswith("urn:uuid:")
    # whatever purpose is asked for, the one two-bit entry that covers revoke and suspend/reinstate
    assert vc["credentialStatus"]["statusListCredential"] == "http://127.0.0.1:8000/status/north/message/1"
    assert vc["credentialStatus"]["statusPurpose"] == "message" and vc["credentialStatus"]["statusSize"] == 2
    proof = vc["proof"][0]
    assert (proof["type"], proof["cryptosuite"], proof["proofPurpose"]) == (
        "DataIntegrityProof", "eddsa-rdfc-2022", "assertionMethod")
    assert proof["verificationMethod"].startswith(DID + "#z6Mk")
    assert verify_proof(vc, resolver=await _did_resolver(client), now=NOW).verified

    row = await repo.issued_credential(credential_id=vc["id"])
    raw = r.content
    assert raw == b'{"verifiableCredential":' + row["document"].encode() + b"}"  # byte for byte
    served = await client.get(f"/credentials/{row['uuid']}")
    assert served.status_code == 200 and served.content == row["document"].encode()
    assert served.headers["content-type"] == "application/vc+ld+json"
    lst = (await client.get("/status/north/message/1")).json()
    assert check_status(vc["credentialStatus"], lst, credential_id=vc["id"]).ok
    assert (await client.get("/status/north/revocation/1")).status_code == 404  # no one-bit list any more


async def test_issue_ob_credential_gets_the_profile_and_one_status_entry_for_both_purposes(client, seed):
    body = {"credential": credential(**{"@context": [VC_V2, OB], "type": ["VerifiableCredential", "OpenBadgeCredential"],
                                        "credentialSubject": {"type": ["AchievementSubject"], "achievement": {
                                            "id": "https://example.org/achievements/1", "type": ["Achievement"],
                                            "name": "Collaboration", "description": "Works with others",
                                            "criteria": {"narrative": "Shows it"}}}}),
            "options": {"credentialId": "urn:uuid:6c0f1b1e-8a2f-4bb0-9f4e-0a1b2c3d4e5f",
                        "credentialStatus": {"statusPurpose": ["revocation", "suspension"]}}}
    r = await client.post("/credentials/issue", json=body, headers=bearer(seed))
    assert r.status_code == 201, r.text
    vc = r.json()["verifiableCredential"]
    assert vc["id"] == "urn:uuid:6c0f1b1e-8a2f-4bb0-9f4e-0a1b2c3d4e5f"
    assert vc["issuer"]["id"] == DID and vc["issuer"]["type"] == ["Profile"] and vc["issuer"]["name"] == "North High School"
    # one object (the OB 3.0 schema allows no array), and it serves both purposes
    assert isinstance(vc["credentialStatus"], dict) and vc["credentialStatus"]["statusPurpose"] == "message"
    assert verify_proof(vc, resolver=await _did_resolver(client), now=NOW).verified
    # the same id again is a conflict, and nothing more is stored
    again = await client.post("/credentials/issue", json=body, headers=bearer(seed))
    assert again.status_code == 409
    assert await IssuedCredential.count() == 1


async def test_issuer_given_as_this_school_is_accepted(client, seed):
    for issuer in (DID, {"id": DID, "name": "North"}, {"name": "North"}):
        r = await client.post("/credentials/issue", json={"credential": credential(issuer=issuer)}, headers=bearer(seed))
        assert r.status_code == 201, (issuer, r.text)
        got = r.json()["verifiableCredential"]["issuer"]
        assert (got if isinstance(got, str) else got["id"]) == DID


REFUSALS = [
    ("issuer not a URL", credential(issuer="North High"), 400),
    ("issuer object id not a URL", credential(issuer={"id": "north"}), 400),
    ("another issuer", credential(issuer="did:web:example.org"), 400),
    ("credentialSchema without type", credential(credentialSchema={"id": "https://example.org/schema.json"}), 400),
    ("credentialSchema without id", credential(credentialSchema={"type": "JsonSchema"}), 400),
    ("refreshService without type", credential(refreshService={"id": "https://example.org/refresh"}), 400),
    ("credentialStatus without type", credential(credentialStatus={"id": "https://example.org/status#1"}), 400),
    ("evidence without type", credential(evidence=[{"id": "https://example.org/e"}]), 400),
    ("relatedResource without digest", credential(relatedResource=[{"id": "https://example.org/r.json"}]), 400),
    ("relatedResource id not a URL", credential(relatedResource=[{"id": "r.json", "digestSRI": "sha384-abc"}]), 400),
    ("relatedResource not an object", credential(relatedResource=["https://example.org/r.json"]), 400),
    ("id not a URL", credential(id="not a url"), 400),
    ("no VerifiableCredential type", credential(type=["OpenBadgeCredential"]), 400),
    ("no credentialSubject", credential(credentialSubject=None), 400),
    ("validFrom without zone", credential(validFrom="2026-01-01T00:00:00"), 400),
    ("validFrom after validUntil", credential(validFrom="2026-02-01T00:00:00Z", validUntil="2026-01-01T00:00:00Z"), 400),
    ("VC 1.1 issuanceDate", credential(issuanceDate="2026-01-01T00:00:00Z"), 400),
    ("missing @context", credential(**{"@context": None}), 422),
    ("VC 1.1 context", credential(**{"@context": ["https://www.w3.org/2018/credentials/v1"]}), 422),
    ("unknown context", credential(**{"@context": [VC_V2, "https://example.org/ctx.jsonld"]}), 422),
    ("undefined term", credential(credentialSubject={"id": "did:example:learner", "favouriteColour": "blue"}), 422),
    ("undefined top-level term", credential(colour="blue"), 422),
]


@pytest.mark.parametrize("name, cred, status", REFUSALS, ids=[r[0] for r in REFUSALS])
async def test_issue_refusals(client, seed, name, cred, status):
    r = await client.post("/credentials/issue", json={"credential": cred}, headers=bearer(seed))
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["status"] == status and problem["type"].startswith("https://") and problem["detail"]
    assert await IssuedCredential.count() == 0


@pytest.mark.parametrize("body", [b"not json", b'{"options": {}}', b'{"credential": "x"}', b"[]"])
async def test_issue_malformed_requests(client, seed, body):
    r = await client.post("/credentials/issue", content=body,
                          headers={**bearer(seed), "Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_issue_bad_options(client, seed):
    for options in ({"credentialStatus": {"statusPurpose": "refresh"}},
                    {"credentialStatus": {"type": "StatusList2021Entry"}},
                    {"credentialId": "nope"}):
        r = await client.post("/credentials/issue", json={"credential": credential(), "options": options},
                              headers=bearer(seed))
        assert r.status_code == 400, (options, r.text)
    assert await IssuedCredential.count() == 0


async def test_credential_content_negotiation(client, seed):
    r = await client.post("/credentials/issue", json={"credential": credential()}, headers=bearer(seed))
    vc = r.json()["verifiableCredential"]
    row = await repo.issued_credential(credential_id=vc["id"])
    html = await client.get(f"/credentials/{row['uuid']}", headers={"Accept": "text/html,*/*;q=0.8"},
                            follow_redirects=False)
    assert html.status_code == 303 and html.headers["location"] == f"/badges/{row['uuid']}"
    js = await client.get(f"/credentials/{row['uuid']}", headers={"Accept": "application/json"})
    assert js.status_code == 200 and json.loads(js.content) == vc
    missing = await client.get("/credentials/00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/problem+json")
