"""The stored credentials and links of the rendered transcript (``transcript_data``), and a PDF with its attachment
replaced: shared by the transcript render and PDF verification tests."""
from __future__ import annotations

import io
import json

from issuer.transcripts.clr import StoredCredential, transcript_links
from tests.badges import transcript_data as data

UUID = "2b9f1c64-1111-4c1e-9a55-0d8f7e6c5b4a"
LINKS = transcript_links(data.BASE, UUID)


def stored_credentials(creds=None, statuses=None):
    creds = data.signed_badges() if creds is None else creds
    statuses = statuses or data.STATUSES_BY_KEY
    return [StoredCredential(json.dumps(c, ensure_ascii=False), statuses[k]) for k, c in creds.items()]


def replace_attachment(pdf: bytes, new: bytes) -> bytes:
    import pypdf

    writer = pypdf.PdfWriter(clone_from=io.BytesIO(pdf))
    spec = writer.root_object["/Names"]["/EmbeddedFiles"]["/Names"][1].get_object()
    stream = spec["/EF"]["/F"].get_object()
    stream.set_data(new)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
