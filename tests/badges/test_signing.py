"""badges.signing.sign / verify_proof behaviour beyond the published vectors."""
from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta, timezone

import pytest

import badges.signing as signing
from badges.errors import (
    InvalidSignature,
    JsonLdError,
    ProofError,
    ProofPurposeError,
    RelativeIri,
    UndefinedTerm,
    UnsupportedSuite,
)
from badges.signing import (
    ChainResolver,
    DidKeyResolver,
    DocumentResolver,
    Ed25519Signer,
    FragmentKeyResolver,
    format_datetime,
    multikey_document,
    sign,
    verify_proof,
)
from tests.support import NOW, SEED

ISSUER = "https://school.example/issuers/1"


@pytest.fixture
def signer() -> Ed25519Signer:
    key = Ed25519Signer.from_seed(SEED)
    return key.with_verification_method(f"{ISSUER}#{key.public_key.multibase}")


@pytest.fixture
def credential(load_json) -> dict:
    doc = load_json("vectors/1edtech-obv3p0/unsigned.json")
    doc["issuer"]["id"] = ISSUER
    return doc


def _controller_doc(signer: Ed25519Signer, *, listed=("assertionMethod",)) -> dict:
    vm = multikey_document(signer.verification_method, ISSUER, signer.public_key)
    doc = {"@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
           "id": ISSUER, "verificationMethod": [{k: v for k, v in vm.items() if k != "@context"}]}
    for rel in listed:
        doc[rel] = [signer.verification_method]
    return doc


def test_exported_names():
    assert sorted(signing.__all__) == sorted([
        "ChainResolver", "DidKeyResolver", "DocumentResolver", "Ed25519Signer", "FragmentKeyResolver",
        "KeyResolver", "ProofCheck", "ProofResult", "PublicKey", "RsaPublicKey", "VerificationMethod",
        "did_key_document", "did_web_url", "format_datetime", "load_key_file", "multikey_document", "sign",
        "verify", "verify_proof"])


def test_sign_returns_a_new_document_with_a_proof_list(signer, credential):
    before = copy.deepcopy(credential)
    signed = sign(credential, signer=signer, created=NOW)
    assert credential == before
    assert isinstance(signed["proof"], list) and len(signed["proof"]) == 1
    proof = signed["proof"][0]
    assert proof == {**proof, "type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022",
                     "created": "2026-01-15T10:00:00Z", "verificationMethod": signer.verification_method,
                     "proofPurpose": "assertionMethod"}
    assert proof["proofValue"].startswith("z")
    # Ed25519 is deterministic: same key, data and time give the same bytes
    assert sign(credential, signer=signer, created=NOW) == signed


def test_sign_is_verified_through_the_controller_document(signer, credential):
    signed = sign(credential, signer=signer, created=NOW)
    result = verify_proof(signed, resolver=DocumentResolver([_controller_doc(signer)]), now=NOW)
    assert result.verified and result.warnings == ()
    assert result.verification_method.source == "document"
    assert result.verification_method.relationships == frozenset({"assertionMethod"})


def test_key_not_listed_under_assertion_method_fails(signer, credential):
    signed = sign(credential, signer=signer, created=NOW)
    resolver = DocumentResolver([_controller_doc(signer, listed=("authentication",))])
    result = verify_proof(signed, resolver=resolver, now=NOW)
    assert not result.verified and isinstance(result.error, ProofPurposeError)
    assert "assertionMethod" in result.error.message


def test_validly_signed_by_a_key_whose_controller_is_not_the_issuer(credential):
    """A correct signature by someone else's key: only the issuer binding catches it."""
    key = Ed25519Signer.from_seed(SEED)
    impostor = key.with_verification_method(f"https://impostor.example/issuers/9#{key.public_key.multibase}")
    signed = sign(credential, signer=impostor, created=NOW)
    result = verify_proof(signed, resolver=FragmentKeyResolver(), now=NOW)
    assert not result.verified
    assert isinstance(result.error, ProofPurposeError) and "does not match issuer" in result.error.message


