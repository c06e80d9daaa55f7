"""The composition root: ``create_app(settings=None) -> Litestar``.

Reads configuration only here (``issuer.settings.load()`` when no settings are given), builds the
``IssuerContext`` (settings, clock, keys, caches, jobs, the verifier's entry point; ``issuer.context``)
once and puts it on ``app.state`` (handlers get it as ``ctx``, ``issuer.web.deps``), binds every
table to one engine, mounts every domain's routes and the verifier, the templates, ``/static``,
the error map and the auth middleware.
OpenAPI is at ``/schema``.

The mounted verifier (``IssuerVerifierService``) reads what this service serves itself — its
did:web DID documents, status lists, hosted badges and transcripts — from the database
(``issuer.credentials.local_documents``) instead of over HTTP: an ``http://127.0.0.1`` deployment's
did:web cannot be fetched at all, and the database is the authoritative, uncached answer. The
district's schools are its registered issuers ("District school").
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import anyio.from_thread
import httpx
from litestar import Litestar, Request, Response, Router
from litestar.config.response_cache import ResponseCacheConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig

from badges.errors import ResolutionError
from badges.signing import DocumentResolver
from badges.trust import TrustRegistry
from issuer.accounts import auth as web_auth
from issuer.accounts import controllers as admin
from issuer.accounts import pages as auth_controllers
from issuer.accounts import password_pages
from issuer.clock import Clock
from issuer.context import IssuerContext, build_context
from issuer.credentials import admin_controller as credential_admin
from issuer.credentials import controllers as credentials
from issuer.credentials import local_documents
from issuer.credentials import status_controller as status
from issuer.credentials import vcapi_controller as vcapi
from issuer.db.engine import configure as configure_db
from issuer.mail import pages as mail_pages
from issuer.mail.mailer import Mailer
from issuer.obapi import controllers as ob_api
from issuer.obapi import oauth_controller as ob_oauth
from issuer.obapi import pages as ob_pages
from issuer.render import i18n
from issuer.render.templating import APP_ENVIRONMENT, TEMPLATES_DIR, app_environment
from issuer.schools import admin_controller as key_admin
from issuer.schools import controllers as issuers
from issuer.schools import did_controller as did
from issuer.schools import trust as school_trust
from issuer.settings import Settings, SettingsError
from issuer.settings import load as load_settings
from issuer.web import assets, deps, navigation
from issuer.web.errors import EXCEPTION_HANDLERS, exception_handler

# The one issuer module that imports the verifier (the composition root; see CONTRACTS.md).
from verifier import web as verifier_web
from verifier.config import TEMPLATES_DIR as VERIFIER_TEMPLATES_DIR
from verifier.config import VerifierConfig, load_trust_file
from verifier.headers import security_headers
from verifier.problems import problem_handler
from verifier.server import uvicorn_options
from verifier.service import UnreachableInputUrl, Verification, VerifierService

# URL paths whose next segment is a bearer secret (a transcript share link, a mentor's link):
# the access log shows them as [redacted].
SECRET_PATHS = ("/share/", "/mentor/", "/portfolio/", "/password-reset/")


def server_options() -> dict[str, Any]:
    """``uvicorn.run`` keyword arguments for this app: a capped request head (431 past
    ``verifier.server.MAX_HEAD_BYTES``) and an access log without share or mentor tokens."""
    # proxy_headers=False: uvicorn would otherwise take X-Forwarded-For from any 127.0.0.1 peer
    # (its forwarded_allow_ips default); the app honours only BADGES_TRUSTED_PROXIES (issuer.accounts.auth).
    return {**uvicorn_options(secret_paths=SECRET_PATHS), "proxy_headers": False}

PLATFORM_ROUTES: list[Any] = [
    *auth_controllers.ROUTES, *issuers.ROUTES, *did.ROUTES, *status.ROUTES,
    *vcapi.ROUTES, *credentials.ROUTES, *admin.ROUTES, *credential_admin.ROUTES, *key_admin.ROUTES,
    *password_pages.ROUTES, *mail_pages.ROUTES,  # (notify) password reset and change; the outbox
    *ob_api.ROUTES, *ob_oauth.ROUTES, *ob_pages.ROUTES,  # issue 14: the OB 3.0 REST API and its OAuth
]

# The catalog, evidence and award routes (issuer.web.routes): one list, mounted as a whole.
# Transcripts (transcript-integration): generate, JSON/PDF/HTML, share links, cohort jobs.
# The student's own record (issue 12): portfolio, its share links, My data.
# The administrator's pages (issue 13): school profile, keys, people, audit log, frameworks.
from issuer.accounts.admin_pages import ROUTES as ACCOUNT_ADMIN_PAGES  # noqa: E402
from issuer.accounts.class_pages import ROUTES as CLASS_PAGES  # noqa: E402
from issuer.catalog.admin_pages import ROUTES as ACHIEVEMENT_ADMIN_PAGES  # noqa: E402
from issuer.catalog.framework_pages import ROUTES as FRAMEWORK_PAGES  # noqa: E402
from issuer.portfolio.pages import PORTFOLIO_ROUTES  # noqa: E402
from issuer.schools.admin_pages import ROUTES as SCHOOL_ADMIN_PAGES  # noqa: E402
from issuer.transcripts.controllers import TRANSCRIPT_ROUTES  # noqa: E402
from issuer.web.routes import LEARNING_ROUTES  # noqa: E402

ADMIN_PAGES: list[Any] = [*SCHOOL_ADMIN_PAGES, *ACCOUNT_ADMIN_PAGES, *FRAMEWORK_PAGES, *CLASS_PAGES,
                          *ACHIEVEMENT_ADMIN_PAGES]


def _route_handlers() -> list[Any]:
    handlers = [*PLATFORM_ROUTES, *LEARNING_ROUTES, *TRANSCRIPT_ROUTES, *PORTFOLIO_ROUTES, *ADMIN_PAGES,
                _verifier_router()]
    # the mounted verifier's pages link its own static files (verify.css, verify.js)
    handlers.append(create_static_files_router(path="/static", directories=[TEMPLATES_DIR / "static",
                                                                            VERIFIER_TEMPLATES_DIR / "static"],
                                               include_in_schema=False))
    handlers.extend(assets.ROUTES)  # /favicon.ico and the API docs' Swagger UI files
    return handlers


# ---- the mounted verifier ---------------------------------------------------------------------

def _verifier_errors(request: Request, exc: Exception) -> Response:
    # The issuer's middleware (sessions, CSRF) raises its own errors on the verifier's routes too:
    # those keep the issuer's answers (403, 401/redirect to login), the rest the verifier's.
    if hasattr(exc, "status_code") and callable(getattr(exc, "to_problem", None)):
        return exception_handler(request, exc)
    return problem_handler(request, exc)


def _verifier_service(state: State) -> VerifierService:
    return state["verifier_service"]


def _verifier_router() -> Router:
    """``verifier.web``'s handlers, with their service taken from ``app.state["verifier_service"]``."""
    return Router(path="/", route_handlers=verifier_web.route_handlers(),
                  dependencies={"verifier_service": Provide(_verifier_service, sync_to_thread=False)},
                  exception_handlers={Exception: _verifier_errors})




