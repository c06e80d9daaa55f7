"""Queries of frameworks, competencies and achievements, returning ``issuer.catalog.rows``.

Nothing outside the repos sees a Table or an untyped row.
"""
from __future__ import annotations

import uuid as uuidlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from piccolo.columns import Column
from piccolo.query.functions.aggregate import Count
from piccolo.table import Table

from issuer.catalog.rows import AchievementRow, AlignedCompetency, FrameworkDetail, FrameworkRow
from issuer.db.engine import write_transaction
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
    """The framework and its competencies (``code``, ``name``, ``description``, ``url``, and
    ``parent_code`` and ``position`` when they sit in a tree), in one transaction."""
    fw_uuid = uuidlib.uuid4()
    async with write_transaction():
        fw_id = await insert_row(Framework, uuid=fw_uuid, school=school_id, kind=kind, name=name,
                                 version=version, source=source, source_uri=source_uri, created_at=created_at)
        if competencies:
            await Competency.insert(*[_competency(fw_id, kind, c) for c in competencies])
    return _inserted(await get_framework(fw_uuid))


def _competency(fw_id: int, kind: str, c: Mapping[str, Any]) -> Competency:
    return Competency(framework=fw_id, kind=kind, code=c["code"], name=c["name"], description=c.get("description", ""),
                      url=c.get("url", ""), parent_code=c.get("parent_code", ""), position=int(c.get("position", 0)))


async def framework_by_source(school_id: int, source_uri: str) -> FrameworkRow | None:
    """The school's framework imported from ``source_uri`` (a CASE CFDocument's uri), if any."""
    if not source_uri:
        return None
    return row_of(FrameworkRow, await first_row(Framework.select().where(
        (Framework.school == school_id) & (Framework.source_uri == source_uri)).order_by(_pk(Framework))))


async def competency_counts(framework_ids: Sequence[int]) -> dict[int, int]:
    if not framework_ids:
        return {}
    rows = await all_rows(Competency.select(Competency.framework, Count(Competency.framework, alias="n"))
                          .where(Competency.framework.is_in(list(framework_ids))).group_by(Competency.framework))
    return {int(r["framework"]): int(r["n"]) for r in rows}


async def update_framework(fw_id: int, **values: object) -> None:
    await Framework.update({getattr(Framework, k): v for k, v in values.items()}).where(_pk(Framework) == fw_id)


async def insert_competency(fw_id: int, kind: str, values: Mapping[str, Any]) -> None:
    await Competency.insert(_competency(fw_id, kind, values))


async def update_competency(c_id: int, old_code: str, fw_id: int, **values: object) -> None:
    """The competency's columns; its children follow a new code."""
    async with write_transaction():
        await Competency.update({getattr(Competency, k): v for k, v in values.items()}).where(_pk(Competency) == c_id)
        new_code = values.get("code")
        if isinstance(new_code, str) and new_code != old_code:
            await Competency.update({Competency.parent_code: new_code}).where(
                (Competency.framework == fw_id) & (Competency.parent_code == old_code))


async def delete_competency(c_id: int) -> None:
    await Competency.delete().where(_pk(Competency) == c_id)


async def replace_competencies(fw_id: int, kind: str, *, framework: Mapping[str, object],
                               keep: Mapping[int, Mapping[str, Any]], add: Sequence[Mapping[str, Any]],
                               remove: Sequence[int]) -> None:
    """A re-import in one transaction: update the rows in ``keep`` (by id), insert ``add``,
    delete ``remove``. Codes move through a temporary value so two items may swap codes."""
    async with write_transaction():
        await update_framework(fw_id, **framework)
        if remove:
            await Competency.delete().where(_pk(Competency).is_in(list(remove)))
        for c_id in (i for i, values in keep.items() if "code" in values):
            await Competency.update({Competency.code: f" swap {c_id}"}).where(_pk(Competency) == c_id)
        for c_id, values in keep.items():
            await Competency.update({getattr(Competency, k): v for k, v in values.items()}).where(
                _pk(Competency) == c_id)
        if add:
            await Competency.insert(*[_competency(fw_id, kind, c) for c in add])


async def aligned_competency_ids(school_id: int) -> set[int]:
    """Every competency an achievement of the school aligns to (archived ones too: issued badges cite them)."""
    rows = await all_rows(Achievement.select(Achievement.alignments).where(Achievement.school == school_id))
    found: set[int] = set()
    for r in rows:
        found.update(i for i in r["alignments"] or [] if isinstance(i, int))
    return found


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
