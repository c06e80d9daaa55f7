"""The administration of issued credentials, scoped by the caller: list and read them, and
change their status (revoke, suspend, reinstate; administrators only).

Who may see and do what is ``issuer.access``'s answer: a listing is filtered by the caller's
``scope_of`` (a student their own credentials, staff their schools'), a credential outside it is
not found (404), and the status change itself is ``issuer.credentials.status``'s.
"""
from __future__ import annotations

import uuid as uuidlib
from collections.abc import Awaitable, Callable
from typing import Literal

from issuer import access
from issuer.access import Principal, scope_of
from issuer.context import IssuerContext
from issuer.credentials import repo as credentials_repo
from issuer.credentials import status
from issuer.credentials.rows import CredentialSummaryRow, IssuedCredentialRow
from issuer.errors import Forbidden, NotFound

StatusChange = Callable[..., Awaitable[IssuedCredentialRow]]


async def visible_credential(ctx: IssuerContext, principal: Principal,
                             credential_uuid: uuidlib.UUID) -> IssuedCredentialRow:
    """The credential when the caller may see it (a student their own, staff their schools'); 404 otherwise."""
    try:
        scope = await scope_of(principal)
    except Forbidden:
        raise NotFound("no such credential") from None
    row = await credentials_repo.issued_credential(uuid=credential_uuid)
    if row is None or not scope.admits(school_id=row.school, learner_id=row.learner):
        raise NotFound("no such credential")
    return row


async def list_credentials(ctx: IssuerContext, principal: Principal, *, limit: int = 100,
                           offset: int = 0) -> list[CredentialSummaryRow]:
    """The credentials the caller may see (403 for a principal without the ids its role needs)."""
    return await credentials_repo.issued_credentials(await scope_of(principal), limit=limit, offset=offset)


async def change_status(ctx: IssuerContext, principal: Principal, credential_uuid: uuidlib.UUID, *,
                        action: Literal["revoke", "suspend", "reinstate"], reason: str) -> IssuedCredentialRow:
    """Revoke, suspend or reinstate a credential the administrator may see (``issuer.credentials.status``)."""
    access.admin_scope(principal, "change a credential's status")
    row = await visible_credential(ctx, principal, credential_uuid)
    changes: dict[str, StatusChange] = {"revoke": status.revoke, "suspend": status.suspend,
                                        "reinstate": status.reinstate}
    return await changes[action](ctx, row.id, reason=reason, actor_id=principal.id, school_id=row.school)
