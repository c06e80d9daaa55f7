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

from collections.abc import Mapping
from typing import Any

import msgspec

from badges import award as award_rules
from badges import rubrics
from badges.errors import RubricError
from issuer.access import STAFF, Principal, check_record, require
from issuer.accounts import audit as audit_trail
from issuer.catalog.rows import AchievementRow
from issuer.context import IssuerContext
from issuer.credentials import awarding
from issuer.credentials.rows import IssuedCredentialRow, PairAwardRow
from issuer.errors import Conflict, InvalidInput, NotFound
from issuer.evidence import repo as evidence_repo
from issuer.evidence.rows import LearnerRow, ReviewRow, SubmissionRow, VersionRow
from issuer.evidence.schemas import (
    CredentialRef,
    CriterionOut,
    DecisionOut,
    HeldRef,
    MissingPrerequisite,
    ReviewIn,
    ReviewResult,
)
from issuer.mail import notify

MAX_FEEDBACK = 20000


def parse_ratings(value: object) -> dict[str, int]:
    """Criterion id → level, as sent (JSON numbers or form text); a bool is not a level."""
    if not isinstance(value, Mapping) or not value:
        raise InvalidInput("ratings must be an object of criterion id → level", field="ratings")
    out = {}
    for k, v in value.items():
        if isinstance(v, bool) or not isinstance(v, (int, float, str, bytes)):
            raise InvalidInput(f"rating for {k!r} must be an integer level", field="ratings")
        try:
            out[str(k)] = int(v)
        except (TypeError, ValueError, OverflowError):
            raise InvalidInput(f"rating for {k!r} must be an integer level", field="ratings") from None
    return out


def decide(rubric_dict: dict[str, Any], ratings: dict[str, int]) -> award_rules.AwardDecision:
    try:
        return award_rules.decide(rubrics.rubric_from_dict(rubric_dict), ratings)
    except RubricError as exc:
        raise InvalidInput(f"ratings do not fit the rubric: {exc.message}", field="ratings") from None


def decision_out(decision: award_rules.AwardDecision) -> DecisionOut:
    return DecisionOut(awarded=decision.awarded,
                       reasons=[CriterionOut(criterion=r.id, name=r.name, met=r.met, achieved=r.achieved,
                                             required=r.required, reason=r.reason) for r in decision.reasons])


def consensus(reviews: list[ReviewRow], second_rater: bool) -> tuple[str, dict[str, int] | None]:
    """("decided", ratings) | ("needs_second", None) | ("moderation", None) for one version."""
    moderators = [r for r in reviews if r.role == "moderator"]
    if moderators:
        return "decided", moderators[-1].ratings
    raters = [r for r in reviews if r.role == "rater"]
    if not second_rater:
        return "decided", raters[-1].ratings
    if len(raters) < 2:
        return "needs_second", None
    a, b = raters[0].ratings, raters[1].ratings
    if any(abs(int(a[k]) - int(b.get(k, 0))) > 1 for k in a):
        return "moderation", None
    return "decided", {k: min(int(a[k]), int(b[k])) for k in a}


class _Checked(msgspec.Struct, frozen=True, kw_only=True):
    """A review's inputs, checked."""
    submission: SubmissionRow
    achievement: AchievementRow
    learner: LearnerRow
    version: VersionRow
    ratings: dict[str, int]
    feedback: str
    criterion_feedback: dict[str, str]
    own: award_rules.AwardDecision


def clean_criterion_feedback(rubric: dict[str, Any], given: Mapping[str, str]) -> dict[str, str]:
    """Feedback per criterion, trimmed; empty words are dropped, and a criterion the rubric does not
    have is a 400 (a typo must not lose what the rater wrote)."""
    known = {str(c.get("id")) for c in rubric.get("criteria", []) if isinstance(c, Mapping)}
    out = {}
    for key, text in given.items():
        if key not in known:
            raise InvalidInput(f"feedback for an unknown criterion {key!r}", field="criterionFeedback")
        words = str(text or "").strip()
        if len(words) > MAX_FEEDBACK:
            raise InvalidInput(f"feedback on {key!r} is longer than {MAX_FEEDBACK} characters",
                               field="criterionFeedback")
        if words:
            out[key] = words
    return out


