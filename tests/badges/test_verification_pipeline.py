"""The pipeline's contract: parse limits, never raising, the report's shape, trust."""
from __future__ import annotations

import copy
import json
import random

import pytest

from badges.signing import Ed25519Signer, sign
from badges.signing.jwt import sign_jwt
from badges.trust import TrustedIssuer, TrustRegistry
from badges.verification import CheckId, CheckResult, VerificationReport, verify_credential
from tests.badges.verification_support import FakeFetcher, bundle, failed, outcomes, resolver, vector_bytes, vector_json
from tests.support import NOW, SEED
from tests.vectors.build import LINCOLN, LINCOLN_KEY, badge


def run(raw, **overrides):
    documents = bundle()
    kwargs = dict(now=NOW, resolver=resolver(documents), fetch_document=FakeFetcher(documents))
    kwargs.update(overrides)
    return verify_credential(raw, **kwargs)


# ---- parse ----------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", [b"", b"hello", "   ", b"\x00\x01\x02\xff", b"[1, 2]", "[]", '"a string"', 42, None,
                                 ["a"], b'{"a": NaN}', b'{"a": 1, "a": 2}', b"<svg></svg>",
                                 b"\x89PNG\r\n\x1a\nnot really", "eyJhbGciOiJFZERTQSJ9.bm90IGpzb24.c2ln"])
def test_unreadable_input_fails_parse_and_skips_everything_else(raw):
    report = run(raw)
    assert not report.verified
    assert outcomes(report)["parse"] == "fail"
    assert {c.outcome for c in report.checks[1:]} == {"skip"}
    assert len(report.checks) == len(CheckId)


def test_json_list_or_string_is_not_a_credential():
    assert run(b"[{}]").check("parse").outcome == "fail"


def test_size_limit_applies_to_every_input_form():
    data = vector_bytes("good.json")
    for raw in (data, data.decode(), json.loads(data), vector_bytes("good.png")):
        report = run(raw, max_bytes=1000)
        assert report.check("parse").outcome == "fail"
        assert report.check("parse").problem_type.endswith("/too-large")


@pytest.mark.parametrize("depth", [65, 5000, 200_000])
def test_nesting_depth_limit(depth):
    deep = '{"@context": ["https://www.w3.org/ns/credentials/v2"], "x": ' + "[" * depth + "]" * depth + "}"
    report = run(deep)
    assert report.check("parse").outcome == "fail"
    assert "nested" in report.check("parse").message


def test_nesting_depth_limit_for_dicts():
    credential = vector_json("good.json")
    node = credential["credentialSubject"]
    for _ in range(70):
        node["x"] = {}
        node = node["x"]
    assert run(credential).check("parse").outcome == "fail"
    assert run(credential, max_depth=100).check("parse").outcome == "pass"


def test_duplicate_keys_are_refused():
    text = vector_bytes("good.json").decode()
    doubled = text.replace('"name": "Scientific Inquiry — Lincoln High School"',
                           '"name": "Scientific Inquiry — Lincoln High School", "name": "Forged"', 1)
    assert doubled != text
    report = run(doubled)
    assert report.check("parse").outcome == "fail" and "twice" in report.check("parse").message


def test_leading_bom_and_whitespace_are_tolerated():
    assert run(b"\xef\xbb\xbf\n  " + vector_bytes("good.json")).verified


def test_str_bytes_and_dict_give_the_same_verdict():
    data = vector_bytes("good.json")
    reports = [run(data), run(data.decode()), run(json.loads(data))]
    assert [r.to_dict() for r in reports[1:]] == [reports[0].to_dict()] * 2


# ---- never raises ------------------------------------------------------------------------------

def _mutations(document, rng, count):
    """Random structural damage: replace, delete, retype values anywhere in the tree."""
    junk = [None, 0, -1, 1.5, True, "", "x", [], {}, [None], {"id": 5}, "did:key:z6Mk", "2026-13-45T99:00:00Z"]
    for _ in range(count):
        doc = copy.deepcopy(document)
        node, key = doc, None
        for _ in range(rng.randint(1, 6)):
            if isinstance(node, dict) and node:
                key = rng.choice(sorted(node))
                if not isinstance(node[key], (dict, list)) or rng.random() < 0.3:
                    break
                node = node[key]
            elif isinstance(node, list) and node:
                key = rng.randrange(len(node))
                if not isinstance(node[key], (dict, list)) or rng.random() < 0.3:
                    break
                node = node[key]
            else:
                break
        if key is None or isinstance(node, (str, int, float)) or node is None:
            continue
        if isinstance(node, dict) and rng.random() < 0.3:
            node.pop(key, None)
        else:
            try:
                node[key] = rng.choice(junk)
            except (IndexError, KeyError, TypeError):
                continue
        yield doc


