"""badges.ob2: Open Badges 2.0 assertions get a verdict of their own (hosted and signed), through
the same verify_credential as everything else; every rule has its bad twin. The web is a dict."""
from __future__ import annotations

import base64
import copy
import json
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from badges.errors import ResolutionError
from badges.signing import DidKeyResolver
from badges.verification import verify_credential
from tests.support import NOW

ISSUER = "https://badges.parks.example/issuer"
BADGE = "https://badges.parks.example/badges/lifeguard"
ASSERTION = "https://badges.parks.example/assertions/7"
KEY = "https://badges.parks.example/keys/1"
REVOCATIONS = "https://badges.parks.example/revocations"
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def assertion(**changes) -> dict:
    doc = {"@context": "https://w3id.org/openbadges/v2", "type": "Assertion", "id": ASSERTION,
           "recipient": {"type": "email", "hashed": True, "identity": "sha256$" + "ab" * 32},
           "badge": BADGE, "verification": {"type": "hosted"}, "issuedOn": "2025-06-01T00:00:00Z"}
    doc.update(changes)
    return doc


def web(*, hosted: dict | None = None, revoked: list | None = None) -> dict:
    pem = RSA_KEY.public_key().public_bytes(serialization.Encoding.PEM,
                                            serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return {
        ASSERTION: hosted if hosted is not None else assertion(),
        BADGE: {"@context": "https://w3id.org/openbadges/v2", "type": "BadgeClass", "id": BADGE, "name": "Lifeguard",
                "issuer": ISSUER},
        ISSUER: {"@context": "https://w3id.org/openbadges/v2", "type": "Issuer", "id": ISSUER,
                 "name": "Riverside Parks", "revocationList": REVOCATIONS},
        KEY: {"@context": "https://w3id.org/openbadges/v2", "type": "CryptographicKey", "id": KEY, "owner": ISSUER,
              "publicKeyPem": pem},
        REVOCATIONS: {"@context": "https://w3id.org/openbadges/v2", "type": "RevocationList", "id": REVOCATIONS,
                      "revokedAssertions": revoked or []},
    }


def fetcher(documents: dict):
    def fetch(url: str) -> dict:
        if url not in documents:
            raise ResolutionError(f"{url} is not there (404)")
        return copy.deepcopy(documents[url])
    return fetch


def check(raw, documents: dict, *, now=NOW):
    return verify_credential(raw, now=now, resolver=DidKeyResolver(), fetch_document=fetcher(documents))


def signed(doc: dict, key=RSA_KEY) -> str:
    def part(value) -> str:
        raw = value if isinstance(value, bytes) else json.dumps(value).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")
    signing_input = f"{part({'alg': 'RS256'})}.{part(doc)}"
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{part(signature)}"


def outcome(report, cid: str) -> str:
    return report.check(cid).outcome


def test_a_hosted_assertion_is_checked_against_the_issuer_s_copy():
    report = check(assertion(), web())
    assert report.verified, [c.message for c in report.checks if c.outcome == "fail"]
    assert report.check("parse").message == "Read an Open Badges 2.0 assertion (hosted)."
    assert "hosts this assertion" in report.check("proof").message
    assert report.credential["issuerName"] == "Riverside Parks" and report.credential["achievementName"] == "Lifeguard"
    assert report.credential["generation"] == "Open Badges 2.0 (hosted)"


def test_hosted_bad_twins():
    changed = assertion(recipient={"type": "email", "hashed": False, "identity": "someone@else.example"})
    assert outcome(check(changed, web()), "proof") == "fail"  # the issuer's copy says otherwise
    assert outcome(check(assertion(), web(hosted=assertion(revoked=True, revocationReason="Cheating"))),
                   "status") == "fail"
    documents = web()
    del documents[ASSERTION]
    report = check(assertion(), documents)
    assert not report.verified and "could not be fetched" in report.check("proof").message
    elsewhere = assertion(id="https://copies.example/7")
    assert outcome(check(elsewhere, {**web(), "https://copies.example/7": elsewhere}), "issuer_key") == "fail"
    assert outcome(check(assertion(expires="2025-07-01T00:00:00Z"), web()), "validity") == "fail"
    assert outcome(check(assertion(id="http://badges.parks.example/assertions/7"), web()), "proof") == "fail"
    no_badge = assertion()
    del no_badge["badge"]
    assert outcome(check(no_badge, web()), "schema") == "fail"


def test_a_signed_assertion_is_checked_with_the_creator_s_key_and_revocation_list():
    doc = assertion(verification={"type": "SignedBadge", "creator": KEY})
    report = check(signed(doc), web())
    assert report.verified, [c.message for c in report.checks if c.outcome == "fail"]
    assert report.check("parse").message == "Read an Open Badges 2.0 assertion (signed)."
    assert outcome(check(signed(doc), web(revoked=[{"id": ASSERTION, "revocationReason": "x"}])), "status") == "fail"
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert outcome(check(signed(doc, key=other), web()), "proof") == "fail"
    documents = web()
    documents[KEY] = {**documents[KEY], "owner": "https://someone.else.example/issuer"}
    assert outcome(check(signed(doc), documents), "issuer_key") == "fail"


def test_the_verdict_is_not_the_vc_pipeline_s_misleading_one():
    report = check(assertion(), web(), now=NOW + timedelta(days=1))
    messages = " ".join(c.message for c in report.checks)
    assert "not a W3C verifiable credential" in messages and "not signed" not in messages


@pytest.mark.parametrize("raw", [{"type": "Assertion", "verification": {"type": "hosted"}}, {"@context": "https://w3id.org/openbadges/v2"}])
def test_half_an_assertion_fails_clearly(raw):
    report = check(raw, web())
    assert not report.verified and outcome(report, "schema") == "fail"