async def _prepare(who: Principal, submission_uuid: str, data: ReviewIn) -> _Checked:
    """The checked inputs of a review, in the order the checks have always been made."""
    # submission, achievement, learner and current version in one query (each is the row its
    # own getter returns)
    parts = await evidence_repo.submission_for_review(submission_uuid)
    sub = await check_record(who, parts.submission if parts is not None else None, "submission")
    ratings = parse_ratings(data.ratings)
    feedback = (data.feedback or "").strip()
    if len(feedback) > MAX_FEEDBACK:
        raise InvalidInput(f"feedback is longer than {MAX_FEEDBACK} characters", field="feedback")
    if data.version is None:
        ver = parts.version if parts is not None else None
    else:
        ver = await evidence_repo.get_version(sub.id, data.version) if isinstance(data.version, int) else None
    if ver is None:
        raise NotFound("no such version")
    if parts is None or parts.achievement is None or parts.learner is None:  # foreign keys keep both
        raise NotFound("no such submission")
    own = decide(parts.achievement.rubric, ratings)  # validates the ratings before anything is written
    per_criterion = clean_criterion_feedback(parts.achievement.rubric, data.criterion_feedback)
    return _Checked(submission=sub, achievement=parts.achievement, learner=parts.learner, version=ver,
                    ratings=ratings, feedback=feedback, criterion_feedback=per_criterion, own=own)


