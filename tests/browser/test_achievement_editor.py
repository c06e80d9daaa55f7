"""The achievement editor in a real browser (issue 13): headless Chromium through Playwright
against the issuer under uvicorn on a free port, seeded with the demo school.

The principal opens "Achievements" from the menu, builds an achievement with a four-level rubric
in the editor (adding a criterion is a server round trip that keeps what was typed; a missing
cell description is listed in the error summary and marked at its field), aligns it to a
competency of its area, uploads its image, then edits an achievement that already has awards:
the page says a new version will be made, saving makes it, and the history shows the old one.
At 1280 px with JavaScript and at 390 px without it (every button is a plain form submit):
axe-core finds nothing serious or critical, nothing scrolls sideways, the CSP holds.
Screenshots: ``$BROWSER_SCREENSHOTS`` (else a pytest tmp dir), ``achievement-…-<width>.png``.

``build_achievement(page, name=…, area=…, criteria=[…], levels=4)`` is the editor as a step of
another journey (the lead's "setting up a school"): it needs a signed-in administrator's page.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.achievement_support import BADGE_SVG, build_achievement, submit_and_wait
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
        self.context = browser.new_context(viewport=viewport, **options)
        self.page = self.context.new_page()
        self.csp = watch_csp(self.page)
        self.shots = shots
        self.axe = options.get("java_script_enabled", True)

    def check(self, name: str) -> None:
        page = self.page
        assert page.evaluate("document.documentElement.scrollWidth") <= self.width, name
        page.screenshot(path=str(self.shots / f"achievement-{name}-{self.width}.png"), full_page=True)
        if self.axe and AXE.is_file():
            assert axe_problems(page) == [], name

    def menu(self, label: str) -> None:
        page = self.page
        toggle = page.locator(".menu > summary")
        if toggle.is_visible() and page.locator(".menu[open]").count() == 0:
            toggle.click()
        with page.expect_navigation():
            page.locator(".primary-nav a", has_text=re.compile(f"^{re.escape(label)}$")).click()
        assert page.locator(".primary-nav a[aria-current=page]").text_content().strip() == label

    def close(self) -> None:
        self.context.close()
        assert self.csp == []


# the awarded demo achievement each run edits (a run's edit makes its version 2)
AWARDED = {1280: ("Equation Reasoning", 3), 390: ("Data Storyteller", 1)}


@pytest.mark.parametrize(("viewport", "javascript"), [(DESKTOP, True), (PHONE, False)], ids=["1280", "390-nojs"])
def test_an_admin_builds_an_achievement_and_versions_an_awarded_one(browser, server, demo, shots, tmp_path,
                                                                    viewport, javascript):
    _, _, passwords = demo
    w = viewport["width"]
    j = Journey(browser, viewport, shots, java_script_enabled=javascript)
    page = j.page
    try:
        sign_in(page, server, "principal", passwords["principal"])
        j.menu("Achievements")
        assert page.locator("h1").inner_text() == "Achievements"
        assert page.get_by_role("link", name="Equation Reasoning").count() == 1
        j.check("list")

        # the editor: a four-level rubric from the school's words, a third criterion by round trip
        submit_and_wait(page, page.get_by_role("link", name="Create an achievement").first)
        assert [page.input_value(f"#level-{i}") for i in range(1, 5)] == \
            ["Beginning", "Developing", "Proficient", "Exceeds"]
        name = f"Lab Investigator {w}"
        build_achievement(page, name=name, criteria=[("Planning", 3), ("Analysis", 3), ("Communication", 2)],
                          levels=4, competencies=["SCI.HS.SEP.3"], total=9, save=False)
        assert page.locator(".criterion-row").count() == 3
        if javascript:  # the required mark follows the select at once
            assert "is-required" in page.locator(".rubric-cell:has(#c-3-level-2)").get_attribute("class")
            assert "is-required" not in page.locator(".rubric-cell:has(#c-3-level-3)").get_attribute("class")
        # the habits framework is not offered to an academic achievement
        assert page.locator("#alignments", has_text="HOW.COLLAB").count() == 0
        j.check("editor")
        page.fill("#c-2-level-3", "")  # a mistake: the summary names it, the input stays
        submit_and_wait(page, page.locator("form.achievement-form button.primary[value=save]"))
        summary = page.locator(".error-summary")
        assert "Criterion 2 has no description for level 3." in summary.inner_text()
        assert page.input_value("#c-1-name") == "Planning" and page.input_value("#name") == name
        assert page.locator("#c-3-required").input_value() == "2"
        j.check("editor-errors")
        page.fill("#c-2-level-3", "Analysis: work at proficient")
        submit_and_wait(page, page.locator("form.achievement-form button.primary[value=save]"))
        assert "The achievement is created." in page.locator("#done").inner_text()
        assert page.locator("h1").inner_text() == name
        assert page.locator(".rubric-grid tbody tr").count() == 3
        assert "Plan and carry out investigations" in page.locator("main").inner_text()

        # its image
        svg = tmp_path / "badge.svg"
        svg.write_bytes(BADGE_SVG)
        page.set_input_files("#image", str(svg))
        submit_and_wait(page, page.get_by_role("button", name="Upload the image"))
        assert "The new image is saved." in page.locator("#done").inner_text()
        assert page.locator(".achievement-art img").count() == 1
        j.check("achievement")

        # an achievement with awards: the edit page says what saving does, saving makes version 2
        j.menu("Achievements")
        awarded, awards = AWARDED[w]
        submit_and_wait(page, page.get_by_role("link", name=awarded))
        submit_and_wait(page, page.get_by_role("link", name=re.compile("^Edit")))
        note = page.locator("#version-note").inner_text()
        assert re.search(rf"This badge has {awards} awards?: saving makes version 2; issued badges keep version 1.",
                         note), note
        j.check("edit-awarded")
        page.fill("#description", page.input_value("#description") + " Now with a written reflection.")
        cells = page.locator(".rubric-cell textarea")
        for k in range(cells.count()):  # the demo's rubrics name their levels without describing them
            if not cells.nth(k).input_value():
                cells.nth(k).fill("What work at this level looks like.")
        submit_and_wait(page, page.locator("form.achievement-form button.primary[value=save]"))
        assert "Saved as version 2." in page.locator("#done").inner_text()
        history = page.locator("#history")
        assert history.get_by_role("link", name="Version 1").count() == 1
        assert "Version 2" in history.inner_text()
        j.check("new-version")
        # the old version is kept for its badges
        submit_and_wait(page, history.get_by_role("link", name="Version 1"))
        assert "kept as it was for the badges issued with it" in page.locator("#old-version").inner_text()
    finally:
        j.close()
