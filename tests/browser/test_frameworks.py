"""The framework pages in a real browser (issue 13): headless Chromium through Playwright against
the issuer under uvicorn on a free port, seeded with the demo school.

The principal goes to Frameworks from the menu; imports a CASE package (a three-level state
standards tree: the preview shows the tree, then the framework page shows it nested), first a
broken copy (a cycle: the preview names the item and offers no confirmation); imports a CSV of
habits of work with a parent column; makes a framework by hand (a mistake first: the summary,
the input kept) and adds a competency under another. At 1280 px with JavaScript and at 390 px
without it: axe-core finds nothing serious or critical (where scripts run), nothing scrolls
sideways, the Content-Security-Policy holds. Screenshots: ``frameworks-…-<width>.png``.

The import steps live in ``tests/browser/frameworks_support.py`` for other journeys to reuse.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.browser.design.support import AXE
from tests.browser.frameworks_support import (
    CASE_PACKAGE,
    HABITS_CSV,
    confirm_framework,
    follow_menu,
    open_import,
    preview_framework,
)
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
    def __init__(self, browser, viewport, shots: Path, javascript: bool) -> None:
        self.width = viewport["width"]
        self.context = browser.new_context(viewport=viewport, java_script_enabled=javascript)
        self.page = self.context.new_page()
        self.csp = watch_csp(self.page)
        self.shots = shots
        self.axe = javascript
        self.seen: list[str] = []

    def check(self, name: str) -> None:
        page = self.page
        assert page.evaluate("document.documentElement.scrollWidth") <= self.width, name
        page.screenshot(path=str(self.shots / f"frameworks-{name}-{self.width}.png"), full_page=True)
        if self.axe and AXE.is_file():
            assert axe_problems(page) == [], name
        self.seen.append(name)

    def submit(self, locator) -> None:
        with self.page.expect_navigation():
            locator.click()

    def close(self) -> None:
        self.context.close()
        assert self.csp == []


def _cycle(tmp_path: Path) -> Path:
    pkg = json.loads(CASE_PACKAGE.read_text())
    by_code = {i["humanCodingScheme"]: i for i in pkg["CFItems"]}
    assoc = next(a for a in pkg["CFAssociations"] if a["associationType"] == "isChildOf"
                 and a["originNodeURI"]["identifier"] == by_code["HS-PS"]["identifier"])
    assoc["destinationNodeURI"] = {"identifier": by_code["HS-PS1"]["identifier"], "uri": by_code["HS-PS1"]["uri"],
                                   "title": "HS-PS1"}
    path = tmp_path / "cycle.json"
    path.write_text(json.dumps(pkg))
    return path


@pytest.mark.parametrize(("viewport", "javascript"), [(DESKTOP, True), (PHONE, False)], ids=["1280", "390-nojs"])
def test_a_principal_imports_and_builds_frameworks(browser, server, demo, shots, tmp_path, viewport, javascript):
    _, _, passwords = demo
    w = viewport["width"]
    j = Journey(browser, viewport, shots, javascript)
    page = j.page
    try:
        sign_in(page, server, "principal", passwords["principal"])
        follow_menu(page, "Frameworks")
        assert [h.strip() for h in page.locator("main h2").all_inner_texts()][:3] == [
            "Academic", "Habits of work", "Extended learning"]
        j.check("list")

        # a broken CASE package: the preview names the item in the cycle and offers nothing to confirm
        open_import(page)
        j.check("import")
        preview_framework(page, _cycle(tmp_path), fmt="case", kind="academic")
        assert page.locator(".error-summary").count() == 1
        problems = page.locator("#problems").inner_text()
        assert "circle" in problems and "9f3c1e2a-5b7d-4e21-8a64-0c1d2e3f" in problems
        assert page.locator("form.confirm-import").count() == 0
        j.check("import-case-errors")

        # the real package: the preview shows the tree, confirming stores it
        j.submit(page.locator("main a", has_text="Choose the corrected file"))
        preview_framework(page, CASE_PACKAGE, fmt="case", kind="academic")
        tree = page.locator(".competency-tree")
        assert tree.locator(":scope > li").count() == 2  # two domains at the top
        assert tree.locator(".competency-branch .competency-branch code", has_text="HS-PS1-1").count() == 1
        j.check("import-case-preview")
        url = confirm_framework(page)
        assert page.locator(".banner").count() == 1
        assert page.locator(".competency-tree .competency-branch .competency-branch li").count() == 5
        j.check("case-framework")

        # a CSV of habits of work with a parent column
        open_import(page)
        preview_framework(page, HABITS_CSV, fmt="csv", kind="habits", name=f"Lincoln Habits of Work {w}")
        assert "Import 6 competencies" in page.locator("form.confirm-import").inner_text()
        j.check("import-csv-preview")
        confirm_framework(page)
        assert page.locator("h1").inner_text() == f"Lincoln Habits of Work {w}"
        j.check("csv-framework")

        # by hand: a mistake first, then a framework with a competency under another
        follow_menu(page, "Frameworks")
        j.submit(page.locator("main a", has_text="Make a framework by hand"))
        page.fill("#version", "2026")
        j.submit(page.locator("main button", has_text="Make the framework"))
        assert page.locator(".error-summary").count() == 1 and page.input_value("#version") == "2026"
        j.check("new-errors")
        page.fill("#name", f"Community internships {w}")
        page.check("input[name=kind][value=elo]")
        j.submit(page.locator("main button", has_text="Make the framework"))
        assert "The framework is made" in page.locator(".banner").inner_text()
        page.fill("#code", "INT")
        page.fill("#name", "Internship")
        j.submit(page.locator("#new-competency button[type=submit]"))
        page.fill("#code", "INT.1")
        page.fill("#name", "Keeps a reflective log")
        page.fill("#description", "Writes a weekly entry about what was learned at the placement.")
        page.select_option("#parent", "INT")
        j.submit(page.locator("#new-competency button[type=submit]"))
        assert "The competency is added" in page.locator(".banner").inner_text()
        assert page.locator(".competency-tree .competency-branch code", has_text="INT.1").count() == 1
        j.check("hand-made")

        # the list shows all three kinds filled, with counts
        follow_menu(page, "Frameworks")
        text = page.locator("main").inner_text()
        assert "State Science Standards (High School)" in text and f"Community internships {w}" in text
        j.check("list-filled")
        page.goto(url)
        assert page.locator("h1").inner_text() == "State Science Standards (High School)"
    finally:
        j.close()
    assert len(j.seen) == 10
