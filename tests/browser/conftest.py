from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.support import CHROMIUM, CHROMIUM_ARGS, seed_demo_school, serve


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    """Where a journey saves its screenshots: ``$BROWSER_SCREENSHOTS``, else a temporary folder."""
    out = Path(os.environ["BROWSER_SCREENSHOTS"]) if os.environ.get("BROWSER_SCREENSHOTS") \
        else tmp_path_factory.mktemp("screenshots")
    out.mkdir(parents=True, exist_ok=True)
    return out


# The demo school and the issuer app serving it, one per module. A module that needs another
# set-up (more data, a fake web, its own settings) defines its own ``demo`` / ``server``.
@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """(port, settings, {username: password}) of a freshly seeded demo school."""
    return seed_demo_school(tmp_path_factory)


@pytest.fixture(scope="module")
def server(demo):
    """The issuer app on ``demo``'s port; its base URL."""
    from issuer.app import create_app

    port, settings, _ = demo
    with serve(create_app(settings), port, name="the issuer app", timeout=20) as url:
        yield url