@pytest.mark.parametrize("name, count", [("good.json", 100), ("clr.json", 25)])
def test_damaged_credentials_never_raise(name, count):
    rng = random.Random(20260115)
    documents = bundle()
    for doc in _mutations(vector_json(name), rng, count):
        report = verify_credential(doc, now=NOW, resolver=resolver(documents), fetch_document=FakeFetcher(documents))
        assert isinstance(report, VerificationReport)
        json.dumps(report.to_dict())  # always serialisable
        assert report.verified is not None


def test_a_fetcher_that_explodes_is_a_status_failure():
    def fetch(url):
        raise RuntimeError("connection reset")
    report = run(vector_bytes("good.json"), fetch_document=fetch)
    assert failed(report) == {"status"}
    assert "RuntimeError" in report.check("status").message


def test_a_fetcher_returning_garbage_is_a_status_failure():
    report = run(vector_bytes("good.json"), fetch_document=lambda url: ["not", "a", "list"])
    assert failed(report) == {"status"}


def test_a_resolver_that_explodes_is_a_failed_check():
    class Broken:
        def resolve(self, vm_id):
            raise RuntimeError("boom")
    report = run(vector_bytes("good.json"), resolver=Broken())
    assert report.failed("proof") and not report.verified


def test_naive_now_is_a_caller_mistake():
    with pytest.raises(ValueError):
        run(vector_bytes("good.json"), now=NOW.replace(tzinfo=None))


# ---- status variants -------------------------------------------------------------------------

def _signed(**changes):
    credential = badge()
    credential.update(changes)
    signer = Ed25519Signer.from_seed(SEED).with_verification_method(LINCOLN_KEY)
    return sign(credential, signer=signer, created=NOW)


def test_unsupported_status_type_fails():
    report = run(_signed(credentialStatus={"id": "https://lincoln.example.edu/status/1#3",
                                           "type": "1EdTechCredentialRefresh"}))
    assert failed(report) == {"status"} and "1EdTechCredentialRefresh" in report.check("status").message


def test_status_list_that_is_not_a_credential_fails():
    entry = {"id": "https://lincoln.example.edu/status/1#3", "type": "BitstringStatusListEntry",
             "statusPurpose": "revocation", "statusListIndex": "3",
             "statusListCredential": "https://lincoln.example.edu/status/1"}
    documents = bundle()
    documents["https://lincoln.example.edu/status/1"] = {"id": "https://lincoln.example.edu/status/1"}
    report = run(_signed(credentialStatus=entry), fetch_document=FakeFetcher(documents))
    assert failed(report) == {"status"}


def test_status_index_out_of_range_fails():
    entry = {"id": "https://lincoln.example.edu/status/1#999999999", "type": "BitstringStatusListEntry",
             "statusPurpose": "revocation", "statusListIndex": "999999999",
             "statusListCredential": "https://lincoln.example.edu/status/1"}
    report = run(_signed(credentialStatus=entry))
    assert failed(report) == {"status"}
    assert report.check("status").problem_type.startswith("https://www.w3.org/ns/credentials/status-list#")


# ---- JWT --------------------------------------------------------------------------------------

def test_vc_jwt_with_kid_verifies_and_binds_the_key():
    token = sign_jwt(badge(), signer=Ed25519Signer.from_seed(SEED).with_verification_method(LINCOLN_KEY))
    report = run(token)
    assert report.verified and report.format == "jwt"
    assert report.check("issuer_key").outcome == "pass"


def test_vc_jwt_signed_by_another_key_fails_proof():
    token = sign_jwt(badge(), signer=Ed25519Signer.from_seed(bytes(32)).with_verification_method(LINCOLN_KEY))
    assert failed(run(token)) == {"proof"}


