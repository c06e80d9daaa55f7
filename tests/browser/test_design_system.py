"""The design system in a real browser: headless Chromium (the system binary) through Playwright.

Two servers on loopback ports: the test's own app (tests/browser/design/support.py), which shows
every component on one page and a stand-in at each navigation entry's URL, and the issuer itself
on the seeded demo school, for the pages the components were applied to, the navigation by role
and the offline API docs. Checked at 1280 and 390 px: axe-core finds nothing serious or critical,
nothing scrolls sideways on a phone, the pages keep their Content-Security-Policy, the rubric grid
works from the keyboard with JavaScript off, each role's menu shows its entries and each link
answers. Screenshots go to ``$BROWSER_SCREENSHOTS`` (else a pytest tmp dir).
"""
from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.browser.design.support import AXE, components_app
from tests.browser.support import BROWSER_MARKS, DESKTOP, PHONE, free_port, serve, sign_in, watch_csp

pytestmark = [
    *BROWSER_MARKS,
    pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning"),
]
needs_axe = pytest.mark.skipif(not AXE.is_file(), reason="axe-core missing: run `npm ci --prefix tests/interop`")



@pytest.fixture(scope="module")
def kit():
    """The components app's base URL."""
    with serve(components_app(), free_port(), name="the components app", timeout=20) as url:
        yield url


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo school plus a district admin: (base URL, settings, {username: password})."""
    from issuer.cli.learning import seed_demo
    from issuer.settings import Settings

    port = free_port()
    settings = Settings(base_url=f"http://127.0.0.1:{port}", data_dir=tmp_path_factory.mktemp("issuer-data"))

    async def seed() -> dict[str, str]:
        from issuer.accounts import service as accounts
        from issuer.cli import context_for

        out = await seed_demo(settings)
        await accounts.create_user(context_for(settings), district_id=out["school"].district, school_id=None, role="district_admin",
                                   username="district", password="district-password-1",
                                   display_name="Dr. Rosa Alvarez")
        return {**{username: password for _role, username, password in out["logins"]},
                "district": "district-password-1"}

    with pytest.MonkeyPatch.context() as env:
        for name in ("DATABASE_URL", "PICCOLO_CONF"):  # the demo's migration step exports these
            env.setenv(name, "")
            env.delenv(name)
        # its own thread: Playwright's sync API may already run an event loop on this one
        with ThreadPoolExecutor(max_workers=1) as pool:
            passwords = pool.submit(asyncio.run, seed()).result()
    return port, settings, passwords


@pytest.fixture(scope="module")
def server(demo):
    from issuer.app import create_app

    port, settings, _ = demo
    with serve(create_app(settings), port, name="the issuer app", timeout=20) as url:
        yield url


def _page(browser, viewport, **options):
    context = browser.new_context(viewport=viewport, **options)
    page = context.new_page()
    return context, page, watch_csp(page)


@pytest.fixture
def page(browser):
    context, page, violations = _page(browser, DESKTOP)
    yield page
    context.close()
    assert violations == []  # every page works under its Content-Security-Policy




def axe_problems(page, *, except_rules: tuple[str, ...] = ()) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is now. The script goes in
    through the DevTools protocol, which the page's CSP does not govern."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    options = {"resultTypes": ["violations"], "rules": {rule: {"enabled": False} for rule in except_rules}}
    return page.evaluate("""async (options) => (await axe.run(document, options)).violations
        .filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => ({id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}))""",
                         options)


def scroll_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def menu_labels(page) -> list[str]:
    return [t.strip() for t in page.locator(".primary-nav a").all_inner_texts()]


# ---- the components page --------------------------------------------------------------------

@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_every_component_renders_and_fits(browser, kit, shots, viewport):
    context, page, violations = _page(browser, viewport)
    try:
        page.goto(f"{kit}/components")
        assert page.locator("html").get_attribute("lang") == "en"
        for selector in (".badge-tile", ".level-chip", ".scale-key", ".chip", ".rubric-rate", ".rubric-read",
                         ".map-row", ".cohort-grid", ".empty-state", "progress", ".error-summary", ".banner-success",
                         ".summary-list", ".check-answers", ".task-list", ".long-id"):
            assert page.locator(selector).count() > 0, selector
        # words, never codes: a status chip says what a person would
        chips = page.locator(".chip").all_inner_texts()
        assert any("Needs revision" in c for c in chips) and not any(c.strip() == "revise" for c in chips)
        assert "3 · Proficient" in page.locator(".badge-tile").first.inner_text()
        # the error summary links each error to its field
        href = page.locator(".error-summary a").first.get_attribute("href")
        assert page.locator(href).count() == 1
        assert scroll_width(page) <= viewport["width"], "the page scrolls sideways"
        page.screenshot(path=str(shots / f"components-{viewport['width']}.png"), full_page=True)
    finally:
        context.close()
    assert violations == []


@needs_axe
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_components_have_no_serious_accessibility_problems(browser, kit, shots, viewport, scheme):
    context, page, _ = _page(browser, viewport, color_scheme=scheme)
    try:
        page.goto(f"{kit}/components")
        assert axe_problems(page) == []
        if scheme == "dark" and viewport is DESKTOP:
            page.screenshot(path=str(shots / "components-1280-dark.png"), full_page=True)
    finally:
        context.close()


def test_the_components_speak_spanish(browser, kit, shots):
    context, page, violations = _page(browser, DESKTOP)
    try:
        page.goto(f"{kit}/components?lang=es")
        assert page.locator("html").get_attribute("lang") == "es"
        text = page.locator("body").inner_text()
        for spanish in ("Necesita revisión", "Alcanzado", "Descargar en CSV", "Hay un problema", "Mis insignias",
                        "Verificar una insignia", "Cerrar sesión", "14 ene 2026"):
            assert spanish in text, spanish
        # the choice is remembered: the next page, without ?lang=, is Spanish too
        page.goto(f"{kit}/components")
        assert page.locator("html").get_attribute("lang") == "es"
        page.screenshot(path=str(shots / "components-1280-es.png"), full_page=True)
        page.click(".languages a[hreflang=en]")
        assert page.locator("html").get_attribute("lang") == "en"
    finally:
        context.close()
    assert violations == []


def test_the_rubric_grid_works_from_the_keyboard_without_javascript(browser, kit, shots):
    context, page, violations = _page(browser, DESKTOP, java_script_enabled=False)
    focused = "document.activeElement.id"
    try:
        page.goto(f"{kit}/components")
        for _ in range(80):  # from the top of the page, Tab reaches the grid
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.name || ''").startswith("rating_"):
                break
        assert page.evaluate(focused) == "rating_representation-1"
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        assert page.evaluate(focused) == "rating_representation-3"
        assert page.is_checked("#rating_representation-3")
        page.keyboard.press("Tab")  # one row is one stop: Tab goes to the next criterion
        assert page.evaluate(focused) == "rating_interpretation-1"
        page.keyboard.press("Space")
        for _ in range(3):
            page.keyboard.press("ArrowRight")
        page.keyboard.press("Tab")
        page.keyboard.press("Space")
        page.keyboard.press("ArrowRight")
        page.locator("#rate-form .rubric-wrap").screenshot(path=str(shots / "rubric-keyboard.png"))
        page.keyboard.press("Tab")
        assert page.evaluate(focused) == "save-rating"
        with page.expect_navigation():
            page.keyboard.press("Enter")
        posted = {d.get_attribute("data-name"): d.inner_text() for d in page.locator("#echo dd").all()}
        assert posted == {"rating_representation": "3", "rating_interpretation": "4", "rating_communication": "2"}
    finally:
        context.close()
    assert violations == []


def test_a_rubric_cell_is_chosen_by_its_radio_or_anywhere_in_it(page, kit):
    page.goto(f"{kit}/components")
    page.check("#rating_representation-4")  # the radio itself takes the click
    cell = page.locator("td", has=page.locator("#rating_interpretation-2"))
    box = cell.bounding_box()
    cell.click(position={"x": box["width"] - 10, "y": box["height"] - 10})  # so does the rest of the cell
    assert page.is_checked("#rating_representation-4") and page.is_checked("#rating_interpretation-2")


def test_the_full_menu_on_a_phone_folds_into_a_details(browser, kit, shots):
    context, page, violations = _page(browser, PHONE, java_script_enabled=False)
    try:
        page.goto(f"{kit}/admin/keys?as=school_admin")
        assert not page.locator(".primary-nav").is_visible()
        page.screenshot(path=str(shots / "menu-390-closed.png"))
        page.click(".menu > summary")
        assert page.locator(".primary-nav").is_visible()
        assert scroll_width(page) <= PHONE["width"]
        page.screenshot(path=str(shots / "menu-390-open.png"))
        with page.expect_navigation():
            page.click(".primary-nav a:text-is('Frameworks')")
        assert page.locator(".primary-nav a[aria-current=page]").text_content() == "Frameworks"
    finally:
        context.close()
    assert violations == []


def test_every_menu_entry_shows_when_its_page_exists(browser, kit, shots):
    """The test app has a page at every entry's URL, so each role sees its whole menu (UI.md)."""
    from issuer.access import Role
    from issuer.web.navigation import NAVIGATION

    context, page, violations = _page(browser, DESKTOP)
    try:
        for role in ("student", "teacher", "school_admin", "district_admin"):
            page.goto(f"{kit}/components?as={role}")
            assert menu_labels(page) == [e.label for e in NAVIGATION if Role(role) in e.roles], role
            page.locator(".site-header").screenshot(path=str(shots / f"header-{role}-1280.png"))
    finally:
        context.close()
    assert violations == []


