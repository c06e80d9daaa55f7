"""Plumbing shared by the HTML pages and the multipart handlers: who asks, this app's context,
form fields and files, rendering a page.

Handlers that need the context declare ``ctx: Ctx`` (``issuer.web.deps``); the helpers here that
have only the request (``page``, ``job_page``) read the same context from the app's state.
"""
from __future__ import annotations

from typing import Any, cast

import msgspec
from litestar import Request, Response
from litestar.datastructures import FormMultiDict, UploadFile
from litestar.exceptions import HTTPException
from litestar.response import Redirect

from issuer.access import Principal
from issuer.context import IssuerContext
from issuer.errors import FileTooLarge, InvalidInput
from issuer.jobs import JobRunner
from issuer.web.deps import STATE_KEY


def who(request: Request[Any, Any, Any]) -> Principal:
    """The caller (``AuthMiddleware`` puts a ``Principal`` on every request)."""
    return cast(Principal, request.scope.get("user"))


def ctx_of(request: Request[Any, Any, Any]) -> IssuerContext:
    """The context of the app serving ``request`` (the one ``create_app`` put on its state)."""
    ctx: IssuerContext = request.app.state[STATE_KEY]
    return ctx


async def form_of(request: Request[Any, Any, Any]) -> FormMultiDict:
    try:
        return await request.form()
    except HTTPException as exc:
        if exc.status_code == 413:
            raise FileTooLarge("the request body is too large") from None
        raise InvalidInput(f"malformed form data: {exc.detail}") from None
    except Exception as exc:  # noqa: BLE001 - a malformed multipart body is the client's error
        raise InvalidInput(f"malformed form data: {type(exc).__name__}") from None


async def files_of(form: Any, name: str = "files") -> list[tuple[str | None, bytes]]:
    out: list[tuple[str | None, bytes]] = []
    for v in getall(form, name):
        if isinstance(v, UploadFile):
            try:
                data = await v.read()
            finally:
                await v.close()  # a large upload is spooled to a temporary file: let it go now
            if data or v.filename:
                out.append((v.filename, data))
    return out


def getall(form: Any, name: str) -> list[Any]:
    """Every value of field ``name`` (a form's multi-dict, or a plain dict of JSON)."""
    if hasattr(form, "getall"):
        try:
            return list(form.getall(name))
        except KeyError:
            return []
    value = form.get(name)
    return [] if value is None else value if isinstance(value, list) else [value]


def text_list(form: Any, name: str) -> list[str]:
    out: list[str] = []
    for v in getall(form, name):
        if isinstance(v, str):
            out.extend(line.strip() for line in v.splitlines() if line.strip())
    return out


def wants_html(request: Request[Any, Any, Any]) -> bool:
    """Content negotiation for public definitions: JSON unless the client prefers HTML (a browser)."""
    return request.accept.best_match(["application/json", "text/html"], default="application/json") == "text/html"


def negotiated(request: Request[Any, Any, Any], data: msgspec.Struct, template: str) -> Response[Any]:
    """A public document behind a badge's URL: a page for a browser, else ``data`` as JSON."""
    if wants_html(request):
        return page(request, template, data=data)
    return Response(content=data, media_type="application/json", headers={"Vary": "Accept"})


def page(request: Request[Any, Any, Any], template: str, status_code: int = 200, **context: Any) -> Response[str]:
    from issuer.accounts.auth import csrf_token
    from issuer.render.templating import render_template

    html = render_template(template, request=request, user=who(request), csrf_token=csrf_token(request),
                           base_url=ctx_of(request).settings.base_url, **context)
    return Response(content=html, media_type="text/html; charset=utf-8", status_code=status_code)


def job_runner(request: Request[Any, Any, Any]) -> JobRunner:
    """The app's job runner (its context's)."""
    return ctx_of(request).jobs


def job_page(request: Request[Any, Any, Any], job: Any, **context: Any) -> Response[str]:
    """A job's progress page (bulk award, cohort transcripts): refreshed by a meta tag, since
    the pages' CSP allows no inline script."""
    from issuer.jobs import waiting_for_worker

    finished = job.status in ("done", "failed")
    return page(request, "jobs/progress.html.j2", job=job, finished=finished,
                waiting=not finished and waiting_for_worker(job) and not job_runner(request).inline, **context)


def see_other(url: str) -> Redirect:
    return Redirect(path=url, status_code=303)
