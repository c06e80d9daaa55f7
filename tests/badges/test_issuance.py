"""Issuance: an Achievement carrying its rubric, and an unsigned OpenBadgeCredential that passes
the model, both schema variants, the JSON-LD term check and its own rubric."""
from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest

from badges import award, competencies, issuance, rubrics, schema
from badges.errors import ModelError, RubricError, SchemaError
from badges.model import AchievementCredential
from badges.rubrics import Criterion, Rubric
from tests.support import NOW

ACHIEVEMENT_ID = "https://lincoln.example/achievements/6f1c2a9e"
ISSUER = {"id": "did:web:lincoln.example", "type": ["Profile"], "name": "Lincoln High School",
          "url": "https://lincoln.example", "email": "office@lincoln.example",
          "address": {"type": ["Address"], "addressLocality": "Portland", "addressRegion": "OR",
                      "addressCountryCode": "US"},
          "image": {"id": "https://lincoln.example/logo.png", "type": "Image", "caption": "Lincoln logo"}}
RUBRIC = Rubric(id="inquiry", name="Inquiry rubric", criteria=(
    Criterion("evidence", "Evidence", 3), Criterion("analysis", "Analysis", 3),
    Criterion("communication", "Communication", 2)), total_required=9)
GOOD = {"evidence": 3, "analysis": 4, "communication": 2}
CASE_ITEM = competencies.Competency(
    id="https://case.example/CFItems/0b6f1a10", code="SCI.HS.1", name="Investigations", kind="academic",
    framework="State Science Standards", url="https://case.example/CFItems/0b6f1a10",
    description="Plan and conduct an investigation.", from_case=True)
HABIT = competencies.Competency(
    id="12", code="HOW.C", name="Collaboration", kind="habits", framework="Lincoln Graduate Profile",
    url="https://lincoln.example/frameworks/how/competencies/HOW.C")
REPORT = b"%PDF-1.7 lab report bytes"
SALT = "c2FsdC1mb3ItdGVzdHM"


def achievement(**kw):
    base = dict(id=ACHIEVEMENT_ID, name="Scientific Inquiry", description="Designs and reports an investigation.",
                criteria_narrative="Rated at or above **Proficient** on evidence and analysis.",
                criteria_url=f"{ACHIEVEMENT_ID}/criteria", rubric=RUBRIC, competencies=[CASE_ITEM, HABIT],
                image={"id": f"{ACHIEVEMENT_ID}/image", "type": "Image", "caption": "Scientific Inquiry"},
                achievement_type="Competency", tags=["science", "inquiry"])
    base.update(kw)
    return issuance.build_achievement(**base)


def identifier():
    digest = hashlib.sha256(("maya@students.lincoln.example" + SALT).encode()).hexdigest()
    return [{"type": "IdentityObject", "hashed": True, "identityHash": f"sha256${digest}",
             "identityType": "emailAddress", "salt": SALT}]


def evidence():
    return [
        issuance.evidence_item(id="https://lincoln.example/evidence/91/files/report.pdf", name="Lab report",
                               narrative="Maya's write-up of the pendulum investigation.", genre="Lab report",
                               sha256=hashlib.sha256(REPORT).hexdigest(), filename="report.pdf",
                               media_type="application/pdf", size=len(REPORT)),
        issuance.evidence_item(id="https://lincoln.example/evidence/91", name="Teacher observation",
                               narrative="Presented findings to the class.", genre="Observation"),
    ]


def build(**kw):
    ach = kw.pop("achievement", None) or achievement()
    base = dict(achievement=ach, subject_id="did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
                identifier=identifier(), issuer=ISSUER,
                results=rubrics.to_results(RUBRIC, GOOD, base_id=ach["id"]), evidence=evidence(),
                credential_id="urn:uuid:2b6e1c1a-8d3e-4f7a-9c1b-5d4e3f2a1b0c", issued_at=NOW,
                status={"id": "https://lincoln.example/status/1#40321", "type": "BitstringStatusListEntry",
                        "statusPurpose": "revocation", "statusListIndex": "40321",
                        "statusListCredential": "https://lincoln.example/status/1"},
                valid_until=datetime(2031, 1, 15, tzinfo=UTC),
                awarded_date=datetime(2026, 1, 14, 16, 30, tzinfo=UTC))
    base.update(kw)
    return issuance.build_credential(**base)


