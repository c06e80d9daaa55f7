"""Audit events of the learning and transcript use cases: awards, reviews, transcripts, share links.

Each use case calls ``record`` inside the transaction of the action it records, so the action
and its event commit (or roll back) together. An event names the school (and its district, which
is what a district admin's ``/admin/audit`` reads by), the subject (a credential, submission,
transcript or job id), the actor and, where there is one, the reason. The actor is the user's id
(``actor_id``) and, in ``details``, how they acted (``via``: session, token or cli) and, for a
token, which one (a school token acts without a user).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from issuer import runtime
from issuer.accounts import repo as accounts_repo
from issuer.schools import repo as schools_repo


def actor_details(actor: Any) -> dict[str, Any]:
    """``via`` and, for a bearer token, the token's name (its id when the principal carries it)."""
    via = getattr(actor, "via", None)
    if actor is None or via in (None, "", "anonymous"):
        return {"via": "cli"}  # the command line acts without a login
    out: dict[str, Any] = {"via": via}
    if via == "token":
        out["token"] = getattr(actor, "token_id", None) or getattr(actor, "username", "")
    return out


async def record(actor: Any, *, action: str, school_id: int, subject: str, reason: str = "",
                 at: datetime | None = None, district_id: int | None = None, **details: Any) -> None:
    await record_many(actor, [dict(action=action, school_id=school_id, subject=subject, reason=reason, at=at,
                                   district_id=district_id, **details)])


async def record_many(actor: Any, events: list[dict[str, Any]]) -> None:
    """``record`` for several events of one action, in one INSERT (same arguments per event)."""
    rows = []
    for event in events:
        event = dict(event)
        action, school_id, subject = event.pop("action"), event.pop("school_id"), event.pop("subject")
        reason, at, district_id = event.pop("reason", ""), event.pop("at", None), event.pop("district_id", None)
        if district_id is None:
            district_id = getattr(actor, "district_id", None) or await schools_repo.school_district(school_id)
        info = {**event, **actor_details(actor)}
        if reason:
            info["reason"] = reason
        rows.append(dict(action=action, at=at or runtime.current().clock.now(), actor_id=getattr(actor, "id", None),
                         district_id=district_id, school_id=school_id, subject=subject, details=info))
    await accounts_repo.audit_many(rows)