def test_vc_jwt_claims_are_not_treated_as_credential_terms():
    token = sign_jwt(badge(), signer=Ed25519Signer.from_seed(SEED).with_verification_method(LINCOLN_KEY))
    report = run(token)
    assert outcomes(report)["terms"] == "pass"
    assert "nbf" not in report.document and "iss" not in report.document


# ---- report ------------------------------------------------------------------------------------

def test_report_to_dict_shape():
    data = run(vector_bytes("good.json")).to_dict()
    assert set(data) == {"verified", "format", "credential", "checks", "nested"}
    assert [c["id"] for c in data["checks"]] == [c.value for c in CheckId]
    for check in data["checks"]:
        assert set(check) == {"id", "outcome", "message", "details", "problemType"}
        assert check["outcome"] in {"pass", "fail", "warn", "skip"}
        assert check["message"] and check["message"][0].isupper()
    assert json.loads(json.dumps(data)) == data
    assert "document" in run(vector_bytes("good.json")).to_dict(include_document=True)


def test_verified_means_no_failure():
    checks = [CheckResult.passed(CheckId.PARSE, "ok"), CheckResult.warning(CheckId.TRUST, "hm", "unknown-issuer")]
    assert VerificationReport.from_checks(checks, credential={}, format="json").verified
    checks.append(CheckResult.failed(CheckId.PROOF, "no", "invalid-signature"))
    report = VerificationReport.from_checks(checks, credential={}, format="json")
    assert not report.verified and report.failed("proof") and not report.failed("trust")
    assert not VerificationReport.from_checks([], credential={}, format=None).verified


def test_check_result_validates_outcome_and_expands_problem_types():
    with pytest.raises(ValueError):
        CheckResult(CheckId.PROOF, "ok", "x")
    assert CheckResult.failed(CheckId.PROOF, "x", "invalid-signature").problem_type == \
        "https://openbadges.school/problems/invalid-signature"
    w3c = "https://www.w3.org/ns/credentials/status-list#STATUS_RETRIEVAL_ERROR"
    assert CheckResult.failed(CheckId.STATUS, "x", w3c).problem_type == w3c


# ---- trust -------------------------------------------------------------------------------------

def test_trust_registry_lookup_and_labels():
    registry = TrustRegistry.from_dict({"issuers": [{"id": LINCOLN, "name": "Lincoln High School",
                                                     "label": "District school"}]})
    assert registry.lookup(LINCOLN) == TrustedIssuer(LINCOLN, "Lincoln High School", "District school")
    assert registry.lookup("did:web:elsewhere.example") is None and registry.lookup(None) is None
    assert LINCOLN in registry and len(registry) == 1
    bare = TrustRegistry.from_dict([{"id": "https://x.example"}])
    assert bare.lookup("https://x.example").name == "https://x.example"


def test_trust_registry_reads_the_verifier_service_s_mapping_form():
    registry = TrustRegistry.from_dict({LINCOLN: {"name": "Lincoln High School", "label": "District school"},
                                        "did:web:other.example": "Other School"})
    assert registry.lookup(LINCOLN).label == "District school"
    assert registry.lookup("did:web:other.example").name == "Other School"
    assert len(TrustRegistry.from_dict({})) == 0


@pytest.mark.parametrize("bad", ["x", 3, {"issuers": "x"}, {"issuers": [1]}, {"issuers": [{"name": "no id"}]},
                                 {"issuers": [{"id": "x", "name": 3}]}, {"did:web:x": 3}])
def test_trust_registry_rejects_malformed_lists(bad):
    with pytest.raises(ValueError):
        TrustRegistry.from_dict(bad)


def test_unknown_issuer_warns_but_never_fails():
    registry = TrustRegistry([TrustedIssuer("did:web:other.example", "Other")])
    report = run(vector_bytes("good.json"), trust=registry)
    assert report.verified and report.check("trust").outcome == "warn"
    assert "not on this verifier's list" in report.check("trust").message


def test_trust_name_replaces_the_self_asserted_one_in_messages():
    registry = TrustRegistry([TrustedIssuer(LINCOLN, "Lincoln HS (verified name)", "District school")])
    report = run(vector_bytes("good.json"), trust=registry)
    assert "Lincoln HS (verified name)" in report.check("issuer_key").message


def test_no_registry_skips_trust():
    assert run(vector_bytes("good.json")).check("trust").outcome == "skip"


