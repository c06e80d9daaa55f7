"""A pasted badge *page* verifies, and "Check the recipient" (issue 12), on the verifier alone.

The network is the in-process FakeWeb. A badge page answers a verifier by content negotiation
(the verifier asks for ``application/vc+ld+json`` first) or, when it only has HTML, names its
credential as ``<link rel="alternate" type="application/vc+ld+json">``, which the verifier follows
once. Bad twins: a page naming no credential, one naming an http credential, one naming another
page (no second hop).

The recipient check hashes an address with the badge's salt (OB 3.0 IdentityObject) and compares:
the student's address matches (as typed in any case), another does not, text that is not an
address is a 400 with the input kept, a badge that names nobody by email offers no check.
"""
from __future__ import annotations

import html
import json
import re

import httpx
import pytest
from litestar.testing import AsyncTestClient

from badges.identity import identity_object
from tests.verifier.factory import World
from verifier.app import create_app
from verifier.links import LINK_ACCEPT, credential_link, is_html
from verifier.recipient import check_recipient

pytestmark = pytest.mark.anyio
EMAIL = "ada.lovelace@lincoln.example"
SALT = "0f1e2d3c4b5a6978"
PAGE = "https://lincoln.example/badges/7d3c"
JSON_URL = "https://lincoln.example/credentials/7d3c"


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
async def client(world):
    async with AsyncTestClient(app=create_app(world.config())) as client:
        yield client


def addressed_badge(world: World) -> dict:
    """The world's badge, naming its student by a salted hash of their email (as the issuer does)."""
    unsigned = world.unsigned_badge()
    unsigned["credentialSubject"]["identifier"] = [identity_object(EMAIL, salt=SALT, identity_type="emailAddress")]
    return world.sign(unsigned)


def page_linking(href: str, media: str = "application/vc+ld+json") -> bytes:
    return (f'<!doctype html><html><head><title>Badge</title><link rel="stylesheet" href="/site.css">'
            f'<link rel="alternate" type="{media}" href="{href}"></head><body><h1>Badge</h1></body></html>').encode()


# ---- the link in a page ------------------------------------------------------------------------

def test_a_page_names_its_credential_as_an_alternate_link():
    assert credential_link(page_linking("/credentials/7d3c"), PAGE) == JSON_URL  # relative to the page
    both = (b'<html><head><link rel="alternate" type="application/json" href="https://a.example/plain">'
            b'<link rel="Alternate nofollow" type="application/vc+ld+json; charset=utf-8" href="https://a.example/vc">')
    assert credential_link(both, PAGE) == "https://a.example/vc"  # the credential's own type wins
    # bad twins: no link, a link of another kind, an empty href
    assert credential_link(b"<html><head><title>x</title></head></html>", PAGE) is None
    assert credential_link(b'<link rel="alternate" type="application/rss+xml" href="/feed">', PAGE) is None
    assert credential_link(b'<link rel="stylesheet" type="application/vc+ld+json" href="/x">', PAGE) is None
    assert credential_link(b'<link rel="alternate" type="application/vc+ld+json" href="  ">', PAGE) is None
    assert is_html("text/html", b"") and is_html("", b"<!DOCTYPE html><html>") and not is_html("application/json", b"<")


# ---- a pasted page verifies ---------------------------------------------------------------------

async def test_a_badge_page_that_negotiates_answers_with_the_credential(client, world):
    badge = json.dumps(world.badge()).encode()
    seen: list[str] = []

    def negotiate(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("accept", ""))
        if "application/vc+ld+json" in request.headers.get("accept", ""):
            return httpx.Response(200, content=badge, headers={"content-type": "application/vc+ld+json",
                                                               "vary": "Accept"})
        return httpx.Response(200, content=b"<!doctype html><title>Badge</title>",
                              headers={"content-type": "text/html"})

    world.web.routes[PAGE] = negotiate
    r = await client.get("/verify", params={"url": PAGE}, headers={"accept": "application/json"})
    assert r.status_code == 200 and r.json()["verified"] is True and r.json()["url"] == PAGE, r.text
    assert seen == [LINK_ACCEPT]


async def test_a_badge_page_that_only_has_html_is_followed_to_its_credential(client, world):
    world.web.raw(PAGE, page_linking("/credentials/7d3c"), "text/html; charset=utf-8")
    world.web.raw(JSON_URL, json.dumps(world.badge()).encode(), "application/vc+ld+json")
    r = await client.get("/verify", params={"url": PAGE}, headers={"accept": "application/json"})
    assert r.status_code == 200 and r.json()["verified"] is True, r.text
    assert world.web.requests[:2] == [PAGE, JSON_URL]
    page = await client.post("/verify", data={"url": PAGE}, headers={"accept": "text/html"})
    assert page.status_code == 200 and 'data-verified="true"' in page.text


@pytest.mark.parametrize(("body", "message"), [
    (b"<!doctype html><html><head><title>A blog</title></head></html>", "names none"),
    (page_linking("http://lincoln.example/credentials/7d3c"), "not https"),
    (page_linking("https://lincoln.example/other-page"), "another web page"),
])
async def test_a_page_without_a_usable_credential_link_is_explained(client, world, body, message):
    world.web.raw(PAGE, body, "text/html")
    world.web.raw("https://lincoln.example/other-page", page_linking("/credentials/7d3c"), "text/html")
    world.web.raw(JSON_URL, json.dumps(world.badge()).encode(), "application/vc+ld+json")
    r = await client.get("/verify", params={"url": PAGE}, headers={"accept": "application/json"})
    assert r.status_code in (400, 422) and message in r.json()["detail"], r.text
    assert JSON_URL not in world.web.requests  # never more than one hop, never to http


