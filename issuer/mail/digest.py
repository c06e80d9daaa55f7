"""The teachers' daily digest: each one hears, once a day, what waits for them in the review queue.

``badges digest`` runs it (once a day from cron or a systemd timer: the service keeps no
scheduler of its own, and running it twice the same day sends nothing new).
"""
from __future__ import annotations

from datetime import datetime, time

from issuer.access import Principal, Role
from issuer.accounts import directory as users
from issuer.accounts.rows import RecipientRow
from issuer.context import IssuerContext
from issuer.evidence import elos as elo_service
from issuer.evidence import service as evidence
from issuer.mail import messages
from issuer.mail import repo as mail_repo
from issuer.mail.notify import school_name
from issuer.mail.service import send

__all__ = ["DIGEST_ROLES", "send_digests"]

DIGEST_ROLES = (Role.TEACHER.value, Role.SCHOOL_ADMIN.value)  # a school admin also rates work


def _principal(person: RecipientRow) -> Principal:
    return Principal(role=person.role, id=person.id, school_id=person.school, district_id=person.district,
                     username=person.username, display_name=person.display_name, via="cli")


async def _waiting(ctx: IssuerContext, person: RecipientRow) -> list[messages.DigestItem]:
    """What waits for this teacher: work to rate (or to rate second, or to moderate) and plans to
    approve, oldest first: the queue they see on ``/teacher/reviews``."""
    who = _principal(person)
    items = [messages.DigestItem(what=s.status, learner=s.learner_name or "", achievement=s.achievement_name or "",
                                 since=s.updated_at)
             for s in await evidence.review_queue(ctx, who)]
    items += [messages.DigestItem(what="plan", learner=e.learner_name or "", achievement=e.achievement_name or "",
                                  since=e.created_at)
              for e in await elo_service.list_elos(ctx, who) if e.status == "proposed"]
    return sorted(items, key=lambda i: i.since)


async def send_digests(ctx: IssuerContext) -> int:
    """Send each teacher (and school admin, who also rates) the list of what waits for them; how
    many were sent. Nobody gets a digest with nothing in it, nor two on one day (UTC): running it
    again the same day sends nothing new."""
    now = ctx.clock.now()
    day_start = datetime.combine(now.date(), time(0), tzinfo=now.tzinfo)
    sent = 0
    for person in await users.digest_recipients(DIGEST_ROLES):
        if await mail_repo.sent_since(recipient=person.id, kind="digest", since=day_start):
            continue
        lang = messages.language(person.language)
        items = await _waiting(ctx, person)
        if not items:
            continue
        email = messages.digest(to=person.email, name=person.display_name or person.username, lang=lang,
                                school=await school_name(person.school), items=items,
                                url=f"{ctx.settings.base_url}/teacher/reviews")
        row = await send(ctx, email, school_id=person.school, recipient_id=person.id)
        sent += int(row.status in ("sent", "kept"))
    return sent


