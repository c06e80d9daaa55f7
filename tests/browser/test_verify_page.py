"""A real browser on the verification page: headless Chromium (system binary) through Playwright.

The standalone verifier runs under uvicorn on a free loopback port in a background thread; its
outbound network is the same in-process fake as the other tests, so nothing leaves the machine.
"""
from __future__ import annotations

import base64
import json

import pytest

from tests.browser.support import BROWSER_MARKS, free_port, serve, watch_csp
from tests.verifier.factory import REVOKED_INDEX, World

pytestmark = [*BROWSER_MARKS]


@pytest.fixture(scope="module")
def world() -> World:
    return World()


@pytest.fixture(scope="module")
def server(world):
    from verifier.app import create_app

    with serve(create_app(world.config()), free_port(), name="the verifier", timeout=10) as url:
        yield url


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    violations = watch_csp(page)
    yield page
    context.close()
    assert violations == []  # every page works under its Content-Security-Policy


def test_upload_a_baked_badge_and_read_the_verdict(server, page, world, tmp_path):
    badge_png = tmp_path / "badge.png"
    badge_png.write_bytes(world.png(json.dumps(world.badge())))
    page.goto(f"{server}/verify")
    assert "Verify a badge" in page.title()
    with page.expect_navigation():
        page.set_input_files("#file", str(badge_png))  # choosing a file submits the form
    verdict = page.locator("#verdict")
    assert verdict.get_attribute("data-verified") == "true"
    assert "Verified" in verdict.inner_text()
    assert "genuine and valid" in verdict.inner_text()
    assert "Scientific Inquiry" in page.locator("#badge").inner_text()
    assert "Proficient" in page.locator("table.rubric").inner_text()


def test_drop_a_revoked_badge_and_see_red(server, page, world):
    payload = base64.b64encode(world.png(json.dumps(world.badge(index=REVOKED_INDEX)))).decode()
    page.goto(f"{server}/verify")
    with page.expect_navigation():
        page.evaluate("""(payload) => {
            const bytes = Uint8Array.from(atob(payload), c => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], "revoked.png", {type: "image/png"}));
            const drop = document.getElementById("drop");
            drop.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true}));
        }""", payload)
    verdict = page.locator("#verdict")
    assert verdict.get_attribute("data-verified") == "false"
    assert "Not verified" in verdict.inner_text()
    assert "revoked" in page.locator('[data-check="status"]').inner_text()


def test_paste_a_credential(server, page, world):
    page.goto(f"{server}/verify")
    page.fill("#credential", json.dumps(world.badge()))
    with page.expect_navigation():
        page.click("#verify-button")
    assert page.locator("#verdict").get_attribute("data-verified") == "true"


def test_an_injected_inline_script_does_not_run(server, browser):
    # What the policy is for: script that got into a page (an XSS) is refused by the browser.
    context = browser.new_context()
    page = context.new_page()
    violations = watch_csp(page)
    page.goto(f"{server}/verify")
    assert page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.injected = true";
        document.body.appendChild(script);
        return window.injected === true;
    }""") is False
    page.wait_for_timeout(200)
    assert any("script-src" in v for v in violations), violations
    # (the page's own script, static and same-origin, still runs: test_drop_a_revoked_badge_and_see_red)
    context.close()
