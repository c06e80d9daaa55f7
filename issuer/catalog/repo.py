"""Queries of frameworks, competencies and achievements.

Rows come back as plain dicts (JSON columns decoded); nothing outside the repos sees a Table.
"""
from __future__ import annotations

import uuid as uuidlib
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from issuer.db.query import all_rows, as_uuid, first_row, insert_row
from issuer.db.tables import Achievement, Competency, Framework

Row = dict[str, Any]

# --- frameworks --------------------------------------------------------------------------------
async def insert_framework(*, school_id: int, kind: str, name: str, version: str, source: str,
                           source_uri: str, created_at: datetime,
                           competencies: Sequence[Row]) -> Row:
    fw_uuid = uuidlib.uuid4()
    fw_id = await insert_row(Framework, uuid=fw_uuid, school=school_id, kind=kind, name=name,
                          version=version, source=source, source_uri=source_uri, created_at=created_at)
    if competencies:
        await Competency.insert(*[Competency(framework=fw_id, kind=kind, code=c["code"], name=c["name"],
                                             description=c.get("description", ""), url=c.get("url", ""))
                                  for c in competencies])
    return await get_framework(fw_uuid)


async def get_framework(fw_uuid) -> Row | None:
    u = as_uuid(fw_uuid)
    if u is None:
        return None
    fw = await first_row(Framework.select().where(Framework.uuid == u))
    if fw:
        fw["competencies"] = await all_rows(Competency.select().where(Competency.framework == fw["id"])
                                        .order_by(Competency.id))
    return fw


async def list_frameworks(school_ids: Sequence[int], kind: str | None = None) -> list[Row]:
    if not school_ids:
        return []
    q = Framework.select().where(Framework.school.is_in(list(school_ids))).order_by(Framework.id)
    if kind:
        q = q.where(Framework.kind == kind)
    return await all_rows(q)


async def competencies_by_id(ids: Iterable[int]) -> list[Row]:
    ids = sorted({int(i) for i in ids})
    if not ids:
        return []
    return await all_rows(Competency.select(
        *Competency.all_columns(), Competency.framework.name.as_alias("framework_name"),
        Competency.framework.school.as_alias("school"), Competency.framework.uuid.as_alias("framework_uuid"),
        Competency.framework.source_uri.as_alias("framework_uri"),
        Competency.framework.source.as_alias("framework_source"))
        .where(Competency.id.is_in(ids)).order_by(Competency.id))


# --- achievements ------------------------------------------------------------------------------
async def insert_achievement(**values) -> Row:
    a_uuid = uuidlib.uuid4()
    await insert_row(Achievement, uuid=a_uuid, **values)
    return await get_achievement(a_uuid)


async def get_achievement(a_uuid) -> Row | None:
    u = as_uuid(a_uuid)
    if u is None:
        return None
    return await first_row(Achievement.select().where(Achievement.uuid == u))


async def get_achievement_by_id(a_id: int) -> Row | None:
    return await first_row(Achievement.select().where(Achievement.id == a_id))


async def achievements_by_uuid(uuids: Iterable) -> list[Row]:
    us = [u for u in (as_uuid(x) for x in uuids) if u]
    if not us:
        return []
    return await all_rows(Achievement.select().where(Achievement.uuid.is_in(us)))


async def achievements_by_ids(ids: Iterable[int]) -> list[Row]:
    ids = sorted(set(ids))
    if not ids:
        return []
    return await all_rows(Achievement.select().where(Achievement.id.is_in(ids)))


async def list_achievements(school_ids: Sequence[int]) -> list[Row]:
    if not school_ids:
        return []
    return await all_rows(Achievement.select().where(Achievement.school.is_in(list(school_ids))
                                                 & (Achievement.archived == False))  # noqa: E712
                      .order_by(Achievement.id))


async def update_achievement(a_id: int, **values) -> None:
    await Achievement.update({getattr(Achievement, k): v for k, v in values.items()}).where(
        Achievement.id == a_id)


async def achievements_by_id(ids: Iterable[int]) -> dict[int, Row]:
    """Archived ones too: a job resumed after an achievement was archived still issues it."""
    ids = sorted(set(ids))
    if not ids:
        return {}
    return {r["id"]: r for r in await all_rows(Achievement.select().where(Achievement.id.is_in(ids)))}
