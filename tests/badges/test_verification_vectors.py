"""Golden vectors: every good credential verifies, every bad twin fails the NAMED check."""
from __future__ import annotations

import pytest

from badges.verification import CheckId, verify_credential
from tests.badges.verification_support import (
    CREDENTIALS,
    FakeFetcher,
    bundle,
    failed,
    outcomes,
    resolver,
    trust,
    vector_bytes,
    vector_json,
)
from tests.support import NOW
from tests.vectors.build import EXPECTED, LINCOLN, MISSING_LIST, REVOCATION_LIST, SUSPENSION_LIST, build


def verify(name: str, **overrides):
    documents = bundle()
    kwargs = dict(now=NOW, resolver=resolver(documents), fetch_document=FakeFetcher(documents), trust=trust())
    kwargs.update(overrides)
    return verify_credential(vector_bytes(name), **kwargs)


def test_golden_files_are_current():
    """The checked-in files are exactly what build.py makes (Ed25519 signatures are deterministic);
    a difference means signing, canonicalization or the fixtures changed."""
    files = build()
    stale = [rel for rel, data in files.items() if (CREDENTIALS.parent / rel).read_bytes() != data]
    assert not stale, f"regenerate with `python -m tests.vectors.build`: {stale}"
    on_disk = {p.name for p in CREDENTIALS.iterdir()}
    assert on_disk == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_vector(name):
    verified, must_fail, must_warn = EXPECTED[name]
    report = verify(name)
    assert report.verified is verified, [c.to_dict() for c in report.checks if c.outcome == "fail"]
    if must_fail is not None:
        assert report.failed(must_fail), outcomes(report)
        assert report.check(must_fail).problem_type.startswith(("https://", "http://"))
    else:
        assert failed(report) == set()
    if must_warn is not None:
        assert report.check(must_warn).outcome == "warn"


@pytest.mark.parametrize("name", ["good.json", "good.jwt", "good.png", "good.svg", "clr.json"])
def test_good_vectors_pass_every_applicable_check(name):
    report = verify(name)
    out = outcomes(report)
    for cid in ("parse", "context", "terms", "schema", "subject", "proof", "issuer_key", "validity", "trust"):
        assert out[cid] == "pass", (cid, report.check(cid).message)
    assert report.check("issuer_key").details["source"] == "document"
    assert "Lincoln High School" in report.check("issuer_key").message
    assert "District school" in report.check("trust").message


def test_good_badge_reports_status_rubric_and_endorsement():
    report = verify("good.json")
    assert outcomes(report)["status"] == "pass"
    assert report.check("status").details["entries"][0]["url"] == REVOCATION_LIST
    assert outcomes(report)["rubric"] == "pass"
    assert outcomes(report)["endorsements"] == "pass"
    assert "Riverside School District" in report.check("endorsements").message
    assert outcomes(report)["nested"] == "skip"
    assert report.format == "json"
    assert report.credential["issuerName"] == "Lincoln High School"
    assert report.credential["achievementName"] == "Scientific Inquiry"
    assert report.credential["issuerId"] == LINCOLN


@pytest.mark.parametrize("name, fmt", [("good.png", "png+json"), ("good.svg", "svg+json"), ("good.jwt", "jwt"),
                                       ("tampered.png", "png+json")])
def test_formats_are_reported(name, fmt):
    assert verify(name).format == fmt


def test_tampered_twins_keep_the_other_checks_green():
    """A changed field is caught by the signature alone; nothing else is blamed."""
    report = verify("tampered-field.json")
    assert failed(report) == {"proof"}
    assert outcomes(report)["issuer_key"] == "skip"
    assert outcomes(report)["status"] == "skip"  # no list is fetched for a forged document


def test_forged_document_never_makes_the_verifier_fetch():
    fetch = FakeFetcher(bundle())
    verify("tampered-field.json", fetch_document=fetch)
    assert fetch.requested == []


def test_revoked_and_suspended_have_distinct_messages():
    revoked, suspended = verify("revoked.json"), verify("suspended.json")
    assert failed(revoked) == {"status"} and failed(suspended) == {"status"}
    assert revoked.check("status").message == "This badge was revoked by its issuer."
    assert "suspended" in suspended.check("status").message
    assert revoked.check("status").problem_type.endswith("/revoked")
    assert suspended.check("status").problem_type.endswith("/suspended")
    assert suspended.check("status").details["url"] == SUSPENSION_LIST


