"""VC-API POST /credentials/issue: the happy path, storage byte for byte, and each refusal."""
from __future__ import annotations

import json

import pytest

from badges.signing import DocumentResolver, verify_proof
from badges.status import check_status
from issuer.credentials import repo as credentials_repo
from issuer.db.tables import IssuedCredential
from tests.support import NOW

pytestmark = pytest.mark.anyio

VC_V2 = "https://www.w3.org/ns/credentials/v2"
VC_V1 = "https://www.w3.org/2018/credentials/v1"
ACHIEVEMENT = {"id": "https://example.org/achievements/1", "type": ["Achievement"], "name": "Collaboration",
               "description": "Works with others", "criteria": {"narrative": "Shows it"}}
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

    row = await credentials_repo.issued_credential(credential_id=vc["id"])
    raw = r.content
    assert raw == b'{"verifiableCredential":' + row.document.encode() + b"}"  # byte for byte
    served = await client.get(f"/credentials/{row.uuid}")
    assert served.status_code == 200 and served.content == row.document.encode()
    assert served.headers["content-type"] == "application/vc+ld+json"
    lst = (await client.get("/status/north/message/1")).json()
    assert check_status(vc["credentialStatus"], lst, credential_id=vc["id"]).ok
    assert (await client.get("/status/north/revocation/1")).status_code == 404  # no one-bit list any more