def test_the_job_page(browser, kit, shots):
    """The bar with its counts refreshes with a meta refresh (no script), which the reader can
    stop. axe-core rightly counts any timed refresh as critical (WCAG 2.2.1, F41): the page is
    checked with that one rule off while it refreshes, and with every rule once it is stopped."""
    for viewport in (DESKTOP, PHONE):
        context, page, violations = _page(browser, viewport)
        try:
            page.goto(f"{kit}/components/job")
            assert "1240 of 2000 rows done" in page.locator("main").inner_text()
            assert page.locator("meta[http-equiv=refresh]").count() == 1
            assert scroll_width(page) <= viewport["width"]
            page.screenshot(path=str(shots / f"job-{viewport['width']}.png"), full_page=True)
            if AXE.is_file():
                assert axe_problems(page, except_rules=("meta-refresh",)) == []
            with page.expect_navigation():
                page.click("text=Stop refreshing")
            assert page.locator("meta[http-equiv=refresh]").count() == 0
            assert "1240 of 2000 rows done" in page.locator("main").inner_text()
            if AXE.is_file():
                assert axe_problems(page) == []
        finally:
            context.close()
        assert violations == []


# ---- the issuer's own pages ------------------------------------------------------------------

EXPECTED_MENUS = {
    # who: the entries whose pages exist today (the rest of UI.md's menu appears with its page)
    "liam": ["My badges", "Progress", "Portfolio", "Transcript", "Submit evidence", "Extended learning", "My data",
             "Password", "Verify a badge"],
    "ms.chen": ["Review queue", "Classes", "Cohort view", "Award history", "Bulk award", "Extended learning", "Password",
                "Verify a badge"],
    "principal": ["Review queue", "Classes", "Cohort view", "Award history", "Bulk award", "Extended learning",
                  "School profile", "Frameworks", "Achievements", "People & classes", "Keys", "Trusted issuers", "Endorsements",
                  "API tokens", "Audit log", "Outbox", "Password", "Verify a badge"],
    "district": ["Schools", "School profile", "Frameworks", "Achievements", "People & classes", "Keys",
                 "Trusted issuers", "Endorsements", "API tokens", "Audit log", "Outbox", "Password", "Verify a badge"],
}