@dataclass(frozen=True)
class VerifierOptions:
    """The mounted verifier's settings: ``documents_dir`` (the offline bundle of ``badges verify
    --documents``), ``trust_file`` (more trusted issuers besides our schools) and
    ``allow_private_networks`` (tests, a closed intranet), from the issuer's ``Settings``."""

    documents_dir: Path | None = None
    trust_file: Path | None = None
    allow_private_networks: bool = False
    transport: httpx.BaseTransport | None = None  # tests: the web the verifier's links reach
    resolve_host: Callable[[str, int], list[str]] | None = None  # tests: that web's DNS

    @classmethod
    def from_settings(cls, settings: Settings) -> VerifierOptions:
        return cls(documents_dir=settings.verifier_documents_dir, trust_file=settings.verifier_trust_file,
                   allow_private_networks=settings.verifier_allow_private_networks)


def _on_loop(fn, *args):
    """Run an async lookup from the verifier's worker thread on the app's event loop."""
    try:
        return anyio.from_thread.run(fn, *args)
    except RuntimeError as exc:  # not called from an anyio worker thread
        raise ResolutionError(f"local documents unavailable here ({exc})") from None


class _LocalKeys:
    """Our own did:web documents come from the database, and for our own DIDs that answer is
    final: a key they do not list is not ours (no fallback to the ``#z6Mk…`` fragment, which
    exists for documents that cannot be fetched). Anything else goes to ``fallback``."""

    def __init__(self, fallback, ctx: IssuerContext) -> None:
        self._fallback = fallback
        self._ctx = ctx

    def resolve(self, vm_id: str):
        if not local_documents.is_local(self._ctx, vm_id):
            return self._fallback.resolve(vm_id)
        base = vm_id.partition("#")[0]
        document = _on_loop(local_documents.lookup, self._ctx, base)
        if document is None:
            raise ResolutionError(f"this service has no document {base!r}", id=vm_id)
        return DocumentResolver({document.get("id", base): document}).resolve(vm_id)


