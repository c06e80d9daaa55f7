"""HTTP bodies of the identity and key endpoints (msgspec, camelCase). The Profile and the DID
documents are JSON-LD documents built by ``issuer.schools.identity``, not DTOs."""
from __future__ import annotations

from datetime import datetime

from issuer.web.dto import Dto


class SchoolOut(Dto):
    slug: str
    name: str
    did: str
    profile_url: str
    did_document_url: str
    url: str = ""


class KeyOut(Dto):
    public_key_multibase: str
    verification_method: str
    active: bool
    created_at: datetime
