"""The outbox adapter: with no mail server configured, a message goes nowhere and stays readable
in the outbox table (``/admin/outbox``). The row is written by ``issuer.mail.service.send``
before any mailer runs, so keeping it is all this mailer has to do."""
from __future__ import annotations

from issuer.mail.mailer import Delivered, Email

__all__ = ["OutboxMailer"]


class OutboxMailer:
    name = "outbox"

    def __repr__(self) -> str:
        return "OutboxMailer()"

    async def deliver(self, email: Email, *, sender: str) -> Delivered:
        return "kept"
