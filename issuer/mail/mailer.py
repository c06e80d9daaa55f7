"""What a mailer is: one e-mail (``Email``), the ``Mailer`` protocol its adapters implement, the
error a failed delivery raises, and ``RecordingMailer``, the in-process fake tests inject.

The mailer is a side effect, so it is a parameter: ``issuer.context.build_context`` builds one from
the settings (``mailer_for``) or takes the one it is given, and use cases reach it only as
``ctx.mailer``. Which adapter:

* ``BADGES_SMTP_URL`` set: ``issuer.mail.smtp.SmtpMailer`` sends it;
* unset (the demo's default): ``issuer.mail.outbox.OutboxMailer`` keeps it in the outbox table,
  where staff read it on ``/admin/outbox``.

Every message is written to the outbox table first either way (``issuer.mail.service.send``):
the row is the queue, and a delivery that fails is recorded on it instead of being lost.
"""
from __future__ import annotations

from typing import Literal, Protocol

import msgspec

from issuer.settings import Settings

__all__ = ["Delivered", "Email", "MailError", "Mailer", "RecordingMailer", "mailer_for"]

# What became of a message: "sent" to a mail server, or "kept" in the outbox (no server).
Delivered = Literal["sent", "kept"]


class Email(msgspec.Struct, frozen=True, kw_only=True):
    """One message to one person: a plain-text body and the same words as simple HTML."""

    to: str
    to_name: str = ""
    subject: str
    text: str
    html: str
    kind: str  # mentor_link | feedback | award | revocation | digest | password_reset
    language: str = "en"


class MailError(Exception):
    """The message could not be handed to the mail server (refused, unreachable, timed out)."""


class Mailer(Protocol):
    """Hands one message on. Raises ``MailError`` when it cannot; never retries by itself (the
    outbox row records the failure, and ``badges mail retry`` tries again)."""

    @property
    def name(self) -> str: ...

    async def deliver(self, email: Email, *, sender: str) -> Delivered: ...


class RecordingMailer:
    """The fake for tests: remembers every message, and refuses them with ``MailError`` while
    ``failing`` is set (a mail server that is down)."""

    name = "recording"

    def __init__(self, *, failing: bool = False) -> None:
        self.sent: list[Email] = []
        self.failing = failing

    async def deliver(self, email: Email, *, sender: str) -> Delivered:
        if self.failing:
            raise MailError("the test's mail server is down")
        self.sent.append(email)
        return "sent"

    def to(self, address: str) -> list[Email]:
        return [e for e in self.sent if e.to == address]


def mailer_for(settings: Settings) -> Mailer:
    """The mailer the settings ask for: SMTP when ``BADGES_SMTP_URL`` is set, else the outbox."""
    if settings.smtp_url:
        from issuer.mail.smtp import SmtpMailer

        return SmtpMailer.from_url(settings.smtp_url)
    from issuer.mail.outbox import OutboxMailer

    return OutboxMailer()
