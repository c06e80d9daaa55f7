"""Transcript PDF / HTML: read the PDF back (text, metadata, tags, attachment, QR) and the bad twins."""
from __future__ import annotations

import copy
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from issuer.transcripts.clr import (
    ATTACHMENT_NAME,
    StoredCredential,
    credential_url,
    make_clr,
    render_transcript_html,
    render_transcript_pdf,
)
from tests.badges import transcript_data as data
from tests.issuer.render_support import LINKS, UUID, replace_attachment, stored_credentials
from tests.support import NOW
from verifier.inputs_pdf import PdfInputError, extract_credential

pypdf = pytest.importorskip("pypdf")
pytest.importorskip("weasyprint")
try:
    from badges.signing import DidKeyResolver, sign  # noqa: F401
except ImportError:  # pragma: no cover
    pytest.skip("badges.signing.sign is not available yet", allow_module_level=True)


@pytest.fixture(scope="module")
def made():
    return make_clr(stored_credentials(), learner=data.learner(), issuer=data.issuer_profile(), links=LINKS,
                    signer=data.signer(), now=NOW)


@pytest.fixture(scope="module")
def pdf(made):
    return render_transcript_pdf(made.clr_json, statuses=made.statuses, scale=data.SCALE, base_url=data.BASE,
                                 links=LINKS, now=NOW)


def _text(pdf_bytes: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf_bytes))
    return "\n".join(page.extract_text() for page in reader.pages)


def _flat(text: str) -> str:
    return " ".join(text.split())


# ------------------------------------------------------------------------------------- content

def test_pdf_shows_the_three_areas_levels_and_the_schools_words(pdf):
    text = _flat(_text(pdf))
    for heading in ("Academic competencies", "Habits of work", "Extended learning", "How to read this transcript"):
        assert heading in text
    for words in ("4 · Distinguished", "2 · Developing", "3 · Proficient", "1 · Emerging",
                  "Goes beyond the standard in new situations."):
        assert words in text
    assert "Mathematics" in text and "English" in text
    assert "Ada Lovelace" in text and "Riverside Community School" in text and "1 River Road" in text
    assert "River Valley Water Lab" in text and "40 hours" in text and "Dr. Grace Hopper" in text
    assert "EXPIRED" in text  # the expired habits badge is kept and marked
    assert "Page 1 of" in text
    order = [text.index(h) for h in ("Academic competencies", "Habits of work", "Extended learning")]
    assert order == sorted(order)


def test_revoked_badge_is_not_in_the_pdf(pdf, made):
    text = _flat(_text(pdf))
    assert "Quadratic" not in text and "MATH.2" not in text
    bundled = json.loads(made.clr_json)["credentialSubject"]["verifiableCredential"]
    assert all("Quadratic" not in c["name"] for c in bundled)
    # bad twin: the same badge not revoked shows up
    statuses = dict(data.STATUSES_BY_KEY, **{"math-quadratic": "active"})
    other = make_clr(stored_credentials(statuses=statuses), learner=data.learner(), issuer=data.issuer_profile(), links=LINKS,
                     signer=data.signer(), now=NOW)
    html = render_transcript_html(other.clr, statuses=other.statuses, scale=data.SCALE, base_url=data.BASE,
                                  links=LINKS, now=NOW)
    assert "Quadratic Functions" in html


def test_no_gpa_and_no_seat_time(pdf):
    text = _flat(_text(pdf)).lower()
    assert "gpa" not in text.replace("grade-point average", "")
    assert "credit hours" not in text


def test_pdf_metadata_tags_and_page_setup(pdf):
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    meta = reader.metadata
    assert meta.title == "Competency transcript of Ada Lovelace"
    assert meta.author == "Riverside Community School"
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]  # tagged PDF
    assert root.get("/Lang") == "en"
    assert pdf.startswith(b"%PDF-1.7")
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    assert len(reader.pages) >= 2
    fonts = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    # only the @font-face fonts from templates/fonts (a system font would show as e.g. DejaVuSans)
    assert fonts and all("+Transcript-" in f for f in fonts), fonts