# ---- check the recipient ----------------------------------------------------------------------

def test_check_recipient_compares_the_salted_hash(world):
    from verifier.service import VerifierService

    service = VerifierService(world.config())
    import anyio

    report = anyio.run(service.verify, addressed_badge(world)).report
    assert report.verified
    assert check_recipient(report, EMAIL).matched
    assert check_recipient(report, "  Ada.Lovelace@Lincoln.example ").matched  # as typed, any case
    other = check_recipient(report, "someone.else@lincoln.example")
    assert not other.matched and other.comparable
    with pytest.raises(ValueError):
        check_recipient(report, "not an address")
    plain = anyio.run(service.verify, world.badge()).report  # names its student by a DID only
    assert not check_recipient(plain, EMAIL).comparable
    service.close()


async def test_the_report_page_offers_the_check_and_answers_without_javascript(client, world):
    world.web.raw(JSON_URL, json.dumps(addressed_badge(world)).encode(), "application/vc+ld+json")
    page = await client.get("/verify", params={"url": JSON_URL}, headers={"accept": "text/html"})
    assert page.status_code == 200 and 'id="recipient-form"' in page.text
    identities = json.loads(html.unescape(re.search(r"data-identities='([^']*)'", page.text).group(1)))
    assert identities == [{"hash": identity_object(EMAIL, salt=SALT)["identityHash"].split("$")[1], "salt": SALT}]
    assert f'name="url" value="{JSON_URL}"' in page.text and "/static/verify.js" in page.text

    good = await client.post("/verify/recipient", data={"url": JSON_URL, "email": EMAIL.upper()},
                             headers={"accept": "text/html"})
    assert good.status_code == 200 and 'data-matched="true"' in good.text and "Matches:" in good.text
    bad = await client.post("/verify/recipient", data={"url": JSON_URL, "email": "someone.else@lincoln.example"},
                            headers={"accept": "text/html"})
    assert bad.status_code == 200 and 'data-matched="false"' in bad.text and "No match:" in bad.text
    wrong = await client.post("/verify/recipient", data={"url": JSON_URL, "email": "ada at lincoln"},
                              headers={"accept": "text/html"})
    assert wrong.status_code == 400 and "Enter an email address" in wrong.text
    assert 'value="ada at lincoln"' in wrong.text  # the input is kept
    # a pasted credential is carried as its JSON, and verified again when the form comes back
    pasted = await client.post("/verify", data={"credential": json.dumps(addressed_badge(world))},
                               headers={"accept": "text/html"})
    carried = html.unescape(re.search(r'name="credential" value="([^"]*)"', pasted.text).group(1))
    again = await client.post("/verify/recipient", data={"credential": carried, "email": EMAIL},
                              headers={"accept": "text/html"})
    assert again.status_code == 200 and 'data-matched="true"' in again.text and 'data-verified="true"' in again.text


async def test_the_recipient_check_as_json(client, world):
    badge = addressed_badge(world)
    r = await client.post("/verify/recipient", json={"verifiableCredential": badge, "email": EMAIL})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["verified"] is True and body["recipient"]["matched"] is True
    assert body["recipient"]["credentials"] == [{"name": "Scientific Inquiry", "matched": True}]
    r = await client.post("/verify/recipient", json={"verifiableCredential": badge, "email": "eve@example.org"})
    assert r.status_code == 200 and r.json()["recipient"]["matched"] is False
    # bad twins: no address, no credential, a tampered credential (verified again: not verified)
    r = await client.post("/verify/recipient", json={"verifiableCredential": badge, "email": ""})
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json")
    assert (await client.post("/verify/recipient", json={"email": EMAIL})).status_code == 400
    badge["credentialSubject"]["achievement"]["name"] = "Something else"
    r = await client.post("/verify/recipient", json={"verifiableCredential": badge, "email": EMAIL})
    assert r.status_code == 200 and r.json()["verified"] is False


async def test_a_badge_that_names_nobody_by_email_offers_no_check(client, world):
    page = await client.post("/verify", data={"credential": json.dumps(world.badge())}, headers={"accept": "text/html"})
    assert page.status_code == 200 and 'id="recipient-form"' not in page.text


async def test_a_transcript_names_its_learner_from_the_signed_record(client, world):
    """The CLR names its learner (an unhashed IdentityObject of type "name"): the result says whose it is."""
    record = world.clr([addressed_badge(world)])
    page = await client.post("/verify", data={"credential": json.dumps(record)}, headers={"accept": "text/html"})
    assert page.status_code == 200, page.text
    assert re.search(r'<dt>Learner</dt><dd class="recipient-name">Ada Lovelace</dd>', page.text)
    # and the recipient check reaches the badge inside the record
    carried = html.unescape(re.search(r'name="credential" value="([^"]*)"', page.text).group(1))
    r = await client.post("/verify/recipient", data={"credential": carried, "email": EMAIL},
                          headers={"accept": "text/html"})
    assert 'data-matched="true"' in r.text and "Scientific Inquiry: matches" in r.text
    # bad twin: a record whose learner name was changed no longer verifies
    record["credentialSubject"]["identifier"][0]["identityHash"] = "Eve"
    page = await client.post("/verify", data={"credential": json.dumps(record)}, headers={"accept": "text/html"})
    assert 'data-verified="false"' in page.text
