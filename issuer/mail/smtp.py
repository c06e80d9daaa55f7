"""The SMTP adapter: ``BADGES_SMTP_URL`` parsed once, each message sent with the standard library's
``smtplib`` in a worker thread (a slow server never blocks the event loop).

``smtp://host:25`` talks plain SMTP; ``?starttls=1`` upgrades with STARTTLS before logging in
(port 587); ``smtps://host:465`` speaks TLS from the first byte. TLS checks the server's
certificate against the system's CAs. User and password in the URL are percent-decoded.
"""
from __future__ import annotations

import asyncio
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

from issuer.mail.mailer import Delivered, Email, MailError

__all__ = ["SmtpConfig", "SmtpMailer", "compose"]

TIMEOUT_SECONDS = 15.0
_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    tls: bool = False  # smtps: TLS from the start
    starttls: bool = False
    username: str = ""
    password: str = field(default="", repr=False)

    @classmethod
    def from_url(cls, url: str) -> SmtpConfig:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("an SMTP URL is smtp://host[:port] or smtps://host[:port]")
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        tls = parts.scheme == "smtps"
        starttls = query.get("starttls", "").lower() in _TRUE
        return cls(host=parts.hostname, port=parts.port or (465 if tls else 587 if starttls else 25), tls=tls,
                   starttls=starttls and not tls, username=unquote(parts.username or ""),
                   password=unquote(parts.password or ""))


def compose(email: Email, *, sender: str) -> EmailMessage:
    """The MIME message: text/plain, with the HTML as its alternative."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = formataddr((email.to_name, email.to)) if email.to_name else email.to
    message["Subject"] = email.subject
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip("> ") or None)
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    message["Content-Language"] = email.language  # after the content: set_content drops Content-* headers
    return message


class SmtpMailer:
    name = "smtp"

    def __init__(self, config: SmtpConfig, *, timeout: float = TIMEOUT_SECONDS,
                 tls_context: ssl.SSLContext | None = None) -> None:
        self.config = config
        self.timeout = timeout
        self.tls_context = tls_context  # None: the system's CAs (tests pass one that trusts their own)

    @classmethod
    def from_url(cls, url: str, **kw: object) -> SmtpMailer:
        return cls(SmtpConfig.from_url(url), **kw)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return f"SmtpMailer({self.config!r})"

    async def deliver(self, email: Email, *, sender: str) -> Delivered:
        message = compose(email, sender=sender)
        try:
            await asyncio.to_thread(self._send, message)
        except (smtplib.SMTPException, OSError) as exc:  # OSError: refused, unreachable, timed out, TLS
            raise MailError(f"{type(exc).__name__}: {exc}"[:500]) from exc
        return "sent"

    def _send(self, message: EmailMessage) -> None:
        c = self.config
        context = self.tls_context or ssl.create_default_context()
        client: smtplib.SMTP
        if c.tls:
            client = smtplib.SMTP_SSL(c.host, c.port, timeout=self.timeout, context=context)
        else:
            client = smtplib.SMTP(c.host, c.port, timeout=self.timeout)
        with client:
            client.ehlo()
            if c.starttls:
                client.starttls(context=context)
                client.ehlo()
            if c.username:
                client.login(c.username, c.password)
            client.send_message(message)
