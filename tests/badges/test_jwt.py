"""VC-JWT (OB 3.0 §8.2): EdDSA signing, EdDSA/RS256 verification, kid/jwk headers, claim checks."""
from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest

from badges.errors import InvalidSignature, ProofError, ProofPurposeError, ResolutionError, UnsupportedSuite
from badges.signing import ChainResolver, DidKeyResolver, DocumentResolver, Ed25519Signer, multikey_document
from badges.signing.jwt import jwk_thumbprint, sign_jwt, verify_jwt
from tests.support import NOW, SEED

RESOLVER = ChainResolver(DidKeyResolver())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _json_part(part: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def _with(token: str, *, header: dict | None = None, payload: dict | None = None) -> str:
    h, p, s = token.split(".")
    if header is not None:
        h = _b64(json.dumps(header).encode())
    if payload is not None:
        p = _b64(json.dumps(payload).encode())
    return f"{h}.{p}.{s}"


@pytest.fixture
def token(reference) -> str:
    return (reference / "examples/ob3-vcjwt-rs256-jwk.jws").read_text(encoding="ascii").strip()


@pytest.fixture
def credential(load_json) -> dict:
    doc = load_json("vectors/1edtech-obv3p0/unsigned.json")
    doc["issuer"]["id"] = Ed25519Signer.from_seed(SEED).public_key.did_key
    return doc


def test_rs256_example_with_jwk_header(token):
    result = verify_jwt(token, resolver=RESOLVER, now=NOW)
    assert result.header["alg"] == "RS256"
    assert result.credential["issuer"]["id"] == "https://1edtech.edu/issuers/565049"
    assert not {"iss", "jti", "nbf", "iat", "aud"} & set(result.credential)
    assert result.key_id == jwk_thumbprint(result.header["jwk"])


def test_rs256_flipped_signature_byte(token):
    h, p, s = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)))
    raw[5] ^= 0x01
    with pytest.raises(InvalidSignature):
        verify_jwt(f"{h}.{p}.{_b64(bytes(raw))}", resolver=RESOLVER, now=NOW)


def test_rs256_changed_payload(token):
    payload = _json_part(token.split(".")[1])
    payload["name"] = "Tampered"
    with pytest.raises(InvalidSignature):
        verify_jwt(_with(token, payload=payload), resolver=RESOLVER, now=NOW)


def test_alg_none_is_refused(token):
    header = {"alg": "none", "jwk": _json_part(token.split(".")[0])["jwk"]}
    h, p, _ = _with(token, header=header).split(".")
    for forged in (f"{h}.{p}.", f"{h}.{p}.{token.split('.')[2]}"):
        with pytest.raises(ProofError):
            verify_jwt(forged, resolver=RESOLVER, now=NOW)
    with pytest.raises(UnsupportedSuite):
        verify_jwt(f"{h}.{p}.{token.split('.')[2]}", resolver=RESOLVER, now=NOW)


def test_hs256_is_refused(token):
    header = {"alg": "HS256", "jwk": _json_part(token.split(".")[0])["jwk"]}
    with pytest.raises(UnsupportedSuite):
        verify_jwt(_with(token, header=header), resolver=RESOLVER, now=NOW)


def test_rs256_wrong_key(token):
    from cryptography.hazmat.primitives.asymmetric import rsa
    numbers = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key().public_numbers()
    wrong = {"kty": "RSA", "n": _b64(numbers.n.to_bytes(256, "big")), "e": "AQAB"}
    with pytest.raises(InvalidSignature):
        verify_jwt(_with(token, header={"alg": "RS256", "jwk": wrong}), resolver=RESOLVER, now=NOW)


def test_jwk_header_with_private_key_is_refused(token):
    header = _json_part(token.split(".")[0])
    header["jwk"]["d"] = "AAAA"
    with pytest.raises(ProofError, match="private"):
        verify_jwt(_with(token, header=header), resolver=RESOLVER, now=NOW)