async def test_issue_ob_credential_gets_the_profile_and_one_status_entry_for_both_purposes(client, seed):
    body = {"credential": credential(**{"@context": [VC_V2, OB], "type": ["VerifiableCredential", "OpenBadgeCredential"],
                                        "validFrom": "2026-01-15T10:00:00Z",
                                        "credentialSubject": {"id": "did:example:learner",
                                                              "type": ["AchievementSubject"], "achievement": ACHIEVEMENT}}),
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
    # the same request again (a client retrying) gets the credential already signed, byte for byte
    again = await client.post("/credentials/issue", json=body, headers=bearer(seed))
    assert again.status_code == 200 and again.content == r.content
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
    ("VC 1.1 context without issuanceDate", credential(**{"@context": [VC_V1]}), 400),
    ("VC 1.1 with validFrom", credential(**{"@context": [VC_V1]}, issuanceDate="2026-01-01T00:00:00Z",
                                         validFrom="2026-01-01T00:00:00Z"), 400),
    ("VC 1.1 issuanceDate not a date", credential(**{"@context": [VC_V1]}, issuanceDate="yesterday"), 400),
    ("VC 1.1 expires before issued", credential(**{"@context": [VC_V1]}, issuanceDate="2026-02-01T00:00:00Z",
                                                expirationDate="2026-01-01T00:00:00Z"), 400),
    ("another base context", credential(**{"@context": ["https://www.w3.org/ns/credentials/examples/v2", VC_V2]}),
     422),
    ("issuer null", credential(issuer=None) | {"issuer": None}, 400),
    ("an empty subject among the subjects", credential(credentialSubject=[{"id": "did:example:a"}, {}]), 400),
    ("an empty subject", credential(credentialSubject={}) | {"credentialSubject": [{}]}, 400),
    ("duplicate relatedResource ids", credential(relatedResource=[
        {"id": "https://example.org/r.json", "digestSRI": "sha384-abc"},
        {"id": "https://example.org/r.json", "digestMultibase": "uabc"}]), 400),
    ("OB subject with neither id nor identifier", credential(**{
        "@context": [VC_V2, OB], "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "validFrom": "2026-01-15T10:00:00Z",
        "credentialSubject": {"type": ["AchievementSubject"], "achievement": ACHIEVEMENT}}), 422),
    ("OB achievement without criteria (1EdTech schema)", credential(**{
        "@context": [VC_V2, OB], "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "validFrom": "2026-01-15T10:00:00Z",
        "credentialSubject": {"id": "did:example:learner", "type": ["AchievementSubject"],
                              "achievement": {k: v for k, v in ACHIEVEMENT.items() if k != "criteria"}}}), 422),
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


ACCEPTED = [  # the good twins of the refusals above
    ("several subjects, each with a claim", credential(credentialSubject=[{"id": "did:example:a"},
                                                                         {"name": "Grace"}])),
    ("distinct relatedResource ids", credential(relatedResource=[
        {"id": "https://example.org/r.json", "digestSRI": "sha384-abc"},
        {"id": "https://example.org/s.json", "digestMultibase": "uabc"}])),
    ("OB subject with an identifier instead of an id", credential(**{
        "@context": [VC_V2, OB], "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "validFrom": "2026-01-15T10:00:00Z",
        "credentialSubject": {"type": ["AchievementSubject"], "achievement": ACHIEVEMENT, "identifier": [{
            "type": "IdentityObject", "identityHash": "ada@example.org", "identityType": "emailAddress",
            "hashed": False}]}})),
]


@pytest.mark.parametrize("name, cred", ACCEPTED, ids=[a[0] for a in ACCEPTED])
async def test_issue_accepts(client, seed, name, cred):
    r = await client.post("/credentials/issue", json={"credential": cred}, headers=bearer(seed))
    assert r.status_code == 201, r.text
    assert verify_proof(r.json()["verifiableCredential"], resolver=await _did_resolver(client), now=NOW).verified


async def test_issue_vc_1_1_with_eddsa_rdfc_2022(client, seed):
    """VC 1.1 (v1 context first, issuanceDate) as other VC-API issuers take it; the DI v2 context is
    appended because the v1 context does not define DataIntegrityProof."""
    cred = {"@context": [VC_V1], "id": "urn:uuid:86294362-4254-4f36-854f-3952fe42555d",
            "type": ["VerifiableCredential"], "issuer": DID, "issuanceDate": "2020-03-16T22:37:26.544Z",
            "credentialSubject": {"id": "did:example:learner"}}
    r = await client.post("/credentials/issue", json={"credential": cred}, headers=bearer(seed))
    assert r.status_code == 201, r.text
    vc = r.json()["verifiableCredential"]
    assert vc["@context"] == [VC_V1, "https://w3id.org/security/data-integrity/v2"]
    assert vc["issuanceDate"] == cred["issuanceDate"] and "validFrom" not in vc
    assert (vc["proof"][0]["type"], vc["proof"][0]["cryptosuite"]) == ("DataIntegrityProof", "eddsa-rdfc-2022")
    assert verify_proof(vc, resolver=await _did_resolver(client), now=NOW).verified
    # a VC 1.1 credential that already names the DI context keeps its contexts as given
    named = {**cred, "id": "urn:uuid:1", "@context": [VC_V1, "https://w3id.org/security/data-integrity/v2"]}
    r = await client.post("/credentials/issue", json={"credential": named}, headers=bearer(seed))
    assert r.status_code == 201 and r.json()["verifiableCredential"]["@context"] == named["@context"]
    # bad twins: an undefined term is refused as in VC 2.0, and a status entry (a VC 2.0 term) too
    r = await client.post("/credentials/issue", json={"credential": {**cred, "id": "urn:uuid:2", "colour": "blue"}},
                          headers=bearer(seed))
    assert r.status_code == 422, r.text
    r = await client.post("/credentials/issue", json={"credential": {**cred, "id": "urn:uuid:3"}, "options": {
        "credentialStatus": {"type": "BitstringStatusListEntry"}}}, headers=bearer(seed))
    assert r.status_code == 400 and "VC 2.0" in r.json()["detail"]
    assert await IssuedCredential.count() == 2


async def test_issue_is_idempotent_for_the_same_content_and_409_for_other_content(client, seed):
    cred = credential(id="urn:uuid:0b5e1c7e-3f43-4f0a-9b7e-2a9d6c1e8f00", validFrom="2026-01-01T00:00:00Z")
    first = await client.post("/credentials/issue", json={"credential": cred}, headers=bearer(seed))
    assert first.status_code == 201, first.text
    retry = await client.post("/credentials/issue", json={"credential": cred}, headers=bearer(seed))
    assert retry.status_code == 200 and retry.content == first.content  # the stored bytes, not a new signature
    # what the school filled in (the issuer) may be given explicitly on the retry
    explicit = await client.post("/credentials/issue", json={"credential": {**cred, "issuer": DID}},
                                 headers=bearer(seed))
    assert explicit.status_code == 200 and explicit.content == first.content
    changed = await client.post("/credentials/issue", json={"credential": {
        **cred, "credentialSubject": {"id": "did:example:learner", "name": "Grace"}}}, headers=bearer(seed))
    assert changed.status_code == 409, changed.text
    assert changed.headers["content-type"].startswith("application/problem+json")
    assert "credentialSubject" in changed.json()["detail"] and changed.json()["differs"] == ["credentialSubject"]
    status = await client.post("/credentials/issue", json={"credential": cred, "options": {
        "credentialStatus": {"statusPurpose": "revocation"}}}, headers=bearer(seed))
    assert status.status_code == 409 and "status" in status.json()["detail"]
    assert await IssuedCredential.count() == 1


async def test_issue_retry_with_status_returns_the_same_entry(client, seed):
    body = {"credential": credential(id="urn:uuid:5a0c2f43-0a8e-4b7c-8d4b-6a0e3c9f1d22"),
            "options": {"credentialStatus": {"statusPurpose": "revocation"}}}
    first = await client.post("/credentials/issue", json=body, headers=bearer(seed))
    retry = await client.post("/credentials/issue", json=body, headers=bearer(seed))
    assert (first.status_code, retry.status_code) == (201, 200) and retry.content == first.content
    # every purpose is served by the one two-bit message entry, so asking for other purposes on a
    # retry still names the credential already signed
    other = {**body, "options": {"credentialStatus": {"statusPurpose": ["revocation", "suspension"]}}}
    again = await client.post("/credentials/issue", json=other, headers=bearer(seed))
    assert again.status_code == 200 and again.content == first.content
    bare = {"credential": body["credential"]}  # the bad twin: a retry that asks for no status
    assert (await client.post("/credentials/issue", json=bare, headers=bearer(seed))).status_code == 409


@pytest.mark.parametrize("same", [True, False], ids=["same-content", "other-content"])
async def test_a_request_that_loses_the_race_for_an_id_gets_the_winner_s_answer(client, seed, monkeypatch, same):
    """Two requests with one id both pass the lookup; the loser's insert hits the unique id and
    looks again: a replay (200) or a 409, never a 500 and never a second row."""
    cred = credential(id="urn:uuid:3e1d9c55-2b7a-4f0e-9a61-7c4b8d2e6f10")
    first = await client.post("/credentials/issue", json={"credential": cred}, headers=bearer(seed))
    assert first.status_code == 201
    real = credentials_repo.issued_credential
    calls = []

    async def stale_once(**kwargs):  # the first lookup ran before the winner committed
        calls.append(kwargs)
        return None if len(calls) == 1 else await real(**kwargs)

    monkeypatch.setattr(credentials_repo, "issued_credential", stale_once)
    again = cred if same else {**cred, "credentialSubject": {"id": "did:example:learner", "name": "Grace"}}
    r = await client.post("/credentials/issue", json={"credential": again}, headers=bearer(seed))
    assert len(calls) == 2
    if same:
        assert r.status_code == 200 and r.content == first.content
    else:
        assert r.status_code == 409 and r.json()["differs"] == ["credentialSubject"]
    assert await IssuedCredential.count() == 1


async def test_an_id_issued_by_another_school_is_a_conflict_without_its_content(client, seed):
    from issuer.credentials import vcapi

    cred = credential(id="urn:uuid:9d7e2b1a-4c3f-4e8a-8b6d-1f2e3a4b5c6d")
    await vcapi.issue(seed.ctx, school_id=seed.schools["south"].id, credential=cred, options=None)
    r = await client.post("/credentials/issue", json={"credential": cred}, headers=bearer(seed))
    assert r.status_code == 409 and "another issuer" in r.json()["detail"]
    assert "south" not in r.text


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
    row = await credentials_repo.issued_credential(credential_id=vc["id"])
    html = await client.get(f"/credentials/{row.uuid}", headers={"Accept": "text/html,*/*;q=0.8"},
                            follow_redirects=False)
    assert html.status_code == 303 and html.headers["location"] == f"/badges/{row.uuid}"
    js = await client.get(f"/credentials/{row.uuid}", headers={"Accept": "application/json"})
    assert js.status_code == 200 and json.loads(js.content) == vc
    missing = await client.get("/credentials/00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/problem+json")
