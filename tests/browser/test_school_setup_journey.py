"""Issue 13, journey 1 — setting up a school, in headless Chromium at 1280 px (JavaScript on) and
390 px (JavaScript off), every step from the menu of the person who takes it:

a district admin creates a school (its own key and DID; its first admin's set-password link is
read from a real SMTP server on 127.0.0.1); that admin sets the school profile and logo, imports a
CASE framework and a CSV framework (previewed, then confirmed), builds an achievement with a
four-level rubric in the editor aligned to a CASE competency, imports a roster from CSV, and makes
a class with the roster's teacher and students. Every page: no sideways scroll, the CSP holds,
and (with JavaScript on) no serious or critical axe-core finding; a screenshot of each
(``$BROWSER_SCREENSHOTS``, else a pytest tmp dir, ``setup-…-<width>.png``).
"""
from __future__ import annotations

import re

import pytest

from tests.browser.achievement_support import build_achievement
from tests.browser.district_support import (
    DISTRICT_ADMIN,
    DISTRICT_PASSWORD,
    create_school,
    follow_menu,
    seed_district_demo,
)
from tests.browser.frameworks_support import import_case_framework, import_csv_framework
from tests.browser.support import BROWSER_MARKS, DESKTOP, PHONE, Journey, serve, sign_in
from tests.issuer.smtp_support import SmtpServer

pytestmark = [
    *BROWSER_MARKS,
    pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning"),
]

LOGO_SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" '
            b'fill="#7b3fb4"/><path d="M32 12 L50 22 L50 42 L32 52 L14 42 L14 22 Z" fill="#ffffff"/></svg>')


@pytest.fixture(scope="module")
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory, smtp):
    from issuer.app import create_app

    port, settings, _ = seed_district_demo(tmp_path_factory, smtp)
    with serve(create_app(settings), port, name="the issuer app", timeout=20) as url:
        yield url


@pytest.mark.parametrize(("viewport", "javascript"), [(DESKTOP, True), (PHONE, False)], ids=["1280", "390-nojs"])
def test_a_district_admin_and_the_new_school_s_admin_set_up_a_school(browser, server, smtp, shots, tmp_path,
                                                                    viewport, javascript):
    w = viewport["width"]
    s = Journey(browser, viewport, shots, prefix="setup", javascript=javascript)
    page = s.page
    try:
        # the district makes the school; its first admin chooses a password from the e-mail
        sign_in(page, server, DISTRICT_ADMIN, DISTRICT_PASSWORD)
        login = create_school(page, server, smtp, name=f"Westside Academy {w}", admin_username=f"westside.{w}",
                              check=lambda name: s.check(f"district-{name}"))
        sign_in(page, server, login["username"], login["password"])

        # the school profile and its logo
        follow_menu(page, "School profile")
        page.fill("#url", f"https://westside-{w}.example.org")
        page.fill("#streetAddress", "40 Harbour Road")
        page.fill("#addressLocality", "Riverside")
        s.submit(page.locator("form.card button[type=submit].primary"))
        assert "The profile is saved" in page.locator(".banner").inner_text()
        logo = tmp_path / "logo.svg"
        logo.write_bytes(LOGO_SVG)
        page.set_input_files("#logo", str(logo))
        s.submit(page.locator("#logo-section button[type=submit]"))
        assert page.locator(".logo-preview img").count() == 1
        s.check("profile")

        # two frameworks: the state's science standards from CASE, the school's habits from CSV
        case_page = import_case_framework(page)
        tree = page.locator("main").inner_text()
        assert "HS-PS1-1" in tree and "HS-LS1-2" in tree and case_page.startswith(server)
        assert page.locator(".competency-branch .competency-branch").count() >= 1  # the hierarchy is kept
        s.check("framework-case")
        import_csv_framework(page, name=f"Westside Habits of Work {w}")
        assert "HOW.C.1" in page.locator("main").inner_text()
        s.check("framework-csv")

        # an achievement with a four-level rubric, aligned to a CASE competency
        follow_menu(page, "Achievements")
        s.check("achievements-empty")
        build_achievement(page, name="Matter and Its Interactions", area="academic", subject="Science",
                          criteria=["Asks a testable question", "Uses evidence", "Explains the model"], levels=4,
                          competencies=["HS-PS1-1"])
        text = page.locator("main").inner_text()
        assert "Matter and Its Interactions" in text and "HS-PS1-1" in text
        # the four levels in the school's words, three criteria each requiring Proficient
        assert "4 · Exceeds" in text and text.count("Required: 3 · Proficient") == 3
        s.check("achievement")

        # a roster: two students and a teacher
        follow_menu(page, "People & classes")
        s.submit(page.locator("main a", has_text="Import a class list"))
        roster = tmp_path / "roster.csv"
        roster.write_text("username,display_name,email,role\n"
                          f"ana.{w},Ana Torres,,student\nben.{w},Ben Okafor,,student\n"
                          f"mr.hale.{w},Peter Hale,,teacher\n")
        page.set_input_files("#roster", str(roster))
        s.submit(page.locator("main button", has_text="Check the file"))
        assert "3 people are ready to import" in page.locator("main h2").first.inner_text()
        s.submit(page.locator("main button", has_text="Create 3 accounts"))
        assert page.locator("tbody code.one-time").count() == 3
        s.check("roster")

        # a class with the roster's teacher and students
        follow_menu(page, "People & classes")
        s.submit(page.locator("main a", has_text=re.compile("^Classes$")))
        page.fill("#name", "Physical Science, period 1")
        page.fill("#subject", "Science")
        page.locator("#new-class label", has_text="Peter Hale").click()
        for student in ("Ana Torres", "Ben Okafor"):
            page.locator("#students label", has_text=student).click()
        s.submit(page.locator("#new-class button[type=submit]"))
        assert "The class is made" in page.locator(".banner").inner_text()
        assert page.locator("h1").inner_text() == "Physical Science, period 1"
        s.check("class")
    finally:
        s.close()
    assert len(s.seen) >= 9, s.seen
