"""Plumbing shared by the learning half's controllers: who, when, where files go, pages."""
from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.datastructures import UploadFile
from litestar.response import Redirect

from issuer import runtime
from issuer.access import STAFF, TEACHERS  # noqa: F401 - re-exported: the guards' role sets (the one model)
from issuer.errors import InvalidInput
from issuer.storage import FileStore


def who(request: Request) -> Any:
    return request.scope.get("user")


def clock():
    return runtime.current().clock


def base_url() -> str:
    return runtime.current().settings.base_url


def store() -> FileStore:
    s = runtime.current().settings
    return FileStore(s.upload_dir, max_bytes=s.max_upload_bytes)


async def form_of(request: Request):
    from litestar.exceptions import HTTPException

    from issuer.errors import FileTooLarge

    try:
        return await request.form()
    except HTTPException as exc:
        if exc.status_code == 413:
            raise FileTooLarge("the request body is too large") from None
        raise InvalidInput(f"malformed form data: {exc.detail}") from None
    except Exception as exc:  # noqa: BLE001 - a malformed multipart body is the client's error
        raise InvalidInput(f"malformed form data: {type(exc).__name__}") from None


async def files_of(form, name: str = "files") -> list[tuple[str | None, bytes]]:
    out = []
    for v in getall(form, name):
        if isinstance(v, UploadFile):
            data = await v.read()
            if data or v.filename:
                out.append((v.filename, data))
    return out


def getall(form, name: str) -> list:
    if hasattr(form, "getall"):
        try:
            return list(form.getall(name))
        except KeyError:
            return []
    value = form.get(name)
    return [] if value is None else value if isinstance(value, list) else [value]


def text_list(form, name: str) -> list[str]:
    out: list[str] = []
    for v in getall(form, name):
        if isinstance(v, str):
            out.extend(line.strip() for line in v.splitlines() if line.strip())
    return out


def wants_html(request: Request) -> bool:
    """Content negotiation for public definitions: JSON unless the client prefers HTML (a browser)."""
    return request.accept.best_match(["application/json", "text/html"], default="application/json") == "text/html"


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    from issuer.render.templating import render_template
    from issuer.accounts.auth import csrf_token

    html = render_template(template, request=request, user=who(request), csrf_token=csrf_token(request),
                           base_url=base_url(), **context)
    return Response(content=html, media_type="text/html; charset=utf-8", status_code=status_code)


def job_runner(request: Request) -> Any:
    """The app's job runner (``create_app`` makes it); an app assembled without it (tests' route
    sets) gets one on first use, so its jobs still run inline."""
    from issuer.jobs import JobRunner

    runner = request.app.state.get("jobs")
    if runner is None:
        rt = runtime.current()
        runner = request.app.state["jobs"] = JobRunner.from_settings(rt.settings, clock=rt.clock)
    return runner


def job_page(request: Request, job: dict, **context: Any) -> Response:
    """A job's progress page (bulk award, cohort transcripts): refreshed by a meta tag, since
    the pages' CSP allows no inline script."""
    from issuer.jobs import waiting_for_worker

    finished = job["status"] in ("done", "failed")
    return page(request, "jobs/progress.html.j2", job=job, finished=finished,
                waiting=not finished and waiting_for_worker(job) and not job_runner(request).inline, **context)


def see_other(url: str) -> Redirect:
    return Redirect(path=url, status_code=303)
