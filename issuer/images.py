"""Badge image uploads: PNG re-encoded through Pillow, SVG through an allow-list sanitiser.

A PNG is decoded and written again, which drops every ancillary chunk (including any baked
credential or text a client smuggled in) and rejects truncated or bomb images. An SVG goes
through :mod:`issuer.svg_sanitiser` (defusedxml, allow-listed elements, attributes and CSS,
re-serialised from the checked tree).
"""
from __future__ import annotations

import io
import warnings

from PIL import Image, UnidentifiedImageError

from issuer.errors import FileTooLarge, InvalidInput, UnsupportedMediaType
from issuer.svg_sanitiser import sanitise_svg

MAX_IMAGE_BYTES = 512 * 1024
MAX_PIXELS = 4096 * 4096


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


__all__ = ["MAX_IMAGE_BYTES", "MAX_PIXELS", "sanitise_image", "sanitise_png", "sanitise_svg"]
