"""``badges digest`` (each teacher's daily list of the work waiting for them) and ``badges mail
retry`` (send again the messages the mail server refused). Run ``badges digest`` once a day from
cron or a systemd timer; a second run the same day sends nothing new.
Registered through ``issuer.cli.PLUGIN_MODULES``."""
from __future__ import annotations

import argparse

__all__ = ["register"]


async def _cmd_digest(args: argparse.Namespace) -> int:
    from issuer.cli import context_for, settings_for
    from issuer.mail.digest import send_digests

    ctx = context_for(settings_for(args))
    sent = await send_digests(ctx)
    where = "sent" if ctx.mailer.name == "smtp" else "kept in the outbox (/admin/outbox)"
    print(f"{sent} digest(s) {where}")
    return 0


async def _cmd_retry(args: argparse.Namespace) -> int:
    from issuer.cli import context_for, settings_for
    from issuer.mail.service import retry

    ctx = context_for(settings_for(args))
    delivered, failing = await retry(ctx)
    print(f"{delivered} message(s) delivered, {failing} still failing")
    return 0 if failing == 0 else 1


def register(subparsers: argparse._SubParsersAction) -> None:
    from issuer.cli import _run

    p = subparsers.add_parser("digest", help="e-mail each teacher the work waiting in their review queue "
                                             "(once a day: a second run the same day sends nothing)")
    p.add_argument("--base-url")
    p.set_defaults(func=_run(_cmd_digest))
    p = subparsers.add_parser("mail", help="outgoing e-mail")
    sub = p.add_subparsers(dest="mail_command", required=True)
    r = sub.add_parser("retry", help="send again the messages that could not be delivered")
    r.add_argument("--base-url")
    r.set_defaults(func=_run(_cmd_retry))