def test_eddsa_round_trip_with_kid(credential):
    signer = Ed25519Signer.from_seed(SEED)
    token = sign_jwt(credential, signer=signer)
    header, payload = (_json_part(part) for part in token.split(".")[:2])
    assert header == {"alg": "EdDSA", "typ": "JWT", "kid": signer.verification_method}
    assert payload["iss"] == credential["issuer"]["id"]
    assert payload["jti"] == credential["id"]
    assert payload["sub"] == credential["credentialSubject"]["id"]
    assert payload["nbf"] == int(datetime(2010, 1, 1, tzinfo=UTC).timestamp())
    assert "exp" not in payload
    result = verify_jwt(token, resolver=RESOLVER, now=NOW)
    assert result.credential == credential and result.key_id == signer.verification_method
    assert sign_jwt(credential, signer=signer) == token  # deterministic


def _resigned(token: str, signer: Ed25519Signer, header: dict) -> str:
    signing_input = f"{_b64(json.dumps(header).encode())}.{token.split('.')[1]}"
    return f"{signing_input}.{_b64(signer.sign(signing_input.encode('ascii')))}"


def test_rfc_9864_ed25519_alg_is_accepted_and_ed448_is_not(credential):
    signer = Ed25519Signer.from_seed(SEED)
    token = sign_jwt(credential, signer=signer)
    fully_specified = _resigned(token, signer, {"alg": "Ed25519", "typ": "JWT", "kid": signer.verification_method})
    assert verify_jwt(fully_specified, resolver=RESOLVER, now=NOW).credential == credential
    ed448 = _resigned(token, signer, {"alg": "Ed448", "typ": "JWT", "kid": signer.verification_method})
    with pytest.raises(ProofError):
        verify_jwt(ed448, resolver=RESOLVER, now=NOW)


def test_eddsa_exp_and_expiry(credential):
    signer = Ed25519Signer.from_seed(SEED)
    credential["validUntil"] = "2026-01-01T00:00:00Z"
    token = sign_jwt(credential, signer=signer)
    assert _json_part(token.split(".")[1])["exp"] == int(datetime(2026, 1, 1, tzinfo=UTC).timestamp())
    with pytest.raises(ProofError, match="expired"):
        verify_jwt(token, resolver=RESOLVER, now=NOW)
    assert verify_jwt(token, resolver=RESOLVER, now=datetime(2025, 12, 31, tzinfo=UTC))


def test_not_yet_valid(credential):
    credential["validFrom"] = "2026-02-01T00:00:00Z"
    token = sign_jwt(credential, signer=Ed25519Signer.from_seed(SEED))
    with pytest.raises(ProofError, match="not valid before"):
        verify_jwt(token, resolver=RESOLVER, now=NOW)


def test_eddsa_wrong_key_via_kid(credential):
    signer = Ed25519Signer.from_seed(SEED)
    other = Ed25519Signer.from_seed(bytes(32))
    token = sign_jwt(credential, signer=signer, kid=other.verification_method)
    with pytest.raises(InvalidSignature):
        verify_jwt(token, resolver=RESOLVER, now=NOW)


def test_kid_that_cannot_be_resolved(credential):
    token = sign_jwt(credential, signer=Ed25519Signer.from_seed(SEED), kid="https://nowhere.example/key")
    with pytest.raises(ResolutionError):
        verify_jwt(token, resolver=RESOLVER, now=NOW)


def test_kid_controller_must_be_the_issuer(credential):
    key = Ed25519Signer.from_seed(SEED)
    credential["issuer"]["id"] = "https://school.example/issuers/1"
    vm_id = "https://impostor.example/keys/1"
    resolver = DocumentResolver([multikey_document(vm_id, "https://impostor.example", key.public_key)])
    token = sign_jwt(credential, signer=key, kid=vm_id)
    with pytest.raises(ProofPurposeError):
        verify_jwt(token, resolver=resolver, now=NOW)
    school_vm = "https://school.example/keys/1"
    good = DocumentResolver([multikey_document(school_vm, "https://school.example/issuers/1", key.public_key)])
    token = sign_jwt(credential, signer=key, kid=school_vm)
    assert verify_jwt(token, resolver=good, now=NOW).key_id == school_vm


