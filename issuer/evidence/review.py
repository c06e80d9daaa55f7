"""Review: a teacher rates each criterion; second raters and moderation; award when met.

With ``second_rater`` on the achievement, a version needs two raters. Ratings more than one
level apart on any criterion send it to moderation, where a third staff member's ratings
decide; otherwise the lower of the two ratings counts (a badge never rests on the kinder
rater alone). A rating below the threshold asks for a revision: a later version, or a
later submission, that meets the threshold earns the badge (multiple opportunities). A learner
who holds the badge and later shows a higher level (in class or through an ELO) earns a new
badge with the new results; the same or a lower level is recorded as ``already_held`` and
issues nothing. Work held for a missing prerequisite returns to the queue when it is earned.
"""
from __future__ import annotations

from typing import Any

from badges import award as award_rules
from badges import rubrics
from badges.errors import RubricError
from issuer.credentials import repo as credentials_repo
from issuer.evidence import repo as evidence_repo
from issuer.accounts import audit as audit_trail
from issuer.credentials import awarding
from issuer.access import STAFF, check_record, require
from issuer.errors import Conflict, InvalidInput, NotFound

MAX_FEEDBACK = 20000


def _ratings(value: Any) -> dict[str, int]:
    if not isinstance(value, dict) or not value:
        raise InvalidInput("ratings must be an object of criterion id → level", field="ratings")
    out = {}
    for k, v in value.items():
        if isinstance(v, bool):
            raise InvalidInput(f"rating for {k!r} must be an integer level", field="ratings")
        try:
            out[str(k)] = int(v)
        except (TypeError, ValueError):
            raise InvalidInput(f"rating for {k!r} must be an integer level", field="ratings") from None
    return out


def decide(rubric_dict: dict, ratings: dict[str, int]) -> award_rules.AwardDecision:
    try:
        return award_rules.decide(rubrics.rubric_from_dict(rubric_dict), ratings)
    except RubricError as exc:
        raise InvalidInput(f"ratings do not fit the rubric: {exc.message}", field="ratings") from None


def decision_dict(decision: award_rules.AwardDecision | None) -> dict | None:
    if decision is None:
        return None
    return {"awarded": decision.awarded,
            "reasons": [{"criterion": r.id, "name": r.name, "met": r.met, "achieved": r.achieved,
                         "required": r.required, "reason": r.reason} for r in decision.reasons]}


def consensus(reviews: list[dict], second_rater: bool) -> tuple[str, dict[str, int] | None]:
    """("decided", ratings) | ("needs_second", None) | ("moderation", None) for one version."""
    moderators = [r for r in reviews if r["role"] == "moderator"]
    if moderators:
        return "decided", moderators[-1]["ratings"]
    raters = [r for r in reviews if r["role"] == "rater"]
    if not second_rater:
        return "decided", raters[-1]["ratings"]
    if len(raters) < 2:
        return "needs_second", None
    a, b = raters[0]["ratings"], raters[1]["ratings"]
    if any(abs(int(a[k]) - int(b.get(k, 0))) > 1 for k in a):
        return "moderation", None
    return "decided", {k: min(int(a[k]), int(b[k])) for k in a}


async def _prepare(principal: Any, submission_uuid: str, ratings: Any, feedback: str | None,
                   version: int | None) -> tuple:
    """The checked inputs of a review, in the order the checks have always been made."""
    # submission, achievement, learner and current version in one query (each is the row its
    # own getter returns)
    parts = await evidence_repo.submission_for_review(submission_uuid)
    sub, achievement, learner, current_version = parts if parts is not None else (None, None, None, None)
    sub = await check_record(principal, sub, "submission")
    ratings = _ratings(ratings)
    feedback = (feedback or "").strip()
    if len(feedback) > MAX_FEEDBACK:
        raise InvalidInput(f"feedback is longer than {MAX_FEEDBACK} characters", field="feedback")
    number = sub["current_version"] if version is None else version
    if version is None:
        ver = current_version
    else:
        ver = await evidence_repo.get_version(sub["id"], number) if isinstance(number, int) else None
    if ver is None:
        raise NotFound("no such version")
    own = decide(achievement["rubric"], ratings)  # validates the ratings before anything is written
    return sub, achievement, learner, ver, ratings, feedback, own


