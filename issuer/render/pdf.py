"""HTML templates to PDF bytes with WeasyPrint: offline, tagged, with embedded files.

WeasyPrint is imported inside the functions that need it (it takes ~1 s and pulls in Pango):
the web app and CLI start without it. Rendering is CPU-bound and synchronous; async callers use
``render_pdf_async`` (a worker thread) and bulk jobs use processes (issuer.transcripts.clr).

Resources: the URL fetcher serves ``data:`` URIs and files under ``templates/`` only. Anything else
(http, https, ftp, other local files) is refused, so a credential that names a remote image can
neither make the server fetch it nor leak that a transcript is being printed.
"""
from __future__ import annotations

import base64
import mimetypes
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from issuer.render.templating import TEMPLATES_DIR, render_template

__all__ = ["PDF_VARIANT", "PdfAttachment", "local_only_fetcher", "parsed_stylesheet", "RENDER_GC_THRESHOLD",
           "render_html_pdf",
           "render_pdf", "render_pdf_async", "shared_font_config"]

# PDF/UA-1: tagged structure + metadata; WeasyPrint 70 sets pdf_tags and PDF 1.7 for it.
PDF_VARIANT = "pdf/ua-1"
_FONT_TYPES = {".ttf": "font/ttf", ".otf": "font/otf", ".woff": "font/woff", ".woff2": "font/woff2"}


@dataclass(frozen=True)
class PdfAttachment:
    """A file embedded in the PDF (an EmbeddedFile in the document's name tree)."""

    name: str
    data: bytes
    media_type: str = "application/octet-stream"
    description: str = ""
    created: datetime | None = None
    relationship: str = "Data"  # ISO 32000-2 AFRelationship: the PDF is a rendering of this data

    def __post_init__(self) -> None:
        if not self.name or "/" in self.name or "\\" in self.name:
            raise ValueError("an attachment name is a plain file name")
        if not isinstance(self.data, (bytes, bytearray)):
            raise TypeError("attachment data must be bytes")

    def data_uri(self) -> str:
        return f"data:{self.media_type};base64," + base64.b64encode(bytes(self.data)).decode("ascii")


def local_only_fetcher(roots: Sequence[Path] = (TEMPLATES_DIR,)) -> Any:
    """A WeasyPrint URL fetcher that serves data: URIs and files below ``roots`` and refuses the rest."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    allowed = tuple(Path(r).resolve() for r in roots)

    class LocalOnlyFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint ships no type information
        def __init__(self) -> None:
            super().__init__(allowed_protocols=("data", "file"), allow_redirects=False, timeout=1)

        def fetch(self, url: str, headers: Any = None) -> Any:
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                path = Path(unquote(urlsplit(url).path)).resolve()
                if any(path.is_relative_to(root) for root in allowed) and path.is_file():
                    kind = _FONT_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] \
                        or "application/octet-stream"
                    return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": kind})
            raise ValueError(f"refused to fetch {url[:120]!r}: PDFs load only data: URIs and the project's "
                             f"template files")

    return LocalOnlyFetcher()


_FONTS = threading.local()


def shared_font_config() -> Any:
    """This thread's WeasyPrint FontConfiguration, kept for the life of the thread.

    WeasyPrint registers each @font-face with fontconfig once per FontConfiguration (it skips a face
    it already holds), so reusing one saves reloading the bundled fonts on every PDF. One per
    thread, because a FontConfiguration is not documented as safe to share between threads.
    """
    config = getattr(_FONTS, "config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _FONTS.config = FontConfiguration()
    return config


def parsed_stylesheet(path: Path, font_config: Any) -> Any:
    """``path`` (a CSS file under templates/) parsed once per thread and FontConfiguration.

    Parsing the transcript's print CSS and registering its @font-face rules costs more than laying
    out a short page; a parsed ``weasyprint.CSS`` is only read while rendering, so each thread keeps
    its own (keyed by file, modification time and font configuration) and reuses it.
    """
    import weasyprint

    path = Path(path).resolve()
    if not path.is_relative_to(TEMPLATES_DIR.resolve()):
        raise ValueError(f"stylesheets come from the project's templates, not {path}")
    cache: dict[tuple[str, int, int], tuple[Any, Any]] = _FONTS.__dict__.setdefault("stylesheets", {})
    key = (str(path), path.stat().st_mtime_ns, id(font_config))
    if key not in cache:
        # the entry keeps its font configuration alive, so that id is never reused by another
        css = weasyprint.CSS(filename=str(path), url_fetcher=local_only_fetcher(), font_config=font_config)
        cache[key] = (css, font_config)
    return cache[key][0]


# Young-generation threshold of a cohort worker process (CPython's default is 700): WeasyPrint
# keeps its whole box tree alive until the PDF is written, so its objects survive young
# collections and keep triggering full ones. Set only in processes that do nothing but render
# (issuer.transcripts.clr._init_worker); a web process keeps the interpreter's settings.
RENDER_GC_THRESHOLD = 10_000


def render_html_pdf(html: str, *, base_dir: Path, attachments: Sequence[PdfAttachment] = (),
                    variant: str | None = PDF_VARIANT, identifier: bytes | None = None,
                    font_config: Any = None, stylesheets: Sequence[Path] = ()) -> bytes:
    """Render an HTML string; relative URLs resolve against ``base_dir`` (which must be under templates/).

    ``stylesheets``: CSS files under templates/, parsed once per thread (``parsed_stylesheet``) and
    applied as WeasyPrint *user* stylesheets: the document's own ``<style>`` rules (an ``@page`` size,
    say) still win over them.
    """
    import weasyprint

    fetcher = local_only_fetcher()
    if font_config is None:
        font_config = shared_font_config()
    sheets = [parsed_stylesheet(path, font_config) for path in stylesheets]
    doc = weasyprint.HTML(string=html, base_url=Path(base_dir).resolve().as_uri() + "/", url_fetcher=fetcher)
    files = [weasyprint.Attachment(url=a.data_uri(), url_fetcher=fetcher, name=a.name,
                                   description=a.description or None, created=_naive_utc(a.created),
                                   modified=_naive_utc(a.created), relationship=a.relationship)
             for a in attachments]
    options: dict[str, Any] = {"attachments": files or None, "pdf_variant": variant, "stylesheets": sheets or None}
    if identifier is not None:
        options["pdf_identifier"] = identifier
    pdf: bytes = doc.write_pdf(font_config=font_config, **options)
    return pdf


def render_pdf(template: str, context: Mapping[str, Any], *, attachments: Sequence[PdfAttachment] = (),
               variant: str | None = PDF_VARIANT, font_config: Any = None,
               stylesheets: Sequence[str] = ()) -> bytes:
    """Render ``templates/<template>`` with ``context`` to PDF bytes (relative URLs from its folder;
    ``stylesheets`` are paths relative to templates/, see ``render_html_pdf``)."""
    html = render_template(template, **context)
    base_dir = (TEMPLATES_DIR / template).parent
    return render_html_pdf(html, base_dir=base_dir, attachments=attachments, variant=variant,
                           font_config=font_config, stylesheets=[TEMPLATES_DIR / s for s in stylesheets])


async def render_pdf_async(template: str, context: Mapping[str, Any], **kwargs: Any) -> bytes:
    """``render_pdf`` in a worker thread, so a request never blocks the event loop."""
    import functools

    import anyio.to_thread

    return await anyio.to_thread.run_sync(functools.partial(render_pdf, template, context, **kwargs))


def _naive_utc(moment: datetime | None) -> datetime | None:
    # WeasyPrint formats attachment dates with a literal "Z", so it must be handed UTC.
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)