async def record_review(ctx: IssuerContext, who: Principal, submission_uuid: str, data: ReviewIn) -> ReviewResult:
    """Rate the current (or ``data.version``) version of a submission; issues the badge when the
    ratings, with the second rater's or the moderator's, meet the rubric."""
    require(who, *STAFF)
    now = ctx.clock.now()
    events: list[dict[str, Any]] = []  # audit events of this review, written last (see ``unit``)
    seen: list[_Checked] = []  # the checked inputs of the run that committed (for the student's e-mail)

    async def unit() -> ReviewResult:
        # The audit events go last in the transaction: an insert that refers to the school
        # takes a key-share lock on its row, and the school's first badge first locks that row
        # for update (``keys.active_key_row``); taken the other way round, concurrent first
        # reviews of a school deadlock on PostgreSQL.
        events.clear()  # a retried unit starts again
        result = await reviewed()
        await audit_trail.record_many(who, events)
        return result

    async def reviewed() -> ReviewResult:
        # The reads run inside the write transaction too: on SQLite each query outside one opens
        # a connection and a thread, which costs more CPU than holding the writer lock for them.
        checked = await _prepare(who, submission_uuid, data)
        seen[:] = [checked]
        sub, achievement, ver, ratings, own = (checked.submission, checked.achievement, checked.version,
                                               checked.ratings, checked.own)
        current = await evidence_repo.lock_submission(sub.id)
        if current is None:  # read in this transaction just above
            raise NotFound("no such submission")
        reviews = await evidence_repo.reviews_for_version(ver.id)
        raters = {r.reviewer for r in reviews if r.role == "rater"}
        role = "moderator" if current.status == "moderation" else "rater"
        if role == "moderator" and who.id in raters:
            raise Conflict("a rater cannot moderate their own disagreement")
        mine = next((r for r in reviews if r.reviewer == who.id and r.role == role), None)
        if mine is not None and current.status != "submitted":
            if current.status == "awarded":
                return await _existing(ctx, current, ver)
            raise Conflict("you have already rated this version")
        if mine is not None:
            # Work released from a prerequisite hold is back in the queue ("submitted") with its
            # ratings: the rater confirms or changes theirs.
            await evidence_repo.update_review(mine.id, ratings=ratings, feedback=checked.feedback, met=own.awarded,
                                              created_at=now, criterion_feedback=checked.criterion_feedback)
            review_id = mine.id
            reviews = [msgspec.structs.replace(r, ratings=ratings) if r is mine else r for r in reviews]
        else:
            review_id = await evidence_repo.insert_review(version=ver.id, submission=sub.id, reviewer=who.id,
                                                          role=role, ratings=ratings, feedback=checked.feedback,
                                                          met=own.awarded, created_at=now,
                                                          criterion_feedback=checked.criterion_feedback)
            reviews.append(ReviewRow(id=review_id, version=ver.id, submission=sub.id, reviewer=who.id, role=role,
                                     ratings=ratings, feedback=checked.feedback, met=own.awarded, created_at=now,
                                     criterion_feedback=checked.criterion_feedback))
        events.append(dict(action="review.record", school_id=sub.school, subject=str(sub.uuid), at=now,
                           review=review_id, version=ver.number, role=role, met=own.awarded))
        state, final = consensus(reviews, achievement.second_rater)
        result = ReviewResult(submission=str(sub.uuid), version=ver.number, review=review_id, role=role,
                              status=state)
        if state != "decided" or final is None:
            if current.status != "awarded":
                await evidence_repo.set_submission_status(sub.id, state, now)
            result.status = "awarded" if current.status == "awarded" else state
            return result
        decision = own if final == ratings else decide(achievement.rubric, final)
        result.decision = decision_out(decision)
        if not decision.awarded:
            if current.status != "awarded":
                await evidence_repo.set_submission_status(sub.id, "revise", now)
            result.status = "awarded" if current.status == "awarded" else "revise"
            return result
        learner = checked.learner
        missing = await awarding.check_prerequisites(learner.id, achievement)
        if missing:
            await evidence_repo.set_submission_status(sub.id, "prerequisites", now)
            result.status = "prerequisites"
            result.missing_prerequisites = [MissingPrerequisite(id=str(m.uuid), name=m.name) for m in missing]
            return result
        if not own.awarded:  # consensus lowered nothing but own rating was below: cannot happen; defensive
            raise Conflict("ratings changed during the review; try again")
        pair = await awarding.awards_of(learner.id, achievement.id)
        held = awarding.held_instead(pair, final, sub.id)
        if held is not None:
            # Multiple opportunities recognise a higher level with a new badge; the same or a
            # lower level adds nothing, so nothing is issued and the answer says so.
            await evidence_repo.set_submission_status(sub.id, "already_held", now)
            result.status = "already_held"
            result.held_credential = held_ref(ctx, held)
            result.message = ("the student already holds this badge at this level or higher; "
                              "no new badge was issued")
            return result
        # Read here, inside the transaction, and only when a badge is due: on SQLite every
        # query outside a transaction opens a connection (and a thread), which costs more than
        # the two indexed reads cost while holding the writer lock.
        kit = await awarding.issuer_kit(ctx, sub.school)
        doc = await awarding.achievement_doc(ctx, achievement, base_url=kit.base_url)
        # awarding reads the learner as a users row (a dict, as the accounts repo returns it)
        row, issued = await awarding.issue_locked(
            ctx, kit=kit, school_id=sub.school, learner=msgspec.structs.asdict(learner), achievement=achievement,
            achievement_doc=doc, ratings=final, now=now, submission=current, version=ver, source="review",
            pair=pair)
        await evidence_repo.set_submission_status(sub.id, "awarded", now)
        if issued:
            events.append(dict(action="credential.award", school_id=sub.school, subject=row.credential_id,
                               at=now, source="review", submission=str(sub.uuid),
                               achievement=str(achievement.uuid), learner=learner.id))
        result.status = "awarded"
        result.credential = credential_ref(ctx, row)
        result.issued = issued
        return result

    result = await awarding.in_write_transaction(unit)
    if seen and result.review is not None:  # committed: now the student hears of it
        checked = seen[0]
        await notify.review_saved(
            ctx, school_id=checked.submission.school, learner_id=checked.learner.id,
            teacher=who.display_name or who.username, achievement=checked.achievement.name, status=result.status,
            feedback=checked.feedback, submission_uuid=result.submission,
            credential_uuid=result.credential.uuid if result.credential else None, issued=bool(result.issued))
    return result


async def _existing(ctx: IssuerContext, sub: SubmissionRow, ver: VersionRow) -> ReviewResult:
    row = await awarding.badge_for_submission(sub.id)
    return ReviewResult(submission=str(sub.uuid), version=ver.number, review=None, role=None, status="awarded",
                        credential=credential_ref(ctx, row) if row else None)


def credential_ref(ctx: IssuerContext, row: IssuedCredentialRow) -> CredentialRef:
    base = ctx.settings.base_url
    return CredentialRef(uuid=str(row.uuid), id=row.credential_id, status_index=row.status_index,
                         url=f"{base}/badges/{row.uuid}", json=f"{base}/credentials/{row.uuid}")


def held_ref(ctx: IssuerContext, held: PairAwardRow) -> HeldRef:
    base = ctx.settings.base_url
    return HeldRef(uuid=str(held.credential_uuid), url=f"{base}/badges/{held.credential_uuid}",
                   json=f"{base}/credentials/{held.credential_uuid}")
