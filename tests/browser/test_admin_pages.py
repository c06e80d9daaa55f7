"""The school administrator's pages in a real browser (issue 13): headless Chromium through
Playwright against the issuer under uvicorn on a free port, seeded with the demo school.

The principal goes everywhere from the menu: sets the school profile (the level words, a logo),
rotates the signing key after the confirmation page, makes an account and reads its one-time
password, deactivates it, imports a class list (first with a bad line, refused, then corrected),
makes an API token, and reads the audit log filtered to what they just did. At 1280 and 390 px
(the phone run with JavaScript off: every task is a plain form), every page: axe-core finds
nothing serious or critical, nothing scrolls sideways, the Content-Security-Policy holds.
Screenshots go to ``$BROWSER_SCREENSHOTS`` (else a pytest tmp dir), named ``admin-…-<width>.png``.
"""
from __future__ import annotations

import re
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

LOGO_SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" '
            b'fill="#0b5cad"/><path d="M32 10 L52 22 L52 42 L32 54 L12 42 L12 22 Z" fill="#ffffff"/>'
            b'<circle cx="32" cy="32" r="9" fill="#0f7a68"/></svg>')


class Journey:
    """A browser context at one width, and the checks every page of the journey passes."""

    def __init__(self, browser, viewport, shots: Path, **options) -> None:
        self.width = viewport["width"]
        self.context = browser.new_context(viewport=viewport, **options)
        self.page = self.context.new_page()
        self.csp = watch_csp(self.page)
        self.shots = shots
        self.seen: list[str] = []
        self.axe = options.get("java_script_enabled", True)  # axe-core runs as a script

    def check(self, name: str) -> None:
        page = self.page
        assert page.evaluate("document.documentElement.scrollWidth") <= self.width, name
        page.screenshot(path=str(self.shots / f"admin-{name}-{self.width}.png"), full_page=True)
        if self.axe and AXE.is_file():
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
        assert page.locator(".primary-nav a[aria-current=page]").text_content().strip() == label

    def submit(self, locator) -> None:
        with self.page.expect_navigation():
            locator.click()

    def close(self) -> None:
        self.context.close()
        assert self.csp == []




