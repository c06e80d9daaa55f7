"""Sending mail, and the outbox administrators read.

``send`` is called AFTER the transaction of the action it reports has committed (an award, a
review, an approved plan): a mail server that is down or slow never rolls back or fails that
action. It first writes the message to the outbox table (its own small transaction), then hands
it to ``ctx.mailer``, then records what happened on the row: ``sent`` (the bodies are erased,
since they may hold a single-use link and the recipient has them now), ``kept`` (no mail server:
the outbox page is where it is read) or ``failed`` with the error (``retry`` sends it again).
``send`` never raises because of the mailer.

Many messages at once (a bulk award's notices) are not sent one by one inside the work that
causes them: ``issuer.mail.notify.queue_awards`` writes them as ``queued`` outbox rows in the
transaction of that work (so a badge and its notice commit together), and ``deliver_queued``
hands them on afterwards, a chunk at a time, recording each chunk's outcomes in one
transaction. What a stopped process did not hand on stays ``queued`` for ``retry``.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from issuer.access import Principal, admin_scope
from issuer.context import IssuerContext
from issuer.db.engine import write_transaction
from issuer.errors import InvalidInput
from issuer.mail import repo as mail_repo
from issuer.mail.mailer import Email, MailError
from issuer.mail.rows import OutboxRow
from issuer.schools import directory as schools

__all__ = ["MAX_ATTEMPTS", "deliver_queued", "outbox", "retry", "send"]

MAX_ATTEMPTS = 5
OUTBOX_PAGE = 200
DELIVERY_CHUNK = 50  # deliver_queued records this many outcomes per transaction
KINDS = ("mentor_link", "feedback", "award", "revocation", "digest", "password_reset")
log = logging.getLogger(__name__)


async def send(ctx: IssuerContext, email: Email, *, school_id: int | None, recipient_id: int | None = None
               ) -> OutboxRow:
    """Queue ``email`` in the outbox, hand it to the mailer, record the outcome; the row as it ends."""
    now = ctx.clock.now()
    async with write_transaction():
        message_id = await mail_repo.insert(
            school=school_id, recipient=recipient_id, to_address=email.to, to_name=email.to_name,
            subject=email.subject, text_body=email.text, html_body=email.html, kind=email.kind,
            language=email.language, at=now)
    await _deliver(ctx, message_id, email)
    row = await mail_repo.get(message_id)
    if row is None:  # written just above
        raise LookupError(f"outbox message {message_id} vanished")
    return row


async def _deliver(ctx: IssuerContext, message_id: int, email: Email) -> bool:
    try:
        outcome = await ctx.mailer.deliver(email, sender=ctx.settings.mail_sender)
    except MailError as exc:
        log.warning("mail %s to %s failed: %s", message_id, email.to, exc)
        async with write_transaction():
            await mail_repo.failed(message_id, error=str(exc))
        return False
    except Exception as exc:  # noqa: BLE001 - a mailer's bug must not fail the action it reports
        log.exception("mailer %r crashed on message %s", ctx.mailer, message_id)
        async with write_transaction():
            await mail_repo.failed(message_id, error=f"{type(exc).__name__}: {exc}")
        return False
    async with write_transaction():
        await mail_repo.delivered(message_id, status=outcome, at=ctx.clock.now(), clear_bodies=outcome == "sent")
    return True


def _email_of(row: OutboxRow) -> Email:
    return Email(to=row.to_address, to_name=row.to_name, subject=row.subject, text=row.text_body,
                 html=row.html_body, kind=row.kind, language=row.language)


async def deliver_queued(ctx: IssuerContext, message_ids: Sequence[int]) -> tuple[int, int]:
    """Hand on messages already queued in the outbox (``notify.queue_awards``), a chunk at a
    time, letting other work run between chunks: (delivered, failed). Never raises because of
    the mailer; a failed message stays on its row for ``retry``."""
    ok = bad = 0
    ids = list(message_ids)
    for start in range(0, len(ids), DELIVERY_CHUNK):
        rows = [r for r in await mail_repo.many(ids[start:start + DELIVERY_CHUNK]) if r.status == "queued"]
        outcomes: dict[str, list[int]] = {"sent": [], "kept": []}
        failures: list[tuple[int, str]] = []
        for row in rows:
            try:
                outcome = await ctx.mailer.deliver(_email_of(row), sender=ctx.settings.mail_sender)
                outcomes.setdefault(outcome, []).append(row.id)
            except MailError as exc:
                log.warning("mail %s to %s failed: %s", row.id, row.to_address, exc)
                failures.append((row.id, str(exc)))
            except Exception as exc:  # noqa: BLE001 - a mailer's bug must not fail the work it reports
                log.exception("mailer %r crashed on message %s", ctx.mailer, row.id)
                failures.append((row.id, f"{type(exc).__name__}: {exc}"))
        now = ctx.clock.now()
        async with write_transaction():
            for status, done in outcomes.items():
                if done:
                    await mail_repo.delivered(done, status=status, at=now, clear_bodies=status == "sent")
            for message_id, error in failures:
                await mail_repo.failed(message_id, error=error)
        ok += sum(len(done) for done in outcomes.values())
        bad += len(failures)
        await asyncio.sleep(0)
    return ok, bad


async def retry(ctx: IssuerContext, *, limit: int = 500) -> tuple[int, int]:
    """Hand on again the messages that failed (or were never handed on: a process stopped
    between writing and sending), up to ``MAX_ATTEMPTS`` each: (delivered, still failing)."""
    ok = bad = 0
    for row in await mail_repo.waiting(max_attempts=MAX_ATTEMPTS, limit=limit):
        if await _deliver(ctx, row.id, _email_of(row)):
            ok += 1
        else:
            bad += 1
    return ok, bad


async def outbox(ctx: IssuerContext, who: Principal, *, kind: str | None = None) -> list[OutboxRow]:
    """The messages an administrator may read, newest first: a school admin their school's, a
    district admin their district's (with those of its district admins). Teachers do not read
    the outbox: it holds password-reset links, and reading a colleague's would be taking over
    their account."""
    scope = admin_scope(who, "read the outbox")
    if kind is not None and kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}", field="kind")
    if scope.school_id is not None:
        return await mail_repo.listed(school_ids=[scope.school_id], district_id=None, limit=OUTBOX_PAGE, kind=kind)
    school_ids = sorted(await schools.school_ids_of_district(scope.district_id))
    return await mail_repo.listed(school_ids=school_ids, district_id=scope.district_id, limit=OUTBOX_PAGE, kind=kind)


async def messages_for(recipient_id: int) -> int:
    """How many messages are kept for a person (an erasure's check page)."""
    return await mail_repo.recipient_count(recipient_id)


async def forget_recipient(recipient_id: int) -> int:
    """An erasure on request: the messages kept for the person go (inside its transaction)."""
    return await mail_repo.delete_for_recipient(recipient_id)
