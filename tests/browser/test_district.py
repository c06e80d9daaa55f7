"""The district and the administrator's privacy pages in headless Chromium (issue 13), at 1280
and 390 px, the phone with JavaScript off: a district admin makes a school from the menu (form,
check your answers, made); its admin reads the set-password mail from a real SMTP server on
127.0.0.1, signs in and adds a trusted issuer (a bad id first: the error summary); the demo
school's admin exports a student's data and erases a student (check your answers first). Every
page: no serious or critical axe-core violation, no sideways scroll, the CSP holds. Screenshots go
to ``$BROWSER_SCREENSHOTS`` (else a pytest tmp dir).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.district_support import (
    DISTRICT_ADMIN,
    DISTRICT_PASSWORD,
    create_school,
    follow_menu,
    seed_district_demo,
)
from tests.browser.support import (
    AXE,
    BROWSER_MARKS,
    DESKTOP,
    PHONE,
    axe_problems,
    serve,
    sign_in,
    watch_csp,
)
from tests.issuer.smtp_support import SmtpServer

pytestmark = [
    *BROWSER_MARKS,
    pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning"),
]

FOREIGN = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


class Journey:
    """A browser context at one width (JavaScript on or off) and the checks every page passes."""

    def __init__(self, browser, viewport, shots: Path, *, javascript: bool = True) -> None:
        self.width = viewport["width"]
        self.javascript = javascript
        self.context = browser.new_context(viewport=viewport, java_script_enabled=javascript, accept_downloads=True)
        self.page = self.context.new_page()
        self.csp = watch_csp(self.page)
        self.shots = shots

    def check(self, name: str) -> None:
        page = self.page
        suffix = "" if self.javascript else "-nojs"
        page.screenshot(path=str(self.shots / f"district-{name}-{self.width}{suffix}.png"), full_page=True)
        if not self.javascript:
            return  # the page's own script is off: measuring and axe need it (the 1280 run checks them)
        assert page.evaluate("document.documentElement.scrollWidth") <= self.width, name
        if AXE.is_file():
            assert axe_problems(page) == [], name

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
    return seed_district_demo(tmp_path_factory, smtp)


@pytest.fixture(scope="module")
def server(demo):
    from issuer.app import create_app

    port, settings, _ = demo
    with serve(create_app(settings), port, name="the issuer app", timeout=20) as url:
        yield url


@pytest.mark.parametrize(("viewport", "javascript", "n"), [(DESKTOP, True, 1), (PHONE, False, 2)],
                         ids=["1280", "390-nojs"])
def test_a_district_admin_makes_a_school_whose_admin_adds_a_trusted_issuer(browser, server, smtp, shots,
                                                                        viewport, javascript, n):
    j = Journey(browser, viewport, shots, javascript=javascript)
    page = j.page
    try:
        sign_in(page, server, DISTRICT_ADMIN, DISTRICT_PASSWORD)
        login = create_school(page, server, smtp, name=f"Riverside Middle School {n}",
                              admin_username=f"middle-admin-{n}", did_method="did:web" if n == 1 else "did:key",
                              check=j.check)
        assert login["slug"] == f"riverside-middle-school-{n}"
    finally:
        j.close()

    j = Journey(browser, viewport, shots, javascript=javascript)
    page = j.page
    try:
        sign_in(page, server, login["username"], login["password"])
        follow_menu(page, "Trusted issuers")
        assert page.url.endswith("/admin/trusted-issuers")
        assert f"Riverside Middle School {n}" in page.locator(".eyebrow").first.text_content()
        j.check("trusted-empty")
        page.fill("#issuer_id", "http://not-secure.example.org")
        page.fill("#name", "City Chess League")
        with page.expect_navigation():
            page.click("#add-issuer button[type=submit]")
        assert page.locator(".error-summary a[href='#issuer_id']").is_visible()
        assert page.locator("#name").input_value() == "City Chess League"  # kept
        j.check("trusted-error")
        page.fill("#issuer_id", FOREIGN)
        page.fill("#note", "Our students bring their chess badges.")
        with page.expect_navigation():
            page.click("#add-issuer button[type=submit]")
        assert page.locator("#done").is_visible() and page.locator("text=City Chess League").first.is_visible()
        j.check("trusted-added")
        with page.expect_navigation():
            page.click("main a:has-text('Remove')")
        assert "Check before you remove" in page.content()
        j.check("trusted-remove")
        with page.expect_navigation():
            page.click("main a:has-text('Cancel')")
    finally:
        j.close()


@pytest.mark.parametrize(("viewport", "javascript", "student"), [(DESKTOP, True, "liam"), (PHONE, False, "zoe")],
                         ids=["1280", "390-nojs"])
def test_an_admin_exports_a_students_data_and_erases_it(browser, server, demo, shots, viewport, javascript, student):
    _, _, logins = demo
    admin = next(u for u, (role, _) in logins.items() if role == "school_admin")
    j = Journey(browser, viewport, shots, javascript=javascript)
    page = j.page
    try:
        sign_in(page, server, admin, logins[admin][1])
        follow_menu(page, "People & classes")
        page.fill("#q", student)
        with page.expect_navigation():
            page.click("form[role=search] button[type=submit]")
        with page.expect_navigation():
            page.click("main a:has-text('Privacy')")
        assert "Privacy requests" in page.locator("h1").text_content()
        j.check("privacy")
        with page.expect_download() as download:
            page.click("#export")
        assert download.value.suggested_filename.endswith(".zip")
        with page.expect_navigation():
            page.click("#erase")
        assert "What is kept, and why" in page.content()
        j.check("erase-check")
        with page.expect_navigation():
            page.click("#confirm-erase")
        assert page.locator("#done").is_visible()
        j.check("erased")
        with page.expect_navigation():
            page.click("main a:has-text('What we keep and why')")
        j.check("privacy-policy")
    finally:
        j.close()
