"""badges.didauth: a holder's DIDAuth presentation, signed here with eddsa-rdfc-2022 (Digital
Bazaar's Ed25519Signature2020 answers are checked in tests/interop/test_interop_wallet.py).
Every rule has its bad twin."""
from __future__ import annotations

from datetime import timedelta

import pytest

from badges.didauth import ChallengeMismatch, verify_did_auth
from badges.errors import InvalidSignature, ProofError, ProofPurposeError, ResolutionError
from badges.jsonld import VC_V2
from badges.signing import DidKeyResolver, Ed25519Signer, sign
from tests.support import NOW, SEED

HOLDER = Ed25519Signer.from_seed(SEED)
CHALLENGE = "f78e1e08-a2df-46ca-bb0b-6b08e3036815"


def presentation(**changes) -> dict:
    return {"@context": [VC_V2], "type": ["VerifiablePresentation"], "holder": HOLDER.public_key.did_key, **changes}


def did_auth(*, signer: Ed25519Signer = HOLDER, purpose: str = "authentication", challenge: str | None = CHALLENGE,
             created=NOW, **changes) -> dict:
    return sign(presentation(**changes), signer=signer, created=created, proof_purpose=purpose, challenge=challenge)


def check(vp, *, challenge: str = CHALLENGE, domain: str | None = None) -> str:
    return verify_did_auth(vp, challenge=challenge, resolver=DidKeyResolver(), now=NOW, domain=domain)


def test_a_holder_signed_presentation_names_its_did():
    assert check(did_auth()) == HOLDER.public_key.did_key
    # no holder named: the key's controller is the holder
    vp = sign({"@context": [VC_V2], "type": ["VerifiablePresentation"]}, signer=HOLDER, created=NOW,
              proof_purpose="authentication", challenge=CHALLENGE)
    assert check(vp) == HOLDER.public_key.did_key


def test_another_purpose_is_refused():
    with pytest.raises(ProofPurposeError, match="authentication"):
        check(did_auth(purpose="assertionMethod"))


def test_another_challenge_or_none_is_refused():
    with pytest.raises(ChallengeMismatch):
        check(did_auth(challenge="someone-elses"))
    with pytest.raises(ChallengeMismatch):
        check(did_auth(challenge=None))


def test_a_domain_asked_for_must_be_in_the_proof():
    vp = did_auth()
    with pytest.raises(ChallengeMismatch, match="domain"):
        check(vp, domain="school.example")


def test_a_key_that_is_not_the_named_holder_s_is_refused():
    stranger = Ed25519Signer.from_seed(bytes(32))
    with pytest.raises(ProofError, match="holder"):
        check(did_auth(signer=stranger))


def test_a_changed_presentation_does_not_verify():
    vp = did_auth()
    vp["id"] = "urn:uuid:0b0b0b0b-0000-4000-8000-000000000000"
    with pytest.raises(InvalidSignature):
        check(vp)


def test_a_proof_from_the_future_is_refused_and_skew_is_tolerated():
    assert check(did_auth(created=NOW + timedelta(minutes=4)))
    with pytest.raises(ProofError, match="future"):
        check(did_auth(created=NOW + timedelta(hours=1)))


def test_only_did_key_holders_resolve_with_a_did_key_resolver():
    vp = did_auth()
    vp["proof"][0]["verificationMethod"] = "did:web:wallet.example#key-1"
    with pytest.raises(ResolutionError):
        check(vp)


@pytest.mark.parametrize("bad", [
    None, [], "vp", {"type": ["VerifiablePresentation"]}, presentation(type=["VerifiableCredential"]),
    presentation(), {**presentation(), "proof": []}, {**presentation(), "proof": [{}, {}]},
])
def test_shapes_that_are_not_a_did_auth_presentation(bad):
    with pytest.raises(ProofError):
        check(bad)
