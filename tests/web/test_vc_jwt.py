"""VC-JWT issuance (issue 14): the badge page's ``.jwt`` download and the VC-API's
``options.format = "vc+jwt"``, each checked by our verifier and by joserfc, a JOSE library that
shares no code with ours.

The JWT's payload is the stored Data Integrity–signed credential plus the registered claims; it
is signed once and then served as stored, also after the school's key is rotated. Bad twins: a
badge that is not shared, a VC 1.1 credential asked for as a JWT (400, nothing stored), a format
that does not exist, an envelope that does not hold a JWT.
"""
from __future__ import annotations

import base64
import json
import warnings

import pytest
from joserfc import jws
from joserfc.errors import SecurityWarning
from joserfc.jwk import OKPKey

from badges.signing.keys import public_key_from_did_key
from issuer.credentials import repo as credentials_repo
from issuer.db.tables import IssuedCredential
from tests.web.award_support import award
from tests.web.support import bearer

pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]

VC_V2 = "https://www.w3.org/ns/credentials/v2"
VC_V1 = "https://www.w3.org/2018/credentials/v1"
OB = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


@pytest.fixture
def client(asgi_client):
    return asgi_client


def _part(token: str, n: int) -> dict:
    part = token.split(".")[n]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


async def _public_jwk(client, kid: str) -> dict:
    """The key ``kid`` names, read from the school's published DID document as any verifier would."""
    did = kid.split("#")[0]
    if did.startswith("did:key:"):
        return public_key_from_did_key(did).to_jwk()
    slug = did.rsplit(":", 1)[1]
    doc = (await client.get(f"/issuers/{slug}/did.json")).json()
    method = next(m for m in doc["verificationMethod"] if m["id"] == kid)
    from badges.signing.keys import PublicKey

    return PublicKey.from_multibase(method["publicKeyMultibase"]).to_jwk()


async def independently_verified(client, token: str) -> dict:
    key = OKPKey.import_key(await _public_jwk(client, _part(token, 0)["kid"]))
    with warnings.catch_warnings():  # RFC 9864 prefers "Ed25519"; OB 3.0 verifiers read "EdDSA"
        warnings.simplefilter("ignore", SecurityWarning)
        return json.loads(jws.deserialize_compact(token, key, algorithms=["EdDSA"]).payload)


async def test_the_badge_page_offers_the_badge_as_a_vc_jwt_signed_once_and_served_as_stored(client, seed):
    badge = await award(client, seed)
    uuid = badge["uuid"]
    page = (await client.get(f"/badges/{uuid}", headers={"accept": "text/html"})).text
    assert f"/badges/{uuid}.jwt" in page and "VC-JWT" in page

    r = await client.get(f"/badges/{uuid}.jwt")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vc+jwt")
    assert r.headers["content-disposition"] == f'attachment; filename="investigator-{uuid[:8]}.jwt"'
    token = r.text
    header, payload = _part(token, 0), await independently_verified(client, token)
    assert header == {"alg": "EdDSA", "typ": "JWT", "kid": badge["doc"]["proof"][0]["verificationMethod"]}
    # OB 3.0 §8.2: the payload is the credential (its Data Integrity proof added before the JWT) + claims
    claims = {"iss", "jti", "nbf", "sub", "exp"}
    assert {k: v for k, v in payload.items() if k not in claims} == badge["doc"]
    assert payload["iss"] == badge["doc"]["issuer"]["id"] and payload["jti"] == badge["doc"]["id"]

    # the mounted verifier says verified, as it does for the JSON
    r = await client.post("/verify", content=token.encode(), headers={"content-type": "application/jwt"})
    assert r.status_code == 200 and r.json()["verified"] is True, r.text

    # stored: the same bytes again, also after the school's key is rotated
    row = await credentials_repo.get_credential(uuid)
    assert row.jwt == token and row.document.encode() == badge["raw"]
    rotated = await client.post("/admin/schools/north/keys/rotate", headers=bearer(seed, "school_admin"))
    assert rotated.status_code == 201, rotated.text
    assert (await client.get(f"/badges/{uuid}.jwt")).text == token

    # bad twin: one changed claim and neither reader accepts it
    head, body, sig = token.split(".")
    forged_payload = {**payload, "name": "Someone else's badge"}
    forged = ".".join([head, base64.urlsafe_b64encode(json.dumps(forged_payload).encode()).decode().rstrip("="), sig])
    r = await client.post("/verify", content=forged.encode(), headers={"content-type": "application/jwt"})
    assert r.json()["verified"] is False
    with pytest.raises(Exception, match="signature"):
        await independently_verified(client, forged)


