"""The verifier over HTTP (Litestar AsyncTestClient; the network is an httpx.MockTransport).

Every input form, every signed reference example, a bad twin for every check (each asserting
the named check that failed), SSRF refusals, malformed input → 4xx problem details, CLRs.
"""
from __future__ import annotations

import copy
import json
from datetime import timedelta
from pathlib import Path

import anyio
import httpx
import pytest
from litestar.testing import AsyncTestClient

from badges.signing import jwt
from tests.support import NOW
from tests.verifier.factory import (
    ISSUER,
    REVOKED_INDEX,
    STATUS_REVOCATION,
    SUSPENDED_INDEX,
    TINY_PNG,
    TINY_SVG,
    World,
    fake_dns,
    pdf_with_attachment,
)
from verifier.app import create_app

pytestmark = pytest.mark.anyio
PROBLEMS = "https://openbadges.school/problems/"
STATUS_PROBLEMS = "https://www.w3.org/ns/credentials/status-list#"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
async def client(world):
    async with AsyncTestClient(app=create_app(world.config())) as client:
        yield client


async def vc_verify(client, credential) -> httpx.Response:
    return await client.post("/credentials/verify", json={"verifiableCredential": credential,
                                                          "options": {"checks": ["proof"]}})


def outcome(body: dict, check: str) -> str:
    return next(r["outcome"] for r in body["results"] if r["id"] == check)


def failed(body: dict) -> set[str]:
    return {r["id"] for r in body["results"] if r["outcome"] == "fail"}


def problem(body: dict, check: str) -> str:
    return next(r["problemType"] for r in body["results"] if r["id"] == check)


# ---- the good path, in every input form -------------------------------------------------------------

async def test_vc_api_verifies_a_full_featured_badge(client, world):
    response = await vc_verify(client, world.badge())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["verified"] is True
    assert {"proof", "issuer_key", "status", "validity", "rubric", "schema", "terms", "context"} <= set(body["checks"])
    assert body["errors"] == [] and body["problemDetails"] == []
    assert [w["check"] for w in body["warnings"]] == ["trust"]  # no trust registry configured
    assert body["credential"]["issuerName"] == "Lincoln High School"
    assert body["checkedAt"] == "2026-01-15T10:00:00Z"
    # did:web and the status list came over the (fake) network, each exactly once
    assert world.web.requests == ["https://lincoln.example/.well-known/did.json", STATUS_REVOCATION]


async def test_vc_api_can_return_the_credential(client, world):
    badge = world.badge()
    response = await client.post("/credentials/verify", json={"verifiableCredential": badge,
                                                              "options": {"returnCredential": True,
                                                                          "unknownOption": 1}})
    assert response.status_code == 200
    assert response.json()["verifiableCredential"] == badge


@pytest.mark.parametrize("form", ["json-body", "json-wrapped", "json-upload", "jws-text", "jws-vcapi", "jws-upload",
                                  "png-json", "png-jws", "svg-json", "svg-jws", "png-raw", "pasted", "pdf"])
async def test_every_input_form_verifies(client, world, form):
    badge = world.badge()
    text = json.dumps(badge)
    token = jwt.sign_jwt(badge, signer=world.signer)
    if form == "json-body":
        response = await client.post("/verify", content=text, headers={"content-type": "application/json"})
    elif form == "json-wrapped":
        response = await client.post("/verify", json={"verifiableCredential": badge})
    elif form == "json-upload":
        response = await client.post("/verify", files={"file": ("badge.json", text.encode(), "application/json")})
    elif form == "jws-text":
        response = await client.post("/verify", content=token, headers={"content-type": "text/plain"})
    elif form == "jws-vcapi":
        response = await client.post("/credentials/verify", json={"verifiableCredential": token})
    elif form == "jws-upload":
        response = await client.post("/verify", files={"file": ("badge.jws", token.encode(), "text/plain")})
    elif form == "png-json":
        response = await client.post("/verify", files={"file": ("badge.png", world.png(text), "image/png")})
    elif form == "png-jws":
        response = await client.post("/verify", files={"file": ("badge.png", world.png(token), "image/png")})
    elif form == "svg-json":
        response = await client.post("/verify", files={"file": ("badge.svg", world.svg(text), "image/svg+xml")})
    elif form == "svg-jws":
        response = await client.post("/verify", files={"file": ("badge.svg", world.svg(token), "image/svg+xml")})
    elif form == "png-raw":
        response = await client.post("/verify", content=world.png(text), headers={"content-type": "image/png"})
    elif form == "pasted":
        response = await client.post("/verify", data={"credential": text})
    else:
        clr = world.clr([badge])
        pdf = pdf_with_attachment(json.dumps(clr).encode())
        response = await client.post("/verify", files={"file": ("transcript.pdf", pdf, "application/pdf")})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["verified"] is True
    expected_format = {"png-json": "png+json", "png-jws": "png+jwt", "svg-json": "svg+json", "svg-jws": "svg+jwt",
                       "png-raw": "png+json", "jws-text": "jwt", "jws-vcapi": "jwt", "jws-upload": "jwt"}
    assert body["format"] == expected_format.get(form, "json")
    if form == "pdf":
        assert body["source"] == "pdf" and len(body["nested"]) == 1 and body["nested"][0]["verified"]


