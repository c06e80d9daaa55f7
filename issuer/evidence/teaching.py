"""What the teacher's pages show (issue 13): the review queue in sections with its filters, the
outcome of a rating in words, and one student's work in progress.

Each is one use case over the evidence repo and the other domains' use cases; who may see what is
``issuer.access``'s answer (staff see their schools' work; a student is refused with 403; a record
of another school is not found).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from badges import rubrics
from issuer.access import STAFF, Principal, check_record, require, scope_of
from issuer.accounts import classes
from issuer.accounts import directory as people
from issuer.catalog import achievements
from issuer.context import IssuerContext
from issuer.credentials import awarding
from issuer.db.scope import LearnerScope
from issuer.errors import InvalidInput, NotFound
from issuer.evidence import repo as evidence_repo
from issuer.evidence import review
from issuer.evidence import service as evidence
from issuer.evidence.rows import ListedElo, ListedReview, ListedSubmission, SubmissionDetail

__all__ = ["WAITED_CHOICES", "Choice", "ElosView", "Gap", "Outcome", "PlanWaiting", "QueueFilters", "RatingView",
           "ReviewQueue", "StudentWork", "Waiting", "blocked", "compared", "elo_plans", "may_rate", "parse_filters",
           "rating_outcome", "rating_view", "review_queue", "student_work"]

# "Waiting at least …" choices of the queue's filter, in days (0: any).
WAITED_CHOICES = (0, 1, 3, 7, 14)
QUEUED = ("submitted", "needs_second", "moderation")


class Choice(msgspec.Struct, frozen=True, kw_only=True):
    """One option of a filter: its value in the query string and its words."""
    value: str
    label: str


class Waiting(msgspec.Struct, frozen=True, kw_only=True):
    """Work in the queue and for how many whole days it has waited (since its last change)."""
    submission: ListedSubmission
    days: int


class PlanWaiting(msgspec.Struct, frozen=True, kw_only=True):
    plan: ListedElo
    days: int


class QueueFilters(msgspec.Struct, frozen=True, kw_only=True):
    achievement: str = ""  # an achievement's uuid
    school_class: int | None = None  # a class's id (its students' work)
    student: int | None = None
    waited: int = 0  # at least this many days


class ReviewQueue(msgspec.Struct, frozen=True, kw_only=True):
    """The queue in its sections, oldest first, and the choices of its filters."""
    to_rate: list[Waiting]  # classroom evidence, first ratings
    elos_to_validate: list[Waiting]  # extended learning the mentor attested
    second_ratings: list[Waiting]  # rated once by someone else: waiting for the caller's blind second rating
    moderation: list[Waiting]  # two ratings that disagree, neither of them the caller's
    rated_by_me: int  # the caller's first ratings waiting for another teacher's second rating
    plans: list[PlanWaiting]  # extended learning plans to approve
    achievements: list[Choice]
    students: list[Choice]
    filters: QueueFilters
    classes: list[Choice] = []

    @property
    def empty(self) -> bool:
        return not (self.to_rate or self.elos_to_validate or self.second_ratings or self.moderation or self.plans)


def parse_filters(*, achievement: str | None, student: str | None, waited: str | None,
                  school_class: str | None = None) -> QueueFilters:
    """The queue's filters from the query string; a value the form never offers is a 400."""
    class_id = None
    if school_class:
        if not school_class.isdigit():
            raise InvalidInput("choose a class from the list", field="class")
        class_id = int(school_class)
    student_id = None
    if student:
        if not student.isdigit():
            raise InvalidInput("choose a student from the list", field="student")
        student_id = int(student)
    days = 0
    if waited:
        if not waited.isdigit() or int(waited) not in WAITED_CHOICES:
            raise InvalidInput("choose how long the work has waited from the list", field="waited")
        days = int(waited)
    if achievement:
        try:
            UUID(achievement)
        except ValueError:
            raise InvalidInput("choose an achievement from the list", field="achievement") from None
    return QueueFilters(achievement=achievement or "", student=student_id, waited=days, school_class=class_id)


def _days(since: datetime, now: datetime) -> int:
    return max((now - since).days, 0)


