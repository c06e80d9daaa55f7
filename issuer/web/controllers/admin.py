"""Administration API (JSON, bearer token or session): credentials, keys, users, tokens, audit."""

from __future__ import annotations

import uuid as uuidlib

from litestar.params import JSONBody, FromPath, FromQuery
from litestar import Controller, Request, get, post

from issuer import runtime
from issuer.services import identity, platform_admin
from issuer.web.auth import Role, requires
from issuer.web.dto import problem_responses
from issuer.web.dto_types import JSON_BODY_LIMIT, Limit, Offset
from issuer.web.dto import (
    AuditOut,
    CredentialOut,
    KeyOut,
    MeOut,
    ReasonIn,
    TokenIn,
    TokenOut,
    UserIn,
    UserOut,
)

_ERRORS = problem_responses(400, 401, 403, 404, 409)
ANY_ACCOUNT = (Role.DISTRICT_ADMIN, Role.SCHOOL_ADMIN, Role.TEACHER, Role.STUDENT)
ADMINS = (Role.DISTRICT_ADMIN, Role.SCHOOL_ADMIN)
STAFF = (Role.DISTRICT_ADMIN, Role.SCHOOL_ADMIN, Role.TEACHER)


def _credential_out(row: dict, role: Role | None = None) -> CredentialOut:
    """``role``: the caller's; the revocation reason is internal, so a student sees only that
    their badge was revoked, not why (it is in the school's audit log)."""
    base = runtime.current().settings.base_url
    return CredentialOut(
        uuid=str(row["uuid"]),
        credential_id=row["credential_id"],
        school_id=row["school"],
        learner_id=row["learner"],
        issued_at=row["issued_at"],
        revoked_at=row["revoked_at"],
        revoked_reason=row.get("revoked_reason", "") if role in STAFF else "",
        suspended=row["suspended"],
        url=f"{base}/credentials/{row['uuid']}",
    )


def _user_out(row: dict) -> UserOut:
    return UserOut(
        id=row["id"],
        username=row["username"],
        role=row["role"],
        email=row["email"],
        display_name=row["display_name"],
        school_id=row["school"],
    )


class MeController(Controller):
    tags = ["accounts"]

    @get("/me", guards=[requires(*ANY_ACCOUNT)], responses=_ERRORS, summary="Who the caller is")
    async def me(self, request: Request) -> MeOut:
        p = request.user
        return MeOut(
            role=p.role.value,
            via=p.via,
            id=p.id,
            username=p.username,
            display_name=p.display_name,
            school_id=p.school_id,
            district_id=p.district_id,
        )


