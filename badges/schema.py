"""JSON Schema validation against the pinned 1EdTech schemas (Draft 2019-09).

``kind`` picks the schema: achievement (OB AchievementCredential), endorsement, clr, profile.
The compaction-tolerant OB schema accepts single values where JSON-LD allows them;
``strict=True`` also applies the variant that requires arrays (App. A.1), which is what we
issue. Only achievement has a strict variant; for the other kinds ``strict`` changes nothing.
No ``$ref`` leaves its file and nothing is fetched.

Speed: a compiled ``jsonschema_rs`` validator (Rust) gives the verdict first. Only its "valid"
is trusted, and only for plain JSON values (dict/list/str/int/float/bool/None, finite floats),
since it would read a tuple as an array where ``jsonschema`` does not. Anything else (an
invalid document, a non-JSON value, an error) is decided by ``jsonschema``, which also writes
every problem message, so verdicts and messages are those of ``jsonschema`` (see
tests/badges/test_schema_fast.py, which compares the two on every example and bad twin).
"""
from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from importlib import resources
from typing import Any

import jsonschema_rs
from jsonschema import Draft201909Validator, FormatChecker
from jsonschema.exceptions import best_match

from badges.errors import SchemaError

_OB = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
_CLR = "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/"
SCHEMA_URLS: dict[str, str] = {
    "achievement": _OB + "ob_v3p0_achievementcredential_schema.json",
    "endorsement": _OB + "ob_v3p0_endorsementcredential_schema.json",
    "profile": _OB + "ob_v3p0_profile_schema.json",
    "clr": _CLR + "clr_v2p0_clrcredential_schema.json",
}
STRICT_URLS: dict[str, str] = {
    "achievement": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json-ld/ob_v3p0_achievementcredential_schema.json",
}
KINDS = tuple(SCHEMA_URLS)

# RFC 3339 date-time with a mandatory offset (DateTimeZ); jsonschema's own check needs an
# optional package and silently passes everything without it.
_DATE_TIME = re.compile(
    r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?"
    r"([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$")
_DATE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")

_FORMATS = FormatChecker(formats=())


@_FORMATS.checks("date-time")
def _is_date_time(value: object) -> bool:
    return not isinstance(value, str) or bool(_DATE_TIME.match(value))


@_FORMATS.checks("date")
def _is_date(value: object) -> bool:
    return not isinstance(value, str) or bool(_DATE.match(value))


@cache
def _index() -> dict[str, dict[str, str]]:
    text = resources.files("badges").joinpath("schemas/index.json").read_text("utf-8")
    index: dict[str, dict[str, str]] = json.loads(text)
    return index


@cache
def _schema(url: str) -> dict[str, Any]:
    entry = _index()[url]
    raw = resources.files("badges").joinpath("schemas", entry["file"]).read_bytes()
    if hashlib.sha256(raw).hexdigest() != entry["sha256"]:
        raise SchemaError(f"pinned schema {entry['file']} does not match its sha256", url=url)
    schema: dict[str, Any] = json.loads(raw)
    return schema


@cache
def _validator(url: str) -> Draft201909Validator:
    """Compiled once per schema; pure (depends only on the pinned package data)."""
    schema = _schema(url)
    Draft201909Validator.check_schema(schema)
    return Draft201909Validator(schema, format_checker=_FORMATS)


def _format_names(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["format"]} if isinstance(node.get("format"), str) else set()
        for value in node.values():
            found |= _format_names(value)
        return found
    if isinstance(node, list):
        return set().union(*map(_format_names, node)) if node else set()
    return set()


def _any_value(value: object) -> bool:
    return True


