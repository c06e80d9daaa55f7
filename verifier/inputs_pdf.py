"""The transcript-PDF reader now lives in the engine (``badges.pdf_input``), so ``badges verify``
reads PDFs the same way ``POST /verify`` does; this name stays for existing imports."""
from __future__ import annotations

from badges.pdf_input import (
    ATTACHMENT_NAME,
    MAX_ATTACHMENT_BYTES,
    MAX_PDF_BYTES,
    PdfInputError,
    extract_credential,
    is_pdf,
)

__all__ = ["ATTACHMENT_NAME", "MAX_ATTACHMENT_BYTES", "MAX_PDF_BYTES", "PdfInputError", "extract_credential",
           "is_pdf"]
