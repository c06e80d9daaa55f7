"""Outgoing e-mail: the ``Mailer`` protocol and its adapters (``smtp``, ``outbox``), the words of
each message (``messages``), sending through the outbox table (``service``), the notifications
the domains send (``notify``), the teachers' daily digest (``digest``) and the outbox page
(``pages``). Only the mailer's types are re-exported here: the context imports this package."""
from __future__ import annotations

from issuer.mail.mailer import Delivered, Email, Mailer, MailError, RecordingMailer, mailer_for

__all__ = ["Delivered", "Email", "MailError", "Mailer", "RecordingMailer", "mailer_for"]
