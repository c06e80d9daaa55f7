"""Allow-list SVG sanitiser for badge images.

The SVG is parsed with ``defusedxml`` (no DTD at all, so no entities, no billion laughs, no
external references), checked element by element against an allow-list, and written out again
from the checked tree: what is stored is exactly what was checked, never the client's bytes.

* Active or referencing content is refused with a message naming it: scripts, event handlers,
  ``foreignObject``, embedded documents, links, raster ``image``/``feImage``, animation elements
  (``set``/``animate*`` can rewrite an ``href`` after the check), any ``href`` that is not a
  fragment of the document itself, CSS ``url()`` other than ``url(#id)``, CSS escapes, at-rules
  (``@import``) and functions outside a short list (``image-set``, ``expression`` …).
* Harmless things outside the allow-list (editor metadata such as Inkscape's ``sodipodi:*``,
  comments, unknown attributes) are dropped, so ordinary logos from drawing programs pass.
* ``<style>`` is kept only when it is plain rules (``selector { property: value; … }``) whose
  properties and values pass the same allow-list as ``style`` attributes.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from issuer.errors import InvalidInput, UnsupportedMediaType

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"

ALLOWED_ELEMENTS = frozenset({
    "svg", "g", "defs", "title", "desc", "symbol", "use", "switch",
    "path", "rect", "circle", "ellipse", "line", "polyline", "polygon",
    "text", "tspan", "textPath",
    "linearGradient", "radialGradient", "stop", "pattern", "clipPath", "mask", "marker", "style",
    "filter", "feBlend", "feColorMatrix", "feComponentTransfer", "feComposite", "feDropShadow",
    "feFlood", "feFuncA", "feFuncB", "feFuncG", "feFuncR", "feGaussianBlur", "feMerge", "feMergeNode",
    "feMorphology", "feOffset", "feTurbulence", "feDisplacementMap",
})
# Refused outright (not silently dropped): the upload is hostile or would not render as meant.
REFUSED_ELEMENTS = frozenset({
    "script", "foreignObject", "iframe", "embed", "object", "handler", "listener", "a", "image", "feImage",
    "set", "animate", "animateTransform", "animateMotion", "animateColor", "discard", "mpath",
    "cursor", "font-face-uri", "audio", "video", "canvas", "view",
})

# Presentation properties: allowed as attributes, in style="" and in <style> rules.
CSS_PROPERTIES = frozenset({
    "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity", "stroke-linecap",
    "stroke-linejoin", "stroke-miterlimit", "stroke-dasharray", "stroke-dashoffset", "opacity", "color",
    "stop-color", "stop-opacity", "flood-color", "flood-opacity", "lighting-color", "clip-path", "clip-rule",
    "mask", "filter", "marker", "marker-start", "marker-mid", "marker-end", "display", "visibility",
    "overflow", "font", "font-family", "font-size", "font-style", "font-variant", "font-weight",
    "font-stretch", "letter-spacing", "word-spacing", "text-anchor", "text-decoration", "dominant-baseline",
    "alignment-baseline", "baseline-shift", "writing-mode", "direction", "unicode-bidi", "paint-order",
    "vector-effect", "shape-rendering", "text-rendering", "image-rendering", "color-interpolation",
    "color-interpolation-filters", "isolation", "mix-blend-mode", "transform", "transform-origin",
    "transform-box", "white-space",
})
GEOMETRY_ATTRIBUTES = frozenset({
    "id", "class", "style", "href", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "fx", "fy",
    "fr", "width", "height", "d", "points", "pathLength", "viewBox", "preserveAspectRatio", "version",
    "gradientUnits", "gradientTransform", "spreadMethod", "offset", "patternUnits", "patternContentUnits",
    "patternTransform", "clipPathUnits", "maskUnits", "maskContentUnits", "markerUnits", "markerWidth",
    "markerHeight", "refX", "refY", "orient", "filterUnits", "primitiveUnits", "in", "in2", "result",
    "stdDeviation", "dx", "dy", "rotate", "lengthAdjust", "textLength", "startOffset", "method", "spacing",
    "mode", "operator", "k1", "k2", "k3", "k4", "values", "type", "tableValues", "slope", "intercept",
    "amplitude", "exponent", "radius", "baseFrequency", "numOctaves", "seed", "stitchTiles", "scale",
    "xChannelSelector", "yChannelSelector", "requiredFeatures", "systemLanguage", "role", "aria-label",
    "aria-hidden", "focusable",
})
ALLOWED_ATTRIBUTES = GEOMETRY_ATTRIBUTES | CSS_PROPERTIES
# Functions a kept value may call: colours, url(#…) and transforms. Nothing else (image-set,
# expression, paint(), var() and friends are refused).
_FUNCTIONS = frozenset({"url", "rgb", "rgba", "hsl", "hsla", "translate", "translatex", "translatey", "rotate",
                        "scale", "scalex", "scaley", "matrix", "skewx", "skewy"})
_FUNCTION_CALL = re.compile(r"([A-Za-z_-][\w-]*)\s*\(")
_LOCAL_URL = re.compile(r"url\(\s*(['\"]?)#[\w.:-]+\1\s*\)", re.I)
_IDENT = re.compile(r"^[\w-]+$")
_SELECTOR = re.compile(r"^[\w\s.#,>+~*:()-]+$")
_RULE = re.compile(r"\s*([^{}]+?)\s*\{([^{}]*)\}\s*")
_INVISIBLE = re.compile(r"[\s\x00-\x1f\x7f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]+")


def refuse(message: str) -> InvalidInput:
    return InvalidInput(f"SVG refused: {message}")


def _local(tag: object) -> tuple[str, str]:
    """(namespace, local name) of an element or attribute name from ElementTree."""
    if not isinstance(tag, str):
        return "", ""
    if tag.startswith("{"):
        ns, _, name = tag[1:].partition("}")
        return ns, name
    return "", tag


def check_value(value: str, *, what: str) -> None:
    """A presentation value or CSS value: no escapes, no at-rules, only listed functions, url(#id) only."""
    flat = _INVISIBLE.sub("", value).lower()
    if "\\" in value or "@" in value or "/*" in value or "<" in value:
        raise refuse(f"{what} uses CSS escapes, comments or at-rules")
    if "javascript:" in flat or "data:" in flat or "vbscript:" in flat:
        raise refuse(f"{what} holds a script or data URL")
    without_local = _LOCAL_URL.sub("", value)
    for name in _FUNCTION_CALL.findall(without_local):
        if name.lower() == "url":
            raise refuse(f"{what} references something outside the document (url() other than url(#id))")
        if name.lower() not in _FUNCTIONS:
            raise refuse(f"{what} calls the CSS function {name}()")


def check_declarations(css: str, *, what: str) -> None:
    for declaration in css.split(";"):
        if not declaration.strip():
            continue
        prop, sep, value = declaration.partition(":")
        prop = prop.strip().lower()
        if not sep or not _IDENT.match(prop) or prop not in CSS_PROPERTIES:
            raise refuse(f"{what} sets the property {prop[:40]!r}, which is not allowed")
        check_value(value.replace("!important", ""), what=what)


def check_stylesheet(css: str) -> None:
    """A <style> element: plain rules only (no at-rules, escapes or comments), allow-listed declarations."""
    if "\\" in css or "@" in css or "/*" in css or "<" in css:
        raise refuse("<style> uses at-rules (@import …), CSS escapes or comments")
    at = 0
    while at < len(css):
        match = _RULE.match(css, at)
        if match is None:
            if css[at:].strip():
                raise refuse("<style> is not a list of plain CSS rules")
            break
        selector, body = match.groups()
        if not _SELECTOR.match(selector):
            raise refuse(f"<style> selector {selector[:40]!r} is not allowed")
        check_declarations(body, what="<style>")
        at = match.end()


def _clean_attributes(el: ET.Element, name: str) -> dict[str, str]:
    kept: dict[str, str] = {}
    for attr, value in el.attrib.items():
        ns, local = _local(attr)
        if local.lower().startswith("on"):
            raise refuse(f"event handler attribute {local!r} on <{name}>")
        if local == "href" and ns in ("", XLINK_NS):
            if not re.fullmatch(r"#[\w.:-]+", value):
                raise refuse(f"<{name}> references something outside the document ({value[:60]!r})")
            kept[attr] = value
            continue
        if ns == XML_NS and local in ("space", "lang"):
            kept[attr] = value
            continue
        if ns or local not in ALLOWED_ATTRIBUTES:
            continue  # editor metadata (inkscape:*, sodipodi:*, data-*), unknown attributes: dropped
        if local == "style":
            check_declarations(value, what=f"style on <{name}>")
        elif local not in ("id", "class", "d", "points", "viewBox", "values", "tableValues", "aria-label"):
            check_value(value, what=f"attribute {local!r} on <{name}>")
        elif _FUNCTION_CALL.search(value) and local != "aria-label":
            raise refuse(f"attribute {local!r} on <{name}> holds a function call")
        kept[attr] = value
    return kept


def _clean(el: ET.Element) -> ET.Element | None:
    """A checked copy of ``el`` (None to drop it); raises for refused content."""
    ns, name = _local(el.tag)
    if name in REFUSED_ELEMENTS:  # in any namespace: an XHTML <script> is as hostile as an SVG one
        raise refuse(f"element <{name}> is not allowed")
    if ns != SVG_NS:
        return None  # metadata and foreign markup: dropped with everything inside
    if name not in ALLOWED_ELEMENTS:
        return None
    out = ET.Element(el.tag, _clean_attributes(el, name))
    if name == "style":
        if len(el):
            raise refuse("<style> holds elements")
        check_stylesheet(el.text or "")
        out.text = el.text
        return out
    out.text = el.text
    for child in el:
        cleaned = _clean(child)
        if cleaned is not None:
            cleaned.tail = child.tail
            out.append(cleaned)
        elif child.tail:
            # keep the text that followed a dropped element
            if len(out):
                out[-1].tail = (out[-1].tail or "") + child.tail
            else:
                out.text = (out.text or "") + child.tail
    return out


_ATTR_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                               "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def _qualified(name: str) -> str:
    ns, local = _local(name)
    return {SVG_NS: "", "": "", XLINK_NS: "xlink:", XML_NS: "xml:"}[ns] + local


def _serialise(el: ET.Element, out: list[str], *, root: bool = False) -> None:
    name = _qualified(el.tag)
    out.append("<" + name)
    if root:
        out.append(f' xmlns="{SVG_NS}"')
        if any(_local(a)[0] == XLINK_NS for e in el.iter() for a in e.attrib):
            out.append(f' xmlns:xlink="{XLINK_NS}"')
    for attr, value in el.attrib.items():
        out.append(f' {_qualified(attr)}="{value.translate(_ATTR_ESCAPES)}"')
    if el.text is None and not len(el):
        out.append("/>")
    else:
        out.append(">")
        if el.text:
            out.append(el.text.translate(_TEXT_ESCAPES))
        for child in el:
            _serialise(child, out)
            if child.tail:
                out.append(child.tail.translate(_TEXT_ESCAPES))
        out.append(f"</{name}>")


def sanitise_svg(data: bytes) -> bytes:
    """The checked SVG, re-serialised from the allow-listed tree; raises InvalidInput (4xx) otherwise."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("SVG must be UTF-8") from None
    if re.search(r"<\?xml-stylesheet", text, re.I):
        raise refuse("an external stylesheet is linked")
    try:
        root = fromstring(text.lstrip("\ufeff"), forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise refuse("DOCTYPE, entity declarations and external references are not allowed") from None
    except ET.ParseError as exc:
        raise InvalidInput(f"SVG is not well-formed XML: {exc}") from None
    if root.tag != f"{{{SVG_NS}}}svg":
        raise UnsupportedMediaType("not an SVG document (root must be svg in the SVG namespace)")
    clean = _clean(root)
    assert clean is not None  # the root is an allowed <svg>
    out: list[str] = []
    _serialise(clean, out, root=True)
    return "".join(out).encode("utf-8")


__all__ = ["ALLOWED_ELEMENTS", "REFUSED_ELEMENTS", "sanitise_svg"]
