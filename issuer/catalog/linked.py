"""What the URLs inside an issued badge point to: the achievement, its rubric criteria and
levels, a school framework's competencies and an extended-learning partner.

Each function returns plain data that a page renders and a JSON client receives as is. They
are public (a verifier or an admissions officer follows them without an account) and disclose
only what a signed badge already carries: never a learner, a mentor's e-mail or a plan.
"""
from __future__ import annotations

from typing import Any

from issuer.catalog import repo as catalog_repo

from issuer.evidence import repo as evidence_repo

from issuer.schools import repo as schools_repo
from issuer.catalog import achievements, frameworks
from issuer.errors import NotFound


def _list(value: Any) -> list:
    return value if isinstance(value, list) else [] if value is None else [value]


async def achievement(a_uuid: str, *, base_url: str) -> dict:
    """``{"row", "document"}``: the stored badge class and its OB 3.0 Achievement. An archived
    one still answers: the badges issued for it name it."""
    row = await catalog_repo.get_achievement(a_uuid)
    if row is None:
        raise NotFound("no such achievement")
    return {"row": row, "document": await achievements.achievement_document(row, base_url=base_url)}


async def rubric_part(a_uuid: str, criterion: str, level: str | None = None, *, base_url: str) -> dict:
    """A rubric criterion (the Achievement's ``ResultDescription``) or one of its levels
    (``RubricCriterionLevel``), with the achievement they belong to."""
    found = await achievement(a_uuid, base_url=base_url)
    doc = found["document"]
    wanted = f"{doc['id']}/rubric/{criterion}"
    description = next((d for d in _list(doc.get("resultDescription")) if d.get("id") == wanted), None)
    if description is None:
        raise NotFound(f"no rubric criterion {criterion!r} in this achievement")
    chosen = None
    if level is not None:
        chosen = next((lv for lv in _list(description.get("rubricCriterionLevel"))
                       if lv.get("id") == f"{wanted}/levels/{level}"), None)
        if chosen is None:
            raise NotFound(f"no level {level!r} in the rubric criterion {criterion!r}")
    return {"achievement": doc, "criterion": description, "level": chosen,
            "json": chosen if chosen is not None else description}


async def competency(fw_uuid: str, code: str, *, base_url: str) -> dict:
    """A competency of a school's own framework (CASE items keep their CFItem URI instead)."""
    fw = await catalog_repo.get_framework(fw_uuid)
    found = next((c for c in (fw or {}).get("competencies") or [] if c["code"] == code), None)
    if found is None:
        raise NotFound("no such competency")
    url = f"{base_url}/frameworks/{fw['uuid']}/competencies/{code}"
    data = {"id": url, "type": "ceasn:Competency", "code": found["code"], "name": found["name"],
            "description": found["description"] or None, "kind": found["kind"],
            "kindLabel": frameworks.KIND_LABELS.get(found["kind"], found["kind"]),
            "framework": {"id": str(fw["uuid"]), "name": fw["name"], "version": fw["version"] or None}}
    return {k: v for k, v in data.items() if v is not None}


async def partner(elo_uuid: str, *, base_url: str) -> dict:
    """The organisation of an extended learning opportunity, as named in the badge's
    ``credentialSubject.source``. Only once attested (a plan alone is nobody's business)."""
    elo = await evidence_repo.get_elo(elo_uuid)
    if elo is None or elo["submission"] is None:
        raise NotFound("no such partner")
    school = await schools_repo.school_name(elo["school"])
    return {"id": f"{base_url}/partners/{elo['uuid']}", "type": ["Profile"], "name": elo["partner_org"],
            "description": f"Extended learning partner of {school}" if school else "Extended learning partner"}
