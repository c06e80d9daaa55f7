"""Badge image uploads: PNG re-encoded through Pillow, SVG checked for active content.

A PNG is decoded and written again, which drops every ancillary chunk (including any baked
credential or text a client smuggled in) and rejects truncated or bomb images. An SVG is
parsed with the standard library's XML parser after refusing DOCTYPE/ENTITY declarations
(no entity expansion), then refused if it holds scripts, event handlers, foreignObject or any
reference that leaves the document.
"""
from __future__ import annotations

import io
import re
import warnings
import xml.etree.ElementTree as ET

from PIL import Image, UnidentifiedImageError

from issuer.services.learning_errors import FileTooLarge, InvalidInput, UnsupportedMediaType

MAX_IMAGE_BYTES = 512 * 1024
MAX_PIXELS = 4096 * 4096
SVG_NS = "http://www.w3.org/2000/svg"
XLINK = "{http://www.w3.org/1999/xlink}href"
_FORBIDDEN_ELEMENTS = {"script", "foreignObject", "iframe", "embed", "object", "handler", "listener"}
_URL_IN_CSS = re.compile(r"url\(\s*['\"]?\s*(?!#)", re.I)


def sanitise_image(data: bytes, *, max_bytes: int = MAX_IMAGE_BYTES) -> tuple[bytes, str]:
    """Return (clean bytes, media type) or raise a 4xx error."""
    if len(data) > max_bytes:
        raise FileTooLarge(f"image is larger than {max_bytes} bytes", limit=max_bytes, size=len(data))
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return sanitise_png(data), "image/png"
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return sanitise_svg(data), "image/svg+xml"
    raise UnsupportedMediaType("badge images must be PNG or SVG")


def sanitise_png(data: bytes) -> bytes:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                if img.format != "PNG":
                    raise UnsupportedMediaType("not a PNG image")
                if img.width * img.height > MAX_PIXELS:
                    raise InvalidInput("image has too many pixels")
                img.load()
                mode = img.mode if img.mode in ("RGB", "RGBA", "L", "LA", "P") else "RGBA"
                clean = img.convert(mode)
                out = io.BytesIO()
                clean.save(out, format="PNG", optimize=False)
                return out.getvalue()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise InvalidInput(f"not a readable PNG image ({type(exc).__name__})") from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def sanitise_svg(data: bytes) -> bytes:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("SVG must be UTF-8") from None
    if re.search(r"<!DOCTYPE|<!ENTITY", text, re.I):
        raise InvalidInput("SVG with a DOCTYPE or entity declarations is refused")
    if re.search(r"<\?xml-stylesheet", text, re.I):
        raise InvalidInput("SVG with an external stylesheet is refused")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise InvalidInput(f"SVG is not well-formed XML: {exc}") from None
    if root.tag != f"{{{SVG_NS}}}svg":
        raise UnsupportedMediaType("not an SVG document (root must be svg in the SVG namespace)")
    for el in root.iter():
        name = _local(el.tag)
        if name in _FORBIDDEN_ELEMENTS:
            raise InvalidInput(f"SVG element <{name}> is refused")
        for attr, value in el.attrib.items():
            local = _local(attr).lower()
            if local.startswith("on"):
                raise InvalidInput(f"SVG event handler attribute {local!r} is refused")
            if local == "href" or attr == XLINK:
                if not value.strip().startswith("#"):
                    raise InvalidInput("SVG references outside the document are refused")
            if _URL_IN_CSS.search(value) or "javascript:" in value.lower():
                raise InvalidInput("SVG references outside the document are refused")
        if name == "style" and el.text and (_URL_IN_CSS.search(el.text) or "@import" in el.text):
            raise InvalidInput("SVG stylesheets with external references are refused")
    return data