async def test_a_badge_that_is_not_shared_has_no_jwt_for_strangers(client, seed):
    badge = await award(client, seed)
    await IssuedCredential.update({IssuedCredential.public_page: False}).where(
        IssuedCredential.uuid == badge["uuid"])
    client.cookies.clear()
    r = await client.get(f"/badges/{badge['uuid']}.jwt")
    assert r.status_code == 404 and r.json()["title"] == "Not shared"
    assert (await credentials_repo.get_credential(badge["uuid"])).jwt == ""  # nothing signed for nobody
    assert (await client.get(f"/badges/{badge['uuid']}.jws")).status_code == 404


def _ob_credential(**changes) -> dict:
    base = {"@context": [VC_V2, OB], "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "validFrom": "2026-01-15T10:00:00Z",
            "credentialSubject": {"id": "did:example:learner", "type": ["AchievementSubject"],
                                  "achievement": {"id": "https://example.org/achievements/1", "type": ["Achievement"],
                                                  "name": "Collaboration", "description": "Works with others",
                                                  "criteria": {"narrative": "Shows it"}}}}
    base.update(changes)
    return base


async def test_the_vc_api_answers_with_an_enveloped_vc_jwt_when_asked(client, seed):
    body = {"credential": _ob_credential(), "options": {"format": "vc+jwt",
                                                       "credentialId": "urn:uuid:5b3e0c4e-1f1a-4d8e-9d62-7a1e0f0e0a01"}}
    r = await client.post("/credentials/issue", json=body, headers={"Authorization": f"Bearer {seed.school_token}"})
    assert r.status_code == 201, r.text
    envelope = r.json()["verifiableCredential"]
    assert envelope["type"] == "EnvelopedVerifiableCredential" and envelope["@context"] == VC_V2
    prefix = "data:application/vc+jwt,"
    assert envelope["id"].startswith(prefix)
    token = envelope["id"][len(prefix):]
    payload = await independently_verified(client, token)
    row = await credentials_repo.issued_credential(credential_id="urn:uuid:5b3e0c4e-1f1a-4d8e-9d62-7a1e0f0e0a01")
    assert {k: v for k, v in payload.items() if k not in ("iss", "jti", "nbf", "sub")} == json.loads(row.document)
    assert row.jwt == token

    # the verifier reads the envelope as it comes from the VC-API
    r2 = await client.post("/verify", json=envelope)
    assert r2.status_code == 200 and r2.json()["verified"] is True, r2.text
    # a retry is the same credential, the same JWT (200), and the plain form of the same request is its JSON
    again = await client.post("/credentials/issue", json=body, headers={"Authorization": f"Bearer {seed.school_token}"})
    assert again.status_code == 200 and again.content == r.content
    plain = {"credential": body["credential"], "options": {"credentialId": body["options"]["credentialId"]}}
    r3 = await client.post("/credentials/issue", json=plain, headers={"Authorization": f"Bearer {seed.school_token}"})
    assert r3.status_code == 200 and r3.json()["verifiableCredential"]["proof"]


async def test_vc_api_bad_twins_leave_nothing_behind(client, seed):
    auth = {"Authorization": f"Bearer {seed.school_token}"}
    before = await IssuedCredential.count()
    v1 = {"@context": [VC_V1], "type": ["VerifiableCredential"], "issuanceDate": "2026-01-01T00:00:00Z",
          "credentialSubject": {"id": "did:example:learner", "name": "Ada"}}
    r = await client.post("/credentials/issue", json={"credential": v1, "options": {"format": "vc+jwt"}}, headers=auth)
    assert r.status_code == 400 and "VC 2.0" in r.json()["detail"]
    r = await client.post("/credentials/issue", json={"credential": _ob_credential(), "options": {"format": "cbor"}},
                          headers=auth)
    assert r.status_code == 400
    assert await IssuedCredential.count() == before
    # an envelope that holds no JWT is a clear verdict, not a crash
    r = await client.post("/verify", json={"@context": VC_V2, "type": "EnvelopedVerifiableCredential",
                                           "id": "data:application/vc+ld+json,{}"})
    assert r.status_code in (200, 400, 422) and r.json().get("verified") is not True
    assert "envelope" in r.text.lower()
