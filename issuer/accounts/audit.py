"""Audit events of the learning and transcript use cases: awards, reviews, transcripts, share links.

Each use case calls ``record`` inside the transaction of the action it records, so the action
and its event commit (or roll back) together. An event names the school (and its district, which
is what a district admin's ``/admin/audit`` reads by), the subject (a credential, submission,
transcript or job id), the time (``at``, from the use case's ``ctx.clock``), the actor and, where
there is one, the reason. The actor is the user's id (``actor_id``) and, in ``details``, how they
acted (``via``: session, token or cli) and, for a token, which one (a school token acts without a
user).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from issuer.access import Principal
from issuer.accounts import repo as accounts_repo
from issuer.schools import directory as schools


async def record_event(*, action: str, at: datetime, actor_id: int | None, district_id: int | None,
                       school_id: int | None, subject: str = "", details: dict[str, Any] | None = None) -> None:
    """One event whose actor and district the caller already knows (key rotation, a status
    change): written as given, in the caller's transaction."""
    await accounts_repo.audit(action=action, at=at, actor_id=actor_id, district_id=district_id,
                              school_id=school_id, subject=subject, details=details)


def actor_details(actor: Principal | None) -> dict[str, Any]:
    """``via`` and, for a bearer token, the token's name (``Principal.username``)."""
    if actor is None or actor.via in ("", "anonymous"):
        return {"via": "cli"}  # the command line acts without a login
    out: dict[str, Any] = {"via": actor.via}
    if actor.via == "token":
        out["token"] = actor.username
    return out


async def record(actor: Principal | None, *, action: str, school_id: int, subject: str, at: datetime,
                 reason: str = "", district_id: int | None = None, **details: Any) -> None:
    await record_many(actor, [dict(action=action, school_id=school_id, subject=subject, reason=reason, at=at,
                                   district_id=district_id, **details)])


async def record_many(actor: Principal | None, events: list[dict[str, Any]]) -> None:
    """``record`` for several events of one action, in one INSERT (same arguments per event)."""
    rows = []
    for event in events:
        event = dict(event)
        action, school_id, subject = event.pop("action"), event.pop("school_id"), event.pop("subject")
        reason, at, district_id = event.pop("reason", ""), event.pop("at"), event.pop("district_id", None)
        if district_id is None and actor is not None:
            district_id = actor.district_id
        if district_id is None:
            district_id = await schools.school_district(school_id)
        info = {**event, **actor_details(actor)}
        if reason:
            info["reason"] = reason
        rows.append(dict(action=action, at=at, actor_id=actor.id if actor is not None else None,
                         district_id=district_id, school_id=school_id, subject=subject, details=info))
    await accounts_repo.audit_many(rows)
