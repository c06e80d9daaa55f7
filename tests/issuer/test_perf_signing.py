"""Signing without copies (perf): ``create_proof`` + a shallow copy is ``sign``, byte for byte.

* On the 1EdTech vectors: ``{**unsigned, "proof": [create_proof(…)]}`` serializes to exactly
  what ``sign`` returns; ``sign`` still returns a new document that shares nothing mutable with
  its input and leaves the input as it was (also with a proof already present).
* Bad twins: an undefined term or a relative verification method is refused by both.
* On the award path (SQLite and PostgreSQL): the stored badge is byte for byte what ``sign``
  gives for the same unsigned credential, key and time.
"""
from __future__ import annotations

import copy
import json
from datetime import datetime

import pytest

from badges.errors import RelativeIri, UndefinedTerm
from badges.signing import sign
from badges.signing.keys import Ed25519Signer
from badges.signing.proofs import create_proof
from tests.issuer.learning_support import make_achievement

VECTORS = ["1edtech-obv3p0", "1edtech-clrv2p0"]


def _dumps(doc: dict) -> str:
    from issuer.credentials.status import dumps

    return dumps(doc)


def _objects(node, found: list) -> list:
    if isinstance(node, (dict, list)):
        found.append(node)
        for child in node.values() if isinstance(node, dict) else node:
            _objects(child, found)
    return found


@pytest.mark.parametrize("vector", VECTORS)
def test_create_proof_is_sign_without_copies(vector, load_json):
    unsigned = load_json(f"vectors/{vector}/unsigned.json")
    options = load_json(f"vectors/{vector}/proof-options.json")
    signer = Ed25519Signer.from_multikey(load_json(f"vectors/{vector}/key.json"))
    created = datetime.fromisoformat(options["created"])
    before = copy.deepcopy(unsigned)
    signed = sign(unsigned, signer=signer, created=created)
    fast = {**unsigned, "proof": [create_proof(unsigned, signer=signer, created=created)]}
    assert _dumps(fast) == _dumps(signed)
    assert unsigned == before  # neither touched the input
    inside = {id(o) for o in _objects(unsigned, [])}
    assert not any(id(o) in inside for o in _objects(signed, []))  # sign's result is a new document
    # a second proof: sign keeps the first (as a copy) and appends
    twice = sign(signed, signer=signer, created=created)
    assert twice["proof"][0] == signed["proof"][0] and twice["proof"][0] is not signed["proof"][0]
    assert len(twice["proof"]) == 2 and "proof" in signed and len(signed["proof"]) == 1


def test_both_refuse_what_sign_refuses(load_json):
    unsigned = load_json("vectors/1edtech-obv3p0/unsigned.json")
    signer = Ed25519Signer.from_multikey(load_json("vectors/1edtech-obv3p0/key.json"))
    created = datetime.fromisoformat("2026-01-15T10:00:00+00:00")
    bad = {**unsigned, "notATerm": 1}
    for fn in (sign, create_proof):
        with pytest.raises(UndefinedTerm):
            fn(bad, signer=signer, created=created)
        with pytest.raises((UndefinedTerm, RelativeIri)):
            fn(unsigned, signer=signer, created=created, verification_method="relative#key")


@pytest.mark.anyio
async def test_an_awarded_badge_is_what_sign_gives(people, platform):
    from issuer.credentials import awarding
    from issuer.credentials import repo as credentials_repo
    from issuer.evidence import review
    from issuer.evidence import service as evidence
    from issuer.evidence.schemas import ReviewIn

    a = await make_achievement(people, platform)
    sub = await evidence.submit(platform, people["student"], achievement_uuid=str(a.uuid), narrative="Report",
                                urls=["https://example.org/r"], files=[])
    out = await review.record_review(platform, people["teacher"], str(sub.uuid),
                                     ReviewIn(ratings={"analysis": 3, "communication": 4}, feedback="ok"))
    assert out.issued is True and out.credential is not None
    row = await credentials_repo.get_credential(out.credential.uuid)
    stored = json.loads(row.document)
    unsigned = {k: v for k, v in stored.items() if k != "proof"}
    kit = await awarding.issuer_kit(platform, people["teacher"].school_id)
    assert row.document == _dumps(sign(unsigned, signer=kit.signer, created=platform.clock.now()))
    # the bad twin: another time gives another document
    other = sign(unsigned, signer=kit.signer, created=datetime.fromisoformat("2020-01-01T00:00:00+00:00"))
    assert row.document != _dumps(other)
