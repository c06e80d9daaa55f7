"""Issue 14 in the browser, endorsements, at 1280 px (JavaScript on) and 390 px (off): the school
administrator endorses an achievement from its page in /admin/achievements; the mentor of an
extended learning opportunity opens their link and endorses the same achievement on behalf of
their organisation; the public achievement page lists both ("Endorsed by …"); a badge issued
afterwards carries both, and /verify of it shows the endorsements check passed. Every page: no
sideways scroll, axe-core (JavaScript on), the CSP.
"""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest

from tests.browser.support import BROWSER_MARKS, DESKTOP, PHONE, Journey, seed_demo_school, serve, sign_in

pytestmark = [
    *BROWSER_MARKS,
    pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning"),
]

# per width: the achievement endorsed, the partner organisation, the student whose badge follows
CASES = {1280: ("Workplace Learning", "City Library Makerspace", "maya"),
         390: ("Data Storyteller", "Riverside Science Museum", "omar")}
RATINGS = {"Workplace Learning": {"application": 4, "professionalism": 4},
           "Data Storyteller": {"representation": 4, "interpretation": 4}}


def run(settings, work):
    """``work(ctx)`` on its own event loop in a worker thread (Playwright's sync API owns this one)."""
    from issuer.context import build_context

    async def main():
        return await work(build_context(settings))

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, main()).result()


async def principal_of(username: str):
    from issuer.access import Principal, Role
    from issuer.accounts import directory

    u = await directory.get_user_by_username(username)
    return Principal(role=Role(u.role), id=u.id, school_id=u.school, district_id=u.district,
                     display_name=u.display_name, username=u.username)


async def achievement_named(name: str):
    from issuer.catalog import achievements

    teacher = await principal_of("ms.chen")
    return next(a for a in await achievements.of_school(teacher.school_id) if a.name == name)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    port, settings, passwords = seed_demo_school(tmp_path_factory)

    async def plans(ctx):
        from issuer.evidence import elos

        links = {}
        for width, (name, partner, student) in CASES.items():
            a = await achievement_named(name)
            plan = await elos.propose(ctx, await principal_of(student), achievement_uuid=str(a.uuid),
                                      partner_org=partner, mentor_name="Ana Ruiz", mentor_email="ruiz@museum.example",
                                      goals="Run a weekly data club for younger students.", competencies=[],
                                      hours=20, start_date=date(2026, 1, 10), end_date=date(2026, 3, 10))
            decided = await elos.decide_plan(ctx, await principal_of("ms.chen"), str(plan.uuid), approve=True)
            links[width] = decided.mentor_link.rsplit("/", 1)[-1]
        return links

    return port, settings, passwords, run(settings, plans)


@pytest.fixture(scope="module")
def server(demo):
    from issuer.app import create_app

    port, settings, _, _ = demo
    with serve(create_app(settings), port, name="the issuer app", timeout=20) as url:
        yield url


def award(settings, name: str, student: str) -> str:
    """A badge of ``name`` for ``student``, reviewed by the teacher (the path every badge takes)."""
    async def work(ctx):
        from issuer.evidence import review
        from issuer.evidence import service as evidence
        from issuer.evidence.schemas import ReviewIn

        a = await achievement_named(name)
        sub = await evidence.submit(ctx, await principal_of(student), achievement_uuid=str(a.uuid),
                                    narrative="Ran the data club and wrote it up.", urls=[], files=[])
        out = await review.record_review(ctx, await principal_of("ms.chen"), str(sub.uuid),
                                         ReviewIn(ratings=RATINGS[name]))
        assert out.status == "awarded", out
        return str(out.credential.uuid)

    return run(settings, work)


@pytest.mark.parametrize(("viewport", "javascript"), [(DESKTOP, True), (PHONE, False)], ids=["1280", "390-nojs"])
def test_school_and_mentor_endorse_and_a_new_badge_verifies_them(browser, server, demo, shots, viewport, javascript):
    _, settings, passwords, links = demo
    w = viewport["width"]
    name, partner, student = CASES[w]
    j = Journey(browser, viewport, shots, prefix="endorse", javascript=javascript)
    page = j.page
    try:
        # the administrator: Achievements → the achievement → Endorse, with a comment
        sign_in(page, server, "principal", passwords["principal"])
        j.menu("Achievements")
        j.submit(page.locator("main a", has_text=name).first)
        j.check("achievement")
        j.submit(page.locator("#endorse-section a", has_text="Endorse"))
        j.check("form")
        j.submit(page.locator("main button", has_text="Sign and publish"))  # no comment: the reason
        assert "Write a comment" in page.locator(".error-summary").inner_text()
        j.check("form-error")
        page.fill("#comment", f"{name} asks for real, sustained work; Lincoln High stands behind it.")
        j.submit(page.locator("main button", has_text="Sign and publish"))
        assert f"Lincoln High School endorses {name}" in page.locator("h1").inner_text()
        j.check("endorsed")
        j.menu("Endorsements")
        assert name in page.locator("#endorsement-table").inner_text()
        j.check("admin-list")
        page.context.clear_cookies()

        # the mentor, through their link: endorse on behalf of the organisation
        page.goto(f"{server}/mentor/{links[w]}")
        card = page.locator("#endorse")
        assert f"on behalf of {partner}" in card.inner_text()
        j.check("mentor")
        page.fill("#endorse-comment", f"{partner} hires students who can do exactly this.")
        j.submit(card.locator("button"))
        assert "Thank you for your endorsement" in page.locator("h1").inner_text()
        j.check("mentor-endorsed")

        # the public achievement page lists both
        j.submit(page.locator("main a", has_text="See the endorsement"))
        j.check("endorsement")
        partner_page = page.url
        j.submit(page.locator("main a", has_text=name))
        listed = page.locator("#endorsements").inner_text()
        assert "Endorsed by Lincoln High School" in listed and f"Endorsed by {partner}" in listed
        j.check("public-achievement")

        # a badge issued now carries both; the verifier's endorsements check passes
        uuid = award(settings, name, student)
        page.goto(f"{server}/badges/{uuid}")
        assert f"Endorsed by {partner}" in page.locator("#endorsements").inner_text()
        j.check("badge")
        j.submit(page.locator("main a.button", has_text="Verify this badge"))
        report = page.locator("main").inner_text()
        assert "Endorsements" in report and partner in report and "every endorsement verified" in report, report
        j.check("verify")

        # the administrator withdraws the partner's endorsement: from now on it no longer verifies
        page.context.clear_cookies()
        sign_in(page, server, "principal", passwords["principal"])
        j.menu("Endorsements")
        j.submit(page.locator("#endorsement-table tr", has_text=partner).locator("button", has_text="Withdraw"))
        assert "it no longer verifies" in page.locator("#done").inner_text()
        j.check("withdrawn")
        page.goto(partner_page)
        assert "Verifiers report it as revoked." in page.locator("#withdrawn").inner_text()
        j.check("endorsement-withdrawn")
        j.submit(page.locator("main a.button", has_text="Verify this endorsement"))
        report = page.locator("main").inner_text()
        assert "revoked" in report.lower(), report
        j.check("verify-withdrawn")
    finally:
        j.close()
