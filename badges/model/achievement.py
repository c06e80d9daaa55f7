"""Achievement and the rubric classes that travel inside it. OB App. B.1.1, B.1.16–B.1.18."""
from __future__ import annotations

from typing import Any, ClassVar

from badges.errors import ModelError
from badges.model.base import (
    AchievementType,
    AlignmentTargetType,
    Base,
    ResultStatusType,
    ResultType,
    enum_value,
    optional_uri,
    require_text,
    require_type,
    require_uri,
)
from badges.model.profile import IdentifierEntry, Image, Profile


class Criteria(Base, frozen=True, kw_only=True):
    id: str | None = None
    narrative: str | None = None

    def _validate(self) -> None:
        # The 1EdTech validator requires one of the two; an empty Criteria tells nobody anything.
        if self.id is None and not self.narrative:
            raise ModelError("Criteria needs an id (criteria page URL) or a narrative", field="criteria")
        optional_uri(self.id, "Criteria.id")


class Alignment(Base, frozen=True, kw_only=True):
    _required: ClassVar[tuple[str, ...]] = ("target_name", "target_url")

    target_name: str | None = None
    target_url: str | None = None
    type: tuple[str, ...] = ("Alignment",)
    target_code: str | None = None
    target_description: str | None = None
    target_framework: str | None = None
    target_type: str | None = None

    def _validate(self) -> None:
        require_type(self.type, "Alignment", "Alignment")
        require_text(self.target_name, "Alignment.targetName")
        if not self.target_url:
            raise ModelError("Alignment needs a targetUrl", field="targetUrl")
        require_uri(self.target_url, "Alignment.targetUrl")
        enum_value(AlignmentTargetType, self.target_type, "Alignment.targetType")


class RubricCriterionLevel(Base, frozen=True, kw_only=True):
    _required: ClassVar[tuple[str, ...]] = ("id", "name")

    id: str | None = None
    name: str | None = None
    type: tuple[str, ...] = ("RubricCriterionLevel",)
    description: str | None = None
    level: str | None = None
    points: str | None = None
    alignment: tuple[Alignment, ...] = ()

    def _validate(self) -> None:
        require_uri(self.id, "RubricCriterionLevel.id")
        require_type(self.type, "RubricCriterionLevel", "RubricCriterionLevel")
        require_text(self.name, "RubricCriterionLevel.name")
        if self.points is not None and not isinstance(self.points, str):
            raise ModelError("RubricCriterionLevel.points is a string (e.g. \"3\")", field="points")


class ResultDescription(Base, frozen=True, kw_only=True):
    """A possible result; ``rubricCriterionLevel`` and ``allowedValue`` are ordered low → high."""

    _required: ClassVar[tuple[str, ...]] = ("id", "name", "result_type")

    id: str | None = None
    name: str | None = None
    result_type: str | None = None
    type: tuple[str, ...] = ("ResultDescription",)
    rubric_criterion_level: tuple[RubricCriterionLevel, ...] = ()
    required_level: str | None = None
    allowed_value: tuple[str, ...] = ()
    required_value: str | None = None
    value_min: str | None = None
    value_max: str | None = None
    alignment: tuple[Alignment, ...] = ()

    def _validate(self) -> None:
        require_uri(self.id, "ResultDescription.id")
        require_type(self.type, "ResultDescription", "ResultDescription")
        require_text(self.name, "ResultDescription.name")
        enum_value(ResultType, self.result_type, "ResultDescription.resultType")
        level_ids = [lv.id for lv in self.rubric_criterion_level]
        if len(set(level_ids)) != len(level_ids):
            raise ModelError(f"ResultDescription {self.id}: rubric level ids repeat", field="rubricCriterionLevel")
        if self.required_level is not None and level_ids and self.required_level not in level_ids:
            raise ModelError(f"ResultDescription {self.id}: requiredLevel {self.required_level!r} is not "
                             "one of its rubricCriterionLevel ids", field="requiredLevel")
        if self.required_value is not None and self.allowed_value and self.required_value not in self.allowed_value:
            raise ModelError(f"ResultDescription {self.id}: requiredValue is not one of allowedValue",
                             field="requiredValue")


class Result(Base, frozen=True, kw_only=True):
    type: tuple[str, ...] = ("Result",)
    result_description: str | None = None
    achieved_level: str | None = None
    value: str | None = None
    status: str | None = None
    alignment: tuple[Alignment, ...] = ()

    def _validate(self) -> None:
        require_type(self.type, "Result", "Result")
        optional_uri(self.result_description, "Result.resultDescription")
        optional_uri(self.achieved_level, "Result.achievedLevel")
        enum_value(ResultStatusType, self.status, "Result.status")


class Evidence(Base, frozen=True, kw_only=True):
    type: tuple[str, ...] = ("Evidence",)
    id: str | None = None
    name: str | None = None
    narrative: str | None = None
    description: str | None = None
    genre: str | None = None
    audience: str | None = None

    def _validate(self) -> None:
        require_type(self.type, "Evidence", "Evidence")
        optional_uri(self.id, "Evidence.id")


class Achievement(Base, frozen=True, kw_only=True):
    _required: ClassVar[tuple[str, ...]] = ("id", "name", "description", "criteria")

    id: str | None = None
    name: str | None = None
    description: str | None = None
    criteria: Criteria | None = None
    type: tuple[str, ...] = ("Achievement",)
    achievement_type: str | None = None
    alignment: tuple[Alignment, ...] = ()
    result_description: tuple[ResultDescription, ...] = ()
    creator: Profile | None = None
    image: Image | None = None
    credits_available: int | float | None = None
    field_of_study: str | None = None
    human_code: str | None = None
    specialization: str | None = None
    version: str | None = None
    in_language: str | None = None
    tag: tuple[str, ...] = ()
    other_identifier: tuple[IdentifierEntry, ...] = ()
    related: tuple[dict[str, Any], ...] = ()
    endorsement: tuple[dict[str, Any], ...] = ()

    def _validate(self) -> None:
        require_uri(self.id, "Achievement.id")
        require_type(self.type, "Achievement", "Achievement")
        require_text(self.name, "Achievement.name")
        require_text(self.description, "Achievement.description")
        enum_value(AchievementType, self.achievement_type, "Achievement.achievementType")
        ids = [rd.id for rd in self.result_description]
        if len(set(ids)) != len(ids):
            raise ModelError(f"Achievement {self.id}: resultDescription ids repeat", field="resultDescription")


__all__ = ["Achievement", "Alignment", "Criteria", "Evidence", "Result", "ResultDescription",
           "RubricCriterionLevel"]