def test_public_names_are_pinned():
    assert sorted(issuance.__all__) == ["CONTEXTS", "CREDENTIAL_TYPE", "OB_EXTENSIONS", "build_achievement",
                                        "build_credential", "evidence_item"]
    assert sorted(award.__all__) == ["AwardDecision", "CriterionDecision", "decide", "recheck"]
    assert sorted(schema.__all__) == ["KINDS", "SCHEMA_URLS", "STRICT_URLS", "problems", "validate"]
    # (issue 13) the hierarchy and the whole-file readers the framework pages preview with
    assert sorted(competencies.__all__) == ["Branch", "CSV_COLUMNS", "CSV_OPTIONAL", "Competency", "Entry", "Framework",
                                            "KINDS", "Problem", "Reading", "build_tree", "normalize_kind",
                                            "number_siblings", "parse_case", "parse_csv", "read_case", "read_csv",
                                            "to_alignment", "tree_problems"]
    assert sorted(rubrics.__all__) == [
        "Criterion", "CriterionScore", "DEFAULT_SCALE", "Level", "Rubric", "RubricScore", "criterion_id",
        "level_id", "rubric_from_dict", "rubric_to_dict", "score", "to_result_descriptions", "to_results",
        "total_id"]
    for module in (issuance, award, schema, competencies, rubrics):
        for name in module.__all__:
            assert hasattr(module, name)


def test_achievement_carries_rubric_alignment_criteria_image():
    a = achievement()
    assert a["type"] == ["Achievement"] and a["achievementType"] == "Competency"
    assert a["criteria"] == {"id": f"{ACHIEVEMENT_ID}/criteria",
                             "narrative": "Rated at or above **Proficient** on evidence and analysis."}
    assert a["image"]["type"] == "Image"
    assert [x["targetType"] for x in a["alignment"]] == ["CFItem", "ceasn:Competency"]
    assert a["resultDescription"] == rubrics.to_result_descriptions(RUBRIC, base_id=ACHIEVEMENT_ID)
    assert a["tag"] == ["science", "inquiry"]
    no_rubric = achievement(rubric=None, competencies=[], image="https://lincoln.example/i.png")
    assert "resultDescription" not in no_rubric and "alignment" not in no_rubric
    assert no_rubric["image"] == {"id": "https://lincoln.example/i.png", "type": "Image"}


@pytest.mark.parametrize("kw, error", [
    ({"id": "achievements/1"}, ModelError),
    ({"criteria_narrative": None, "criteria_url": None}, ModelError),
    ({"achievement_type": "Project"}, ModelError),
    ({"image": {"caption": "no id"}}, ModelError),
    ({"alignments": [{"targetName": "x"}]}, ModelError),
])
def test_achievement_bad_twins(kw, error):
    with pytest.raises(error):
        achievement(**kw)


