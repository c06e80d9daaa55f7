"""Take the signed credential out of a transcript PDF (an embedded file), and nothing else.

Used by the verifier service (``POST /verify``) and by ``badges verify`` alike; only the attached
record is ever verified: the printed pages are not covered by its signature.

The PDF is only parsed (pypdf): no JavaScript, form, link or font in it is ever run or followed.
Sizes are capped before anything is inflated: the whole file, the number of embedded files, and
the attachment (declared size, stored size and inflated size — a small Flate stream can inflate to
gigabytes). The bytes come back as text for the ordinary verification pipeline; whether they are
a genuine signed CLR is that pipeline's question, not this module's.
"""
from __future__ import annotations

import io
import json
import zlib
from typing import Any

from badges.errors import BadgeError

__all__ = [
    "ATTACHMENT_NAME",
    "MAX_ATTACHMENT_BYTES",
    "MAX_PDF_BYTES",
    "PdfInputError",
    "extract_credential",
    "is_pdf",
]

ATTACHMENT_NAME = "transcript.clr.json"
CREDENTIAL_TYPES = ("application/vc+ld+json", "application/ld+json", "application/json", "application/vc")
MAX_PDF_BYTES = 25 * 1024 * 1024
MAX_ATTACHMENT_BYTES = 8 * 1024 * 1024
MAX_EMBEDDED_FILES = 64
_MAX_TREE_DEPTH = 8


class PdfInputError(BadgeError, ValueError):
    """The PDF cannot be read or carries no usable credential; the message says which."""

    problem_type = "pdf-input"


def is_pdf(data: bytes) -> bool:
    return data[:1024].lstrip()[:5] == b"%PDF-"


def extract_credential(data: bytes, *, max_bytes: int = MAX_ATTACHMENT_BYTES,
                       max_pdf_bytes: int = MAX_PDF_BYTES) -> str:
    """The JSON text of the credential attached to a PDF (``transcript.clr.json``, else the one
    JSON attachment). Raises ``PdfInputError`` with a message a person can act on."""
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError("extract_credential takes the PDF's bytes")
    if len(data) > max_pdf_bytes:
        raise PdfInputError(f"the PDF is larger than {max_pdf_bytes // (1024 * 1024)} MB")
    if not is_pdf(bytes(data)):
        raise PdfInputError("this file is not a PDF")
    files = _embedded_files(bytes(data))
    if not files:
        raise PdfInputError("the PDF has no attached credential (no embedded files); a transcript PDF "
                            f"carries its signed record as {ATTACHMENT_NAME!r}")
    chosen = [f for f in files if f[0] == ATTACHMENT_NAME]
    if not chosen:
        chosen = [f for f in files if f[1] in CREDENTIAL_TYPES or f[0].lower().endswith((".json", ".jsonld"))]
    if not chosen:
        names = ", ".join(repr(f[0]) for f in files[:5])
        raise PdfInputError(f"the PDF's attachments ({names}) include no JSON credential")
    if len(chosen) > 1:
        raise PdfInputError(f"the PDF has {len(chosen)} attachments that could be the credential; "
                            f"expected exactly one {ATTACHMENT_NAME!r}")
    name, _, stream = chosen[0]
    raw = _stream_bytes(stream, name, max_bytes)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise PdfInputError(f"the attachment {name!r} is not UTF-8 text") from None
    try:
        parsed = json.loads(text)
    except ValueError as exc:
        raise PdfInputError(f"the attachment {name!r} is not JSON: {exc.args[0] if exc.args else exc}") from None
    if not isinstance(parsed, dict):
        raise PdfInputError(f"the attachment {name!r} is JSON but not a credential object")
    return text


def _embedded_files(data: bytes) -> list[tuple[str, str, Any]]:
    """(file name, media type, EmbeddedFile stream) for each file in the catalog's name tree."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise PdfInputError("the PDF is encrypted; a transcript PDF is never encrypted")
        # A hostile PDF's objects can be of any type: the AttributeError that makes is caught below.
        root: Any = reader.trailer["/Root"].get_object()
        names = root.get("/Names")
        tree = names.get_object().get("/EmbeddedFiles") if names is not None else None
        found: list[tuple[str, str, Any]] = []
        if tree is not None:
            _walk(tree.get_object(), found, 0)
        return found
    except PdfInputError:
        raise
    except (PyPdfError, KeyError, ValueError, TypeError, AttributeError, RecursionError, OSError) as exc:
        raise PdfInputError(f"the PDF cannot be read: {type(exc).__name__}: {exc}"[:300]) from None


def _walk(node: Any, found: list[Any], depth: int) -> None:
    if depth > _MAX_TREE_DEPTH:
        raise PdfInputError("the PDF's attachment list is nested too deeply")
    pairs = node.get("/Names")
    if pairs is not None:
        pairs = pairs.get_object()
        for i in range(0, len(pairs) - 1, 2):
            if len(found) >= MAX_EMBEDDED_FILES:
                raise PdfInputError(f"the PDF has more than {MAX_EMBEDDED_FILES} attachments")
            spec = pairs[i + 1].get_object()
            name = str(spec.get("/UF") or spec.get("/F") or pairs[i])
            ef = spec.get("/EF")
            stream = ef.get_object().get("/F") if ef is not None else None
            if stream is None:
                continue
            stream = stream.get_object()
            subtype = str(stream.get("/Subtype") or "")
            media = subtype.lstrip("/").replace("#2f", "/").replace("#2F", "/")
            found.append((name, media, stream))
    for kid in node.get("/Kids") or []:
        _walk(kid.get_object(), found, depth + 1)


def _stream_bytes(stream: Any, name: str, cap: int) -> bytes:
    too_big = f"the attachment {name!r} is larger than {cap // 1024} KB"
    params = stream.get("/Params")
    declared = params.get_object().get("/Size") if params is not None else None
    if isinstance(declared, int) and declared > cap:
        raise PdfInputError(too_big)
    encoded = getattr(stream, "_data", None)  # the stored bytes, before any filter is applied
    if not isinstance(encoded, bytes):
        raise PdfInputError(f"the attachment {name!r} cannot be read")
    filters = stream.get("/Filter")
    filters = [] if filters is None else [str(f) for f in (filters if isinstance(filters, list) else [filters])]
    if len(encoded) > cap:
        raise PdfInputError(too_big)
    if filters not in ([], ["/FlateDecode"], ["/Fl"]):
        raise PdfInputError(f"the attachment {name!r} uses an unsupported encoding ({', '.join(filters)})")
    if stream.get("/DecodeParms") not in (None,):
        raise PdfInputError(f"the attachment {name!r} uses predictor parameters, which a credential never needs")
    if not filters:
        return encoded
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(encoded, cap + 1)
    except zlib.error as exc:
        raise PdfInputError(f"the attachment {name!r} is corrupt: {exc}") from None
    if len(out) > cap or inflater.unconsumed_tail:
        raise PdfInputError(too_big)
    return out