def test_letter_size(made):
    pdf = render_transcript_pdf(made.clr_json, statuses=made.statuses, scale=data.SCALE, base_url=data.BASE,
                                links=LINKS, now=NOW, page_size="letter")
    box = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)
    with pytest.raises(ValueError):
        render_transcript_pdf(made.clr_json, statuses=made.statuses, scale=data.SCALE, base_url=data.BASE,
                              links=LINKS, page_size="A3")


# ------------------------------------------------------------------------------------ attachment

def test_attached_clr_is_the_signed_bytes(pdf, made):
    text = extract_credential(pdf)
    assert text == made.clr_json
    assert text.encode("utf-8") == made.clr_json.encode("utf-8")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert list(reader.attachments) == [ATTACHMENT_NAME]
    spec = reader.trailer["/Root"]["/Names"]["/EmbeddedFiles"]["/Names"][1].get_object()
    assert spec["/EF"]["/F"].get_object()["/Subtype"] == "/application/vc+ld+json"


def test_tampered_attachment_differs_and_fails_the_proof(pdf, made):
    tampered_doc = json.loads(made.clr_json)
    tampered_doc["credentialSubject"]["verifiableCredential"][0]["name"] = "Linear Equations III"
    tampered_json = json.dumps(tampered_doc, ensure_ascii=False, separators=(",", ":"))
    tampered_pdf = replace_attachment(pdf, tampered_json.encode("utf-8"))
    got = extract_credential(tampered_pdf)
    assert got == tampered_json and got != made.clr_json
    from badges.signing import verify_proof

    assert verify_proof(json.loads(extract_credential(pdf)), resolver=DidKeyResolver(), now=NOW).verified
    assert not verify_proof(json.loads(got), resolver=DidKeyResolver(), now=NOW).verified


def _offline(url):
    from badges.errors import ResolutionError

    raise ResolutionError(f"offline test: {url}")


def test_extracted_clr_verifies_with_every_nested_badge(pdf):
    verification = pytest.importorskip("badges.verification")
    statuses = dict(data.STATUSES_BY_KEY, **{"how-time": "suspended"})  # leave the expired badge out
    fresh = make_clr(stored_credentials(statuses=statuses), learner=data.learner(), issuer=data.issuer_profile(), links=LINKS,
                     signer=data.signer(), now=NOW)
    fresh_pdf = render_transcript_pdf(fresh.clr_json, statuses=fresh.statuses, scale=data.SCALE, base_url=data.BASE,
                                      links=LINKS, now=NOW)
    report = verification.verify_credential(extract_credential(fresh_pdf), now=NOW, resolver=DidKeyResolver(),
                                            fetch_document=_offline)
    failed = [(c.id, c.message) for c in report.checks if c.outcome == "fail"]
    assert report.verified, failed
    assert len(report.nested) == 5 and all(r.verified for r in report.nested)
    # an expired badge is shown marked on the paper, and the verifier reports exactly that badge's validity
    report = verification.verify_credential(extract_credential(pdf), now=NOW, resolver=DidKeyResolver(),
                                            fetch_document=_offline)
    # (transcript-integration, lead's decision: an expired nested badge is a warning on the CLR's nested check)
    assert report.verified and report.check(verification.CheckId.NESTED).outcome == "warn"
    bad = [r for r in report.nested if not r.verified]
    assert len(bad) == 1 and [c.id for c in bad[0].checks if c.outcome == "fail"] == [verification.CheckId.VALIDITY]
    # bad twin: a nested badge edited inside the attachment fails the named nested check
    doc = json.loads(extract_credential(pdf))
    doc["credentialSubject"]["verifiableCredential"][1]["credentialSubject"]["result"][0]["achievedLevel"] = "x:y"
    report = verification.verify_credential(json.dumps(doc), now=NOW, resolver=DidKeyResolver(),
                                            fetch_document=_offline)
    assert not report.verified
    assert report.failed(verification.CheckId.NESTED)
    assert report.failed(verification.CheckId.PROOF)


# --------------------------------------------------------------------------------------- the QR