@pytest.mark.parametrize("username", list(EXPECTED_MENUS))
def test_each_role_sees_its_menu_and_every_link_answers(server, demo, page, shots, username):
    _, _, passwords = demo
    sign_in(page, server, username, passwords[username])
    page.goto(f"{server}/verify")  # a page every role has
    assert menu_labels(page) == EXPECTED_MENUS[username]
    assert page.locator(".who").inner_text().strip() != ""
    for href in page.locator(".primary-nav a").evaluate_all("links => links.map(a => a.getAttribute('href'))"):
        answer = page.request.get(f"{server}{href}", headers={"accept": "text/html"})
        assert answer.status < 400, (href, answer.status)
        assert answer.headers["content-type"].startswith("text/html"), href
    first = page.locator(".primary-nav a").first
    with page.expect_navigation():
        first.click()
    assert first.get_attribute("aria-current") == "page"
    page.locator(".site-header").screenshot(path=str(shots / f"header-{username}.png"))


def test_a_visitor_sees_verify_and_sign_in(server, page):
    page.goto(f"{server}/verify")
    assert menu_labels(page) == ["Verify a badge"]
    assert page.locator(".account a", has_text="Sign in").count() == 1
    assert page.request.get(f"{server}/favicon.ico").headers["content-type"] == "image/svg+xml"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_the_pages_the_components_were_applied_to(browser, server, demo, shots, viewport):
    """Login with its error summary, the student's badges and the teacher's queue and rating page:
    at both widths, no sideways scroll, and nothing serious for axe-core."""
    _, _, passwords = demo
    width = viewport["width"]
    context, page, violations = _page(browser, viewport)
    visited = []

    def check(name):
        assert scroll_width(page) <= width, name
        page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
        if AXE.is_file():
            assert axe_problems(page) == [], name
        visited.append(name)

    try:
        sign_in(page, server, "liam", "not-the-password")
        assert page.locator("#login-error a[href='#password']").count() == 1
        assert page.evaluate("document.activeElement.id") == "login-error"  # the summary takes the focus
        check("login-error")
        sign_in(page, server, "liam", passwords["liam"])
        assert page.locator(".badge-tile").count() >= 1
        check("student-badges")
        page.context.clear_cookies()
        sign_in(page, server, "ms.chen", passwords["ms.chen"])
        assert page.locator("main .chip").count() >= 1
        check("teacher-queue")
        with page.expect_navigation():
            page.locator("tr", has_text="Liam Nguyen").locator("a.queue-open").first.click()  # the work, not the student
        assert page.locator(".rubric-rate").count() == 1
        check("teacher-rate")
        page.context.clear_cookies()
        sign_in(page, server, "principal", passwords["principal"])
        csrf = page.locator("input[name=csrf_token]").first.get_attribute("value")
        for name in ("gradebook sync", "timetable import"):
            made = page.request.post(f"{server}/admin/tokens", data={"name": name, "expiresIn": 86400 * 90},
                                     headers={"X-CSRF-Token": csrf})
            assert made.status == 201, made.text()
        page.goto(f"{server}/admin/api-tokens")
        with page.expect_navigation():
            page.locator("tr", has_text="timetable import").locator("button").click()
        assert page.locator(".banner-success").count() == 1  # the banner after the action
        check("admin-tokens")
    finally:
        context.close()
    assert violations == []
    assert len(visited) == 5