@cache
def _fast_validator(url: str) -> Any:
    """The same schema compiled by jsonschema_rs, with the same format rules as ``_FORMATS``:
    date-time and date by our regexes, every other format name unchecked (as jsonschema does
    with a checker that does not know it). Offline: a $ref outside the file fails to compile."""
    schema = _schema(url)
    _validator(url)  # the schema itself is checked against its metaschema there
    formats = {name: _any_value for name in _format_names(schema)}
    formats.update({"date-time": _is_date_time, "date": _is_date})
    return jsonschema_rs.Draft201909Validator(schema, formats=formats, validate_formats=True,
                                              ignore_unknown_formats=True, offline=True)


_PLAIN_SCALARS = (str, int, bool, type(None))


def _plain_json(value: Any) -> bool:
    """True when ``value`` is built only of exact JSON types (no tuples, subclasses, NaN)."""
    kind = type(value)
    if kind is dict:
        return all(type(k) is str and _plain_json(v) for k, v in value.items())
    if kind is list:
        return all(_plain_json(v) for v in value)
    if kind is float:
        return bool(value - value == 0.0)  # false for inf and nan
    return kind in _PLAIN_SCALARS


def _fast_valid(document: Any, urls: list[str]) -> bool:
    """True only when every schema accepts the document; False means "ask jsonschema"."""
    if not _plain_json(document):
        return False
    try:
        return all(_fast_validator(url).is_valid(document) for url in urls)
    except Exception:  # noqa: BLE001 - any trouble in the fast path defers to jsonschema
        return False


def _urls(kind: str, strict: bool) -> list[str]:
    if kind not in SCHEMA_URLS:
        raise ValueError(f"unknown schema kind {kind!r}; expected one of {', '.join(KINDS)}")
    urls = [SCHEMA_URLS[kind]]
    if strict and kind in STRICT_URLS:
        urls.append(STRICT_URLS[kind])
    return urls


_JSON_TYPES = {dict: "object", list: "array", str: "string", bool: "boolean", int: "number",
               float: "number", type(None): "null"}


def _path(error: Any) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)


def _message(error: Any) -> str:
    # jsonschema repeats the whole offending value; name its JSON type instead.
    if error.validator == "type":
        got = _JSON_TYPES.get(type(error.instance), type(error.instance).__name__)
        return f"expected {error.validator_value}, got {got}"
    text: str = error.message
    return text if len(text) <= 200 else text[:197] + "..."


def _describe(error: Any, label: str) -> str:
    return f"{label}{_path(_cause(error))}: {_message(_cause(error))}"


def _cause(error: Any) -> Any:
    """oneOf/anyOf errors are vague ("not valid under any of the given schemas"); descend into
    the branch whose type matched the value, since that is the one the author meant."""
    if not error.context:
        return error
    relevant = [e for e in error.context if not (e.validator == "type" and not e.relative_path)]
    if not relevant:
        return error if len(error.context) != 1 else error.context[0]
    return _cause(best_match(relevant))


def problems(document: Any, kind: str = "achievement", *, strict: bool = False) -> list[str]:
    """Every schema violation as ``"<$.json.path>: <message>"``; an empty list means valid.
    Violations found only by the strict variant are prefixed ``strict: ``."""
    urls = _urls(kind, strict)
    if _fast_valid(document, urls):
        return []
    found: list[str] = []
    for i, url in enumerate(urls):
        label = "strict: " if i else ""
        errors = sorted(_validator(url).iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
        for error in errors:
            text = _describe(error, "")
            if text in found:
                continue  # the strict variant repeating a problem already reported
            if label + text not in found:
                found.append(label + text)
    return found


def validate(document: Any, kind: str = "achievement", *, strict: bool = False) -> None:
    """Raise ``SchemaError(problems=[...])`` unless ``document`` passes the ``kind`` schema."""
    found = problems(document, kind, strict=strict)
    if found:
        shown = "; ".join(found[:5]) + (" …" if len(found) > 5 else "")
        raise SchemaError(f"{kind} credential fails the 1EdTech JSON schema: {shown}",
                          problems=found, kind=kind)


__all__ = ["KINDS", "SCHEMA_URLS", "STRICT_URLS", "problems", "validate"]
