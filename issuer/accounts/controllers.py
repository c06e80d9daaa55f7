"""Accounts API (JSON, bearer token or session): who the caller is, their password, and the
administration of users, API tokens and the audit log; and the API tokens page
(``/admin/api-tokens``: the list, with a CSRF-protected revoke button).

Each handler is one call of ``issuer.accounts.service``/``issuer.accounts.admin`` with the app's
context (``ctx``) and the caller (``request.user``)."""
from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Redirect

from issuer.access import ACCOUNT_ROLES, ADMINS, STAFF, Principal, Role
from issuer.accounts import admin
from issuer.accounts import service as accounts
from issuer.accounts.auth import SESSION_COOKIE, requires
from issuer.accounts.schemas import AuditOut, MeOut, PasswordIn, TokenIn, TokenInfoOut, TokenOut, UserIn, UserOut
from issuer.errors import BadRequest, Forbidden, NotFound
from issuer.schools import identity
from issuer.web.deps import DEPENDENCIES, Ctx
from issuer.web.dto import problem_responses
from issuer.web.dto_types import JSON_BODY_LIMIT, Limit

_ERRORS = problem_responses(400, 401, 403, 404, 409)
# How long a token made from the page works, in days (0: until revoked).
TOKEN_LIFETIMES = {"30": 30, "90": 90, "365": 365, "0": 0}

# ``request.user`` is the ``Principal`` the auth middleware put on the scope.
AuthRequest = Request[Principal, Any, Any]


class MeController(Controller):
    tags = ["accounts"]
    dependencies = DEPENDENCIES

    @get("/me", guards=[requires(*ACCOUNT_ROLES)], responses=_ERRORS, summary="Who the caller is")
    async def me(self, request: AuthRequest) -> MeOut:
        return MeOut.of(request.user)

    @post("/me/password", guards=[requires(*ACCOUNT_ROLES)], responses=_ERRORS, status_code=204,
          summary="Change one's password (every other session ends)")
    async def change_password(self, ctx: Ctx, request: AuthRequest, data: JSONBody[PasswordIn]) -> None:
        p = request.user
        if p.id is None:
            raise Forbidden("this token has no account with a password")
        await accounts.change_password(ctx, p.id, data.new_password, current_password=data.current_password,
                                       keep_session=request.cookies.get(SESSION_COOKIE) if p.via == "session" else None)


class AdminController(Controller):
    path = "/admin"
    tags = ["admin"]
    dependencies = DEPENDENCIES
    request_max_body_size = JSON_BODY_LIMIT  # JSON bodies (issuer/web/dto_types.py)

    @get("/users", guards=[requires(*STAFF)], responses=_ERRORS)
    async def users(self, ctx: Ctx, request: AuthRequest) -> list[UserOut]:
        return [UserOut.of(r) for r in await admin.list_users(ctx, request.user)]

    @post("/users", guards=[requires(*ADMINS)], responses=_ERRORS, status_code=201)
    async def create_user(self, ctx: Ctx, request: AuthRequest, data: JSONBody[UserIn]) -> UserOut:
        return UserOut.of(await admin.create_user(
            ctx, request.user, username=data.username, role=Role(data.role), password=data.password,
            email=data.email, display_name=data.display_name, school_slug=data.school))

    @post("/users/{user_id:int}/deactivate", guards=[requires(*ADMINS)], responses=_ERRORS, status_code=200,
          summary="Deactivate an account: no login, its sessions end, its tokens are revoked")
    async def deactivate_user(self, ctx: Ctx, request: AuthRequest, user_id: FromPath[int]) -> UserOut:
        return UserOut.of(await admin.set_user_active(ctx, request.user, user_id, active=False))

    @post("/users/{user_id:int}/activate", guards=[requires(*ADMINS)], responses=_ERRORS, status_code=200)
    async def activate_user(self, ctx: Ctx, request: AuthRequest, user_id: FromPath[int]) -> UserOut:
        return UserOut.of(await admin.set_user_active(ctx, request.user, user_id, active=True))

    @post(
        "/tokens",
        guards=[requires(*ADMINS)],
        responses=_ERRORS,
        status_code=201,
        summary="Create a bearer token for a school (shown once)",
    )
    async def create_token(self, ctx: Ctx, request: AuthRequest, data: JSONBody[TokenIn]) -> TokenOut:
        token, school, row = await admin.create_token(
            ctx, request.user, name=data.name, role=Role(data.role) if data.role is not None else None,
            school_slug=data.school, username=data.user, expires_in=data.expires_in, expires_at=data.expires_at)
        return TokenOut(token=token, role=row.role, issuer_did=await identity.issuer_did(ctx, school.id),
                        school=school.slug, id=row.id, user=data.user.strip() if data.user else None,
                        expires_at=row.expires_at)

    @get("/tokens", guards=[requires(*ADMINS)], responses=_ERRORS, summary="API tokens (never the secrets)")
    async def tokens(self, ctx: Ctx, request: AuthRequest) -> list[TokenInfoOut]:
        return [TokenInfoOut.of(r) for r in await admin.list_tokens(ctx, request.user)]

    @delete("/tokens/{token_id:int}", guards=[requires(*ADMINS)], responses=_ERRORS, status_code=200,
            summary="Revoke a token (it stops working at once)")
    async def revoke_token(self, ctx: Ctx, request: AuthRequest, token_id: FromPath[int]) -> TokenInfoOut:
        return TokenInfoOut.of(await admin.revoke_token(ctx, request.user, token_id))

    @get("/audit", guards=[requires(*ADMINS)], responses=_ERRORS)
    async def audit(self, ctx: Ctx, request: AuthRequest, limit: FromQuery[Limit] = 100) -> list[AuditOut]:
        rows = await admin.audit_log(ctx, request.user, limit=min(max(limit, 1), 500))
        return [AuditOut.of(r) for r in rows]


