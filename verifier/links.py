"""The credential a web page names: ``<link rel="alternate" type="application/vc+ld+json" href>``.

A badge's public page (Credly, Badgr, this project's issuer) is what people paste into a verifier.
The standard way for such a page to say where its machine-readable credential is, is an alternate
link in its ``<head>`` (the HTML standard's "alternate" link type, with a credential's media type:
``application/vc+ld+json``, or VCDM 2.0's ``application/vc``). The verifier asks for the
credential first (content negotiation); when a page comes back anyway it reads this link and makes
one more request, through the same SSRF-guarded fetcher.

Pure: bytes of HTML and the page's URL in, an absolute URL (or None) out.
"""
from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin

__all__ = ["CREDENTIAL_TYPES", "LINK_ACCEPT", "credential_link", "is_html"]

# The media types of a credential a page may link, most specific first.
CREDENTIAL_TYPES = ("application/vc+ld+json", "application/vc", "application/ld+json", "application/json")
# What the verifier asks a pasted link for: the credential, else a page that names it (and still
# an image or a PDF, which hosted badges and transcripts may be).
LINK_ACCEPT = ("application/vc+ld+json, application/ld+json, application/json;q=0.9, text/html;q=0.5, "
               "*/*;q=0.1")
_MAX_SCAN = 512 * 1024  # a page's <head> comes first: no need to read a huge page to its end


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []  # (type, href)
        self.base: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag == "base" and values.get("href") and self.base is None:
            self.base = values["href"]
        if tag != "link":
            return
        rels = values.get("rel", "").lower().split()
        media = values.get("type", "").split(";")[0].strip().lower()
        if "alternate" in rels and media in CREDENTIAL_TYPES and values.get("href", "").strip():
            self.found.append((media, values["href"].strip()))


def is_html(content_type: str, body: bytes) -> bool:
    """Whether a response is a web page (by its type, or by its first bytes when it has none)."""
    if content_type in ("text/html", "application/xhtml+xml"):
        return True
    if content_type:
        return False
    head = body[:256].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


def credential_link(html: bytes, page_url: str) -> str | None:
    """The absolute URL of the credential ``html`` (fetched from ``page_url``) links as
    ``rel="alternate"``: the most specific media type wins, then the first in the page."""
    parser = _Links()
    try:
        parser.feed(html[:_MAX_SCAN].decode("utf-8", errors="replace"))
        parser.close()
    except (AssertionError, ValueError):  # html.parser gives up on some broken markup
        pass
    if not parser.found:
        return None
    media, href = min(parser.found, key=lambda item: CREDENTIAL_TYPES.index(item[0]))
    return urljoin(urljoin(page_url, parser.base) if parser.base else page_url, href)
