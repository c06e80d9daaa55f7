"""What the pages load besides their templates: the favicon, and the API docs served from this
server rather than a CDN.

``/schema/swagger`` used to load Swagger UI from a CDN: blank offline, and blank online too under
the pages' Content-Security-Policy (scripts from this origin only, no inline script). Swagger UI
now comes from PyPI's ``swagger-ui-bundle-v2`` (Swagger UI 5, which reads the OpenAPI 3.1 that
Litestar writes; ``swagger-ui-bundle`` 1.x ships Swagger UI 4, which cannot). Its two files are
served from that package's data at ``/vendor/swagger-ui/``, and the page starts it with the
static ``api-docs.js``. Redoc, RapiDoc and Stoplight Elements, which Litestar also offered from
CDNs, are not mounted: they could never load under that policy.
"""
from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from litestar import Request, get
from litestar.openapi.plugins import OpenAPIRenderPlugin, YamlRenderPlugin
from litestar.params import FromPath
from litestar.response import File
from swagger_ui_bundle import swagger_ui_path

from issuer.errors import NotFound
from issuer.render.templating import TEMPLATES_DIR

__all__ = ["ROUTES", "SWAGGER_FILES", "SwaggerPage", "render_plugins"]

SWAGGER_DIR = Path(str(swagger_ui_path))
# Only what the page loads; the bundle's demo index.html and its petstore initializer stay unserved.
SWAGGER_FILES = frozenset({"swagger-ui-bundle.js", "swagger-ui.css"})
_CACHE: Mapping[str, str] = MappingProxyType({"Cache-Control": "public, max-age=86400"})


@get("/favicon.ico", include_in_schema=False, sync_to_thread=False)
def favicon() -> File:
    """Browsers ask for ``/favicon.ico`` on their own (a JSON view has no ``<link rel=icon>``)."""
    return File(path=TEMPLATES_DIR / "static" / "favicon.svg", media_type="image/svg+xml",
                content_disposition_type="inline", headers=dict(_CACHE))


@get("/vendor/swagger-ui/{name:str}", include_in_schema=False, sync_to_thread=False)
def swagger_file(name: FromPath[str]) -> File:
    if name not in SWAGGER_FILES:
        raise NotFound("no such file")
    media_type = "text/css" if name.endswith(".css") else "text/javascript"
    return File(path=SWAGGER_DIR / name, media_type=media_type, content_disposition_type="inline", headers=dict(_CACHE))


ROUTES = (favicon, swagger_file)


class SwaggerPage(OpenAPIRenderPlugin):
    """``/schema/swagger`` (and ``/schema``): Swagger UI from this server, no inline script.
    ``csrf_token`` gives the page the signed-in person's token, so "Try it out" can post."""

    def __init__(self, *, csrf_token: Callable[[Request[Any, Any, Any]], str] | None = None,
                 path: str = "/swagger") -> None:
        super().__init__(path=path, favicon='<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">',
                         style="")
        self.csrf_token = csrf_token

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        title = html.escape(str(openapi_schema.get("info", {}).get("title", "API")))
        spec_url = html.escape(self.get_openapi_json_route(request))
        csrf = html.escape(self.csrf_token(request)) if self.csrf_token is not None else ""
        return f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title} · API</title>
  {self.favicon}
  <link rel="stylesheet" href="/vendor/swagger-ui/swagger-ui.css">
  <link rel="stylesheet" href="/static/api-docs.css">
</head>
<body>
  <header class="api-docs-header"><a href="/">Open Badges for Schools</a> <span>API</span></header>
  <main id="swagger-ui" data-spec-url="{spec_url}" data-csrf-token="{csrf}"></main>
  <script src="/vendor/swagger-ui/swagger-ui-bundle.js"></script>
  <script src="/static/api-docs.js"></script>
</body>
</html>
""".encode()


def render_plugins(*, csrf_token: Callable[[Request[Any, Any, Any]], str] | None = None) -> list[OpenAPIRenderPlugin]:
    """The OpenAPI routes under ``/schema``: Swagger UI (also at the root), the YAML document;
    Litestar adds ``openapi.json`` itself."""
    return [SwaggerPage(csrf_token=csrf_token), YamlRenderPlugin(path=["/openapi.yaml", "/openapi.yml"])]
