"""Baking: a credential carried inside a PNG or SVG badge image (OB 3.0 §5.3).

PNG: one ``iTXt`` chunk, keyword ``openbadgecredential``, compression flag 0, empty language
tag and translated keyword, text = credential JSON or compact JWS. We put it right after
``IHDR`` and drop any earlier credential chunk, so the keyword never appears twice.

SVG: ``xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"`` on the root ``<svg>`` and an
``<openbadges:credential>`` element directly after its start tag: ``verify="<JWS>"`` for
VC-JWT, the JSON in ``<![CDATA[…]]>`` otherwise. Images are edited as bytes (positions from
expat), never re-serialised, so everything else in the file survives unchanged.

Safety: sizes are capped before work is done; PNG chunk CRCs are checked; SVGs with an
internal DTD subset or entity declarations are refused (XXE, billion laughs). A DOCTYPE that
only names the public SVG 1.1 DTD, as the 1EdTech fixtures do, is allowed: nothing is fetched.
"""
from __future__ import annotations

import json
import struct
import xml.parsers.expat
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NoReturn

from badges.errors import BakeError

__all__ = [
    "KEYWORD", "MAX_CREDENTIAL_BYTES", "MAX_IMAGE_BYTES", "OB_NAMESPACE",
    "bake_png", "bake_svg", "unbake", "unbake_png", "unbake_svg",
]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
KEYWORD = b"openbadgecredential"
OB_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
MAX_IMAGE_BYTES = 32 * 1024 * 1024
MAX_CREDENTIAL_BYTES = 8 * 1024 * 1024
_TEXT_CHUNKS = (b"iTXt", b"tEXt", b"zTXt")
_JWS_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _as_bytes(data: bytes, what: str) -> bytes:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"{what} must be bytes")
    data = bytes(data)
    if len(data) > MAX_IMAGE_BYTES:
        raise BakeError(f"{what} is larger than {MAX_IMAGE_BYTES} bytes", size=len(data))
    return data


def _is_jws(text: str) -> bool:
    parts = text.split(".")
    return len(parts) == 3 and all(parts[:2]) and all(set(p) <= _JWS_CHARS for p in parts)


def _check_payload(payload: str) -> tuple[str, bool]:
    """The payload stripped, and whether it is a compact JWS (else a JSON object)."""
    if not isinstance(payload, str):
        raise TypeError("payload must be str")
    text = payload.strip()
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:
        raise BakeError("payload is not valid Unicode (lone surrogate)") from None
    if size > MAX_CREDENTIAL_BYTES:
        raise BakeError(f"credential is larger than {MAX_CREDENTIAL_BYTES} bytes")
    if _is_jws(text):
        return text, True
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        raise BakeError("payload is neither a compact JWS nor a JSON object")
    # XML 1.0 cannot carry these code points at all; JSON escapes them, so raw ones mean garbage.
    if any(ord(c) < 0x20 and c not in "\t\n\r" for c in text) or "\ufffe" in text or "\uffff" in text:
        raise BakeError("payload contains control characters that cannot be embedded")
    return text, False


# ---------------------------------------------------------------- PNG

@dataclass
class _Chunk:
    type: bytes
    data: bytes
    raw: bytes  # length + type + data + CRC, exactly as read


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _read_chunks(png: bytes) -> list[_Chunk]:
    """All chunks up to and including IEND, CRC-checked; anything after IEND is ignored."""
    if png[:8] != PNG_SIGNATURE:
        raise BakeError("not a PNG (bad signature)")
    chunks: list[_Chunk] = []
    pos = 8
    while True:
        if pos + 12 > len(png):
            raise BakeError("PNG is truncated (no IEND chunk)", offset=pos)
        (length,) = struct.unpack_from(">I", png, pos)
        kind = png[pos + 4:pos + 8]
        if length > 0x7FFFFFFF or pos + 12 + length > len(png):
            raise BakeError("PNG is truncated (chunk runs past the end of the file)", offset=pos)
        if not (kind.isascii() and kind.isalpha()):
            raise BakeError("PNG chunk type is not four letters", offset=pos)
        data = png[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack_from(">I", png, pos + 8 + length)
        if zlib.crc32(kind + data) != crc:
            raise BakeError(f"PNG chunk {kind.decode()} has a bad CRC", offset=pos)
        if not chunks and (kind != b"IHDR" or length != 13):
            raise BakeError("PNG does not start with an IHDR chunk")
        chunks.append(_Chunk(kind, data, png[pos:pos + 12 + length]))
        pos += 12 + length
        if kind == b"IEND":
            return chunks


def _inflate(data: bytes) -> bytes:
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, MAX_CREDENTIAL_BYTES + 1)
    except zlib.error as exc:
        raise BakeError(f"compressed credential chunk is corrupt: {exc}") from None
    if len(out) > MAX_CREDENTIAL_BYTES or inflater.unconsumed_tail:
        raise BakeError(f"compressed credential inflates past {MAX_CREDENTIAL_BYTES} bytes")
    if not inflater.eof:
        raise BakeError("compressed credential chunk is truncated")
    return out


