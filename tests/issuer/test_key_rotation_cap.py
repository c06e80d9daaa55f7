"""Key rotation is bounded (issue 10: a fuzzer left 538 keys in one DID document).

Only the newest key signs; a DID document keeps every key that still verifies something we
store, withdraws old unused ones, and a rotation that cannot make room is refused (409)."""
from __future__ import annotations

import json
import uuid as uuidlib

import pytest

from badges.signing import DocumentResolver, verify_proof
from issuer.accounts import repo as accounts_repo
from issuer.credentials import vcapi
from issuer.errors import Conflict
from issuer.schools import identity
from issuer.schools import keys as key_service

pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]


def _credential(n: int) -> dict:
    return {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
            "credentialSubject": {"id": f"did:example:learner-{n}"}}


async def _issue(ctx, school_id: int, n: int) -> dict:
    """A stored badge (with a status entry: its status list is signed by the same key)."""
    text, _ = await vcapi.issue(ctx, school_id=school_id, credential=_credential(n), options={"credentialStatus": {}})
    return json.loads(text)


def _method(doc: dict) -> str:
    proofs = doc["proof"] if isinstance(doc["proof"], list) else [doc["proof"]]
    (proof,) = proofs
    return proof["verificationMethod"]


async def _published(ctx, slug: str = "north") -> list[str]:
    return [vm["publicKeyMultibase"] for vm in (await identity.school_did_document(ctx, slug))["verificationMethod"]]


async def _rotate(ctx, school, **kw) -> str:
    row = await key_service.rotate(ctx, district_id=school.district, school_id=school.id, **kw)
    return row.public_key_multibase


async def test_only_the_newest_key_signs(seed, platform):
    school = seed.schools["north"]
    first = await _issue(platform, school.id, 1)
    newest = await _rotate(platform, school)
    second = await _issue(platform, school.id, 2)
    assert _method(first).endswith("#" + (await _published(platform))[0])
    assert _method(second).endswith("#" + newest)
    assert (await identity.signer_for(platform, school.id)).public_key.multibase == newest


async def test_rotation_past_the_cap_is_refused_while_keys_are_fresh(seed, platform):
    school = seed.schools["north"]
    await identity.signer_for(platform, school.id)
    for _ in range(3):
        await _rotate(platform, school, max_keys=4)
    before = await _published(platform)
    assert len(before) == 4
    with pytest.raises(Conflict, match="at most 4"):
        await _rotate(platform, school, max_keys=4)  # all retired within the hour: a signature may be in flight
    assert await _published(platform) == before  # nothing half done: same keys, same active one
    assert (await identity.signer_for(platform, school.id)).public_key.multibase == before[-1]


async def test_old_unused_keys_are_withdrawn_and_used_ones_stay(seed, platform):
    school = seed.schools["north"]
    old_badge = await _issue(platform, school.id, 1)  # signed with the first key
    keys = [(await _published(platform))[0]]
    for _ in range(3):
        keys.append(await _rotate(platform, school, max_keys=4))  # keys[1] and keys[2] never sign anything
    platform.clock.advance(hours=2)
    keys.append(await _rotate(platform, school, max_keys=4))
    assert await _published(platform) == [keys[0], keys[2], keys[3], keys[4]]  # the oldest unused one went
    keys.append(await _rotate(platform, school, max_keys=4))
    assert await _published(platform) == [keys[0], keys[3], keys[4], keys[5]]
    events = [e for e in await accounts_repo.audit_events(school_id=school.id) if e.action == "key.withdraw"]
    assert [e.subject for e in events] == [keys[2], keys[1]]  # newest event first

    # A verifier still finds the key of the old badge in the served DID document ...
    did = identity.school_did_web("north", platform.settings.base_url)
    resolver = DocumentResolver({did: await identity.school_did_document(platform, "north")})
    assert verify_proof(old_badge, resolver=resolver, now=platform.clock.now()).verified
    # ... and a badge signed with a withdrawn key would not verify (the bad twin: why only unused
    # keys may go).
    doctored = json.loads(json.dumps(old_badge).replace(_method(old_badge), f"{did}#{keys[1]}"))
    assert not verify_proof(doctored, resolver=resolver, now=platform.clock.now()).verified


async def test_refused_when_every_published_key_still_verifies_a_badge(seed, platform):
    school = seed.schools["north"]
    await _issue(platform, school.id, 0)
    for n in range(1, 4):
        await _rotate(platform, school, max_keys=4)
        await _issue(platform, school.id, n)  # every key signs a stored badge
    platform.clock.advance(days=30)
    with pytest.raises(Conflict, match="still verifies stored badges"):
        await _rotate(platform, school, max_keys=4)
    assert len(await _published(platform)) == 4
    # the other school is not affected by north's keys
    await _rotate(platform, seed.schools["south"], max_keys=4)


async def test_a_transcript_keeps_its_key_published(seed, platform):
    # Only the transcript (it bundles badges signed with this key) names the key: it stays.
    from issuer.db.tables import Transcript

    school = seed.schools["north"]
    first = (await _published(platform))[0]
    await Transcript(uuid=uuidlib.UUID(int=1), school=school.id,
                     learner=seed.users[("north", "student", 0)]["id"], clr_id="urn:uuid:t1",
                     document=json.dumps({"proof": {"verificationMethod": f"did:x#{first}"}}),
                     issued_at=platform.clock.now()).save()
    for _ in range(3):
        await _rotate(platform, school, max_keys=4)
    platform.clock.advance(hours=2)
    await _rotate(platform, school, max_keys=4)
    assert first in await _published(platform)


async def test_http_rotation_past_the_cap_is_a_409_problem(client, seed, platform):
    headers = {"Authorization": f"Bearer {seed.token['school_admin']}"}
    await identity.signer_for(platform, seed.schools["north"].id)
    for _ in range(key_service.MAX_PUBLISHED_KEYS - 1):
        r = await client.post("/admin/schools/north/keys/rotate", headers=headers)
        assert r.status_code == 201, r.text
    assert len(await _published(platform)) == key_service.MAX_PUBLISHED_KEYS
    r = await client.post("/admin/schools/north/keys/rotate", headers=headers)
    assert r.status_code == 409 and r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["status"] == 409 and problem["maxKeys"] == key_service.MAX_PUBLISHED_KEYS
    assert "rotate again later" in problem["detail"]
    assert len(await _published(platform)) == key_service.MAX_PUBLISHED_KEYS


def test_cli_rotation_past_the_cap_is_one_line(tmp_path, monkeypatch, capsys):
    from tests.issuer.cli_support import cli

    monkeypatch.setenv("BADGES_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert cli("init") == 0
    for _ in range(key_service.MAX_PUBLISHED_KEYS - 1):
        assert cli("keys", "rotate") == 0
    capsys.readouterr()
    assert cli("keys", "rotate") == 2
    err = capsys.readouterr().err
    assert err.startswith("badges: error: this issuer already publishes 32 signing keys") and err.count("\n") == 1
