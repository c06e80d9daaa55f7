"""Signing keys: encrypted at rest, never shown, rotation keeps old badges verifying."""
from __future__ import annotations

import base64
import logging

import pytest

from badges.signing import DocumentResolver, sign, verify_proof
from badges.status import status_entry  # noqa: F401  (import check: engine present)
from issuer.context import build_context
from issuer.db.tables import SigningKey
from issuer.schools import identity
from issuer.schools import keys as key_service
from issuer.schools.kek import KeyStoreError, decrypt_seed, encrypt_seed, kek_id
from tests.support import BASE_URL, NOW, SEED

pytestmark = pytest.mark.anyio

CREDENTIAL = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "id": "urn:uuid:0d9f3c55-0c4a-4b7f-9f0a-1d2e3f405060",
    "type": ["VerifiableCredential"],
    "credentialSubject": {"id": "did:example:learner", "name": "A learner"},
}


def _secret_forms(seed: bytes) -> list[str]:
    return [seed.hex(), base64.urlsafe_b64encode(seed).decode().rstrip("="),
            base64.b64encode(seed).decode().rstrip("=")]


def test_seed_round_trip_and_binding():
    kek = bytes(range(32))
    stored = encrypt_seed(SEED, kek=kek, public_key_multibase="z6MkA")
    assert stored.startswith(f"v1.{kek_id(kek)}.")
    assert all(form not in stored for form in _secret_forms(SEED))
    assert decrypt_seed(stored, kek=kek, public_key_multibase="z6MkA") == SEED
    # bad twins: another KEK, another key row (AAD), a flipped byte
    with pytest.raises(KeyStoreError, match="another KEK"):
        decrypt_seed(stored, kek=bytes(32), public_key_multibase="z6MkA")
    with pytest.raises(KeyStoreError, match="authentication"):
        decrypt_seed(stored, kek=kek, public_key_multibase="z6MkB")
    body = stored.rsplit(".", 1)[1]
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    with pytest.raises(KeyStoreError):
        decrypt_seed(stored.rsplit(".", 1)[0] + "." + flipped, kek=kek, public_key_multibase="z6MkA")


async def test_key_generated_on_first_use_and_stored_encrypted(seed, platform, caplog):
    caplog.set_level(logging.DEBUG)
    school = seed.schools["north"]
    assert await SigningKey.count() == 0
    signer = await identity.signer_for(platform, school.id)
    again = await identity.signer_for(platform, school.id)
    assert signer.public_key == again.public_key
    rows = await SigningKey.select().where(SigningKey.school == school.id)
    assert len(rows) == 1
    secret = signer.private_bytes()
    stored = rows[0]["encrypted_seed"]
    assert all(form not in stored for form in _secret_forms(secret))
    assert decrypt_seed(stored, kek=platform.keys.kek, public_key_multibase=rows[0]["public_key_multibase"]) == secret
    # Nothing secret in reprs or logs.
    shown = " ".join([repr(signer), repr(platform), repr(platform.keys), repr(platform.settings), caplog.text])
    for form in _secret_forms(secret) + _secret_forms(platform.keys.kek):
        assert form not in shown
    assert signer.public_key.multibase in caplog.text  # the log does name the (public) key


async def test_wrong_kek_is_a_clear_error(seed, platform):
    school = seed.schools["north"]
    await identity.signer_for(platform, school.id)
    other = build_context(platform.settings.replace(key_encryption_key=bytes(32)), clock=platform.clock,
                          engine=SigningKey._meta.db)
    with pytest.raises(KeyStoreError, match="another KEK") as info:
        await identity.signer_for(other, school.id)
    assert all(form not in str(info.value) for form in _secret_forms(platform.keys.kek))


async def test_rotation_keeps_old_badges_verifying(seed, platform):
    school = seed.schools["north"]
    did = identity.school_did_web("north", BASE_URL)
    first = await identity.signer_for(platform, school.id)
    old_badge = sign(CREDENTIAL | {"issuer": did}, signer=first, created=NOW)
    rotated = await key_service.rotate(platform, district_id=school.district, school_id=school.id)
    second = await identity.signer_for(platform, school.id)
    assert second.public_key != first.public_key
    assert rotated.public_key_multibase == second.public_key.multibase
    new_badge = sign(CREDENTIAL | {"issuer": did}, signer=second, created=NOW)

    document = await identity.school_did_document(platform, "north")
    assert [vm["publicKeyMultibase"] for vm in document["verificationMethod"]] == [
        first.public_key.multibase, second.public_key.multibase]
    assert document["assertionMethod"] == [f"{did}#{first.public_key.multibase}",
                                           f"{did}#{second.public_key.multibase}"]
    resolver = DocumentResolver({did: document})
    for badge in (old_badge, new_badge):
        result = verify_proof(badge, resolver=resolver, now=NOW)
        assert result.verified, result.error

    # Bad twin: a DID document that dropped the old key no longer vouches for old badges.
    pruned = {**document, "verificationMethod": document["verificationMethod"][1:],
              "assertionMethod": document["assertionMethod"][1:]}
    assert not verify_proof(old_badge, resolver=DocumentResolver({did: pruned}), now=NOW).verified
    assert verify_proof(new_badge, resolver=DocumentResolver({did: pruned}), now=NOW).verified


async def test_did_documents_and_profile(seed, platform):
    school = seed.schools["north"]
    assert identity.district_did(BASE_URL) == "did:web:127.0.0.1%3A8000"
    assert identity.school_did_web("north", BASE_URL) == "did:web:127.0.0.1%3A8000:issuers:north"
    assert identity.did_web_for_base("https://example.org/badges") == "did:web:example.org:badges"
    profile = await identity.issuer_profile(platform, school.id)
    assert profile == {"id": "did:web:127.0.0.1%3A8000:issuers:north", "type": ["Profile"],
                       "name": "North High School", "url": "https://north.riverside.example",
                       "email": "office@north.example",
                       "address": {"type": ["Address"], "addressLocality": "Riverside", "addressCountry": "US"}}
    district = await identity.district_did_document(platform)
    assert district["id"] == "did:web:127.0.0.1%3A8000"
    assert district["assertionMethod"] == [vm["id"] for vm in district["verificationMethod"]]
    # The district key is not any school's key.
    north = await identity.school_did_document(platform, "north")
    assert {vm["publicKeyMultibase"] for vm in district["verificationMethod"]}.isdisjoint(
        {vm["publicKeyMultibase"] for vm in north["verificationMethod"]})


async def test_did_key_identity(seed, platform):
    ctx = build_context(platform.settings.replace(issuer_identity="did:key"), clock=platform.clock,
                        engine=SigningKey._meta.db)
    school = seed.schools["south"]
    signer = await identity.signer_for(ctx, school.id)
    did = await identity.issuer_did(ctx, school.id)
    assert did == signer.public_key.did_key and did.startswith("did:key:z6Mk")
    assert signer.verification_method == f"{did}#{signer.public_key.multibase}"
    badge = sign(CREDENTIAL | {"issuer": did}, signer=signer, created=NOW)
    from badges.signing import DidKeyResolver

    assert verify_proof(badge, resolver=DidKeyResolver(), now=NOW).verified
    assert (await identity.issuer_profile(ctx, school.id))["id"] == did


async def test_first_use_generation_is_race_free(seed, platform):
    import asyncio

    school = seed.schools["south"]
    signers = await asyncio.gather(*[identity.signer_for(platform, school.id) for _ in range(10)])
    assert len({s.public_key.multibase for s in signers}) == 1
    assert await SigningKey.count().where(SigningKey.school == school.id) == 1