def test_claims_must_match_the_credential(credential):
    signer = Ed25519Signer.from_seed(SEED)
    token = sign_jwt(credential, signer=signer)
    payload = _json_part(token.split(".")[1])
    for claim, value, error in (("iss", "https://other.example", ProofPurposeError),
                                ("jti", "urn:uuid:other", ProofError),
                                ("sub", "did:example:other", ProofError),
                                ("nbf", payload["nbf"] + 1, ProofError)):
        forged = dict(payload, **{claim: value})
        h, p, _ = _with(token, payload=forged).split(".")
        resigned = f"{h}.{p}.{_b64(signer.sign(f'{h}.{p}'.encode()))}"
        with pytest.raises(error):
            verify_jwt(resigned, resolver=RESOLVER, now=NOW)


def test_vc_1_1_claim_is_accepted(credential):
    signer = Ed25519Signer.from_seed(SEED)
    vc = {k: v for k, v in credential.items() if k not in ("issuer", "id", "validFrom")}
    vc["credentialSubject"] = {k: v for k, v in credential["credentialSubject"].items() if k != "id"}
    payload = {"iss": credential["issuer"]["id"], "jti": credential["id"], "nbf": 1262304000,
               "sub": credential["credentialSubject"]["id"], "vc": vc}
    header = {"alg": "EdDSA", "kid": signer.verification_method}
    h, p = _b64(json.dumps(header).encode()), _b64(json.dumps(payload).encode())
    token = f"{h}.{p}.{_b64(signer.sign(f'{h}.{p}'.encode()))}"
    result = verify_jwt(token, resolver=RESOLVER, now=NOW)
    assert result.credential["issuer"] == credential["issuer"]["id"]
    assert result.credential["id"] == credential["id"]
    assert result.credential["issuanceDate"] == "2010-01-01T00:00:00Z"
    assert result.credential["credentialSubject"]["id"] == credential["credentialSubject"]["id"]


@pytest.mark.parametrize("bad", ["", "a.b", "a.b.c.d", "!!.!!.!!", b"\xff.\xff.\xff", "e30.e30.", "W10.e30.AA"])
def test_malformed_tokens(bad):
    with pytest.raises(ProofError):
        verify_jwt(bad, resolver=RESOLVER, now=NOW)


def test_header_without_key(credential):
    token = sign_jwt(credential, signer=Ed25519Signer.from_seed(SEED))
    with pytest.raises(ProofError, match="kid"):
        verify_jwt(_with(token, header={"alg": "EdDSA"}), resolver=RESOLVER, now=NOW)
    with pytest.raises(ProofError, match="crit"):
        verify_jwt(_with(token, header={"alg": "EdDSA", "crit": ["b64"], "b64": False}), resolver=RESOLVER, now=NOW)


# RFC 8037 appendix A.3: the thumbprint of the appendix A.1 Ed25519 public key.
_RFC8037_JWK = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
_RFC8037_THUMBPRINT = "urn:ietf:params:oauth:jwk-thumbprint:sha-256:kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def test_jwk_thumbprint_matches_rfc8037():
    assert jwk_thumbprint(_RFC8037_JWK) == _RFC8037_THUMBPRINT
    assert jwk_thumbprint({**_RFC8037_JWK, "kid": "ignored", "use": "sig"}) == _RFC8037_THUMBPRINT


@pytest.mark.parametrize("kty", [["OKP"], {"OKP": 1}])
def test_jwk_thumbprint_of_a_non_string_kty_is_no_type_error(kty):
    # mypy found it: the member table was indexed with whatever kty held, and a list or object
    # there raised TypeError (unhashable) instead of being treated as an unknown key type.
    assert jwk_thumbprint({**_RFC8037_JWK, "kty": kty}) == jwk_thumbprint({"kty": "EC"})
