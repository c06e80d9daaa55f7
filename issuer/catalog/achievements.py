"""Achievements (badge classes): rubric, alignments, image and prerequisites."""
from __future__ import annotations

from typing import Any

from badges import rubrics
from badges.errors import RubricError
from issuer.catalog import repo as catalog_repo
from issuer.images import sanitise_image
from issuer.catalog import frameworks
from issuer.access import TEACHERS, STAFF, acting_school, check_school, require, school_ids
from issuer.errors import InvalidInput, NotFound
from issuer.storage import FileStore

ACHIEVEMENT_TYPES = {"Achievement", "Award", "Badge", "Certificate", "Competency", "CoCurricular",
                     "CommunityService", "Course", "Diploma", "LearningProgram", "License",
                     "Membership", "ProjectBadge", "Assignment", "Assessment"}


def achievement_url(base_url: str, a_uuid) -> str:
    return f"{base_url}/achievements/{a_uuid}"


def parse_rubric(data: Any, *, name: str, rubric_id: str = "rubric") -> dict:
    """Validate a rubric from a request and return its storage form (default scale if no levels)."""
    if not isinstance(data, dict) or not isinstance(data.get("criteria"), list):
        raise InvalidInput("rubric must be an object with a list of criteria", field="rubric")
    stored = {"id": str(data.get("id") or rubric_id), "name": str(data.get("name") or name),
              "totalRequired": data.get("totalRequired"),
              "criteria": [{"id": c.get("id"), "name": c.get("name"), "description": c.get("description") or "",
                            "requiredLevel": c.get("requiredLevel"), "levels": c.get("levels") or []}
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


def check_areas(area: str, comps: list[dict]) -> None:
    other = _APART.get(area)
    if other is None:
        return
    wrong = [c for c in comps if c["kind"] == other]
    if wrong:
        names = ", ".join(f"{c['code']} {c['name']}" for c in wrong[:5])
        raise InvalidInput(
            f"an achievement in the {frameworks.KIND_LABELS[area].lower()} area cannot align "
            f"{frameworks.KIND_LABELS[other].lower()} competencies ({names}): the transcript reports the "
            f"two areas apart; make a separate {frameworks.KIND_LABELS[other].lower()} achievement",
            field="alignments", competencies=[c["id"] for c in wrong])


async def create_achievement(principal: Any, *, name: str, description: str, criteria: str = "",
                             rubric: dict, alignments: list | None = None, prerequisites: list | None = None,
                             second_rater: bool = False, achievement_type: str = "Competency", clock,
                             school_id: int | None = None, area: str | None = None,
                             subject: str = "") -> dict:
    require(principal, *STAFF)
    school = await acting_school(principal, school_id)
    name, description = (name or "").strip(), (description or "").strip()
    if not name or len(name) > 255:
        raise InvalidInput("name is required (at most 255 characters)", field="name")
    if not description:
        raise InvalidInput("description is required", field="description")
    if achievement_type not in ACHIEVEMENT_TYPES and not str(achievement_type).startswith("ext:"):
        raise InvalidInput("achievementType is not in the OB 3.0 vocabulary", field="achievementType")
    stored_rubric = parse_rubric(rubric, name=f"{name} rubric")
    comps = await frameworks.resolve_competencies([school], alignments or [])
    prereq_rows = await catalog_repo.achievements_by_uuid(prerequisites or [])
    if len({str(p) for p in prerequisites or []}) != len([r for r in prereq_rows if r["school"] == school]):
        raise InvalidInput("unknown prerequisite achievements", field="prerequisites")
    kinds = [c["kind"] for c in comps]
    area = frameworks.normalise_kind(area) if area else (max(sorted(set(kinds)), key=kinds.count) if kinds else "")
    check_areas(area, comps)
    return await catalog_repo.insert_achievement(
        school=school, area=area, subject=(subject or "").strip()[:128], name=name, description=description[:10000], criteria=(criteria or "")[:10000],
        achievement_type=achievement_type, alignments=[c["id"] for c in comps], rubric=stored_rubric,
        prerequisites=[r["id"] for r in prereq_rows], second_rater=bool(second_rater),
        created_by=principal.id if getattr(principal, "id", None) else None, created_at=clock.now())


async def get_achievement(principal: Any, a_uuid: str) -> dict:
    row = await catalog_repo.get_achievement(a_uuid)
    if row is None:
        raise NotFound("no such achievement")
    await check_school(principal, row["school"], "achievement")
    return row


async def public_achievement(a_uuid: str) -> dict:
    row = await catalog_repo.get_achievement(a_uuid)
    if row is None or row["archived"]:
        raise NotFound("no such achievement")
    return row


async def list_achievements(principal: Any) -> list[dict]:
    return await catalog_repo.list_achievements(await school_ids(principal))


async def set_image(principal: Any, a_uuid: str, data: bytes, *, store: FileStore, max_bytes: int) -> dict:
    require(principal, *TEACHERS, "district_admin")
    row = await get_achievement(principal, a_uuid)
    clean, media_type = sanitise_image(data, max_bytes=max_bytes)
    import hashlib

    digest = hashlib.sha256(clean).hexdigest()
    store.write(digest, clean)
    await catalog_repo.update_achievement(row["id"], image_sha256=digest, image_type=media_type)
    return await catalog_repo.get_achievement(a_uuid)


async def achievement_document(row: dict, *, base_url: str) -> dict:
    """The OB 3.0 Achievement embedded in every credential: rubric, criteria, image, alignments."""
    from badges.issuance import build_achievement

    aid = achievement_url(base_url, row["uuid"])
    comps = await catalog_repo.competencies_by_id(row["alignments"] or [])
    return build_achievement(
        id=aid, name=row["name"], description=row["description"],
        criteria_narrative=row["criteria"] or row["description"],
        rubric=rubrics.rubric_from_dict(row["rubric"]),
        competencies=[frameworks.to_competency(base_url, c) for c in comps],
        image={"id": f"{aid}/image", "type": "Image", "caption": row["name"]} if row.get("image_sha256") else None,
        achievement_type=row["achievement_type"] or "Competency",
        tags=[t for t in (f"area:{row['area']}" if row.get("area") else "",
                          f"subject:{row['subject']}" if row.get("subject") else "") if t]
        + kind_tags(row.get("area") or "", comps, base_url))


def kind_tags(area: str, comps: list[dict], base_url: str) -> list[str]:
    """``area:<kind>:<targetUrl>`` for each competency of the other area than the badge's
    (academic vs habits), so the transcript lists it where it belongs (``badges.transcript``).
    Only badge classes made before ``check_areas`` refused the mix have any."""
    other = _APART.get(area)
    return [f"area:{other}:{frameworks.competency_url(base_url, c)}" for c in comps if other and c["kind"] == other]
