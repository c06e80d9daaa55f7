"""The rows ``issuer.mail.repo`` returns (frozen msgspec Structs, see ``issuer.db.query.row_of``)."""
from __future__ import annotations

from datetime import datetime

import msgspec


class OutboxRow(msgspec.Struct, frozen=True, kw_only=True):
    """One message as the outbox page lists it (its bodies are "" once delivered over SMTP)."""

    id: int
    school: int | None
    recipient: int | None
    to_address: str
    to_name: str
    subject: str
    text_body: str
    html_body: str
    kind: str
    language: str
    status: str  # queued | sent | kept | failed
    attempts: int
    error: str
    created_at: datetime
    sent_at: datetime | None
