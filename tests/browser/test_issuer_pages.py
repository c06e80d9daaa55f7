"""The issuer's pages in a real browser: headless Chromium (the system binary) through Playwright.

The issuer app runs under uvicorn on a free loopback port in a background thread, on a temporary
SQLite data dir seeded by ``badges demo`` (``issuer.cli.learning.seed_demo``) with the base URL of
that port, so every link in the pages and badges leads back to it. A teacher rates the waiting
submission at the threshold and sees the badge issued; the student finds it under "My badges",
opens its page, follows "Verify this badge" and reads a green verdict (the mounted verifier reads
the school's did:web document and status list from the database); a wrong password shows an error.

One screenshot per page goes to ``$BROWSER_SCREENSHOTS`` (else a pytest tmp dir).
"""
from __future__ import annotations

import asyncio
import re

import pytest

from tests.browser.support import BROWSER_MARKS, free_port, serve, watch_csp

pytestmark = [
    *BROWSER_MARKS,
    pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning"),
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo school, seeded in this process: (base URL, settings, {username: password})."""
    from issuer.cli.learning import seed_demo
    from issuer.settings import Settings

    port = free_port()
    data_dir = tmp_path_factory.mktemp("issuer-data")
    settings = Settings(base_url=f"http://127.0.0.1:{port}", data_dir=data_dir)
    with pytest.MonkeyPatch.context() as env:
        # the demo's migration step exports DATABASE_URL / PICCOLO_CONF for Piccolo: keep it local
        for name in ("DATABASE_URL", "PICCOLO_CONF"):
            env.setenv(name, "")
            env.delenv(name)
        out = asyncio.run(seed_demo(settings))
    passwords = {username: password for _role, username, password in out["logins"]}
    return port, settings, passwords


@pytest.fixture(scope="module")
def server(demo):
    from issuer.app import create_app

    port, settings, _ = demo
    with serve(create_app(settings), port, name="the issuer app", timeout=20) as url:
        assert url == settings.base_url
        yield url


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    violations = watch_csp(page)
    yield page
    context.close()
    assert violations == []  # every page works under its Content-Security-Policy


def sign_in(page, base, username, password):
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("button[type=submit].primary")


def test_wrong_password_shows_an_error(server, page, demo, shots):
    sign_in(page, server, "ms.chen", "not-the-password")
    page.screenshot(path=str(shots / "login-error.png"), full_page=True)
    error = page.locator("#login-error")
    assert error.is_visible()
    assert "wrong password" in error.inner_text()
    assert page.url.startswith(f"{server}/login")
    # ... and nobody is signed in
    assert page.locator("text=Sign out").count() == 0


def test_teacher_rates_at_the_threshold_and_the_student_verifies_the_badge(server, page, demo, shots):
    _, _, passwords = demo
    sign_in(page, server, "ms.chen", passwords["ms.chen"])
    assert page.url == f"{server}/teacher/reviews"
    page.screenshot(path=str(shots / "teacher-queue.png"), full_page=True)
    row = page.locator("tr", has_text="Liam Nguyen").filter(has_text="Data Storyteller")
    assert row.count() == 1, page.content()
    with page.expect_navigation():
        row.locator("a.queue-open").click()  # the work (the student's name opens their page)
    assert "Data Storyteller" in page.locator("h1").inner_text()
    page.screenshot(path=str(shots / "teacher-rate.png"), full_page=True)
    # the rubric: both criteria at Proficient (3) or above and a total of 7 — exactly the threshold
    page.check("input[name=rating_representation][value='4']")
    page.check("input[name=rating_interpretation][value='3']")
    page.fill("#feedback", "Clear axes and a careful reading of the trend.")
    with page.expect_navigation():
        page.click("text=Save rating")
    page.screenshot(path=str(shots / "teacher-rated.png"), full_page=True)
    assert page.url.endswith("/outcome")  # POST/redirect/GET: the outcome has its own address
    assert page.locator("h1").inner_text() == "Awarded: Data Storyteller"
    assert page.locator("text=Save rating").count() == 0  # nothing left to rate

    page.context.clear_cookies()
    sign_in(page, server, "liam", passwords["liam"])
    assert page.url == f"{server}/student/badges"
    page.screenshot(path=str(shots / "student-badges.png"), full_page=True)
    link = page.locator("main a[href^=\"/badges/\"]", has_text="Data Storyteller")
    assert link.count() == 1
    with page.expect_navigation():
        link.click()
    assert re.search(r"/badges/[0-9a-f-]{36}$", page.url), page.url
    assert page.locator("#badge-name").inner_text() == "Data Storyteller"
    assert "Lincoln High School" in page.locator("article.badge").inner_text()
    page.screenshot(path=str(shots / "badge-page.png"), full_page=True)

    with page.expect_navigation():
        page.click("text=Verify this badge")
    assert page.url.startswith(f"{server}/verify?url=")
    page.screenshot(path=str(shots / "verify-report.png"), full_page=True)
    verdict = page.locator("#verdict")
    assert verdict.get_attribute("data-verified") == "true", page.locator("main").inner_text()
    assert "Verified" in verdict.inner_text()
    color = verdict.evaluate("e => getComputedStyle(e).backgroundColor")
    assert color == "rgb(26, 127, 55)"  # the green of .verdict.ok
    checks = page.locator("main").inner_text()
    assert "Lincoln High School" in checks and "registered issuer" in checks
    assert "Data Storyteller" in page.locator("#badge").inner_text()


def test_school_admin_revokes_an_api_token_from_its_page(server, page, demo, shots):
    """Issue 10: the API tokens page lists the school's tokens and revokes one (a plain form
    with its CSRF token); the revoked token stops working at once."""
    _, _, passwords = demo
    sign_in(page, server, "principal", passwords["principal"])
    csrf = page.locator("input[name=csrf_token]").first.get_attribute("value")
    made = page.request.post(f"{server}/admin/tokens", data={"name": "gradebook sync", "expiresIn": 86400},
                             headers={"X-CSRF-Token": csrf})
    assert made.status == 201, made.text()
    token = made.json()["token"]
    assert page.request.get(f"{server}/me", headers={"Authorization": f"Bearer {token}"}).status == 200
    with page.expect_navigation():
        page.click("text=API tokens")
    assert page.url == f"{server}/admin/api-tokens"
    row = page.locator("tr", has_text="gradebook sync")
    assert "active" in row.inner_text().lower()
    page.screenshot(path=str(shots / "admin-tokens.png"), full_page=True)
    with page.expect_navigation():
        row.locator("button", has_text="Revoke").click()
    assert "is revoked" in page.locator("main").inner_text()
    assert "revoked" in page.locator("tr", has_text="gradebook sync").inner_text().lower()
    page.screenshot(path=str(shots / "admin-tokens-revoked.png"), full_page=True)
    gone = page.request.get(f"{server}/me", headers={"Authorization": f"Bearer {token}"})
    assert gone.status == 401


def test_every_demo_badge_page_fits_a_phone(server, page, demo, shots):
    """At 390 px no badge page is wider than the screen: long evidence hashes and URLs wrap."""
    _, _, passwords = demo
    sign_in(page, server, "principal", passwords["principal"])
    listed = page.request.get(f"{server}/admin/credentials?limit=100")
    assert listed.status == 200, listed.text()
    uuids = [c["uuid"] for c in listed.json()]
    assert uuids
    page.context.clear_cookies()
    page.set_viewport_size({"width": 390, "height": 844})
    for uuid in uuids:
        page.goto(f"{server}/badges/{uuid}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, uuid
    page.screenshot(path=str(shots / "badge-page-phone.png"), full_page=True)