async def test_hosted_credential_by_url(client, world):
    world.web.json("https://hosted.example/badges/1", world.badge())
    world.web.raw("https://hosted.example/badges/1.png", world.png(json.dumps(world.badge())), "image/png")
    for url in ("https://hosted.example/badges/1", "https://hosted.example/badges/1.png"):
        response = await client.get("/verify", params={"url": url}, headers={"accept": "application/json"})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["verified"] is True and body["source"] == "url" and body["url"] == url
    response = await client.post("/verify", content="https://hosted.example/badges/1",
                                 headers={"content-type": "text/plain"})
    assert response.status_code == 200 and response.json()["url"] == "https://hosted.example/badges/1"
    response = await client.post("/verify", data={"url": "https://hosted.example/badges/1"})
    assert response.status_code == 200


async def test_hosted_transcript_pdf_by_url(client, world):
    pdf = pdf_with_attachment(json.dumps(world.clr([world.badge()])).encode())
    world.web.raw("https://hosted.example/t.pdf", pdf, "application/pdf")
    response = await client.get("/verify", params={"url": "https://hosted.example/t.pdf"})
    assert response.status_code == 200, response.text
    assert response.json()["nested"][0]["verified"] is True


# ---- every signed reference example -------------------------------------------------------------------

EXAMPLES = ["clr2-implguide-signed.json", "clr2-simple-signed.json", "ob3-complete-rubric-signed.json",
            "ob3-didkey-signed.json", "ob3-endorsement-signed.json", "ob3-implguide-signed.json",
            "ob3-legacy-vc1-ed25519signature2020.json", "ob3-vcjwt-rs256-jwk.jws",
            "status-list-credential-signed.json", "baked/ob3-baked-json.png", "baked/ob3-baked-json.svg",
            "baked/ob3-baked-vcjwt.png", "baked/ob3-baked-vcjwt.svg"]


@pytest.fixture
async def example_client(world, reference):
    status_list = json.loads((reference / "examples/status-list-credential-signed.json").read_text())
    world.web.json("https://raw.githubusercontent.com/1EdTech/digital-credentials-public-validator/refs/heads/main/"
                   "inspector-vc/src/test/resources/ob30/bit-string-list/testlist", status_list)
    world.web.json("https://1edtech.edu/credentials/3732/revocations", {"revokedCredential": []})
    config = world.config(resolve_host=lambda host, port: ["93.184.216.40"])  # every example host is "public"
    async with AsyncTestClient(app=create_app(config)) as client:
        yield client


def test_examples_list_is_complete(reference):
    found = {str(p.relative_to(reference / "examples")) for p in (reference / "examples").rglob("*")
             if p.is_file() and p.suffix != ".md"}
    assert found == set(EXAMPLES) | {"ob3-status-revoked-signed.json"}


@pytest.mark.parametrize("name", EXAMPLES)
async def test_every_signed_example_verifies(example_client, reference, name):
    data = (reference / "examples" / name).read_bytes()
    response = await example_client.post("/verify", files={"file": (Path(name).name, data, "application/octet-stream")})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["verified"] is True
    assert outcome(body, "proof") == "pass"
    for nested in body["nested"]:
        assert nested["verified"] is True


async def test_revoked_example_is_signed_but_revoked(example_client, reference):
    data = (reference / "examples/ob3-status-revoked-signed.json").read_bytes()
    response = await example_client.post("/verify", content=data, headers={"content-type": "application/json"})
    assert response.status_code == 422
    body = response.json()
    assert outcome(body, "proof") == "pass"
    assert failed(body) == {"status"} and problem(body, "status") == PROBLEMS + "revoked"


# ---- a bad twin for every check -------------------------------------------------------------------------