def test_unreachable_status_list_fails_and_says_so():
    report = verify("unreachable-status.json")
    check = report.check("status")
    assert failed(report) == {"status"}
    assert "could not confirm it has not been revoked" in check.message.lower()
    assert MISSING_LIST in check.message
    assert check.problem_type == "https://www.w3.org/ns/credentials/status-list#STATUS_RETRIEVAL_ERROR"


def test_status_list_with_a_bad_signature_fails():
    documents = bundle()
    documents[REVOCATION_LIST]["credentialSubject"]["encodedList"] = documents[SUSPENSION_LIST][
        "credentialSubject"]["encodedList"]
    report = verify("good.json", fetch_document=FakeFetcher(documents))
    assert failed(report) == {"status"}
    assert report.check("status").problem_type.endswith("#STATUS_VERIFICATION_ERROR")


def test_status_list_for_another_purpose_fails():
    documents = bundle()
    documents[REVOCATION_LIST] = documents[SUSPENSION_LIST]  # served at the wrong URL
    report = verify("good.json", fetch_document=FakeFetcher(documents))
    assert failed(report) == {"status"}


def test_without_a_bundle_did_web_keys_cannot_be_found():
    report = verify("good.json", resolver=resolver(), fetch_document=FakeFetcher())
    assert report.failed("proof") and report.failed("issuer_key")
    assert "could not be found" in report.check("issuer_key").message


def test_unknown_context_names_the_url():
    check = verify("unknown-context.json").check(CheckId.CONTEXT)
    assert "https://schools.example.org/contexts/extra-v1.jsonld" in check.message
    assert check.details["unknown"] == ["https://schools.example.org/contexts/extra-v1.jsonld"]


def test_undefined_term_names_the_term_even_though_the_signature_still_matches():
    report = verify("undefined-term.json")
    assert "favouriteColour" in report.check("terms").message
    # The dropped term is outside the canonical form: only the terms check can catch it.
    assert outcomes(report)["proof"] == "pass"


def test_issuer_key_mismatch_names_both_parties():
    check = verify("issuer-key-mismatch.json").check("issuer_key")
    assert "did:web:jefferson.example.edu" in check.message and LINCOLN in check.message


def test_unauthorised_key_is_an_issuer_key_failure():
    check = verify("unauthorised-key.json").check("issuer_key")
    assert check.outcome == "fail" and "authorised" in check.message


def test_purpose_and_cryptosuite_twins_explain_the_proof_failure():
    assert "authentication" in verify("purpose-authentication.json").check("proof").message
    assert "eddsa-jcs-2022" in verify("swapped-cryptosuite.json").check("proof").message


def test_validity_messages_give_the_date():
    assert "expired on 14 January 2026" in verify("expired.json").check("validity").message
    assert "not valid until 16 January 2026" in verify("not-yet-valid.json").check("validity").message
    assert "future" in verify("future-proof.json").check("validity").message


def test_expired_badge_is_valid_before_it_expired():
    from datetime import timedelta
    assert verify("expired.json", now=NOW - timedelta(days=2)).verified


def test_rubric_not_met_lists_the_unmet_criterion():
    check = verify("rubric-not-met.json").check("rubric")
    assert "Uses evidence to support a claim" in check.message
    assert [c["met"] for c in check.details["criteria"]] == [True, False]


def test_clr_reports_every_nested_credential():
    report = verify("clr.json")
    assert [n.verified for n in report.nested] == [True, True]
    assert [n.credential["issuerName"] for n in report.nested] == ["Lincoln High School", "Jefferson Middle School"]
    assert outcomes(report.nested[1])["trust"] == "warn"  # Jefferson is not on the trust list; still verified


def test_clr_with_a_tampered_badge_fails_only_nested():
    report = verify("clr-tampered-nested.json")
    assert failed(report) == {"nested"}
    assert outcomes(report)["proof"] == "pass"  # the CLR's own signature covers the tampered copy
    assert [n.verified for n in report.nested] == [False, True]
    assert failed(report.nested[0]) == {"proof"}
    assert "1 of 2" in report.check("nested").message


def test_clr_nested_bundle_json_round_trip():
    data = verify("clr.json").to_dict()
    assert len(data["nested"]) == 2 and data["nested"][0]["verified"] is True


def test_dict_input_is_not_mutated():
    credential = vector_json("good.json")
    snapshot = repr(credential)
    documents = bundle()
    report = verify_credential(credential, now=NOW, resolver=resolver(documents), fetch_document=FakeFetcher(documents))
    assert report.verified and repr(credential) == snapshot