def test_issuer_given_as_a_string(signer, credential):
    credential["issuer"] = ISSUER
    signed = sign(credential, signer=signer, created=NOW)
    assert verify_proof(signed, resolver=FragmentKeyResolver(), now=NOW).verified
    signed["issuer"] = "https://school.example/issuers/2"
    assert isinstance(verify_proof(signed, resolver=FragmentKeyResolver(), now=NOW).error, ProofPurposeError)


def test_did_key_issuer(credential):
    key = Ed25519Signer.from_seed(SEED)
    credential["issuer"]["id"] = key.public_key.did_key
    signed = sign(credential, signer=key, created=NOW)
    result = verify_proof(signed, resolver=DidKeyResolver(), now=NOW, strict_did_key=True)
    assert result.verified and result.warnings == ()


def test_sign_keeps_existing_proofs_and_each_proof_is_reported(signer, credential):
    other = Ed25519Signer.from_seed(bytes(32))
    other = other.with_verification_method(f"{ISSUER}#{other.public_key.multibase}")
    once = sign(credential, signer=signer, created=NOW)
    twice = sign(once, signer=other, created=NOW + timedelta(seconds=1))
    assert len(twice["proof"]) == 2 and twice["proof"][0] == once["proof"][0]
    result = verify_proof(twice, resolver=FragmentKeyResolver(), now=NOW)
    assert result.verified and [c.verified for c in result.checks] == [True, True]
    # one broken proof of two: the set is not verified (DI §4.4: every proof must verify), and
    # the broken one is named
    tampered = copy.deepcopy(twice)
    tampered["proof"][0]["proofValue"] = tampered["proof"][1]["proofValue"]
    result = verify_proof(tampered, resolver=FragmentKeyResolver(), now=NOW)
    assert not result.verified
    assert [c.verified for c in result.checks] == [False, True]
    assert isinstance(result.checks[0].error, InvalidSignature) and result.error is result.checks[0].error
    # the same with the good proof first: a good proof does not hide a tampered second one
    tampered["proof"].reverse()
    result = verify_proof(tampered, resolver=FragmentKeyResolver(), now=NOW)
    assert not result.verified and [c.verified for c in result.checks] == [True, False]
    assert isinstance(result.error, InvalidSignature)


def test_a_proof_set_needs_one_issuer_proof_and_lets_another_party_co_sign(signer, credential):
    """A notary's proof (its own key, not the issuer's) is fine next to the issuer's, not alone."""
    notary = Ed25519Signer.from_seed(bytes(32))
    signed = sign(credential, signer=signer, created=NOW)
    cosigned = sign(signed, signer=notary, created=NOW)  # did:key of the notary, not the issuer
    result = verify_proof(cosigned, resolver=ChainResolver(DidKeyResolver(), FragmentKeyResolver()), now=NOW)
    assert result.verified and [c.binding_error is None for c in result.checks] == [True, False]
    assert result.primary is result.checks[0] and result.verification_method.controller == ISSUER
    only_notary = sign(credential, signer=notary, created=NOW)
    result = verify_proof(only_notary, resolver=DidKeyResolver(), now=NOW)
    assert not result.verified and isinstance(result.error, ProofPurposeError)
    assert "does not match issuer" in result.error.message


def _chain(signer, credential, *, previous="urn:uuid:proof-1"):
    notary = Ed25519Signer.from_seed(bytes(32))
    first = sign(credential, signer=signer, created=NOW, proof_id="urn:uuid:proof-1")
    return sign(first, signer=notary, created=NOW, previous_proof=previous)


RESOLVER = ChainResolver(DidKeyResolver(), FragmentKeyResolver())


@pytest.mark.parametrize("previous", ["urn:uuid:proof-1", ["urn:uuid:proof-1"]])
def test_a_proof_chain_is_verified_over_the_proofs_it_names(signer, credential, previous):
    chained = _chain(signer, credential, previous=previous)
    assert chained["proof"][0]["id"] == "urn:uuid:proof-1" and chained["proof"][1]["previousProof"] == previous
    result = verify_proof(chained, resolver=RESOLVER, now=NOW)
    assert result.verified, result.error
    # the second proof covers the first: verified as a plain set member it does not verify
    unchained = copy.deepcopy(chained)
    del unchained["proof"][1]["previousProof"]
    assert not verify_proof(unchained, resolver=RESOLVER, now=NOW).verified
    # ...and changing the first proof breaks the second as well as the first
    tampered = copy.deepcopy(chained)
    tampered["proof"][0]["created"] = "2026-01-15T10:00:01Z"
    result = verify_proof(tampered, resolver=RESOLVER, now=NOW)
    assert not result.verified and [c.verified for c in result.checks] == [False, False]