def _tampered(world):
    badge = world.badge()
    badge["credentialSubject"]["achievement"]["name"] = "Advanced Scientific Inquiry"
    return badge


def _unknown_context(world):
    badge = world.badge()
    badge["@context"].append("https://example.com/contexts/unknown.jsonld")
    return badge


def _undefined_term(world):
    badge = world.badge()
    badge["credentialSubject"]["favouriteColour"] = "blue"  # dropped by JSON-LD, so not covered by the proof
    return badge


def _non_url_issuer(world):
    badge = world.badge()
    badge["issuer"]["id"] = "Lincoln High School"
    return badge


def _missing_subject_id(world):
    badge = world.badge()
    del badge["credentialSubject"]["id"]
    return badge


def _unsigned(world):
    return world.unsigned_badge()


TWINS = {
    # name: (make, the check that must fail, its problem type)
    "tampered": (_tampered, "proof", PROBLEMS + "invalid-signature"),
    "wrong key": (lambda w: w.sign(w.unsigned_badge(), signer=w.wrong_key), "proof", PROBLEMS + "invalid-signature"),
    "unsigned": (_unsigned, "proof", PROBLEMS + "proof-missing"),
    "expired": (lambda w: w.badge(issued_at=NOW - timedelta(days=400), valid_until=NOW - timedelta(days=1)),
                "validity", PROBLEMS + "expired"),
    "future validFrom": (lambda w: w.badge(issued_at=NOW + timedelta(days=2)), "validity", PROBLEMS + "not-yet-valid"),
    "future proof": (lambda w: w.sign(w.unsigned_badge(), created=NOW + timedelta(hours=1)), "proof",
                     PROBLEMS + "proof-error"),
    "revoked": (lambda w: w.badge(index=REVOKED_INDEX), "status", PROBLEMS + "revoked"),
    "suspended": (lambda w: w.badge(index=SUSPENDED_INDEX, purpose="suspension"), "status", PROBLEMS + "suspended"),
    "unknown context": (_unknown_context, "context", PROBLEMS + "context-not-allowed"),
    "undefined term": (_undefined_term, "terms", PROBLEMS + "undefined-term"),
    "non-URL issuer": (_non_url_issuer, "terms", PROBLEMS + "relative-iri"),
    "issuer/key mismatch": (lambda w: w.sign(w.unsigned_badge(), signer=w.other_signer), "issuer_key",
                            PROBLEMS + "issuer-key-mismatch"),
    "no recipient": (_missing_subject_id, "subject", PROBLEMS + "subject-invalid"),
}


@pytest.mark.parametrize("twin", list(TWINS))
async def test_bad_twin_fails_the_named_check(client, world, twin):
    make, check, problem_type = TWINS[twin]
    response = await vc_verify(client, make(world))
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["verified"] is False
    assert check in failed(body), body["errors"]
    assert check in {e["check"] for e in body["errors"]}
    if problem_type is not None:
        assert problem(body, check) == problem_type


async def test_good_twin_of_the_twins_passes(client, world):
    """The twins differ from this one only in what they break."""
    response = await vc_verify(client, world.badge(index=12, purpose="suspension"))
    assert response.status_code == 200


async def test_unreachable_status_list_is_never_valid(client, world):
    world.web.status(STATUS_REVOCATION, 503)
    response = await vc_verify(client, world.badge())
    assert response.status_code == 422
    body = response.json()
    assert failed(body) == {"status"}
    assert problem(body, "status") == STATUS_PROBLEMS + "STATUS_RETRIEVAL_ERROR"


async def test_status_list_on_a_private_address_is_never_fetched(world):
    badge = world.unsigned_badge()
    badge["credentialStatus"]["statusListCredential"] = "https://internal.example/status"
    badge["credentialStatus"]["id"] = "https://internal.example/status#7"
    async with AsyncTestClient(app=create_app(world.config())) as client:
        response = await vc_verify(client, world.sign(badge))
    assert response.status_code == 422
    assert failed(response.json()) == {"status"}
    assert not any("internal.example" in url for url in world.web.requests)


async def test_forged_status_list_fails(client, world):
    forged = copy.deepcopy(world.status_lists[STATUS_REVOCATION])
    forged["credentialSubject"]["encodedList"] = world.status_lists["https://lincoln.example/status/suspension"][
        "credentialSubject"]["encodedList"]
    world.web.json(STATUS_REVOCATION, forged)
    response = await vc_verify(client, world.badge())
    assert response.status_code == 422
    assert problem(response.json(), "status") == STATUS_PROBLEMS + "STATUS_VERIFICATION_ERROR"


