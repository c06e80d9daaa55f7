"""The administration of accounts, scoped by the caller: users (list, create, deactivate and
reactivate), API tokens (create, list, revoke) and the audit log.

Who may do what is ``issuer.access``'s answer (the one authorization model): an administrator
manages the accounts and tokens of what they administer (a school admin their school, a district
admin their district), up to their own rank; a user or token outside it is not found (404).
Account changes are written to the audit log.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from issuer import access
from issuer.access import Principal, Role, parse_role, scope_of
from issuer.accounts import repo as accounts_repo
from issuer.accounts import service as accounts
from issuer.accounts.rows import AuditRow, TokenInfoRow, TokenRow, UserRow
from issuer.context import IssuerContext
from issuer.db.scope import SchoolScope
from issuer.errors import BadRequest, Conflict, NotFound
from issuer.schools.rows import SchoolRow
from issuer.schools.service import school_for_admin

MAX_TOKEN_LIFETIME = timedelta(days=3 * 366)


async def list_users(ctx: IssuerContext, principal: Principal) -> list[UserRow]:
    """The accounts the caller may see (staff: their schools'; a teacher of a school with classes:
    its staff and the students of their classes), and a district's admins for a district admin."""
    scope = await scope_of(principal)
    if isinstance(scope, SchoolScope) and scope.learner_ids is not None:
        learners = scope.learner_ids
        rows = [r for r in await accounts_repo.users(SchoolScope(scope.school_ids))
                if r.role != Role.STUDENT or r.id in learners]
    else:
        rows = await accounts_repo.users(scope)
    if access.sees_district_admins(principal):
        rows = await accounts_repo.district_admins(access.admin_scope(principal, "list users").district_id) + rows
    return rows


async def managed_user(principal: Principal, user_id: int) -> UserRow:
    """A user the admin may manage: their school's (a district admin: the district's)."""
    access.admin_scope(principal, "manage accounts")
    user = await accounts_repo.user_by_id(user_id)
    if user is None:
        raise NotFound("no such user")
    access.check_administered(principal, district_id=user.district, school_id=user.school, what="user")
    return user


async def set_user_active(ctx: IssuerContext, principal: Principal, user_id: int, *, active: bool) -> UserRow:
    """Deactivate (logins refused, sessions ended, tokens revoked) or reactivate a user."""
    user = await managed_user(principal, user_id)
    if not active and user.id == principal.id:
        raise Conflict("you cannot deactivate your own account")
    access.check_manages(principal, user.role)
    return await accounts.set_active(ctx, user, active, actor_id=principal.id)


async def create_user(ctx: IssuerContext, principal: Principal, *, username: str, role: Role,
                      password: str | None, email: str, display_name: str, school_slug: str | None) -> UserRow:
    """An account in a school the caller administers (a district admin: also district admins)."""
    scope = access.admin_scope(principal, "create accounts")
    school_id: int | None = None
    if role == Role.DISTRICT_ADMIN:
        access.check_account_role(principal, role)
    else:
        school_id = (await school_for_admin(principal, school_slug)).id
    user = await accounts.create_user(ctx, district_id=scope.district_id, school_id=school_id, role=role,
                                      username=username, password=password, email=email,
                                      display_name=display_name)
    await accounts_repo.audit(action="user.create", at=ctx.clock.now(), actor_id=principal.id,
                              district_id=scope.district_id, school_id=school_id, subject=username,
                              details={"role": role.value})
    return user


def token_expiry(now: datetime, *, expires_in: int | None, expires_at: datetime | None) -> datetime | None:
    """When a new token ends: ``expires_in`` seconds from now or ``expires_at`` (not both);
    None: until revoked."""
    if expires_in is not None and expires_at is not None:
        raise BadRequest("give expiresIn or expiresAt, not both")
    if expires_in is not None:
        if expires_in <= 0:
            raise BadRequest("expiresIn must be a positive number of seconds")
        if expires_in > MAX_TOKEN_LIFETIME.total_seconds():
            raise BadRequest("expiresIn is longer than three years")
        return now + timedelta(seconds=expires_in)
    if expires_at is not None:
        if expires_at.tzinfo is None:
            raise BadRequest("expiresAt needs a time zone (e.g. 2027-01-01T00:00:00Z)")
        if expires_at <= now:
            raise BadRequest("expiresAt is in the past")
        if expires_at - now > MAX_TOKEN_LIFETIME:
            raise BadRequest("expiresAt is more than three years away")
    return expires_at


async def create_token(ctx: IssuerContext, principal: Principal, *, name: str, role: Role | None,
                       school_slug: str | None, username: str | None = None, expires_in: int | None = None,
                       expires_at: datetime | None = None) -> tuple[str, SchoolRow, TokenRow]:
    """(token, school, the stored token row): a token of ``role`` (never above the caller's)
    in a school the caller administers; a person's role is bound to ``username``."""
    access.admin_scope(principal, "create API tokens")
    school = await school_for_admin(principal, school_slug)
    user = None
    if username:
        user = await accounts_repo.user_by_username(username.strip())
        if user is None or user.school != school.id:
            raise NotFound(f"no user {username!r} in {school.slug}")
    wanted = parse_role(role) if role is not None else (user.role if user else Role.SCHOOL_ADMIN)
    access.check_token_role(principal, wanted)
    now = ctx.clock.now()
    ends = token_expiry(now, expires_in=expires_in, expires_at=expires_at)
    token = await accounts.create_api_token(ctx, school_id=school.id, district_id=school.district, role=wanted,
                                            user_id=user.id if user else None, name=name, expires_at=ends,
                                            created_by=principal.id)
    row = await accounts_repo.token_by_hash(accounts.sha256_hex(token))
    if row is None:
        raise RuntimeError("the token just stored cannot be read back")
    await accounts_repo.audit(action="token.create", at=now, actor_id=principal.id, district_id=school.district,
                              school_id=school.id, subject=name,
                              details={"token": row.id, "role": wanted.value, "user": user.username if user else None,
                                       "expiresAt": ends.isoformat() if ends else None})
    return token, school, row


async def list_tokens(ctx: IssuerContext, principal: Principal) -> list[TokenInfoRow]:
    """The tokens of the admin's school (a district admin: the district's), without hashes."""
    scope = access.admin_scope(principal, "list API tokens")
    return await accounts_repo.tokens(district_id=scope.district_id, school_id=scope.school_id)


async def revoke_token(ctx: IssuerContext, principal: Principal, token_id: int) -> TokenInfoRow:
    """Revoke a token of the admin's school (district); revoking twice keeps the first time."""
    access.admin_scope(principal, "revoke API tokens")
    row = await accounts_repo.token_by_id(token_id)
    if row is None:
        raise NotFound("no such token")
    access.check_administered(principal, district_id=row.district, school_id=row.school, what="token")
    await accounts.revoke_token(ctx, token_id, actor_id=principal.id, district_id=row.district,
                                school_id=row.school, subject=row.name)
    revoked = await accounts_repo.token_by_id(token_id)
    return revoked if revoked is not None else row


async def audit_log(ctx: IssuerContext, principal: Principal, *, limit: int = 100) -> list[AuditRow]:
    """The audit events of the admin's school (a district admin: the district's), newest first."""
    scope = access.admin_scope(principal, "read the audit log")
    if scope.school_id is None:
        return await accounts_repo.audit_events(district_id=scope.district_id, limit=limit)
    return await accounts_repo.audit_events(school_id=scope.school_id, limit=limit)
