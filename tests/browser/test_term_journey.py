"""Journeys 2 and 3 of issue 13 in a real browser: headless Chromium through Playwright against the
issuer under uvicorn on a free port, seeded with the demo school and sending its mail through a real
SMTP server on 127.0.0.1 (``tests/issuer/smtp_support.py``).

**A term.** A teacher signs in, lands on the review queue, filters it, opens the work, reads the
evidence inline beside the rubric grid, rates below the threshold and reads "Not yet: … needs …";
the student revises; the teacher rates the revision at the threshold, reads "Awarded: …" and opens
the badge. On an achievement with a second rater (the demo's Collaborator) the teacher rates first
and is told the second rating is someone else's; a second teacher finds it under "Waiting for a
second rating" and rates blind (nothing of the first rating is on the page); the two ratings
differ by more than one level, so the principal, who rated neither, finds it under "Moderation",
compares both ratings on the grid, chooses the final levels with a reason, and the badge is issued.
From Award history the teacher suspends that badge with a reason and reinstates it, and revokes the
first one after the "check your answers" step; the public badge page never shows the reason.

**An ELO.** The student proposes a plan; the teacher approves it from the queue; the mentor's
link is read from the message the SMTP server received; the mentor, with no account, opens it and
attests; the teacher validates the work from "Extended learning to validate" with the same rubric
grid as classroom work; the badge is issued and the student's award mail arrives.

At 1280 and 390 px every page passes axe-core (no serious or critical violation), nothing scrolls
sideways, and the Content-Security-Policy holds. The rating, the blind second rating, the
moderation and the revocation also work with JavaScript off. Screenshots go to
``$BROWSER_SCREENSHOTS`` (else a pytest tmp dir).
"""
from __future__ import annotations

import asyncio
import io
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.browser.support import AXE, BROWSER_MARKS, DESKTOP, PHONE, axe_problems, free_port, serve, watch_csp
from tests.issuer.smtp_support import SmtpServer

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
FIRST_FEEDBACK = "Led every stand-up and rewrote the plan after the first test"
SECOND_FEEDBACK = "The log shows little revision after feedback"
MODERATION_REASON = "The log shows teamwork at the standard and revision after the second test only"


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


async def submit_collab(settings, username: str) -> str:
    """Work for the demo's Collaborator, the achievement that needs a second rater."""
    from issuer.catalog import achievements
    from issuer.evidence import service as evidence

    ctx, student = await as_student(settings, username)
    collab = next(a for a in await achievements.list_achievements(ctx, student) if a.name == "Collaborator")
    sub = await evidence.submit(ctx, student, achievement_uuid=str(collab.uuid),
                                narrative="Our robotics team log: roles, stand-ups, and what we changed after tests.",
                                urls=[], files=[("team-log.txt", b"Week 1: roles agreed.\nWeek 2: rebuilt the arm.\n")])
    return str(sub.uuid)


async def first_rating(settings, submission: str) -> None:
    """Ms. Chen's first rating of Collaborator work (the JavaScript-off test starts after it)."""
    from issuer.access import Principal, Role
    from issuer.accounts import repo as accounts_repo
    from issuer.cli import context_for
    from issuer.db.scope import SchoolScope
    from issuer.evidence import review
    from issuer.evidence.schemas import ReviewIn
    from issuer.schools import repo as schools_repo

    school = await schools_repo.school_by_slug("lincoln")
    user = next(u for u in await accounts_repo.users(SchoolScope(frozenset({school.id}))) if u.username == "ms.chen")
    teacher = Principal(role=Role.TEACHER, id=user.id, school_id=school.id, district_id=school.district)
    await review.record_review(context_for(settings), teacher, submission,
                               ReviewIn(ratings={"teamwork": 4, "revision": 4}, feedback=FIRST_FEEDBACK))


