"""Issue 14 in the browser, the student's side, at 1280 px (JavaScript on) and 390 px (off): from
My badges, add a badge earned elsewhere (a signed JSON file), see it verified and "from" its
issuer, then open one of the school's badges and ask to add it to the Learner Credential Wallet:
the page gives the wallet link, its QR code, the VC-API interaction link and the OpenID4VCI offer
with its transaction code. Every page: no sideways scroll, axe-core (JavaScript on), the CSP.
"""
from __future__ import annotations

import json

import pytest

from badges.signing import Ed25519Signer, sign
from tests.browser.support import BROWSER_MARKS, DESKTOP, PHONE, Journey, sign_in
from tests.support import NOW
from tests.vectors.build import badge

pytestmark = [
    *BROWSER_MARKS,
    pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning"),
]

ELSEWHERE = Ed25519Signer.from_seed(bytes(range(2, 34)))


def a_badge_from_elsewhere(name: str) -> bytes:
    issuer = {"id": ELSEWHERE.public_key.did_key, "type": ["Profile"], "name": "Riverside Coding Club",
              "url": "https://club.elsewhere.example"}
    doc = badge(issuer=issuer, name=name, slug="python", rubric=False)
    doc.pop("credentialStatus", None)
    return json.dumps(sign(doc, signer=ELSEWHERE, created=NOW), indent=2).encode()


@pytest.mark.parametrize(("viewport", "javascript"), [(DESKTOP, True), (PHONE, False)], ids=["1280", "390-nojs"])
def test_a_student_keeps_a_badge_from_elsewhere_and_sends_one_to_a_wallet(browser, server, demo, shots, tmp_path,
                                                                          viewport, javascript):
    _, _, passwords = demo
    w = viewport["width"]
    j = Journey(browser, viewport, shots, prefix="backpack", javascript=javascript)
    page = j.page
    try:
        sign_in(page, server, "maya", passwords["maya"])
        j.menu("My badges")
        j.submit(page.locator("main a", has_text="Add a badge from elsewhere"))
        j.check("import")
        # a file that is not a badge first: the reason, the form again
        junk = tmp_path / "notes.txt"
        junk.write_text("my notes from the club")
        page.set_input_files("#file", str(junk))
        j.submit(page.locator("main button", has_text="Check and add"))
        assert "not a badge" in page.locator(".error-summary").inner_text()
        j.check("import-error")
        good = tmp_path / "python.json"
        good.write_bytes(a_badge_from_elsewhere(f"Python Basics {w}"))
        page.set_input_files("#file", str(good))
        j.submit(page.locator("main button", has_text="Check and add"))
        text = page.locator("main").inner_text()
        assert f"Python Basics {w}" in text and "from riverside coding club" in text.lower() and "Verified" in text
        assert "it is not a badge of your school" in text
        j.check("imported")
        j.submit(page.locator("main a", has_text="Back to My badges"))
        elsewhere = page.locator("#elsewhere").inner_text()
        assert f"Python Basics {w}" in elsewhere and "from Riverside Coding Club" in elsewhere
        j.check("my-badges")

        # one of the school's badges → Add to Learner Credential Wallet
        j.submit(page.locator("main .badge-grid a").first)
        j.submit(page.locator("#share button", has_text="Add to Learner Credential Wallet"))
        link = page.locator("#wallet-link").get_attribute("href")
        assert link.startswith("https://lcw.app/request.html?") and "auth_type=bearer" in link
        assert page.locator("#wallet-offer img[src^='data:image/png']").count() == 1
        assert page.locator("#interaction-link").get_attribute("href").endswith("?iuv=1")
        assert page.locator("#oid4vci-offer").get_attribute("href").startswith("openid-credential-offer://")
        assert len(page.locator("#tx-code strong").inner_text()) == 6
        j.check("wallet")
    finally:
        j.close()
    assert len(j.seen) == 5