class _LocalFirst:
    """``fetch_document``: our own status lists from the database, anything else as configured."""

    def __init__(self, fallback, ctx: IssuerContext) -> None:
        self._fallback = fallback
        self._ctx = ctx

    def __call__(self, url: str) -> dict:
        if local_documents.is_local(self._ctx, url):
            document = _on_loop(local_documents.lookup, self._ctx, url)
            if document is None:
                raise ResolutionError(f"this service has no document {url!r}", url=url)
            return document
        return self._fallback(url)


def _as_url(raw: Any) -> str | None:
    if isinstance(raw, (bytes, bytearray)):
        if len(raw) > 4096:
            return None
        try:
            raw = bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            return None
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    if len(text) < 4096 and text.lower().startswith(("https://", "http://")) and not any(c.isspace() for c in text):
        return text
    return None


class IssuerVerifierService(VerifierService):
    """The verifier as the issuer mounts it: what this service serves itself (DID documents,
    status lists, hosted badges and transcripts) is read in-process, the rest goes through the
    verifier's SSRF-guarded fetcher as usual."""

    def __init__(self, config: VerifierConfig, ctx: IssuerContext) -> None:
        super().__init__(config)
        self._ctx = ctx
        self.resolver = _LocalKeys(self.resolver, ctx)
        self.fetch_document = _LocalFirst(self.fetch_document, ctx)

    async def verify(self, raw: bytes | str | dict, *, source: str | None = None,
                     allow_url: bool = True) -> Verification:
        url = _as_url(raw) if allow_url else None
        if url is not None and local_documents.is_local(self._ctx, url):
            body = await local_documents.hosted_credential(self._ctx, url)
            if body is None:
                raise UnreachableInputUrl("There is no credential at this link.", url=url)
            verification = await super().verify(body, source="url", allow_url=False)
            return replace(verification, url=url)
        return await super().verify(raw, source=source, allow_url=allow_url)


def verifier_config(options: VerifierOptions, *, ctx: IssuerContext, env: Any) -> VerifierConfig:
    """The mounted verifier: our schools (and a trust file) as registered issuers, the issuer's
    templates (so the form carries the CSRF token), no report cache (a revocation shows at once)."""
    trust = load_trust_file(options.trust_file) if options.trust_file else TrustRegistry()

    async def schools_registry() -> TrustRegistry:
        # the district's schools and each school's trusted issuers, cached in the context and
        # dropped on every change (issuer.schools.trust): a school created at runtime is known at once
        return TrustRegistry.from_dict({"issuers": await school_trust.registry_entries(ctx)})

    return VerifierConfig(documents_dir=options.documents_dir, trust=trust, trust_source=schools_registry,
                          allow_private_networks=options.allow_private_networks, clock=ctx.clock.now,
                          transport=options.transport, resolve_host=options.resolve_host,
                          report_cache_ttl=0.0, templates_dir=TEMPLATES_DIR, template_environment=env)