async def review_queue(ctx: IssuerContext, who: Principal, filters: QueueFilters) -> ReviewQueue:
    """The caller's schools' work waiting for a rating, in sections, oldest first."""
    require(who, *STAFF)
    now = ctx.clock.now()
    scope = await scope_of(who)
    waiting = await evidence_repo.list_submissions(scope, statuses=list(QUEUED))  # oldest change first
    plans = [e for e in await evidence_repo.list_elos(scope) if e.status == "proposed"]
    offered = await achievements.list_achievements(ctx, who)
    students = sorted({(s.learner, s.learner_name or "") for s in waiting if s.learner is not None}
                      | {(e.learner, e.learner_name or "") for e in plans if e.learner is not None},
                      key=lambda pair: pair[1].lower())

    offered_classes = await classes.class_choices(ctx, who)
    in_class: frozenset[int] | None = None
    if filters.school_class is not None:
        if filters.school_class not in {c.id for c in offered_classes}:
            raise InvalidInput("choose a class from the list", field="class")
        in_class = await classes.class_students(ctx, who, filters.school_class)

    def kept(learner: int | None, achievement: UUID | None, days: int) -> bool:
        return ((filters.student is None or learner == filters.student)
                and (in_class is None or learner in in_class)
                and (not filters.achievement or str(achievement) == filters.achievement)
                and days >= filters.waited)

    items = [Waiting(submission=s, days=_days(s.updated_at, now)) for s in waiting]
    items = [w for w in items if kept(w.submission.learner, w.submission.achievement_uuid, w.days)]
    uuids = {a.id: a.uuid for a in offered}
    plan_items = [PlanWaiting(plan=e, days=_days(e.created_at, now)) for e in plans]
    plan_items = [p for p in plan_items if kept(p.plan.learner, uuids.get(p.plan.achievement), p.days)]
    plan_items.sort(key=lambda p: p.plan.created_at)
    # nobody gives the second rating of their own first rating, nor moderates a disagreement they are part of
    raters = await evidence_repo.current_raters([w.submission.id for w in items
                                                 if w.submission.status in ("needs_second", "moderation")])
    mine = {s_id for s_id, who_rated in raters.items() if who.id in who_rated}
    return ReviewQueue(
        to_rate=[w for w in items if w.submission.status == "submitted" and w.submission.kind != "elo"],
        elos_to_validate=[w for w in items if w.submission.status == "submitted" and w.submission.kind == "elo"],
        second_ratings=[w for w in items if w.submission.status == "needs_second" and w.submission.id not in mine],
        moderation=[w for w in items if w.submission.status == "moderation" and w.submission.id not in mine],
        rated_by_me=sum(1 for w in items if w.submission.status == "needs_second" and w.submission.id in mine),
        plans=plan_items,
        achievements=[Choice(value=str(a.uuid), label=a.name) for a in sorted(offered, key=lambda a: a.name.lower())
                      if not a.archived],
        students=[Choice(value=str(i), label=name) for i, name in students],
        filters=filters, classes=[Choice(value=str(c.id), label=c.name) for c in offered_classes])


# --- the rating page ---------------------------------------------------------------------------------

TEXT_SHOWN = 100_000  # characters of a text file shown on the page (the whole file is one link away)
RATABLE = ("submitted", "needs_second", "moderation")


class RatingView(msgspec.Struct, frozen=True, kw_only=True):
    """The rating page: the submission (blind to a second rater), the caller's own rating of the
    current version, whether the caller may rate it now, and the text files' words to show inline.
    ``blocked``: why the caller may not rate work that waits for a rating ("first_rater": the
    second rating is someone else's; "own_moderation": a rater never moderates their own
    disagreement). ``raters``: the two ratings of the current version a moderator compares, and
    ``apart``: by how many levels they differ per criterion."""
    submission: SubmissionDetail
    learner_name: str
    mine: ListedReview | None
    can_rate: bool
    texts: dict[str, str]  # sha256 -> text (cut at TEXT_SHOWN characters)
    cut: frozenset[str]  # the texts that were cut
    blocked: str = ""
    raters: list[ListedReview] = []
    apart: dict[str, int] = {}


def _mine(sub: SubmissionDetail, who: Principal) -> ListedReview | None:
    return next((r for r in reversed(sub.reviews)
                 if r.reviewer == who.id and r.version_number == sub.current_version), None)


