"""What the catalog's queries return: frozen rows of frameworks, competencies and achievements.

Built from Piccolo's dicts by ``issuer.db.query.row_of`` / ``rows_of`` at the return of
``issuer.catalog.repo``; only the columns somebody reads, plus ``id``.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from badges.competencies import Kind


class FrameworkRow(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    uuid: UUID
    school: int
    kind: Kind
    name: str
    version: str
    source: str  # manual | csv | case
    source_uri: str
    created_at: datetime


class CompetencyRow(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    framework: int
    kind: Kind
    code: str
    name: str
    description: str
    url: str  # the CASE CFItem URI, or empty (then ours: ``frameworks.competency_url``)
    parent_code: str = ""  # the code of the competency it sits under; "" at the top
    position: int = 0  # its place among its siblings, from 1


class FrameworkDetail(FrameworkRow, frozen=True, kw_only=True):
    """A framework with its competencies, in the order they were made."""
    competencies: list[CompetencyRow]


class AlignedCompetency(CompetencyRow, frozen=True, kw_only=True):
    """A competency with what an alignment needs of its framework."""
    school: int
    framework_uuid: UUID
    framework_name: str
    framework_source: str


class AchievementRow(msgspec.Struct, frozen=True, kw_only=True):
    """A badge class. ``rubric`` is ``badges.rubrics.rubric_to_dict``'s form."""
    id: int
    uuid: UUID
    school: int
    name: str
    description: str
    criteria: str
    achievement_type: str
    area: str  # academic | habits | elo, or empty
    subject: str
    image_sha256: str
    image_type: str
    alignments: list[int]  # competency ids
    rubric: dict[str, Any]
    prerequisites: list[int]  # achievement ids
    second_rater: bool
    created_at: datetime
    archived: bool
    version: int = 1
    lineage: int | None = None  # the first version's id; none or 0 on the first version

    @property
    def lineage_id(self) -> int:
        """The id every version of this achievement shares (its first version's)."""
        return self.lineage or self.id
