"""The composition root: ``create_app(settings=None) -> Litestar``.

Reads configuration only here (``issuer.settings.load()`` when no settings are given), binds the
runtime (settings, clock, KEK) and every table to one engine, mounts the controllers of both
halves and the verifier, the templates, ``/static``, the error map and the auth middleware.
OpenAPI is at ``/schema``.
"""
from __future__ import annotations

import importlib
import importlib.util
from typing import Any

from litestar import Litestar
from litestar.config.response_cache import ResponseCacheConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.openapi import OpenAPIConfig
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig

from issuer import runtime
from issuer.clock import Clock
from issuer.db.repo import configure as configure_db
from issuer.db.repo import current_engine
from issuer.render.templating import TEMPLATES_DIR, environment
from issuer.settings import Settings
from issuer.settings import load as load_settings
from issuer.web import auth as web_auth
from issuer.web.controllers import admin, credentials, did, issuers, status, vcapi
from issuer.web.controllers import auth as auth_controllers
from issuer.web.deps import DEPENDENCIES
from issuer.web.errors import EXCEPTION_HANDLERS

PLATFORM_ROUTES: list[Any] = [
    *auth_controllers.ROUTES, *issuers.ROUTES, *did.ROUTES, *status.ROUTES,
    *vcapi.ROUTES, *credentials.ROUTES, *admin.ROUTES,
]

# The learning half's controllers (issuer-learning): one list, mounted as a whole.
from issuer.web.controllers.learning_routes import LEARNING_ROUTES  # noqa: E402
# Transcripts (transcript-integration): generate, JSON/PDF/HTML, share links, cohort jobs.
from issuer.web.controllers.transcripts import TRANSCRIPT_ROUTES  # noqa: E402

# The verifier is mounted here and only here (the one place issuer may import verifier); it is
# looked up by name until verifier/web.py exists, so the issuer runs on its own meanwhile.
VERIFIER_MODULE = "verifier.web"


def _optional_routes(module_name: str, attribute: str) -> list[Any]:
    if importlib.util.find_spec(module_name) is None:
        return []
    module = importlib.import_module(module_name)
    value = getattr(module, attribute, None)
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _route_handlers() -> list[Any]:
    handlers = [*PLATFORM_ROUTES, *LEARNING_ROUTES, *TRANSCRIPT_ROUTES]
    handlers += _optional_routes(VERIFIER_MODULE, "router")
    handlers.append(create_static_files_router(path="/static", directories=[TEMPLATES_DIR / "static"],
                                               include_in_schema=False))
    return handlers


def create_app(settings: Settings | None = None, *, clock: Clock | None = None, engine=None) -> Litestar:
    """Build the issuer app. ``engine`` (tests) reuses an existing Piccolo engine whose
    connection pool the caller manages; otherwise one is built from ``settings.database_url``."""
    settings = settings if settings is not None else load_settings()
    rt = runtime.configure(settings, clock=clock, engine=engine)
    db = engine if engine is not None else current_engine()
    owns_pool = engine is None and db.engine_type == "postgres"

    env = environment()
    env.globals["csrf_for"] = web_auth.csrf_token

    async def on_startup() -> None:
        # Several apps may live in one process (tests): the one starting up takes over.
        runtime.use(rt)
        configure_db(db)
        if owns_pool:
            await db.start_connection_pool(min_size=1, max_size=10)

    async def on_shutdown() -> None:
        if owns_pool:
            await db.close_connection_pool()

    return Litestar(
        route_handlers=_route_handlers(),
        dependencies=DEPENDENCIES,
        middleware=[web_auth.AuthMiddleware],
        exception_handlers=EXCEPTION_HANDLERS,
        template_config=TemplateConfig(engine=JinjaTemplateEngine.from_environment(env)),
        openapi_config=OpenAPIConfig(title="Open Badges for Schools — issuer", version="0.1.0",
                                     path="/schema"),
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        request_max_body_size=settings.max_upload_bytes + 1024 * 1024,
        response_cache_config=ResponseCacheConfig(),
        debug=settings.debug,
    )
