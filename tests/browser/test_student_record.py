"""The student's own record in a real browser (issue 12, journey 4 and the transcript and My data
pages): headless Chromium through Playwright against the issuer under uvicorn on a free port,
seeded with the demo school.

A student signs in and goes everywhere from the menu: builds a portfolio (chooses a badge and a
piece of evidence, writes reflections, makes one piece public), makes a share link; a visitor with
no account sees only the public piece and follows the badge to its public page; the student
withdraws the link and the visitor gets "no longer shared". Then the Transcript entry: make one,
view it (the page shows the signed-in student, not "Sign in"), download the signed CLR, make a share
link with its expiry. Then My data: the ZIP downloads and reads back. At 1280 and 390 px (one demo
student each), every page: axe-core finds nothing serious or critical, nothing scrolls sideways,
the Content-Security-Policy holds. The portfolio also works with JavaScript off.
Screenshots go to ``$BROWSER_SCREENSHOTS`` (else a pytest tmp dir).
"""
from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest

from tests.browser.design.support import AXE
from tests.browser.support import (
    BROWSER_MARKS,
    DESKTOP,
    PHONE,
    axe_problems,
    sign_in,
    watch_csp,
)

pytestmark = [
    *BROWSER_MARKS,
    pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning"),
]



class Journey:
    """A browser context at one width, and the checks every page of the journey passes."""

    def __init__(self, browser, viewport, shots: Path, **options) -> None:
        self.width = viewport["width"]
        self.context = browser.new_context(viewport=viewport, accept_downloads=True, **options)
        self.page = self.context.new_page()
        self.csp = watch_csp(self.page)
        self.shots = shots
        self.seen: list[str] = []

    def check(self, name: str, *, axe: bool = True) -> None:
        page = self.page
        assert page.evaluate("document.documentElement.scrollWidth") <= self.width, name
        page.screenshot(path=str(self.shots / f"{name}-{self.width}.png"), full_page=True)
        if axe and AXE.is_file():
            assert axe_problems(page) == [], name
        self.seen.append(name)

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




@pytest.mark.parametrize(("viewport", "student", "name"), [(DESKTOP, "maya", "Maya Johnson"),
                                                           (PHONE, "zoe", "Zoe Patel")], ids=["1280", "390"])
def test_a_student_curates_and_shares_a_portfolio_a_visitor_sees_only_the_public_piece(
        browser, server, demo, shots, viewport, student, name):
    _, _, passwords = demo
    j = Journey(browser, viewport, shots)
    visitor = Journey(browser, viewport, shots)
    page = j.page
    try:
        sign_in(page, server, student, passwords[student])
        j.menu("Portfolio")
        assert page.url == f"{server}/student/portfolio"
        assert page.locator(".primary-nav a[aria-current=page]").text_content().strip() == "Portfolio"
        assert name in page.locator(".who").text_content()
        j.check("portfolio-empty")

        badges = page.locator("#add fieldset").first.locator("input[name=pieces]")
        evidence = page.locator("#add fieldset").nth(1).locator("input[name=pieces]")
        badge_name = page.locator("#add fieldset").first.locator(".pick-name").first.inner_text()
        badges.first.check()
        narrative = page.locator("#add .pick", has_text="My account of").first
        narrative.locator("input").check()
        evidence.last.check()  # a file
        with page.expect_navigation():
            page.click("text=Add to my portfolio")
        assert page.locator(".banner-success").count() == 1
        assert page.locator("#chosen .piece").count() == 3

        page.fill("#title", f"{name.split()[0]}'s year of learning")
        page.fill("#reflection", "These pieces show how I learnt to explain my thinking, step by step.")
        with page.expect_navigation():
            page.click("#about-title ~ form button[type=submit]")
        badge_piece = page.locator("#chosen .piece").first
        badge_piece.locator("textarea").fill("My first badge: I justified every step.")
        badge_piece.locator("input[name=public]").check()
        with page.expect_navigation():
            badge_piece.locator("button", has_text="Save this piece").click()
        assert "Public" in page.locator("#chosen .piece").first.locator(".piece-state").inner_text()
        page.fill("#label", "State University admissions")
        with page.expect_navigation():
            page.click("text=Make a share link")
        url = page.locator("#share-url").input_value()
        assert url.startswith(f"{server}/portfolio/")
        j.check("portfolio-shared")

        # a visitor with the link and no account: the public badge only, and its public page
        visitor.page.goto(url)
        v = visitor.page
        assert v.locator(".account a", has_text="Sign in").count() == 1
        assert v.locator("h1").inner_text() == f"{name.split()[0]}'s year of learning"
        assert v.locator(".piece").count() == 1
        assert badge_name in v.locator(".piece").inner_text()
        assert "My first badge: I justified every step." in v.locator("main").inner_text()
        assert "My account of" not in v.locator("main").inner_text()
        visitor.check("portfolio-public")
        with v.expect_navigation():
            v.locator(".piece-name a").click()
        assert re.search(r"/badges/[0-9a-f-]{36}$", v.url), v.url

        # the student withdraws the link; the visitor's copy now says so (410)
        with page.expect_navigation():
            page.locator("#shares button", has_text="Withdraw").first.click()
        assert "Withdrawn" in page.locator("#shares table").inner_text()
        j.check("portfolio-withdrawn")
        answer = v.goto(url)
        assert answer.status == 410 and v.locator("h1").inner_text() == "This portfolio is no longer shared"
        visitor.check("portfolio-gone")
    finally:
        j.close()
        visitor.close()
    assert j.seen == ["portfolio-empty", "portfolio-shared", "portfolio-withdrawn"]


