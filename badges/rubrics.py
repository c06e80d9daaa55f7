"""Rubrics: criteria rated on ordered levels, each with a required level, and an optional
numeric total with a required value. OB 3.0 §1.6 of our checklist: a rubric becomes one
ResultDescription per criterion (resultType RubricCriterionLevel, levels ordered low → high,
requiredLevel = the threshold level's id) plus, with a total, one RubricScore description.

Ids are derived from ``base_id`` (normally the achievement id), so the same rubric always
produces the same documents: ``<base_id>/rubric/<criterion id>``, its levels
``…/levels/<value>``, and the total ``<base_id>/rubric/total``.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from badges.errors import RubricError
from badges.model import Result, ResultDescription, RubricCriterionLevel, is_absolute_uri

TOTAL_ID = "total"
_CRITERION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~-]*$")


@dataclass(frozen=True)
class Level:
    value: int
    name: str
    description: str = ""

    @property
    def label(self) -> str:
        return f"{self.value} {self.name}"


DEFAULT_SCALE: tuple[Level, ...] = (
    Level(1, "Beginning"),
    Level(2, "Developing"),
    Level(3, "Proficient"),
    Level(4, "Exceeds"),
)


@dataclass(frozen=True)
class Criterion:
    id: str
    name: str
    required_level: int
    levels: tuple[Level, ...] = DEFAULT_SCALE
    description: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not _CRITERION_ID.match(self.id):
            raise RubricError(f"criterion id {self.id!r} must be a short path segment (letters, digits, . _ ~ -)",
                              criterion=self.id)
        if self.id == TOTAL_ID:
            raise RubricError(f"criterion id {TOTAL_ID!r} is reserved for the rubric total", criterion=self.id)
        if not isinstance(self.name, str) or not self.name.strip():
            raise RubricError(f"criterion {self.id!r} needs a name", criterion=self.id)
        object.__setattr__(self, "levels", tuple(self.levels))
        values = [lv.value for lv in self.levels]
        if not values:
            raise RubricError(f"criterion {self.id!r} has no levels", criterion=self.id)
        if any(isinstance(v, bool) or not isinstance(v, int) for v in values):
            raise RubricError(f"criterion {self.id!r}: level values must be integers", criterion=self.id)
        if values != sorted(set(values)):
            raise RubricError(f"criterion {self.id!r}: levels must be ordered low to high without repeats",
                              criterion=self.id, levels=values)
        if self.required_level not in values:
            raise RubricError(f"criterion {self.id!r}: required level {self.required_level!r} is not on its scale "
                              f"{values}", criterion=self.id)

    def level(self, value: int) -> Level:
        for lv in self.levels:
            if lv.value == value:
                return lv
        raise RubricError(f"{self.name}: level {value!r} is outside the scale "
                          f"{[lv.value for lv in self.levels]}", criterion=self.id, level=value)

    @property
    def required(self) -> Level:
        return self.level(self.required_level)


@dataclass(frozen=True)
class Rubric:
    id: str
    name: str
    criteria: tuple[Criterion, ...]
    total_required: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "criteria", tuple(self.criteria))
        if not self.criteria:
            raise RubricError(f"rubric {self.id!r} has no criteria", rubric=self.id)
        ids = [c.id for c in self.criteria]
        if len(set(ids)) != len(ids):
            raise RubricError(f"rubric {self.id!r}: criterion ids repeat", rubric=self.id)
        if self.total_required is not None:
            lo, hi = self.total_range
            if isinstance(self.total_required, bool) or not isinstance(self.total_required, int) \
                    or not lo <= self.total_required <= hi:
                raise RubricError(f"rubric {self.id!r}: required total {self.total_required!r} is outside "
                                  f"{lo}..{hi}", rubric=self.id)

    @property
    def total_range(self) -> tuple[int, int]:
        return (sum(c.levels[0].value for c in self.criteria), sum(c.levels[-1].value for c in self.criteria))

    def criterion(self, criterion_id: str) -> Criterion:
        for c in self.criteria:
            if c.id == criterion_id:
                return c
        raise RubricError(f"rubric {self.name!r} has no criterion {criterion_id!r}", criterion=criterion_id)


@dataclass(frozen=True)
class CriterionScore:
    criterion: Criterion
    level: Level

    @property
    def meets(self) -> bool:
        return self.level.value >= self.criterion.required_level


@dataclass(frozen=True)
class RubricScore:
    rubric: Rubric
    criteria: tuple[CriterionScore, ...]
    total: int
    total_min: int
    total_max: int
    total_required: int | None = None
    meets_total: bool | None = field(default=None)

    @property
    def meets(self) -> bool:
        return all(c.meets for c in self.criteria) and self.meets_total is not False


def score(rubric: Rubric, ratings: Mapping[str, int]) -> RubricScore:
    """Rate every criterion; unknown or missing criteria and off-scale levels are errors."""
    unknown = sorted(set(ratings) - {c.id for c in rubric.criteria})
    if unknown:
        raise RubricError(f"rubric {rubric.name!r} has no criterion {', '.join(map(repr, unknown))}",
                          unknown=unknown)
    missing = [c.id for c in rubric.criteria if c.id not in ratings]
    if missing:
        raise RubricError(f"no rating for {', '.join(map(repr, missing))}", missing=missing)
    scored = tuple(CriterionScore(c, c.level(ratings[c.id])) for c in rubric.criteria)
    total = sum(s.level.value for s in scored)
    lo, hi = rubric.total_range
    meets_total = None if rubric.total_required is None else total >= rubric.total_required
    return RubricScore(rubric, scored, total, lo, hi, rubric.total_required, meets_total)


def _base(base_id: str) -> str:
    if not is_absolute_uri(base_id):
        raise RubricError(f"base_id {base_id!r} must be an absolute URI", base_id=base_id)
    return base_id.rstrip("/")


def criterion_id(base_id: str, criterion: Criterion) -> str:
    return f"{_base(base_id)}/rubric/{criterion.id}"


def level_id(base_id: str, criterion: Criterion, level: Level) -> str:
    return f"{criterion_id(base_id, criterion)}/levels/{level.value}"


def total_id(base_id: str) -> str:
    return f"{_base(base_id)}/rubric/{TOTAL_ID}"


def to_result_descriptions(rubric: Rubric, *, base_id: str) -> list[dict[str, Any]]:
    out = []
    for c in rubric.criteria:
        levels = tuple(
            RubricCriterionLevel(id=level_id(base_id, c, lv), name=lv.name, level=str(lv.value),
                                 points=str(lv.value), description=lv.description or None)
            for lv in c.levels)
        out.append(ResultDescription(
            id=criterion_id(base_id, c), name=c.name, result_type="RubricCriterionLevel",
            rubric_criterion_level=levels, required_level=level_id(base_id, c, c.required)).to_jsonld())
    if rubric.total_required is not None:
        lo, hi = rubric.total_range
        out.append(ResultDescription(
            id=total_id(base_id), name="Total", result_type="RubricScore", value_min=str(lo),
            value_max=str(hi), required_value=str(rubric.total_required)).to_jsonld())
    return out


def to_results(rubric: Rubric, ratings: Mapping[str, int], *, base_id: str) -> list[dict[str, Any]]:
    scored = score(rubric, ratings)
    out = [Result(result_description=criterion_id(base_id, s.criterion),
                  achieved_level=level_id(base_id, s.criterion, s.level)).to_jsonld()
           for s in scored.criteria]
    if rubric.total_required is not None:
        out.append(Result(result_description=total_id(base_id), value=str(scored.total)).to_jsonld())
    return out


def rubric_to_dict(rubric: Rubric) -> dict[str, Any]:
    return {
        "id": rubric.id,
        "name": rubric.name,
        "totalRequired": rubric.total_required,
        "criteria": [
            {"id": c.id, "name": c.name, "description": c.description, "requiredLevel": c.required_level,
             "levels": [{"value": lv.value, "name": lv.name, "description": lv.description} for lv in c.levels]}
            for c in rubric.criteria
        ],
    }


def rubric_from_dict(data: Mapping[str, Any]) -> Rubric:
    """Inverse of ``rubric_to_dict``; a missing ``levels`` means the default scale."""
    try:
        criteria = tuple(
            Criterion(
                id=c["id"], name=c["name"], required_level=c["requiredLevel"],
                description=c.get("description") or "",
                levels=tuple(Level(int(lv["value"]), str(lv["name"]), lv.get("description") or "")
                             for lv in c["levels"]) if c.get("levels") else DEFAULT_SCALE)
            for c in data["criteria"])
        return Rubric(id=data["id"], name=data["name"], criteria=criteria, total_required=data.get("totalRequired"))
    except (KeyError, TypeError, ValueError) as exc:
        raise RubricError(f"stored rubric is malformed: {exc!r}") from exc


__all__ = ["DEFAULT_SCALE", "Criterion", "CriterionScore", "Level", "Rubric", "RubricScore", "criterion_id",
           "level_id", "rubric_from_dict", "rubric_to_dict", "score", "to_result_descriptions", "to_results",
           "total_id"]
