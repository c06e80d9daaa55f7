"""Competency frameworks and their OB alignments.

A school's framework arrives either as a CSV export (columns framework, code, name, kind,
description, url) or as a CASE 1.0 JSON package (CFDocument + CFItems). Both parsers are
pure: they take the text / parsed JSON, never a path or URL. ``kind`` groups competencies
the way schools report them: "academic" (content standards), "habits" (habits of work:
collaboration, persistence, communication…) and "elo" (extended learning opportunities).
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, overload

from badges.errors import ModelError
from badges.model import Alignment, is_absolute_uri

Kind = Literal["academic", "habits", "elo"]
KINDS: tuple[Kind, ...] = ("academic", "habits", "elo")
CSV_COLUMNS = ("framework", "code", "name", "kind", "description", "url")

# Spellings seen in school exports and CASE CFItemType values, lower-cased.
_KIND_ALIASES: dict[str, Kind] = {
    "academic": "academic", "content": "academic", "standard": "academic", "competency": "academic",
    "habits": "habits", "habit": "habits", "habits of work": "habits", "habit of work": "habits",
    "how": "habits", "habits of work and learning": "habits", "hows": "habits", "howl": "habits",
    "elo": "elo", "elos": "elo", "extended learning": "elo", "extended learning opportunity": "elo",
    "extended learning opportunities": "elo",
}


def normalize_kind(value: str | None) -> Kind | None:
    if value is None:
        return None
    return _KIND_ALIASES.get(" ".join(str(value).replace("-", " ").replace("_", " ").split()).lower())


@dataclass(frozen=True)
class Competency:
    id: str
    code: str
    name: str
    kind: Kind
    framework: str
    url: str
    description: str = ""
    from_case: bool = False

    def __post_init__(self) -> None:
        # ``id`` is the caller's identity for the competency (a CASE URI, or a database key);
        # ``url`` is what the alignment points at and must dereference.
        if self.kind not in KINDS:
            raise ModelError(f"competency {self.code!r}: kind {self.kind!r} is not one of {', '.join(KINDS)}",
                             field="kind")
        if not is_absolute_uri(self.url):
            raise ModelError(f"competency {self.code!r}: url {self.url!r} is not an absolute URI", field="url")
        for name in ("id", "code", "name"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name).strip():
                raise ModelError(f"competency {self.code!r} needs a {name}", field=name)


@dataclass(frozen=True)
class Framework:
    name: str
    competencies: tuple[Competency, ...]
    id: str | None = None
    url: str | None = None
    version: str | None = None
    source: Literal["csv", "case"] = "csv"

    def by_code(self, code: str) -> Competency:
        for c in self.competencies:
            if c.code == code:
                return c
        raise KeyError(code)

    def of_kind(self, kind: str) -> tuple[Competency, ...]:
        return tuple(c for c in self.competencies if c.kind == kind)


def to_alignment(competency: Competency) -> dict[str, Any]:
    """OB Alignment: CFItem for CASE items (their URI dereferences to the CASE JSON),
    ceasn:Competency for a school's own framework."""
    return Alignment(
        target_name=competency.name,
        target_url=competency.url,
        target_code=competency.code,
        target_framework=competency.framework or None,
        target_description=competency.description or None,
        target_type="CFItem" if competency.from_case else "ceasn:Competency",
    ).to_jsonld()


def parse_csv(text: str, *, kind: str | None = None, name: str | None = None) -> Framework:
    """One framework per file; the header row names the columns (any order, any case).

    ``kind`` and ``name`` are defaults for a file without (or with empty) ``kind`` /
    ``framework`` cells; ``description`` is optional."""
    if not isinstance(text, str):
        raise ModelError("competency CSV must be text", field="text")
    if text.startswith("\ufeff"):
        text = text[1:]  # spreadsheet exports often start with a BOM
    default_kind = normalize_kind(kind) if kind is not None else None
    if kind is not None and default_kind is None:
        raise ModelError(f"kind {kind!r} is not one of {', '.join(KINDS)}", field="kind")
    reader = csv.DictReader(io.StringIO(text))
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    optional = {"description"} | ({"kind"} if default_kind else set()) | ({"framework"} if name else set())
    missing = [c for c in CSV_COLUMNS if c not in header and c not in optional]
    if missing:
        raise ModelError(f"competency CSV is missing column(s): {', '.join(missing)}", field="header")
    reader.fieldnames = header
    competencies: list[Competency] = []
    framework: str | None = None
    codes: set[str] = set()
    for line, row in enumerate(reader, start=2):
        if None in row:
            raise ModelError(f"competency CSV line {line}: more cells than columns", line=line)
        values = {k: (v or "").strip() for k, v in row.items()}
        if not any(values.values()):
            continue
        values["framework"] = values.get("framework") or (name or "")
        values["kind"] = values.get("kind") or (default_kind or "")
        for column in ("framework", "code", "name", "kind", "url"):
            if not values.get(column):
                raise ModelError(f"competency CSV line {line}: {column} is empty", line=line, field=column)
        if framework is None:
            framework = values["framework"]
        elif values["framework"] != framework:
            raise ModelError(f"competency CSV line {line}: framework {values['framework']!r} differs from "
                             f"{framework!r} (one framework per file)", line=line, field="framework")
        kind = normalize_kind(values["kind"])
        if kind is None:
            raise ModelError(f"competency CSV line {line}: kind {values['kind']!r} is not one of "
                             f"{', '.join(KINDS)}", line=line, field="kind")
        if not is_absolute_uri(values["url"]):
            raise ModelError(f"competency CSV line {line}: url {values['url']!r} is not an absolute URL",
                             line=line, field="url")
        if values["code"] in codes:
            raise ModelError(f"competency CSV line {line}: code {values['code']!r} appears twice",
                             line=line, field="code")
        codes.add(values["code"])
        competencies.append(Competency(id=values["url"], code=values["code"], name=values["name"], kind=kind,
                                       framework=framework, url=values["url"],
                                       description=values.get("description", "")))
    if not competencies:
        raise ModelError("competency CSV has no rows", field="rows")
    return Framework(name=framework or "", competencies=tuple(competencies), source="csv")