async def record_review(principal: Any, submission_uuid: str, *, ratings: Any, feedback: str | None,
                        version: int | None, clock) -> dict:
    require(principal, *STAFF)
    now = clock.now()
    given = ratings
    events: list[dict] = []  # audit events of this review, written last (see ``unit``)

    async def unit() -> dict:
        # The audit events go last in the transaction: an insert that refers to the school
        # takes a key-share lock on its row, and the school's first badge first locks that row
        # for update (``keys.active_key_row``); taken the other way round, concurrent first
        # reviews of a school deadlock on PostgreSQL.
        events.clear()  # a retried unit starts again
        result = await reviewed()
        await audit_trail.record_many(principal, events)
        return result

    async def reviewed() -> dict:
        # The reads run inside the write transaction too: on SQLite each query outside one opens
        # a connection and a thread, which costs more CPU than holding the writer lock for them.
        sub, achievement, learner, ver, ratings, feedback_text, own = await _prepare(
            principal, submission_uuid, given, feedback, version)
        current = await evidence_repo.lock_submission(sub["id"])
        reviews = await evidence_repo.reviews_for_version(ver["id"])
        raters = {r["reviewer"] for r in reviews if r["role"] == "rater"}
        role = "moderator" if current["status"] == "moderation" else "rater"
        if role == "moderator" and principal.id in raters:
            raise Conflict("a rater cannot moderate their own disagreement")
        mine = next((r for r in reviews if r["reviewer"] == principal.id and r["role"] == role), None)
        if mine is not None and current["status"] != "submitted":
            if current["status"] == "awarded":
                return await _existing(current, ver, achievement)
            raise Conflict("you have already rated this version")
        if mine is not None:
            # Work released from a prerequisite hold is back in the queue ("submitted") with its
            # ratings: the rater confirms or changes theirs.
            await evidence_repo.update_review(mine["id"], ratings=ratings, feedback=feedback_text, met=own.awarded,
                                     created_at=now)
            review_id = mine["id"]
            mine.update(ratings=ratings)
        else:
            review_id = await evidence_repo.insert_review(version=ver["id"], submission=sub["id"], reviewer=principal.id,
                                                 role=role, ratings=ratings, feedback=feedback_text,
                                                 met=own.awarded, created_at=now)
            reviews.append({"reviewer": principal.id, "role": role, "ratings": ratings, "id": review_id})
        events.append(dict(action="review.record", school_id=sub["school"], subject=str(sub["uuid"]), at=now,
                           review=review_id, version=ver["number"], role=role, met=own.awarded))
        state, final = consensus(reviews, bool(achievement["second_rater"]))
        result = {"submission": str(sub["uuid"]), "version": ver["number"], "review": review_id, "role": role,
                  "decision": None, "credential": None, "issued": False}
        if state != "decided":
            if current["status"] != "awarded":
                await evidence_repo.set_submission_status(sub["id"], state, now)
            result["status"] = "awarded" if current["status"] == "awarded" else state
            return result
        decision = own if final == ratings else decide(achievement["rubric"], final)
        result["decision"] = decision_dict(decision)
        if not decision.awarded:
            if current["status"] != "awarded":
                await evidence_repo.set_submission_status(sub["id"], "revise", now)
            result["status"] = "awarded" if current["status"] == "awarded" else "revise"
            return result
        missing = await awarding.check_prerequisites(learner["id"], achievement)
        if missing:
            await evidence_repo.set_submission_status(sub["id"], "prerequisites", now)
            result["status"] = "prerequisites"
            result["missingPrerequisites"] = [{"id": str(m["uuid"]), "name": m["name"]} for m in missing]
            return result
        if not own.awarded:  # consensus lowered nothing but own rating was below: cannot happen; defensive
            raise Conflict("ratings changed during the review; try again")
        pair = await credentials_repo.pair_awards(learner["id"], achievement["id"])
        held = awarding.held_instead(pair, final, sub["id"])
        if held is not None:
            # Multiple opportunities recognise a higher level with a new badge; the same or a
            # lower level adds nothing, so nothing is issued and the answer says so.
            await evidence_repo.set_submission_status(sub["id"], "already_held", now)
            result.update(status="already_held", heldCredential=held_ref(held),
                          message="the student already holds this badge at this level or higher; "
                                  "no new badge was issued")
            return result
        # Read here, inside the transaction, and only when a badge is due: on SQLite every
        # query outside a transaction opens a connection (and a thread), which costs more than
        # the two indexed reads cost while holding the writer lock.
        kit = await awarding.issuer_kit(sub["school"])
        doc = await awarding.achievement_doc(achievement, base_url=kit.base_url)
        row, issued = await awarding.issue_locked(
            kit=kit, school_id=sub["school"], learner=learner, achievement=achievement, achievement_doc=doc,
            ratings=final, now=now, submission=current, version=ver, source="review", pair=pair)
        await evidence_repo.set_submission_status(sub["id"], "awarded", now)
        if issued:
            events.append(dict(action="credential.award", school_id=sub["school"], subject=row["credential_id"],
                               at=now, source="review", submission=str(sub["uuid"]),
                               achievement=str(achievement["uuid"]), learner=learner["id"]))
        result.update(status="awarded", credential=credential_ref(row), issued=issued)
        return result

    return await awarding.in_write_transaction(unit)


async def _existing(sub: dict, ver: dict, achievement: dict) -> dict:
    award = await credentials_repo.award_for_submission(sub["id"])
    row = await credentials_repo.credential_for_award(award["id"]) if award else None
    return {"submission": str(sub["uuid"]), "version": ver["number"], "review": None, "role": None,
            "status": "awarded", "decision": None, "credential": credential_ref(row) if row else None,
            "issued": False}


def credential_ref(row: dict | None) -> dict | None:
    if row is None:
        return None
    from issuer import runtime

    base = runtime.current().settings.base_url
    return {"uuid": str(row["uuid"]), "id": row["credential_id"], "statusIndex": row["status_index"],
            "url": f"{base}/badges/{row['uuid']}", "json": f"{base}/credentials/{row['uuid']}"}


def held_ref(held: dict) -> dict:
    from issuer import runtime

    base = runtime.current().settings.base_url
    return {"uuid": str(held["credential_uuid"]), "url": f"{base}/badges/{held['credential_uuid']}",
            "json": f"{base}/credentials/{held['credential_uuid']}"}