async def test_unpublished_key_fails(client, world):
    world.web.status("https://lincoln.example/.well-known/did.json", 404)
    response = await vc_verify(client, world.badge())
    assert response.status_code == 422
    assert {"proof", "issuer_key"} <= failed(response.json())


async def test_key_not_listed_for_assertion_fails(client, world):
    document = copy.deepcopy(world.did_documents[ISSUER])
    document["assertionMethod"] = []
    world.web.json("https://lincoln.example/.well-known/did.json", document)
    response = await vc_verify(client, world.badge())
    assert response.status_code == 422
    assert "issuer_key" in failed(response.json())


async def test_offline_bundle_needs_no_network(world, tmp_path):
    from tests.verifier.factory import write_documents

    documents = write_documents(tmp_path / "docs", [world.did_documents[ISSUER], *world.status_lists.values()])
    config = world.config(documents_dir=documents, transport=httpx.MockTransport(
        lambda request: pytest.fail(f"network used: {request.url}")))
    async with AsyncTestClient(app=create_app(config)) as client:
        response = await vc_verify(client, world.badge())
        assert response.status_code == 200, response.text
        response = await vc_verify(client, world.badge(index=REVOKED_INDEX))
        assert problem(response.json(), "status") == PROBLEMS + "revoked"


async def test_trust_registry_names_the_school(world):
    from badges.trust import TrustedIssuer, TrustRegistry

    config = world.config(trust=TrustRegistry([TrustedIssuer(ISSUER, "Lincoln High School", "District school")]))
    async with AsyncTestClient(app=create_app(config)) as client:
        body = (await vc_verify(client, world.badge())).json()
    assert outcome(body, "trust") == "pass" and body["warnings"] == []
    assert "Lincoln High School (District school), a registered issuer" in next(
        r["message"] for r in body["results"] if r["id"] == "trust")


# ---- CLR transcripts -----------------------------------------------------------------------------------

async def test_clr_verifies_every_nested_badge(client, world):
    other = world.badge(name="Persuasive Writing", credential_id="urn:uuid:0b0f1b52-5b5e-4a55-8c55-3f2c1d9e8a77")
    response = await vc_verify(client, world.clr([world.badge(), other]))
    assert response.status_code == 200, response.text
    body = response.json()
    assert outcome(body, "nested") == "pass"
    assert [n["verified"] for n in body["nested"]] == [True, True]


async def test_clr_with_a_tampered_nested_badge(client, world):
    tampered = _tampered(world)
    clr = world.clr([world.badge(), tampered])  # the CLR signature itself is good
    response = await vc_verify(client, clr)
    assert response.status_code == 422
    body = response.json()
    assert outcome(body, "proof") == "pass"
    assert failed(body) == {"nested"}
    assert [n["verified"] for n in body["nested"]] == [True, False]
    assert "proof" in failed(body["nested"][1])


async def test_clr_with_a_revoked_nested_badge(client, world):
    response = await vc_verify(client, world.clr([world.badge(index=REVOKED_INDEX)]))
    assert response.status_code == 422
    assert problem(response.json()["nested"][0], "status") == PROBLEMS + "revoked"


# ---- presentations --------------------------------------------------------------------------------------

def _presentation(world, credentials, *, holder_signer=None, challenge=None):
    from badges.signing import sign

    presentation = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"],
                    "verifiableCredential": credentials}
    if holder_signer is None:
        return presentation
    presentation["holder"] = holder_signer.verification_method.partition("#")[0]
    signed = sign(presentation, signer=holder_signer, created=NOW, proof_purpose="authentication")
    if challenge is not None:  # sign() has no challenge option; a mismatch is what is tested
        signed["proof"][0]["challenge"] = challenge
    return signed


async def test_presentation_verifies_each_credential(client, world):
    response = await client.post("/presentations/verify", json={
        "verifiablePresentation": _presentation(world, [world.badge(), world.badge()])})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["verified"] is True and len(body["credentialResults"]) == 2
    assert body["presentationResults"][0]["outcome"] == "skip"


async def test_presentation_with_one_bad_credential(client, world):
    response = await client.post("/presentations/verify", json={
        "verifiablePresentation": _presentation(world, [world.badge(), _tampered(world)])})
    assert response.status_code == 422
    body = response.json()
    assert [r["verified"] for r in body["credentialResults"]] == [True, False]


