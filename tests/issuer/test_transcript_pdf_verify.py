"""``badges verify`` reads transcript PDFs as ``POST /verify`` does (``badges.pdf_input``), and both
say plainly that only the *attached record* was verified — the printed pages are not covered by
its signature — and show what the record says (student, school, badges and levels) so a reader
can compare it with the print.

Cases: a real transcript PDF (rendered by the issuer), a blank PDF carrying the same signed CLR
(content shown: it is the record, not the print, that is verified), a PDF whose CLR was tampered
with (fails), and a PDF with no record (bad input: one line, exit code 2 / a 4xx problem).
"""
from __future__ import annotations

import json
import re

import pytest
from litestar.testing import AsyncTestClient

from badges.cli import main
from tests.badges import transcript_data as data
from tests.issuer.render_support import LINKS, replace_attachment, stored_credentials
from tests.verifier.factory import World, pdf_with_attachment

pytest.importorskip("pypdf")
pytest.importorskip("weasyprint")

NOW = "2026-01-15T10:00:00Z"
NOTICE = "The printed pages are not covered by its signature"


@pytest.fixture(scope="module")
def transcript():
    from issuer.transcripts.clr import make_clr, render_transcript_pdf
    from tests.support import NOW as now

    # the expired badge left out, so every badge in the record verifies
    statuses = dict(data.STATUSES_BY_KEY, **{"how-time": "suspended"})
    made = make_clr(stored_credentials(statuses=statuses), learner=data.learner(), issuer=data.issuer_profile(), links=LINKS,
                    signer=data.signer(), now=now)
    pdf = render_transcript_pdf(made.clr_json, statuses=made.statuses, scale=data.SCALE, base_url=data.BASE,
                                links=LINKS, now=now)
    return made, pdf


def _tampered(made) -> bytes:
    doc = json.loads(made.clr_json)
    doc["credentialSubject"]["verifiableCredential"][0]["credentialSubject"]["achievement"]["name"] = "Calculus III"
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _cli(capsys, tmp_path, name: str, pdf: bytes, *extra: str) -> tuple[int, str, str]:
    path = tmp_path / name
    path.write_bytes(pdf)
    code = main(["verify", "--now", NOW, *extra, str(path)], plugins=())
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def _shows_the_record(out: str) -> None:
    assert "The record attached to this PDF was verified" in out and NOTICE in out
    assert "student: Ada Lovelace" in out and "school: Riverside Community School" in out
    assert "Linear Equations II" in out and "Argument Writing" in out and "Water Quality Internship" in out
    assert re.search(r"Linear Equations II: [^\n]*4 Distinguished", out)  # the levels reached, as signed
    assert "[NOT verified]" not in out


def test_cli_verifies_a_real_transcript_pdf_and_shows_what_it_says(transcript, capsys, tmp_path):
    made, pdf = transcript
    code, out, _ = _cli(capsys, tmp_path, "transcript.pdf", pdf)
    assert code == 0, out
    assert out.startswith(f"{tmp_path / 'transcript.pdf'}: VERIFIED")
    _shows_the_record(out)


def test_cli_blank_pdf_with_the_same_record_shows_the_same_content(transcript, capsys, tmp_path):
    made, _ = transcript
    code, out, _ = _cli(capsys, tmp_path, "blank.pdf", pdf_with_attachment(made.clr_json.encode("utf-8")))
    assert code == 0, out
    _shows_the_record(out)  # the print is blank: what a reader must compare is the record itself


def test_cli_tampered_record_in_a_pdf_fails(transcript, capsys, tmp_path):
    made, pdf = transcript
    code, out, _ = _cli(capsys, tmp_path, "tampered.pdf", replace_attachment(pdf, _tampered(made)))
    assert code == 1 and "NOT VERIFIED" in out
    assert "The record attached to this PDF did NOT verify" in out and NOTICE in out
    assert "Calculus III" in out and "[NOT verified]" in out


def test_cli_pdf_without_a_record_is_bad_input(capsys, tmp_path):
    code, out, err = _cli(capsys, tmp_path, "plain.pdf", pdf_with_attachment(b"hello", name="notes.txt"))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "no credential could be taken from this PDF" in err


def test_cli_json_output_carries_the_notice_and_content(transcript, capsys, tmp_path):
    made, _ = transcript
    code, out, _ = _cli(capsys, tmp_path, "blank.pdf", pdf_with_attachment(made.clr_json.encode("utf-8")), "--json")
    body = json.loads(out)
    assert code == 0 and body["verified"] and NOTICE in body["pdf"]["notice"]
    assert body["pdf"]["content"]["student"] == "Ada Lovelace" and len(body["pdf"]["content"]["badges"]) == 5
    # bad twin: a JSON credential (not a PDF) has no PDF notice
    clr = tmp_path / "clr.json"
    clr.write_text(made.clr_json, encoding="utf-8")
    assert main(["verify", "--json", "--now", NOW, str(clr)], plugins=()) == 0
    assert "pdf" not in json.loads(capsys.readouterr().out)


def _words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_verifier_page_says_what_a_pdf_record_says(transcript, anyio_backend):
    from verifier.app import create_app

    made, pdf = transcript
    html = {"accept": "text/html"}
    async with AsyncTestClient(app=create_app(World().config())) as client:
        blank = pdf_with_attachment(made.clr_json.encode("utf-8"))
        page = await client.post("/verify", files={"file": ("transcript.pdf", blank, "application/pdf")}, headers=html)
        assert page.status_code == 200
        words = _words(page.text)
        assert 'data-verified="true"' in page.text and NOTICE in words
        assert "What the verified record says" in words
        assert "Student Ada Lovelace" in words and "School Riverside Community School" in words
        assert "Linear Equations II" in words and "4 Distinguished" in words

        tampered = replace_attachment(pdf, _tampered(made))
        page = await client.post("/verify", files={"file": ("t.pdf", tampered, "application/pdf")}, headers=html)
        assert page.status_code in (200, 422) and 'data-verified="false"' in page.text
        assert NOTICE in _words(page.text) and "Calculus III" in _words(page.text)

        api = await client.post("/verify", files={"file": ("t.pdf", blank, "application/pdf")},
                                headers={"accept": "application/json"})
        assert api.json()["source"] == "pdf" and NOTICE in api.json()["notice"]
        # bad twin for the JSON notice: the same record posted as JSON carries none
        api = await client.post("/verify", content=made.clr_json, headers={"accept": "application/json",
                                                                           "content-type": "application/json"})
        assert api.json().get("notice") is None

        none = await client.post("/verify", files={"file": ("p.pdf", pdf_with_attachment(b"x", name="a.txt"),
                                                            "application/pdf")},
                                 headers={"accept": "application/json"})
        assert 400 <= none.status_code < 500 and none.headers["content-type"].startswith("application/problem+json")
