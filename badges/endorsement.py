"""Build unsigned EndorsementCredentials (OB 3.0 App. B.1.5 EndorsementCredential, B.1.6
EndorsementSubject) ready for signing.

An endorsement is a claim by its ``issuer`` (the endorser, who signs) about one thing named by
``credentialSubject.id``: an Achievement, an issued badge or an issuer Profile, with the
endorser's words in ``endorsementComment``. ``build_endorsement`` refuses to return anything a
verifier would reject: the model rules and the 1EdTech EndorsementCredential schema are applied
(``ModelError`` / ``SchemaError`` otherwise).
"""
from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from badges import schema
from badges.errors import ModelError
from badges.issuance import CONTEXTS
from badges.model import (
    OB_ENDORSEMENT_SCHEMA,
    SCHEMA_VALIDATOR_TYPE,
    EndorsementCredential,
    format_datetime,
)
from badges.model.base import require_aware

ENDORSEMENT_TYPE = ("VerifiableCredential", "EndorsementCredential")
MAX_COMMENT = 2000  # a few paragraphs; an endorsement is a statement, not a document


def build_endorsement(*, credential_id: str, issuer: Mapping[str, Any], subject_id: str, comment: str,
                      name: str, issued_at: datetime, description: str | None = None,
                      status: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The unsigned EndorsementCredential of ``issuer`` about ``subject_id``.

    ``status``: its ``credentialStatus`` entry (``badges.status.status_entry``), on a list whose
    issuer is the endorser: how the endorser withdraws it later.

    ``comment`` is required (1 to ``MAX_COMMENT`` characters after trimming): an endorsement
    without words says nothing a reader can weigh. Raises ``ModelError`` or ``SchemaError``."""
    require_aware(issued_at, "issued_at")
    if not isinstance(issuer, Mapping):
        raise ModelError("issuer must be a Profile object", field="issuer")
    text = comment.strip() if isinstance(comment, str) else ""
    if not text:
        raise ModelError("an endorsement needs a comment", field="endorsementComment")
    if len(text) > MAX_COMMENT:
        raise ModelError(f"the comment is longer than {MAX_COMMENT} characters", field="endorsementComment")
    credential: dict[str, Any] = {
        "@context": list(CONTEXTS),
        "id": credential_id,
        "type": list(ENDORSEMENT_TYPE),
        "name": name,
        "issuer": copy.deepcopy(dict(issuer)),
        "validFrom": format_datetime(issued_at),
        "credentialSubject": {"id": subject_id, "type": ["EndorsementSubject"], "endorsementComment": text},
        "credentialSchema": [{"id": OB_ENDORSEMENT_SCHEMA, "type": SCHEMA_VALIDATOR_TYPE}],
    }
    if description:
        credential["description"] = description
    if status is not None:
        credential["credentialStatus"] = copy.deepcopy(dict(status))
    EndorsementCredential.from_jsonld(credential)  # model rules (URIs, types, name …)
    schema.validate(credential, "endorsement")
    return credential


__all__ = ["ENDORSEMENT_TYPE", "MAX_COMMENT", "build_endorsement"]
