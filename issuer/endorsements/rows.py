"""The rows the endorsements repo returns (``issuer.db.tables.Endorser``, ``Endorsement``)."""
from __future__ import annotations

import uuid as uuidlib
from datetime import datetime

import msgspec


class EndorserRow(msgspec.Struct, frozen=True, kw_only=True):
    """A teacher or partner organisation with its platform-held key (``tables.Endorser``)."""
    id: int
    uuid: uuidlib.UUID
    school: int
    kind: str
    handle: str
    user: int | None
    name: str
    public_key_multibase: str
    encrypted_seed: str
    created_at: datetime
    status_next: int = 0
    status_encoded: str = ""
    status_document: str = ""


class EndorsementRow(msgspec.Struct, frozen=True, kw_only=True):
    """One signed endorsement; ``document`` is the EndorsementCredential exactly as signed."""
    id: int
    uuid: uuidlib.UUID
    school: int
    endorser_kind: str
    endorser: int | None
    endorser_key: str
    endorser_name: str
    subject_kind: str
    subject_id: str
    subject_name: str
    achievement: int | None
    credential: int | None
    subject_school: int | None
    comment: str
    credential_id: str
    document: str
    created_by: int | None
    created_at: datetime
    withdrawn_at: datetime | None
    status_list: int | None = None  # the school's revocation list (its own endorsements)
    status_index: int | None = None  # None: made before endorsements had a status entry
