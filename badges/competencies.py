"""Competency frameworks and their OB alignments.

A school's framework arrives either as a CSV export (columns framework, code, name, kind,
description, url, and an optional parent: the code of the competency it sits under) or as a
CASE 1.0/1.1 JSON package (a CFPackage: CFDocument, CFItems and CFAssociations, whose
``isChildOf`` associations make the hierarchy). Both readers are pure: they take the text /
parsed JSON, never a path or URL. ``kind`` groups competencies the way schools report them:
"academic" (content standards), "habits" (habits of work: collaboration, persistence,
communication…) and "elo" (extended learning opportunities).

Two levels of API:

* ``read_csv`` / ``read_case`` check a whole file and return a ``Reading``: every competency
  found (``Entry``, with its parent's code and its place among its siblings) and every problem
  (``Problem``, naming the CSV line or the CASE item), so a preview can show them all at once.
* ``parse_csv`` / ``parse_case`` return a ``Framework`` of ``Competency`` or raise a
  ``ModelError`` for the first problem.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Generic, Literal, TypeVar, overload

from badges.errors import ModelError
from badges.model import Alignment, is_absolute_uri

Kind = Literal["academic", "habits", "elo"]
KINDS: tuple[Kind, ...] = ("academic", "habits", "elo")
CSV_COLUMNS = ("framework", "code", "name", "kind", "description", "url")
CSV_OPTIONAL = ("parent",)
_UNSEQUENCED = 1 << 30  # an item without a sequenceNumber goes after its numbered siblings

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
    parent: str | None = None  # the code of the competency this one sits under; None at the top
    position: int = 0  # its place among its siblings, from 1

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
        if self.parent == self.code:
            raise ModelError(f"competency {self.code!r} cannot be its own parent", field="parent")


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

    def children(self, code: str | None) -> tuple[Competency, ...]:
        """The competencies directly under ``code`` (None: the top level), in order."""
        return tuple(sorted((c for c in self.competencies if c.parent == code), key=lambda c: c.position))


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


# --- reading a whole file ------------------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    """What is wrong, and where: a CSV ``line``, or a CASE ``item`` (its identifier when it has
    one) at ``index`` in its list (``CFItems`` or ``CFAssociations``)."""
    message: str
    line: int | None = None
    item: str | None = None
    index: int | None = None
    list_name: str = "CFItems"
    field: str | None = None

    @property
    def where(self) -> str:
        if self.line is not None:
            return f"line {self.line}"
        if self.index is not None:
            return f"{self.list_name}[{self.index}]"
        return ""


@dataclass(frozen=True)
class Entry:
    """One competency as read from a file: ``url`` may be empty (a school's own framework gets
    its URLs where it is stored); ``parent`` is the parent's code; ``position`` counts from 1
    among the siblings. ``line`` (CSV) or ``item`` (CASE identifier) says where it came from."""
    code: str
    name: str
    kind: Kind
    description: str = ""
    url: str = ""
    parent: str | None = None
    position: int = 0
    line: int | None = None
    item: str | None = None


@dataclass(frozen=True)
class Reading:
    """A file read whole: what it would create, and everything wrong with it."""
    name: str
    entries: tuple[Entry, ...]
    problems: tuple[Problem, ...]
    source: Literal["csv", "case"]
    id: str | None = None  # the CFDocument's uri
    identifier: str | None = None  # the CFDocument's identifier
    url: str | None = None
    version: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.entries)

    def framework(self) -> Framework:
        """The ``Framework``, or ``ModelError`` naming the first problem."""
        if self.problems:
            raise _error(self.problems[0], self.source)
        if not self.entries:
            raise ModelError("competency CSV has no rows" if self.source == "csv" else "CASE package has no CFItems",
                             field="rows")
        return Framework(name=self.name, id=self.id, url=self.url, version=self.version, source=self.source,
                         competencies=tuple(
                             Competency(id=e.url, code=e.code, name=e.name, kind=e.kind, framework=self.name,
                                        url=e.url, description=e.description, from_case=self.source == "case",
                                        parent=e.parent, position=e.position) for e in self.entries))


def _error(p: Problem, source: str) -> ModelError:
    details: dict[str, Any] = {"field": p.field} if p.field else {}
    if p.line is not None:
        details["line"] = p.line
    where = f" line {p.line}" if p.line is not None else f" {p.where}" if p.where else ""
    prefix = ("competency CSV" if source == "csv" else "CASE") + where
    sep = " " if not where or p.message.startswith(("is ", "has ")) else ": "
    return ModelError(f"{prefix}{sep}{p.message}", **details)


T = TypeVar("T")


@dataclass(frozen=True)
class Branch(Generic[T]):
    """One node of a framework's tree: the thing itself and the branches under it."""
    node: T
    children: tuple[Branch[T], ...] = field(default=())

    @property
    def size(self) -> int:
        return 1 + sum(c.size for c in self.children)


