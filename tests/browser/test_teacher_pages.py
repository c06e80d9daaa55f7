"""The teacher's pages in a real browser (issue 13, journey 2 "A term", the teacher's part):
headless Chromium through Playwright against the issuer under uvicorn on a free port, seeded with
the demo school plus one submission per width with an image, a text file and a PDF.

A teacher signs in, lands on the review queue, filters it, opens the work, reads the evidence
inline beside the rubric grid, rates below the threshold and reads "Not yet: … needs …"; the
student revises; the teacher rates the revision at the threshold, reads "Awarded: …" and opens the
badge. Then from the menu, Award history: the badge is suspended and reinstated with a reason, and
revoked after the "check your answers" step; the public badge page never shows the reason. Then
the student's own page. At 1280 and 390 px every page passes axe-core (no serious or critical
violation), nothing scrolls sideways, and the Content-Security-Policy holds. The rating and the
revocation also work with JavaScript off. Screenshots go to ``$BROWSER_SCREENSHOTS`` (else a
pytest tmp dir).
"""
from __future__ import annotations

import asyncio
import io
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.browser.design.support import AXE
from tests.browser.support import BROWSER_MARKS, DESKTOP, PHONE, axe_problems, free_port, serve, watch_csp

pytestmark = [
    *BROWSER_MARKS,
    pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning"),
]

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 144]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
NOTES = ("Step 1: subtract 3 from both sides, because the equation stays balanced.\n"
         "Step 2: divide both sides by 4.\nCheck: 4 × 2 + 3 = 11, so x = 2 is right.\n")
REASON_SUSPEND = "Checking whether the work was the student's own"
REASON_REVOKE = "Confirmed: the work was copied from a classmate"


def chart_png() -> bytes:
    """A small chart, as a student's photo of their work would be."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (480, 300), "white")
    draw = ImageDraw.Draw(img)
    draw.line([(40, 260), (460, 260)], fill="black", width=2)
    draw.line([(40, 20), (40, 260)], fill="black", width=2)
    for i, h in enumerate((60, 110, 150, 200, 230)):
        draw.rectangle([70 + i * 75, 260 - h, 115 + i * 75, 258], fill=(40, 87, 164))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def in_thread(coro):
    with ThreadPoolExecutor(max_workers=1) as pool:  # Playwright's sync API may own this thread's loop
        return pool.submit(asyncio.run, coro).result()


async def as_student(settings, username: str):
    from issuer.access import Principal, Role
    from issuer.accounts import repo as accounts_repo
    from issuer.cli import context_for
    from issuer.db.scope import SchoolScope
    from issuer.schools import repo as schools_repo

    school = await schools_repo.school_by_slug("lincoln")
    user = next(u for u in await accounts_repo.users(SchoolScope(frozenset({school.id}))) if u.username == username)
    return context_for(settings), Principal(role=Role.STUDENT, id=user.id, school_id=school.id,
                                            district_id=school.district)


async def submit_work(settings, username: str) -> str:
    from issuer.catalog import achievements
    from issuer.evidence import service as evidence

    ctx, student = await as_student(settings, username)
    algebra = next(a for a in await achievements.list_achievements(ctx, student) if a.name == "Equation Reasoning")
    sub = await evidence.submit(ctx, student, achievement_uuid=str(algebra.uuid),
                                narrative="I solved 4x + 3 = 11 and explained each step.",
                                urls=["https://example.org/portfolio/equations"],
                                files=[("steps.txt", NOTES.encode()), ("chart.png", chart_png()),
                                       ("worked-solution.pdf", PDF)])
    return str(sub.uuid)


async def revise_work(settings, username: str, submission: str) -> None:
    from issuer.evidence import service as evidence

    ctx, student = await as_student(settings, username)
    await evidence.revise(ctx, student, submission, narrative="Now with each step checked for precision.",
                          urls=[], files=[("steps-revised.txt", (NOTES + "Units and signs checked.\n").encode())])


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo school on a free port, with a submission for each width: (settings, passwords, {width: uuid})."""
    from issuer.cli.learning import seed_demo
    from issuer.settings import Settings

    port = free_port()
    settings = Settings(base_url=f"http://127.0.0.1:{port}", data_dir=tmp_path_factory.mktemp("issuer-data"))
    with pytest.MonkeyPatch.context() as env:
        for name in ("DATABASE_URL", "PICCOLO_CONF"):  # the demo's migration step exports these
            env.setenv(name, "")
            env.delenv(name)
        out = in_thread(seed_demo(settings))
        # zoe and omar hold no valid Equation Reasoning badge (omar's was revoked), so theirs can earn one
        work = {1280: in_thread(submit_work(settings, "zoe")), 390: in_thread(submit_work(settings, "omar"))}
    return settings, {username: password for _role, username, password in out["logins"]}, work


