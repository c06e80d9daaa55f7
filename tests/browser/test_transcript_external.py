"""Issue 14's external learning in the browser, at 1280 px (JavaScript on) and 390 px (off): a
student adds two badges from elsewhere (a signed JSON file and a VC-JWT token), opens Transcript,
sees the JSON one offered unticked and the token explained, ticks the first and makes a
transcript, whose page lists it in its own "External learning" section after the school's.
Every page: no sideways scroll, axe-core (JavaScript on), the CSP. Screenshots: transcript-external-*.
"""
from __future__ import annotations

import json

import pytest

from badges.signing import Ed25519Signer, sign
from badges.signing.jwt import sign_jwt
from tests.browser.support import BROWSER_MARKS, DESKTOP, PHONE, Journey, sign_in
from tests.support import NOW
from tests.vectors.build import badge

pytestmark = [
    *BROWSER_MARKS,
    pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning"),
]

ELSEWHERE = Ed25519Signer.from_seed(bytes(range(3, 35)))


def from_elsewhere(name: str, slug: str) -> dict:
    issuer = {"id": ELSEWHERE.public_key.did_key, "type": ["Profile"], "name": "Riverside Swim Club",
              "url": "https://swim.elsewhere.example"}
    doc = badge(issuer=issuer, name=name, slug=slug, rubric=False)
    doc.pop("credentialStatus", None)
    return doc


@pytest.mark.parametrize(("viewport", "javascript"), [(DESKTOP, True), (PHONE, False)], ids=["1280", "390-nojs"])
def test_a_student_carries_a_badge_from_elsewhere_on_a_transcript(browser, server, demo, shots, tmp_path,
                                                                   viewport, javascript):
    _, _, passwords = demo
    w = viewport["width"]
    j = Journey(browser, viewport, shots, prefix="transcript-external", javascript=javascript)
    page = j.page
    try:
        sign_in(page, server, "maya", passwords["maya"])
        files = {
            "lifeguard.json": json.dumps(sign(from_elsewhere(f"Junior Lifeguard {w}", f"lifeguard-{w}"),
                                              signer=ELSEWHERE, created=NOW), indent=2).encode(),
            "relay.jws": sign_jwt(from_elsewhere(f"Relay Team {w}", f"relay-{w}"), signer=ELSEWHERE).encode(),
        }
        for name, data in files.items():
            page.goto(f"{server}/student/backpack/import")
            path = tmp_path / name
            path.write_bytes(data)
            page.set_input_files("#file", str(path))
            j.submit(page.locator("main button", has_text="Check and add"))
            assert "Verified" in page.locator("main").inner_text()

        j.menu("Transcript")
        box = page.locator("#external")
        text = box.inner_text()
        assert "External learning (optional)" in text and f"Junior Lifeguard {w}" in text
        assert f"Relay Team {w}" in text and "compact token (VC-JWT)" in text
        lifeguard = box.locator("label", has_text=f"Junior Lifeguard {w}")
        assert not box.locator("input[type=checkbox]:checked").count()  # none unless ticked
        assert box.locator("input[type=checkbox]").count() >= 1
        j.check("choose")
        lifeguard.click()
        j.submit(page.locator("#make-transcript"))
        heading = page.locator("#external-title")
        assert heading.inner_text() == "External learning (verified, issued by others)"
        section = page.locator("section#external").inner_text()
        assert f"Junior Lifeguard {w}" in section and "Riverside Swim Club" in section and "Verified" in section
        assert f"Relay Team {w}" not in section
        school = page.locator("#academic").inner_text() + page.locator("#habits").inner_text()
        assert "Lifeguard" not in school
        heading.scroll_into_view_if_needed()
        j.check("made")
    finally:
        j.close()
    assert len(j.seen) == 2
