"""File store, badge image sanitising and QR codes (no database)."""
from __future__ import annotations

import hashlib
import io

import pytest
from PIL import Image

from issuer.errors import FileTooLarge, InvalidInput, NotFound, UnsupportedMediaType
from issuer.images import sanitise_image
from issuer.render.qr import qr_data_uri, qr_png, qr_svg
from issuer.storage import FileStore, clean_filename, sniff


def png(extra_text: str | None = None) -> bytes:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    if extra_text:
        info.add_text("openbadgecredential", extra_text)
    out = io.BytesIO()
    Image.new("RGBA", (8, 8), (255, 0, 0, 255)).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


@pytest.mark.parametrize("data,expected", [
    (b"%PDF-1.7 x", "application/pdf"), (png(), "image/png"), (b"\xff\xd8\xff\xe0xx", "image/jpeg"),
    (b"GIF89a..", "image/gif"), (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
    (b"\x00\x00\x00\x18ftypmp42", "video/mp4"), (b"plain words", "text/plain"),
    (b"MZ\x90\x00", None), (b"<html><script>", None), (b"\xff\xfe\x00\x01", None), (b"PK\x03\x04junk", None)])
def test_sniff_allow_list(data, expected):
    assert sniff(data) == expected


@pytest.mark.parametrize("name,clean", [("../../etc/passwd", "passwd"), ("..\\..\\win.ini", "win.ini"),
                                        (".hidden", "hidden"), ("a\x00b\nc.txt", "abc.txt"), ("", "file"),
                                        ("<x>.pdf", "_x_.pdf")])
def test_clean_filename(name, clean):
    assert clean_filename(name) == clean


def test_store_is_content_addressed_and_capped(tmp_path):
    store = FileStore(tmp_path, max_bytes=100)
    f = store.put(b"hello", filename="../x.txt")
    assert f.sha256 == hashlib.sha256(b"hello").hexdigest() and f.name == "x.txt"
    assert store.path_for(f.sha256) == tmp_path / f.sha256[:2] / f.sha256
    assert store.get(f.sha256) == b"hello"
    assert store.put(b"hello").sha256 == f.sha256  # same bytes, same file, nothing overwritten
    with pytest.raises(FileTooLarge):
        store.put(b"a" * 101)
    with pytest.raises(UnsupportedMediaType):
        store.put(b"MZ\x90\x00 exe")
    with pytest.raises(InvalidInput):
        store.put(b"")
    for bad in ("../etc/passwd", "A" * 64, "0" * 63):
        with pytest.raises(NotFound):
            store.get(bad)
    store.path_for(f.sha256).write_bytes(b"tampered")
    with pytest.raises(NotFound):
        store.get(f.sha256)


def test_png_is_reencoded_without_smuggled_chunks():
    dirty = png(extra_text='{"fake":"credential"}')
    clean, media = sanitise_image(dirty)
    assert media == "image/png" and b"openbadgecredential" in dirty and b"openbadgecredential" not in clean
    with pytest.raises(InvalidInput):
        sanitise_image(dirty[:40])
    with pytest.raises(FileTooLarge):
        sanitise_image(dirty, max_bytes=10)


@pytest.mark.parametrize("svg", [
    b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink"><use x:href="https://e.example/a.svg#b"/></svg>',
    b'<svg xmlns="http://www.w3.org/2000/svg"><image href="data:image/png;base64,AA"/></svg>',
    b'<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(https://e.example/x.css);</style></svg>',
    b'<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:url(https://e.example/p)"/></svg>',
    b'<!DOCTYPE svg [<!ENTITY a "b">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>',
    b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject/></svg>',
    b'<html xmlns="http://www.w3.org/1999/xhtml"/>',
    b'<svg xmlns="http://www.w3.org/2000/svg"><unclosed></svg>'])
def test_svg_with_active_content_or_external_refs_is_refused(svg):
    with pytest.raises(InvalidInput):
        sanitise_image(svg)


def test_plain_svg_passes():
    # written the way the sanitiser re-serialises (xlink prefix), it survives byte for byte
    svg = (b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">'
           b'<defs><circle id="c" r="4"/></defs><use xlink:href="#c" style="fill:url(#g)"/></svg>')
    assert sanitise_image(svg) == (svg, "image/svg+xml")


def test_qr_codes():
    assert qr_png("https://x.example/verify?url=a").startswith(b"\x89PNG")
    assert b"<svg" in qr_svg("https://x.example")
    assert qr_data_uri("a").startswith("data:image/png;base64,")
    with pytest.raises(ValueError):
        qr_png("")