async def test_presentation_proof(client, world):
    from badges.signing import Ed25519Signer

    holder = Ed25519Signer.from_seed(bytes(range(2, 34)))
    signed = _presentation(world, [world.badge()], holder_signer=holder)
    response = await client.post("/presentations/verify", json={"verifiablePresentation": signed})
    assert response.status_code == 200, response.text
    assert response.json()["presentationResults"][0]["outcome"] == "pass"
    tampered = copy.deepcopy(signed)
    tampered["verifiableCredential"].append(world.badge())
    response = await client.post("/presentations/verify", json={"verifiablePresentation": tampered})
    assert response.status_code == 422
    assert response.json()["presentationResults"][0]["outcome"] == "fail"
    response = await client.post("/presentations/verify", json={"verifiablePresentation": signed,
                                                                "options": {"challenge": "abc"}})
    assert response.status_code == 422


async def test_vc_api_refuses_a_credential_given_as_json_text(client, world):
    """DI §4.4: a secured document that is not a map is a PARSING_ERROR; only a VC-JWT may be a string."""
    badge = world.badge()
    response = await vc_verify(client, json.dumps(badge))
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == PROBLEMS + "parsing-error" and "JSON object" in response.json()["detail"]
    # the good twins: the same credential as an object, and a compact JWS as a string
    assert (await vc_verify(client, badge)).status_code == 200
    assert (await vc_verify(client, jwt.sign_jwt(badge, signer=world.signer))).status_code == 200


async def test_presentation_without_credentials_is_verified_on_its_own_checks(client, world):
    """VCDM §4.13: verifiableCredential is optional; an empty presentation is not an error."""
    from badges.signing import Ed25519Signer

    response = await client.post("/presentations/verify", json={"verifiablePresentation": _presentation(world, [])})
    assert response.status_code == 200, response.text
    assert response.json()["verified"] is True and response.json()["credentialResults"] == []
    bare = _presentation(world, [])
    del bare["verifiableCredential"]
    holder = Ed25519Signer.from_seed(bytes(range(2, 34)))
    signed = _presentation(world, [], holder_signer=holder)
    for presentation in (bare, signed):
        response = await client.post("/presentations/verify", json={"verifiablePresentation": presentation})
        assert response.status_code == 200, response.text
    # its own checks still decide: a tampered holder proof fails it
    signed["holder"] = "did:example:someone-else"
    response = await client.post("/presentations/verify", json={"verifiablePresentation": signed})
    assert response.status_code == 422 and response.json()["presentationResults"][0]["outcome"] == "fail"


@pytest.mark.parametrize("change", [
    {"@context": None}, {"@context": []}, {"@context": ["https://www.w3.org/ns/credentials/examples/v2",
                                                        "https://www.w3.org/ns/credentials/v2"]},
    {"type": None}, {"type": ["Presentation"]}, {"id": "not a url"},
])
async def test_an_unsigned_presentation_s_context_and_type_are_checked(client, world, change):
    good = _presentation(world, [world.badge()])
    bad = {**good, **change}
    bad = {k: v for k, v in bad.items() if v is not None}
    response = await client.post("/presentations/verify", json={"verifiablePresentation": bad})
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    good["id"] = "urn:uuid:7f0a6b8e-0d6b-4e5c-9d43-5a8f0c1d2e3f"
    response = await client.post("/presentations/verify", json={"verifiablePresentation": good})
    assert response.status_code == 200, response.text


async def test_a_presentation_s_credentials_follow_the_vc_api_rules(client, world):
    response = await client.post("/presentations/verify", json={
        "verifiablePresentation": _presentation(world, [json.dumps(world.badge())])})
    assert response.status_code == 422
    assert response.json()["credentialResults"][0]["errors"][0]["type"] == PROBLEMS + "parsing-error"