def build_tree(items: Iterable[T], *, code: Callable[[T], str], parent: Callable[[T], str | None],
               position: Callable[[T], int]) -> tuple[Branch[T], ...]:
    """Nested branches, siblings in ``position`` order (then as given). A node whose parent is
    unknown, or that sits in a cycle, is shown at the top rather than lost."""
    listed = list(items)
    codes = {code(i) for i in listed}
    under: dict[str | None, list[T]] = {}
    for i in listed:
        p = parent(i)
        under.setdefault(p if p in codes and p != code(i) else None, []).append(i)
    for group in under.values():
        group.sort(key=position)  # stable: equal positions keep the given order
    seen: set[str] = set()

    def grow(i: T) -> Branch[T]:
        seen.add(code(i))
        return Branch(i, tuple(grow(c) for c in under.get(code(i), []) if code(c) not in seen))

    roots = [grow(i) for i in under.get(None, [])]
    for i in listed:  # the members of a cycle never hang from a root
        if code(i) not in seen:
            roots.append(grow(i))
    return tuple(roots)


def tree_problems(entries: Sequence[Entry]) -> list[Problem]:
    """Unknown parents and cycles, each naming the competency (its line or CASE item)."""
    problems: list[Problem] = []
    by_code = {e.code: e for e in entries}
    for e in entries:
        if e.parent is not None and e.parent not in by_code:
            problems.append(_at(e, f"parent {e.parent!r} is not the code of a competency in this framework",
                                "parent"))
    reported: set[str] = set()
    for e in entries:
        path = [e.code]
        current = e
        while current.parent is not None and current.parent in by_code:
            if current.parent == e.code:
                if not reported.intersection(path):
                    problems.append(_at(e, "its parents go round in a circle: " + " → ".join([*path, e.code]),
                                        "parent"))
                reported.update(path)
                break
            if current.parent in path:  # a cycle further up: reported from one of its members
                break
            current = by_code[current.parent]
            path.append(current.code)
    return problems


def _at(e: Entry, message: str, field_name: str | None = None) -> Problem:
    return Problem(message, line=e.line, item=e.item, field=field_name)


def number_siblings(entries: Sequence[Entry]) -> tuple[Entry, ...]:
    """Positions 1, 2, … among siblings, in (given position, file order)."""
    order = sorted(range(len(entries)), key=lambda n: (entries[n].parent or "", entries[n].position, n))
    out = list(entries)
    counts: dict[str | None, int] = {}
    for n in order:
        counts[entries[n].parent] = counts.get(entries[n].parent, 0) + 1
        out[n] = replace(entries[n], position=counts[entries[n].parent])
    return tuple(out)


