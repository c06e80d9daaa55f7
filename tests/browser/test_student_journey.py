"""The student's journey in a real browser (issue 12): headless Chromium (the system binary)
through Playwright, against the issuer on the seeded demo school under uvicorn.

Liam signs in, opens Progress from the menu and reads his badge in progress with its feedback in
the rubric's words; he revises the evidence (a bad link first: the error summary links to the
field and nothing he typed is lost), adds a self-assessment, resubmits; the teacher sees the
self-assessment beside the work and rates it at the required level; Liam then finds the new badge
card under "My badges" and the learning map moved. Also: the rubric before submitting, with and
without JavaScript, the extended-learning form keeping what was typed, every page in Spanish.
Each page: axe-core finds nothing serious or critical, nothing scrolls sideways at 390 px, and a
screenshot at 1280 and 390 px goes to ``$BROWSER_SCREENSHOTS`` (else a pytest tmp dir).
"""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.browser.design.support import AXE
from tests.browser.support import BROWSER_MARKS, DESKTOP, PHONE, free_port, serve, sign_in, watch_csp

pytestmark = [
    *BROWSER_MARKS,
    pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning"),
]

# A rubric in the school's own words: what a teacher's rating means, level by level.
INQUIRY = {"name": "Inquiry rubric", "criteria": [
    {"id": "design", "name": "Designing the investigation", "requiredLevel": 3, "levels": [
        {"value": 1, "name": "Beginning", "description": "Names a question but not how to test it."},
        {"value": 2, "name": "Developing", "description": "Plans a test, but variables are not controlled."},
        {"value": 3, "name": "Proficient", "description": "Controls variables and repeats measurements."},
        {"value": 4, "name": "Exceeds", "description": "Justifies the design and its limits."}]},
    {"id": "evidence", "name": "Reasoning from evidence", "requiredLevel": 3, "levels": [
        {"value": 1, "name": "Beginning", "description": "Restates the data."},
        {"value": 2, "name": "Developing", "description": "Draws a claim the data only partly support."},
        {"value": 3, "name": "Proficient", "description": "Draws a claim the data support, with the error."},
        {"value": 4, "name": "Exceeds", "description": "Weighs other explanations of the data."}]}]}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo school plus a science badge whose rubric has words for every level, for which
    Liam's first try was rated below the required level: (settings, {username: password})."""
    from issuer.cli.learning import seed_demo
    from issuer.settings import Settings

    port = free_port()
    settings = Settings(base_url=f"http://127.0.0.1:{port}", data_dir=tmp_path_factory.mktemp("issuer-data"))

    async def seed() -> dict[str, str]:
        from issuer.access import Principal, Role
        from issuer.accounts import repo as accounts_repo
        from issuer.catalog import achievements, frameworks
        from issuer.catalog.schemas import AchievementIn
        from issuer.cli import context_for
        from issuer.evidence import review, service
        from issuer.evidence.schemas import ReviewIn

        out = await seed_demo(settings)
        ctx = context_for(settings)

        async def principal(username: str) -> Principal:
            u = await accounts_repo.user_by_username(username)
            return Principal(role=Role(u.role), id=u.id, school_id=u.school, district_id=u.district)

        teacher, liam = await principal("ms.chen"), await principal("liam")
        sci = next(c for fw in await frameworks.frameworks_with_competencies(ctx, teacher) for c in fw.competencies
                   if c.code == "SCI.HS.SEP.3")
        inquiry = await achievements.create_achievement(ctx, teacher, AchievementIn(
            name="Scientific Inquiry", description="Designs a fair test and reasons from its evidence.",
            subject="Science", rubric=INQUIRY, alignments=[sci.id]))
        sub = await service.submit(ctx, liam, achievement_uuid=str(inquiry.uuid), urls=[], files=[],
                                   narrative="I timed a pendulum of three lengths, once each.")
        await review.record_review(ctx, teacher, str(sub.uuid), ReviewIn(
            ratings={"design": 2, "evidence": 3},
            feedback="Good question. Repeat each timing and keep the angle the same."))
        return {username: password for _role, username, password in out["logins"]}

    with pytest.MonkeyPatch.context() as env:
        for name in ("DATABASE_URL", "PICCOLO_CONF"):  # the demo's migration step exports these
            env.setenv(name, "")
            env.delenv(name)
        with ThreadPoolExecutor(max_workers=1) as pool:  # Playwright's sync API may hold this thread's loop
            passwords = pool.submit(asyncio.run, seed()).result()
    return port, settings, passwords


@pytest.fixture(scope="module")
def server(demo):
    from issuer.app import create_app

    port, settings, _ = demo
    with serve(create_app(settings), port, name="the issuer app", timeout=20) as url:
        yield url


def _context(browser, viewport=DESKTOP, **options):
    context = browser.new_context(viewport=viewport, **options)
    page = context.new_page()
    return context, page, watch_csp(page)




