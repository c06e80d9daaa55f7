"""Hostile SVG samples and a well-formed logo: shared by the sanitiser tests and the HTTP image tests."""
from __future__ import annotations

NS = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'


def svg(body: str, attrs: str = "") -> bytes:
    return f'<svg {NS} viewBox="0 0 100 100"{attrs}>{body}</svg>'.encode()


LAUGHS = ('<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
          '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
          f'<svg {NS}><text>&d;</text></svg>').encode()

HOSTILE = {
    # 1 scripts
    "script": svg("<script>alert(1)</script>"),
    "script-cdata-xhtml": svg('<h:script xmlns:h="http://www.w3.org/1999/xhtml"><![CDATA[alert(1)]]></h:script>'),
    # 2 event handlers
    "onload": svg("", ' onload="alert(1)"'),
    "onclick-nested": svg('<g><rect width="1" height="1" OnClick="alert(1)"/></g>'),
    # 3 foreignObject and embedded documents
    "foreignObject": svg('<foreignObject><iframe xmlns="http://www.w3.org/1999/xhtml" src="//e.example"/></foreignObject>'),
    "iframe-embed": svg('<embed src="https://e.example/x.swf"/>'),
    # 4 external href (SVG 2 plain href)
    "use-external-href": svg('<use href="https://e.example/sprite.svg#icon"/>'),
    # 5 xlink:href to another document
    "xlink-href": svg('<use xlink:href="https://e.example/a.svg#b"/>'),
    # 6 data: URL
    "data-url-image": svg('<image href="data:image/svg+xml;base64,PHN2Zy8+"/>'),
    # 7 javascript: URL split by a tab entity, and by an encoded newline
    "javascript-tab-entity": svg('<a xlink:href="java&#9;script:alert(1)"><rect width="9" height="9"/></a>'),
    "javascript-in-use": svg('<use href=" &#x6A;avascript:alert(1)"/>'),
    "javascript-tab-in-attribute": svg('<rect width="9" height="9" filter="java&#9;script:alert(1)"/>'),
    # 8 CSS url() to another origin, in an attribute and in style=""
    "css-url-attr": svg('<rect width="9" height="9" fill="url(https://e.example/p.svg#x)"/>'),
    "css-url-style": svg('<rect width="9" height="9" style="fill: url( \'//e.example/p\' )"/>'),
    # 9 @import in <style>, including after a child element
    "style-import": svg("<style>@import url(https://e.example/x.css);</style>"),
    "style-import-after-child": svg("<style>rect{fill:red}<b/>@import 'https://e.example/x.css';</style>"),
    # 10 CSS escapes (u\72l = url)
    "css-escape": svg('<style>rect{fill:u\\72l(https://e.example/p)}</style>'),
    "css-escape-attr": svg('<rect width="9" height="9" style="fill:u\\72l(//e.example/p)"/>'),
    # 11 image-set() and other CSS functions
    "image-set": svg('<rect width="9" height="9" style="fill:image-set(\'https://e.example/a.png\' 1x)"/>'),
    "expression": svg('<rect width="9" height="9" style="width:expression(alert(1))"/>'),
    # 12 <set> rewriting an href after the check
    "set-href": svg('<a href="#x"><set attributeName="href" to="http://e.example/"/><rect width="9" height="9"/></a>'),
    # 13 <animate> on href
    "animate-href": svg('<use href="#c"><animate attributeName="href" values="javascript:alert(1)"/></use>'),
    # 14 DOCTYPE (even without entities: it could name an external DTD)
    "doctype-external": (f'<!DOCTYPE svg SYSTEM "https://e.example/evil.dtd"><svg {NS}/>').encode(),
    # 15 entity declarations (XXE)
    "xxe": (f'<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg {NS}><text>&x;</text></svg>').encode(),
    # 16 billion laughs
    "billion-laughs": LAUGHS,
    # 17 external stylesheet processing instruction, and a raster <image> pointing out
    "xml-stylesheet": (f'<?xml-stylesheet href="https://e.example/x.css"?><svg {NS}/>').encode(),
    "image-external": svg('<image href="https://e.example/track.png" width="1" height="1"/>'),
}



LOGO = (f'<svg {NS} width="256" height="256" viewBox="0 0 256 256">'
        '<title>North High School — Investigator</title><desc>Badge &amp; seal</desc>'
        '<style>.ring{fill:none;stroke:#f2a900;stroke-width:10}\n.t, #label{font-family:\'DejaVu Sans\', sans-serif;'
        'font-weight:bold}</style>'
        '<defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1"><stop offset="0%" stop-color="#1f4e79"/>'
        '<stop offset="100%" stop-color="rgb(10, 40, 80)" stop-opacity="0.9"/></linearGradient>'
        '<clipPath id="clip"><circle cx="128" cy="128" r="120"/></clipPath>'
        '<filter id="shadow"><feGaussianBlur in="SourceAlpha" stdDeviation="3"/><feOffset dx="2" dy="2"/></filter>'
        '<path id="arc" d="M 40 128 A 88 88 0 0 1 216 128"/></defs>'
        '<g clip-path="url(#clip)" filter="url(#shadow)" transform="translate(0 0) rotate(0 128 128)">'
        '<circle cx="128" cy="128" r="118" fill="url(#g)"/>'
        '<circle class="ring" cx="128" cy="128" r="110"/>'
        '<polygon points="128,60 145,110 198,110 155,140 172,190 128,160 84,190 101,140 58,110 111,110" '
        'style="fill:#fff;fill-opacity:.8"/>'
        '<use xlink:href="#arc" stroke="#fff" stroke-dasharray="4 2"/>'
        '<text id="label" class="t" x="128" y="230" font-size="24" text-anchor="middle" fill="#fff">'
        'Investigator <tspan font-style="italic">2026</tspan> &lt;3</text>'
        '<text font-size="14"><textPath xlink:href="#arc">North High</textPath></text>'
        '</g></svg>').encode()
