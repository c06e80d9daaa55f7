"""Queries of the outbox table (``OutboxMessage``): write a message, record its delivery, list
what an administrator may read, find what is waiting to be sent again."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from piccolo.custom_types import Combinable

from issuer.db.query import all_rows, first_row, row_of, rows_of
from issuer.db.tables import OutboxMessage
from issuer.mail.rows import OutboxRow

RETRYABLE = ("queued", "failed")


async def insert(*, school: int | None, recipient: int | None, to_address: str, to_name: str, subject: str,
                 text_body: str, html_body: str, kind: str, language: str, at: datetime) -> int:
    rows = await OutboxMessage.insert(OutboxMessage(
        school=school, recipient=recipient, to_address=to_address, to_name=to_name, subject=subject,
        text_body=text_body, html_body=html_body, kind=kind, language=language, status="queued", attempts=0,
        error="", created_at=at)).returning(OutboxMessage.id)
    return int(rows[0]["id"])


async def insert_many(messages: list[dict[str, Any]], *, at: datetime) -> list[int]:
    """Queue several messages in one INSERT (a bulk award's notices): their ids, in order."""
    if not messages:
        return []
    rows = await OutboxMessage.insert(*[OutboxMessage(**m, status="queued", attempts=0, error="", created_at=at)
                                        for m in messages]).returning(OutboxMessage.id)
    return [int(r["id"]) for r in rows]


async def many(message_ids: list[int]) -> list[OutboxRow]:
    if not message_ids:
        return []
    return rows_of(OutboxRow, await all_rows(OutboxMessage.select().where(
        OutboxMessage.id.is_in(message_ids)).order_by(OutboxMessage.id)))


async def get(message_id: int) -> OutboxRow | None:
    return row_of(OutboxRow, await first_row(OutboxMessage.select().where(OutboxMessage.id == message_id)))


async def delivered(message_id: int | list[int], *, status: str, at: datetime, clear_bodies: bool) -> None:
    """One message handed on, or several (a list of ids) with the same outcome."""
    which = OutboxMessage.id.is_in(message_id) if isinstance(message_id, list) else OutboxMessage.id == message_id
    values: dict[object, object] = {OutboxMessage.status: status, OutboxMessage.sent_at: at, OutboxMessage.error: "",
                                    OutboxMessage.attempts: OutboxMessage.attempts + 1}
    if clear_bodies:
        values.update({OutboxMessage.text_body: "", OutboxMessage.html_body: ""})
    await OutboxMessage.update(values).where(which)  # type: ignore[arg-type]


async def failed(message_id: int, *, error: str) -> None:
    await OutboxMessage.update({OutboxMessage.status: "failed", OutboxMessage.error: error[:2000],
                                OutboxMessage.attempts: OutboxMessage.attempts + 1}).where(
        OutboxMessage.id == message_id)


async def listed(*, school_ids: list[int], district_id: int | None, limit: int, kind: str | None = None
                 ) -> list[OutboxRow]:
    """Newest first: the messages of ``school_ids``, and (``district_id``) those of that district's
    people who belong to no school (its district admins)."""
    where: Combinable = OutboxMessage.school.is_in(school_ids or [-1])
    if district_id is not None:
        where = where | (OutboxMessage.school.is_null() & (OutboxMessage.recipient.district == district_id))
    query = OutboxMessage.select().where(where)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return rows_of(OutboxRow, await all_rows(query.order_by(OutboxMessage.id, ascending=False).limit(limit)))


async def waiting(*, max_attempts: int, limit: int) -> list[OutboxRow]:
    """Messages never handed on, or refused, that may be tried again, oldest first."""
    return rows_of(OutboxRow, await all_rows(OutboxMessage.select().where(
        OutboxMessage.status.is_in(list(RETRYABLE)) & (OutboxMessage.attempts < max_attempts)
    ).order_by(OutboxMessage.id).limit(limit)))


async def sent_since(*, recipient: int, kind: str, since: datetime) -> bool:
    """Whether ``recipient`` was already written a ``kind`` message at or after ``since``."""
    row = await OutboxMessage.select(OutboxMessage.id).where(
        (OutboxMessage.recipient == recipient) & (OutboxMessage.kind == kind)
        & (OutboxMessage.created_at >= since)).first()
    return row is not None


async def recipient_count(recipient: int) -> int:
    return int(await OutboxMessage.count().where(OutboxMessage.recipient == recipient))


async def delete_for_recipient(recipient: int) -> int:
    """Every message kept for a person (an erasure on request); returns how many."""
    count = await recipient_count(recipient)
    await OutboxMessage.delete().where(OutboxMessage.recipient == recipient)
    return count