def _keyword(chunk: _Chunk) -> bytes:
    return chunk.data.split(b"\0", 1)[0]


def _itxt_text(data: bytes) -> str:
    try:
        _, rest = data.split(b"\0", 1)
        flag, method, rest = rest[0], rest[1], rest[2:]
        _language, rest = rest.split(b"\0", 1)
        _translated, text = rest.split(b"\0", 1)
    except (ValueError, IndexError):
        raise BakeError("iTXt chunk is malformed") from None
    if flag not in (0, 1) or (flag == 1 and method != 0):
        raise BakeError("iTXt chunk has an unknown compression flag or method")
    # The spec forbids compression when baking; reading it anyway costs nothing.
    raw = _inflate(text) if flag else text
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BakeError("iTXt credential text is not UTF-8") from None


def bake_png(png: bytes, payload: str) -> bytes:
    """A copy of ``png`` carrying ``payload`` (credential JSON or compact JWS) as its only credential.

    Other chunks are copied byte for byte; bytes after ``IEND`` (not part of the image) are dropped.
    """
    png = _as_bytes(png, "PNG")
    text, _ = _check_payload(payload)
    chunks = _read_chunks(png)
    data = KEYWORD + b"\0" + b"\0\0" + b"\0" + b"\0" + text.encode("utf-8")
    kept = [c.raw for c in chunks[1:] if not (c.type in _TEXT_CHUNKS and _keyword(c) == KEYWORD)]
    return PNG_SIGNATURE + chunks[0].raw + _chunk(b"iTXt", data) + b"".join(kept)


def unbake_png(png: bytes) -> str:
    """The text of the first ``openbadgecredential`` iTXt chunk."""
    png = _as_bytes(png, "PNG")
    for chunk in _read_chunks(png):
        if chunk.type == b"iTXt" and _keyword(chunk) == KEYWORD:
            text = _itxt_text(chunk.data).strip()
            if not text:
                raise BakeError("the PNG credential chunk is empty")
            return text
    raise BakeError("the PNG holds no openbadgecredential iTXt chunk")


# ---------------------------------------------------------------- SVG

@dataclass
class _Element:
    start: int
    end: int = -1
    verify: str | None = None
    text: list[str] = field(default_factory=list)


@dataclass
class _Svg:
    root_start: int = -1
    root_is_svg: bool = False
    root_namespaces: dict[str, str] = field(default_factory=dict)
    credentials: list[_Element] = field(default_factory=list)


def _tag_end(data: bytes, start: int) -> int:
    """Index just past the '>' of the tag starting at ``start`` (quotes may hide a '>')."""
    quote = None
    for i in range(start + 1, len(data)):
        ch = data[i]
        if quote:
            if ch == quote:
                quote = None
        elif ch in b"\"'":
            quote = ch
        elif ch == 0x3E:  # '>'
            return i + 1
    raise BakeError("SVG tag is not closed")


def _refuse(message: str) -> Callable[..., NoReturn]:
    def handler(*_args: object) -> NoReturn:
        raise BakeError(message)
    return handler