@overload
def _text(obj: Mapping[str, Any], key: str, where: str, *, required: Literal[True] = True) -> str: ...
@overload
def _text(obj: Mapping[str, Any], key: str, where: str, *, required: bool) -> str | None: ...
def _text(obj: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str | None:
    value = obj.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ModelError(f"CASE {where}: {key} is missing", field=f"{where}.{key}")
        return None
    if not isinstance(value, str):
        raise ModelError(f"CASE {where}: {key} must be a string", field=f"{where}.{key}")
    return value.strip()


def _item_type(item: Mapping[str, Any]) -> str | None:
    value = item.get("CFItemType")
    if isinstance(value, str):
        return value
    # CASE 1.0 also allows CFItemTypeURI {title, identifier, uri}
    ref = item.get("CFItemTypeURI")
    title = ref.get("title") if isinstance(ref, Mapping) else None
    if isinstance(title, str):
        return title
    return None


def parse_case(package: Mapping[str, Any] | str, *, kind: str | None = None) -> Framework:
    """CASE 1.0 package (parsed, or its JSON text) → Framework of CFItem competencies.

    Each item's kind comes from its CFItemType when that names one of ours (e.g. "Habit of
    Work", "ELO"), else from the ``kind`` hint, else "academic"."""
    if isinstance(package, (str, bytes)):
        try:
            package = json.loads(package)
        except ValueError as exc:
            raise ModelError(f"CASE package is not JSON: {exc}", field="package") from None
    if not isinstance(package, Mapping):
        raise ModelError("CASE package must be a JSON object", field="package")
    hint = "academic" if kind is None else normalize_kind(kind)
    if hint is None:
        raise ModelError(f"kind {kind!r} is not one of {', '.join(KINDS)}", field="kind")
    doc = package.get("CFDocument")
    if not isinstance(doc, Mapping):
        raise ModelError("CASE package has no CFDocument object", field="CFDocument")
    title = _text(doc, "title", "CFDocument")
    doc_uri = _text(doc, "uri", "CFDocument")
    _text(doc, "identifier", "CFDocument")
    if not is_absolute_uri(doc_uri):
        raise ModelError(f"CASE CFDocument: uri {doc_uri!r} is not an absolute URI", field="CFDocument.uri")
    items = package.get("CFItems")
    if not isinstance(items, list) or not items:
        raise ModelError("CASE package has no CFItems list", field="CFItems")
    competencies: list[Competency] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        where = f"CFItems[{i}]"
        if not isinstance(item, Mapping):
            raise ModelError(f"CASE {where} is not an object", field=where)
        identifier = _text(item, "identifier", where)
        uri = _text(item, "uri", where)
        statement = _text(item, "fullStatement", where)
        if not is_absolute_uri(uri):
            raise ModelError(f"CASE {where}: uri {uri!r} is not an absolute URI", field=f"{where}.uri")
        if identifier in seen:
            raise ModelError(f"CASE {where}: identifier {identifier!r} appears twice", field=f"{where}.identifier")
        seen.add(identifier)
        item_kind = normalize_kind(_item_type(item)) if _item_type(item) else None
        # "Competency"/"Standard" map to academic in the alias table, but a hint should win over them.
        if item_kind == "academic" or item_kind is None:
            item_kind = hint
        code = _text(item, "humanCodingScheme", where, required=False) or identifier
        name = _text(item, "abbreviatedStatement", where, required=False) or statement
        competencies.append(Competency(id=uri, code=code, name=name, kind=item_kind, framework=title,
                                       url=uri, description=statement, from_case=True))
    return Framework(name=title, competencies=tuple(competencies), id=doc_uri,
                     url=_text(doc, "officialSourceURL", "CFDocument", required=False),
                     version=_text(doc, "version", "CFDocument", required=False), source="case")


__all__ = ["CSV_COLUMNS", "KINDS", "Competency", "Framework", "normalize_kind", "parse_case", "parse_csv",
           "to_alignment"]
