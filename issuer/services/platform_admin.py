"""Administrative use cases of the platform half, each scoped by the caller's visibility.

Tenancy is enforced here, in the queries (``accounts.visibility``), not only by route guards:
a teacher's listing is filtered to their school, a student's to their own records, and a
record outside the caller's scope is reported as not found.
"""
from __future__ import annotations

import uuid as uuidlib

from issuer import runtime
from issuer.db import repo_platform as repo
from issuer.services import accounts, identity, keys as key_service, status
from issuer.services.accounts import Principal, Role, visibility
from issuer.services.platform_errors import BadRequest, NotFound, PermissionDenied

ADMINS = (Role.DISTRICT_ADMIN, Role.SCHOOL_ADMIN)


async def school_for_admin(principal: Principal, slug: str | None) -> dict:
    """The school an admin acts on: ``slug`` if they may, else their own school."""
    if slug is None:
        if principal.school_id is None:
            raise BadRequest("name the school (a district admin has no school of their own)")
        school = await repo.school_by_id(principal.school_id)
    else:
        school = await repo.school_by_slug(slug)
    if school is None:
        raise NotFound(f"no school {slug!r}")
    if principal.role == Role.DISTRICT_ADMIN and school["district"] == principal.district_id:
        return school
    if principal.role == Role.SCHOOL_ADMIN and school["id"] == principal.school_id:
        return school
    raise PermissionDenied("not an administrator of this school")


async def visible_credential(principal: Principal, credential_uuid: uuidlib.UUID) -> dict:
    scope = visibility(principal)
    if scope.nothing:
        raise NotFound("no such credential")
    row = await repo.issued_credential(uuid=credential_uuid, school_id=scope.school_id,
                                       learner_id=scope.learner_id)
    if row is None:
        raise NotFound("no such credential")
    if scope.district_id is not None:
        school = await repo.school_by_id(row["school"])
        if school["district"] != scope.district_id:
            raise NotFound("no such credential")
    return row


async def list_credentials(principal: Principal, *, limit: int = 100, offset: int = 0) -> list[dict]:
    scope = visibility(principal)
    if scope.nothing:
        return []
    return await repo.issued_credentials(school_id=scope.school_id, learner_id=scope.learner_id,
                                         district_id=scope.district_id, limit=limit, offset=offset)


async def change_status(principal: Principal, credential_uuid: uuidlib.UUID, *, action: str,
                        reason: str) -> dict:
    if principal.role not in ADMINS:
        raise PermissionDenied("only administrators change a credential's status")
    row = await visible_credential(principal, credential_uuid)
    func = {"revoke": status.revoke, "suspend": status.suspend, "reinstate": status.reinstate}[action]
    return await func(row["id"], reason=reason, actor_id=principal.id, school_id=row["school"])


async def rotate_key(principal: Principal, slug: str) -> dict:
    school = await school_for_admin(principal, slug)
    row = await key_service.rotate(district_id=school["district"], school_id=school["id"], actor_id=principal.id)
    return {**row, "verification_method": f"{identity.school_did_web(school['slug'])}#{row['public_key_multibase']}"}


async def school_keys(principal: Principal, slug: str) -> list[dict]:
    school = await school_for_admin(principal, slug)
    await key_service.active_key_row(district_id=school["district"], school_id=school["id"])
    did = identity.school_did_web(school["slug"])
    return [{**r, "verification_method": f"{did}#{r['public_key_multibase']}"}
            for r in await repo.keys_of(district_id=school["district"], school_id=school["id"])]


async def list_users(principal: Principal) -> list[dict]:
    if principal.role == Role.DISTRICT_ADMIN:
        return await repo.users(district_id=principal.district_id)
    if principal.role in (Role.SCHOOL_ADMIN, Role.TEACHER):
        return await repo.users(school_id=principal.school_id)
    if principal.role == Role.STUDENT and principal.id is not None:
        return await repo.users(user_id=principal.id)
    return []


async def create_user(principal: Principal, *, username: str, role: str, password: str | None,
                      email: str, display_name: str, school_slug: str | None) -> dict:
    if principal.role not in ADMINS:
        raise PermissionDenied("only administrators create accounts")
    if role == Role.DISTRICT_ADMIN:
        if principal.role != Role.DISTRICT_ADMIN:
            raise PermissionDenied("only a district admin creates district admins")
        school_id = None
    else:
        school_id = (await school_for_admin(principal, school_slug))["id"]
    user = await accounts.create_user(district_id=principal.district_id, school_id=school_id, role=role,
                                      username=username, password=password, email=email,
                                      display_name=display_name)
    await repo.audit(action="user.create", at=runtime.current().clock.now(), actor_id=principal.id,
                     district_id=principal.district_id, school_id=school_id, subject=username,
                     details={"role": role})
    return user


async def create_token(principal: Principal, *, name: str, role: str, school_slug: str | None) -> tuple[str, dict]:
    if principal.role not in ADMINS:
        raise PermissionDenied("only administrators create API tokens")
    school = await school_for_admin(principal, school_slug)
    if role == Role.DISTRICT_ADMIN:
        raise PermissionDenied("a token acts within one school")
    token = await accounts.create_api_token(school_id=school["id"], district_id=school["district"], role=role,
                                            name=name)
    await repo.audit(action="token.create", at=runtime.current().clock.now(), actor_id=principal.id,
                     district_id=school["district"], school_id=school["id"], subject=name, details={"role": role})
    return token, school


async def audit_log(principal: Principal, *, limit: int = 100) -> list[dict]:
    if principal.role == Role.DISTRICT_ADMIN:
        return await repo.audit_events(district_id=principal.district_id, limit=limit)
    if principal.role == Role.SCHOOL_ADMIN:
        return await repo.audit_events(school_id=principal.school_id, limit=limit)
    raise PermissionDenied("only administrators read the audit log")
