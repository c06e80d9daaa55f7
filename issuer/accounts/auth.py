"""Who is asking: bearer tokens (API) and session cookies (pages), CSRF, role guards.

``AuthMiddleware`` puts a ``Principal`` on every request (``request.user``; ``ANONYMOUS`` with
role ``public`` when nothing is presented, so public pages need no special casing).

* ``Authorization: Bearer bdg_…`` → the token's principal. No CSRF check: a bearer token is
  never sent by a browser on its own.
* Cookie ``badges_session`` (HttpOnly, SameSite=Lax, Secure on https) → the session's user.
* CSRF (tokens bound by HMAC to a cookie): every unsafe request authenticated by the session
  cookie must present ``X-CSRF-Token`` or a ``csrf_token`` form field equal to
  ``csrf_token(request)`` (403 otherwise). A ``badges_csrf`` cookie is set on the first response
  so that anonymous forms (login, mentor links) can be protected too: their handlers call
  ``check_csrf(request, form_value)``. Templates get the value from ``csrf_token(request)``.

Guards: ``requires(Role.SCHOOL_ADMIN, …)`` → 401 for anonymous callers, 403 for other roles
(``issuer.access.admit``). Guards only gate the endpoint; what a principal may *see* and do is
decided by the use cases through ``issuer.access`` (the one authorization model): listings
take an explicit ``issuer.db.scope`` value from ``issuer.access.scope_of``.

Client addresses: forwarded headers (``X-Forwarded-For``) are honoured only from the proxies
listed in ``BADGES_TRUSTED_PROXIES`` (``issuer.app`` wraps the app in uvicorn's
``ProxyHeadersMiddleware`` for them; ``badges serve`` turns uvicorn's own handling off).
"""
from __future__ import annotations

import secrets
from collections.abc import Callable
from http.cookies import SimpleCookie
from typing import Any

from litestar.connection import ASGIConnection, Request
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.handlers import BaseRouteHandler
from litestar.types import ASGIApp, Message, Middleware, Receive, Scope, Send

from issuer.access import ANONYMOUS, Principal, Role, RoleName, admit, require_login
from issuer.accounts import repo as accounts_repo
from issuer.accounts import service as accounts
from issuer.context import IssuerContext
from issuer.errors import Forbidden, Unauthenticated
from issuer.settings import Settings
from issuer.web.deps import STATE_KEY

__all__ = ["ANONYMOUS", "AuthMiddleware", "CSRF_COOKIE", "CSRF_FIELD", "CSRF_HEADER", "Principal", "Role",
           "SESSION_COOKIE", "check_csrf", "csrf_token", "middleware", "principal_of", "require_login", "requires",
           "session_cookie"]

SESSION_COOKIE = "badges_session"
CSRF_COOKIE = "badges_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_STATE_KEY = "badges_auth"

Connection = ASGIConnection[Any, Any, Any, Any]


def _cookies(scope: Scope) -> dict[str, str]:
    jar = SimpleCookie()
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # noqa: BLE001 - a malformed cookie header is just ignored
                continue
    return {k: m.value for k, m in jar.items()}


# Endpoints whose Authorization header carries another protocol's token, checked by the endpoint
# itself (OpenID4VCI's access token at its credential endpoint; the OB 3.0 REST API's OAuth client
# authentication and access tokens), not one of our API tokens.
OWN_AUTHORIZATION = ("/oid4vci/", "/oauth/", "/ims/ob/v3p0/")


def _bearer(scope: Scope) -> str | None:
    if str(scope.get("path", "")).startswith(OWN_AUTHORIZATION):
        return None
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
            return ""  # present but not a bearer token: treated as a bad credential
    return None


def _ctx(scope: Scope) -> IssuerContext:
    """The context of the app serving this request (``create_app`` puts it on ``app.state``)."""
    ctx: IssuerContext = scope["app"].state[STATE_KEY]
    return ctx


