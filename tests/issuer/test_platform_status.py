"""Status lists: random unique allocation (also under concurrency), revoke/suspend/reinstate."""
from __future__ import annotations

import asyncio
import json

import pytest

from badges.signing import DocumentResolver, sign, verify_proof
from badges.status import MIN_BITS, BitstringStatusList, check_status, message_index_range
from issuer.accounts import repo as accounts_repo
from issuer.credentials import repo as credentials_repo
from issuer.credentials import status
from issuer.db.engine import write_transaction
from issuer.db.tables import StatusEntry, StatusList
from issuer.errors import BadRequest, Conflict, NotFound
from issuer.schools import identity
from tests.support import BASE_URL, NOW

pytestmark = pytest.mark.anyio


async def _issue(ctx, school_id: int, n: int, purposes=("revocation", "suspension")) -> dict:
    """A stored, signed credential with status entries (what awarding / VC-API do)."""
    did = await identity.issuer_did(ctx, school_id)
    async with write_transaction():
        allocated = [await status.allocate_entry(ctx, school_id, purpose=p) for p in purposes]
        doc = {"@context": ["https://www.w3.org/ns/credentials/v2"], "id": f"urn:uuid:00000000-0000-4000-8000-{n:012d}",
               "type": ["VerifiableCredential"], "issuer": did,
               "credentialSubject": {"id": "did:example:learner"},
               "credentialStatus": [a[0] for a in allocated]}
        signed = sign(doc, signer=await identity.signer_for(ctx, school_id), created=NOW)
        return await credentials_repo.insert_issued_credential(
            school_id=school_id, credential_id=doc["id"], document=status.dumps(signed), issued_at=NOW,
            status_list_id=allocated[0][1], status_index=allocated[0][2], status_purpose=purposes[0])


async def _list(slug: str, purpose: str) -> dict:
    return json.loads(await status.list_document(slug, purpose, 1))


async def test_allocation_shape(seed):
    """A new credential gets one two-bit message entry; indexes from message_index_range."""
    north = seed.schools["north"].id
    async with write_transaction():
        entry, list_id, index = await status.allocate_entry(seed.ctx, north)
    assert entry == {"id": f"http://127.0.0.1:8000/status/north/message/1#{index}",
                     "type": "BitstringStatusListEntry", "statusPurpose": "message",
                     "statusListIndex": str(index),
                     "statusListCredential": "http://127.0.0.1:8000/status/north/message/1",
                     "statusSize": 2, "statusMessage": [
                         {"status": "0x0", "message": "valid"}, {"status": "0x1", "message": "suspended"},
                         {"status": "0x2", "message": "revoked"}, {"status": "0x3", "message": "revoked"}]}
    assert index in message_index_range(2 * MIN_BITS)
    lst = await StatusList.select().where(StatusList.id == list_id).first()
    assert (lst["school"], lst["purpose"], lst["list_no"], lst["size"]) == (north, "message", 1, 2 * MIN_BITS)
    # the old one-bit purposes are still available (and their lists keep working)
    async with write_transaction():
        legacy, legacy_list, legacy_index = await status.allocate_entry(seed.ctx, north, purpose="revocation")
    assert legacy["statusListCredential"].endswith("/status/north/revocation/1") and "statusSize" not in legacy
    assert 0 <= legacy_index < MIN_BITS
    with pytest.raises(ValueError):
        await status.allocate_entry(seed.ctx, north, purpose="refresh")
    with pytest.raises(NotFound):
        await status.allocate_entry(seed.ctx, 9999)


async def test_allocation_rolls_back_with_the_transaction(seed):
    north = seed.schools["north"].id
    with pytest.raises(RuntimeError):
        async with write_transaction():
            await status.allocate_entry(seed.ctx, north)
            raise RuntimeError("award failed")
    assert await StatusEntry.count() == 0


async def test_fifty_concurrent_allocations_are_unique(seed):
    north = seed.schools["north"].id

    async def one():
        async with write_transaction():
            return await status.allocate_entry(seed.ctx, north)

    results = await asyncio.gather(*[one() for _ in range(50)])
    pairs = {(list_id, index) for _, list_id, index in results}
    assert len(pairs) == 50
    assert await StatusEntry.count() == 50
    assert await StatusList.count() == 1  # the racing creators agreed on one list


async def test_unique_constraint_is_enforced_by_the_database(seed):
    north = seed.schools["north"].id
    async with write_transaction():
        _, list_id, index = await status.allocate_entry(seed.ctx, north)
    assert not await credentials_repo.claim_status_index(list_id=list_id, index=index, at=NOW)  # bad twin: taken
    assert await credentials_repo.claim_status_index(list_id=list_id, index=(index + 1) % MIN_BITS, at=NOW)


