"""What other domains may read about schools: a school's name and district, a district's schools.

A domain reads another only through that domain's use-case modules, never its ``repo``
(pyproject.toml's import-linter contracts). These reads need no principal: the callers have
already checked who may act on the school (``issuer.access``), or they stamp an audit event.
"""
from __future__ import annotations

from issuer.schools import repo as schools_repo

__all__ = ["school_district", "school_ids_of_district", "school_name"]


async def school_district(school_id: int) -> int | None:
    return await schools_repo.school_district(school_id)


async def school_name(school_id: int) -> str | None:
    return await schools_repo.school_name(school_id)


async def school_ids_of_district(district_id: int) -> list[int]:
    return await schools_repo.school_ids_of_district(district_id)
