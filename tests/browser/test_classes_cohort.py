"""Classes and the cohort view in a real browser (issue 13): headless Chromium through Playwright
against the issuer under uvicorn on a free port, seeded with the demo school (whose teachers
already have classes).

The principal opens "People & classes" from the menu, goes on to Classes, makes a class (a
mistake first: the error summary, the choices kept), assigns Ms. Chen and two students; the class
page confirms it. Ms. Chen then goes Classes → the new class → its cohort view, sorts by a
competency (server-side links: the same with JavaScript off), downloads the CSV and reads it
back. At 1280 px with JavaScript and at 390 px without it, every page: axe-core finds nothing
serious or critical (when scripts run), nothing scrolls sideways (the grid scrolls inside its
own box), the Content-Security-Policy holds. Screenshots: ``classes-…-<width>.png``.
"""
from __future__ import annotations

import csv
import io
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


class Journey:
    def __init__(self, browser, viewport, shots: Path, **options) -> None:
        self.width = viewport["width"]
        self.context = browser.new_context(viewport=viewport, accept_downloads=True, **options)
        self.page = self.context.new_page()
        self.csp = watch_csp(self.page)
        self.shots = shots
        self.seen: list[str] = []
        self.axe = options.get("java_script_enabled", True)

    def check(self, name: str) -> None:
        page = self.page
        page.screenshot(path=str(self.shots / f"classes-{name}-{self.width}.png"), full_page=True)
        wide = page.evaluate("""() => [...document.querySelectorAll('body *')].filter(e => !e.closest('.cohort-scroll'))
            .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
            .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""")
        assert page.evaluate("document.documentElement.scrollWidth") <= self.width, (name, wide)
        if self.axe and AXE.is_file():
            assert axe_problems(page) == [], name
        self.seen.append(name)

    def menu(self, label: str) -> None:
        page = self.page
        toggle = page.locator(".menu > summary")
        if toggle.is_visible() and page.locator(".menu[open]").count() == 0:
            toggle.click()
        with page.expect_navigation():
            page.locator(".primary-nav a", has_text=re.compile(f"^{re.escape(label)}$")).click()

    def submit(self, locator) -> None:
        with self.page.expect_navigation():
            locator.click()

    def close(self) -> None:
        self.context.close()
        assert self.csp == []


@pytest.mark.parametrize(("viewport", "javascript"), [(DESKTOP, True), (PHONE, False)], ids=["1280", "390-nojs"])
def test_an_admin_makes_a_class_and_its_teacher_reads_the_cohort(browser, server, demo, shots, viewport, javascript):
    _, _, passwords = demo
    w = viewport["width"]
    name = f"Biology {w}"
    j = Journey(browser, viewport, shots, java_script_enabled=javascript)
    page = j.page
    try:
        sign_in(page, server, "principal", passwords["principal"])
        j.menu("People & classes")
        j.submit(page.locator("main a", has_text=re.compile("^Classes$")))
        assert page.locator("h1").inner_text() == "Classes"
        assert page.locator("#classes-table tbody tr").count() >= 2  # the demo's classes
        j.check("admin-list")
        # a mistake first: no name; the chosen teacher stays chosen
        page.locator("#new-class label", has_text="Ms. Li Chen").click()
        j.submit(page.locator("#new-class button[type=submit]"))
        assert "Enter the class's name" in page.locator(".error-summary").inner_text()
        assert page.locator("#new-class input[name=teachers]:checked").count() == 1
        j.check("admin-error")
        page.fill("#name", name)
        page.fill("#subject", "Science")
        for student in ("Maya Johnson", "Liam Nguyen"):
            page.locator("#students label", has_text=student).click()
        j.submit(page.locator("#new-class button[type=submit]"))
        assert "The class is made" in page.locator(".banner").inner_text()
        assert page.locator("h1").inner_text() == name
        assert page.locator("#remove input[type=checkbox]").count() == 2
        j.check("admin-class")
        j.context.clear_cookies()

        # the teacher: Classes → the class → its cohort view
        sign_in(page, server, "ms.chen", passwords["ms.chen"])
        j.menu("Classes")
        assert page.locator(".class-list li", has_text=name).count() == 1
        j.check("teacher-classes")
        j.submit(page.locator(".class-list h2 a", has_text=name))
        rows = page.locator("#class-students tbody tr")
        assert rows.count() == 2 and "Maya Johnson" in page.locator("#class-students").inner_text()
        j.check("teacher-class")
        j.submit(page.locator("main a.button", has_text="Cohort view"))
        assert page.locator(".primary-nav a[aria-current]").text_content().strip() == "Cohort view"
        grid = page.locator("#cohort-grid")
        assert grid.count() == 1 and grid.locator("tbody tr").count() == 2
        assert "3 · Proficient" in grid.inner_text() or "4 · Exceeds" in grid.inner_text()
        j.check("cohort")
        # sort by the first competency, high to low (a plain link: it works without JavaScript)
        head = grid.locator("thead tr").nth(1).locator("th").nth(2)
        j.submit(head.locator("a"))
        j.submit(page.locator("#cohort-grid thead tr").nth(1).locator("th").nth(2).locator("a"))
        assert page.locator("#cohort-grid thead th[aria-sort=descending]").count() == 1
        j.check("cohort-sorted")
        # the CSV, read back
        with page.expect_download() as info:
            page.locator("main a", has_text="Download CSV").click()
        text = Path(info.value.path()).read_text(encoding="utf-8-sig")
        table = list(csv.reader(io.StringIO(text)))
        assert table[0][:3] == ["student", "username", "met"] and table[1][0] == "required"
        assert {r[1] for r in table[2:]} == {"maya", "liam"}
        maya = next(r for r in table[2:] if r[1] == "maya")
        assert any(cell in ("3", "4") for cell in maya[3:])  # Maya's demo badges
    finally:
        j.close()
    assert len(j.seen) == 7
