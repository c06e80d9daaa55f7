"""Every signed example in shared/reference/examples verifies (OB 3.0, CLR 2.0, VC 1.1, VC-JWT,
baked PNG/SVG), with status documents served by an in-process fake fetch_document.

Decision for ``ob3-complete-rubric-signed.json``: it names a 1EdTechRevocationList and a
refreshService at 1edtech.edu that nobody can reach. The refresh service is optional and never
followed; the revocation list is not: without it the status check FAILS ("could not confirm it
has not been revoked"), so the credential is not verified. With the list supplied (here an
empty revocation list, as a bundle document would be) it verifies. Its embedded endorsements use
the obsolete cryptosuite name ``eddsa-rdf-2022`` and so only produce an endorsements warning.
"""
from __future__ import annotations

import pytest

from badges.verification import verify_credential
from tests.badges.verification_support import (
    COMPLETE_REVOCATION_URL,
    REFERENCE_STATUS_URL,
    FakeFetcher,
    failed,
    outcomes,
    resolver,
)
from tests.support import NOW

VERIFIES = [
    "ob3-implguide-signed.json",
    "ob3-didkey-signed.json",
    "ob3-endorsement-signed.json",
    "ob3-legacy-vc1-ed25519signature2020.json",
    "status-list-credential-signed.json",
    "clr2-implguide-signed.json",
    "clr2-simple-signed.json",
    "ob3-vcjwt-rs256-jwk.jws",
    "baked/ob3-baked-json.png",
    "baked/ob3-baked-json.svg",
    "baked/ob3-baked-vcjwt.png",
    "baked/ob3-baked-vcjwt.svg",
]


@pytest.fixture
def fetch(load_json):
    return FakeFetcher({REFERENCE_STATUS_URL: load_json("examples/status-list-credential-signed.json")})


def verify(reference, name, fetch):
    return verify_credential((reference / "examples" / name).read_bytes(), now=NOW, resolver=resolver(),
                             fetch_document=fetch)


@pytest.mark.parametrize("name", VERIFIES)
def test_reference_example_verifies(reference, fetch, name):
    report = verify(reference, name, fetch)
    assert report.verified, [c.to_dict() for c in report.failures]
    assert outcomes(report)["proof"] == "pass"


@pytest.mark.parametrize("name", ["ob3-implguide-signed.json", "ob3-legacy-vc1-ed25519signature2020.json",
                                  "clr2-simple-signed.json"])
def test_fragment_keys_are_a_warning(reference, fetch, name):
    """`<issuer>#z6Mk…` proves nothing about who controls the key: verified, with a warning."""
    check = verify(reference, name, fetch).check("issuer_key")
    assert check.outcome == "warn" and check.details["source"] == "fragment"


def test_vc_jwt_with_an_embedded_jwk_is_a_key_warning(reference, fetch):
    report = verify(reference, "ob3-vcjwt-rs256-jwk.jws", fetch)
    assert report.format == "jwt"
    assert report.check("issuer_key").outcome == "warn"
    assert "RS256" in report.check("proof").message


def test_legacy_credential_uses_issuance_date(reference, fetch):
    report = verify(reference, "ob3-legacy-vc1-ed25519signature2020.json", fetch)
    assert report.check("context").details["legacy"] is True
    assert "1 January 2010" in report.check("validity").message
    assert report.credential["validFrom"] == "2010-01-01T00:00:00Z"


def test_clr_examples_report_their_nested_badges(reference, fetch):
    for name in ("clr2-implguide-signed.json", "clr2-simple-signed.json"):
        report = verify(reference, name, fetch)
        assert len(report.nested) == 1 and report.nested[0].verified
        assert outcomes(report)["nested"] == "pass"


def test_revoked_example_reports_revoked(reference, fetch):
    report = verify(reference, "ob3-status-revoked-signed.json", fetch)
    assert not report.verified
    assert failed(report) == {"status"}
    assert report.check("status").message == "This badge was revoked by its issuer."
    assert report.check("status").details["index"] == 23
    assert fetch.requested == [REFERENCE_STATUS_URL]


def test_revoked_example_with_the_list_unreachable_fails_as_unconfirmed(reference):
    report = verify(reference, "ob3-status-revoked-signed.json", FakeFetcher())
    assert failed(report) == {"status"}
    assert "could not confirm" in report.check("status").message.lower()


def test_complete_example_fails_status_when_its_revocation_list_is_unreachable(reference):
    report = verify(reference, "ob3-complete-rubric-signed.json", FakeFetcher())
    assert failed(report) == {"status"}
    assert COMPLETE_REVOCATION_URL in report.check("status").message


def test_complete_example_verifies_with_its_revocation_list_supplied(reference):
    fetch = FakeFetcher({COMPLETE_REVOCATION_URL: {"id": COMPLETE_REVOCATION_URL, "revokedCredential": []}})
    report = verify(reference, "ob3-complete-rubric-signed.json", fetch)
    assert report.verified, [c.to_dict() for c in report.failures]
    out = outcomes(report)
    assert out["status"] == "pass" and out["rubric"] == "pass" and out["schema"] == "pass"
    assert out["endorsements"] == "warn"  # eddsa-rdf-2022: an obsolete suite name
    assert fetch.requested == [COMPLETE_REVOCATION_URL]  # the refreshService is never followed


def test_complete_example_revoked_in_its_1edtech_list(reference):
    fetch = FakeFetcher({COMPLETE_REVOCATION_URL: {"id": COMPLETE_REVOCATION_URL, "revokedCredential": [
        {"id": "http://1edtech.edu/credentials/3732", "revoked": True, "revocationReason": "issued in error"}]}})
    report = verify(reference, "ob3-complete-rubric-signed.json", fetch)
    assert failed(report) == {"status"}
    assert report.check("status").message == "This badge was revoked by its issuer."


def test_reference_example_with_a_changed_field_fails_proof(reference, fetch, load_json):
    credential = load_json("examples/ob3-implguide-signed.json")
    credential["credentialSubject"]["achievement"]["name"] = "Leadership"
    report = verify_credential(credential, now=NOW, resolver=resolver(), fetch_document=fetch)
    assert failed(report) == {"proof"}
