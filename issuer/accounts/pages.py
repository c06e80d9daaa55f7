"""Sign-in pages: ``GET/POST /login`` and ``POST /logout`` (session cookie + CSRF)."""
from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from issuer.access import Principal, Role
from issuer.accounts import service as accounts
from issuer.accounts.auth import CSRF_FIELD, SESSION_COOKIE, check_csrf, csrf_token, session_cookie
from issuer.errors import TooManyRequests, Unauthenticated
from issuer.render import i18n
from issuer.web.deps import DEPENDENCIES, Ctx


def _safe_next(value: str | None) -> str:
    # Only local paths: "//evil.example" and "https://…" would be an open redirect.
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


# ``request.user`` is the ``Principal`` the auth middleware put on the scope.
AuthRequest = Request[Principal, Any, Any]


def _page(request: AuthRequest, *, next_url: str, error: str = "", username: str = "", status: int = 200,
          headers: dict[str, str] | None = None, reset_done: bool = False) -> Template:
    return Template(template_name="auth/login.html.j2", status_code=status, headers=headers or {},
                    context={"csrf_token": csrf_token(request), "next": next_url, "error": error,
                             "username": username, "reset_done": reset_done})


HOME_BY_ROLE = {Role.STUDENT: "/student/badges", Role.TEACHER: "/teacher/reviews",
                Role.SCHOOL_ADMIN: "/teacher/reviews", Role.DISTRICT_ADMIN: "/district/schools"}


MAX_USERNAME = 150
MAX_PASSWORD = 1024


class AuthController(Controller):
    tags = ["auth"]
    include_in_schema = False
    dependencies = DEPENDENCIES

    @get("/")
    async def home(self, request: AuthRequest) -> Redirect:
        """Where ``/`` leads: a person's own start page, or the verifier for everyone else."""
        return Redirect(path=HOME_BY_ROLE.get(request.user.role, "/verify"), status_code=303)

    @get("/login")
    async def login_page(self, request: AuthRequest, next: FromQuery[str | None] = None,
                         reset: FromQuery[str | None] = None) -> Template:
        return _page(request, next_url=_safe_next(next), reset_done=reset == "done")

    @post("/login")
    async def login(self, ctx: Ctx, request: AuthRequest) -> Response[Any]:
        form = await request.form()
        username = str(form.get("username", "")).strip()
        password = str(form.get("password", ""))
        next_url = _safe_next(str(form.get("next", "/")))
        # Login CSRF: a forged sign-in would log the victim into the attacker's account.
        token_field = form.get(CSRF_FIELD)
        check_csrf(request, token_field if isinstance(token_field, str) else None)
        ip = request.client.host if request.client else ""
        if len(username) > MAX_USERNAME or len(password) > MAX_PASSWORD:
            # No account has such a name (the column holds 150), and hashing a huge password is work
            # an attacker should not get for free.
            return _page(request, next_url=next_url, status=400, error="Username or password is too long.")
        try:
            token, principal = await accounts.login(ctx, username, password, ip=ip)
        except TooManyRequests as exc:
            return _page(request, next_url=next_url, username=username, status=429,
                         error="Too many failed attempts. Try again in a few minutes.",
                         headers={"Retry-After": str(exc.retry_after)})
        except Unauthenticated:
            return _page(request, next_url=next_url, username=username, status=401,
                         error="Unknown username or wrong password.")
        if principal.id is not None:  # their e-mails will speak the language they sign in with
            await accounts.remember_language(ctx, principal.id, i18n.language_of(request))
        return Redirect(path=next_url, status_code=303, headers={"Set-Cookie": session_cookie(ctx.settings, token)})

    @post("/logout")
    async def logout(self, ctx: Ctx, request: AuthRequest) -> Response[Any]:
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            await accounts.logout(ctx, token)
        return Redirect(path="/login", status_code=303, headers={"Set-Cookie": session_cookie(ctx.settings, None)})


ROUTES = [AuthController]
