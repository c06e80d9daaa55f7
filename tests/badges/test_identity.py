"""IdentityHash / IdentityObject against the OB 3.0 example vector, with bad twins."""
from __future__ import annotations

import hashlib

import pytest

from badges.errors import ModelError
from badges.identity import identity_hash, identity_object, matches

VECTOR = "vectors/identity-hash/ob3-spec-example.json"


def test_spec_vector(load_json):
    v = load_json(VECTOR)
    assert identity_hash(v["identifier"], v["salt"], v["algorithm"]) == v["identityHash"]


def test_spec_vector_bad_twin_wrong_salt(load_json):
    v = load_json(VECTOR)
    assert identity_hash(v["identifier"], v["salt"] + "x") != v["identityHash"]


def test_md5_format():
    expected = hashlib.md5(b"a@example.comKosher", usedforsecurity=False).hexdigest()
    assert identity_hash("a@example.com", "Kosher", "md5") == "md5$" + expected


def test_unknown_algorithm_is_a_caller_error():
    with pytest.raises(ValueError):
        identity_hash("a@example.com", "Kosher", "sha1")


def test_identity_object_normalises_email_and_matches(load_json):
    v = load_json(VECTOR)
    obj = identity_object("  A@Example.COM ", salt=v["salt"])
    assert obj == {"type": "IdentityObject", "identityHash": v["identityHash"],
                   "identityType": "emailAddress", "hashed": True, "salt": "Kosher"}
    assert matches(obj, "a@example.com")
    assert matches(obj, "A@EXAMPLE.com")
    assert not matches(obj, "b@example.com")


def test_non_email_types_are_not_case_folded():
    obj = identity_object("Stu-42", salt="pepper", identity_type="sisSourcedId")
    assert matches(obj, "Stu-42")
    assert not matches(obj, "stu-42")


def test_matches_spec_hash_with_uppercase_hex_and_mixed_case_source():
    # A hash made elsewhere from a mixed-case address (no normalisation) still matches.
    raw = identity_hash("Ada@School.org", "s1")
    obj = {"type": "IdentityObject", "hashed": True, "identityType": "emailAddress",
           "identityHash": raw.upper().replace("SHA256", "sha256"), "salt": "s1"}
    assert matches(obj, "Ada@School.org")
    assert not matches(obj, "eve@school.org")


def test_plaintext_identity_object(load_json):
    cred = load_json("examples/ob3-complete-rubric-signed.json")
    ids = cred["credentialSubject"]["identifier"]
    plain = next(i for i in ids if i["hashed"] is False)
    assert matches(plain, plain["identityHash"])
    assert not matches(plain, plain["identityHash"] + "x")


@pytest.mark.parametrize("bad", [
    {"hashed": True, "identityHash": "sha256-deadbeef", "identityType": "emailAddress"},
    {"hashed": True, "identityHash": "sha1$" + "0" * 40, "identityType": "emailAddress"},
    {"hashed": True, "identityHash": "sha256$abc", "identityType": "emailAddress"},
    {"hashed": "true", "identityHash": "sha256$" + "0" * 64, "identityType": "emailAddress"},
    {"hashed": True, "identityHash": "sha256$" + "0" * 64, "salt": 7},
])
def test_malformed_identity_objects_raise(bad):
    with pytest.raises(ModelError):
        matches(bad, "a@example.com")


@pytest.mark.parametrize("kwargs", [
    {"value": "", "salt": "s"},
    {"value": "a@example.com", "salt": ""},
    {"value": "a@example.com", "salt": "s", "identity_type": "favouriteColour"},
    {"value": "a@example.com", "salt": "s", "identity_type": "ext:"},
])
def test_identity_object_rejects_bad_arguments(kwargs):
    value = kwargs.pop("value")
    with pytest.raises(ValueError):
        identity_object(value, **kwargs)


def test_ext_identity_type_allowed():
    assert identity_object("x", salt="s", identity_type="ext:schoolCardNo")["identityType"] == "ext:schoolCardNo"


def test_public_names():
    import badges.identity
    assert sorted(badges.identity.__all__) == [
        "ALGORITHMS", "IDENTIFIER_TYPES", "identity_hash", "identity_object", "matches", "normalise"]
