"""Issue 14's REST API in the browser, at 1280 px (JavaScript on) and 390 px (off), over real HTTP:
an app registers itself (RFC 7591) and sends the student to the authorization URL that
httpx-oauth builds (PKCE S256, state); the student signs in, reads the consent page and allows;
the app (whose callback Chromium cannot reach, there being no network: the test reads the address
Chromium was sent to, which a route cannot answer since it follows a redirect) exchanges the code
and pages through the student's badges; the student finds it under My data → Connected apps and
disconnects it, after which its token is refused. Every page: no sideways scroll, axe-core
(JavaScript on), the CSP.
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from httpx_oauth.oauth2 import OAuth2

from tests.browser.support import BROWSER_MARKS, DESKTOP, PHONE, Journey

pytestmark = [
    *BROWSER_MARKS,
    pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning"),
]

APP = "https://portal.college.example"
CALLBACK = APP + "/callback"
SCOPES = [f"https://purl.imsglobal.org/spec/ob/v3p0/scope/{s}" for s in ("credential.readonly", "profile.readonly")]


def run(coroutine):
    with ThreadPoolExecutor(max_workers=1) as pool:  # Playwright's sync API owns this thread's loop
        return pool.submit(asyncio.run, coroutine).result()


def register(server: str, name: str) -> OAuth2:
    sdd = httpx.get(f"{server}/ims/ob/v3p0/discovery").json()
    scheme = sdd["components"]["securitySchemes"]["OAuth2ACG"]
    r = httpx.post(scheme["x-imssf-registrationUrl"], json={
        "client_name": name, "client_uri": APP, "logo_uri": APP + "/logo.png", "tos_uri": APP + "/terms",
        "policy_uri": APP + "/privacy", "software_id": "portal", "software_version": "1.0",
        "redirect_uris": [CALLBACK], "scope": " ".join(SCOPES), "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"], "token_endpoint_auth_method": "client_secret_basic"})
    assert r.status_code == 201, r.text
    flows = scheme["flows"]["authorizationCode"]
    return OAuth2(r.json()["client_id"], r.json()["client_secret"], flows["authorizationUrl"], flows["tokenUrl"],
                  refresh_token_endpoint=flows["refreshUrl"], token_endpoint_auth_method="client_secret_basic")


@pytest.mark.parametrize(("viewport", "javascript"), [(DESKTOP, True), (PHONE, False)], ids=["1280", "390-nojs"])
def test_a_student_connects_an_app_and_disconnects_it(browser, server, demo, shots, viewport, javascript):
    _, _, passwords = demo
    w = viewport["width"]
    app_name = f"Admissions Portal {w}"
    oauth = register(server, app_name)
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    state = secrets.token_urlsafe(12)
    url = run(oauth.get_authorization_url(CALLBACK, state=state, scope=SCOPES, code_challenge=challenge,
                                          code_challenge_method="S256"))
    j = Journey(browser, viewport, shots, prefix="apps", javascript=javascript)
    page = j.page
    try:
        page.goto(url)  # not signed in: the sign-in page, then back to the app's request
        assert "/login" in page.url
        with page.expect_navigation():
            page.fill("#username", "maya")
            page.fill("#password", passwords["maya"])
            page.click("main button[type=submit].primary")
        assert "/oauth/authorize" in page.url
        text = page.locator("main").inner_text()
        assert f"Allow {app_name} to use your backpack?" in text
        assert "See the badges in your backpack" in text and "See your profile" in text
        assert "Add badges" not in text  # only what the app asked for
        j.check("consent")
        with page.expect_request(lambda request: request.url.startswith(CALLBACK)) as sent:
            page.locator("#allow").click()
        back = urlsplit(sent.value.url)
        query = parse_qs(back.query)
        assert f"{back.scheme}://{back.netloc}{back.path}" == CALLBACK and query["state"] == [state]

        token = dict(run(oauth.get_access_token(query["code"][0], CALLBACK, code_verifier=verifier)))
        bearer = {"authorization": f"Bearer {token['access_token']}"}
        r = httpx.get(f"{server}/ims/ob/v3p0/credentials", params={"limit": 2}, headers=bearer)
        assert r.status_code == 200 and int(r.headers["x-total-count"]) >= 1
        assert len(r.json()["credential"]) == min(2, int(r.headers["x-total-count"]))

        page.goto(f"{server}/student/badges")
        j.menu("My data")
        j.submit(page.locator("#apps-link"))
        assert app_name in page.locator("#apps").inner_text()
        j.check("connected")
        card = page.locator("#apps li.card", has_text=app_name)
        j.submit(card.locator("button", has_text="Disconnect"))
        assert f"{app_name} is disconnected" in page.locator("#disconnected").inner_text()
        assert app_name not in page.locator("main").inner_text().replace(f"{app_name} is disconnected", "")
        j.check("disconnected")
        assert httpx.get(f"{server}/ims/ob/v3p0/credentials", headers=bearer).status_code == 401

        page.goto(f"{server}/api")
        assert page.locator("#discovery-link").get_attribute("href").endswith("/ims/ob/v3p0/discovery")
        j.check("about")
    finally:
        j.close()
    assert j.seen == ["consent", "connected", "disconnected", "about"]