def test_the_pages_speak_spanish_from_accept_language_or_the_switcher(browser, server, demo, shots):
    _, _, passwords = demo
    context, page, violations = _page(browser, DESKTOP, locale="es-ES")
    try:
        page.goto(f"{server}/login")  # Chromium sends Accept-Language: es-ES
        assert page.locator("html").get_attribute("lang") == "es"
        assert page.locator("h1").inner_text() == "Iniciar sesión"
        sign_in(page, server, "liam", passwords["liam"])
        assert page.locator("h1").inner_text() == "Mis insignias"
        assert "Verificar una insignia" in menu_labels(page)
        page.screenshot(path=str(shots / "student-badges-1280-es.png"), full_page=True)
        page.click(".languages a[hreflang=en]")  # the switcher: a link, remembered in a cookie
        assert page.locator("h1").inner_text() == "My badges"
        page.goto(f"{server}/student/badges")
        assert page.locator("html").get_attribute("lang") == "en"
    finally:
        context.close()
    assert violations == []


def test_the_api_docs_load_with_no_network(browser, server, shots):
    """/schema/swagger draws the API from files this server serves: every request to another
    origin is refused, and the page still shows the operations."""
    context, page, violations = _page(browser, DESKTOP)
    elsewhere: list[str] = []

    def only_here(route):
        if route.request.url.startswith(server):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    context.route("**/*", only_here)
    try:
        page.goto(f"{server}/schema/swagger")
        page.wait_for_selector(".swagger-ui .opblock", timeout=30_000)
        assert "Open Badges for Schools" in page.locator(".swagger-ui .info .title").inner_text()
        assert page.locator(".swagger-ui .opblock").count() > 20
        sources = page.evaluate("""[...document.querySelectorAll('script[src], link[href]')]
                                   .map(e => e.getAttribute('src') || e.getAttribute('href'))""")
        assert sources and all(re.match(r"^/(static|vendor)/", s) for s in sources), sources
        page.screenshot(path=str(shots / "api-docs-1280.png"))
    finally:
        context.close()
    assert elsewhere == []
    assert violations == []