@pytest.mark.parametrize(("viewport", "javascript"), [(DESKTOP, True), (PHONE, False)], ids=["1280", "390-nojs"])
def test_a_principal_sets_up_the_school_from_the_menu(browser, server, demo, shots, tmp_path, viewport, javascript):
    _, _, passwords = demo
    w = viewport["width"]
    j = Journey(browser, viewport, shots, java_script_enabled=javascript)
    page = j.page
    try:
        sign_in(page, server, "principal", passwords["principal"])

        # the school profile: a mistake first (the summary, the input kept), then the level words
        j.menu("School profile")
        page.fill("#url", "not a web address")
        page.fill("#level-4", "")
        j.submit(page.locator("form.card button[type=submit].primary"))
        summary = page.locator(".error-summary")
        assert summary.count() == 1 and "Enter the web address in full" in summary.inner_text()
        assert page.input_value("#url") == "not a web address"
        j.check("school-errors")
        page.fill("#url", "https://lincoln.example.org")
        page.fill("#streetAddress", "1200 Lincoln Avenue")
        page.fill("#addressLocality", "Riverside")
        for i, word in enumerate(["Emerging", "Approaching", "Meeting", "Mastering"], start=1):
            page.fill(f"#level-{i}", word)
        j.submit(page.locator("form.card button[type=submit].primary"))
        assert "The profile is saved" in page.locator(".banner").inner_text()
        logo = tmp_path / "logo.svg"
        logo.write_bytes(LOGO_SVG)
        page.set_input_files("#logo", str(logo))
        j.submit(page.locator("#logo-section button[type=submit]"))
        assert "The new logo is saved" in page.locator(".banner").inner_text()
        assert page.locator(".logo-preview img").count() == 1
        j.check("school")

        # keys: the list, the confirmation, the rotation
        j.menu("Keys")
        assert "did:web:" in page.locator("main").inner_text()
        before = page.locator("tbody tr").count()
        j.check("keys")
        j.submit(page.locator("main a", has_text="Rotate the key"))
        assert page.locator("h1").inner_text() == "Rotate the signing key"
        j.check("keys-rotate")
        j.submit(page.locator("main button", has_text="Rotate the key"))
        assert "Key rotated" in page.locator(".banner").inner_text()
        assert page.locator("tbody tr").count() == before + 1
        j.check("keys-rotated")

        # people: an account with its one-time password, then deactivated
        j.menu("People & classes")
        page.fill("#display_name", f"Ana Ruiz {w}")
        page.fill("#username", f"ana.ruiz.{w}")
        page.select_option("#role", "teacher")
        j.submit(page.locator("#new-person button[type=submit]"))
        password = page.locator("#temporary-password").inner_text()
        assert re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}-[a-z2-9]{5}", password)
        j.check("people-made")
        page.fill("#q", f"ana.ruiz.{w}")
        j.submit(page.locator("form.filters button[type=submit]"))
        row = page.locator("tbody tr", has_text=f"ana.ruiz.{w}")
        j.submit(row.locator("button", has_text="Deactivate"))
        assert "The account is deactivated" in page.locator(".banner").inner_text()
        assert "Deactivated" in page.locator("tbody tr", has_text=f"ana.ruiz.{w}").inner_text()

        # a class list: a bad line stops it, the corrected file imports
        page.goto(f"{server}/admin/people")
        j.submit(page.locator("main a", has_text="Import a class list"))
        roster = tmp_path / "class.csv"
        roster.write_text(f"username,display_name,email,role\nkai.{w},Kai Brown,,student\nbad name,,x@,pilot\n")
        page.set_input_files("#roster", str(roster))
        j.submit(page.locator("main button", has_text="Check the file"))
        assert page.locator(".error-summary").count() == 1 and page.locator("tr.has-error").count() == 1
        j.check("roster-errors")
        j.submit(page.locator("main a", has_text="Choose the corrected file"))
        roster.write_text(f"username,display_name,email,role\nkai.{w},Kai Brown,,student\n"
                          f"ines.{w},Inés García,ines@lincoln.example,student\nmr.lee.{w},Daniel Lee,,teacher\n")
        page.set_input_files("#roster", str(roster))
        j.submit(page.locator("main button", has_text="Check the file"))
        assert "3 people are ready to import" in page.locator("main h2").first.inner_text()
        j.check("roster-preview")
        j.submit(page.locator("main button", has_text="Create 3 accounts"))
        assert page.locator("tbody code.one-time").count() == 3
        j.check("roster-made")

        # an API token, shown once
        j.menu("API tokens")
        page.fill("#token-name", f"Gradebook sync {w}")
        j.submit(page.locator("main button", has_text="Make the token"))
        assert page.locator("#new-token").input_value().startswith("bdg_")
        j.check("tokens")

        # the audit log says it in words, and filters
        j.menu("Audit log")
        text = page.locator("main").inner_text()
        assert "rotated the school's signing key" in text and f"made the account ana.ruiz.{w}" in text
        j.check("audit")
        page.select_option("#kind", "keys")
        j.submit(page.locator("form.filters button[type=submit]"))
        text = page.locator("tbody").inner_text()
        assert "rotated the school's signing key" in text and "made the account" not in text
        page.goto(f"{server}/admin/audit-log?since=31/12/2026")  # a date input sends ISO dates; a typed URL may not
        assert "Enter a date like" in page.locator(".error-summary").inner_text()
        j.check("audit-error")
    finally:
        j.close()
    assert len(j.seen) == 12


def test_the_admin_pages_speak_spanish(browser, server, demo, shots):
    _, _, passwords = demo
    j = Journey(browser, DESKTOP, shots, extra_http_headers={"Accept-Language": "es"})
    page = j.page
    try:
        sign_in(page, server, "principal", passwords["principal"])
        for url, heading in (("/admin/school", "Perfil del centro"), ("/admin/keys", "Claves de firma"),
                             ("/admin/people", "Personas"), ("/admin/audit-log", "Registro de auditoría")):
            page.goto(f"{server}{url}")
            assert page.locator("h1").inner_text() == heading, url
        j.check("audit-es")
    finally:
        j.close()
