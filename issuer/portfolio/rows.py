"""What ``issuer.portfolio.repo`` returns: frozen rows of a portfolio, its pieces and share links."""
from __future__ import annotations

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
