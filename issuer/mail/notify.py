"""Who hears of what: the notifications the domains send AFTER their transaction has committed.

* ``mentor_link``: a teacher approved an ELO plan; the mentor gets the single-use link.
* ``review_saved``: a teacher's rating decided something; the student hears of the feedback, or
  of the badge it earned. Nothing while the decision waits for a second, blind rating or for
  moderation (the student would learn of a rating that may not stand).
* ``awarded``: a badge issued without a review.
* ``queue_awards``: the badges of one batch of a bulk award, queued in the outbox inside the
  batch's own transaction (a badge and its notice commit together, and a job of 2,000 rows
  does not wait on the mail server); ``issuer.mail.service.deliver_queued`` hands them on
  once the job has issued everything.
* ``revoked``: the student hears their badge was revoked, never why (the reason stays internal).
* ``password_reset``: the single-use link of a password reset.

The teachers' daily digest is ``issuer.mail.digest`` (it reads the review queue, which the
evidence domain owns; the evidence domain calls this module).

Each reads the recipient's address, name and language (``accounts.directory.recipient``); a person
without an address, or no longer active, is skipped. None of them raises because of the mail
server (``issuer.mail.service.send`` records a failed delivery on its outbox row).
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec

from issuer.accounts import directory as users
from issuer.accounts.rows import RecipientRow
from issuer.context import IssuerContext
from issuer.mail import messages
from issuer.mail import repo as mail_repo
from issuer.mail.rows import OutboxRow
from issuer.mail.service import send
from issuer.schools import directory as schools

__all__ = ["FEEDBACK_STATES", "AwardNotice", "awarded", "mentor_link", "password_reset", "queue_awards",
           "review_saved", "revoked"]

# The review outcomes a student is told about (``issuer.evidence.review``); "awarded" sends the
# award's own message.
FEEDBACK_STATES = ("revise", "already_held", "prerequisites")
log = logging.getLogger(__name__)


async def school_name(school_id: int | None) -> str:
    return (await schools.school_name(school_id) or "") if school_id is not None else ""


async def _reachable(user_id: int | None) -> RecipientRow | None:
    person = await users.recipient(user_id) if user_id is not None else None
    return person if person is not None and person.active and person.email else None


async def mentor_link(ctx: IssuerContext, *, school_id: int, learner_id: int | None, mentor_email: str,
                      mentor_name: str, partner: str, achievement: str, url: str, expires_at: datetime
                      ) -> OutboxRow:
    learner = await users.recipient(learner_id) if learner_id is not None else None
    email = messages.mentor_link(to=mentor_email, mentor_name=mentor_name,
                                 student=(learner.display_name or learner.username) if learner else "a student",
                                 school=await school_name(school_id), partner=partner, achievement=achievement, url=url,
                                 expires_at=expires_at)
    return await send(ctx, email, school_id=school_id)


async def review_saved(ctx: IssuerContext, *, school_id: int, learner_id: int | None, teacher: str,
                       achievement: str, status: str, feedback: str, submission_uuid: str,
                       credential_uuid: str | None, issued: bool) -> OutboxRow | None:
    """The student hears of a review that decided something (see the module's docstring)."""
    if status == "awarded" and issued and credential_uuid is not None:
        return await awarded(ctx, school_id=school_id, learner_id=learner_id, achievement=achievement,
                             credential_uuid=credential_uuid)
    if status not in FEEDBACK_STATES:
        return None
    person = await _reachable(learner_id)
    if person is None:
        return None
    email = messages.feedback(to=person.email, name=person.display_name or person.username, lang=person.language,
                              school=await school_name(school_id), teacher=teacher, achievement=achievement,
                              status=status, feedback=feedback,
                              url=f"{ctx.settings.base_url}/student/submissions/{submission_uuid}")
    return await send(ctx, email, school_id=school_id, recipient_id=person.id)


async def awarded(ctx: IssuerContext, *, school_id: int, learner_id: int | None, achievement: str,
                  credential_uuid: str) -> OutboxRow | None:
    person = await _reachable(learner_id)
    if person is None:
        return None
    email = messages.award(to=person.email, name=person.display_name or person.username, lang=person.language,
                           school=await school_name(school_id), achievement=achievement,
                           url=f"{ctx.settings.base_url}/badges/{credential_uuid}")
    return await send(ctx, email, school_id=school_id, recipient_id=person.id)


class AwardNotice(msgspec.Struct, frozen=True, kw_only=True):
    """One badge a bulk award issued: whom to tell, of what."""

    learner_id: int
    achievement: str
    credential_uuid: str


async def queue_awards(ctx: IssuerContext, *, school_id: int, school: str, notices: Sequence[AwardNotice]
                       ) -> list[int]:
    """Write the award messages of ``notices`` as queued outbox rows, in one INSERT, joining the
    caller's transaction (a bulk award's batch); their ids, for ``service.deliver_queued``.
    ``school``: the school's name, read once by the caller. People without an address, or no
    longer active, are skipped."""
    if not notices:
        return []
    people = {p.id: p for p in await users.recipients(n.learner_id for n in notices)}
    rows: list[dict[str, Any]] = []
    for n in notices:
        person = people.get(n.learner_id)
        if person is None or not person.active or not person.email:
            continue
        email = messages.award(to=person.email, name=person.display_name or person.username, lang=person.language,
                               school=school, achievement=n.achievement,
                               url=f"{ctx.settings.base_url}/badges/{n.credential_uuid}")
        rows.append({"school": school_id, "recipient": person.id, "to_address": email.to, "to_name": email.to_name,
                     "subject": email.subject, "text_body": email.text, "html_body": email.html, "kind": email.kind,
                     "language": email.language})
    return await mail_repo.insert_many(rows, at=ctx.clock.now())


async def revoked(ctx: IssuerContext, *, school_id: int, learner_id: int | None, achievement: str,
                  at: datetime) -> OutboxRow | None:
    person = await _reachable(learner_id)
    if person is None:
        return None
    email = messages.revocation(to=person.email, name=person.display_name or person.username,
                                lang=person.language, school=await school_name(school_id), achievement=achievement,
                                at=at, url=f"{ctx.settings.base_url}/student/badges")
    return await send(ctx, email, school_id=school_id, recipient_id=person.id)


async def password_reset(ctx: IssuerContext, person: RecipientRow, *, url: str, minutes: int,
                         language: str) -> OutboxRow:
    """``language``: the person's own when known, else that of the page the reset was asked on."""
    email = messages.password_reset(to=person.email, name=person.display_name or person.username,
                                    lang=person.language or language, school=await school_name(person.school) or None,
                                    username=person.username, url=url, minutes=minutes)
    return await send(ctx, email, school_id=person.school, recipient_id=person.id)
