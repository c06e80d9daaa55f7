"""What other domains may read about schools: a school's name and district, a district's schools.

A domain reads another only through that domain's use-case modules, never its ``repo``
(pyproject.toml's import-linter contracts). These reads need no principal: the callers have
already checked who may act on the school (``issuer.access``), or they stamp an audit event.
"""
from __future__ import annotations

from typing import Any

from issuer.schools import repo as schools_repo

__all__ = ["school_district", "school_ids_of_district", "school_name", "school_scale"]


async def school_district(school_id: int) -> int | None:
    return await schools_repo.school_district(school_id)


async def school_name(school_id: int) -> str | None:
    return await schools_repo.school_name(school_id)


async def school_ids_of_district(district_id: int) -> list[int]:
    return await schools_repo.school_ids_of_district(district_id)


async def school_scale(school_id: int) -> list[dict[str, Any]]:
    """The school's own words for its levels ([{value, name, description}], lowest first), or
    [] when it keeps the default scale (``issuer.schools.profile``)."""
    school = await schools_repo.school_by_id(school_id)
    return [dict(level) for level in school.scale] if school is not None else []