@pytest.fixture(scope="module")
def server(demo):
    from issuer.app import create_app

    settings, _, _ = demo
    with serve(create_app(settings), int(settings.base_url.rsplit(":", 1)[1]), name="the issuer app",
               timeout=20) as url:
        yield url


class Journey:
    """A browser context at one width, and the checks every page of the journey passes."""

    def __init__(self, browser, viewport, shots: Path, **options) -> None:
        self.width = viewport["width"]
        self.js = options.get("java_script_enabled", True)
        self.context = browser.new_context(viewport=viewport, **options)
        self.page = self.context.new_page()
        self.csp = watch_csp(self.page)
        self.shots = shots

    def check(self, name: str) -> None:
        page = self.page
        assert page.evaluate("document.documentElement.scrollWidth") <= self.width, name
        page.screenshot(path=str(self.shots / f"{name}-{self.width}.png"), full_page=True)
        if self.js and AXE.is_file():
            assert axe_problems(page) == [], name

    def menu(self, label: str) -> None:
        """Follow a menu entry (on a phone the menu is folded behind its toggle first)."""
        page = self.page
        toggle = page.locator(".menu > summary")
        if toggle.is_visible() and page.locator(".menu[open]").count() == 0:
            toggle.click()
        with page.expect_navigation():
            page.locator(".primary-nav a", has_text=re.compile(f"^{re.escape(label)}$")).click()

    def click(self, locator) -> None:
        with self.page.expect_navigation():
            locator.click()

    def close(self) -> None:
        self.context.close()
        assert self.csp == []


def sign_in(j: Journey, base: str, username: str, password: str) -> None:
    page = j.page
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    j.click(page.locator("main button[type=submit].primary"))


@pytest.mark.parametrize(("viewport", "student", "name"), [(DESKTOP, "zoe", "Zoe Patel"),
                                                           (PHONE, "omar", "Omar Haddad")], ids=["1280", "390"])