async def test_every_proof_of_a_presentation_must_verify(client, world):
    """DI §4.4 for the holder's proofs too: a good first proof does not hide a tampered second."""
    from badges.signing import Ed25519Signer, sign

    holder = Ed25519Signer.from_seed(bytes(range(2, 34)))
    signed = _presentation(world, [world.badge()], holder_signer=holder)
    twice = sign(signed, signer=holder, created=NOW + timedelta(seconds=1), proof_purpose="authentication")
    assert len(twice["proof"]) == 2
    response = await client.post("/presentations/verify", json={"verifiablePresentation": twice})
    assert response.status_code == 200, response.text
    tampered = copy.deepcopy(twice)
    tampered["proof"][1]["created"] = "2026-01-15T10:00:05Z"
    response = await client.post("/presentations/verify", json={"verifiablePresentation": tampered})
    assert response.status_code == 422
    assert "proof 2:" in response.json()["presentationResults"][0]["message"]
    # a chain: the second proof covers the first, and must name a proof that is there
    first = sign(_presentation(world, [world.badge()]) | {"holder": holder.verification_method.partition("#")[0]},
                 signer=holder, created=NOW, proof_purpose="authentication", proof_id="urn:uuid:vp-proof-1")
    chained = sign(first, signer=holder, created=NOW, proof_purpose="authentication",
                   previous_proof="urn:uuid:vp-proof-1")
    response = await client.post("/presentations/verify", json={"verifiablePresentation": chained})
    assert response.status_code == 200, response.text
    chained["proof"][1]["previousProof"] = "urn:uuid:missing"
    response = await client.post("/presentations/verify", json={"verifiablePresentation": chained})
    assert response.status_code == 422 and "previousProof" in response.json()["presentationResults"][0]["message"]


@pytest.mark.parametrize("body", [
    {"verifiablePresentation": {"type": ["VerifiableCredential"]}},
    {"verifiablePresentation": "eyJ.a.b"},
    {"presentation": {}},
])
async def test_bad_presentations_are_problems(client, body):
    response = await client.post("/presentations/verify", json=body)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")


# ---- malformed input: 4xx problem details, never 500 ------------------------------------------------------

def _deep(depth: int) -> dict:
    value: dict = {"leaf": True}
    for _ in range(depth):
        value = {"n": value}
    return value


MALFORMED = {
    "json": (b'{"@context": [', "application/json", 400),
    "json-duplicate-keys": (b'{"id": "a", "id": "b"}', "application/json", 400),
    "json-nan": (b'{"a": NaN}', "application/json", 400),
    "png-no-badge": (TINY_PNG, "image/png", 400),
    "png-corrupt": (TINY_PNG[:40] + b"\x00garbage" * 10, "image/png", 400),
    "png-badge-not-json": (None, "image/png", 400),
    "svg-no-badge": (TINY_SVG, "image/svg+xml", 400),
    "svg-entities": (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
                     b'<svg xmlns="http://www.w3.org/2000/svg">&b;</svg>', "image/svg+xml", 400),
    "svg-not-xml": (b"<svg <<<", "image/svg+xml", 400),
    "pdf-garbage": (b"%PDF-1.7\n garbage garbage", "application/pdf", 400),
    "pdf-no-attachment": (None, "application/pdf", 400),
    "pdf-attachment-not-json": (None, "application/pdf", 400),
    "jws-garbage": (b"eyJhbGciOiJFZERTQSJ9.!!!.sig", "text/plain", 400),
    "jws-bad-base64": (b"abc.def.ghi", "text/plain", 400),
    "binary": (bytes(range(256)) * 4, "application/octet-stream", 400),
    "text": (b"hello, is this a badge?", "text/plain", 400),
    "deep-json": (json.dumps({"@context": [], **_deep(100)}).encode(), "application/json", 400),
    "too-large": (b'{"a": "' + b"x" * 2_100_000 + b'"}', "application/json", 413),
}


def _malformed_payload(world, name):
    data, content_type, status = MALFORMED[name]
    if name == "png-badge-not-json":
        import zlib

        # An iTXt chunk with the right keyword but text that is neither JSON nor a JWS.
        chunk_data = b"openbadgecredential\x00\x00\x00\x00\x00" + b"not a credential"
        chunk = len(chunk_data).to_bytes(4, "big") + b"iTXt" + chunk_data
        chunk += zlib.crc32(b"iTXt" + chunk_data).to_bytes(4, "big")
        data = TINY_PNG[:33] + chunk + TINY_PNG[33:]
    elif name == "pdf-no-attachment":
        import io

        from pypdf import PdfWriter

        writer = PdfWriter()
        writer.add_blank_page(width=100, height=100)
        out = io.BytesIO()
        writer.write(out)
        data = out.getvalue()
    elif name == "pdf-attachment-not-json":
        data = pdf_with_attachment(b"\x00\x01 not json")
    return data, content_type, status


@pytest.mark.parametrize("name", list(MALFORMED))
@pytest.mark.parametrize("how", ["body", "upload"])
async def test_malformed_input_is_a_problem_not_a_500(client, world, name, how):
    data, content_type, status = _malformed_payload(world, name)
    if how == "body":
        response = await client.post("/verify", content=data, headers={"content-type": content_type})
    else:
        response = await client.post("/verify", files={"file": ("input", data, content_type)})
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["type"].startswith("https://") and body["detail"]


