"""The human page at /verify: the form, and a report a non-technical reader understands."""
from __future__ import annotations

import json
import re

import pytest
from litestar.testing import AsyncTestClient

from badges.trust import TrustedIssuer, TrustRegistry
from tests.verifier.factory import ISSUER, REVOKED_INDEX, World, pdf_with_attachment
from verifier.app import create_app

pytestmark = pytest.mark.anyio
HTML = {"accept": "text/html,application/xhtml+xml"}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
async def client(world):
    config = world.config(trust=TrustRegistry([TrustedIssuer(ISSUER, "Lincoln High School", "District school")]))
    async with AsyncTestClient(app=create_app(config)) as client:
        yield client


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


async def test_form_offers_paste_upload_drop_and_link(client):
    response = await client.get("/verify", headers=HTML)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert 'enctype="multipart/form-data"' in html and 'type="file"' in html and 'name="credential"' in html
    assert 'name="url"' in html and "drop" in html
    assert "Sign in" not in html  # the standalone verifier has no accounts


async def test_report_for_a_good_badge_in_plain_words(client, world):
    response = await client.post("/verify", files={"file": ("badge.png", world.png(json.dumps(world.badge())),
                                                            "image/png")}, headers=HTML)
    assert response.status_code == 200
    html = response.text
    assert 'id="verdict"' in html and 'data-verified="true"' in html and "verdict ok" in html
    words = text(html)
    assert "Verified" in words
    assert "Issued by Lincoln High School (District school), a registered issuer." in words
    assert "as of 10:00 UTC on 15 January 2026" in words  # the status line says when
    # the badge itself
    assert "Scientific Inquiry" in words and "Designs and carries out" in words
    assert "Asks a testable question 4 Exceeds 3 Proficient Yes" in words  # criterion, achieved, required, met
    assert "Uses evidence to support claims 3 Proficient 3 Proficient Yes" in words
    assert 'href="https://lincoln.example/evidence/991"' in html and "Pond water investigation" in words
    assert "SCI.1 Scientific inquiry" in words and "Lincoln Science Framework" in words
    assert 'src="https://lincoln.example/images/inquiry.png"' in html


async def test_report_for_a_revoked_badge_is_red(client, world):
    response = await client.post("/verify", data={"credential": json.dumps(world.badge(index=REVOKED_INDEX))},
                                 headers=HTML)
    assert response.status_code == 422
    html = response.text
    assert "verdict bad" in html and 'data-verified="false"' in html
    assert "This badge was revoked by its issuer." in text(html)
    assert 'data-check="status" data-outcome="fail"' in html


async def test_qr_link_opens_a_report(client, world):
    world.web.json("https://hosted.example/b/1", world.badge())
    response = await client.get("/verify", params={"url": "https://hosted.example/b/1"}, headers=HTML)
    assert response.status_code == 200
    assert "Verified" in response.text and "https://hosted.example/b/1" in response.text


async def test_transcript_lists_each_nested_badge(client, world):
    tampered = world.badge(name="Persuasive Writing", credential_id="urn:uuid:11111111-2222-4333-8444-555555555555")
    tampered["credentialSubject"]["achievement"]["description"] = "Changed after signing."
    clr = world.clr([world.badge(), tampered])
    pdf = pdf_with_attachment(json.dumps(clr).encode())
    response = await client.post("/verify", files={"file": ("t.pdf", pdf, "application/pdf")}, headers=HTML)
    assert response.status_code == 422
    html = response.text
    words = text(html)
    assert "Badges in this record (2)" in words
    assert "1. Scientific Inquiry Verified" in words
    assert "2. Persuasive Writing Not verified" in words
    assert "learner record could not be verified" in words


async def test_malformed_upload_renders_a_readable_page(client):
    response = await client.post("/verify", files={"file": ("x.png", b"\x89PNG\r\n\x1a\nnope", "image/png")},
                                 headers=HTML)
    assert response.status_code == 400
    assert "Not verified" in response.text and "not a verifiable badge" in text(response.text)


async def test_credential_text_is_escaped(client, world):
    badge = world.unsigned_badge()
    badge["credentialSubject"]["achievement"]["name"] = '<script>alert("x")</script>'
    badge["credentialSubject"]["achievement"]["image"] = {"id": "javascript:alert(1)", "type": "Image"}
    badge["evidence"][0]["id"] = "javascript:alert(2)"
    response = await client.post("/verify", data={"credential": json.dumps(world.sign(badge))}, headers=HTML)
    html = response.text
    assert '<script>alert("x")</script>' not in html and "&lt;script&gt;" in html
    assert "javascript:" not in html


async def test_json_unless_html_is_asked_for(client, world):
    response = await client.post("/verify", data={"credential": json.dumps(world.badge())})
    assert response.headers["content-type"].startswith("application/json")
    response = await client.post("/verify?format=json", data={"credential": json.dumps(world.badge())}, headers=HTML)
    assert response.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize("url", ["http://hosted.example/b", "https://169.254.169.254/latest/meta-data/"])
async def test_unusable_link_explains_itself_on_the_page(client, url):
    response = await client.get("/verify", params={"url": url}, headers=HTML)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "This could not be checked" in response.text and "Not verified" in response.text


async def test_pdf_without_a_credential_explains_itself(client):
    response = await client.post("/verify", files={"file": ("t.pdf", b"%PDF-1.7\ngarbage", "application/pdf")},
                                 headers=HTML)
    assert response.status_code == 400
    assert "No credential could be taken from this PDF" in response.text


async def test_host_environment_globals_reach_the_form(world):
    """Mounted in the issuer app, the form carries the host's CSRF token (its env's csrf_for)."""
    import jinja2

    from verifier.config import TEMPLATES_DIR

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True)
    env.globals["csrf_for"] = lambda request: "token-for-" + request.url.path
    async with AsyncTestClient(app=create_app(world.config(template_environment=env))) as client:
        response = await client.get("/verify", headers=HTML)
    assert 'name="csrf_token" value="token-for-/verify"' in response.text