def test_a_teacher_rates_below_then_at_the_threshold_and_manages_the_badge(
        browser, server, demo, shots, viewport, student, name):
    settings, passwords, work = demo
    submission = work[viewport["width"]]
    j = Journey(browser, viewport, shots)
    page = j.page
    sign_in(j, server, "ms.chen", passwords["ms.chen"])
    assert page.url == f"{server}/teacher/reviews"
    assert page.locator(".primary-nav a[aria-current=page]").text_content().strip() == "Review queue"
    j.check("teacher-queue")

    # the filter keeps this achievement's work; the row opens the rating page
    page.select_option("#achievement", label="Equation Reasoning")
    j.click(page.locator("button", has_text="Apply filters"))
    row = page.locator("#rate-table tr", has_text=name)
    assert row.count() == 1 and "since today" in row.inner_text()
    assert page.locator("#rate-table", has_text="Data Storyteller").count() == 0
    j.click(row.locator("a.queue-open"))
    assert page.url == f"{server}/teacher/submissions/{submission}"
    # the evidence inline: the text, the image (loaded), the PDF in a frame, the link
    assert "divide both sides by 4" in page.locator("pre.evidence-text").inner_text()
    assert page.locator(".evidence-image img").evaluate("img => img.complete && img.naturalWidth") == 480
    assert page.locator("iframe.evidence-pdf").count() == 1
    assert page.locator(".evidence-links a").get_attribute("href") == "https://example.org/portfolio/equations"
    j.check("teacher-rate")

    # a level left out: the summary links to the row, and the choice made is kept
    page.check("#rating_reasoning-3")
    j.click(page.locator("button", has_text="Save rating"))
    assert page.locator("#rating-error").is_visible() and "Choose a level for Precision" in page.inner_text("#rating-error")
    assert page.is_checked("#rating_reasoning-3")
    j.check("teacher-rate-error")
    # below the threshold, from the keyboard for the second row
    page.focus("#rating_precision-1")
    page.keyboard.press("ArrowRight")
    assert page.is_checked("#rating_precision-2")
    page.fill("#feedback_precision", "Check the signs in step 2.")
    page.fill("#feedback", "Clear reasoning; tighten the precision and resubmit.")
    j.click(page.locator("button", has_text="Save rating"))
    assert page.url == f"{server}/teacher/submissions/{submission}/outcome"
    assert page.locator("h1").inner_text() == "Not yet: Precision needs Proficient"
    j.check("teacher-outcome-not-yet")
    page.reload()  # the outcome has its own address: reloading it rates nothing again
    assert page.locator("h1").inner_text() == "Not yet: Precision needs Proficient"

    # the student revises; the revision is rated at the threshold
    in_thread(revise_work(settings, student, submission))
    j.menu("Review queue")
    j.click(page.locator("#rate-table tr", has_text=name).filter(has_text="Equation Reasoning").locator("a.queue-open"))
    assert page.locator(".version-earlier").count() == 1
    page.check("#rating_reasoning-3")
    page.check("#rating_precision-3")
    j.click(page.locator("button", has_text="Save rating"))
    assert page.locator("h1").inner_text() == "Awarded: Equation Reasoning"
    j.check("teacher-outcome-awarded")
    j.click(page.locator("a", has_text="Open the badge"))
    badge = page.url.rsplit("/", 1)[1]
    assert page.url == f"{server}/badges/{badge}" and "Equation Reasoning" in page.inner_text("h1")

    # Award history from the menu: suspend, reinstate, then revoke after checking
    j.menu("Award history")
    j.check("teacher-awards")
    j.click(page.locator(f'a[href="/teacher/awards/{badge}"]'))
    j.check("teacher-award")
    j.click(page.locator("button", has_text="Suspend the badge"))  # without a reason
    assert "Enter a reason" in page.inner_text("#award-error")
    page.fill("#reason-suspend", REASON_SUSPEND)
    j.click(page.locator("button", has_text="Suspend the badge"))
    assert "Badge suspended" in page.inner_text("#status-changed") and REASON_SUSPEND in page.inner_text("main")
    j.check("teacher-award-suspended")
    j.click(page.locator("button", has_text="Reinstate the badge"))
    assert "Badge reinstated" in page.inner_text("#status-changed")
    page.fill("#reason-revoke", REASON_REVOKE)
    j.click(page.locator("button", has_text="Continue"))
    assert page.locator("h1").inner_text() == "Check before you revoke" and REASON_REVOKE in page.inner_text("main")
    j.check("teacher-revoke-check")
    j.click(page.locator("button", has_text="Revoke the badge"))
    assert "Badge revoked" in page.inner_text("#status-changed")
    assert page.locator("button", has_text="Suspend the badge").count() == 0
    j.check("teacher-award-revoked")
    page.goto(f"{server}/badges/{badge}")
    assert "revoked" in page.inner_text("main").lower() and "classmate" not in page.content()

    # the student's own page, from the award history
    j.menu("Award history")
    j.click(page.locator("tr", has_text="Equation Reasoning").filter(has_text=name).first.locator(f"a:text('{name}')"))
    assert page.locator("h1").inner_text() == name
    assert page.locator(".primary-nav a[aria-current=true]").text_content().strip() == "Review queue"
    j.check("teacher-student")
    j.close()


def test_rating_and_revoking_work_with_javascript_off(browser, server, demo, shots):
    """The demo's waiting draft (Liam's Data Storyteller) rated and its badge revoked, with no script."""
    _, passwords, _ = demo
    j = Journey(browser, DESKTOP, shots, java_script_enabled=False)
    page = j.page
    sign_in(j, server, "mr.garcia", passwords["mr.garcia"])
    j.click(page.locator("#rate-table tr", has_text="Liam Nguyen").filter(has_text="Data Storyteller")
            .locator("a.queue-open"))
    page.check("#rating_representation-4")
    page.check("#rating_interpretation-3")
    j.click(page.locator("button", has_text="Save rating"))
    assert page.locator("h1").inner_text() == "Awarded: Data Storyteller"
    page.screenshot(path=str(shots / "teacher-outcome-nojs-1280.png"), full_page=True)
    j.click(page.locator("a", has_text="Open the badge"))
    badge = page.url.rsplit("/", 1)[1]
    page.goto(f"{server}/teacher/awards/{badge}")
    page.fill("#reason-revoke", REASON_REVOKE)
    j.click(page.locator("button", has_text="Continue"))
    j.click(page.locator("button", has_text="Revoke the badge"))
    assert "Badge revoked" in page.inner_text("#status-changed")
    page.screenshot(path=str(shots / "teacher-award-revoked-nojs-1280.png"), full_page=True)
    j.close()