async def test_revoke_flips_the_bit_and_the_list_is_re_signed(seed, platform):
    north = seed.schools["north"]
    row = await _issue(seed.ctx, north.id, 1)
    other = await _issue(seed.ctx, north.id, 2)
    credential = json.loads(row.document)
    entry = credential["credentialStatus"][0]
    before = await _list("north", "revocation")
    assert check_status(entry, before, credential_id=credential["id"]).ok

    platform.clock.advance(minutes=5)
    admin = seed.users[("north", "school_admin", 0)]
    updated = await status.revoke(seed.ctx, row.id, reason="plagiarised evidence", actor_id=admin["id"])
    assert updated.revoked_reason == "plagiarised evidence" and updated.revoked_by == admin["id"]
    after = await _list("north", "revocation")
    assert not check_status(entry, after, credential_id=credential["id"]).ok
    other_doc = json.loads(other.document)
    assert check_status(other_doc["credentialStatus"][0], after, credential_id=other_doc["id"]).ok
    assert after["proof"][0]["created"] == "2026-01-15T10:05:00Z"
    bits = BitstringStatusList.decode(after["credentialSubject"]["encodedList"])
    assert bits.set_indexes() == [int(entry["statusListIndex"])]

    resolver = DocumentResolver({identity.school_did_web("north", BASE_URL): await identity.school_did_document(seed.ctx, "north")})
    assert verify_proof(after, resolver=resolver, now=platform.clock.now()).verified
    tampered = {**after, "credentialSubject": {**after["credentialSubject"], "encodedList": before["credentialSubject"]["encodedList"]}}
    assert not verify_proof(tampered, resolver=resolver, now=platform.clock.now()).verified

    events = await accounts_repo.audit_events(school_id=north.id)
    assert events[0].action == "credential.revoke" and events[0].actor == admin["id"]
    assert events[0].details == {"reason": "plagiarised evidence", "statusPurpose": "revocation"}
    with pytest.raises(Conflict):
        await status.revoke(seed.ctx, row.id, reason="again", actor_id=admin["id"])
    with pytest.raises(Conflict):
        await status.suspend(seed.ctx, row.id, reason="revoked badges cannot be suspended", actor_id=admin["id"])


async def test_suspend_and_reinstate(seed, platform):
    north = seed.schools["north"]
    row = await _issue(seed.ctx, north.id, 3)
    credential = json.loads(row.document)
    entry = credential["credentialStatus"][1]
    assert entry["statusPurpose"] == "suspension"
    await status.suspend(seed.ctx, row.id, reason="under review", actor_id=None)
    assert not check_status(entry, await _list("north", "suspension"), credential_id=credential["id"]).ok
    assert check_status(credential["credentialStatus"][0], await _list("north", "revocation"),
                        credential_id=credential["id"]).ok
    with pytest.raises(Conflict):
        await status.suspend(seed.ctx, row.id, reason="twice", actor_id=None)
    reinstated = await status.reinstate(seed.ctx, row.id, actor_id=None)
    assert reinstated.suspended is False
    assert check_status(entry, await _list("north", "suspension"), credential_id=credential["id"]).ok


async def test_refusals(seed):
    north = seed.schools["north"].id
    south = seed.schools["south"].id
    row = await _issue(seed.ctx, north, 4, purposes=("revocation",))
    with pytest.raises(BadRequest):
        await status.revoke(seed.ctx, row.id, reason="  ", actor_id=None)
    with pytest.raises(Conflict, match="without a suspension status entry"):
        await status.suspend(seed.ctx, row.id, reason="x", actor_id=None)
    with pytest.raises(NotFound):  # another school's admin cannot reach it
        await status.revoke(seed.ctx, row.id, reason="x", actor_id=None, school_id=south)
    with pytest.raises(NotFound):
        await status.list_document("north", "refresh", 1)
    with pytest.raises(NotFound):
        await status.list_document("north", "revocation", 2)


async def test_concurrent_revocations_lose_no_bit(seed, platform):
    """Each revocation re-signs the whole list; without the row lock two of them would each
    write a list with only their own bit set."""
    north = seed.schools["north"].id
    rows = [await _issue(seed.ctx, north, 100 + i, purposes=("revocation",)) for i in range(10)]
    await asyncio.gather(*[status.revoke(seed.ctx, r.id, reason="batch", actor_id=None) for r in rows])
    lst = await _list("north", "revocation")
    bits = BitstringStatusList.decode(lst["credentialSubject"]["encodedList"])
    assert sorted(bits.set_indexes()) == sorted(r.status_index for r in rows)
    resolver = DocumentResolver({identity.school_did_web("north", BASE_URL): await identity.school_did_document(seed.ctx, "north")})
    assert verify_proof(lst, resolver=resolver, now=platform.clock.now()).verified


