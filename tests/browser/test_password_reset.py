"""Journey 5 of issue 13, a password reset by e-mail, in headless Chromium at 1280 and 390 px: the
issuer under uvicorn sends through a real SMTP server on 127.0.0.1 (tests/issuer/smtp_support.py).

A student clicks "Forgot your password?" on the sign-in page, sends the form empty (the error
summary), then their username; the link is read from the message the SMTP server received; the new
password is mistyped once (error summary), then set; the student signs in with it and changes it
again on the account page, reached from the menu. The school admin opens the outbox from the
menu. Every page: no serious or critical axe-core violation, no sideways scroll, the CSP holds.
Screenshots go to ``$BROWSER_SCREENSHOTS`` (else a pytest tmp dir).
"""
from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.browser.design.support import AXE
from tests.browser.support import BROWSER_MARKS, DESKTOP, PHONE, axe_problems, free_port, serve, sign_in, watch_csp
from tests.issuer.smtp_support import SmtpServer

pytestmark = [
    *BROWSER_MARKS,
    pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning"),
]




class Journey:
    """A browser context at one width, and the checks every page of the journey passes."""

    def __init__(self, browser, viewport, shots: Path) -> None:
        self.width = viewport["width"]
        self.context = browser.new_context(viewport=viewport)
        self.page = self.context.new_page()
        self.csp = watch_csp(self.page)
        self.shots = shots

    def check(self, name: str) -> None:
        page = self.page
        assert page.evaluate("document.documentElement.scrollWidth") <= self.width, name
        page.screenshot(path=str(self.shots / f"mail-{name}-{self.width}.png"), full_page=True)
        if AXE.is_file():
            assert axe_problems(page) == [], name

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




@pytest.fixture(scope="module")
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def demo(tmp_path_factory, smtp):
    from issuer.cli.learning import seed_demo
    from issuer.settings import Settings

    port = free_port()
    settings = Settings(base_url=f"http://127.0.0.1:{port}", data_dir=tmp_path_factory.mktemp("issuer-data"),
                        smtp_url=smtp.url, mail_from="Lincoln High <badges@lincoln.riverside.example>")
    with pytest.MonkeyPatch.context() as env:
        for name in ("DATABASE_URL", "PICCOLO_CONF"):
            env.setenv(name, "")
            env.delenv(name)
        with ThreadPoolExecutor(max_workers=1) as pool:
            out = pool.submit(asyncio.run, seed_demo(settings)).result()
    return port, settings, {username: (role, password) for role, username, password in out["logins"]}


@pytest.fixture(scope="module")
def server(demo):
    from issuer.app import create_app

    port, settings, _ = demo
    with serve(create_app(settings), port, name="the issuer app", timeout=20) as url:
        yield url


def _reset_link(smtp: SmtpServer, address: str) -> str:
    mine = [m for m in smtp.messages if address in m.recipients]
    assert mine, f"no mail to {address}"
    return re.search(r"https?://\S+/password-reset/[A-Za-z0-9_-]+", mine[-1].part("plain")).group(0)


@pytest.mark.parametrize(("viewport", "student"), [(DESKTOP, "maya"), (PHONE, "zoe")], ids=["1280", "390"])
def test_a_student_resets_a_forgotten_password_by_email(browser, server, demo, smtp, shots, viewport, student):
    _, _, logins = demo
    address = f"{student}@lincoln.riverside.example"
    j = Journey(browser, viewport, shots)
    page = j.page
    try:
        page.goto(f"{server}/login")
        with page.expect_navigation():
            page.click("text=Forgot your password?")
        j.check("forgot")
        with page.expect_navigation():
            page.click("main button[type=submit]")
        assert page.locator(".error-summary").is_visible()
        j.check("forgot-error")
        page.fill("#identifier", student)
        with page.expect_navigation():
            page.click("main button[type=submit]")
        assert "Check your e-mail" in page.locator("h1").text_content()
        j.check("forgot-sent")

        page.goto(_reset_link(smtp, address))
        page.fill("#new_password", "correct horse battery")
        page.fill("#confirm_password", "correct horse batery")
        with page.expect_navigation():
            page.click("main button[type=submit]")
        assert page.locator(".error-summary a[href='#confirm_password']").is_visible()
        j.check("reset-error")
        page.fill("#new_password", "correct horse battery")
        page.fill("#confirm_password", "correct horse battery")
        with page.expect_navigation():
            page.click("main button[type=submit]")
        assert page.url.endswith("/login?reset=done")
        j.check("reset-done")

        sign_in(page, server, student, "correct horse battery")
        assert page.locator(".who").is_visible() or page.locator(".menu > summary").is_visible()
        j.menu("Password")
        page.fill("#current_password", "correct horse battery")
        page.fill("#new_password", "staple paper clip")
        page.fill("#confirm_password", "staple paper clip")
        with page.expect_navigation():
            page.click("main button[type=submit]")
        assert "Password changed" in page.content()
        j.check("account-password")
    finally:
        j.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_the_school_admin_reads_the_outbox_from_the_menu(browser, server, demo, smtp, shots, viewport):
    _, _, logins = demo
    admin = next(u for u, (role, _) in logins.items() if role == "school_admin")
    j = Journey(browser, viewport, shots)
    page = j.page
    try:
        sign_in(page, server, admin, logins[admin][1])
        j.menu("Outbox")
        assert page.url.endswith("/admin/outbox")
        assert page.locator(".outbox-item").count() >= 1  # the demo's approved plans mailed their mentors
        j.check("outbox")
    finally:
        j.close()