@pytest.fixture(scope="module")
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def demo(tmp_path_factory, smtp):
    """The demo school on a free port, mailing through ``smtp``, with work for each journey:
    (settings, passwords, {key: submission uuid})."""
    from issuer.cli.learning import seed_demo
    from issuer.settings import Settings

    port = free_port()
    settings = Settings(base_url=f"http://127.0.0.1:{port}", data_dir=tmp_path_factory.mktemp("issuer-data"),
                        smtp_url=smtp.url, mail_from="Lincoln High <badges@lincoln.riverside.example>")
    with pytest.MonkeyPatch.context() as env:
        for name in ("DATABASE_URL", "PICCOLO_CONF"):  # the demo's migration step exports these
            env.setenv(name, "")
            env.delenv(name)
        out = in_thread(seed_demo(settings))
        # zoe and omar hold no valid Equation Reasoning badge (omar's was revoked), so theirs can earn
        # one; maya, liam and omar hold no Collaborator badge
        work = {("algebra", 1280): in_thread(submit_work(settings, "zoe")),
                ("algebra", 390): in_thread(submit_work(settings, "omar")),
                ("collab", 1280): in_thread(submit_collab(settings, "maya")),
                ("collab", 390): in_thread(submit_collab(settings, "liam")),
                ("collab", "nojs"): in_thread(submit_collab(settings, "omar"))}
        in_thread(first_rating(settings, work[("collab", "nojs")]))
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
        suffix = "" if self.js else "-nojs"
        page.screenshot(path=str(self.shots / f"{name}{suffix}-{self.width}.png"), full_page=True)
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

    def sign_in(self, base: str, username: str, password: str) -> None:
        """Sign in as someone else in the same browser (the last person's session is dropped)."""
        self.context.clear_cookies()
        page = self.page
        page.goto(f"{base}/login")
        page.fill("#username", username)
        page.fill("#password", password)
        self.click(page.locator("main button[type=submit].primary"))

    def open_from_queue(self, table: str, student: str, achievement: str) -> None:
        row = self.page.locator(f"#{table}-table tr", has_text=student).filter(has_text=achievement)
        assert row.count() == 1, (table, student, achievement)
        self.click(row.locator("a.queue-open"))

    def close(self) -> None:
        self.context.close()
        assert self.csp == []