class AdminController(Controller):
    path = "/admin"
    tags = ["admin"]
    request_max_body_size = JSON_BODY_LIMIT  # JSON bodies (issuer/web/dto_types.py)

    @get(
        "/credentials",
        guards=[requires(*ANY_ACCOUNT)],
        responses=_ERRORS,
        summary="Issued credentials the caller may see (students: their own)",
    )
    async def credentials(
        self, request: Request, limit: FromQuery[Limit] = 100, offset: FromQuery[Offset] = 0
    ) -> list[CredentialOut]:
        rows = await platform_admin.list_credentials(
            request.user, limit=min(max(limit, 1), 500), offset=max(offset, 0)
        )
        return [_credential_out(r, request.user.role) for r in rows]

    @get("/credentials/{credential_uuid:uuid}", guards=[requires(*ANY_ACCOUNT)], responses=_ERRORS)
    async def credential(self, request: Request, credential_uuid: FromPath[uuidlib.UUID]) -> CredentialOut:
        return _credential_out(await platform_admin.visible_credential(request.user, credential_uuid),
                               request.user.role)

    @post(
        "/credentials/{credential_uuid:uuid}/revoke",
        guards=[requires(*ADMINS)],
        responses=_ERRORS,
        status_code=200,
        summary="Revoke permanently (the status entry reads revoked; the list is re-signed)",
    )
    async def revoke(
        self, request: Request, credential_uuid: FromPath[uuidlib.UUID], data: JSONBody[ReasonIn]
    ) -> CredentialOut:
        return _credential_out(
            await platform_admin.change_status(
                request.user, credential_uuid, action="revoke", reason=data.reason
            ),
            request.user.role,
        )

    @post(
        "/credentials/{credential_uuid:uuid}/suspend",
        guards=[requires(*ADMINS)],
        responses=_ERRORS,
        status_code=200,
        summary="Suspend until reinstated (the status entry reads suspended)",
    )
    async def suspend(
        self, request: Request, credential_uuid: FromPath[uuidlib.UUID], data: JSONBody[ReasonIn]
    ) -> CredentialOut:
        return _credential_out(
            await platform_admin.change_status(
                request.user, credential_uuid, action="suspend", reason=data.reason
            ),
            request.user.role,
        )

    @post(
        "/credentials/{credential_uuid:uuid}/reinstate",
        guards=[requires(*ADMINS)],
        responses=_ERRORS,
        status_code=200,
        summary="Lift a suspension (409 when not suspended or revoked)",
    )
    async def reinstate(
        self, request: Request, credential_uuid: FromPath[uuidlib.UUID], data: JSONBody[ReasonIn]
    ) -> CredentialOut:
        return _credential_out(
            await platform_admin.change_status(
                request.user, credential_uuid, action="reinstate", reason=data.reason
            ),
            request.user.role,
        )

    @get("/schools/{slug:str}/keys", guards=[requires(*ADMINS)], responses=_ERRORS)
    async def keys(self, request: Request, slug: FromPath[str]) -> list[KeyOut]:
        rows = await platform_admin.school_keys(request.user, slug)
        return [
            KeyOut(
                public_key_multibase=r["public_key_multibase"],
                verification_method=r["verification_method"],
                active=r["active"],
                created_at=r["created_at"],
            )
            for r in rows
        ]

    @post(
        "/schools/{slug:str}/keys/rotate",
        guards=[requires(*ADMINS)],
        responses=_ERRORS,
        status_code=201,
        summary="Add a new signing key; old keys stay in the DID document",
    )
    async def rotate(self, request: Request, slug: FromPath[str]) -> KeyOut:
        r = await platform_admin.rotate_key(request.user, slug)
        return KeyOut(
            public_key_multibase=r["public_key_multibase"],
            verification_method=r["verification_method"],
            active=r["active"],
            created_at=r["created_at"],
        )

    @get("/users", guards=[requires(*STAFF)], responses=_ERRORS)
    async def users(self, request: Request) -> list[UserOut]:
        return [_user_out(r) for r in await platform_admin.list_users(request.user)]

    @post("/users", guards=[requires(*ADMINS)], responses=_ERRORS, status_code=201)
    async def create_user(self, request: Request, data: JSONBody[UserIn]) -> UserOut:
        row = await platform_admin.create_user(
            request.user,
            username=data.username,
            role=data.role,
            password=data.password,
            email=data.email,
            display_name=data.display_name,
            school_slug=data.school,
        )
        return _user_out(row)

    @post(
        "/tokens",
        guards=[requires(*ADMINS)],
        responses=_ERRORS,
        status_code=201,
        summary="Create a bearer token for a school (shown once)",
    )
    async def create_token(self, request: Request, data: JSONBody[TokenIn]) -> TokenOut:
        token, school = await platform_admin.create_token(
            request.user, name=data.name, role=data.role, school_slug=data.school
        )
        return TokenOut(
            token=token,
            role=data.role,
            issuer_did=await identity.issuer_did(school["id"]),
            school=school["slug"],
        )

    @get("/audit", guards=[requires(*ADMINS)], responses=_ERRORS)
    async def audit(self, request: Request, limit: FromQuery[Limit] = 100) -> list[AuditOut]:
        rows = await platform_admin.audit_log(request.user, limit=min(max(limit, 1), 500))
        return [
            AuditOut(
                at=r["at"],
                action=r["action"],
                subject=r["subject"],
                actor_id=r["actor"],
                school_id=r["school"],
                details=r["details"] or {},
            )
            for r in rows
        ]


ROUTES = [MeController, AdminController]
