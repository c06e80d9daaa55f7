import pytest
from tests.platform_fixtures import *  # noqa

pytestmark = pytest.mark.anyio

async def test_smoke(client, seed):
    r = await client.get("/issuers/north")
    print(r.status_code, r.text[:300])
    r = await client.get("/issuers/north/did.json")
    print(r.status_code, r.text[:300])
    r = await client.get("/.well-known/did.json")
    print(r.status_code, r.text[:300])
    cred = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
            "credentialSubject": {"id": "did:example:123", "name": "Alice"}}
    r = await client.post("/credentials/issue", json={"credential": cred, "options": {"credentialStatus": {"statusPurpose": ["revocation", "suspension"]}}},
                          headers={"Authorization": f"Bearer {seed.school_token}"})
    print(r.status_code, r.text[:1500])
    r = await client.get("/admin/credentials", headers={"Authorization": f"Bearer {seed.token['school_admin']}"})
    print(r.status_code, r.text[:500])
    u = r.json()[0]["uuid"]
    r = await client.post(f"/admin/credentials/{u}/revoke", json={"reason": "test"}, headers={"Authorization": f"Bearer {seed.token['school_admin']}"})
    print(r.status_code, r.text[:500])
    r = await client.get("/status/north/revocation/1")
    print(r.status_code, r.headers, r.text[:200])
    r = await client.get("/login")
    print(r.status_code, r.headers, r.text[:2000])
    r = await client.get("/nope")
    print(r.status_code, r.headers, r.text[:2000])