def _decode_qr_codes_on_page_one(pdf_bytes: bytes) -> list[tuple[str, int]]:
    """(text, top y in pixels) per QR code: from the rasterised page when poppler is installed,
    else from the page's image XObjects (WeasyPrint itself cannot rasterise)."""
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    if shutil.which("pdftoppm"):
        png = subprocess.run(["pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-png", "-"], input=pdf_bytes,
                             capture_output=True, check=True).stdout
        page = Image.open(io.BytesIO(png))
        return [(b.text, b.position.top_left.y) for b in zxingcpp.read_barcodes(page)]
    reader = pypdf.PdfReader(io.BytesIO(pdf_bytes))
    return [(b.text, 0) for img in reader.pages[0].images for b in zxingcpp.read_barcodes(img.image)]


def test_page_one_qr_opens_the_verifier_for_this_transcript(pdf):
    codes = _decode_qr_codes_on_page_one(pdf)
    texts = [t for t, _ in codes]
    assert LINKS.verify_url in texts
    url = urlsplit(LINKS.verify_url)
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{data.BASE}/verify"
    assert parse_qs(url.query)["url"] == [LINKS.json_url]
    top = dict(codes)[LINKS.verify_url]
    assert all(top <= y for _, y in codes)  # the big one sits in the masthead, above the badge codes
    # each badge on the page has its own small QR: the short link /v/<uuid> of that badge
    badge_targets = {t for t in texts if t != LINKS.verify_url}
    ids = {b["id"] for b in json.loads(extract_credential(pdf))["credentialSubject"]["verifiableCredential"]}
    assert badge_targets and all(t.startswith(f"{data.BASE}/v/") for t in badge_targets)
    assert {t.replace("/v/", "/credentials/") for t in badge_targets} <= ids


# ----------------------------------------------------------------------------- fetcher and HTML

def test_url_fetcher_refuses_network_and_foreign_files():
    from issuer.render.pdf import local_only_fetcher
    from issuer.render.templating import TEMPLATES_DIR

    fetcher = local_only_fetcher()
    for url in ("https://example.com/logo.png", "http://127.0.0.1:1/x.css", "ftp://example.com/a",
                "file:///etc/passwd", (TEMPLATES_DIR / ".." / "__init__.py").resolve().as_uri()):
        with pytest.raises(ValueError, match="refused"):
            fetcher.fetch(url)
    font = fetcher.fetch((TEMPLATES_DIR / "fonts" / "DejaVuSans.ttf").as_uri())
    assert font.read(4) == b"\x00\x01\x00\x00"
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"


def test_print_stylesheet_is_parsed_once_per_font_configuration_and_only_from_templates(tmp_path):
    from weasyprint.text.fonts import FontConfiguration

    from issuer.render.pdf import parsed_stylesheet
    from issuer.render.templating import TEMPLATES_DIR
    from issuer.transcripts.clr import PDF_STYLESHEET

    config = FontConfiguration()
    first = parsed_stylesheet(TEMPLATES_DIR / PDF_STYLESHEET, config)
    assert parsed_stylesheet(TEMPLATES_DIR / PDF_STYLESHEET, config) is first
    assert parsed_stylesheet(TEMPLATES_DIR / PDF_STYLESHEET, FontConfiguration()) is not first
    # the bad twin: a stylesheet from outside templates/ (it could load any local file as a font)
    foreign = tmp_path / "evil.css"
    foreign.write_text("@font-face { font-family: x; src: url('file:///etc/passwd'); }")
    with pytest.raises(ValueError, match="templates"):
        parsed_stylesheet(foreign, config)
    with pytest.raises(ValueError, match="templates"):
        parsed_stylesheet(TEMPLATES_DIR / ".." / "__init__.py", config)


def test_a_render_leaves_the_process_collector_alone(monkeypatch):
    """The web process renders PDFs in threads beside requests: no render may change the
    interpreter-wide GC threshold there (only a cohort worker process, which does nothing else)."""
    import gc

    import weasyprint

    from issuer.render import pdf as pdf_mod

    before = gc.get_threshold()
    seen = []
    real_write = weasyprint.Document.write_pdf

    def spy(self, *a, **k):
        seen.append(gc.get_threshold())
        return real_write(self, *a, **k)

    monkeypatch.setattr(weasyprint.Document, "write_pdf", spy)
    html = "<!DOCTYPE html><html lang='en'><head><title>t</title></head><body><p>x</p></body></html>"
    assert pdf_mod.render_html_pdf(html, base_dir=pdf_mod.TEMPLATES_DIR, variant=None).startswith(b"%PDF")
    assert seen == [before] and gc.get_threshold() == before


