"""The badge page, its public face and the verifier, in a real browser (issue 12): headless Chromium
(the system binary) through Playwright, against the issuer on the seeded demo school.

Maya signs in and opens her badge: the Share area offers the switches, the link with a copy
button, LinkedIn's "Add to profile" (the certification form's fields) and "Share", the QR code and
the downloads. She downloads the JSON and the baked PNG and the verifier accepts both; she shows
her name, then turns the public page off (an anonymous visitor is told it is not shared) and on
again. A visitor pastes the badge page's URL into the verifier and gets a green verdict, then
checks the recipient by email: instantly with JavaScript, by posting the form without it; a wrong
address says "No match". Every page is checked at 1280 and 390 px: no sideways scrolling
(``scrollWidth``), axe-core finds nothing serious or critical, the Content-Security-Policy holds.
Screenshots go to ``$BROWSER_SCREENSHOTS`` (else a pytest tmp dir).
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.design.support import AXE
from tests.browser.support import BROWSER_MARKS, DESKTOP, PHONE, sign_in, watch_csp

pytestmark = [
    *BROWSER_MARKS,
    pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning"),
]

MAYA_EMAIL = "maya@lincoln.riverside.example"  # the demo's address for Maya Johnson (issuer.cli.learning)


def new_page(browser, viewport, **options):
    context = browser.new_context(viewport=viewport, **options)
    context.set_default_timeout(20_000)  # a step that cannot happen fails in seconds, not at the suite's limit
    page = context.new_page()
    return context, page, watch_csp(page)




def axe_problems(page) -> list[dict]:
    page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations
        .filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => ({id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}))""")


def looks_right(page, shots, name, width, *, javascript=True):
    """No sideways scrolling at this width, nothing serious for axe-core, and a screenshot. With
    JavaScript off in the page, the DevTools protocol cannot run scripts in it either: the width
    comes from the layout tree's metrics and axe-core is left to the same page's JavaScript run."""
    if javascript:
        scroll = page.evaluate("document.documentElement.scrollWidth")
    else:
        session = page.context.new_cdp_session(page)
        scroll = session.send("Page.getLayoutMetrics")["cssContentSize"]["width"]
    assert scroll <= width, f"{name} scrolls sideways at {width}px"
    page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
    if javascript and AXE.is_file():
        assert axe_problems(page) == [], name


def open_badge(page, server, name: str) -> str:
    page.goto(f"{server}/student/badges")
    with page.expect_navigation():
        page.locator('main a[href^="/badges/"]', has_text=name).first.click()
    assert re.search(r"/badges/[0-9a-f-]{36}$", page.url), page.url
    return page.url


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_the_student_shares_a_badge(browser, server, demo, shots, viewport):
    _, _, passwords = demo
    width = viewport["width"]
    context, page, violations = new_page(browser, viewport)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    try:
        sign_in(page, server, "maya", passwords["maya"])
        url = open_badge(page, server, "Equation Reasoning")
        uuid = url.rsplit("/", 1)[1]
        share = page.locator("#share")
        assert share.is_visible()
        assert page.locator("#badge-name").inner_text() == "Equation Reasoning"
        assert "A verified student of Lincoln High School" in page.locator("#recipient").inner_text()
        looks_right(page, shots, "badge-owner", width)

        # LinkedIn: the certification form pre-filled, and a share post of the public page
        add = page.locator("#linkedin-add").get_attribute("href")
        fields = {k: v[0] for k, v in parse_qs(urlsplit(add).query).items()}
        assert add.startswith("https://www.linkedin.com/profile/add?")
        assert fields["startTask"] == "CERTIFICATION_NAME" and fields["name"] == "Equation Reasoning"
        assert fields["organizationName"] == "Lincoln High School"
        assert fields["certUrl"] == url and fields["certId"] == uuid
        assert fields["issueYear"].isdigit() and 1 <= int(fields["issueMonth"]) <= 12
        share_url = page.locator("#linkedin-share").get_attribute("href")
        assert parse_qs(urlsplit(share_url).query) == {"url": [url]}

        # copy link: the button appears with JavaScript and copies the link
        button = page.locator("button.copy-button")
        assert button.is_visible()
        button.click()
        page.wait_for_function("document.getElementById('copy-status').textContent.length > 0")
        assert page.evaluate("navigator.clipboard.readText()") == url
        assert page.locator("#share-link").input_value() == url

        # downloads: the JSON and the baked PNG are files, and the verifier accepts both
        with page.expect_download() as got:
            page.locator(f'#share a[href$="/badges/{uuid}.json"]').click()
        download = got.value
        assert download.suggested_filename == f"equation-reasoning-{uuid[:8]}.json"
        credential = json.loads(Path(download.path()).read_text(encoding="utf-8"))
        assert credential["credentialSubject"]["achievement"]["name"] == "Equation Reasoning"
        json_file = Path(download.path())
        with page.expect_download() as got:
            page.locator(f'#share a[href$="/badges/{uuid}.png?download=1"]').click()
        png = got.value
        assert png.suggested_filename == f"equation-reasoning-{uuid[:8]}.png"
        png_file = Path(png.path())
        for name, file in (("json", json_file), ("png", png_file)):
            page.goto(f"{server}/verify")
            with page.expect_navigation():
                page.set_input_files("#file", str(file))  # verify.js submits the chosen file
            verdict = page.locator("#verdict")
            assert verdict.get_attribute("data-verified") == "true", (name, page.locator("main").inner_text())
            if name == "png":
                looks_right(page, shots, "verify-uploaded-png", width)
    finally:
        context.close()
    assert violations == []


