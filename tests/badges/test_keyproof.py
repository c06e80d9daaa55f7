"""badges.keyproof: OpenID4VCI's jwt key proof; every rule has its bad twin."""
from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest

from badges.errors import InvalidSignature, ProofError, ResolutionError
from badges.keyproof import NonceRejected, verify_key_proof
from badges.signing import DidKeyResolver, Ed25519Signer
from tests.support import NOW, SEED

WALLET = Ed25519Signer.from_seed(SEED)
ISSUER = "https://school.example"
NONCE = "n-0S6_WzA2Mj"


def b64(value) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def proof(*, signer=WALLET, header=None, **claims) -> str:
    head = {"typ": "openid4vci-proof+jwt", "alg": "EdDSA", "kid": signer.verification_method} if header is None \
        else header
    body = {"aud": ISSUER, "iat": int(NOW.timestamp()), "nonce": NONCE, **claims}
    signing_input = f"{b64(head)}.{b64(body)}"
    return f"{signing_input}.{b64(signer.sign(signing_input.encode()))}"


def check(token, *, nonce_ok=lambda n: n == NONCE) -> str:
    return verify_key_proof(token, audience=ISSUER, now=NOW, nonce_ok=nonce_ok, resolver=DidKeyResolver())


def test_a_proof_names_the_wallet_s_did_key():
    assert check(proof()) == WALLET.public_key.did_key
    by_jwk = proof(header={"typ": "openid4vci-proof+jwt", "alg": "EdDSA", "jwk": WALLET.public_key.to_jwk()})
    assert check(by_jwk) == WALLET.public_key.did_key
    assert check(proof(aud=[ISSUER, "https://other.example"])) == WALLET.public_key.did_key


@pytest.mark.parametrize("header, message", [
    ({"typ": "JWT", "alg": "EdDSA"}, "typ"),
    ({"typ": "openid4vci-proof+jwt", "alg": "HS256"}, "alg"),
    ({"typ": "openid4vci-proof+jwt", "alg": "none"}, "alg"),
])
def test_wrong_headers(header, message):
    with pytest.raises(ProofError, match=message):
        check(proof(header={**header, "kid": WALLET.verification_method}))


def test_key_named_twice_or_not_at_all_or_privately():
    both = {"typ": "openid4vci-proof+jwt", "alg": "EdDSA", "kid": WALLET.verification_method,
            "jwk": WALLET.public_key.to_jwk()}
    with pytest.raises(ProofError, match="exactly one"):
        check(proof(header=both))
    with pytest.raises(ProofError, match="exactly one"):
        check(proof(header={"typ": "openid4vci-proof+jwt", "alg": "EdDSA"}))
    private = {"typ": "openid4vci-proof+jwt", "alg": "EdDSA", "jwk": WALLET.to_jwk(secret=True)}
    with pytest.raises(ProofError, match="public"):
        check(proof(header=private))
    with pytest.raises(ResolutionError):
        check(proof(header={"typ": "openid4vci-proof+jwt", "alg": "EdDSA", "kid": "did:web:x.example#k"}))


def test_audience_time_and_nonce():
    with pytest.raises(ProofError, match="not for this issuer"):
        check(proof(aud="https://elsewhere.example"))
    with pytest.raises(ProofError, match="iat"):
        check(proof(iat=int((NOW + timedelta(hours=1)).timestamp())))
    with pytest.raises(ProofError, match="iat"):
        check(proof(iat=int((NOW - timedelta(hours=1)).timestamp())))
    with pytest.raises(NonceRejected):
        check(proof(), nonce_ok=lambda n: False)
    with pytest.raises(NonceRejected):
        check(proof(nonce=None))


def test_another_key_s_signature_does_not_verify():
    token = proof()
    other = proof(signer=Ed25519Signer.from_seed(bytes(32)))
    forged = ".".join(token.split(".")[:2] + [other.split(".")[2]])
    with pytest.raises(InvalidSignature):
        check(forged)


@pytest.mark.parametrize("bad", [None, "", "a.b", "!!.!!.!!", "e30.e30.e30", "W10.e30.AA"])
def test_malformed(bad):
    with pytest.raises(ProofError):
        check(bad)