@pytest.mark.parametrize("previous", ["urn:uuid:missing", ["urn:uuid:proof-1", "urn:uuid:missing"], 7, []])
def test_a_chain_naming_a_missing_proof_fails(signer, credential, previous):
    chained = _chain(signer, credential)
    chained["proof"][1]["previousProof"] = previous
    result = verify_proof(chained, resolver=RESOLVER, now=NOW)
    assert not result.verified and isinstance(result.error, ProofError)
    assert "previousProof" in result.error.message
    assert [c.verified for c in result.checks] == [True, False]


def test_signing_a_chain_refuses_a_missing_previous_proof(signer, credential):
    with pytest.raises(ProofError, match="no proof with that id"):
        sign(sign(credential, signer=signer, created=NOW), signer=signer, created=NOW, previous_proof="urn:x:nope")


def test_proof_given_as_a_single_object(signer, credential):
    signed = sign(credential, signer=signer, created=NOW)
    signed["proof"] = signed["proof"][0]
    assert verify_proof(signed, resolver=FragmentKeyResolver(), now=NOW).verified


def test_sign_refuses_undefined_terms_and_relative_iris(signer, credential):
    sign(credential, signer=signer, created=NOW)  # the good twin
    bad = copy.deepcopy(credential)
    bad["credentialSubject"]["favouriteColour"] = "green"
    with pytest.raises(UndefinedTerm) as info:
        sign(bad, signer=signer, created=NOW)
    assert info.value.terms == ["credentialSubject.favouriteColour"]
    bad = copy.deepcopy(credential)
    bad["id"] = "credentials/1"
    with pytest.raises(RelativeIri):
        sign(bad, signer=signer, created=NOW)


def test_sign_refuses_a_context_without_data_integrity_terms(signer, load_json):
    legacy = load_json("examples/ob3-legacy-vc1-ed25519signature2020.json")
    legacy["@context"] = legacy["@context"][:2]  # VC 1.1 + OB: no DataIntegrityProof terms
    del legacy["proof"]
    legacy["issuer"]["id"] = ISSUER
    with pytest.raises(UndefinedTerm) as info:
        sign(legacy, signer=signer, created=NOW)
    assert all(term.startswith("proof.") for term in info.value.terms)


def test_sign_argument_errors(signer, credential):
    with pytest.raises(UnsupportedSuite):
        sign(credential, signer=signer, created=NOW, cryptosuite="eddsa-jcs-2022")
    with pytest.raises(ValueError):
        sign(credential, signer=signer, created=datetime(2026, 1, 15))
    with pytest.raises(JsonLdError):
        sign({"name": "no context"}, signer=signer, created=NOW)


def test_sign_with_explicit_verification_method_and_purpose(signer, credential):
    vm = f"{ISSUER}#{signer.public_key.multibase}"
    signed = sign(credential, signer=Ed25519Signer.from_seed(SEED), created=NOW, verification_method=vm,
                  proof_purpose="authentication")
    assert signed["proof"][0]["verificationMethod"] == vm
    assert isinstance(verify_proof(signed, resolver=FragmentKeyResolver(), now=NOW).error, ProofPurposeError)
    assert verify_proof(signed, resolver=FragmentKeyResolver(), now=NOW,
                        expected_purpose="authentication").verified


def test_format_datetime():
    assert format_datetime(datetime(2026, 1, 15, 11, 0, 0, 123456, tzinfo=timezone(timedelta(hours=1)))) \
        == "2026-01-15T10:00:00Z"
    with pytest.raises(ValueError):
        format_datetime(datetime(2026, 1, 15))


