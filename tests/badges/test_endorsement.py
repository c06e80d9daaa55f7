"""badges.endorsement.build_endorsement: a schema-valid EndorsementCredential that signs and
verifies, and its bad twins (no comment, a long one, a relative subject id, a naive time)."""
from __future__ import annotations

from datetime import datetime

import pytest

from badges import schema
from badges.endorsement import MAX_COMMENT, build_endorsement
from badges.errors import ModelError, SchemaError
from badges.signing import DidKeyResolver, Ed25519Signer, sign, verify_proof
from tests.support import NOW, SEED

SIGNER = Ed25519Signer.from_seed(SEED)
ISSUER = {"id": SIGNER.public_key.did_key, "type": ["Profile"], "name": "River Lab"}


def build(**changes):
    args = dict(credential_id="https://school.example/endorsements/1", issuer=ISSUER,
                subject_id="https://school.example/achievements/7", comment="We stand behind it.",
                name="Endorsement of Investigator by River Lab", issued_at=NOW)
    return build_endorsement(**{**args, **changes})


def test_signed_endorsement_is_schema_valid_and_verifies():
    doc = build()
    assert doc["credentialSubject"] == {"id": "https://school.example/achievements/7", "type": ["EndorsementSubject"],
                                        "endorsementComment": "We stand behind it."}
    signed = sign(doc, signer=SIGNER, created=NOW)
    schema.validate(signed, "endorsement")
    assert verify_proof(signed, resolver=DidKeyResolver(), now=NOW).verified
    tampered = {**signed, "credentialSubject": {**signed["credentialSubject"], "endorsementComment": "Meh."}}
    assert not verify_proof(tampered, resolver=DidKeyResolver(), now=NOW).verified


@pytest.mark.parametrize("changes", [{"comment": "  "}, {"comment": "x" * (MAX_COMMENT + 1)},
                                     {"subject_id": "achievements/7"}, {"issued_at": datetime(2026, 1, 1)},
                                     {"name": ""}])
def test_bad_twins_are_refused(changes):
    with pytest.raises(ModelError):
        build(**changes)


STATUS = {"id": "https://school.example/endorsers/1/status/revocation#3", "type": "BitstringStatusListEntry",
          "statusPurpose": "revocation", "statusListIndex": "3",
          "statusListCredential": "https://school.example/endorsers/1/status/revocation"}


def test_status_entry_is_carried_signed_and_schema_valid():
    doc = build(status=STATUS)
    assert doc["credentialStatus"] == STATUS and doc["credentialStatus"] is not STATUS
    signed = sign(doc, signer=SIGNER, created=NOW)
    schema.validate(signed, "endorsement")
    assert verify_proof(signed, resolver=DidKeyResolver(), now=NOW).verified
    assert "credentialStatus" not in build()  # none asked: none carried


@pytest.mark.parametrize("bad", [{**STATUS, "statusListIndex": "three"}, {**STATUS, "statusListCredential": "lists/1"}])
def test_bad_status_entries_are_refused(bad):
    with pytest.raises((ModelError, SchemaError)):
        build(status=bad)