@pytest.mark.parametrize("body", [
    b'{"verifiableCredential": ',
    b'{"verifiableCredential": 42}',
    b'{"options": {}}',
    b'[]',
    b'{"verifiableCredential": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    b'{"verifiableCredential": ' + json.dumps(_deep(80)).encode() + b"}",
    b'{"verifiableCredential": "not a token"}',
    b'{"verifiableCredential": "https://hosted.example/badges/1"}',  # VC-API never fetches links
])
async def test_vc_api_malformed_requests_are_400(client, world, body):
    world.web.json("https://hosted.example/badges/1", world.badge())
    response = await client.post("/credentials/verify", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text
    assert world.web.requests == []
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_vc_api_empty_credential_is_invalid(client):
    response = await client.post("/credentials/verify", json={"verifiableCredential": {}})
    assert response.status_code == 422
    assert {"context", "proof", "subject"} <= failed(response.json())


async def test_vc_api_body_too_large(client):
    body = b'{"verifiableCredential": {"a": "' + b"x" * 4_100_000 + b'"}}'
    response = await client.post("/credentials/verify", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("request_kind", ["empty-body", "empty-upload", "empty-form"])
async def test_nothing_to_verify(client, request_kind):
    if request_kind == "empty-body":
        response = await client.post("/verify", content=b"", headers={"content-type": "application/json"})
    elif request_kind == "empty-upload":
        response = await client.post("/verify", files={"file": ("x.png", b"", "image/png")})
    else:
        response = await client.post("/verify", data={"credential": "  "})
    assert response.status_code == 400
    assert response.json()["type"] == PROBLEMS + "bad-input"


# ---- SSRF through the URL endpoint ----------------------------------------------------------------------------

@pytest.mark.parametrize("url,status,kind", [
    ("http://hosted.example/badge", 400, "unsafe-url"),
    ("https://127.0.0.1/badge", 400, "unsafe-url"),
    ("https://10.0.0.1/badge", 400, "unsafe-url"),
    ("https://169.254.169.254/latest/meta-data/", 400, "unsafe-url"),
    ("https://internal.example/badge", 400, "unsafe-url"),
    ("https://hosted.example/to-metadata", 400, "unsafe-url"),
    ("https://hosted.example/loop", 422, "url-unreachable"),
    ("https://hosted.example/huge", 422, "url-unreachable"),
    ("https://slow.example/badge", 422, "url-unreachable"),
    ("https://hosted.example/missing", 422, "url-unreachable"),
    ("https://nowhere.example/badge", 422, "url-unreachable"),
    ("file:///etc/passwd", 400, "parse-error"),
])
async def test_url_input_is_ssrf_safe(world, url, status, kind):
    world.web.redirect("https://hosted.example/to-metadata", "https://169.254.169.254/latest/meta-data/")
    world.web.redirect("https://hosted.example/loop", "https://hosted.example/loop2")
    world.web.redirect("https://hosted.example/loop2", "https://hosted.example/loop")
    world.web.huge("https://hosted.example/huge", 3_000_000)
    world.web.slow("https://slow.example/badge", chunks=40, delay=0.05)
    config = world.config(fetch_timeout=0.5, max_document_bytes=500_000, max_pdf_bytes=1_000_000)
    async with AsyncTestClient(app=create_app(config)) as client:
        response = await client.get("/verify", params={"url": url}, headers={"accept": "application/json"})
    assert response.status_code == status, response.text
    assert response.json()["type"] == PROBLEMS + kind
    assert not any(host in u for u in world.web.requests for host in ("169.254", "127.0.0.1", "10.0.0", "internal"))


# ---- limits -------------------------------------------------------------------------------------------

async def test_time_budget_fails_cleanly_with_a_named_check(world):
    world.web.slow(STATUS_REVOCATION, chunks=20, delay=0.1)
    config = world.config(time_budget=0.5, fetch_timeout=5.0)
    async with AsyncTestClient(app=create_app(config)) as client:
        response = await vc_verify(client, world.badge())
    assert response.status_code == 422
    body = response.json()
    assert failed(body) == {"status"}
    assert problem(body, "status") == PROBLEMS + "time-budget-exceeded"


async def test_get_verify_without_url_as_json_is_a_problem(client):
    response = await client.get("/verify", headers={"accept": "application/json"})
    assert response.status_code == 400


async def test_openapi_document_is_complete(client):
    schema = (await client.get("/schema/openapi.json")).json()
    assert {"/credentials/verify", "/presentations/verify", "/verify"} <= set(schema["paths"])
    components = schema["components"]["schemas"]
    assert {"VerifyResult", "ProblemOut", "VerifyCredentialRequest", "CheckOut"} <= set(components)
    assert set(schema["paths"]["/credentials/verify"]["post"]["responses"]) >= {"200", "400", "413", "422"}


async def test_report_cache_serves_repeated_scans(world):
    config = world.config(report_cache_ttl=60)
    async with AsyncTestClient(app=create_app(config)) as client:
        first = await vc_verify(client, world.badge())
        requests = len(world.web.requests)
        second = await vc_verify(client, world.badge())
        assert first.json()["results"] == second.json()["results"]
        assert len(world.web.requests) == requests  # served from the report cache
        assert first.json()["cached"] is False and second.json()["cached"] is True
        assert second.json()["checkedAt"] == first.json()["checkedAt"]
        for _ in range(2):
            bad = await vc_verify(client, _tampered(world))
            assert bad.status_code == 422 and bad.json()["cached"] is False  # failures are never cached


async def test_router_mounts_in_another_app_with_state(world):
    from litestar import Litestar
    from litestar.datastructures import State

    from verifier.web import router

    app = Litestar(route_handlers=[router], state=State({"verifier_config": world.config()}))
    async with AsyncTestClient(app=app) as client:
        response = await vc_verify(client, world.badge())
        assert response.status_code == 200
        response = await client.post("/verify", content=b"{bad", headers={"content-type": "application/json"})
        assert response.status_code == 400
        assert response.headers["content-type"].startswith("application/problem+json")


def test_fake_dns_is_used():
    assert fake_dns("lincoln.example", 443) == ["93.184.216.34"]


def _b58(data: bytes) -> str:
    alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    number, out = int.from_bytes(data, "big"), ""
    while number:
        number, digit = divmod(number, 58)
        out = alphabet[digit] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def _canonicalization_bomb(world, fanout: int = 9) -> dict:
    """A 3 KB credential whose RDFC-1.0 canonicalization takes tens of seconds: two identical
    blank-node achievements, each with ``fanout`` identical blank-node alignments, make the
    n-degree hash try fanout! orderings. Its (bogus) proof forces the canonicalization."""
    from badges.signing import Ed25519Signer

    signature = Ed25519Signer.from_seed(bytes(range(32))).sign(b"not this document")
    alignment = {"type": ["Alignment"], "targetName": "t", "targetUrl": "https://x.example/"}
    achievement = {"type": ["Achievement"], "name": "n", "alignment": [dict(alignment) for _ in range(fanout)]}
    signer = Ed25519Signer.from_seed(bytes(range(32)))
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": signer.public_key.did_key, "type": ["Profile"], "name": "Bomb"},
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:x", "type": ["AchievementSubject"],
                              "achievement": [dict(achievement), dict(achievement)]},
        "proof": [{"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "created": "2026-01-01T00:00:00Z",
                   "verificationMethod": signer.verification_method, "proofPurpose": "assertionMethod",
                   "proofValue": "z" + _b58(signature)}],
    }


async def test_canonicalization_bomb_is_stopped_by_the_work_limit_or_the_time_budget(world):
    """Whichever comes first on this machine: RDFC's own step limit (a clear error in the thread)
    or the wall-clock budget (the thread interrupted). Either way fast, and nothing keeps burning."""
    import time

    bomb = _canonicalization_bomb(world)
    assert len(json.dumps(bomb)) < 4000
    config = world.config(time_budget=1.0)
    async with AsyncTestClient(app=create_app(config)) as client:
        started = time.monotonic()
        response = await vc_verify(client, bomb)
        elapsed = time.monotonic() - started
        assert response.status_code == 422, response.text
        body = response.json()
        assert problem(body, "proof") in {PROBLEMS + "time-budget-exceeded", PROBLEMS + "canonicalization-limit"}
        assert elapsed < 3.0
        # The worker thread was interrupted, not abandoned: the process stops burning CPU.
        await anyio.sleep(0.3)
        cpu = time.process_time()
        await anyio.sleep(0.5)
        assert time.process_time() - cpu < 0.2
        # The interrupted worker is free again: the next verification is served promptly.
        started = time.monotonic()
        assert (await vc_verify(client, world.badge())).status_code == 200
        assert time.monotonic() - started < 3.0