async def test_a_crowded_list_rolls_over_to_the_next(seed, monkeypatch):
    """16 straight conflicts mean the list is crowded: the next list number is opened."""
    import types

    north = seed.schools["north"].id
    draws: list[int] = []

    def randbelow(n: int) -> int:
        draws.append(n)
        return 7  # always the same index: every draw after the first conflicts

    monkeypatch.setattr(status, "secrets", types.SimpleNamespace(randbelow=randbelow))
    async with write_transaction():
        first = await status.allocate_entry(seed.ctx, north, purpose="revocation")
        second = await status.allocate_entry(seed.ctx, north, purpose="revocation")
        third = await status.allocate_entry(seed.ctx, north, purpose="suspension")
    assert first[0]["statusListCredential"].endswith("/revocation/1") and first[2] == 7
    assert second[0]["statusListCredential"].endswith("/revocation/2") and second[2] == 7
    assert second[1] != first[1]
    assert len(draws) == 1 + 16 + 1 + 1
    assert third[0]["statusListCredential"].endswith("/suspension/1")
    assert json.loads(await status.list_document("north", "revocation", 2))["id"].endswith("/revocation/2")


async def test_message_entry_transitions_and_concurrent_writes_lose_nothing(seed, platform):
    """New badges: one message entry. Ten badges change state at once (five suspended, five
    revoked); every two-bit value and every single compatibility bit ends up right, and the
    re-signed list verifies."""
    from badges.status import STATE_REVOKED, STATE_SUSPENDED, STATE_VALID, message_state

    north = seed.schools["north"].id
    rows = [await _issue(seed.ctx, north, 200 + i, purposes=("message",)) for i in range(11)]
    untouched, rows = rows[0], rows[1:]
    await asyncio.gather(*[status.suspend(seed.ctx, r.id, reason="review", actor_id=None) for r in rows[:5]],
                         *[status.revoke(seed.ctx, r.id, reason="fraud", actor_id=None) for r in rows[5:]])
    lst = await _list("north", "message")
    bits = BitstringStatusList.decode(lst["credentialSubject"]["encodedList"])
    assert bits.size_bits == 2 * MIN_BITS
    expected = [(untouched, STATE_VALID), *[(r, STATE_SUSPENDED) for r in rows[:5]],
                *[(r, STATE_REVOKED) for r in rows[5:]]]
    for row, state in expected:
        index = row.status_index
        assert message_state(bits, index) == state and bits.get(index) is (state != STATE_VALID)
        doc = json.loads(row.document)
        word = {STATE_VALID: "valid", STATE_SUSPENDED: "suspended", STATE_REVOKED: "revoked"}[state]
        assert check_status(doc["credentialStatus"][0], lst, credential_id=doc["id"]).state == word
    resolver = DocumentResolver({identity.school_did_web("north", BASE_URL): await identity.school_did_document(seed.ctx, "north")})
    assert verify_proof(lst, resolver=resolver, now=platform.clock.now()).verified

    # suspended → revoked is allowed (revoke wins); reinstating after that is not
    await status.revoke(seed.ctx, rows[0].id, reason="confirmed", actor_id=None)
    bits = BitstringStatusList.decode((await _list("north", "message"))["credentialSubject"]["encodedList"])
    assert message_state(bits, rows[0].status_index) == STATE_REVOKED
    with pytest.raises(Conflict, match="permanent"):
        await status.reinstate(seed.ctx, rows[0].id, actor_id=None)
    events = await accounts_repo.audit_events(school_id=north, limit=1)
    assert events[0].details == {"reason": "confirmed", "statusPurpose": "message"}


async def test_an_index_outside_the_message_entries_is_a_conflict_not_a_crash(seed):
    """Bad twin of the transitions above: a stored document whose message index lies where the
    list never hands entries out (hand-edited, or from another layout) changes nothing."""
    from badges.status import message_index_range

    north = seed.schools["north"].id
    row = await _issue(seed.ctx, north, 300, purposes=("message",))
    doc = json.loads(row.document)
    before = await _list("north", "message")
    outside = message_index_range(2 * MIN_BITS).start - 1
    doc["credentialStatus"][0]["statusListIndex"] = str(outside)
    from issuer.db.tables import IssuedCredential
    await IssuedCredential.update({IssuedCredential.document: status.dumps(doc)}).where(
        IssuedCredential.id == row.id)
    with pytest.raises(Conflict, match="does not belong"):
        await status.suspend(seed.ctx, row.id, reason="x", actor_id=None)
    assert await _list("north", "message") == before
    assert (await credentials_repo.issued_credential(row_id=row.id)).suspended is False
