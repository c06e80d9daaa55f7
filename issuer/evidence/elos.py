"""Extended learning opportunities: plan → teacher approval → mentor attestation → review.

The mentor has no account: approval creates a random, single-use, expiring link whose token
is stored only as its sha256. Attesting uses the link up (atomically, so two submissions of
the same form cannot both count) and turns the ELO into a Submission, which teachers then
rate with the achievement's rubric through the same review flow as classroom work.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from issuer.access import STAFF, Principal, check_record, require, scope_of
from issuer.accounts import directory as users
from issuer.catalog import achievements, frameworks
from issuer.context import IssuerContext
from issuer.credentials.awarding import in_write_transaction
from issuer.errors import Conflict, InvalidInput, LinkExpired, NotFound
from issuer.evidence import repo as evidence_repo
from issuer.evidence.rows import Attested, EloRow, ListedElo, MentorLinkRow, MentorView, PlanDecision
from issuer.evidence.schemas import PartnerDoc
from issuer.links import new_token, plausible, token_hash
from issuer.mail import notify
from issuer.schools import directory as schools

LINK_DAYS = 30
_EMAIL = re.compile(r"^[^@\s<>\"]{1,64}@[^@\s<>\"]+\.[^@\s<>\"]+$")



def _date(value: object, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except (TypeError, ValueError):
        raise InvalidInput(f"{field} must be a date (YYYY-MM-DD)", field=field) from None


def _text(value: object, field: str, limit: int, *, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise InvalidInput(f"{field} is required", field=field)
    if len(text) > limit:
        raise InvalidInput(f"{field} is longer than {limit} characters", field=field)
    return text


def _hours(value: object) -> float:
    """Hours as sent (a JSON number or form text): more than 0, at most 2000."""
    try:
        if not isinstance(value, (int, float, str)):
            raise TypeError
        hours = float(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: a JSON integer beyond any float
        raise InvalidInput("hours must be a number", field="hours") from None
    if not 0 < hours <= 2000:
        raise InvalidInput("hours must be between 0 and 2000", field="hours")
    return hours


async def propose(ctx: IssuerContext, who: Principal, *, achievement_uuid: str, partner_org: object,
                  mentor_name: object, mentor_email: object, goals: object, competencies: Sequence[object] | None,
                  hours: object, start_date: object, end_date: object) -> EloRow:
    """A student's plan (raw values from a form or JSON: checked here)."""
    require(who, "student")
    achievement = await achievements.find(achievement_uuid)
    if achievement is None or achievement.school != who.school_id:
        raise NotFound("no such achievement")
    email = _text(mentor_email, "mentorEmail", 320)
    if not _EMAIL.match(email):
        raise InvalidInput("mentorEmail is not an email address", field="mentorEmail")
    hours_f = _hours(hours)
    start, end = _date(start_date, "startDate"), _date(end_date, "endDate")
    if end < start:
        raise InvalidInput("endDate is before startDate", field="endDate")
    comps = await frameworks.resolve_competencies([achievement.school], competencies or [])
    return await evidence_repo.insert_elo(
        school=achievement.school, learner=who.id, achievement=achievement.id,
        partner_org=_text(partner_org, "partnerOrg", 255), mentor_name=_text(mentor_name, "mentorName", 255),
        mentor_email=email, goals=_text(goals, "goals", 10000), competencies=[c.id for c in comps],
        hours=hours_f, start_date=start, end_date=end, status="proposed", created_at=ctx.clock.now())


async def get_elo(ctx: IssuerContext, who: Principal, elo_uuid: str) -> EloRow:
    return await check_record(who, await evidence_repo.get_elo(elo_uuid), "ELO")


async def list_elos(ctx: IssuerContext, who: Principal) -> list[ListedElo]:
    require(who, "student", *STAFF)
    return await evidence_repo.list_elos(await scope_of(who))


async def _new_link(elo_id: int, now: datetime) -> str:
    token, digest = new_token()
    await evidence_repo.insert_mentor_link(elo=elo_id, token_hash=digest,
                                           expires_at=now + timedelta(days=LINK_DAYS), created_at=now)
    return token


async def _mail_link(ctx: IssuerContext, elo: EloRow, url: str, now: datetime) -> None:
    """The mentor gets the link by e-mail (after the approval is stored: a mail server that is
    down fails nothing; the outbox row records it and the teacher still sees the link)."""
    achievement = await achievements.by_id(elo.achievement)
    await notify.mentor_link(ctx, school_id=elo.school, learner_id=elo.learner, mentor_email=elo.mentor_email,
                             mentor_name=elo.mentor_name, partner=elo.partner_org,
                             achievement=achievement.name if achievement else "", url=url,
                             expires_at=now + timedelta(days=LINK_DAYS))


def _mentor_url(ctx: IssuerContext, token: str) -> str:
    return f"{ctx.settings.base_url}/mentor/{token}"


async def _reread(elo_id: int) -> EloRow:
    elo = await evidence_repo.get_elo_by_id(elo_id)
    if elo is None:  # written just before, in this request
        raise NotFound("no such ELO")
    return elo


