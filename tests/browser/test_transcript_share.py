"""A real browser on the transcript pages: headless Chromium (system binary) through Playwright.

The full issuer app runs under uvicorn on a free loopback port in a background thread, on a
SQLite file seeded through the real services beforehand (see tests/web/transcript_support.py).
The student makes a transcript and a share link on their page; an anonymous visitor opens the
link and sees it verified live; once the student withdraws it the visitor gets the 410 page.
"""
from __future__ import annotations

import asyncio
import re
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest

from tests.browser.support import BROWSER_MARKS, free_port, serve, watch_csp
from tests.support import NOW

pytestmark = [
    *BROWSER_MARKS,
    pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning"),
]


async def _seed(settings) -> SimpleNamespace:
    import httpx
    import msgspec

    from issuer.accounts import repo as accounts_repo
    from issuer.accounts import service as accounts
    from issuer.clock import FixedClock
    from issuer.context import build_context
    from issuer.db.engine import create_tables
    from issuer.schools import repo as schools_repo
    from tests.web import transcript_support as ts

    ctx = build_context(settings, clock=FixedClock(NOW))
    await create_tables()
    district = await schools_repo.insert_district(slug="district", name="Riverside Unified", url="https://riverside.example",
                                          email="office@riverside.example", at=NOW)
    school = await schools_repo.insert_school(district_id=district.id, slug="north", name="North High School",
                                      url="https://north.example", email="office@north.example",
                                      address={"addressLocality": "Riverside"}, at=NOW)
    ns = SimpleNamespace(users={}, token={}, session={}, ctx=ctx)
    for role in ("school_admin", "teacher", "student"):
        user = await accounts_repo.insert_user(district_id=district.id, school_id=school.id, role=role,
                                      username=f"north-{role}", email=f"north-{role}@example.org",
                                      display_name=f"North {role}", password_hash="", at=NOW)
        ns.users[("north", role, 0)] = msgspec.structs.asdict(user)  # as tests/conftest.py's seed
        ns.token[role] = await accounts.create_api_token(ctx, school_id=school.id, district_id=district.id,
                                                         role=role, user_id=user.id, name=role)
        ns.session[role] = await accounts.create_session(ctx, user.id)
    from issuer.app import create_app

    app = create_app(settings, clock=ns.ctx.clock)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ts.BASE) as client:
        ids = await ts.seed_student(client, ns)
    await ts.revoke(ns, ids.quadratic)
    return ns


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    from issuer.app import create_app
    from issuer.clock import FixedClock
    from tests.web import transcript_support as ts

    tmp = tmp_path_factory.mktemp("issuer")
    settings = ts.make_settings(tmp, f"sqlite:///{tmp / 'badges.sqlite3'}")
    ns = asyncio.run(_seed(settings))
    app = create_app(settings, clock=FixedClock(NOW))
    with serve(app, free_port(), name="the issuer", timeout=15) as url:
        yield SimpleNamespace(url=url, seed=ns)


def test_student_shares_a_transcript_and_withdraws_the_link(live, browser):
    student = browser.new_context()
    student.add_cookies([{"name": "badges_session", "value": live.seed.session["student"], "url": live.url}])
    page = student.new_page()
    violations = watch_csp(page)
    page.goto(f"{live.url}/student/transcripts")
    assert "No transcript yet" in page.content()
    page.click("#make-transcript")
    page.wait_for_url("**/transcripts/*")
    assert "Academic competencies" in page.inner_text("main") and "Linear Equations" in page.inner_text("main")
    page.goto(f"{live.url}/student/transcripts")
    page.fill("input[name=label]", "State University admissions")
    page.fill("input[name=days]", "14")
    page.click("text=Make a share link")
    share_url = page.input_value("#new-share input")
    share_path = urlsplit(share_url).path
    assert share_path.startswith("/share/")

    visitor = browser.new_context()  # no account, no cookies
    anonymous = visitor.new_page()
    visitor_violations = watch_csp(anonymous)
    response = anonymous.goto(f"{live.url}{share_path}")
    assert response.status == 200
    text = anonymous.inner_text("main")
    assert "the school's signature and every badge in it check out" in text
    assert text.count("Checked just now: verified") == 3
    assert "Quadratic" not in text  # the revoked badge is not on the transcript

    page.goto(f"{live.url}/student/transcripts")
    assert "State University admissions" in page.inner_text("main")
    page.click("button:has-text('Withdraw')")
    page.wait_for_url(re.compile(r"/student/transcripts\?done=withdrawn$"))  # the banner says what happened
    assert "withdrawn" in page.inner_text("main")

    response = anonymous.goto(f"{live.url}{share_path}")
    assert response.status == 410
    assert "no longer valid" in anonymous.inner_text("main")
    visitor.close()
    student.close()
    # the transcript and share pages work under their Content-Security-Policy
    assert violations == visitor_violations == []