def mail_to(smtp: SmtpServer, address: str, subject: str, timeout: float = 10.0):
    """The last message to ``address`` whose subject has ``subject`` (mail is sent after the commit)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        mine = [m for m in smtp.messages if address in m.recipients and subject in str(m.message["Subject"])]
        if mine:
            return mine[-1]
        time.sleep(0.1)
    raise AssertionError(f"no mail to {address} about {subject!r}: "
                         f"{[(m.recipients, str(m.message['Subject'])) for m in smtp.messages]}")


TERM = [(DESKTOP, "zoe", "Zoe Patel", "Maya Johnson"), (PHONE, "omar", "Omar Haddad", "Liam Nguyen")]


@pytest.mark.parametrize(("viewport", "student", "name", "collaborator"), TERM, ids=["1280", "390"])
def test_a_term_rating_revision_blind_second_rating_moderation_and_badge_status(
        browser, server, demo, shots, viewport, student, name, collaborator):
    settings, passwords, work = demo
    width = viewport["width"]
    submission, collab = work[("algebra", width)], work[("collab", width)]
    j = Journey(browser, viewport, shots)
    page = j.page
    j.sign_in(server, "ms.chen", passwords["ms.chen"])
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
    image = page.locator(".evidence-image img")
    image.scroll_into_view_if_needed()  # loading="lazy": on a phone it loads once it is in view
    page.wait_for_function("img => img.complete", arg=image.element_handle())
    assert image.evaluate("img => img.complete && img.naturalWidth") == 480
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
    j.open_from_queue("rate", name, "Equation Reasoning")
    assert page.locator(".version-earlier").count() == 1
    page.check("#rating_reasoning-3")
    page.check("#rating_precision-3")
    j.click(page.locator("button", has_text="Save rating"))
    assert page.locator("h1").inner_text() == "Awarded: Equation Reasoning"
    j.check("teacher-outcome-awarded")
    j.click(page.locator("a", has_text="Open the badge"))
    badge = page.url.rsplit("/", 1)[1]
    assert page.url == f"{server}/badges/{badge}" and "Equation Reasoning" in page.inner_text("h1")

    # an achievement with a second rater: the first rating sends it to somebody else, blind
    j.menu("Review queue")
    j.open_from_queue("rate", collaborator, "Collaborator")
    page.check("#rating_teamwork-4")
    page.check("#rating_revision-4")
    page.fill("#feedback", FIRST_FEEDBACK)
    j.click(page.locator("button", has_text="Save rating"))
    assert page.locator("h1").inner_text() == "Waiting for a second rating: Collaborator"
    j.check("teacher-outcome-second")
    page.goto(f"{server}/teacher/submissions/{collab}")  # the first rater is not the second
    assert "the second rating must come from another teacher" in page.inner_text("#blocked-notice")
    assert page.locator("button", has_text="Save rating").count() == 0
    j.check("teacher-first-rater")
    j.menu("Review queue")
    assert page.locator("#second-table", has_text=collaborator).count() == 0

    j.sign_in(server, "mr.garcia", passwords["mr.garcia"])
    j.open_from_queue("second", collaborator, "Collaborator")
    assert page.locator("#blind-notice").is_visible()
    main = page.inner_text("main")
    assert FIRST_FEEDBACK not in main and "Ms. Li Chen" not in main and FIRST_FEEDBACK not in page.content()
    assert page.locator("input[type=radio]:checked").count() == 0  # no level chosen for them either
    j.check("teacher-second-blind")
    page.check("#rating_teamwork-2")
    page.check("#rating_revision-1")
    page.fill("#feedback", SECOND_FEEDBACK)
    j.click(page.locator("button", has_text="Save rating"))
    assert page.locator("h1").inner_text() == "Sent to moderation: Collaborator"
    j.check("teacher-outcome-moderation")

    # the principal rated neither: the disagreement is theirs to decide, both ratings on the grid
    j.sign_in(server, "principal", passwords["principal"])
    j.menu("Review queue")
    j.open_from_queue("moderation", collaborator, "Collaborator")
    teamwork = page.locator("tr", has=page.locator("#criterion-teamwork"))
    assert "Rating 1: Ms. Li Chen" in teamwork.locator("td").nth(3).inner_text()
    assert "Rating 2: Mr. Diego Garcia" in teamwork.locator("td").nth(1).inner_text()
    assert "The ratings differ by 2 levels" in teamwork.inner_text()
    assert FIRST_FEEDBACK in page.inner_text(".moderation-ratings")
    assert SECOND_FEEDBACK in page.inner_text(".moderation-ratings")
    page.check("#rating_teamwork-3")
    page.check("#rating_revision-2")
    j.click(page.locator("button", has_text="Save the final rating"))  # without a reason
    assert "Enter the reason for your decision" in page.inner_text("#rating-error")
    assert page.is_checked("#rating_teamwork-3") and page.is_checked("#rating_revision-2")
    j.check("teacher-moderate-error")
    page.fill("#feedback", MODERATION_REASON)
    j.click(page.locator("button", has_text="Save the final rating"))
    assert page.locator("h1").inner_text() == "Awarded: Collaborator"
    j.check("teacher-outcome-moderated")
    j.click(page.locator("a", has_text="Open the badge"))
    collab_badge = page.url.rsplit("/", 1)[1]

    # Award history, as the teacher: suspend and reinstate one badge, revoke the other after checking
    j.sign_in(server, "ms.chen", passwords["ms.chen"])
    j.menu("Award history")
    j.check("teacher-awards")
    j.click(page.locator(f'a[href="/teacher/awards/{collab_badge}"]'))
    j.check("teacher-award")
    j.click(page.locator("button", has_text="Suspend the badge"))  # without a reason
    assert "Enter a reason" in page.inner_text("#award-error")
    page.fill("#reason-suspend", REASON_SUSPEND)
    j.click(page.locator("button", has_text="Suspend the badge"))
    assert "Badge suspended" in page.inner_text("#status-changed") and REASON_SUSPEND in page.inner_text("main")
    j.check("teacher-award-suspended")
    j.click(page.locator("button", has_text="Reinstate the badge"))
    assert "Badge reinstated" in page.inner_text("#status-changed")
    page.goto(f"{server}/badges/{collab_badge}")
    assert "suspended" not in page.inner_text("main").lower() and "whether the work" not in page.content()

    page.goto(f"{server}/teacher/awards/{badge}")
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


def test_rating_blind_moderating_and_revoking_work_with_javascript_off(browser, server, demo, shots):
    """With no script: the demo's waiting draft (Liam's Data Storyteller) rated and its badge
    revoked; Omar's Collaborator work, rated first by Ms. Chen, rated blind by Mr. Garcia and
    moderated by the principal."""
    _, passwords, work = demo
    j = Journey(browser, DESKTOP, shots, java_script_enabled=False)
    page = j.page
    j.sign_in(server, "mr.garcia", passwords["mr.garcia"])
    j.open_from_queue("rate", "Liam Nguyen", "Data Storyteller")
    page.check("#rating_representation-4")
    page.check("#rating_interpretation-3")
    j.click(page.locator("button", has_text="Save rating"))
    assert page.locator("h1").inner_text() == "Awarded: Data Storyteller"
    j.check("teacher-outcome")
    j.click(page.locator("a", has_text="Open the badge"))
    badge = page.url.rsplit("/", 1)[1]
    page.goto(f"{server}/teacher/awards/{badge}")
    page.fill("#reason-revoke", REASON_REVOKE)
    j.click(page.locator("button", has_text="Continue"))
    j.click(page.locator("button", has_text="Revoke the badge"))
    assert "Badge revoked" in page.inner_text("#status-changed")
    j.check("teacher-award-revoked")

    # blind: nothing of Ms. Chen's rating; a disagreement of more than one level
    page.goto(f"{server}/teacher/reviews")
    j.open_from_queue("second", "Omar Haddad", "Collaborator")
    assert page.locator("#blind-notice").is_visible() and FIRST_FEEDBACK not in page.content()
    j.check("teacher-second-blind")
    page.check("#rating_teamwork-1")
    page.check("#rating_revision-2")
    page.fill("#feedback", SECOND_FEEDBACK)
    j.click(page.locator("button", has_text="Save rating"))
    assert page.locator("h1").inner_text() == "Sent to moderation: Collaborator"

    j.sign_in(server, "principal", passwords["principal"])
    page.goto(f"{server}/teacher/reviews")
    j.open_from_queue("moderation", "Omar Haddad", "Collaborator")
    assert FIRST_FEEDBACK in page.inner_text(".moderation-ratings")
    j.check("teacher-moderate")
    page.check("#rating_teamwork-2")
    page.check("#rating_revision-2")
    page.fill("#feedback", MODERATION_REASON)
    j.click(page.locator("button", has_text="Save the final rating"))
    assert page.locator("h1").inner_text() == "Not yet: Teamwork needs Proficient"
    j.check("teacher-outcome-moderated")
    j.close()


ELO = [(DESKTOP, "maya", "Maya Johnson"), (PHONE, "omar", "Omar Haddad")]


@pytest.mark.parametrize(("viewport", "student", "name"), ELO, ids=["1280", "390"])
def test_an_elo_from_plan_to_badge_with_the_mentor_link_by_email(
        browser, server, demo, smtp, shots, viewport, student, name):
    _, passwords, _ = demo
    width = viewport["width"]
    partner, mentor = f"Riverside Water Lab {width}", f"mentor-{width}@riverlab.example"
    j = Journey(browser, viewport, shots)
    page = j.page

    # the student proposes a plan
    j.sign_in(server, student, passwords[student])
    j.menu("Extended learning")
    page.select_option("#achievement", label="Workplace Learning")
    page.fill("#partner_org", partner)
    page.fill("#mentor_name", "Dr. Sam Rivera")
    page.fill("#mentor_email", mentor)
    page.fill("#goals", "Sample and analyse river water quality every week, and present the results.")
    page.fill("#hours", "40")
    page.fill("#start_date", "2026-01-12")
    page.fill("#end_date", "2026-03-20")
    j.click(page.locator("button", has_text="Send to my teacher"))
    assert page.locator("#proposed").is_visible()
    j.check("elo-proposed")

    # the teacher approves it from the queue; the mentor's link goes by e-mail
    j.sign_in(server, "ms.chen", passwords["ms.chen"])
    plan = page.locator("li.plan", has_text=partner)
    assert plan.count() == 1 and name in plan.inner_text()
    j.check("elo-queue")
    j.click(plan.locator("button", has_text="Approve"))
    assert page.locator("h1").inner_text() == "Plan approved"
    assert "We e-mailed Dr. Sam Rivera" in page.inner_text("#decided")
    j.check("elo-approved")
    message = mail_to(smtp, mentor, "extended learning")
    link = re.search(r"https?://\S+/mentor/[A-Za-z0-9_-]+", message.part("plain")).group(0)
    assert link.startswith(server)

    # the mentor, with no account, opens the link and attests
    j.context.clear_cookies()
    page.goto(link)
    assert partner in page.inner_text("main")
    j.check("elo-mentor")
    page.fill("#statement", f"{name} ran twelve sampling rounds carefully and presented the results to the lab.")
    page.fill("#hours", "42")
    page.check("#confirm")
    j.click(page.locator("main button[type=submit].primary"))
    j.check("elo-mentor-thanks")
    page.goto(link)  # the link works once
    assert page.locator("h1").count() == 1 and "twelve sampling rounds" not in page.content()

    # the teacher validates it with the achievement's rubric grid, as classroom work
    j.sign_in(server, "ms.chen", passwords["ms.chen"])
    j.menu("Extended learning")  # every plan, by where it stands
    confirmed = page.locator("#confirmed-table tr", has_text=partner)
    assert confirmed.count() == 1 and "Submitted" in confirmed.inner_text()
    j.check("elo-plans")
    j.menu("Review queue")
    j.open_from_queue("elo", name, "Workplace Learning")
    assert "twelve sampling rounds" in page.inner_text(".rate-evidence")
    assert page.locator(".rate-panel table.rubric-grid.rubric-rate").count() == 1
    assert page.locator("input[name=rating_application]").count() == 4
    j.check("elo-validate")
    page.check("#rating_application-3")
    page.check("#rating_professionalism-4")
    page.fill("#feedback", "A careful, reliable contribution to the lab.")
    j.click(page.locator("button", has_text="Save rating"))
    assert page.locator("h1").inner_text() == "Awarded: Workplace Learning"
    j.check("elo-awarded")
    j.click(page.locator("a", has_text="Open the badge"))
    badge = page.url.rsplit("/", 1)[1]
    assert "Workplace Learning" in page.inner_text("h1")

    # the student hears of it by e-mail, with the link to the badge
    award = mail_to(smtp, f"{student}@lincoln.riverside.example", "Workplace Learning")
    assert f"/badges/{badge}" in award.part("plain")
    j.close()
