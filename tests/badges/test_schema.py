"""badges.schema over the pinned 1EdTech schemas: the signed examples pass, bad twins fail by name."""
from __future__ import annotations

import pytest

from badges import schema
from badges.errors import SchemaError

# (file, kind, passes the strict variant) — see shared/reference/examples/README.md
SIGNED = [
    ("ob3-complete-rubric-signed.json", "achievement", True),
    ("ob3-didkey-signed.json", "achievement", True),
    ("ob3-implguide-signed.json", "achievement", False),      # proof is a single object
    ("ob3-status-revoked-signed.json", "achievement", False),  # proof is a single object
    ("ob3-endorsement-signed.json", "endorsement", True),
    ("clr2-implguide-signed.json", "clr", True),
    ("clr2-simple-signed.json", "clr", True),
]


@pytest.mark.parametrize("name, kind, strict_ok", SIGNED)
def test_signed_examples_pass_their_schema(load_json, name, kind, strict_ok):
    doc = load_json(f"examples/{name}")
    schema.validate(doc, kind)
    assert schema.problems(doc, kind) == []
    if strict_ok:
        schema.validate(doc, kind, strict=True)
    else:
        assert schema.problems(doc, kind, strict=True) == ["strict: $.proof: expected array, got object"]


def test_issuer_profile_passes_profile_schema(load_json):
    doc = load_json("examples/ob3-complete-rubric-signed.json")
    schema.validate(doc["issuer"], "profile")
    assert schema.problems({"type": ["Profile"]}, "profile") == ["$: 'id' is a required property"]


def test_vc11_generation_is_not_an_ob30_vc20_credential(load_json):
    found = schema.problems(load_json("examples/ob3-legacy-vc1-ed25519signature2020.json"))
    assert "$: 'validFrom' is a required property" in found
    assert any(p.startswith("$.@context") for p in found)


def test_nested_clr_credentials_pass_the_achievement_schema(load_json):
    clr = load_json("examples/clr2-implguide-signed.json")
    for vc in clr["credentialSubject"]["verifiableCredential"]:
        schema.validate(vc, "achievement")


def _complete(load_json):
    return load_json("examples/ob3-complete-rubric-signed.json")


@pytest.mark.parametrize("mutate, expected", [
    (lambda d: d.pop("validFrom"), "$: 'validFrom' is a required property"),
    (lambda d: d.update(validFrom="2026-01-15T10:00:00"), "$.validFrom: '2026-01-15T10:00:00' is not a 'date-time'"),
    (lambda d: d["credentialSubject"]["achievement"].pop("criteria"),
     "$.credentialSubject.achievement: 'criteria' is a required property"),
    (lambda d: d["credentialSubject"]["achievement"].update(image="https://x.example/i.png"),
     "$.credentialSubject.achievement.image: expected object, got string"),
    (lambda d: d["credentialSubject"]["result"][0].update(status="Done"),
     "$.credentialSubject.result[0].status: 'Done' is not one of"),
    (lambda d: d["credentialSubject"]["achievement"].update(achievementType="ProjectBadge"),
     "$.credentialSubject.achievement.achievementType: 'ProjectBadge' is not one of"),
    (lambda d: d["credentialSubject"]["achievement"]["alignment"][0].pop("targetUrl"),
     "$.credentialSubject.achievement.alignment[0]: 'targetUrl' is a required property"),
    (lambda d: d.update({"@context": ["https://www.w3.org/ns/credentials/v2"]}), "$.@context"),
])
def test_bad_twins_fail_with_named_problems(load_json, mutate, expected):
    doc = _complete(load_json)
    mutate(doc)
    found = schema.problems(doc)
    assert any(p.startswith(expected) for p in found), found
    with pytest.raises(SchemaError) as info:
        schema.validate(doc)
    assert info.value.details["problems"] == found
    assert info.value.problem_type == "schema-error"


def test_strict_variant_requires_arrays(load_json):
    doc = _complete(load_json)
    doc["type"] = "OpenBadgeCredential"  # JSON-LD compaction allows a single value
    assert schema.problems(doc) == []
    assert schema.problems(doc, strict=True) == ["strict: $.type: expected array, got string"]
    doc = _complete(load_json)
    doc["credentialSchema"] = doc["credentialSchema"][0]
    assert schema.problems(doc) == []
    assert schema.problems(doc, strict=True) == ["strict: $.credentialSchema: expected array, got object"]


def test_wrong_kind_and_unknown_kind(load_json):
    doc = _complete(load_json)
    assert schema.problems(doc, "clr")  # an OB credential is not a CLR
    with pytest.raises(ValueError, match="unknown schema kind"):
        schema.validate(doc, "transcript")


def test_non_object_documents_are_problems_not_crashes():
    assert schema.problems([], "achievement") == ["$: expected object, got array"]
    assert schema.problems("x", "endorsement")


def test_validators_are_cached():
    a = schema._validator(schema.SCHEMA_URLS["achievement"])
    assert schema._validator(schema.SCHEMA_URLS["achievement"]) is a
