"""The student's connected apps: which clients hold a live grant to their backpack, with what
scopes, and disconnecting one (every token the student gave it is revoked at once)."""
from __future__ import annotations

import json
from datetime import datetime

import msgspec

from issuer.access import Principal, Role, require
from issuer.accounts import audit
from issuer.context import IssuerContext
from issuer.errors import NotFound
from issuer.obapi import repo
from issuer.obapi.oauth import access_live, refresh_live


class ConnectedApp(msgspec.Struct, frozen=True, kw_only=True):
    client: int
    name: str
    home: str  # the client_uri it registered
    scopes: tuple[str, ...]
    since: datetime  # its newest grant


async def connected(ctx: IssuerContext, who: Principal) -> list[ConnectedApp]:
    require(who, Role.STUDENT)
    now = ctx.clock.now()
    apps: dict[int, ConnectedApp] = {}
    for row in await repo.grants_of(who.id or 0):  # newest first: the first row of a client is its newest
        if not (access_live(row, now) or refresh_live(row, now)):
            continue
        seen = apps.get(row.client)
        scopes = tuple(sorted({*row.scope.split(), *(seen.scopes if seen else ())}))
        home = str(json.loads(row.client_metadata).get("client_uri") or "")
        apps[row.client] = ConnectedApp(client=row.client, name=row.client_name, home=home, scopes=scopes,
                                        since=seen.since if seen else row.issued_at)
    return list(apps.values())


async def disconnect(ctx: IssuerContext, who: Principal, client: int) -> str:
    """Revoke the app's grants; returns its name (404 if the student never connected it)."""
    require(who, Role.STUDENT)
    found = next((a for a in await connected(ctx, who) if a.client == client), None)
    if found is None:
        raise NotFound("no such connected app")
    await repo.disconnect(who.id or 0, client)
    if who.school_id is not None:
        await audit.record(who, action="api.disconnect", school_id=who.school_id, subject=who.username,
                           at=ctx.clock.now(), client=found.name)
    return found.name


async def grant_count(user_id: int) -> int:
    """How many grants (tokens, live or not) erasing the student would delete."""
    return await repo.count_grants(user_id)


async def forget(user_id: int) -> None:
    """Erasure on request: the student's grants to apps and their API profile are deleted (call
    inside the erasure's transaction)."""
    await repo.forget_user(user_id)