def test_expired_proof(signer, credential):
    signed = sign(credential, signer=signer, created=NOW)
    signed["proof"][0]["expires"] = "2026-01-01T00:00:00Z"
    result = verify_proof(signed, resolver=FragmentKeyResolver(), now=NOW)
    assert isinstance(result.error, ProofError) and "expired" in result.error.message


@pytest.mark.parametrize("doc", [
    None, [], "text", {}, {"@context": ["https://www.w3.org/ns/credentials/v2"]},
    {"proof": "nope"}, {"proof": [1, 2]}, {"proof": {"type": "DataIntegrityProof"}},
])
def test_verify_never_raises_for_bad_documents(doc):
    result = verify_proof(doc, resolver=ChainResolver(DidKeyResolver(), FragmentKeyResolver()), now=NOW)
    assert not result.verified and isinstance(result.error, ProofError)


def test_verify_reports_json_ld_problems_instead_of_raising(signer, credential):
    signed = sign(credential, signer=signer, created=NOW)
    signed["@context"].append("https://evil.example/context.jsonld")
    result = verify_proof(signed, resolver=FragmentKeyResolver(), now=NOW)
    assert not result.verified and isinstance(result.error, JsonLdError)


def test_verify_uses_the_given_loader(signer, credential):
    signed = sign(credential, signer=signer, created=NOW)
    calls = []

    def loader(url, options=None):
        calls.append(url)
        from badges.jsonld import load_document
        return load_document(url, options)

    assert verify_proof(signed, resolver=FragmentKeyResolver(), now=NOW, loader=loader).verified
    assert calls


def test_verify_requires_an_aware_now(signer, credential):
    with pytest.raises(ValueError):
        verify_proof(sign(credential, signer=signer, created=NOW), resolver=FragmentKeyResolver(),
                     now=datetime(2026, 1, 15))


def test_signed_output_is_json_serializable_and_stable(signer, credential):
    signed = sign(credential, signer=signer, created=NOW)
    again = json.loads(json.dumps(signed))
    assert verify_proof(again, resolver=FragmentKeyResolver(), now=NOW).verified


def test_did_web_issuer_end_to_end(credential):
    from badges.signing import did_web_url

    did = "did:web:school.example:issuers:1"
    key = Ed25519Signer.from_seed(SEED)
    signer = key.with_verification_method(f"{did}#key-1")
    did_doc = {"@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
               "id": did,
               "verificationMethod": [{"id": f"{did}#key-1", "type": "Multikey", "controller": did,
                                       "publicKeyMultibase": key.public_key.multibase}],
               "assertionMethod": ["#key-1"]}
    credential["issuer"]["id"] = did
    signed = sign(credential, signer=signer, created=NOW)
    resolver = ChainResolver(DidKeyResolver(), DocumentResolver({did_web_url(did): did_doc}))
    result = verify_proof(signed, resolver=resolver, now=NOW)
    assert result.verified and result.verification_method.source == "document"
    rotated = copy.deepcopy(did_doc)
    rotated["verificationMethod"][0]["publicKeyMultibase"] = Ed25519Signer.from_seed(bytes(32)).public_key.multibase
    result = verify_proof(signed, resolver=DocumentResolver({did_web_url(did): rotated}), now=NOW)
    assert not result.verified and isinstance(result.error, InvalidSignature)


def test_a_strangers_did_key_cannot_sign_for_an_issuer_that_publishes_keys(credential):
    """The 1EdTech leniency for did:key covers only issuer ids that name no keys (urn:uuid:…)."""
    stranger = Ed25519Signer.from_seed(bytes(32))  # its VM defaults to its own did:key
    for forged_issuer in (ISSUER, "did:web:school.example:issuers:1"):
        credential["issuer"]["id"] = forged_issuer
        result = verify_proof(sign(credential, signer=stranger, created=NOW), resolver=DidKeyResolver(), now=NOW)
        assert not result.verified and isinstance(result.error, ProofPurposeError)
    credential["issuer"]["id"] = "urn:uuid:2f3c1a0e-6f1d-4c55-9b0a-1b2c3d4e5f60"
    result = verify_proof(sign(credential, signer=stranger, created=NOW), resolver=DidKeyResolver(), now=NOW)
    assert result.verified and result.warnings