async def decide_plan(ctx: IssuerContext, who: Principal, elo_uuid: str, *, approve: bool) -> PlanDecision:
    """Approve (with the mentor link, shown once) or reject a proposed plan."""
    require(who, *STAFF)
    elo = await get_elo(ctx, who, elo_uuid)
    if elo.status != "proposed":
        raise Conflict(f"the plan is already {elo.status}")
    now = ctx.clock.now()
    if not approve:
        await evidence_repo.update_elo(elo.id, status="rejected", approved_by=who.id, approved_at=now)
        return PlanDecision(elo=await _reread(elo.id), mentor_link=None)
    token = await _new_link(elo.id, now)
    await evidence_repo.update_elo(elo.id, status="approved", approved_by=who.id, approved_at=now)
    approved = await _reread(elo.id)
    await _mail_link(ctx, approved, _mentor_url(ctx, token), now)
    return PlanDecision(elo=approved, mentor_link=_mentor_url(ctx, token))


async def reissue_link(ctx: IssuerContext, who: Principal, elo_uuid: str) -> str:
    require(who, *STAFF)
    elo = await get_elo(ctx, who, elo_uuid)
    if elo.status != "approved":
        raise Conflict("only an approved plan awaiting attestation gets a new mentor link")
    now = ctx.clock.now()
    url = _mentor_url(ctx, await _new_link(elo.id, now))
    await _mail_link(ctx, elo, url, now)
    return url


async def _live_link(token: str, now: datetime) -> tuple[MentorLinkRow, EloRow]:
    if not plausible(token):
        raise LinkExpired("this mentor link is not valid")
    link = await evidence_repo.get_mentor_link(token_hash(token))
    if link is None or link.used_at is not None or link.expires_at <= now:
        raise LinkExpired("this mentor link is not valid, has expired or has already been used")
    elo = await evidence_repo.get_elo_by_id(link.elo)
    if elo is None or elo.status != "approved":
        raise LinkExpired("this mentor link is no longer needed")
    return link, elo


async def endorsing_link(ctx: IssuerContext, token: str) -> EloRow:
    """The ELO a mentor's link opens for an endorsement on behalf of the partner organisation.
    Unlike the attestation, an endorsement does not use the link up: it serves until it expires,
    before or after the mentor's confirmation (the thanks page offers it too), and only for an
    approved plan (a proposed or rejected one has no partner relationship to speak of)."""
    if not plausible(token):
        raise LinkExpired("this mentor link is not valid")
    link = await evidence_repo.get_mentor_link(token_hash(token))
    if link is None or link.expires_at <= ctx.clock.now():
        raise LinkExpired("this mentor link is not valid or has expired")
    elo = await evidence_repo.get_elo_by_id(link.elo)
    if elo is None or elo.status in ("proposed", "rejected"):
        raise LinkExpired("this mentor link is no longer valid")
    return elo


async def mentor_view(ctx: IssuerContext, token: str) -> MentorView:
    link, elo = await _live_link(token, ctx.clock.now())
    learner = await users.get_user(elo.learner) if elo.learner is not None else None
    return MentorView(elo=elo, learner_name=(learner or {}).get("display_name") or "the student",
                      achievement=await achievements.by_id(elo.achievement),
                      competencies=await frameworks.competencies(elo.competencies or []),
                      expires_at=link.expires_at)


async def attest(ctx: IssuerContext, token: str, *, statement: object, hours: object, confirm: bool) -> Attested:
    """The mentor's attestation; the ELO becomes a submission in the teachers' review queue."""
    if not confirm:
        raise InvalidInput("please confirm that the student completed this learning", field="confirm")
    text = _text(statement, "statement", 10000)
    hours_f = _hours(hours)
    now = ctx.clock.now()

    async def unit() -> Attested:
        link, elo = await _live_link(token, now)
        if not await evidence_repo.use_mentor_link(link.id, now):
            raise LinkExpired("this mentor link has already been used")
        narrative = (f"Extended learning with {elo.partner_org} ({elo.start_date} to {elo.end_date}, "
                     f"{hours_f:g} hours attested of {elo.hours:g} planned).\n\nGoals: {elo.goals}\n\n"
                     f"Mentor {elo.mentor_name} attests: {text}")
        sub = await evidence_repo.insert_submission(school_id=elo.school, learner_id=elo.learner,
                                                    achievement_id=elo.achievement, kind="elo", created_at=now,
                                                    narrative=narrative, urls=[], files=[])
        await evidence_repo.update_elo(elo.id, status="attested", attestation=text, attested_hours=hours_f,
                                       attested_at=now, submission=sub.id)
        return Attested(elo=await _reread(elo.id), submission=sub)

    return await in_write_transaction(unit)


async def partner(ctx: IssuerContext, elo_uuid: str) -> PartnerDoc:
    """The organisation of an extended learning opportunity, as named in the badge's
    ``credentialSubject.source`` (public). Only once attested (a plan alone is nobody's business)."""
    elo = await evidence_repo.get_elo(elo_uuid)
    if elo is None or elo.submission is None:
        raise NotFound("no such partner")
    school = await schools.school_name(elo.school)
    return PartnerDoc(id=f"{ctx.settings.base_url}/partners/{elo.uuid}", type=["Profile"], name=elo.partner_org,
                      description=f"Extended learning partner of {school}" if school else "Extended learning partner")