@pytest.mark.parametrize("proof", ["garbage", [1, 2], {"type": "DataIntegrityProof"}, [], None])
def test_malformed_proofs_fail_the_proof_check(proof):
    credential = vector_json("good.json")
    credential["proof"] = proof
    report = run(credential)
    assert report.failed("proof") and not report.verified
    assert report.check("proof").problem_type is not None


def test_credential_without_issuer_fails_cleanly():
    credential = vector_json("good.json")
    del credential["issuer"]
    report = run(credential)
    assert report.failed("schema") and report.failed("proof")


def test_every_proof_of_a_set_must_verify():
    """DI §4.4: a good proof does not hide a forged one beside it (in either order)."""
    credential = vector_json("good.json")
    good = credential["proof"][0] if isinstance(credential["proof"], list) else credential["proof"]
    forged = vector_json("flipped-signature-bit.json")["proof"][0]
    credential["proof"] = [good, good]
    report = run(credential)
    assert report.verified and "all 2 signatures verify" in report.check("proof").message
    for proofs, flags in (([forged, good], [False, True]), ([good, forged], [True, False])):
        credential["proof"] = proofs
        report = run(credential)
        assert not report.verified and failed(report) == {"proof"}
        assert [p["verified"] for p in report.check("proof").details["proofs"]] == flags


def test_only_bad_proofs_fail():
    credential = vector_json("good.json")
    credential["proof"] = vector_json("flipped-signature-bit.json")["proof"] * 2
    assert failed(run(credential)) == {"proof"}


def test_vc_jwt_with_an_embedded_jwk_never_borrows_the_kid_s_standing():
    import base64

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    stranger = Ed25519Signer.from_seed(bytes(range(100, 132)))
    token = sign_jwt(badge(), signer=Ed25519Signer.from_seed(SEED).with_verification_method(LINCOLN_KEY))
    payload = token.split(".")[1]
    header = b64(json.dumps({"alg": "EdDSA", "kid": LINCOLN_KEY, "jwk": stranger.to_jwk()}).encode())
    forged = f"{header}.{payload}.{b64(stranger.sign(f'{header}.{payload}'.encode()))}"
    report = run(forged)
    assert report.check("issuer_key").outcome != "pass"
    assert "Lincoln High School's key" not in report.check("issuer_key").message


def _impostor_badge():
    """Lincoln's id on a badge signed by somebody else's key, named as `<Lincoln>#<their key>`."""
    stranger = Ed25519Signer.from_seed(bytes(range(100, 132)))
    vm = f"{LINCOLN}#{stranger.public_key.multibase}"
    return sign(badge(), signer=stranger.with_verification_method(vm), created=NOW)


def test_an_impostor_cannot_borrow_a_registered_issuer_s_standing():
    registry = TrustRegistry([TrustedIssuer(LINCOLN, "Lincoln High School", "District school")])
    report = run(_impostor_badge(), resolver=resolver(), trust=registry)  # no bundle: fragment keys resolve
    assert report.check("issuer_key").outcome == "warn"
    trust_check = report.check("trust")
    assert trust_check.outcome == "warn" and "may not come from them" in trust_check.message


# ---- inline contexts (VCDM 2.0 §4.3 allows objects after the base context) --------------------

def test_an_inline_context_is_a_warning_not_a_failure():
    credential = badge()
    credential["@context"] = [*credential["@context"], {"houseColour": "https://lincoln.example.edu/terms#houseColour"}]
    credential["credentialSubject"]["houseColour"] = "green"
    report = run(sign(credential, signer=Ed25519Signer.from_seed(SEED).with_verification_method(LINCOLN_KEY),
                      created=NOW))
    assert report.verified, failed(report)
    assert report.check("context").outcome == "warn" and report.check("context").details["inline"] == 1
    assert report.check("terms").outcome == "pass"


def test_an_inline_context_cannot_redefine_protected_terms():
    """The bad twin: an inline context that redefines a protected VC term fails the terms check."""
    credential = badge()
    credential["@context"] = [*credential["@context"], {"name": "https://lincoln.example.edu/terms#name"}]
    signer = Ed25519Signer.from_seed(SEED).with_verification_method(LINCOLN_KEY)
    unsigned_report = run({**credential, "proof": sign(badge(), signer=signer, created=NOW)["proof"]})
    assert not unsigned_report.verified and unsigned_report.check("terms").outcome == "fail"
