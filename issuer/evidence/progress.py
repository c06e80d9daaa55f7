"""A student's own view of their learning: the backpack of badge cards, the learning map, the
work in progress with its feedback in the rubric's words, and what they can earn next.

Read models only (nothing here writes). Every function takes the context first and the student
second, and reads only that student's records; the other domains are reached through their
services (``catalog.achievements`` / ``frameworks``, ``credentials.sharing`` / ``awarding``,
``schools.identity``).

How a level is read (the same rule the transcript applies to a signed badge, ``badges.transcript``):
our rubric criteria align no competency of their own, so a badge rates every competency its
achievement aligns at its *lowest* criterion rating (every criterion reached it), and the level
it asks for is its lowest required level. Across badges the highest level reached wins.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from badges.rubrics import DEFAULT_SCALE
from issuer.access import Principal, require
from issuer.catalog import achievements, frameworks
from issuer.catalog.rows import AchievementRow, FrameworkDetail
from issuer.context import IssuerContext
from issuer.credentials import awarding, sharing
from issuer.credentials.rows import AwardedBadgeRow, PairAwardRow
from issuer.evidence import elos
from issuer.evidence import repo as evidence_repo
from issuer.evidence import service as evidence
from issuer.evidence.rows import ListedReview, ListedSubmission, SubmissionDetail
from issuer.schools import identity

__all__ = ["AREAS", "Backpack", "BadgeCard", "BadgeGroup", "CriterionProgress", "Feedback", "InProgress", "Level",
           "MapGroup", "MapRow", "NextStep", "Progress", "RatedCriterion", "ReviewWords", "SelfWords", "area_of",
           "backpack", "badge_level", "criteria_for_grid", "feedback_of", "levels_of", "progress", "required_level",
           "scale_of"]

# The stored kinds (frameworks, achievements) as the pages' three areas, in the order they are shown.
AREAS: Mapping[str, str] = {"academic": "academic", "habits": "habits", "elo": "extended"}
_ORDER = {"academic": 0, "habits": 1, "extended": 2, "": 3}
_DEFAULT_NAMES = [(lv.value, lv.name) for lv in DEFAULT_SCALE]


class Level(msgspec.Struct, frozen=True, kw_only=True):
    """A level of a rubric's scale, in the school's words."""
    value: int
    name: str
    description: str = ""


class BadgeCard(msgspec.Struct, frozen=True, kw_only=True):
    """What a badge card shows (``ui.badge_card``). ``scale``: the rubric's levels, None for the
    default scale (the page then shows its words in the page's language)."""
    uuid: UUID
    name: str
    url: str
    image: str | None
    area: str  # academic | habits | extended | "" (the components' names)
    subject: str
    school: str
    date: datetime
    level: int | None
    scale: list[Level] | None
    status: str | None  # revoked | suspended | None (valid)


class BadgeGroup(msgspec.Struct, frozen=True, kw_only=True):
    area: str
    subject: str  # academic: the subject (else the framework); "" for the other areas
    cards: list[BadgeCard]


class Backpack(msgspec.Struct, frozen=True, kw_only=True):
    groups: list[BadgeGroup]
    count: int


class MapRow(msgspec.Struct, frozen=True, kw_only=True):
    """One competency on the learning map (``ui.learning_map_row``)."""
    id: int
    code: str
    name: str
    reached: int | None  # None: no valid badge rates it yet
    required: int | None  # None: no achievement of the school aligns it
    evidence_url: str | None  # the badge that reached ``reached``
    evidence_name: str | None
    scale: list[Level] | None


class MapGroup(msgspec.Struct, frozen=True, kw_only=True):
    area: str
    title: str  # the framework's name
    competencies: list[MapRow]

    @property
    def met(self) -> int:
        return sum(1 for c in self.competencies if c.reached and c.required and c.reached >= c.required)

    @property
    def rated(self) -> int:
        return sum(1 for c in self.competencies if c.required)


class CriterionProgress(msgspec.Struct, frozen=True, kw_only=True):
    """A criterion of work in progress: what is required, what the last rating reached, whether
    it is met, and in the rubric's words what the required level asks for (the next step)."""
    id: str
    name: str
    description: str
    required: Level
    achieved: Level | None  # None: not rated yet
    self_assessed: Level | None
    met: bool | None
    scale: list[Level] | None


class InProgress(msgspec.Struct, frozen=True, kw_only=True):
    uuid: UUID
    achievement: str
    achievement_uuid: UUID | None
    area: str
    status: str
    version: int  # the current version
    rated_version: int | None  # the version the feedback is about (None: no rating yet)
    criteria: list[CriterionProgress]
    feedback: str
    updated_at: datetime

    @property
    def met(self) -> int:
        return sum(1 for c in self.criteria if c.met)


class NextStep(msgspec.Struct, frozen=True, kw_only=True):
    uuid: UUID
    name: str
    description: str
    area: str
    subject: str
    elo: bool  # earned through an extended learning plan, not by submitting work
    missing: list[str]  # the prerequisites not earned yet (their names)


class Progress(msgspec.Struct, frozen=True, kw_only=True):
    map: list[MapGroup]
    in_progress: list[InProgress]
    open: list[NextStep]
    waiting: list[NextStep]


# ---- levels and rubrics ------------------------------------------------------------------------
def area_of(kind: str | None) -> str:
    return AREAS.get(kind or "", "")


def levels_of(criterion: Mapping[str, Any]) -> list[Level]:
    levels = [Level(value=int(lv["value"]), name=str(lv.get("name") or ""),
                    description=str(lv.get("description") or ""))
              for lv in criterion.get("levels") or [] if isinstance(lv, Mapping) and "value" in lv]
    return levels or [Level(value=lv.value, name=lv.name) for lv in DEFAULT_SCALE]


def scale_of(levels: Sequence[Level]) -> list[Level] | None:
    """``levels``, or None when they are the default scale in its own words with no descriptions:
    the pages then use their translated words for it ("3 · Competente" on a Spanish page)."""
    if [(lv.value, lv.name) for lv in levels] == _DEFAULT_NAMES and not any(lv.description for lv in levels):
        return None
    return list(levels)


def _criteria(rubric: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [c for c in rubric.get("criteria") or [] if isinstance(c, Mapping) and c.get("id")]


def criteria_for_grid(rubric: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The rubric's criteria as ``ui.rubric_grid`` reads them; a criterion on the default scale
    without descriptions gives no ``levels``, so the grid shows the page's words for them."""
    out = []
    for c in _criteria(rubric):
        scale = scale_of(levels_of(c))
        out.append({"id": str(c["id"]), "name": str(c.get("name") or c["id"]),
                    "description": str(c.get("description") or ""), "requiredLevel": c.get("requiredLevel"),
                    "levels": [msgspec.to_builtins(lv) for lv in scale] if scale else []})
    return out


def _scale(rubric: Mapping[str, Any]) -> list[Level] | None:
    criteria = _criteria(rubric)
    return scale_of(levels_of(criteria[0])) if criteria else None


def _level(levels: Sequence[Level], value: object) -> Level | None:
    for lv in levels:
        if lv.value == value:
            return lv
    return None


def badge_level(ratings: Mapping[str, int]) -> int | None:
    """The level a badge reached: its lowest criterion rating (every criterion reached it)."""
    values = [int(v) for v in ratings.values() if isinstance(v, int) and not isinstance(v, bool)]
    return min(values) if values else None


def required_level(rubric: Mapping[str, Any]) -> int | None:
    values = [int(c["requiredLevel"]) for c in _criteria(rubric) if isinstance(c.get("requiredLevel"), int)]
    return min(values) if values else None


# ---- the backpack --------------------------------------------------------------------------------
class _Held(msgspec.Struct, frozen=True, kw_only=True):
    badge: AwardedBadgeRow
    achievement: AchievementRow
    level: int | None


async def _held(who: Principal) -> list[_Held]:
    """The student's badges (revoked and suspended ones too), newest first, each with its
    achievement and the level its award's ratings reached."""
    badges = [b for b in await sharing.badges_of(who) if b.achievement is not None and b.learner == who.id]
    rows = await achievements.by_ids({b.achievement for b in badges if b.achievement is not None})
    awards: dict[int, PairAwardRow] = {}
    for achievement_id in {b.achievement for b in badges if b.achievement is not None}:
        for listed in await awarding.awards_of(who.id or 0, achievement_id):
            awards[listed.id] = listed
    out = []
    for b in sorted(badges, key=lambda b: b.issued_at, reverse=True):
        achievement = rows.get(b.achievement or 0)
        if achievement is None:
            continue
        award = awards.get(b.award or 0)
        out.append(_Held(badge=b, achievement=achievement, level=badge_level(award.ratings) if award else None))
    return out


def _status(b: AwardedBadgeRow) -> str | None:
    return "revoked" if b.revoked_at else "suspended" if b.suspended else None


async def _subjects(achievement_rows: Iterable[AchievementRow]) -> dict[int, str]:
    """The subject an academic badge is filed under: its own, else its first competency's framework."""
    rows = list(achievement_rows)
    comps = {c.id: c for c in await frameworks.competencies({i for a in rows for i in a.alignments})}
    out = {}
    for a in rows:
        named = [comps[i].framework_name for i in a.alignments if i in comps]
        out[a.id] = a.subject or (named[0] if named else "")
    return out


async def backpack(ctx: IssuerContext, who: Principal) -> Backpack:
    """The student's badge cards, grouped by area (academic by subject), newest first in each."""
    require(who, "student")
    held = await _held(who)
    subjects = await _subjects(h.achievement for h in held)
    schools: dict[int, str] = {}
    groups: dict[tuple[str, str], list[BadgeCard]] = {}
    for h in held:
        a, b = h.achievement, h.badge
        if b.school not in schools:
            schools[b.school] = (await identity.school_by_id(b.school)).name
        area = area_of(a.area)
        subject = subjects.get(a.id, "") if area == "academic" else ""
        groups.setdefault((area, subject), []).append(BadgeCard(
            uuid=b.uuid, name=a.name, url=f"/badges/{b.uuid}",
            image=f"/achievements/{a.uuid}/image" if a.image_sha256 else None, area=area, subject=a.subject,
            school=schools[b.school], date=b.issued_at, level=h.level, scale=_scale(a.rubric), status=_status(b)))
    ordered = sorted(groups.items(), key=lambda kv: (_ORDER.get(kv[0][0], 3), kv[0][1].lower()))
    return Backpack(groups=[BadgeGroup(area=k[0], subject=k[1], cards=v) for k, v in ordered], count=len(held))


# ---- progress ------------------------------------------------------------------------------------
def _learning_map(fws: list[FrameworkDetail], catalog: list[AchievementRow], held: list[_Held]) -> list[MapGroup]:
    required: dict[int, int] = {}
    scales: dict[int, list[Level] | None] = {}
    for a in catalog:
        need = required_level(a.rubric)
        for competency_id in a.alignments:
            scales.setdefault(competency_id, _scale(a.rubric))
            if need is not None:
                required[competency_id] = min(required.get(competency_id, need), need)
    best: dict[int, tuple[int, _Held]] = {}
    for h in held:
        if _status(h.badge) or h.level is None:  # a revoked or suspended badge shows nothing
            continue
        for competency_id in h.achievement.alignments:
            if competency_id not in best or h.level > best[competency_id][0]:
                best[competency_id] = (h.level, h)
    groups = []
    for fw in sorted(fws, key=lambda f: (_ORDER.get(area_of(f.kind), 3), f.name.lower())):
        rows = []
        for c in fw.competencies:
            reached = best.get(c.id)
            rows.append(MapRow(id=c.id, code=c.code, name=c.name, reached=reached[0] if reached else None,
                               required=required.get(c.id),
                               evidence_url=f"/badges/{reached[1].badge.uuid}" if reached else None,
                               evidence_name=reached[1].achievement.name if reached else None,
                               scale=scales.get(c.id)))
        if rows:
            groups.append(MapGroup(area=area_of(fw.kind), title=fw.name, competencies=rows))
    return groups


def _latest_rating(reviews: list[ListedReview]) -> ListedReview | None:
    return max(reviews, key=lambda r: (r.version_number or 0, r.id)) if reviews else None


async def _in_progress(who: Principal, subs: list[ListedSubmission],
                       catalog: Mapping[int, AchievementRow]) -> list[InProgress]:
    out = []
    for s in subs:
        if s.status == "awarded":
            continue
        a = catalog.get(s.achievement) or await achievements.by_id(s.achievement)
        if a is None:
            continue
        review = _latest_rating(await evidence_repo.reviews_for_submission(s.id))
        current = await evidence_repo.get_version(s.id, s.current_version)
        own = current.self_ratings if current else {}
        criteria = []
        for c in _criteria(a.rubric):
            levels = levels_of(c)
            required = _level(levels, c.get("requiredLevel")) or levels[0]
            achieved = _level(levels, review.ratings.get(str(c["id"]))) if review else None
            criteria.append(CriterionProgress(
                id=str(c["id"]), name=str(c.get("name") or c["id"]), description=str(c.get("description") or ""),
                required=required, achieved=achieved, self_assessed=_level(levels, own.get(str(c["id"]))),
                met=None if achieved is None else achieved.value >= required.value, scale=scale_of(levels)))
        out.append(InProgress(uuid=s.uuid, achievement=a.name, achievement_uuid=a.uuid, area=area_of(a.area),
                              status=s.status, version=s.current_version,
                              rated_version=review.version_number if review else None, criteria=criteria,
                              feedback=review.feedback if review else "", updated_at=s.updated_at))
    return sorted(out, key=lambda p: p.updated_at, reverse=True)


async def progress(ctx: IssuerContext, who: Principal) -> Progress:
    """The learning map, the work in progress and what is next, for the signed-in student."""
    require(who, "student")
    catalog = await achievements.list_achievements(ctx, who)
    by_id = {a.id: a for a in catalog}
    held = await _held(who)
    subs = await evidence.list_submissions(ctx, who)
    mine = [s for s in subs if s.learner == who.id]
    fws = await frameworks.frameworks_with_competencies(ctx, who)
    # the versions of one achievement are one (issue 13): a badge of version 1 is earned at version 2
    earned = {h.achievement.lineage_id for h in held if not _status(h.badge)}
    busy_ids = {s.achievement for s in mine if s.status != "awarded"}
    # an extended-learning plan under way is that badge's work in progress too
    busy_ids |= {e.achievement for e in await elos.list_elos(ctx, who)
                 if e.learner == who.id and e.status in ("proposed", "approved")}
    busy = {a.lineage_id for a in (await achievements.by_ids(busy_ids)).values()}
    subjects = await _subjects(catalog)
    open_steps: list[NextStep] = []
    waiting: list[NextStep] = []
    for a in sorted(catalog, key=lambda a: (_ORDER.get(area_of(a.area), 3), a.name.lower())):
        if a.lineage_id in earned or a.lineage_id in busy:
            continue
        missing = await awarding.check_prerequisites(who.id or 0, a)
        step = NextStep(uuid=a.uuid, name=a.name, description=a.description, area=area_of(a.area),
                        subject=subjects.get(a.id, "") if area_of(a.area) == "academic" else "",
                        elo=a.area == "elo", missing=sorted(m.name for m in missing))
        (waiting if missing else open_steps).append(step)
    return Progress(map=_learning_map(fws, catalog, held), in_progress=await _in_progress(who, mine, by_id),
                    open=open_steps, waiting=waiting)


# ---- a submission's feedback in the rubric's words ---------------------------------------------
class RatedCriterion(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    name: str
    level: Level | None  # None: the rating names a level off the scale (shown as its number)
    value: int
    required: Level | None
    met: bool
    scale: list[Level] | None


class ReviewWords(msgspec.Struct, frozen=True, kw_only=True):
    """One rating of a version, each criterion in the rubric's words, and the teacher's feedback."""
    version: int | None
    role: str
    criteria: list[RatedCriterion]
    feedback: str
    created_at: datetime


class SelfWords(msgspec.Struct, frozen=True, kw_only=True):
    """A version's self-assessment, each criterion in the rubric's words."""
    version: int
    criteria: list[RatedCriterion]
    comment: str


class Feedback(msgspec.Struct, frozen=True, kw_only=True):
    reviews: list[ReviewWords]  # newest first
    achieved: dict[str, int]  # the latest rating (the rubric grid marks these cells)
    self_assessments: dict[int, SelfWords]  # by version number


def _rated(rubric: Mapping[str, Any], ratings: Mapping[str, int]) -> list[RatedCriterion]:
    out = []
    for c in _criteria(rubric):
        value = ratings.get(str(c["id"]))
        if not isinstance(value, int):
            continue
        levels = levels_of(c)
        required = _level(levels, c.get("requiredLevel"))
        out.append(RatedCriterion(id=str(c["id"]), name=str(c.get("name") or c["id"]), level=_level(levels, value),
                                  value=value, required=required,
                                  met=required is not None and value >= required.value, scale=scale_of(levels)))
    return out


def feedback_of(sub: SubmissionDetail) -> Feedback:
    """``sub``: a ``SubmissionDetail`` (as ``evidence.get_submission`` returns it to its reader)."""
    rubric = sub.achievement_row.rubric
    reviews = sorted(sub.reviews, key=lambda r: (r.version_number or 0, r.id), reverse=True)
    words = [ReviewWords(version=r.version_number, role=r.role, criteria=_rated(rubric, r.ratings),
                         feedback=r.feedback, created_at=r.created_at) for r in reviews]
    own = {v.number: SelfWords(version=v.number, criteria=_rated(rubric, v.self_ratings), comment=v.self_comment)
           for v in sub.versions if v.self_ratings or v.self_comment}
    return Feedback(reviews=words, achieved=dict(reviews[0].ratings) if reviews else {}, self_assessments=own)
