"""The API docs and the favicon come from this server (issuer.web.assets): /schema/swagger loads
Swagger UI from package data, with no inline script, so it works offline and under the pages'
Content-Security-Policy. The browser test (tests/browser/test_design_system.py) draws it with
every other origin refused."""
from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.anyio, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]


async def test_the_swagger_page_loads_only_what_this_server_serves(client):
    page = await client.get("/schema/swagger")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert not re.search(r"<script(?![^>]*\bsrc=)", page.text), "an inline script would be refused by the CSP"
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets and all(a.startswith("/") and not a.startswith("//") for a in assets), assets
    for url in assets:
        answer = await client.get(url)
        assert answer.status_code == 200, url
    assert (await client.get("/schema")).text == page.text  # the docs' root is the same page
    assert 'data-spec-url="/schema/openapi.json"' in page.text


async def test_only_the_files_the_page_needs_are_served(client):
    css = await client.get("/vendor/swagger-ui/swagger-ui.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    js = await client.get("/vendor/swagger-ui/swagger-ui-bundle.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    for name in ("index.html", "swagger-initializer.js", "../../__init__.py", "%2e%2e%2fLICENSE"):
        assert (await client.get(f"/vendor/swagger-ui/{name}")).status_code == 404, name


async def test_the_favicon_answers(client):
    icon = await client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml"
    assert icon.content.startswith(b"<svg")