def test_the_switches_show_the_name_and_hide_the_page(browser, server, demo, shots):
    _, _, passwords = demo
    context, page, violations = new_page(browser, DESKTOP)
    visitor_context, visitor, visitor_violations = new_page(browser, PHONE)
    try:
        sign_in(page, server, "maya", passwords["maya"])
        url = open_badge(page, server, "Data Storyteller")
        visitor.goto(url)
        assert "Maya Johnson" not in visitor.content()
        with page.expect_navigation():
            page.click("#switch-name button")
        assert page.locator("#saved").is_visible()
        assert "Maya Johnson" in page.locator("#switch-name").inner_text()
        visitor.goto(url)
        assert visitor.locator("#recipient").inner_text() == "Maya Johnson"
        assert visitor.locator('#share').count() == 0
        og = {name: visitor.locator(f'meta[property="{name}"]').get_attribute("content")
              for name in ("og:title", "og:url", "og:image", "og:description")}
        assert og["og:title"] == "Data Storyteller" and og["og:url"] == url and og["og:image"] == f"{url}.png"
        assert "Maya Johnson" in og["og:description"]
        assert visitor.locator('link[rel="alternate"][type="application/vc+ld+json"]').count() == 1
        looks_right(visitor, shots, "badge-public", PHONE["width"])

        with page.expect_navigation():
            page.click("#switch-page button")
        assert "Only you and your school" in page.locator("#switch-page").inner_text()
        assert page.locator("#linkedin-add").count() == 0
        looks_right(page, shots, "badge-owner-private", DESKTOP["width"])
        response = visitor.goto(url)
        assert response.status == 404
        assert visitor.locator("h1").inner_text() == "This badge is not shared"
        assert "Data Storyteller" not in visitor.content()
        looks_right(visitor, shots, "badge-not-shared", PHONE["width"])

        with page.expect_navigation():
            page.click("#switch-page button")  # on again: the link works for everyone
        with page.expect_navigation():
            page.click("#switch-name button")
        assert visitor.goto(url).status == 200
        assert "Maya Johnson" not in visitor.content()
    finally:
        context.close()
        visitor_context.close()
    assert violations == [] and visitor_violations == []


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_a_visitor_verifies_the_page_url_and_checks_the_recipient(browser, server, demo, shots, viewport):
    _, _, passwords = demo
    width = viewport["width"]
    owner_context, owner, _ = new_page(browser, DESKTOP)
    sign_in(owner, server, "maya", passwords["maya"])
    url = open_badge(owner, server, "Equation Reasoning")
    owner_context.close()

    context, page, violations = new_page(browser, viewport)
    try:
        page.goto(f"{server}/verify")
        page.fill("#url", url)
        with page.expect_navigation():
            page.click("#verify-button")
        verdict = page.locator("#verdict")
        assert verdict.get_attribute("data-verified") == "true", page.locator("main").inner_text()
        assert page.locator("#recipient-form").is_visible()
        looks_right(page, shots, "verify-badge-page-url", width)

        # with JavaScript: the answer comes at once, without leaving the page
        before = page.url
        page.fill("#recipient-email", "someone.else@example.org")
        page.click("#recipient-button")
        result = page.locator("#recipient-result")
        result.locator("p").wait_for()
        assert result.get_attribute("data-matched") == "false" and "No match" in result.inner_text()
        page.fill("#recipient-email", "  Maya@Lincoln.Riverside.Example ")
        page.click("#recipient-button")
        page.wait_for_function("document.getElementById('recipient-result').dataset.matched === 'true'")
        assert "Matches" in result.inner_text() and page.url == before
        looks_right(page, shots, "verify-recipient-match", width)
    finally:
        context.close()
    assert violations == []


def test_the_recipient_check_works_without_javascript(browser, server, demo, shots):
    _, _, passwords = demo
    owner_context, owner, _ = new_page(browser, DESKTOP)
    sign_in(owner, server, "maya", passwords["maya"])
    url = open_badge(owner, server, "Equation Reasoning")
    owner_context.close()

    context, page, violations = new_page(browser, PHONE, java_script_enabled=False)
    try:
        page.goto(f"{server}/verify?url={url}")
        assert page.locator("#verdict").get_attribute("data-verified") == "true"
        page.fill("#recipient-email", MAYA_EMAIL)
        with page.expect_navigation():
            page.click("#recipient-button")
        assert page.locator("#recipient-result").get_attribute("data-matched") == "true"
        looks_right(page, shots, "verify-recipient-nojs", PHONE["width"], javascript=False)
        page.fill("#recipient-email", "omar@lincoln.riverside.example")
        with page.expect_navigation():
            page.click("#recipient-button")
        assert page.locator("#recipient-result").get_attribute("data-matched") == "false"
        page.fill("#recipient-email", "not an address")
        with page.expect_navigation():
            page.click("#recipient-button")
        assert "Enter an email address" in page.locator("#recipient").inner_text()
        assert page.locator("#recipient-email").input_value() == "not an address"
        # the badge page itself, without JavaScript: the link is a field to select, no copy button
        page.goto(url)
        assert page.locator("button.copy-button").count() == 0 or not page.locator("button.copy-button").is_visible()
    finally:
        context.close()
    assert violations == []
