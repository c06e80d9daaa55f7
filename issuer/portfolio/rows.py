"""What ``issuer.portfolio.repo`` returns: frozen rows of a portfolio, its pieces and share links."""
from __future__ import annotations

import uuid as uuidlib
from datetime import datetime

import msgspec


class PortfolioRow(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    learner: int
    school: int
    title: str
    reflection: str
    updated_at: datetime


class ItemRow(msgspec.Struct, frozen=True, kw_only=True):
    """A chosen piece; ``source`` names it (see ``issuer.db.tables.PortfolioItem``)."""
    id: int
    portfolio: int
    source: str
    reflection: str
    public: bool
    position: int
    created_at: datetime


class ShareRow(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    portfolio: int
    label: str
    created_at: datetime
    revoked_at: datetime | None


class ImportedBadgeRow(msgspec.Struct, frozen=True, kw_only=True):
    """A badge from elsewhere in the student's backpack (``issuer.db.tables.ImportedBadge``)."""
    id: int
    uuid: uuidlib.UUID
    learner: int
    school: int
    sha256: str
    media_type: str
    size: int
    source: str
    source_url: str
    format: str
    document: str
    name: str
    issuer_id: str
    issuer_name: str
    verified: bool
    summary: str
    checked_at: datetime
    created_at: datetime
    credential_id: str = ""