def axe_problems(page) -> list[dict]:
    """axe-core's serious and critical violations (the script goes in through DevTools, outside the CSP)."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations
        .filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => ({id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}))""")


def check(page, shots: Path, name: str, *, javascript: bool = True) -> None:
    """The page as it is now, at 1280 and at 390 px: no serious accessibility problem, nothing
    sideways on the phone, a full-page screenshot of each. Without JavaScript only the
    screenshots (``page.evaluate`` never returns there); the same pages are checked with it."""
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        if javascript and AXE.is_file():
            assert axe_problems(page) == [], (name, viewport["width"])
        page.screenshot(path=str(shots / f"student-{name}-{viewport['width']}.png"), full_page=True)
        if javascript and viewport is PHONE:
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], (name, too_wide(page))
    page.set_viewport_size(DESKTOP)


def too_wide(page) -> list[str]:
    """The elements that stick out of a phone's width (what a failure names)."""
    return page.evaluate("""() => [...document.querySelectorAll('main *')]
        .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""")


def menu(page, label: str) -> None:
    with page.expect_navigation():
        page.locator(".primary-nav a", has_text=label).first.click()


def test_a_student_revises_after_feedback_and_sees_the_badge_and_the_map_change(browser, server, demo, shots):
    _, _, passwords = demo
    context, page, violations = _context(browser)
    try:
        sign_in(page, server, "liam", passwords["liam"])
        assert page.url == f"{server}/student/badges"
        check(page, shots, "badges-before")
        assert "Equation Reasoning" in page.locator(".badge-grid").inner_text()
        assert "Scientific Inquiry" not in page.locator("main").inner_text()

        menu(page, "Progress")
        assert page.url == f"{server}/student/progress"
        card = page.locator(".progress-card", has_text="Scientific Inquiry")
        text = card.inner_text()
        assert "Needs revision" in text and "1 of 2 criteria met" in text
        assert "Plans a test, but variables are not controlled." in text  # the level reached, in words
        assert "Controls variables and repeats measurements." in text  # what the required level asks
        assert "Repeat each timing and keep the angle the same." in text
        map_row = page.locator(".map-row", has_text="Plan and carry out investigations")
        assert "Reached: not yet" in map_row.inner_text()
        nxt = page.locator("#next").locator("xpath=..").inner_text()
        assert "Waiting on a prerequisite" not in nxt or "Data Storyteller" not in nxt
        check(page, shots, "progress-before")

        with page.expect_navigation():
            card.locator("a", has_text="Revise your evidence").click()
        assert "/student/submissions/" in page.url
        assert "Rating of version 1" in page.locator("#feedback").locator("xpath=..").inner_text()
        check(page, shots, "submission-feedback")

        # a bad link: the error summary links to the field, everything typed is still there
        narrative = "I timed each length five times from the same 10 degree angle."
        page.fill("#narrative", narrative)
        page.fill("#urls", "pendulum-video")
        page.select_option("#self_level_design", "3")
        page.fill("#self_comment", "I kept the angle fixed this time.")
        with page.expect_navigation():
            page.click("button:has-text('Resubmit')")
        summary = page.locator(".error-summary")
        assert summary.is_visible() and "http://" in summary.inner_text()
        assert summary.locator("a").get_attribute("href") == "#urls"
        assert page.input_value("#narrative") == narrative and page.input_value("#urls") == "pendulum-video"
        assert page.input_value("#self_level_design") == "3"
        assert page.input_value("#self_comment") == "I kept the angle fixed this time."
        check(page, shots, "revise-error")

        page.fill("#urls", "https://example.org/pendulum-video")
        with page.expect_navigation():
            page.click("button:has-text('Resubmit')")
        assert "result=revised" in page.url and page.locator("#revised").is_visible()
        assert "I kept the angle fixed this time." in page.locator("#evidence").locator("xpath=..").inner_text()
        submission_url = page.url.split("?")[0]

        # the teacher sees the self-assessment beside the work, and rates at the required level
        context.clear_cookies()
        sign_in(page, server, "ms.chen", passwords["ms.chen"])
        page.goto(submission_url.replace("/student/", "/teacher/"))
        own = page.locator("section.self-view")
        assert "The student's self-assessment of version 2" in own.inner_text()
        assert "3 · Proficient" in own.inner_text() and "I kept the angle fixed this time." in own.inner_text()
        check(page, shots, "teacher-sees-self-assessment")
        page.check("input[name=rating_design][value='3']")
        page.check("input[name=rating_evidence][value='4']")
        with page.expect_navigation():
            page.click("text=Save rating")
        assert page.url.endswith("/outcome") and "Awarded" in page.locator("h1").inner_text()

        context.clear_cookies()
        sign_in(page, server, "liam", passwords["liam"])
        tile = page.locator(".badge-tile", has_text="Scientific Inquiry")
        assert tile.count() == 1
        assert "3 · Proficient" in tile.inner_text() and "Lincoln High School" in tile.inner_text()
        assert "Academic · Science" in page.locator("main").inner_text()
        check(page, shots, "badges-after")
        menu(page, "Progress")
        map_row = page.locator(".map-row", has_text="Plan and carry out investigations")
        assert "Reached: 3 · Proficient" in map_row.inner_text() and "Met" in map_row.inner_text()
        assert map_row.locator("a").get_attribute("href").startswith("/badges/")
        assert page.locator(".progress-card", has_text="Scientific Inquiry").count() == 0
        check(page, shots, "progress-after")
    finally:
        context.close()
    assert violations == []


