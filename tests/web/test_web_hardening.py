"""Issue 10 on the issuer app (``create_app``): security headers on every response, pages the
Content-Security-Policy actually allows (no inline script or style), and the mentor form's
CSRF check."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from litestar import Litestar, MediaType, Response, get
from litestar.testing import TestClient

from tests.web.support import bearer, setup_achievement
from verifier.headers import PAGE_POLICY, security_headers

pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]

HTML = {"Accept": "text/html"}


# ---- what a page must not contain under PAGE_POLICY ------------------------------------------

class InlineCode(HTMLParser):
    """Collects what ``script-src 'self'; style-src 'self'`` would block in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.blocked: list[str] = []
        self.assets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "script":
            if not attributes.get("src"):
                self.blocked.append("inline <script>")
            else:
                self.assets.append(attributes["src"] or "")
        if tag == "style":
            self.blocked.append("<style>")
        if tag == "link" and attributes.get("rel") == "stylesheet":
            self.assets.append(attributes.get("href") or "")
        for name, value in attrs:
            if name == "style":
                self.blocked.append(f"style attribute on <{tag}>")
            if name.startswith("on"):
                self.blocked.append(f"{name} handler on <{tag}>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.blocked.append(f"javascript: URL on <{tag}>")


def blocked_by_csp(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    # every script and stylesheet must come from this origin
    parser.blocked += [f"foreign asset {a}" for a in parser.assets if urlsplit(a).netloc or not a.startswith("/")]
    return parser.blocked


def test_the_checker_catches_inline_code():
    # The bad twins the page checks below rely on.
    assert blocked_by_csp('<p>ok</p><script src="/static/verify.js"></script>') == []
    assert blocked_by_csp("<script>alert(1)</script>") == ["inline <script>"]
    assert blocked_by_csp("<style>p{}</style><p style='x' onclick='y'>") == [
        "<style>", "style attribute on <p>", "onclick handler on <p>"]
    assert blocked_by_csp('<script src="https://cdn.example/x.js"></script>') == [
        "foreign asset https://cdn.example/x.js"]


def assert_page_headers(response) -> None:
    headers = response.headers
    assert headers["content-security-policy"] == PAGE_POLICY
    assert "frame-ancestors 'none'" in PAGE_POLICY and headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert blocked_by_csp(response.text) == [], response.request.url


# ---- the hook itself ---------------------------------------------------------------------------

def test_security_headers_hook_adds_and_keeps():
    @get("/page", media_type=MediaType.HTML)
    async def page() -> str:
        return "<p>hi</p>"

    @get("/data")
    async def data() -> dict:
        return {"a": 1}

    @get("/own", media_type=MediaType.HTML)
    async def own() -> Response:
        return Response("<p>x</p>", media_type=MediaType.HTML,
                        headers={"Content-Security-Policy": "default-src 'none'; sandbox",
                                 "Referrer-Policy": "same-origin"})

    with TestClient(Litestar([page, data, own], before_send=[security_headers])) as client:
        r = client.get("/page")
        assert r.headers["content-security-policy"] == PAGE_POLICY and r.headers["x-frame-options"] == "DENY"
        r = client.get("/data")
        assert r.headers["x-content-type-options"] == "nosniff" and r.headers["referrer-policy"] == "no-referrer"
        assert "content-security-policy" not in r.headers and "x-frame-options" not in r.headers
        r = client.get("/own")  # a handler's stricter policy wins, one header each
        assert r.headers.get_list("content-security-policy") == ["default-src 'none'; sandbox"]
        assert r.headers.get_list("referrer-policy") == ["same-origin"]
        r = client.get("/missing", headers=HTML)  # not found: no route handler ran
        assert r.status_code == 404 and r.headers["x-content-type-options"] == "nosniff"

    # The bad twin: the same app without the hook sends none of them.
    with TestClient(Litestar([page])) as client:
        r = client.get("/page")
        assert "content-security-policy" not in r.headers and "x-frame-options" not in r.headers


# ---- the issuer's pages ------------------------------------------------------------------------

async def test_public_pages_have_the_headers_and_no_inline_code(client, seed):
    for path in ("/login", "/verify", "/verify?url=https://nowhere.invalid/x"):
        r = await client.get(path, headers=HTML)
        assert r.headers["content-type"].startswith("text/html"), path
        assert_page_headers(r)
    r = await client.post("/verify", headers=HTML, files={"credential": (None, "{\"not\": \"a badge\"}")},
                          data={"csrf_token": _csrf((await client.get("/verify", headers=HTML)).text)})
    assert r.headers["content-type"].startswith("text/html")
    assert_page_headers(r)
    for asset, kind in (("/static/site.css", "text/css"), ("/static/verify.css", "text/css"),
                        ("/static/verify.js", "javascript"), ("/static/transcript-page.css", "text/css")):
        r = await client.get(asset)
        assert r.status_code == 200 and kind in r.headers["content-type"], asset
        assert r.headers["x-content-type-options"] == "nosniff"
    r = await client.get("/issuers/north/did.json")
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["referrer-policy"] == "no-referrer"


async def test_signed_in_pages_have_the_headers_and_no_inline_code(client, seed):
    client.cookies.set("badges_session", seed.session["student"])
    for path in ("/student/badges", "/student/submit", "/student/elo", "/student/transcripts"):
        r = await client.get(path, headers=HTML)
        if r.status_code == 404:
            continue  # a page another branch owns
        assert r.status_code == 200, (path, r.status_code)
        assert_page_headers(r)
    client.cookies.set("badges_session", seed.session["teacher"])
    r = await client.get("/teacher/reviews", headers=HTML)
    assert r.status_code == 200
    assert_page_headers(r)


# ---- the mentor form's CSRF check --------------------------------------------------------------

def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


async def _mentor_link(client, seed) -> str:
    a = await setup_achievement(client, seed, area="elo")
    r = await client.post("/api/elos", headers=bearer(seed, "student"), json={
        "achievement": a["id"], "partnerOrg": "River Lab", "mentorName": "Dr. Rivera",
        "mentorEmail": "rivera@riverlab.example", "goals": "Sample water quality", "hours": 40,
        "startDate": "2025-09-01", "endDate": "2025-12-01", "competencies": []})
    assert r.status_code == 201, r.text
    r = await client.post(f"/api/elos/{r.json()['id']}/decision", headers=bearer(seed, "teacher"),
                          json={"approve": True})
    assert r.status_code == 200, r.text
    return urlsplit(r.json()["mentorLink"]).path


ATTESTATION = {"statement": "Reliable, careful sampling", "hours": "38", "confirm": "yes"}


async def test_mentor_form_refuses_a_post_without_the_csrf_token(client, seed):
    path = await _mentor_link(client, seed)
    page = await client.get(path, headers=HTML)
    assert page.status_code == 200 and "River Lab" in page.text
    assert_page_headers(page)
    token = _csrf(page.text)

    # A forged cross-site post carries the mentor's cookie but cannot read the token.
    r = await client.post(path, data=ATTESTATION)
    assert r.status_code == 403 and "CSRF" in r.text
    r = await client.post(path, data={**ATTESTATION, "csrf_token": "0" * len(token)})
    assert r.status_code == 403
    r = await client.post(path, content=json.dumps({**ATTESTATION, "confirm": True}),
                          headers={"Content-Type": "application/json"})
    assert r.status_code == 403
    # A token read elsewhere does not fit another browser's cookie.
    cookie = client.cookies.pop("badges_csrf")
    r = await client.post(path, data={**ATTESTATION, "csrf_token": token})
    assert r.status_code == 403
    client.cookies.set("badges_csrf", cookie)

    # None of that used the single-use link: the real form still works, once.
    r = await client.post(path, data={**ATTESTATION, "csrf_token": token})
    assert r.status_code == 200 and "Thank" in r.text, r.text
    r = await client.post(path, data={**ATTESTATION, "csrf_token": token})
    assert r.status_code == 410


async def test_mentor_json_post_with_the_csrf_header(client, seed):
    path = await _mentor_link(client, seed)
    token = _csrf((await client.get(path, headers=HTML)).text)
    r = await client.post(path, content=json.dumps({**ATTESTATION, "confirm": True}),
                          headers={"Content-Type": "application/json", "X-CSRF-Token": token})
    assert r.status_code == 200, r.text


def test_standalone_verifier_pages_have_the_headers_and_no_inline_code():
    from tests.verifier.factory import World
    from verifier.app import create_app

    world = World()
    with TestClient(create_app(world.config())) as client:
        for r in (client.get("/verify", headers=HTML),
                  client.post("/verify", headers=HTML, files={"credential": (None, json.dumps(world.badge()))})):
            assert r.headers["content-type"].startswith("text/html")
            assert_page_headers(r)
        assert "genuine and valid" in r.text
        r = client.post("/credentials/verify", json={"verifiableCredential": world.badge()})
        assert r.status_code == 200 and r.headers["x-content-type-options"] == "nosniff"
        assert "content-security-policy" not in r.headers
        assert client.get("/static/verify.js").status_code == 200
