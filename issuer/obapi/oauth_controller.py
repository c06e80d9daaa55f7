"""The REST API's OAuth 2.0 endpoints (``issuer.obapi.oauth``): registration, the authorization
page where a signed-in student allows or denies a client, token and revocation. Answers are
OAuth's own (RFC 6749 §5.2 errors), not problem details: clients written for any OAuth server
read them."""
from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect

from issuer.access import Principal, Role
from issuer.accounts import audit
from issuer.accounts import service as accounts
from issuer.accounts.auth import principal_of
from issuer.obapi.oauth import SCOPES, Answer, FormRequest, JsonBodyRequest, OAuth2Error, OAuthServer
from issuer.web.common import form_of, page
from issuer.web.deps import DEPENDENCIES, Ctx

FORM_ACTION_STATE = "csp_form_action"  # the key verifier.headers reads (the issuer imports no verifier module)
REGISTRATIONS_PER_HOUR = 20
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
AUTHORIZE_FIELDS = ("response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge",
                    "code_challenge_method")


def _send(answer: Answer) -> Response[Any]:
    headers = {k: v for k, v in answer.headers if k.lower() not in ("content-type", "location")}
    if answer.status in (301, 302, 303) and answer.location:
        return Redirect(path=answer.location, status_code=302, headers={**headers, **_NO_STORE})
    body = answer.body if isinstance(answer.body, (str, bytes)) else json.dumps(answer.body)
    return Response(content=body, status_code=answer.status, media_type="application/json",
                    headers={**headers, **_NO_STORE})


def _url(ctx: Ctx, request: Request[Any, Any, Any]) -> str:
    # Authlib checks the transport: the public base URL is what clients reached, not the proxy hop
    return ctx.settings.base_url + request.url.path


async def _form(request: Request[Any, Any, Any]) -> dict[str, str]:
    form = await form_of(request)
    return {k: str(v) for k, v in form.items() if isinstance(v, str)}


def _refused(request: Request[Any, Any, Any], error: OAuth2Error) -> Response[Any]:
    """An authorization request refused: back to the app with the error when its redirect URI is
    known good; otherwise a page, since nothing may be sent to an unknown one (RFC 6749 §4.1.2.1)."""
    if error.redirect_uri:
        status, _body, headers = error()
        return _send(Answer(status, "", list(headers)))
    return page(request, "oauth/error.html.j2", status_code=400, error=error.error,
                description=error.get_error_description() or "")


class OAuthController(Controller):
    path = "/oauth"
    tags = ["OB 3.0 REST API"]
    dependencies = DEPENDENCIES
    request_max_body_size = 64 * 1024

    @post("/register", status_code=201, summary="Dynamic client registration (RFC 7591), open")
    async def register(self, ctx: Ctx, request: Request[Any, Any, Any]) -> Response[Any]:
        # open registration writes a row per request: a few an hour per address is what a real
        # client needs, and the cap keeps a script from filling the table
        wait = await accounts.rate_limited("oauth-register", request.client.host if request.client else "",
                                           ctx.clock.now(), limit=REGISTRATIONS_PER_HOUR, window=timedelta(hours=1))
        if wait is not None:
            return Response(content={"error": "invalid_request", "error_description":
                                     f"too many registrations from this address; try again in {wait} seconds"},
                            status_code=429, headers={**_NO_STORE, "Retry-After": str(wait)})
        try:
            data = json.loads(await request.body())
        except ValueError:
            data = None
        if not isinstance(data, dict):
            return Response(content={"error": "invalid_client_metadata",
                                     "error_description": "the body must be a JSON object of client metadata"},
                            status_code=400, headers=_NO_STORE)
        server = OAuthServer(ctx)
        req = JsonBodyRequest("POST", _url(ctx, request), request.headers, data)
        return _send(await server.answer(lambda: server.create_endpoint_response("client_registration", req)))

    @get("/authorize", include_in_schema=False)
    async def authorize_page(self, ctx: Ctx, request: Request[Any, Any, Any]) -> Response[Any]:
        who = principal_of(request)
        if not who.is_authenticated:
            target = request.url.path + ("?" + request.url.query if request.url.query else "")
            return Redirect(path="/login?next=" + quote(target, safe=""), status_code=303)
        params = {k: v for k, v in request.query_params.items() if isinstance(v, str)}
        server = OAuthServer(ctx)
        req = FormRequest("GET", _url(ctx, request), request.headers, params)
        user = None  # the student, looked up in the worker thread (Authlib's hooks run there)

        def consent() -> Any:
            nonlocal user
            user = server.grantee(who.id or 0) if who.role == Role.STUDENT else None
            try:
                return server.get_consent_grant(request=req, end_user=user)
            except OAuth2Error as error:
                return error

        found = await server.answer(consent)
        if isinstance(found, OAuth2Error):
            return _refused(request, found)
        if user is None:
            return page(request, "oauth/not_student.html.j2", status_code=403, client=found.client.name)
        scopes = [s for s in (found.request.scope or "").split() if s in SCOPES]
        back = urlsplit(found.request.payload.redirect_uri or found.client.get_default_redirect_uri() or "")
        # Allow's answer redirects there, and browsers hold a form's redirects to the page's
        # form-action: the security headers widen it to that one origin (verifier.headers)
        request.state[FORM_ACTION_STATE] = f"https://{(back.hostname or '').lower()}" + (
            f":{back.port}" if back.port else "")
        return page(request, "oauth/consent.html.j2", client=found.client, scopes=scopes,
                    fields={k: params.get(k, "") for k in AUTHORIZE_FIELDS})

    @post("/authorize", include_in_schema=False)
    async def authorize(self, ctx: Ctx, request: Request[Any, Any, Any]) -> Response[Any]:
        who: Principal = principal_of(request)
        if not who.is_authenticated:
            return Redirect(path="/login", status_code=303)
        form = await _form(request)
        params = {k: form[k] for k in AUTHORIZE_FIELDS if k in form}
        allowed = form.get("decision") == "allow"
        server = OAuthServer(ctx)
        req = FormRequest("POST", _url(ctx, request), request.headers, params)

        def decide() -> Any:
            user = server.grantee(who.id or 0) if who.role == Role.STUDENT else None
            try:
                grant = server.get_consent_grant(request=req, end_user=user)
            except OAuth2Error as error:
                return error
            return server.create_authorization_response(request=req, grant_user=user if allowed else None,
                                                        grant=grant)

        answer = await server.answer(decide)
        if isinstance(answer, OAuth2Error):
            return _refused(request, answer)
        if allowed and answer.status == 302 and who.school_id is not None:
            await audit.record(who, action="api.authorize", school_id=who.school_id, subject=who.username,
                               at=ctx.clock.now(), client=params.get("client_id", ""), scope=params.get("scope", ""))
        return _send(answer)

    @post("/token", status_code=200, summary="Token endpoint: authorization code and refresh grants")
    async def token(self, ctx: Ctx, request: Request[Any, Any, Any]) -> Response[Any]:
        server = OAuthServer(ctx)
        req = FormRequest("POST", _url(ctx, request), request.headers, await _form(request))
        return _send(await server.answer(lambda: server.create_token_response(req)))

    @post("/revoke", status_code=200, summary="Token revocation (RFC 7009)")
    async def revoke(self, ctx: Ctx, request: Request[Any, Any, Any]) -> Response[Any]:
        server = OAuthServer(ctx)
        req = FormRequest("POST", _url(ctx, request), request.headers, await _form(request))
        return _send(await server.answer(lambda: server.create_endpoint_response("revocation", req)))


ROUTES = [OAuthController]
