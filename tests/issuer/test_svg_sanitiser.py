"""The allow-list SVG sanitiser (issue 10): 17 classes of hostile SVG, and ordinary logos intact."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from issuer.errors import InvalidInput
from issuer.images import sanitise_image
from issuer.svg_sanitiser import sanitise_svg
from tests.issuer.svg_samples import HOSTILE, LOGO, svg


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_svg_is_refused(name):
    with pytest.raises(InvalidInput) as caught:
        sanitise_image(HOSTILE[name])
    assert caught.value.status_code in (400, 415, 422)


def test_the_five_that_got_through_before_are_refused():
    for name in ("style-import-after-child", "css-escape", "image-set", "set-href",
                 "javascript-tab-in-attribute"):
        with pytest.raises(InvalidInput):
            sanitise_svg(HOSTILE[name])


def test_normal_logo_survives_intact():
    clean, media = sanitise_image(LOGO)
    assert media == "image/svg+xml"
    assert clean == LOGO


def test_editor_metadata_is_dropped_and_the_drawing_kept():
    inkscape = (b'<?xml version="1.0" encoding="UTF-8"?>\n<!-- Created with Inkscape -->\n'
                b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/'
                b'sodipodi-0.dtd" xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" '
                b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" width="10" height="10" '
                b'inkscape:version="1.2" sodipodi:docname="logo.svg">'
                b'<sodipodi:namedview id="nv" pagecolor="#ffffff"/>'
                b'<metadata><rdf:RDF><rdf:Description about="x"/></rdf:RDF></metadata>'
                b'<g inkscape:label="Layer 1" inkscape:groupmode="layer" id="layer1">'
                b'<rect id="r" width="10" height="10" style="fill:#1f4e79" data-x="1"/></g></svg>')
    clean = sanitise_svg(inkscape)
    assert clean == (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
                     b'<g id="layer1"><rect id="r" width="10" height="10" style="fill:#1f4e79"/></g></svg>')


def test_output_is_well_formed_and_escaped():
    tricky = svg('<text x="1" y="2">a &lt;script&gt; &amp; b</text>', ' aria-label="&quot;q&quot; &amp; &lt;"')
    clean = sanitise_svg(tricky)
    root = ET.fromstring(clean)
    assert root[0].text == "a <script> & b"
    assert root.get("aria-label") == '"q" & <'
