"""Hostile evidence uploads (issue 10): zip bombs and markup disguised as plain text."""
from __future__ import annotations

import functools
import io
import tracemalloc
import zipfile

import pytest

from issuer.storage import MAX_ZIP_MEMBERS, sniff
from tests.web.learning_app import in_process_client
from tests.web.support import bearer, setup_achievement

pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]

ODT = "application/vnd.oasis.opendocument.text"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
BOMB_BYTES = 256 * 1024 * 1024  # what the bomb's "mimetype" member inflates to


@functools.cache
def zip_bomb(inflated: int = BOMB_BYTES) -> bytes:
    """An ODF-looking zip whose ``mimetype`` member is ``inflated`` zero bytes, deflated (~1000:1).

    Streamed into the archive, so building it never holds the inflated bytes."""
    out = io.BytesIO()
    chunk = b"\0" * (1024 * 1024)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        info = zipfile.ZipInfo("mimetype")
        info.compress_type = zipfile.ZIP_DEFLATED
        with z.open(info, "w", force_zip64=False) as member:
            for _ in range(inflated // len(chunk)):
                member.write(chunk)
        z.writestr("content.xml", "<x/>")
    return out.getvalue()


def odt() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), ODT)  # stored, first, as ODF requires
        z.writestr("content.xml", "<office:document-content/>", compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", "<manifest/>", compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("_rels/.rels", "<Relationships/>")
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


@pytest.fixture
async def client(seed):
    async with in_process_client(seed.ctx) as c:
        yield c


# --- zip bomb ------------------------------------------------------------------------------------

def test_genuine_office_documents_still_sniff():
    assert sniff(odt()) == ODT
    assert sniff(docx()) == DOCX


def test_sniffing_a_zip_bomb_stays_small():
    bomb = zip_bomb()
    assert len(bomb) < 1024 * 1024 and zipfile.ZipFile(io.BytesIO(bomb)).getinfo("mimetype").file_size == BOMB_BYTES
    tracemalloc.start()
    try:
        assert sniff(bomb) is None
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024 * 1024, f"sniffing took {peak} bytes"


def test_oversized_mimetype_member_is_not_an_odt():
    # Only the first MIMETYPE_READ_LIMIT + 1 bytes are read: a longer member is not a mimetype.
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), ODT + " " * 5000)
    assert sniff(out.getvalue()) is None


def test_too_many_members_are_not_parsed():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
        for i in range(MAX_ZIP_MEMBERS):
            z.writestr(f"{i}", b"")
    assert sniff(out.getvalue()) is None
    assert sniff(docx()) == DOCX  # good twin


def test_bzip2_mimetype_is_never_inflated():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", ODT, compress_type=zipfile.ZIP_BZIP2)
    assert sniff(out.getvalue()) is None


async def test_zip_bomb_upload_is_refused_with_bounded_memory(client, seed):
    a = await setup_achievement(client, seed)
    s = bearer(seed, "student")
    bomb = zip_bomb()
    tracemalloc.start()
    try:
        r = await client.post("/api/submissions", headers=s, data={"achievement": a["id"], "narrative": "x"},
                              files={"files": ("essay.odt", bomb, ODT)})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert r.status_code == 415, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    # The request itself holds a few copies of the 250 KiB body; the 256 MiB member is never inflated.
    assert peak < 32 * 1024 * 1024, f"upload took {peak} bytes"


@pytest.mark.parametrize("name,data,media", [("essay.odt", odt(), ODT), ("essay.docx", docx(), DOCX)])
async def test_genuine_office_upload_is_accepted(client, seed, name, data, media):
    a = await setup_achievement(client, seed)
    r = await client.post("/api/submissions", headers=bearer(seed, "student"),
                          data={"achievement": a["id"], "narrative": "x"}, files={"files": (name, data, media)})
    assert r.status_code == 201, r.text
    assert r.json()["versions"][-1]["files"][0]["mediaType"] == media


# --- markup disguised as text ---------------------------------------------------------------------

@pytest.mark.parametrize("data", [
    b"\xef\xbb\xbf<html><script>alert(1)</script></html>",
    b"\xef\xbb\xbf\xef\xbb\xbf  <html>",
    "\u00a0\u200b\u2060<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>".encode(),
    b"\x0c\x0b\t\r\n<!doctype html><p>hi",
    b"Hello teacher,\nsee below\n<svg onload=alert(1)>",
    b"notes\n<SCRIPT src=//e.example/x.js></SCRIPT>",
    b"+/v8-+ADw-script+AD4-alert(1)+ADw-/script+AD4-",
    b"\xff\xfe<\x00h\x00t\x00m\x00l\x00>\x00",
    b"\xfe\xff\x00<\x00h\x00t\x00m\x00l\x00>",
    b"<?xml version='1.0'?><svg/>",
])
def test_markup_is_not_plain_text(data):
    assert sniff(data) is None


@pytest.mark.parametrize("data", [
    b"\xef\xbb\xbfMy lab report: 3 < 4 and 5 > 2.",
    b"  Observations\n\ttemperature rose by 4 degrees",
    "Caf\u00e9 r\u00e9sum\u00e9 \u2014 na\u00efve".encode(),
])
def test_plain_text_still_sniffs_as_text(data):
    assert sniff(data) == "text/plain"


async def test_bom_html_upload_is_refused_and_plain_twin_accepted(client, seed):
    a = await setup_achievement(client, seed)
    s = bearer(seed, "student")
    r = await client.post("/api/submissions", headers=s, data={"achievement": a["id"], "narrative": "x"},
                          files={"files": ("notes.txt", b"\xef\xbb\xbf<html><script>alert(1)</script>", "text/plain")})
    assert r.status_code == 415, r.text
    r = await client.post("/api/submissions", headers=s, data={"achievement": a["id"], "narrative": "x"},
                          files={"files": ("notes.txt", b"\xef\xbb\xbfplain notes", "text/plain")})
    assert r.status_code == 201, r.text
