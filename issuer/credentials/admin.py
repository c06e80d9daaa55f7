"""The administration of issued credentials, scoped by the caller: list and read them, the award
history staff filter, and change their status (revoke, suspend, reinstate: the school's staff).

Who may see and do what is ``issuer.access``'s answer: a listing is filtered by the caller's
``scope_of`` (a student their own credentials, staff their schools'), a credential outside it is
not found (404), and the status change itself is ``issuer.credentials.status``'s.
"""
from __future__ import annotations

import uuid as uuidlib
from collections.abc import Awaitable, Callable, Iterable
from typing import Literal

from issuer import access
from issuer.access import STAFF, Principal, scope_of
from issuer.catalog import achievements
from issuer.context import IssuerContext
from issuer.credentials import repo as credentials_repo
from issuer.credentials import status
from issuer.credentials.rows import AwardedBadgeRow, CredentialSummaryRow, IssuedCredentialRow
from issuer.db.scope import SchoolScope
from issuer.errors import Forbidden, InvalidInput, NotFound

StatusChange = Callable[..., Awaitable[IssuedCredentialRow]]
# The states the award history filters on (``AwardedBadgeRow.state``).
BADGE_STATES = ("active", "suspended", "revoked")
HISTORY_LIMIT = 500


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


async def award_history(ctx: IssuerContext, principal: Principal, *, learner: int | None = None,
                        achievement: str | None = None, state: str | None = None,
                        learners: frozenset[int] | None = None) -> list[AwardedBadgeRow]:
    """The badges the school's staff issued, newest first, optionally of one student, one
    achievement (its uuid) or in one state (``BADGE_STATES``). An achievement outside the
    caller's schools is not found; an unknown state is a 400. ``learners``: only these students'
    (a class's), within what the caller may see."""
    access.require(principal, *STAFF)
    if state and state not in BADGE_STATES:
        raise InvalidInput(f"status must be one of {', '.join(BADGE_STATES)}", field="status")
    scope = await scope_of(principal)
    if learners is not None and isinstance(scope, SchoolScope):
        seen = scope.learner_ids
        scope = SchoolScope(scope.school_ids, learner_ids=learners if seen is None else learners & seen)
    achievement_id = None
    if achievement:
        row = await achievements.find(achievement)
        if row is None or not scope.admits(school_id=row.school):
            raise NotFound("no such achievement")
        achievement_id = row.id
    return await credentials_repo.list_credentials(scope, learner_id=learner, achievement_id=achievement_id,
                                                   status=state or None, newest_first=True, limit=HISTORY_LIMIT)


async def award_counts(achievement_ids: Iterable[int]) -> dict[int, int]:
    """How many awards each achievement (version) has; absent: none. What the catalog's editor
    reads to decide whether saving edits in place or makes a new version."""
    return await credentials_repo.award_counts(achievement_ids)


async def awarded_badge(ctx: IssuerContext, principal: Principal, credential_uuid: uuidlib.UUID) -> AwardedBadgeRow:
    """One awarded badge with its internal reasons, for the school's staff (404 outside their schools)."""
    access.require(principal, *STAFF)
    rows = await credentials_repo.list_credentials(await scope_of(principal), credential_uuid=credential_uuid,
                                                   limit=1)
    if not rows:
        raise NotFound("no such badge")
    return rows[0]


async def change_status(ctx: IssuerContext, principal: Principal, credential_uuid: uuidlib.UUID, *,
                        action: Literal["revoke", "suspend", "reinstate"], reason: str) -> IssuedCredentialRow:
    """Revoke, suspend or reinstate a credential of the caller's schools (``issuer.credentials.status``):
    the staff who award badges answer for them (issue 13: a teacher revokes with a reason)."""
    access.require(principal, *STAFF)
    row = await visible_credential(ctx, principal, credential_uuid)
    changes: dict[str, StatusChange] = {"revoke": status.revoke, "suspend": status.suspend,
                                        "reinstate": status.reinstate}
    return await changes[action](ctx, row.id, reason=reason, actor_id=principal.id, school_id=row.school)
