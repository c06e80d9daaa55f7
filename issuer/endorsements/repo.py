"""Queries of endorsers and endorsements, returning ``issuer.endorsements.rows``."""
from __future__ import annotations

import uuid as uuidlib
from collections.abc import Collection
from datetime import datetime
from typing import Any

from issuer.db.engine import lock_row
from issuer.db.query import all_rows, as_uuid, first_row, insert_row, row_of, rows_of
from issuer.db.tables import Endorsement, Endorser
from issuer.endorsements.rows import EndorsementRow, EndorserRow

_pk_endorser = Endorser._meta.primary_key
_pk_endorsement = Endorsement._meta.primary_key


async def endorser_by_handle(school_id: int, handle: str) -> EndorserRow | None:
    return row_of(EndorserRow, await first_row(Endorser.select().where(
        (Endorser.school == school_id) & (Endorser.handle == handle))))


async def insert_endorser(*, school: int, kind: str, handle: str, user: int | None, name: str,
                          public_key_multibase: str, encrypted_seed: str, at: datetime) -> None:
    await insert_row(Endorser, uuid=uuidlib.uuid4(), school=school, kind=kind, handle=handle, user=user, name=name,
                     public_key_multibase=public_key_multibase, encrypted_seed=encrypted_seed, created_at=at)


async def endorser_by_id(endorser_id: int) -> EndorserRow | None:
    return row_of(EndorserRow, await first_row(Endorser.select().where(_pk_endorser == endorser_id)))


async def endorser_by_uuid(e_uuid: str) -> EndorserRow | None:
    found = as_uuid(e_uuid)
    if found is None:
        return None
    return row_of(EndorserRow, await first_row(Endorser.select().where(Endorser.uuid == found)))


async def locked_endorser(endorser_id: int) -> EndorserRow | None:
    """The endorser, its row held until the transaction ends (PostgreSQL; SQLite: the writer lock)."""
    await lock_row(Endorser, endorser_id)
    return await endorser_by_id(endorser_id)


async def update_endorser_status(endorser_id: int, *, status_next: int, encoded: str, document: str) -> None:
    await Endorser.update({Endorser.status_next: status_next, Endorser.status_encoded: encoded,
                           Endorser.status_document: document}).where(_pk_endorser == endorser_id)


async def rename_endorser(endorser_id: int, name: str) -> None:
    await Endorser.update({Endorser.name: name}).where(_pk_endorser == endorser_id)


async def insert_endorsement(**values: Any) -> int:
    return await insert_row(Endorsement, **values)


async def endorsement(e_uuid: str) -> EndorsementRow | None:
    found = as_uuid(e_uuid)
    if found is None:
        return None
    return row_of(EndorsementRow, await first_row(Endorsement.select().where(Endorsement.uuid == found)))


async def existing(endorser_key: str, subject_id: str) -> EndorsementRow | None:
    return row_of(EndorsementRow, await first_row(Endorsement.select().where(
        (Endorsement.endorser_key == endorser_key) & (Endorsement.subject_id == subject_id))))


async def of_subjects(subject_ids: Collection[str]) -> list[EndorsementRow]:
    """The standing endorsements of any of ``subject_ids``, oldest first."""
    if not subject_ids:
        return []
    return rows_of(EndorsementRow, await all_rows(Endorsement.select().where(
        Endorsement.subject_id.is_in(list(subject_ids)) & Endorsement.withdrawn_at.is_null())
        .order_by(Endorsement.created_at).order_by(_pk_endorsement)))


async def documents_of_achievements(achievement_ids: Collection[int]) -> dict[int, list[str]]:
    """The signed documents of the standing endorsements of each achievement, oldest first: what
    a new badge embeds. One query, two columns (the award path reads it for every badge)."""
    if not achievement_ids:
        return {}
    rows = await Endorsement.select(Endorsement.achievement, Endorsement.document).where(
        Endorsement.achievement.is_in(list(achievement_ids)) & Endorsement.withdrawn_at.is_null()
    ).order_by(Endorsement.created_at).order_by(_pk_endorsement)
    out: dict[int, list[str]] = {}
    for row in rows:
        out.setdefault(int(row["achievement"]), []).append(str(row["document"]))
    return out


async def of_school(school_id: int) -> list[EndorsementRow]:
    """Every endorsement the school's staff and partners made, newest first (withdrawn ones too)."""
    return rows_of(EndorsementRow, await all_rows(Endorsement.select().where(Endorsement.school == school_id)
                                                  .order_by(Endorsement.created_at, ascending=False)
                                                  .order_by(_pk_endorsement, ascending=False)))


async def withdraw(endorsement_id: int, at: datetime) -> None:
    """Mark it withdrawn and free its (endorser, subject) slot: the endorser may endorse again."""
    await Endorsement.update({Endorsement.withdrawn_at: at, Endorsement.endorser_key: f"withdrawn:{endorsement_id}"}
                             ).where(_pk_endorsement == endorsement_id)