def may_rate(sub: SubmissionDetail, who: Principal) -> bool:
    """Whether the caller may rate the current version now (what ``review.record_review`` accepts,
    decided before the form is shown, so a second save never meets "already rated")."""
    if sub.status not in RATABLE:
        return False
    current = [r for r in sub.reviews if r.version_number == sub.current_version and r.reviewer == who.id]
    # "submitted": a first rating, or the rating of work released from a prerequisite hold, which
    # the rater confirms or changes; a second rating and moderation: nobody rates twice, and
    # neither rater moderates their own disagreement
    return sub.status == "submitted" or not current


def blocked(sub: SubmissionDetail, who: Principal) -> str:
    """Why the caller may not give the rating this work waits for ("" when they may, or when it
    waits for none): the first rater is not the second, and a rater does not moderate."""
    if sub.status not in ("needs_second", "moderation") or may_rate(sub, who):
        return ""
    return "first_rater" if sub.status == "needs_second" else "own_moderation"


def compared(sub: SubmissionDetail) -> tuple[list[ListedReview], dict[str, int]]:
    """The raters' reviews of the current version, first rating first, and by how many levels
    they differ on each criterion (what a moderator decides between)."""
    if sub.status != "moderation":
        return [], {}
    raters = [r for r in sub.reviews if r.version_number == sub.current_version and r.role == "rater"][:2]
    if len(raters) < 2:
        return raters, {}
    a, b = raters[0].ratings, raters[1].ratings
    return raters, {k: abs(int(a[k]) - int(b.get(k, 0))) for k in a}


async def rating_view(ctx: IssuerContext, who: Principal, submission_uuid: str) -> RatingView:
    require(who, *STAFF)
    sub = await evidence.get_submission(ctx, who, submission_uuid)
    texts: dict[str, str] = {}
    cut: set[str] = set()
    for version in sub.versions:
        for f in version.files:
            if f.media_type == "text/plain" and f.sha256 not in texts:
                data, _meta = await evidence.submission_file(ctx, who, submission_uuid, f.sha256)
                text = data.decode("utf-8", errors="replace")  # stored text is UTF-8 (issuer.storage.sniff)
                if len(text) > TEXT_SHOWN:
                    text = text[:TEXT_SHOWN]
                    cut.add(f.sha256)
                texts[f.sha256] = text
    raters, apart = compared(sub)
    return RatingView(submission=sub, learner_name=await _learner_name(sub), mine=_mine(sub, who),
                      can_rate=may_rate(sub, who), texts=texts, cut=frozenset(cut), blocked=blocked(sub, who),
                      raters=raters, apart=apart)


async def _learner_name(sub: SubmissionDetail) -> str:
    user = await people.get_user(sub.learner) if sub.learner is not None else None
    return str(user.get("display_name") or user.get("username") or "") if user else ""


# --- the outcome of a rating -------------------------------------------------------------------------

class Gap(msgspec.Struct, frozen=True, kw_only=True):
    """A criterion (or the total) below what the badge needs: "Precision needs Proficient"."""
    name: str
    achieved: str | None
    required: str


class Outcome(msgspec.Struct, frozen=True, kw_only=True):
    """What a rating led to, for the page after saving (POST/redirect/GET): the submission's state,
    the caller's own review of the current version, what is missing when the work falls short,
    and the badge when one was issued (or the one already held)."""
    submission: SubmissionDetail
    learner_name: str
    mine: ListedReview | None
    gaps: list[Gap]
    badge_uuid: str | None


def _gaps(rubric: dict[str, Any], ratings: dict[str, int]) -> list[Gap]:
    """What falls short, in the rubric's words: a criterion names its required level by the
    level's name ("Precision needs Proficient"); the total names the score it needs."""
    levels = {c.id: {lv.value: lv.name for lv in c.levels} for c in rubrics.rubric_from_dict(rubric).criteria}
    required = {str(c.get("id")): c.get("requiredLevel") for c in rubric.get("criteria", [])}
    gaps = []
    for r in review.decide(rubric, ratings).unmet:
        if r.id in levels:
            words = levels[r.id].get(int(required.get(r.id) or 0), r.required)
            gaps.append(Gap(name=r.name, achieved=r.achieved, required=words))
        else:
            gaps.append(Gap(name=r.name, achieved=r.achieved, required=r.required))
    return gaps


