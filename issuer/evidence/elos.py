"""Extended learning opportunities: plan → teacher approval → mentor attestation → review.

The mentor has no account: approval creates a random, single-use, expiring link whose token
is stored only as its sha256. Attesting uses the link up (atomically, so two submissions of
the same form cannot both count) and turns the ELO into a Submission, which teachers then
rate with the achievement's rubric through the same review flow as classroom work.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import date, timedelta
from typing import Any

from issuer.accounts import repo as accounts_repo

from issuer.catalog import repo as catalog_repo

from issuer.evidence import repo as evidence_repo
from issuer.catalog import frameworks
from issuer.access import STAFF, check_record, require
from issuer.errors import Conflict, InvalidInput, LinkExpired, NotFound

LINK_DAYS = 30
_EMAIL = re.compile(r"^[^@\s<>\"]{1,64}@[^@\s<>\"]+\.[^@\s<>\"]+$")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _date(value: Any, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except (TypeError, ValueError):
        raise InvalidInput(f"{field} must be a date (YYYY-MM-DD)", field=field) from None


def _text(value: Any, field: str, limit: int, *, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise InvalidInput(f"{field} is required", field=field)
    if len(text) > limit:
        raise InvalidInput(f"{field} is longer than {limit} characters", field=field)
    return text


async def propose(principal: Any, *, achievement_uuid: str, partner_org: str, mentor_name: str,
                  mentor_email: str, goals: str, competencies: list | None, hours: Any, start_date: Any,
                  end_date: Any, clock) -> dict:
    require(principal, "student")
    achievement = await catalog_repo.get_achievement(achievement_uuid)
    if achievement is None or achievement["school"] != principal.school_id:
        raise NotFound("no such achievement")
    email = _text(mentor_email, "mentorEmail", 320)
    if not _EMAIL.match(email):
        raise InvalidInput("mentorEmail is not an email address", field="mentorEmail")
    try:
        hours_f = float(hours)
    except (TypeError, ValueError, OverflowError):  # OverflowError: a JSON integer beyond any float
        raise InvalidInput("hours must be a number", field="hours") from None
    if not 0 < hours_f <= 2000:
        raise InvalidInput("hours must be between 0 and 2000", field="hours")
    start, end = _date(start_date, "startDate"), _date(end_date, "endDate")
    if end < start:
        raise InvalidInput("endDate is before startDate", field="endDate")
    comps = await frameworks.resolve_competencies([principal.school_id], competencies or [])
    return await evidence_repo.insert_elo(
        school=principal.school_id, learner=principal.id, achievement=achievement["id"],
        partner_org=_text(partner_org, "partnerOrg", 255), mentor_name=_text(mentor_name, "mentorName", 255),
        mentor_email=email, goals=_text(goals, "goals", 10000), competencies=[c["id"] for c in comps],
        hours=hours_f, start_date=start, end_date=end, status="proposed", created_at=clock.now())


async def get_elo(principal: Any, elo_uuid: str) -> dict:
    return await check_record(principal, await evidence_repo.get_elo(elo_uuid), "ELO")


async def list_elos(principal: Any) -> list[dict]:
    from issuer.access import scope_of

    require(principal, "student", *STAFF)
    return await evidence_repo.list_elos(await scope_of(principal))


async def _new_link(elo_id: int, now) -> str:
    token = secrets.token_urlsafe(32)
    await evidence_repo.insert_mentor_link(elo=elo_id, token_hash=token_hash(token), expires_at=now + timedelta(days=LINK_DAYS),
                                  created_at=now)
    return token


async def decide_plan(principal: Any, elo_uuid: str, *, approve: bool, clock, base_url: str) -> dict:
    """Approve (returns the mentor link, shown once) or reject a proposed plan."""
    require(principal, *STAFF)
    elo = await get_elo(principal, elo_uuid)
    if elo["status"] != "proposed":
        raise Conflict(f"the plan is already {elo['status']}")
    now = clock.now()
    if not approve:
        await evidence_repo.update_elo(elo["id"], status="rejected", approved_by=principal.id, approved_at=now)
        return {"elo": await evidence_repo.get_elo(elo_uuid), "mentorLink": None}
    token = await _new_link(elo["id"], now)
    await evidence_repo.update_elo(elo["id"], status="approved", approved_by=principal.id, approved_at=now)
    return {"elo": await evidence_repo.get_elo(elo_uuid), "mentorLink": f"{base_url}/mentor/{token}"}


async def reissue_link(principal: Any, elo_uuid: str, *, clock, base_url: str) -> str:
    require(principal, *STAFF)
    elo = await get_elo(principal, elo_uuid)
    if elo["status"] != "approved":
        raise Conflict("only an approved plan awaiting attestation gets a new mentor link")
    return f"{base_url}/mentor/{await _new_link(elo['id'], clock.now())}"


async def _live_link(token: str, now) -> tuple[dict, dict]:
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        raise LinkExpired("this mentor link is not valid")
    link = await evidence_repo.get_mentor_link(token_hash(token))
    if link is None or link["used_at"] is not None or link["expires_at"] <= now:
        raise LinkExpired("this mentor link is not valid, has expired or has already been used")
    elo = await evidence_repo.get_elo_by_id(link["elo"])
    if elo is None or elo["status"] != "approved":
        raise LinkExpired("this mentor link is no longer needed")
    return link, elo


async def mentor_view(token: str, *, clock) -> dict:
    link, elo = await _live_link(token, clock.now())
    learner = await accounts_repo.get_user(elo["learner"])
    achievement = await catalog_repo.get_achievement_by_id(elo["achievement"])
    comps = await catalog_repo.competencies_by_id(elo["competencies"] or [])
    return {"elo": elo, "learner_name": (learner or {}).get("display_name") or "the student",
            "achievement": achievement, "competencies": comps, "expires_at": link["expires_at"]}


async def attest(token: str, *, statement: str, hours: Any, confirm: bool, clock) -> dict:
    """The mentor's attestation; the ELO becomes a submission in the teachers' review queue."""
    from issuer.credentials.awarding import in_write_transaction

    if not confirm:
        raise InvalidInput("please confirm that the student completed this learning", field="confirm")
    statement = _text(statement, "statement", 10000)
    try:
        hours_f = float(hours)
    except (TypeError, ValueError, OverflowError):  # OverflowError: a JSON integer beyond any float
        raise InvalidInput("hours must be a number", field="hours") from None
    if not 0 < hours_f <= 2000:
        raise InvalidInput("hours must be between 0 and 2000", field="hours")
    now = clock.now()

    async def unit() -> dict:
        link, elo = await _live_link(token, now)
        if not await evidence_repo.use_mentor_link(link["id"], now):
            raise LinkExpired("this mentor link has already been used")
        narrative = (f"Extended learning with {elo['partner_org']} ({elo['start_date']} to {elo['end_date']}, "
                     f"{hours_f:g} hours attested of {elo['hours']:g} planned).\n\nGoals: {elo['goals']}\n\n"
                     f"Mentor {elo['mentor_name']} attests: {statement}")
        sub = await evidence_repo.insert_submission(school_id=elo["school"], learner_id=elo["learner"],
                                           achievement_id=elo["achievement"], kind="elo", created_at=now,
                                           narrative=narrative, urls=[], files=[])
        await evidence_repo.update_elo(elo["id"], status="attested", attestation=statement, attested_hours=hours_f,
                              attested_at=now, submission=sub["id"])
        return {"elo": await evidence_repo.get_elo_by_id(elo["id"]), "submission": sub}

    return await in_write_transaction(unit)