@pytest.mark.parametrize("javascript", [False, True], ids=["no-js", "js"])
def test_the_rubric_is_shown_before_submitting(browser, server, demo, shots, javascript):
    _, _, passwords = demo
    context, page, violations = _context(browser, java_script_enabled=javascript)
    try:
        sign_in(page, server, "zoe", passwords["zoe"])
        menu(page, "Submit evidence")
        assert page.url == f"{server}/student/submit"
        page.fill("#narrative", "Typed before choosing the badge.")
        if javascript:
            assert not page.locator("#choose-badge button").is_visible()  # the select does it
            page.select_option("#achievement", label="Scientific Inquiry")
            page.wait_for_selector("#rubric-title:has-text('Scientific Inquiry')")
            assert page.input_value("#narrative") == "Typed before choosing the badge."
        else:
            page.select_option("#achievement", label="Scientific Inquiry")
            with page.expect_navigation():
                page.click("#choose-badge button")
            assert "achievement=" in page.url
        grid = page.locator("#rubric-panel .rubric-grid")
        assert "Controls variables and repeats measurements." in grid.inner_text()
        required = grid.locator("td.is-required")
        assert required.count() == 2 and "3 · Proficient" in required.first.inner_text()
        assert page.locator("#self_level_design").count() == 1
        check(page, shots, "submit-rubric" + ("" if javascript else "-no-js"), javascript=javascript)
        page.fill("#narrative", "My fair test of pendulum length.")
        page.select_option("#self_level_evidence", "2")
        with page.expect_navigation():
            page.click("text=Submit for rating")
        assert "result=submitted" in page.url
        assert "Scientific Inquiry" in page.locator("h1").inner_text()
        assert "2 · Developing" in page.locator(".self-view").inner_text()
        if javascript:
            check(page, shots, "submitted")
    finally:
        context.close()
    assert violations == []


def test_the_extended_learning_form_keeps_what_was_typed(browser, server, demo, shots):
    _, _, passwords = demo
    context, page, violations = _context(browser)
    try:
        sign_in(page, server, "maya", passwords["maya"])
        menu(page, "Extended learning")
        page.select_option("#achievement", label="Workplace Learning")
        page.fill("#partner_org", "Riverside Clinic")
        page.fill("#mentor_name", "Dr. Ana Ruiz")
        page.fill("#goals", "Shadow the lab technicians.")
        page.check("text=Applies learning in a workplace setting")
        page.fill("#hours", "30")
        page.fill("#start_date", "2026-02-01")
        page.fill("#end_date", "2026-01-01")  # before the start
        # the browser's own checks let the form through (the email field is valid); the server refuses
        page.fill("#mentor_email", "ruiz@clinic.example")
        with page.expect_navigation():
            page.click("text=Send to my teacher")
        summary = page.locator(".error-summary")
        assert summary.locator("a").get_attribute("href") == "#end_date"
        assert page.input_value("#partner_org") == "Riverside Clinic" and page.input_value("#hours") == "30"
        assert page.input_value("#goals") == "Shadow the lab technicians."
        assert page.is_checked("text=Applies learning in a workplace setting")
        check(page, shots, "elo-error")
        page.fill("#end_date", "2026-04-01")
        with page.expect_navigation():
            page.click("text=Send to my teacher")
        assert page.locator("#proposed").is_visible()
        assert "Riverside Clinic" in page.locator("table").inner_text()
    finally:
        context.close()
    assert violations == []


def test_the_student_pages_speak_spanish(browser, server, demo, shots):
    _, _, passwords = demo
    context, page, violations = _context(browser)
    try:
        sign_in(page, server, "maya", passwords["maya"])
        page.goto(f"{server}/student/progress?lang=es")
        text = page.locator("main").inner_text()
        for spanish in ("Progreso", "Mapa de aprendizaje", "Lo siguiente", "Competente"):
            assert spanish in text, spanish
        check(page, shots, "progress-es")
        menu(page, "Mis insignias")
        assert "Insignias conseguidas" in page.locator("main").inner_text()
        page.goto(f"{server}/student/submit")
        assert "Tu autoevaluación (opcional)" in page.locator("main").inner_text()
    finally:
        context.close()
    assert violations == []
