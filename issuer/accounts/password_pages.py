"""Password pages: "Forgot your password?" (``/forgot-password``), the reset link's form
(``/password-reset/<token>``) and a signed-in person's own change (``/account/password``).

Each form re-renders with an error summary and the input kept (never the passwords); the use
cases are ``issuer.accounts.passwords`` (reset) and ``issuer.accounts.service.change_password``
(the one ``POST /me/password`` uses).
"""
from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.params import FromPath

from issuer.access import ACCOUNT_ROLES
from issuer.accounts import passwords
from issuer.accounts import service as accounts
from issuer.accounts.auth import CSRF_FIELD, SESSION_COOKIE, check_csrf, requires
from issuer.errors import BadRequest, Forbidden, InvalidInput, LinkExpired, TooManyRequests, Unauthenticated
from issuer.render.i18n import language_of
from issuer.web.common import form_of, page, see_other, who
from issuer.web.deps import DEPENDENCIES, Ctx

AnyRequest = Request[Any, Any, Any]


def _errors(exc: InvalidInput | BadRequest | Unauthenticated, default_field: str) -> list[dict[str, str]]:
    return [{"field": str(exc.details.get("field") or default_field), "message": exc.message}]


class PasswordPages(Controller):
    include_in_schema = False
    dependencies = DEPENDENCIES

    # --- forgotten password ------------------------------------------------------------------

    @get("/forgot-password")
    async def forgot_form(self, request: AnyRequest) -> Response[Any]:
        return page(request, "auth/forgot.html.j2", identifier="", errors=[], sent=False)

    @post("/forgot-password")
    async def forgot(self, ctx: Ctx, request: AnyRequest) -> Response[Any]:
        form = await form_of(request)
        token_field = form.get(CSRF_FIELD)
        check_csrf(request, token_field if isinstance(token_field, str) else None)
        identifier = str(form.get("identifier") or "").strip()
        try:
            deliver = await passwords.request_reset(ctx, identifier, ip=request.client.host if request.client else "",
                                                    language=language_of(request))
        except InvalidInput as exc:
            return page(request, "auth/forgot.html.j2", status_code=exc.status_code, identifier=identifier[:320],
                        errors=_errors(exc, "identifier"), sent=False)
        except TooManyRequests as exc:
            response = page(request, "auth/forgot.html.j2", status_code=429, identifier=identifier[:320],
                            errors=[{"field": "identifier",
                                     "message": "Too many requests. Try again in a few minutes."}], sent=False)
            response.headers["Retry-After"] = str(exc.details.get("retryAfter", 60))
            return response
        # The same answer whether or not an account matched; the e-mail goes after it.
        response = page(request, "auth/forgot.html.j2", identifier="", errors=[], sent=True)
        response.background = BackgroundTask(deliver)
        return response

    @get("/password-reset/{token:str}")
    async def reset_form(self, ctx: Ctx, request: AnyRequest, token: FromPath[str]) -> Response[Any]:
        try:
            await passwords.check_reset(ctx, token)
        except LinkExpired:
            return page(request, "auth/reset_gone.html.j2", status_code=410)
        return page(request, "auth/reset.html.j2", token=token, errors=[])

    @post("/password-reset/{token:str}")
    async def reset(self, ctx: Ctx, request: AnyRequest, token: FromPath[str]) -> Response[Any]:
        form = await form_of(request)
        token_field = form.get(CSRF_FIELD)
        check_csrf(request, token_field if isinstance(token_field, str) else None)
        try:
            await passwords.reset_password(ctx, token, str(form.get("new_password") or ""),
                                           str(form.get("confirm_password") or ""))
        except LinkExpired:
            return page(request, "auth/reset_gone.html.j2", status_code=410)
        except InvalidInput as exc:
            return page(request, "auth/reset.html.j2", status_code=exc.status_code, token=token,
                        errors=_errors(exc, "new_password"))
        return see_other("/login?reset=done")

    # --- a signed-in person's own password ---------------------------------------------------

    @get("/account/password", guards=[requires(*ACCOUNT_ROLES)])
    async def change_form(self, request: AnyRequest) -> Response[Any]:
        return page(request, "account/password.html.j2", errors=[], changed=False)

    @post("/account/password", guards=[requires(*ACCOUNT_ROLES)])
    async def change(self, ctx: Ctx, request: AnyRequest) -> Response[Any]:
        p = who(request)
        if p.id is None:
            raise Forbidden("this token has no account with a password")
        form = await form_of(request)
        new, confirm = str(form.get("new_password") or ""), str(form.get("confirm_password") or "")
        try:
            passwords.check_new_password(new, confirm)
            await accounts.change_password(ctx, p.id, new, current_password=str(form.get("current_password") or ""),
                                           keep_session=request.cookies.get(SESSION_COOKIE)
                                           if p.via == "session" else None)
        except (InvalidInput, BadRequest) as exc:
            return page(request, "account/password.html.j2", status_code=422, errors=_errors(exc, "new_password"),
                        changed=False)
        except Unauthenticated:
            return page(request, "account/password.html.j2", status_code=422, changed=False,
                        errors=[{"field": "current_password", "message": "Your current password is wrong"}])
        return page(request, "account/password.html.j2", errors=[], changed=True)


ROUTES = [PasswordPages]