# --- CSV -----------------------------------------------------------------------------------------
def read_csv(text: str, *, kind: str | None = None, name: str | None = None, require_url: bool = True) -> Reading:
    """One framework per file; the header row names the columns (any order, any case).

    ``kind`` and ``name`` are defaults for a file without (or with empty) ``kind`` /
    ``framework`` cells; ``description`` and ``parent`` are optional, and so is ``url`` when
    ``require_url`` is false (a school's own framework)."""
    if not isinstance(text, str):
        raise ModelError("competency CSV must be text", field="text")
    if text.startswith("\ufeff"):
        text = text[1:]  # spreadsheet exports often start with a BOM
    default_kind = normalize_kind(kind) if kind is not None else None
    if kind is not None and default_kind is None:
        raise ModelError(f"kind {kind!r} is not one of {', '.join(KINDS)}", field="kind")
    reader = csv.DictReader(io.StringIO(text))
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    optional = ({"description"} | ({"kind"} if default_kind else set()) | ({"framework"} if name else set())
                | (set() if require_url else {"url"}))
    missing = [c for c in CSV_COLUMNS if c not in header and c not in optional]
    if missing:
        return Reading(name=name or "", entries=(), source="csv", problems=(
            Problem(f"is missing column(s): {', '.join(missing)}", field="header"),))
    reader.fieldnames = header
    entries: list[Entry] = []
    problems: list[Problem] = []
    framework: str | None = None
    codes: set[str] = set()
    for line, row in enumerate(reader, start=2):
        if None in row:
            problems.append(Problem("more cells than columns", line=line))
            continue
        values = {k: (v or "").strip() for k, v in row.items()}
        if not any(values.values()):
            continue
        values["framework"] = values.get("framework") or (name or "")
        values["kind"] = values.get("kind") or (default_kind or "")
        required = ("framework", "code", "name", "kind") + (("url",) if require_url else ())
        empty = [c for c in required if not values.get(c)]
        if empty:
            problems.extend(Problem(f"{c} is empty", line=line, field=c) for c in empty)
            continue
        if framework is None:
            framework = values["framework"]
        elif values["framework"] != framework:
            problems.append(Problem(f"framework {values['framework']!r} differs from {framework!r} "
                                    "(one framework per file)", line=line, field="framework"))
            continue
        row_kind = normalize_kind(values["kind"])
        if row_kind is None:
            problems.append(Problem(f"kind {values['kind']!r} is not one of {', '.join(KINDS)}", line=line,
                                    field="kind"))
            continue
        url = values.get("url", "")
        if url and not is_absolute_uri(url):
            problems.append(Problem(f"url {url!r} is not an absolute URL", line=line, field="url"))
            continue
        code = values["code"]
        if code in codes:
            problems.append(Problem(f"code {code!r} appears twice", line=line, field="code"))
            continue
        codes.add(code)
        parent = values.get("parent") or None
        if parent == code:
            problems.append(Problem(f"competency {code!r} cannot be its own parent", line=line, field="parent"))
            continue
        entries.append(Entry(code=code, name=values["name"], kind=row_kind, description=values.get("description", ""),
                             url=url, parent=parent, position=len(entries), line=line))
    if not entries and not problems:
        problems.append(Problem("has no rows", field="rows"))
    problems.extend(tree_problems(entries))
    problems.sort(key=lambda p: p.line or 0)
    return Reading(name=framework or name or "", entries=number_siblings(entries), problems=tuple(problems),
                   source="csv")


def parse_csv(text: str, *, kind: str | None = None, name: str | None = None) -> Framework:
    return read_csv(text, kind=kind, name=name).framework()


# --- CASE ----------------------------------------------------------------------------------------
class _Bad(Exception):
    def __init__(self, message: str, key: str) -> None:
        super().__init__(message)
        self.message, self.key = message, key


@overload
def _text(obj: Mapping[str, Any], key: str, *, required: Literal[True] = True) -> str: ...
@overload
def _text(obj: Mapping[str, Any], key: str, *, required: bool) -> str | None: ...
def _text(obj: Mapping[str, Any], key: str, *, required: bool = True) -> str | None:
    value = obj.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise _Bad(f"{key} is missing", key)
        return None
    if not isinstance(value, str):
        raise _Bad(f"{key} must be a string", key)
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


def _fatal(message: str, key: str) -> Reading:
    return Reading(name="", entries=(), source="case", problems=(Problem(message, field=key),))