def create_app(settings: Settings | None = None, *, clock: Clock | None = None, engine=None,
               verifier_options: VerifierOptions | None = None, mailer: Mailer | None = None) -> Litestar:
    """Build the issuer app. ``engine`` (tests) reuses an existing Piccolo engine whose
    connection pool the caller manages; otherwise one is built from ``settings.database_url``."""
    settings = settings if settings is not None else load_settings()
    if verifier_options is None:
        verifier_options = VerifierOptions.from_settings(settings)
    ctx = build_context(settings, clock=clock, engine=engine, mailer=mailer)
    db = ctx.engine
    owns_pool = engine is None and db.engine_type == "postgres"

    # This app's templates: the mounted verifier renders its pages in our layout, with the menu by
    # role (issuer.web.navigation) and the CSRF field of this app's sessions.
    env = app_environment(VERIFIER_TEMPLATES_DIR, csrf_for=web_auth.csrf_token, navigation=navigation.menu)
    try:
        verifier_service = IssuerVerifierService(verifier_config(verifier_options, ctx=ctx, env=env), ctx)
    except ValueError as exc:  # a missing documents dir, an unreadable trust file
        raise SettingsError(f"verifier: {exc}") from None
    ctx = ctx.replace(verify=verifier_service.verify)

    runner = ctx.jobs
    queue = None
    if not runner.inline and settings.is_postgres:
        from issuer import jobs_queue

        queue = jobs_queue.queue_app(settings.database_url)
    stop_jobs: list[asyncio.Event] = []

    async def on_startup() -> None:
        configure_db(db)
        if owns_pool:
            await db.start_connection_pool(min_size=1, max_size=10)
        # Inline jobs: this process also resumes those a stopped process left (issuer.jobs).
        if runner.inline:
            stop_jobs.append(runner.start_background(ctx))
        elif queue is not None:  # BADGES_JOBS=worker on PostgreSQL: jobs go to `badges worker`
            await queue.open_async()
            await jobs_queue.ensure_schema(settings.database_url, queue)
            runner.dispatch = jobs_queue.dispatcher(queue)

    async def on_shutdown() -> None:
        for stop in stop_jobs:
            stop.set()
        await runner.close()  # a job cut short here is resumed by the next process to start
        if queue is not None and runner.dispatch is not None:
            await queue.close_async()
        verifier_service.close()
        if owns_pool:
            await db.close_connection_pool()

    return Litestar(
        route_handlers=_route_handlers(),
        middleware=web_auth.middleware(settings),
        # CSP, framing, nosniff, referrer on every response; the ?lang= choice kept in a cookie
        before_send=[security_headers, i18n.language_cookie(secure=settings.secure_cookies)],
        exception_handlers=EXCEPTION_HANDLERS,
        template_config=TemplateConfig(engine=JinjaTemplateEngine.from_environment(env)),
        openapi_config=OpenAPIConfig(title="Open Badges for Schools — issuer", version="0.1.0",
                                     path="/schema",
                                     render_plugins=assets.render_plugins(csrf_token=web_auth.csrf_token)),
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        # the context; controllers that take ``ctx`` declare deps.DEPENDENCIES (its provider) themselves
        state=State({"verifier_service": verifier_service, "jobs": runner, deps.STATE_KEY: ctx,
                     APP_ENVIRONMENT: env}),
        request_max_body_size=settings.max_upload_bytes + 1024 * 1024,
        # The app never configures logging (Litestar's default would replace the root logger's
        # handlers for the whole process, tests and other apps included): the process that serves
        # it does (``issuer.cli.configure_logging``).
        logging_config=None,
        response_cache_config=ResponseCacheConfig(),
        debug=settings.debug,
    )