class AdminPages(Controller):
    """The API tokens page: a list with a revoke button per live token (CSRF: the form's
    ``csrf_token``, checked by the auth middleware for every session POST)."""
    path = "/admin/api-tokens"
    include_in_schema = False
    guards = [requires(*ADMINS)]
    dependencies = DEPENDENCIES

    async def _page(self, ctx: Ctx, request: AuthRequest, *, status_code: int = 200, revoked: int | None = None,
                    errors: list[dict[str, str]] | None = None, kept: dict[str, str] | None = None,
                    made: dict[str, Any] | None = None) -> Response[Any]:
        from issuer.schools.profile import administered_schools
        from issuer.web.common import page

        rows = await admin.list_tokens(ctx, request.user)
        return page(request, "admin/tokens.html.j2", status_code=status_code, tokens=rows, now=ctx.clock.now(),
                    revoked=revoked, errors=errors or [], kept=kept or {}, made=made,
                    schools=await administered_schools(request.user), lifetimes=TOKEN_LIFETIMES)

    @get("/")
    async def tokens_page(self, ctx: Ctx, request: AuthRequest, revoked: FromQuery[int | None] = None) -> Response[Any]:
        return await self._page(ctx, request, revoked=revoked)

    @post("/", status_code=201)
    async def create_from_page(self, ctx: Ctx, request: AuthRequest) -> Response[Any]:
        """A school token made from the page: shown once, on the page that answers this POST."""
        from issuer.web.common import form_of

        form = await form_of(request)
        kept = {k: str(form.get(k) or "") for k in ("name", "role", "school", "lifetime", "user")}
        errors = []
        if not kept["name"].strip() or len(kept["name"]) > 100:
            errors.append({"field": "token-name", "message": "Name the token (up to 100 characters), "
                                                             "after the program that will use it."})
        if kept["role"] not in {Role.SCHOOL_ADMIN.value, Role.TEACHER.value}:
            errors.append({"field": "token-role", "message": "Choose what the token may do."})
        if kept["role"] == Role.TEACHER.value and not kept["user"].strip():
            errors.append({"field": "token-user", "message": "A teacher's token acts for one teacher: "
                                                             "enter their username."})
        if kept["lifetime"] not in TOKEN_LIFETIMES:
            errors.append({"field": "token-lifetime", "message": "Choose how long the token works."})
        if errors:
            return await self._page(ctx, request, status_code=422, errors=errors, kept=kept)
        days = TOKEN_LIFETIMES[kept["lifetime"]]
        try:
            token, school, row = await admin.create_token(
                ctx, request.user, name=kept["name"].strip(), role=Role(kept["role"]),
                school_slug=kept["school"] or None, expires_in=days * 86400 if days else None,
                username=kept["user"].strip() if kept["role"] == Role.TEACHER.value else None)
        except NotFound:
            return await self._page(ctx, request, status_code=422, kept=kept, errors=[
                {"field": "token-user", "message": "There is no account with that username at this school."}])
        except (Forbidden, BadRequest) as exc:
            return await self._page(ctx, request, status_code=exc.status_code, kept=kept,
                                    errors=[{"field": "token-role", "message": exc.message}])
        return await self._page(ctx, request, status_code=201, made={"token": token, "row": row, "school": school})

    @post("/{token_id:int}/revoke", status_code=303)
    async def revoke_from_page(self, ctx: Ctx, request: AuthRequest, token_id: FromPath[int]) -> Redirect:
        await admin.revoke_token(ctx, request.user, token_id)
        return Redirect(path=f"/admin/api-tokens?revoked={token_id}", status_code=303)


ROUTES = [MeController, AdminController, AdminPages]