def cookie_header(name: str, value: str, *, max_age: int | None, secure: bool, http_only: bool = True) -> str:
    parts = [f"{name}={value}", "Path=/", "SameSite=Lax"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    if http_only:
        parts.append("HttpOnly")
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


def session_cookie(settings: Settings, token: str | None) -> str:
    """The Set-Cookie value that starts (token) or ends (None) a session."""
    if token is None:
        return cookie_header(SESSION_COOKIE, "", max_age=0, secure=settings.secure_cookies)
    return cookie_header(SESSION_COOKIE, token, max_age=settings.session_max_age, secure=settings.secure_cookies)


def _state(connection: Connection | Scope) -> dict[str, str]:
    """This request's authentication facts (the CSRF binding, the session), kept in its scope."""
    scope = connection.scope if isinstance(connection, ASGIConnection) else connection
    state: dict[str, str] = scope.setdefault("state", {}).setdefault(_STATE_KEY, {})
    return state


def csrf_token(connection: Connection) -> str:
    """The token forms and fetch() calls must send back (``csrf_token`` field / X-CSRF-Token)."""
    binding = _state(connection).get("csrf_binding", "")
    return accounts.csrf_token(_ctx(connection.scope).keys.secret_key, binding)


async def _presented_csrf(scope: Scope, receive: Receive) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"x-csrf-token":
            return value.decode("latin-1")
    request: Request[Any, Any, Any] = Request(scope, receive)
    content_type = request.content_type[0]
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.form()
        field = form.get(CSRF_FIELD)
        return field if isinstance(field, str) else None
    return None


async def principal_for_token(ctx: IssuerContext, token: str) -> Principal | None:
    """``accounts.principal_for_token`` in one query instead of two (token, then its user):
    the same answer for every token (tests/issuer/test_perf_auth.py)."""
    found = await accounts_repo.token_with_user(accounts.sha256_hex(token))
    if found is None:
        return None
    row, user = found
    return accounts.token_principal(row, user, ctx.clock.now())


class AuthMiddleware:
    """ASGI middleware: authenticate, enforce CSRF, hand out the pre-session CSRF cookie."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            scope["user"] = ANONYMOUS
            await self.app(scope, receive, send)
            return
        ctx = _ctx(scope)
        state = _state(scope)
        cookies = _cookies(scope)
        bearer = _bearer(scope)
        principal: Principal = ANONYMOUS
        if bearer is not None:
            by_token = (await principal_for_token(ctx, bearer)) if bearer else None
            if by_token is None:
                raise Unauthenticated("the bearer token is not valid")
            principal = by_token
        else:
            session = cookies.get(SESSION_COOKIE)
            if session:
                principal = await accounts.principal_for_session(ctx, session) or ANONYMOUS
                if principal.via == "session":
                    state["csrf_binding"] = session
                    state["session"] = session
        new_cookie = None
        if "csrf_binding" not in state:
            pre = cookies.get(CSRF_COOKIE)
            if not pre or len(pre) < 20:
                pre = new_cookie = secrets.token_urlsafe(24)
            state["csrf_binding"] = pre
        scope["user"] = principal
        scope["auth"] = principal.via
        # Only a session is ambient authority a forged cross-site request could borrow; an
        # anonymous form (login) checks its token itself with ``check_csrf``.
        if principal.via == "session" and scope.get("method") not in SAFE_METHODS:
            presented = await _presented_csrf(scope, receive)
            if not accounts.csrf_ok(ctx.keys.secret_key, state["csrf_binding"], presented):
                raise Forbidden("missing or wrong CSRF token", problem="csrf")

        if new_cookie is None:
            await self.app(scope, receive, send)
            return

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                headers.add("set-cookie", cookie_header(CSRF_COOKIE, new_cookie, max_age=None,
                                                        secure=ctx.settings.secure_cookies))
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def middleware(settings: Settings) -> list[Middleware]:
    """The app's authentication stack: the configured proxies' forwarded headers first (and
    only theirs: a client's own ``X-Forwarded-For`` must not pick its address), then auth."""
    stack: list[Middleware] = []
    if settings.trusted_proxies:
        from litestar.middleware import DefineMiddleware
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        # uvicorn types its middleware with its own ASGI types, which Litestar's do not name
        stack.append(DefineMiddleware(ProxyHeadersMiddleware,  # type: ignore[arg-type]
                                      trusted_hosts=list(settings.trusted_proxies)))
    return [*stack, AuthMiddleware]


def check_csrf(connection: Connection, presented: str | None) -> None:
    """For anonymous forms (login, mentor links): the token must match the CSRF cookie."""
    binding = _state(connection).get("csrf_binding", "")
    if CSRF_COOKIE not in connection.cookies or not accounts.csrf_ok(_ctx(connection.scope).keys.secret_key,
                                                                     binding, presented):
        raise Forbidden("missing or wrong CSRF token: reload the page and try again", problem="csrf")


def requires(*roles: Role | RoleName) -> Callable[[Connection, BaseRouteHandler], None]:
    """A Litestar guard admitting only ``roles``: ``issuer.access.admit`` (401 for anonymous
    callers, 403 for other roles)."""
    allowed = frozenset(Role(r) for r in roles)

    def guard(connection: Connection, _: BaseRouteHandler) -> None:
        admit(principal_of(connection), allowed)

    guard.__name__ = "requires_" + "_".join(sorted(allowed))
    return guard


def principal_of(connection: Connection) -> Principal:
    principal: Principal = connection.scope.get("user", ANONYMOUS)
    return principal