@pytest.mark.parametrize("render", [True, False])
def test_only_a_rendering_cohort_worker_raises_its_gc_threshold(render):
    # a child process, since the worker set-up changes its own interpreter for good
    code = f"""
import gc
from datetime import datetime, timezone
from issuer.render.pdf import RENDER_GC_THRESHOLD
from issuer.transcripts import clr as t
before = gc.get_threshold()
t._init_worker(None, None, t._Settings(issuer={{}}, base_url="https://x.example", scale=(), now=datetime.now(timezone.utc),
                                       out_dir=None, render={render}, page_size="a4", credit_map=None, logo=None))
after = gc.get_threshold()
print(after[0] >= RENDER_GC_THRESHOLD, after[1:] == before[1:], after == before)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=str(Path(__file__).resolve().parents[2]))
    assert out.returncode == 0, out.stderr
    # the bad twin: a worker that does not render keeps the interpreter's settings
    assert out.stdout.split() == (["True", "True", "False"] if render else ["False", "True", "True"])


def test_remote_images_in_credentials_are_never_fetched(made):
    from issuer.render import pdf as pdf_mod

    calls = []
    real = pdf_mod.local_only_fetcher

    def spy(*a, **k):
        fetcher = real(*a, **k)
        original = fetcher.fetch

        def fetch(url, headers=None):
            calls.append(url)
            return original(url, headers)

        fetcher.fetch = fetch
        return fetcher

    doc = json.loads(made.clr_json)
    doc["issuer"]["image"] = {"id": "https://tracker.example/logo.png", "type": "Image"}
    pdf_mod.local_only_fetcher = spy
    try:
        from weasyprint.text.fonts import FontConfiguration

        # a fresh font configuration, so the fonts are fetched again (the shared one has them already)
        out = render_transcript_pdf(json.dumps(doc), statuses=made.statuses, scale=data.SCALE, base_url=data.BASE,
                                    links=LINKS, font_config=FontConfiguration())
    finally:
        pdf_mod.local_only_fetcher = real
    assert out.startswith(b"%PDF")
    assert not any(u.startswith("http") for u in calls)
    assert any(u.endswith("DejaVuSans.ttf") for u in calls)  # the print CSS's fonts, through the local fetcher


def test_html_view_escapes_and_links(made):
    doc = json.loads(made.clr_json)
    doc["credentialSubject"]["verifiableCredential"][2]["credentialSubject"]["achievement"]["name"] = \
        "<script>alert(1)</script>"
    html = render_transcript_html(doc, statuses=made.statuses, scale=data.SCALE, base_url=data.BASE, links=LINKS,
                                  now=NOW, share={"expires_at": NOW, "live_report": "verified",
                                                  "badge_status": {doc["credentialSubject"]["verifiableCredential"][2]["id"]:
                                                                   "revoked on 2 Feb 2026"}})
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "Academic competencies" in html and "Habits of work" in html and "Extended learning" in html
    assert LINKS.pdf_url in html and LINKS.json_url in html
    assert "4 · Distinguished" in html and "Quadratic" not in html
    assert "Shared with you until 15 Jan 2026" in html
    assert "Checked just now: revoked on 2 Feb 2026" in html


def test_weasyprint_is_imported_lazily():
    code = ("import sys, issuer.render.pdf, issuer.transcripts.clr, verifier.inputs_pdf, badges.transcript;"
            "print('weasyprint' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=str(Path(__file__).resolve().parents[2]))
    assert out.stdout.strip() == "False"


# ---------------------------------------------------------------------------------- extraction

def _pdf_with(files: dict[str, bytes]) -> bytes:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=200, height=200)
    for name, payload in files.items():
        writer.add_attachment(name, payload)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("payload, kwargs, match", [
    (b"not a pdf at all", {}, "not a PDF"),
    (_pdf_with({}), {}, "no attached credential"),
    (_pdf_with({"photo.png": b"\x89PNG"}), {}, "include no JSON credential"),
    (_pdf_with({ATTACHMENT_NAME: b"{\"a\": 1"}), {}, "is not JSON"),
    (_pdf_with({ATTACHMENT_NAME: b"[1, 2]"}), {}, "not a credential object"),
    (_pdf_with({ATTACHMENT_NAME: b"\xff\xfe{}"}), {}, "not UTF-8"),
    (_pdf_with({"a.json": b"{}", "b.json": b"{}"}), {}, "could be the credential"),
    (_pdf_with({ATTACHMENT_NAME: b"{\"pad\": \"" + b" " * 5000 + b"\"}"}), {"max_bytes": 1000}, "larger than"),
    (b"%PDF-1.7\n" + b"0" * 2000, {"max_pdf_bytes": 1000}, "larger than"),
    (b"%PDF-1.7\ngarbage that is no PDF structure", {}, "cannot be read"),
])
def test_extraction_errors_are_clear(payload, kwargs, match):
    with pytest.raises(PdfInputError, match=match):
        extract_credential(payload, **kwargs)
    assert issubclass(PdfInputError, ValueError)


def test_flate_bomb_is_capped_before_inflating():
    import zlib

    bomb_payload = b"{\"x\": \"" + b"A" * (64 * 1024 * 1024) + b"\"}"
    packed = zlib.compress(bomb_payload, 9)
    assert len(packed) < 200_000
    base = _pdf_with({ATTACHMENT_NAME: b"{}"})
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(base))
    spec = writer.root_object["/Names"]["/EmbeddedFiles"]["/Names"][1].get_object()
    stream = spec["/EF"]["/F"].get_object()
    from pypdf.generic import NameObject, NumberObject

    stream._data = packed  # already-deflated bytes, declared as such
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    stream[NameObject("/Length")] = NumberObject(len(packed))
    if "/Params" in stream:
        del stream["/Params"]
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(PdfInputError, match="larger than"):
        extract_credential(out.getvalue())


def test_plain_json_attachment_under_another_name_is_found():
    assert json.loads(extract_credential(_pdf_with({"record.json": b"{\"id\": \"x\"}"}))) == {"id": "x"}


# --------------------------------------------------------------------------------- the service

@pytest.mark.anyio
async def test_build_transcript_stores_what_it_signed():
    from issuer.clock import FixedClock
    from issuer.transcripts.clr import build_transcript

    class Source:
        stored: list = []

        async def transcript_learner(self, learner_id):
            assert learner_id == 7
            return data.learner()

        async def transcript_credentials(self, learner_id):
            return stored_credentials()

        async def store_transcript(self, **kw):
            self.stored.append(kw)

    source = Source()
    result = await build_transcript(source, 7, issuer=data.issuer_profile(), signer=data.signer(),
                                    clock=FixedClock(NOW), base_url=data.BASE, transcript_uuid=UUID)
    assert result.links == LINKS and result.clr["id"] == LINKS.id
    assert source.stored == [{"learner_id": 7, "clr_id": LINKS.id, "document": result.clr_json, "issued_at": NOW}]
    assert result.statuses[data.signed_badges()["math-quadratic"]["id"]] == "revoked"
    assert len(result.clr["credentialSubject"]["verifiableCredential"]) == 6


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.mark.slow
def test_generate_cohort_on_every_core_with_progress(tmp_path):
    from issuer.transcripts.clr import CohortJob, generate_cohort

    creds = data.signed_badges()
    jobs = [CohortJob(stem=f"student-{n}", learner=data.learner(), credentials=tuple(stored_credentials(creds)),
                      transcript_uuid=f"00000000-0000-4000-8000-00000000000{n}") for n in range(3)]
    jobs.append(CohortJob(stem="../escape", learner=data.learner(), credentials=tuple(stored_credentials(creds))))
    seen = []
    signer = data.signer()
    results = generate_cohort(jobs, signer_seed=signer.private_bytes(), verification_method=signer.verification_method,
                              issuer=data.issuer_profile(), base_url=data.BASE, scale=data.SCALE, now=NOW,
                              out_dir=tmp_path, workers=2, progress=lambda done, total, r: seen.append((done, total)))
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    by_stem = {r.stem: r for r in results}
    assert not by_stem["../escape"].ok and "plain file name" in by_stem["../escape"].error
    for n in range(3):
        r = by_stem[f"student-{n}"]
        assert r.ok, r.error
        clr_json = (tmp_path / f"student-{n}.clr.json").read_text(encoding="utf-8")
        assert extract_credential((tmp_path / f"student-{n}.pdf").read_bytes()) == clr_json
        assert json.loads(clr_json)["id"] == f"{data.BASE}/transcripts/00000000-0000-4000-8000-00000000000{n}"
    assert not (tmp_path.parent / "escape.pdf").exists()
    assert copy.deepcopy(results) == results


def test_small_qr_codes_only_for_badges_printed_and_they_decode(made):
    zxingcpp = pytest.importorskip("zxingcpp")
    import base64

    from PIL import Image

    from issuer.transcripts.clr import transcript_context

    ctx = transcript_context(made.clr, statuses=made.statuses, scale=data.SCALE, base_url=data.BASE, links=LINKS,
                             now=NOW)
    by_name = {b.name: ctx["badge_links"][b.id] for b in ctx["view"].badges}
    assert by_name["Linear Equations I"]["qr"] is None  # behind MATH.1, but not the badge at the top level
    shown = by_name["Linear Equations II"]
    [badge_id] = [b.id for b in ctx["view"].badges if b.name == "Linear Equations II"]

    def decoded(data_uri: str) -> tuple[str, int]:
        png = base64.b64decode(data_uri.split(",", 1)[1])
        image = Image.open(io.BytesIO(png)).convert("L")
        size = image.width
        return [r.text for r in zxingcpp.read_barcodes(image.resize((400, 400), Image.NEAREST))][0], size

    # one of the school's own badges: the short link, which redirects to shown["url"] (tests/web)
    text, size = decoded(shown["qr"])
    assert badge_id.startswith(f"{data.BASE}/credentials/") and text == badge_id.replace("/credentials/", "/v/")
    assert parse_qs(urlsplit(shown["url"]).query)["url"] == [badge_id]
    assert size <= 33 + 8  # version 4 or less with its quiet zone; the long link needs version 6 (49 px)
    assert len(base64.b64decode(shown["qr"].split(",", 1)[1])) < 1000  # one pixel per module
    # the bad twin: a badge whose id is not one of this school's credential URLs keeps the full link
    from issuer.transcripts.clr import short_verify_link

    for foreign in ("https://other.example/credentials/" + badge_id.rsplit("/", 1)[1], "urn:uuid:" + badge_id.rsplit("/", 1)[1],
                    f"{data.BASE}/credentials/not-a-uuid", f"{data.BASE}/credentials/9A0B6A35-5D0E-4A8E-9F3C-1C2D3E4F5A6B",
                    f"{data.BASE}/credentials/{badge_id.rsplit('/', 1)[1]}/extra"):
        assert short_verify_link(data.BASE, foreign) is None, foreign
    doc = copy.deepcopy(made.clr)
    for vc in doc["credentialSubject"]["verifiableCredential"]:
        if vc["id"] == badge_id:
            vc["id"] = "urn:uuid:" + badge_id.rsplit("/", 1)[1]
    ctx = transcript_context(doc, statuses={("urn:uuid:" + k.rsplit("/", 1)[1] if k == badge_id else k): v
                                            for k, v in made.statuses.items()},
                             scale=data.SCALE, base_url=data.BASE, links=LINKS, now=NOW)
    foreign = next(ctx["badge_links"][b.id] for b in ctx["view"].badges if b.name == "Linear Equations II")
    text, size = decoded(foreign["qr"])
    assert text == foreign["url"] and parse_qs(urlsplit(text).query)["url"] == [credential_url(data.BASE, "urn:uuid:" + badge_id.rsplit("/", 1)[1])]
    assert size > 33 + 8


def _image_xobjects(pdf_bytes: bytes) -> list:
    images = []
    for page in pypdf.PdfReader(io.BytesIO(pdf_bytes)).pages:
        for obj in (page["/Resources"].get("/XObject") or {}).values():
            obj = obj.get_object()
            if obj.get("/Subtype") == "/Image":
                images.append(obj)
    return images


def test_qr_codes_are_embedded_as_small_grey_images(pdf, made):
    # Speed (issue 5): WeasyPrint turns a 1-bit PNG into RGB and re-encodes it; a grey PNG with one
    # pixel per module goes in once, as a tiny DeviceGray image, and prints crisply (no interpolation).
    from issuer.render.pdf import render_html_pdf
    from issuer.render.qr import qr_data_uri
    from issuer.render.templating import TEMPLATES_DIR

    images = _image_xobjects(pdf)
    assert len(images) >= 2  # the page-1 code and the badge codes
    for img in images:
        assert img["/ColorSpace"] == "/DeviceGray" and img["/Width"] == img["/Height"] <= 80, dict(img)
        assert str(img["/Interpolate"]).lower() == "false"
    # the bad twin: the 8-px-per-module, 1-bit QR of issuer.render.qr would go in as a large RGB image
    html = f"<!DOCTYPE html><html lang='en'><head><title>t</title></head><body><img src='{qr_data_uri('x')}' alt='q'></body></html>"
    [big] = _image_xobjects(render_html_pdf(html, base_dir=TEMPLATES_DIR / "transcript", variant=None))
    assert big["/ColorSpace"] == "/DeviceRGB" and big["/Width"] > 80


def test_safe_stem_and_cohort_jobs():
    import anyio

    from issuer.transcripts.clr import cohort_jobs, safe_stem

    assert safe_stem("ada@school.example") == "ada@school.example"
    assert safe_stem("../../etc/passwd") == "etc_passwd"
    assert safe_stem("") == "student"

    class Source:
        async def transcript_learner(self, learner_id):
            return {"id": f"urn:example:{learner_id}", "name": str(learner_id)}

        async def transcript_credentials(self, learner_id):
            return [StoredCredential("{}", "active")] * learner_id

    jobs = anyio.run(cohort_jobs, Source(), [1, 2])
    assert [(j.stem, len(j.credentials), j.learner["name"]) for j in jobs] == [("1", 1, "1"), ("2", 2, "2")]
    assert jobs[0].transcript_uuid != jobs[1].transcript_uuid


def test_badge_revoked_after_the_transcript_fails_the_nested_status_check():
    verification = pytest.importorskip("badges.verification")
    from badges.signing import sign
    from badges.status import BitstringStatusList, status_entry, status_list_credential

    list_url = f"{data.BASE}/status/1"
    signer = data.signer()
    creds = data.unsigned_badges()
    index = {}
    for n, (key, cred) in enumerate(creds.items()):
        index[key] = 1000 + 7 * n
        cred["credentialStatus"] = status_entry(list_url=list_url, index=index[key])
    signed = {k: sign(c, signer=signer, created=NOW) for k, c in creds.items()}
    statuses = dict(data.STATUSES_BY_KEY, **{"how-time": "suspended"})  # keep the expired one out of this test
    made = make_clr(stored_credentials(signed, statuses), learner=data.learner(), issuer=data.issuer_profile(), links=LINKS,
                    signer=signer, now=NOW)
    pdf = render_transcript_pdf(made.clr_json, statuses=made.statuses, scale=data.SCALE, base_url=data.BASE,
                                links=LINKS, now=NOW)
    attached = extract_credential(pdf)

    def status_list(*revoked: str):
        bits = BitstringStatusList()
        for key in revoked:
            bits.set(index[key], True)
        doc = status_list_credential(list_url=list_url, issuer={"id": signer.public_key.did_key},
                                     purpose="revocation", encoded_list=bits.encode(), valid_from=NOW)
        signed_list = sign(doc, signer=signer, created=NOW)
        return lambda url: signed_list if url == list_url else _offline(url)

    report = verification.verify_credential(attached, now=NOW, resolver=DidKeyResolver(),
                                            fetch_document=status_list())
    assert report.verified, [(c.id, c.message) for c in report.checks if c.outcome == "fail"]
    report = verification.verify_credential(attached, now=NOW, resolver=DidKeyResolver(),
                                            fetch_document=status_list("eng-argument"))
    assert not report.verified
    assert [c.id for c in report.checks if c.outcome == "fail"] == [verification.CheckId.NESTED]
    bad = [r for r in report.nested if not r.verified]
    assert len(bad) == 1 and bad[0].credential.get("name") == "Argument Writing"
    assert [c.id for c in bad[0].checks if c.outcome == "fail"] == [verification.CheckId.STATUS]