def _node_ref(value: Any) -> tuple[str | None, str | None]:
    """(identifier, uri) of a CASE LinkURI / LinkGenURI object (or a bare URI string)."""
    if isinstance(value, str):
        return None, value
    if not isinstance(value, Mapping):
        return None, None
    ident, uri = value.get("identifier"), value.get("uri")
    return (ident if isinstance(ident, str) and ident else None), (uri if isinstance(uri, str) and uri else None)


def _sequence(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def read_case(package: Mapping[str, Any] | str | bytes, *, kind: str | None = None) -> Reading:
    """A CASE CFPackage (parsed, or its JSON text) read whole.

    Each item's kind comes from its CFItemType when that names one of ours (e.g. "Habit of
    Work", "ELO"), else from the ``kind`` hint, else "academic". Its code is its
    humanCodingScheme (else its identifier), its name the abbreviatedStatement (else the
    fullStatement). ``isChildOf`` associations (origin: the child, destination: its parent, an
    item or the CFDocument) give each item its parent; their ``sequenceNumber`` its order."""
    loaded: object = package
    if isinstance(loaded, (str, bytes)):
        try:
            loaded = json.loads(loaded)
        except ValueError as exc:
            return _fatal(f"package is not JSON: {exc}", "package")
    if not isinstance(loaded, Mapping):
        return _fatal("package must be a JSON object", "package")
    pkg: Mapping[str, Any] = loaded
    if isinstance(pkg.get("CFPackage"), Mapping) and "CFDocument" not in pkg:
        pkg = pkg["CFPackage"]  # some servers wrap the package
    hint = "academic" if kind is None else normalize_kind(kind)
    if hint is None:
        raise ModelError(f"kind {kind!r} is not one of {', '.join(KINDS)}", field="kind")
    doc = pkg.get("CFDocument")
    if not isinstance(doc, Mapping):
        return _fatal("package has no CFDocument object: is this a CASE CFPackage?", "CFDocument")
    try:
        title = _text(doc, "title")
        doc_uri = _text(doc, "uri")
        doc_id = _text(doc, "identifier")
        if not is_absolute_uri(doc_uri):
            raise _Bad(f"uri {doc_uri!r} is not an absolute URI", "uri")
        official = _text(doc, "officialSourceURL", required=False)
        version = _text(doc, "version", required=False)
    except _Bad as bad:
        return _fatal(f"CFDocument: {bad.message}", f"CFDocument.{bad.key}")
    items = pkg.get("CFItems")
    if not isinstance(items, list) or not items:
        return _fatal("package has no CFItems list", "CFItems")
    problems: list[Problem] = []
    found: list[tuple[int, str, Entry]] = []  # (index, identifier, entry without parent)
    by_id: dict[str, int] = {}
    by_uri: dict[str, str] = {}
    codes: dict[str, str] = {}
    for i, item in enumerate(items):
        if not isinstance(item, Mapping):
            problems.append(Problem("is not an object", index=i, field=f"CFItems[{i}]"))
            continue
        raw_id = item.get("identifier")
        label = raw_id if isinstance(raw_id, str) and raw_id.strip() else None
        try:
            identifier = _text(item, "identifier")
            uri = _text(item, "uri")
            statement = _text(item, "fullStatement")
            if not is_absolute_uri(uri):
                raise _Bad(f"uri {uri!r} is not an absolute URI", "uri")
            if identifier in by_id:
                raise _Bad(f"identifier {identifier!r} appears twice", "identifier")
            code = _text(item, "humanCodingScheme", required=False) or identifier
            name = _text(item, "abbreviatedStatement", required=False) or statement
            if code in codes:
                raise _Bad(f"humanCodingScheme {code!r} is also the code of item {codes[code]!r}", "humanCodingScheme")
        except _Bad as bad:
            problems.append(Problem(bad.message, item=label, index=i, field=f"CFItems[{i}].{bad.key}"))
            continue
        item_kind = normalize_kind(_item_type(item)) if _item_type(item) else None
        # "Competency"/"Standard" map to academic in the alias table, but a hint should win over them.
        if item_kind == "academic" or item_kind is None:
            item_kind = hint
        by_id[identifier] = len(found)
        by_uri[uri] = identifier
        codes[code] = identifier
        found.append((i, identifier, Entry(code=code, name=name, kind=item_kind, description=statement, url=uri,
                                           position=_UNSEQUENCED + i, item=identifier)))
    parents: dict[str, tuple[str | None, int]] = {}  # child identifier → (parent identifier | None, position)
    associations = pkg.get("CFAssociations", [])
    if associations is None:
        associations = []
    if not isinstance(associations, list):
        problems.append(Problem("CFAssociations must be a list", field="CFAssociations"))
        associations = []
    for j, assoc in enumerate(associations):
        if not isinstance(assoc, Mapping) or assoc.get("associationType") != "isChildOf":
            continue  # precedes, isRelatedTo, exactMatchOf… say nothing about the tree
        a_label = assoc.get("identifier") if isinstance(assoc.get("identifier"), str) else None
        o_id, o_uri = _node_ref(assoc.get("originNodeURI"))
        d_id, d_uri = _node_ref(assoc.get("destinationNodeURI"))
        child = o_id if o_id in by_id else by_uri.get(o_uri or "")
        if child is None:
            if o_id is None and o_uri is None:
                message = "isChildOf has no originNodeURI"
            else:
                message = f"isChildOf names a child {o_id or o_uri!r} that is not one of the CFItems"
            problems.append(Problem(message, item=a_label, index=j, list_name="CFAssociations",
                                    field=f"CFAssociations[{j}].originNodeURI"))
            continue
        if (d_id is not None and d_id == doc_id) or (d_uri is not None and d_uri == doc_uri):
            parent: str | None = None
        else:
            parent = d_id if d_id in by_id else by_uri.get(d_uri or "")
            if parent is None:
                problems.append(Problem(
                    f"its parent {d_id or d_uri or '(none)'!r} (isChildOf association {a_label or j}) is neither the "
                    "CFDocument nor one of the CFItems", item=child, index=found[by_id[child]][0],
                    field=f"CFAssociations[{j}].destinationNodeURI"))
                continue
        sequence = _sequence(assoc.get("sequenceNumber"))
        position = sequence if sequence is not None else _UNSEQUENCED + found[by_id[child]][0]
        if child in parents:
            if parents[child][0] != parent:
                first = parents[child][0]
                problems.append(Problem(
                    f"it is the child of two parents ({_code_of(found, by_id, first)!r} and "
                    f"{_code_of(found, by_id, parent)!r}); a framework here is a tree, so keep one isChildOf",
                    item=child, index=found[by_id[child]][0], field=f"CFAssociations[{j}]"))
            continue
        parents[child] = (parent, position)
    entries = []
    for _, identifier, entry in found:
        parent_id, position = parents.get(identifier, (None, entry.position))
        entries.append(replace(entry, parent=None if parent_id is None else found[by_id[parent_id]][2].code,
                               position=position))
    for p in tree_problems(entries):
        problems.append(replace(p, index=found[by_id[p.item]][0] if p.item in by_id else None))
    problems.sort(key=lambda p: (p.list_name != "CFItems", p.index if p.index is not None else -1))
    return Reading(name=title, entries=number_siblings(entries), problems=tuple(problems), source="case", id=doc_uri,
                   identifier=doc_id, url=official, version=version)


def _code_of(found: list[tuple[int, str, Entry]], by_id: dict[str, int], identifier: str | None) -> str:
    return "the CFDocument" if identifier is None else found[by_id[identifier]][2].code


def parse_case(package: Mapping[str, Any] | str | bytes, *, kind: str | None = None) -> Framework:
    """CASE package (parsed, or its JSON text) → Framework of CFItem competencies (see ``read_case``)."""
    return read_case(package, kind=kind).framework()


__all__ = ["CSV_COLUMNS", "CSV_OPTIONAL", "KINDS", "Branch", "Competency", "Entry", "Framework", "Problem",
           "Reading", "build_tree", "normalize_kind", "number_siblings", "parse_case", "parse_csv", "read_case",
           "read_csv", "to_alignment", "tree_problems"]
