"""What the URLs inside an issued badge point to: the achievement, its rubric criteria and
levels and a school framework's competencies (an extended-learning partner is evidence's:
``issuer.evidence.elos.partner``).

Each function returns what a page renders and a JSON client receives as is. They are public
(a verifier or an admissions officer follows them without an account) and disclose only what a
signed badge already carries: never a learner, a mentor's e-mail or a plan.
"""
from __future__ import annotations

from typing import Any

import msgspec

from issuer.catalog import achievements, frameworks
from issuer.catalog import repo as catalog_repo
from issuer.catalog.schemas import CompetencyDoc, FrameworkRef
from issuer.context import IssuerContext
from issuer.errors import NotFound


class RubricPart(msgspec.Struct, frozen=True, kw_only=True):
    """A rubric criterion (the Achievement's ``ResultDescription``) or one of its levels
    (``RubricCriterionLevel``, then ``level``), with the Achievement they belong to."""
    achievement: dict[str, Any]
    criterion: dict[str, Any]
    level: dict[str, Any] | None = None

    @property
    def document(self) -> dict[str, Any]:
        """What a JSON client gets: the level when one is named, else the criterion."""
        return self.level if self.level is not None else self.criterion


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


async def achievement(ctx: IssuerContext, a_uuid: str) -> dict[str, Any]:
    """The OB 3.0 Achievement of a stored badge class. An archived one still answers: the badges
    issued for it name it."""
    row = await achievements.find(a_uuid)
    if row is None:
        raise NotFound("no such achievement")
    return await achievements.achievement_document(row, base_url=ctx.settings.base_url)


async def rubric_part(ctx: IssuerContext, a_uuid: str, criterion: str, level: str | None = None) -> RubricPart:
    doc = await achievement(ctx, a_uuid)
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
    return RubricPart(achievement=doc, criterion=description, level=chosen)


async def competency(ctx: IssuerContext, fw_uuid: str, code: str) -> CompetencyDoc:
    """A competency of a school's own framework (CASE items keep their CFItem URI instead)."""
    fw = await catalog_repo.get_framework(fw_uuid)
    found = next((c for c in fw.competencies if c.code == code), None) if fw is not None else None
    if fw is None or found is None:
        raise NotFound("no such competency")
    return CompetencyDoc(
        id=f"{ctx.settings.base_url}/frameworks/{fw.uuid}/competencies/{code}", type="ceasn:Competency",
        code=found.code, name=found.name, description=found.description or None, kind=found.kind,
        kind_label=frameworks.KIND_LABELS.get(found.kind, found.kind),
        framework=FrameworkRef(id=str(fw.uuid), name=fw.name, version=fw.version or None))

