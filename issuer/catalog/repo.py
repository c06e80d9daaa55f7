"""Queries of frameworks, competencies and achievements, returning ``issuer.catalog.rows``.

Nothing outside the repos sees a Table or an untyped row.
"""
from __future__ import annotations

import uuid as uuidlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from piccolo.columns import Column
from piccolo.table import Table

from issuer.catalog.rows import AchievementRow, AlignedCompetency, FrameworkDetail, FrameworkRow
from issuer.db.query import all_rows, as_uuid, first_row, insert_row, row_of, rows_of
from issuer.db.tables import Achievement, Competency, Framework

R = TypeVar("R")


def _pk(table: type[Table]) -> Column:
    """``table.id``: Piccolo adds each table's Serial primary key when the class is made, out of a
    type checker's sight."""
    return table._meta.primary_key


# --- frameworks --------------------------------------------------------------------------------
async def insert_framework(*, school_id: int, kind: str, name: str, version: str, source: str,
                           source_uri: str, created_at: datetime,
                           competencies: Sequence[Mapping[str, str]]) -> FrameworkDetail:
    """The framework and its competencies (``code``, ``name``, ``description``, ``url`` each)."""
    fw_uuid = uuidlib.uuid4()
    fw_id = await insert_row(Framework, uuid=fw_uuid, school=school_id, kind=kind, name=name,
                             version=version, source=source, source_uri=source_uri, created_at=created_at)
    if competencies:
        await Competency.insert(*[Competency(framework=fw_id, kind=kind, code=c["code"], name=c["name"],
                                             description=c.get("description", ""), url=c.get("url", ""))
                                  for c in competencies])
    return _inserted(await get_framework(fw_uuid))


async def get_framework(fw_uuid: str | uuidlib.UUID) -> FrameworkDetail | None:
    u = as_uuid(fw_uuid)
    if u is None:
        return None
    fw = await first_row(Framework.select().where(Framework.uuid == u))
    if fw is None:
        return None
    fw["competencies"] = await all_rows(Competency.select().where(Competency.framework == fw["id"])
                                        .order_by(_pk(Competency)))
    return row_of(FrameworkDetail, fw)


async def list_frameworks(school_ids: Sequence[int], kind: str | None = None) -> list[FrameworkRow]:
    if not school_ids:
        return []
    q = Framework.select().where(Framework.school.is_in(list(school_ids))).order_by(_pk(Framework))
    if kind:
        q = q.where(Framework.kind == kind)
    return rows_of(FrameworkRow, await all_rows(q))


async def competencies_by_id(ids: Iterable[int]) -> list[AlignedCompetency]:
    wanted = sorted({int(i) for i in ids})
    if not wanted:
        return []
    return rows_of(AlignedCompetency, await all_rows(Competency.select(
        *Competency.all_columns(), Competency.framework.name.as_alias("framework_name"),
        Competency.framework.school.as_alias("school"), Competency.framework.uuid.as_alias("framework_uuid"),
        Competency.framework.source.as_alias("framework_source"))
        .where(_pk(Competency).is_in(wanted)).order_by(_pk(Competency))))


# --- achievements ------------------------------------------------------------------------------
async def insert_achievement(*, school: int, area: str, subject: str, name: str, description: str, criteria: str,
                             achievement_type: str, alignments: list[int], rubric: dict[str, Any],
                             prerequisites: list[int], second_rater: bool, created_by: int | None,
                             created_at: datetime, version: int = 1, lineage: int | None = None,
                             image_sha256: str = "", image_type: str = "") -> AchievementRow:
    a_uuid = uuidlib.uuid4()
    await insert_row(Achievement, uuid=a_uuid, school=school, area=area, subject=subject, name=name,
                     description=description, criteria=criteria, achievement_type=achievement_type,
                     alignments=alignments, rubric=rubric, prerequisites=prerequisites, second_rater=second_rater,
                     created_by=created_by, created_at=created_at, version=version, lineage=lineage,
                     image_sha256=image_sha256, image_type=image_type)
    return _inserted(await get_achievement(a_uuid))


async def get_achievement(a_uuid: str | uuidlib.UUID) -> AchievementRow | None:
    u = as_uuid(a_uuid)
    if u is None:
        return None
    return row_of(AchievementRow, await first_row(Achievement.select().where(Achievement.uuid == u)))


async def get_achievement_by_id(a_id: int) -> AchievementRow | None:
    return row_of(AchievementRow, await first_row(Achievement.select().where(_pk(Achievement) == a_id)))


async def achievements_by_uuid(uuids: Iterable[object]) -> list[AchievementRow]:
    us = [u for u in (as_uuid(x) for x in uuids) if u]
    if not us:
        return []
    return rows_of(AchievementRow, await all_rows(Achievement.select().where(Achievement.uuid.is_in(us))))


async def achievements_by_ids(ids: Iterable[int]) -> list[AchievementRow]:
    wanted = sorted(set(ids))
    if not wanted:
        return []
    return rows_of(AchievementRow, await all_rows(Achievement.select().where(_pk(Achievement).is_in(wanted))))


async def list_achievements(school_ids: Sequence[int]) -> list[AchievementRow]:
    if not school_ids:
        return []
    return rows_of(AchievementRow, await all_rows(
        Achievement.select().where(Achievement.school.is_in(list(school_ids))
                                   & (Achievement.archived == False))  # noqa: E712
        .order_by(_pk(Achievement))))


async def all_achievements(school_ids: Sequence[int]) -> list[AchievementRow]:
    """Every version of the schools' achievements, archived ones too."""
    if not school_ids:
        return []
    return rows_of(AchievementRow, await all_rows(
        Achievement.select().where(Achievement.school.is_in(list(school_ids))).order_by(_pk(Achievement))))


async def lineage_versions(lineage_ids: Iterable[int]) -> list[AchievementRow]:
    """Every version of the achievements whose first versions are ``lineage_ids``, oldest first."""
    wanted = sorted(set(lineage_ids))
    if not wanted:
        return []
    return rows_of(AchievementRow, await all_rows(
        Achievement.select().where(_pk(Achievement).is_in(wanted) | Achievement.lineage.is_in(wanted))
        .order_by(Achievement.version, _pk(Achievement))))


async def update_achievement(a_id: int, **values: object) -> None:
    await Achievement.update({getattr(Achievement, k): v for k, v in values.items()}).where(
        _pk(Achievement) == a_id)


async def achievements_by_id(ids: Iterable[int]) -> dict[int, AchievementRow]:
    """Archived ones too: a job resumed after an achievement was archived still issues it."""
    return {r.id: r for r in await achievements_by_ids(ids)}


def _inserted(row: R | None) -> R:
    if row is None:  # read back in the same connection right after the insert
        raise LookupError("the row just inserted cannot be read back")
    return row