def _parse_svg(data: bytes) -> _Svg:
    """One expat pass: refuses DTD tricks and records where the root and credentials are."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise BakeError("SVG must be UTF-8 encoded") from None
    info = _Svg()
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: list[_Element | None] = []
    current: list[_Element] = []  # the outermost credential element we are inside, if any

    def xml_decl(_version: str, encoding: str | None, _standalone: int) -> None:
        if encoding and encoding.lower() not in ("utf-8", "utf8", "us-ascii", "ascii"):
            raise BakeError(f"SVG encoding {encoding!r} is not supported (use UTF-8)")

    def doctype(_name: str, _system_id: str | None, _public_id: str | None, has_internal_subset: bool) -> None:
        if has_internal_subset:
            raise BakeError("SVG has an internal DTD subset (entity declarations are refused)")

    def ns_decl(prefix: str | None, uri: str) -> None:
        if info.root_start < 0:
            info.root_namespaces[prefix or ""] = uri

    def start(name: str, attrs: dict[str, str]) -> None:
        index = parser.CurrentByteIndex
        if info.root_start < 0:
            info.root_start = index
            info.root_is_svg = name in (f"{SVG_NAMESPACE} svg", "svg")
        element: _Element | None = None
        if name == f"{OB_NAMESPACE} credential" and not current:
            element = _Element(start=index, verify=attrs.get("verify"))
            current.append(element)
        stack.append(element)

    def end(_name: str) -> None:
        element = stack.pop()
        if element is None:
            return
        tag_end = _tag_end(data, element.start)
        # expat gives no hint for <x/>; the bytes do: an empty-element tag ends in "/>".
        element.end = tag_end if data[tag_end - 2] == 0x2F else _tag_end(data, parser.CurrentByteIndex)
        info.credentials.append(element)
        current.clear()

    def chars(text: str) -> None:
        if current:
            current[0].text.append(text)

    parser.XmlDeclHandler = xml_decl
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = _refuse("SVG declares entities (refused: XXE / billion laughs)")
    parser.UnparsedEntityDeclHandler = _refuse("SVG declares entities (refused)")
    parser.ExternalEntityRefHandler = _refuse("SVG references an external entity (refused)")
    parser.StartNamespaceDeclHandler = ns_decl
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as exc:
        raise BakeError(f"SVG is not well-formed XML: {exc}") from None
    if not info.root_is_svg:
        raise BakeError("the XML document's root element is not <svg>")
    return info


def _xml_attr(value: str) -> str:
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;"))


def bake_svg(svg: bytes, payload: str) -> bytes:
    """A copy of ``svg`` carrying ``payload``; any existing credential element is replaced."""
    svg = _as_bytes(svg, "SVG")
    text, is_jws = _check_payload(payload)
    info = _parse_svg(svg)
    bound = info.root_namespaces.get("openbadges")
    if bound not in (None, OB_NAMESPACE):
        raise BakeError("the root <svg> binds the 'openbadges' prefix to another namespace", uri=bound)
    if is_jws:
        element = f'<openbadges:credential verify="{_xml_attr(text)}"></openbadges:credential>'
    else:
        # "]]>" would end the CDATA section early: split it across two sections.
        cdata = text.replace("]]>", "]]]]><![CDATA[>")
        element = f"<openbadges:credential><![CDATA[{cdata}]]></openbadges:credential>"

    root_end = _tag_end(svg, info.root_start)
    name_end = info.root_start + 1
    while name_end < root_end and svg[name_end] not in b" \t\r\n/>":
        name_end += 1
    root_name = svg[info.root_start + 1:name_end]
    edits: list[tuple[int, int, bytes]] = [(c.start, c.end, b"") for c in info.credentials]
    if svg[root_end - 2] == 0x2F:  # <svg .../>: open it so it can hold the element
        edits.append((root_end - 2, root_end, b">" + element.encode() + b"</" + root_name + b">"))
    else:
        edits.append((root_end, root_end, element.encode("utf-8")))
    if bound is None:
        edits.append((name_end, name_end, f' xmlns:openbadges="{OB_NAMESPACE}"'.encode()))
    out = svg
    for begin, finish, replacement in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        out = out[:begin] + replacement + out[finish:]
    return out


def unbake_svg(svg: bytes) -> str:
    """The first ``openbadges:credential`` element's ``verify`` attribute or text content."""
    svg = _as_bytes(svg, "SVG")
    info = _parse_svg(svg)
    if not info.credentials:
        raise BakeError("the SVG holds no openbadges:credential element")
    first = min(info.credentials, key=lambda c: c.start)
    value = first.verify if first.verify is not None else "".join(first.text)
    value = value.strip()
    if not value:
        raise BakeError("the SVG credential element is empty")
    return value


def unbake(data: bytes) -> str:
    """The credential baked into a PNG or SVG image (sniffed from the bytes)."""
    data = _as_bytes(data, "image")
    if data.startswith(PNG_SIGNATURE):
        return unbake_png(data)
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return unbake_svg(data)
    raise BakeError("only PNG and SVG images can hold a baked credential")