async def rating_outcome(ctx: IssuerContext, who: Principal, submission_uuid: str) -> Outcome:
    require(who, *STAFF)
    sub = await evidence.get_submission(ctx, who, submission_uuid)
    mine = _mine(sub, who)
    gaps: list[Gap] = []
    if sub.status == "revise":
        # the ratings that decided (the moderator's, or the lower of two raters'), else the caller's
        version = next((v for v in sub.versions if v.number == sub.current_version), None)
        rows = await evidence_repo.reviews_for_version(version.id) if version is not None else []
        state, final = review.consensus(rows, sub.achievement_row.second_rater) if rows else ("", None)
        ratings = final if state == "decided" and final is not None else mine.ratings if mine else None
        if ratings:
            gaps = _gaps(sub.achievement_row.rubric, ratings)
    badge_uuid = None
    if sub.status == "awarded":
        row = await awarding.badge_for_submission(sub.id)
        badge_uuid = str(row.uuid) if row is not None else None
    elif sub.status == "already_held":
        pair = await awarding.awards_of(sub.learner, sub.achievement) if sub.learner is not None else []
        held = next((p.credential_uuid for p in reversed(pair) if p.credential_uuid and p.revoked_at is None), None)
        badge_uuid = str(held) if held else None
    return Outcome(submission=sub, learner_name=await _learner_name(sub), mine=mine, gaps=gaps,
                   badge_uuid=badge_uuid)


# --- extended learning, every plan ----------------------------------------------------------------

class ElosView(msgspec.Struct, frozen=True, kw_only=True):
    """The teacher's extended learning page: the caller's schools' plans by where they stand,
    newest first."""
    to_approve: list[ListedElo]
    with_mentor: list[ListedElo]  # approved: the mentor has their link and has not confirmed yet
    confirmed: list[ListedElo]  # attested by the mentor: a submission to rate, or rated
    not_approved: list[ListedElo]

    @property
    def empty(self) -> bool:
        return not (self.to_approve or self.with_mentor or self.confirmed or self.not_approved)


async def elo_plans(ctx: IssuerContext, who: Principal) -> ElosView:
    require(who, *STAFF)
    plans = sorted(await evidence_repo.list_elos(await scope_of(who)), key=lambda e: e.created_at, reverse=True)
    return ElosView(to_approve=[e for e in plans if e.status == "proposed"],
                    with_mentor=[e for e in plans if e.status == "approved"],
                    confirmed=[e for e in plans if e.status == "attested"],
                    not_approved=[e for e in plans if e.status == "rejected"])


# --- one student ----------------------------------------------------------------------------------------

class StudentWork(msgspec.Struct, frozen=True, kw_only=True):
    """One student as their teacher sees them: their name, their work not yet awarded, their plans."""
    id: int
    name: str
    username: str
    in_progress: list[ListedSubmission]
    finished: list[ListedSubmission]
    plans: list[ListedElo]


async def student_work(ctx: IssuerContext, who: Principal, student_id: int) -> StudentWork:
    """404 for a user who is not a student of the caller's schools."""
    require(who, *STAFF)
    user = await people.get_user(student_id)
    if user is None or str(user.get("role")) != "student":
        raise NotFound("no such student")
    school = user.get("school")
    await check_record(who, {"school": school, "learner": student_id}, "student")
    if not isinstance(school, int):  # a student always has a school: check_record admitted it
        raise NotFound("no such student")
    theirs = LearnerScope(school_id=school, learner_id=student_id)
    work = await evidence_repo.list_submissions(theirs)
    work.sort(key=lambda s: s.updated_at, reverse=True)
    return StudentWork(id=student_id, name=str(user.get("display_name") or user.get("username") or ""),
                       username=str(user.get("username") or ""),
                       in_progress=[s for s in work if s.status not in ("awarded", "already_held")],
                       finished=[s for s in work if s.status in ("awarded", "already_held")],
                       plans=await evidence_repo.list_elos(theirs))