@pytest.mark.parametrize(("viewport", "student"), [(DESKTOP, "maya"), (PHONE, "zoe")], ids=["1280", "390"])
def test_the_transcript_and_my_data_from_the_menu(browser, server, demo, shots, viewport, student):
    _, _, passwords = demo
    j = Journey(browser, viewport, shots)
    page = j.page
    try:
        sign_in(page, server, student, passwords[student])
        j.menu("Transcript")
        assert page.url == f"{server}/student/transcripts"
        if page.locator("#latest-title").count() == 0:
            j.check("transcript-none")
            with page.expect_navigation():
                page.click("#make-transcript")
            assert re.search(r"/transcripts/[0-9a-f-]{36}$", page.url), page.url
            # the view: the signed-in student and their menu, not "Sign in"
            assert page.locator(".account a", has_text="Sign in").count() == 0
            assert page.locator(".who").text_content().strip() != ""
            assert page.locator(".primary-nav a[aria-current]").text_content().strip() == "Transcript"
            j.check("transcript-view")
            j.menu("Transcript")
        with page.expect_download() as download:
            page.locator(".transcript-actions a", has_text="Download signed record (JSON)").click()
        clr = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
        assert clr["type"] == ["VerifiableCredential", "ClrCredential"]
        assert download.value.suggested_filename.endswith(".clr.json")
        form = page.locator(".transcript-latest .share-form")
        form.locator("input[name=label]").fill("City College")
        form.locator("input[name=days]").fill("14")
        with page.expect_navigation():
            form.locator("button").click()
        assert "works for 14 days" in page.locator("#new-share").inner_text()
        row = page.locator(".transcript-latest tr", has_text="City College")
        assert "Active" in row.inner_text()
        j.check("transcript-shared")

        j.menu("My data")
        assert page.url == f"{server}/student/data"
        j.check("my-data")
        with page.expect_download() as download:
            page.click("#download-archive")
        with zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes())) as z:
            names = z.namelist()
            assert names[:2] == ["README.txt", "manifest.json"]
            assert any(n.startswith("badges/") and n.endswith(".png") for n in names)
            assert any(n.endswith(".clr.json") for n in names) and any(n.endswith(".pdf") for n in names)
            assert any(n.startswith("evidence/") for n in names)
    finally:
        j.close()


def test_the_portfolio_works_with_javascript_off(browser, server, demo, shots):
    _, _, passwords = demo
    j = Journey(browser, DESKTOP, shots, java_script_enabled=False)
    page = j.page
    try:
        sign_in(page, server, "liam", passwords["liam"])
        page.goto(f"{server}/student/portfolio")
        page.locator("#add input[name=pieces]").first.check()
        with page.expect_navigation():
            page.click("text=Add to my portfolio")
        piece = page.locator("#chosen .piece").first
        piece.locator("input[name=public]").check()
        with page.expect_navigation():
            piece.locator("button", has_text="Save this piece").click()
        with page.expect_navigation():
            page.click("text=Make a share link")
        url = page.locator("#share-url").input_value()
        page.context.clear_cookies()
        page.goto(url)
        assert page.locator(".piece").count() == 1
        page.screenshot(path=str(shots / "portfolio-public-nojs-1280.png"), full_page=True)
    finally:
        j.close()


def test_the_student_record_pages_speak_spanish(browser, server, demo, shots):
    _, _, passwords = demo
    j = Journey(browser, DESKTOP, shots, locale="es-ES")
    page = j.page
    try:
        sign_in(page, server, "omar", passwords["omar"])
        for label, heading, name in (("Portafolio", "Mi portafolio", "portfolio-es"),
                                     ("Expediente", "Mi expediente", "transcript-es"),
                                     ("Mis datos", "Mis datos", "my-data-es")):
            j.menu(label)
            assert page.locator("html").get_attribute("lang") == "es"
            assert page.locator("h1").inner_text() == heading
            j.check(name)
    finally:
        j.close()
