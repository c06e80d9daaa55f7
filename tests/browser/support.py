"""What the browser tests share: an ASGI app under uvicorn on a loopback port, the system Chromium,
the demo school, signing in, the two widths every journey is walked at, and axe-core's verdict.

The ``browser`` and ``shots`` fixtures live in this directory's conftest.py.
"""
from __future__ import annotations

import asyncio
import re
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[1] / "interop" / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# Each browser test module's pytestmark starts with these.
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve(app, port: int, *, name: str, timeout: float) -> Iterator[str]:
    """Run ``app`` under uvicorn on 127.0.0.1:``port`` in a daemon thread; yield its base URL.

    The port is a parameter because some apps must know their own base URL before they exist.
    """
    import uvicorn

    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail(f"{name} did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def watch_csp(page) -> list[str]:
    """Collect the Content-Security-Policy violations Chromium reports on ``page`` (console
    errors "Refused to … because it violates the following Content Security Policy directive");
    a page fixture asserts the list is empty when the test is done."""
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    return violations


def seed_demo_school(tmp_path_factory) -> tuple[int, object, dict[str, str]]:
    """The demo school (``badges demo``'s seed) in a fresh data dir, for a server on a free port:
    (port, settings, {username: password})."""
    from issuer.cli.learning import seed_demo
    from issuer.settings import Settings

    port = free_port()
    settings = Settings(base_url=f"http://127.0.0.1:{port}", data_dir=tmp_path_factory.mktemp("issuer-data"))
    with pytest.MonkeyPatch.context() as env:
        for name in ("DATABASE_URL", "PICCOLO_CONF"):  # the demo's migration step exports these
            env.setenv(name, "")
            env.delenv(name)
        with ThreadPoolExecutor(max_workers=1) as pool:  # Playwright's sync API may own this thread's loop
            out = pool.submit(asyncio.run, seed_demo(settings)).result()
    return port, settings, {username: password for _role, username, password in out["logins"]}


def sign_in(page, base, username, password):
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("main button[type=submit].primary")


def axe_problems(page) -> list[dict]:
    """axe-core's serious and critical violations (the script goes in through DevTools, not the page's CSP)."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations
        .filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}))""")


class Journey:
    """One browser context at one width, JavaScript on or off, and what every page of a journey
    must pass: a screenshot (``<prefix>-<name>-<width>.png`` in ``shots``); with JavaScript on, no
    sideways scroll and no serious or critical axe-core finding (with it off the page can neither
    be measured nor run axe-core: the JavaScript run of the same journey checks them); and, at
    ``close``, no Content-Security-Policy violation."""

    def __init__(self, browser, viewport, shots, *, prefix: str, javascript: bool = True) -> None:
        self.width, self.javascript, self.shots, self.prefix = viewport["width"], javascript, shots, prefix
        self.context = browser.new_context(viewport=viewport, java_script_enabled=javascript, accept_downloads=True)
        self.context.set_default_timeout(20_000)
        self.page = self.context.new_page()
        self.csp = watch_csp(self.page)
        self.seen: list[str] = []

    def check(self, name: str) -> None:
        page = self.page
        page.screenshot(path=str(self.shots / f"{self.prefix}-{name}-{self.width}.png"), full_page=True)
        if self.javascript:
            assert page.evaluate("document.documentElement.scrollWidth") <= self.width, name
            if AXE.is_file():
                assert axe_problems(page) == [], name
        self.seen.append(name)

    def submit(self, locator) -> None:
        with self.page.expect_navigation():
            locator.click()

    def menu(self, label: str) -> None:
        """Follow a menu entry (on a phone the menu is folded behind its toggle first)."""
        page = self.page
        toggle = page.locator(".menu > summary")
        if toggle.is_visible() and page.locator(".menu[open]").count() == 0:
            toggle.click()
        with page.expect_navigation():
            page.locator(".primary-nav a", has_text=re.compile(f"^{re.escape(label)}$")).click()

    def close(self) -> None:
        self.context.close()
        assert self.csp == []