def test_full_credential_shape():
    c = build()
    assert c["@context"] == ["https://www.w3.org/ns/credentials/v2",
                             "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
                             "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"]
    assert c["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert c["issuer"] == ISSUER
    assert c["validFrom"] == "2026-01-15T10:00:00Z" and c["validUntil"] == "2031-01-15T00:00:00Z"
    assert c["awardedDate"] == "2026-01-14T16:30:00Z"
    assert c["name"] == "Scientific Inquiry"
    subject = c["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"] and subject["id"].startswith("did:key:")
    assert subject["identifier"][0]["hashed"] is True
    assert subject["achievement"] == achievement()
    assert subject["result"] == rubrics.to_results(RUBRIC, GOOD, base_id=ACHIEVEMENT_ID)
    assert c["credentialSchema"] == [{
        "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
        "type": "1EdTechJsonSchemaValidator2019"}]
    assert c["credentialStatus"]["statusListIndex"] == "40321"
    report = c["evidence"][0]
    assert report["type"] == ["Evidence"] and report["genre"] == "Lab report"
    assert report["description"] == (f"File report.pdf (application/pdf, {len(REPORT)} bytes), "
                                     f"sha256:{hashlib.sha256(REPORT).hexdigest()}")
    assert "description" not in c["evidence"][1]
    # checks a verifier will make
    schema.validate(c, "achievement", strict=True)
    assert AchievementCredential.from_jsonld(c).to_jsonld() == c  # already in the model's wire form
    assert json.loads(json.dumps(c)) == c
    assert build() == c  # deterministic


def test_recheck_of_the_built_credential_matches_the_decision():
    rechecked, decided = award.recheck(build()), award.decide(RUBRIC, GOOD)
    assert rechecked.awarded and [r.reason for r in rechecked.reasons] == [r.reason for r in decided.reasons]


def test_minimal_credential_identifier_only():
    ach = achievement(rubric=None, competencies=[], image=None, criteria_url=None)
    c = issuance.build_credential(achievement=ach, subject_id=None, identifier=identifier(), issuer=ISSUER,
                                  results=[], evidence=[], credential_id="https://lincoln.example/credentials/1",
                                  issued_at=NOW)
    assert "id" not in c["credentialSubject"] and "result" not in c["credentialSubject"]
    assert "evidence" not in c and "credentialStatus" not in c and "validUntil" not in c
    schema.validate(c, strict=True)


def test_no_undefined_terms():
    jsonld = pytest.importorskip("badges.jsonld")
    if not hasattr(jsonld, "check_terms"):
        pytest.skip("badges.jsonld.check_terms is not available yet")
    c = build()
    jsonld.check_terms(c)
    # bad twin: a property no context defines, and the 1EdTech type without extensions.json
    from badges.errors import JsonLdError, UndefinedTerm

    twin = build()
    twin["credentialSubject"]["achievement"]["difficulty"] = "hard"
    with pytest.raises(UndefinedTerm):
        jsonld.check_terms(twin)
    twin = build()
    twin["@context"] = twin["@context"][:2]
    with pytest.raises(JsonLdError):
        jsonld.check_terms(twin)


def test_rating_below_threshold_is_not_issued():
    ach = achievement()
    low = rubrics.to_results(RUBRIC, {**GOOD, "analysis": 2}, base_id=ach["id"])
    with pytest.raises(RubricError, match="Analysis: 2 Developing, below the required 3 Proficient"):
        build(achievement=ach, results=low)


def test_results_that_do_not_match_the_rubric_inside():
    ach = achievement()
    results = rubrics.to_results(RUBRIC, GOOD, base_id=ach["id"])
    with pytest.raises(RubricError, match="no result"):
        build(achievement=ach, results=results[1:])
    # results for another achievement's rubric
    other = rubrics.to_results(RUBRIC, GOOD, base_id="https://lincoln.example/achievements/other")
    with pytest.raises(RubricError):
        build(achievement=ach, results=other)


@pytest.mark.parametrize("kw, error, match", [
    ({"subject_id": None, "identifier": None}, ModelError, "id or at least one identifier"),
    ({"issued_at": datetime(2026, 1, 15, 10)}, ModelError, "no time zone"),
    ({"credential_id": "credentials/1"}, ModelError, "absolute URI"),
    ({"issuer": {"id": "did:web:lincoln.example", "type": ["Organization"]}}, ModelError, "Profile"),
    ({"status": {"type": "BitstringStatusListEntry", "statusListIndex": 40321}}, ModelError, "statusListIndex"),
    ({"valid_until": datetime(2020, 1, 1, tzinfo=UTC)}, ModelError, "before validFrom"),
    ({"evidence": [{"id": "https://lincoln.example/e/1", "type": "Evidence"}]}, SchemaError,
     r"strict: \$.evidence\[0\].type: expected array"),
    ({"identifier": [{**identifier()[0], "email": "maya@students.lincoln.example"}]}, SchemaError,
     "Additional properties are not allowed"),
    ({"evidence": "https://lincoln.example/e/1"}, ModelError, "list of JSON objects"),
])
def test_invalid_credentials_are_refused(kw, error, match):
    with pytest.raises(error, match=match):
        build(**kw)


def test_extended_learning_partner_as_source():
    partner = {"id": "https://lincoln.example/partners/7", "type": ["Profile"], "name": "City Hospital"}
    c = build(source=partner, activity_start=datetime(2025, 9, 1, tzinfo=UTC),
              activity_end=datetime(2025, 12, 19, tzinfo=UTC))
    subject = c["credentialSubject"]
    assert subject["source"] == partner
    assert (subject["activityStartDate"], subject["activityEndDate"]) == ("2025-09-01T00:00:00Z",
                                                                          "2025-12-19T00:00:00Z")
    with pytest.raises(ModelError, match="absolute URI"):
        build(source={"id": "partner-7", "type": ["Profile"]})
    with pytest.raises(ModelError, match="no time zone"):
        build(activity_start=datetime(2025, 9, 1))


def test_evidence_item_bad_twins():
    with pytest.raises(ModelError, match="sha256"):
        issuance.evidence_item(id="https://x.example/e", name="E", sha256="ABC")
    with pytest.raises(ModelError, match="absolute URI"):
        issuance.evidence_item(id="files/report.pdf", name="E")
    item = issuance.evidence_item(id="https://x.example/e", name="E", description="Scan of the poster",
                                  sha256="0" * 64)
    assert item["description"] == "Scan of the poster\n\nFile, sha256:" + "0" * 64


def test_signs_and_verifies_with_the_engine():
    signing = pytest.importorskip("badges.signing")
    from badges.signing import DidKeyResolver, Ed25519Signer, sign, verify_proof
    from tests.support import SEED

    signer = Ed25519Signer.from_seed(SEED)
    issuer = {**ISSUER, "id": signer.verification_method.split("#")[0]}
    c = build(issuer=issuer)
    signed = sign(c, signer=signer, created=NOW)
    assert verify_proof(signed, resolver=DidKeyResolver(), now=NOW).verified
    tampered = json.loads(json.dumps(signed))
    tampered["credentialSubject"]["result"][0]["achievedLevel"] = f"{ACHIEVEMENT_ID}/rubric/evidence/levels/4"
    assert not verify_proof(tampered, resolver=DidKeyResolver(), now=NOW).verified
    assert signing  # imported
