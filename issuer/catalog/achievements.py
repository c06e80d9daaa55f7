"""Achievements (badge classes): rubric, alignments, image and prerequisites."""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from badges import rubrics
from badges.errors import RubricError
from badges.issuance import build_achievement
from issuer.access import STAFF, TEACHERS, Principal, acting_school, check_school, require, school_ids
from issuer.catalog import frameworks
from issuer.catalog import repo as catalog_repo
from issuer.catalog.rows import AchievementRow, AlignedCompetency
from issuer.catalog.schemas import AchievementIn
from issuer.context import IssuerContext
from issuer.errors import Conflict, InvalidInput, NotFound
from issuer.images import sanitise_image
from issuer.schools import directory as schools
from issuer.storage import FileStore

ACHIEVEMENT_TYPES = {"Achievement", "Award", "Badge", "Certificate", "Competency", "CoCurricular",
                     "CommunityService", "Course", "Diploma", "LearningProgram", "License",
                     "Membership", "ProjectBadge", "Assignment", "Assessment"}


def achievement_url(base_url: str, a_uuid: object) -> str:
    return f"{base_url}/achievements/{a_uuid}"


def parse_rubric(data: Any, *, name: str, rubric_id: str = "rubric",
                 scale: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Validate a rubric from a request and return its storage form. A criterion without levels
    takes ``scale`` (the school's level words), else the default scale. ``data`` is JSON as sent,
    of any shape."""
    if not isinstance(data, dict) or not isinstance(data.get("criteria"), list):
        raise InvalidInput("rubric must be an object with a list of criteria", field="rubric")
    stored: dict[str, Any] = {"id": str(data.get("id") or rubric_id), "name": str(data.get("name") or name),
              "totalRequired": data.get("totalRequired"),
              "criteria": [{"id": c.get("id"), "name": c.get("name"), "description": c.get("description") or "",
                            "requiredLevel": c.get("requiredLevel"), "levels": c.get("levels") or scale or []}
                           if isinstance(c, dict) else c for c in data["criteria"]]}
    try:
        if any(not isinstance(c, dict) for c in stored["criteria"]):
            raise RubricError("each criterion must be an object")
        rubric = rubrics.rubric_from_dict(stored)
    except RubricError as exc:
        raise InvalidInput(f"invalid rubric: {exc.message}", field="rubric") from None
    return rubrics.rubric_to_dict(rubric)


# Academic mastery and habits of work are reported apart (transcript areas): a badge of one
# area aligning competencies of the other would print them under the wrong heading. Extended
# learning may align either (an internship can evidence both); academic and habits badges may
# align extended-learning competencies.
_APART = {"academic": "habits", "habits": "academic"}


def check_areas(area: str, comps: list[AlignedCompetency]) -> None:
    other = _APART.get(area)
    if other is None:
        return
    wrong = [c for c in comps if c.kind == other]
    if wrong:
        names = ", ".join(f"{c.code} {c.name}" for c in wrong[:5])
        raise InvalidInput(
            f"an achievement in the {frameworks.KIND_LABELS[area].lower()} area cannot align "
            f"{frameworks.KIND_LABELS[other].lower()} competencies ({names}): the transcript reports the "
            f"two areas apart; make a separate {frameworks.KIND_LABELS[other].lower()} achievement",
            field="alignments", competencies=[c.id for c in wrong])


async def _values(ctx: IssuerContext, who: Principal, data: AchievementIn, school: int, *,
                  lineage: int | None = None) -> dict[str, Any]:
    """The stored columns of ``data``, validated (what a new achievement and a new version share)."""
    name, description = (data.name or "").strip(), (data.description or "").strip()
    if not name or len(name) > 255:
        raise InvalidInput("name is required (at most 255 characters)", field="name")
    if not description:
        raise InvalidInput("description is required", field="description")
    achievement_type = data.achievement_type
    if achievement_type not in ACHIEVEMENT_TYPES and not str(achievement_type).startswith("ext:"):
        raise InvalidInput("achievementType is not in the OB 3.0 vocabulary", field="achievementType")
    stored_rubric = parse_rubric(data.rubric, name=f"{name} rubric", scale=await schools.school_scale(school))
    comps = await frameworks.resolve_competencies([school], data.alignments or [])
    prerequisites = data.prerequisites or []
    prereq_rows = await catalog_repo.achievements_by_uuid(prerequisites)
    if len({str(p) for p in prerequisites}) != len([r for r in prereq_rows if r.school == school]):
        raise InvalidInput("unknown prerequisite achievements", field="prerequisites")
    if lineage is not None and any(r.lineage_id == lineage for r in prereq_rows):
        raise InvalidInput("an achievement cannot be its own prerequisite", field="prerequisites")
    kinds: list[str] = [c.kind for c in comps]
    area = (frameworks.normalise_kind(data.area) if data.area
            else max(sorted(set(kinds)), key=kinds.count) if kinds else "")
    check_areas(area, comps)
    return {"school": school, "area": area, "subject": (data.subject or "").strip()[:128], "name": name,
            "description": description[:10000], "criteria": (data.criteria or "")[:10000],
            "achievement_type": achievement_type, "alignments": [c.id for c in comps], "rubric": stored_rubric,
            "prerequisites": [r.id for r in prereq_rows], "second_rater": bool(data.second_rater)}


async def create_achievement(ctx: IssuerContext, who: Principal, data: AchievementIn) -> AchievementRow:
    require(who, *STAFF)
    school = await acting_school(who, data.school_id)
    values = await _values(ctx, who, data, school)
    return await catalog_repo.insert_achievement(**values, created_by=who.id or None, created_at=ctx.clock.now())


async def update_achievement(ctx: IssuerContext, who: Principal, a_uuid: str, data: AchievementIn, *,
                             awarded: bool) -> AchievementRow:
    """Save an edit of the current version of an achievement. Without awards (``awarded``, the
    caller's count, taken in the caller's write transaction) the row changes in place; with some,
    the edit is a new version: a new row and uuid (so the Achievement URL inside every issued
    badge keeps answering with what it was issued with), ``version`` one more, the same
    ``lineage``, the image kept; the old version is archived (no new awards; work already
    submitted to it is still rated against it)."""
    require(who, *STAFF)
    row = await current_version(ctx, who, a_uuid)
    values = await _values(ctx, who, data, row.school, lineage=row.lineage_id)
    if not awarded:
        await catalog_repo.update_achievement(row.id, **{k: v for k, v in values.items() if k != "school"})
        return await _reread(row.id)
    return await _new_version(ctx, who, row, values)


async def _new_version(ctx: IssuerContext, who: Principal, row: AchievementRow, values: dict[str, Any],
                       image: tuple[str, str] | None = None) -> AchievementRow:
    latest = max(v.version for v in await catalog_repo.lineage_versions([row.lineage_id]))
    sha, media_type = image or (row.image_sha256, row.image_type)
    made = await catalog_repo.insert_achievement(
        **values, created_by=who.id or None, created_at=ctx.clock.now(), version=latest + 1,
        lineage=row.lineage_id, image_sha256=sha, image_type=media_type)
    await catalog_repo.update_achievement(row.id, archived=True)
    return made


async def _reread(a_id: int) -> AchievementRow:
    updated = await catalog_repo.get_achievement_by_id(a_id)
    if updated is None:
        raise NotFound("no such achievement")
    return updated


async def current_version(ctx: IssuerContext, who: Principal, a_uuid: str) -> AchievementRow:
    """The achievement ``a_uuid`` names when it is its lineage's newest version (409 for an
    older one: edit the current version instead)."""
    row = await get_achievement(ctx, who, a_uuid)
    newest = (await catalog_repo.lineage_versions([row.lineage_id]))[-1]
    if newest.id != row.id:
        raise Conflict(f"this is version {row.version}; version {newest.version} is the current one",
                       current=str(newest.uuid))
    return row


async def versions(ctx: IssuerContext, who: Principal, a_uuid: str) -> list[AchievementRow]:
    """Every version of the achievement ``a_uuid`` names, oldest first."""
    row = await get_achievement(ctx, who, a_uuid)
    return await catalog_repo.lineage_versions([row.lineage_id])


async def all_versions_of_school(ctx: IssuerContext, who: Principal, school_id: int) -> list[AchievementRow]:
    """Every achievement of the school, every version, archived or not (the admin's catalogue)."""
    require(who, *STAFF)
    await check_school(who, school_id, "school")
    return await catalog_repo.all_achievements([school_id])


async def get_achievement(ctx: IssuerContext, who: Principal, a_uuid: str) -> AchievementRow:
    row = await catalog_repo.get_achievement(a_uuid)
    if row is None:
        raise NotFound("no such achievement")
    await check_school(who, row.school, "achievement")
    return row


async def list_achievements(ctx: IssuerContext, who: Principal) -> list[AchievementRow]:
    return await catalog_repo.list_achievements(await school_ids(who))


async def set_image(ctx: IssuerContext, who: Principal, a_uuid: str, data: bytes, *,
                    awarded: bool = False) -> AchievementRow:
    """A PNG (re-encoded) or SVG (sanitised) as the badge image, stored by its hash. With
    ``awarded`` (the achievement has awards: the caller counts them) the new image makes a new
    version, as any edit does (``update_achievement``), so issued badges keep their image."""
    require(who, *TEACHERS, "district_admin")
    row = await get_achievement(ctx, who, a_uuid)
    clean, media_type = sanitise_image(data, max_bytes=ctx.settings.max_image_bytes)
    digest = hashlib.sha256(clean).hexdigest()
    FileStore.from_settings(ctx.settings).write(digest, clean)
    if awarded:
        row = await current_version(ctx, who, a_uuid)
        values = {k: getattr(row, k) for k in _COPIED}
        return await _new_version(ctx, who, row, {"school": row.school, **values}, image=(digest, media_type))
    await catalog_repo.update_achievement(row.id, image_sha256=digest, image_type=media_type)
    return await _reread(row.id)


_COPIED = ("area", "subject", "name", "description", "criteria", "achievement_type", "alignments", "rubric",
           "prerequisites", "second_rater")


# --- what other domains read (no caller check: they hold the ids already) -------------------------
async def find(a_uuid: str) -> AchievementRow | None:
    """The achievement ``a_uuid`` names, archived or not (the badges issued for it name it)."""
    return await catalog_repo.get_achievement(a_uuid)


async def by_id(a_id: int) -> AchievementRow | None:
    return await catalog_repo.get_achievement_by_id(a_id)


async def by_ids(ids: Iterable[int]) -> dict[int, AchievementRow]:
    """Archived ones too: a job resumed after an achievement was archived still issues it."""
    return await catalog_repo.achievements_by_id(ids)


async def lineages(ids: Iterable[int]) -> dict[int, list[AchievementRow]]:
    """Every version of each achievement ``ids`` names (by any of its versions' ids), oldest first:
    what a rule that treats the versions of one achievement as one reads (prerequisites,
    progress)."""
    rows = await catalog_repo.achievements_by_id(ids)
    family: dict[int, list[AchievementRow]] = {}
    for v in await catalog_repo.lineage_versions({r.lineage_id for r in rows.values()}):
        family.setdefault(v.lineage_id, []).append(v)
    return {i: family.get(r.lineage_id, [r]) for i, r in rows.items()}


async def of_school(school_id: int) -> list[AchievementRow]:
    """The school's achievements in use: the current version of each, none retired."""
    return await catalog_repo.list_achievements([school_id])


async def aligned(row: AchievementRow) -> list[AlignedCompetency]:
    """The competencies ``row`` aligns, with their frameworks."""
    return await catalog_repo.competencies_by_id(row.alignments or [])


async def achievement_document(row: AchievementRow, *, base_url: str) -> dict[str, Any]:
    """The OB 3.0 Achievement embedded in every credential: rubric, criteria, image, alignments."""
    aid = achievement_url(base_url, row.uuid)
    comps = await catalog_repo.competencies_by_id(row.alignments or [])
    return build_achievement(
        id=aid, name=row.name, description=row.description,
        criteria_narrative=row.criteria or row.description,
        rubric=rubrics.rubric_from_dict(row.rubric),
        competencies=[frameworks.to_competency(base_url, c) for c in comps],
        image={"id": f"{aid}/image", "type": "Image", "caption": row.name} if row.image_sha256 else None,
        achievement_type=row.achievement_type or "Competency",
        tags=[t for t in (f"area:{row.area}" if row.area else "",
                          f"subject:{row.subject}" if row.subject else "") if t]
        + kind_tags(row.area or "", comps, base_url))


def kind_tags(area: str, comps: list[AlignedCompetency], base_url: str) -> list[str]:
    """``area:<kind>:<targetUrl>`` for each competency of the other area than the badge's
    (academic vs habits), so the transcript lists it where it belongs (``badges.transcript``).
    Only badge classes made before ``check_areas`` refused the mix have any."""
    other = _APART.get(area)
    return [f"area:{other}:{frameworks.competency_url(base_url, c)}" for c in comps if other and c.kind == other]
