"""RDFC-1.0 (URDNA2015) N-Quads for JSON-LD credentials, byte-identical to pyld but fast.

Stock pyld re-processes every (type-scoped, @protected) context on every call: its processed-context
cache is keyed by per-call `_uuid`s, and each embedded context object is JCS-canonicalized to find
it. Credentials use a handful of pinned contexts, so this module

1. memoizes processed contexts by the *identity* of the frozen parent context and of the pinned
   local context (the loader's documents are copied once and kept, so ids are never reused);
2. expands the common compact shape (node objects, @id/@type, scalars, arrays, type- and
   property-scoped contexts) straight into quads, and
3. runs RDFC-1.0 itself when every blank node has a unique first-degree hash.

Anything else (lists, @graph containers such as embedded proofs, language maps, value objects,
@reverse, @nest, embedded contexts, relative IRIs, blank nodes needing N-degree hashing, errors)
falls back to pyld's own algorithms, still with the context memo. tests/badges/test_processor.py
proves byte-identity against stock `pyld.jsonld.normalize`.

Contract: the loader is deterministic (a pinned allow-list, e.g. `badges.jsonld.load_document`);
a URL it refuses is never cached, so it raises again on every call.
"""
from __future__ import annotations

import copy
import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from frozendict import frozendict
from pyld.canon import URDNA2015
from pyld.context_resolver import ContextResolver
from pyld.jsonld import (
    KEYWORDS,
    RDF_TYPE,
    XSD_BOOLEAN,
    XSD_DOUBLE,
    XSD_INTEGER,
    XSD_STRING,
    JsonLdError,
    JsonLdProcessor,
    _canonicalize_double,
)
from pyld.nquads import escape

__all__ = ["to_nquads", "expand", "processor_for"]

Loader = Callable[[str, dict], dict]

_KEYWORDS = frozenset(KEYWORDS)
# pyld's own absolute-IRI test (jsonld._is_absolute_iri); must match it exactly.
_ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+-.]*|_):[^\s]*$").match
_TYPE_IRI = "<" + RDF_TYPE + ">"
_NODE_KEYWORDS = frozenset(("@id", "@type"))
_PLAIN_CONTAINERS = (None, "@set", ["@set"], ("@set",))
_LIST_CONTAINERS = (["@list"],)
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_FIRST, _REST, _NIL = "<" + _RDF + "first>", "<" + _RDF + "rest>", "<" + _RDF + "nil>"
_GRAPH_CONTAINERS = ("@graph", ["@graph"], ["@graph", "@set"], ["@set", "@graph"])
_MAX_CONTEXTS = 1024
_MAX_TERMS_PER_CONTEXT = 4096
_MAX_PROCESSORS = 8


class _Fallback(Exception):
    """The document leaves the fast path; pyld's algorithms decide (and raise, if invalid)."""


class _Memo:
    """Bounded, thread-safe map. Reads are plain dict reads (atomic); a full map is cleared,
    which can only cost speed, never change a result, because every cached value is a pure
    function of its key."""

    __slots__ = ("_data", "_lock", "_max")

    def __init__(self, maxsize: int) -> None:
        self._data: dict = {}
        self._lock = threading.Lock()
        self._max = maxsize

    def get(self, key):
        return self._data.get(key)

    def put(self, key, value):
        with self._lock:
            if len(self._data) >= self._max:
                self._data.clear()
            return self._data.setdefault(key, value)


class _LockedCache:
    """Thread-safe stand-in for pyld's global (unlocked) cachetools LRU of resolved contexts."""

    def __init__(self, maxsize: int = 256) -> None:
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self._max = maxsize

    def get(self, key, default=None):
        with self._lock:
            return self._data.get(key, default)

    def __getitem__(self, key):
        with self._lock:
            return self._data[key]

    def __setitem__(self, key, value):
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self._max:
                self._data.popitem(last=False)

    def __contains__(self, key):
        with self._lock:
            return key in self._data


class MemoProcessor(JsonLdProcessor):
    """A JsonLdProcessor bound to one pinned loader, with identity-keyed context memos."""

    def __init__(self, loader: Loader) -> None:
        super().__init__()
        self._loader = loader
        self._documents: dict[str, dict] = {}
        self._pinned: set[int] = set()
        self._doc_lock = threading.Lock()
        self._contexts = _Memo(_MAX_CONTEXTS * 4)
        self._terms = _Memo(_MAX_CONTEXTS)
        self._resolved = _LockedCache()

    # -- loading ---------------------------------------------------------------------------
    def _load(self, url: str, options: dict | None = None) -> dict:
        remote = self._documents.get(url)
        if remote is not None:
            return remote
        # Errors propagate uncached: an unknown context raises on every call.
        loaded = self._loader(url, options or {})
        # Private deep copy: nobody else can mutate what our identity keys point into.
        remote = dict(loaded)
        remote["document"] = copy.deepcopy(loaded["document"])
        with self._doc_lock:
            if url not in self._documents:
                self._documents[url] = remote
                self._pin(remote["document"])
            return self._documents[url]

    def _pin(self, value: Any) -> None:
        if isinstance(value, dict):
            self._pinned.add(id(value))
            for item in value.values():
                self._pin(item)
        elif isinstance(value, list):
            self._pinned.add(id(value))
            for item in value:
                self._pin(item)

    def options(self) -> dict:
        return {
            "documentLoader": self._load,
            "contextResolver": ContextResolver(self._resolved, self._load),
            "base": "",
            "processingMode": "json-ld-1.1",
        }

    # -- memoized context processing -------------------------------------------------------
    def _local_key(self, local_ctx):
        if isinstance(local_ctx, str):
            return local_ctx
        if isinstance(local_ctx, list):
            if all(isinstance(c, str) for c in local_ctx):
                return tuple(local_ctx)
        if isinstance(local_ctx, (dict, list)) and id(local_ctx) in self._pinned:
            return ("#pinned", id(local_ctx))
        return None

    def _process_context(
        self,
        active_ctx,
        local_ctx,
        options,
        override_protected=False,
        propagate=True,
        validate_scoped=True,
        cycles=None,
    ):
        local_key = None
        if type(active_ctx) is frozendict and not cycles:
            local_key = self._local_key(local_ctx)
        if local_key is None:
            return super()._process_context(
                active_ctx, local_ctx, options, override_protected, propagate, validate_scoped, cycles
            )
        key = (
            id(active_ctx),
            local_key,
            override_protected,
            propagate,
            validate_scoped,
            options.get("base", ""),
            options.get("processingMode"),
            options.get("documentLoader") is self._load,
        )
        hit = self._contexts.get(key)
        if hit is not None and hit[0] is active_ctx:
            return hit[2]
        result = super()._process_context(
            active_ctx, local_ctx, options, override_protected, propagate, validate_scoped, cycles
        )
        if type(result) is frozendict:
            # Holding active_ctx and local_ctx keeps their ids from being reused.
            self._contexts.put(key, (active_ctx, local_ctx, result))
        return result

    def _expand_iri(self, active_ctx, value, base=None, vocab=False, local_ctx=None, defined=None):
        if not vocab or local_ctx is not None or type(active_ctx) is not frozendict:
            return super()._expand_iri(active_ctx, value, base, vocab, local_ctx, defined)
        terms = self._term_table(active_ctx)
        key = (value, base)
        try:
            return terms[key]
        except KeyError:
            pass
        except TypeError:  # unhashable value: let pyld complain
            return super()._expand_iri(active_ctx, value, base, vocab, local_ctx, defined)
        result = super()._expand_iri(active_ctx, value, base, vocab)
        if len(terms) < _MAX_TERMS_PER_CONTEXT:
            terms[key] = result
        return result

    def _term_table(self, ctx) -> dict:
        entry = self._terms.get(id(ctx))
        if entry is None or entry[0] is not ctx:
            entry = self._terms.put(id(ctx), (ctx, {}))
            if entry[0] is not ctx:  # raced with a dead context's id: use a private table
                return {}
        return entry[1]

    # -- public operations -------------------------------------------------------------------
    def normalize_nquads(self, doc) -> str:
        opts = self.options()
        opts.update(algorithm="URDNA2015", format="application/n-quads")
        return self.normalize(doc, opts)

    def expand_doc(self, doc) -> list:
        return self.expand(doc, self.options())

    def to_nquads(self, doc) -> str:
        try:
            quads = _Expander(self).run(doc)
            return _rdfc10(quads)
        except _Fallback:
            return self.normalize_nquads(doc)


class _Expander:
    """JSON-LD 1.1 expansion + node map + toRDF for the common compact shape, fused.

    Mirrors pyld's `_expand`/`_expand_object`/`_expand_value`/`_create_node_map`/`_object_to_rdf`
    step for step (same contexts, same key order, same value equality for de-duplication) and
    raises _Fallback at the first construct it does not handle."""

    __slots__ = ("p", "opts", "quads", "seen", "bnodes", "labels")

    def __init__(self, processor: MemoProcessor) -> None:
        self.p = processor
        self.opts = processor.options()
        self.quads: list[tuple[str, str, str, str | None]] = []
        self.seen: set = set()
        self.bnodes = 0
        self.labels: dict[str, str] = {}

    def run(self, doc) -> list[tuple[str, str, str, str | None]]:
        if not isinstance(doc, dict):
            raise _Fallback
        local = doc.get("@context")
        p = self.p
        ctx = p._get_initial_context(self.opts)
        if local is not None:
            if isinstance(local, str):
                local = [local]
            if not isinstance(local, list) or not all(isinstance(c, str) for c in local):
                raise _Fallback
            try:
                ctx = p._process_context(ctx, local, self.opts)
            except JsonLdError as exc:
                raise _Fallback from exc
        self.node(ctx, None, doc, top=True)
        return self.quads

    # -- helpers -----------------------------------------------------------------------------
    def term(self, ctx, key):
        return self.p._expand_iri(ctx, key, vocab=True)

    def process(self, ctx, local, **flags):
        try:
            result = self.p._process_context(ctx, local, self.opts, **flags)
        except JsonLdError as exc:
            raise _Fallback from exc
        if type(result) is not frozendict:
            raise _Fallback
        return result

    def blank(self) -> str:
        self.bnodes += 1
        return "_:b%d" % self.bnodes

    def iri_term(self, iri) -> str:
        if not isinstance(iri, str):
            raise _Fallback
        if iri.startswith("_:"):
            label = self.labels.get(iri)
            if label is None:
                label = self.labels[iri] = "_:d%d" % len(self.labels)
            return label
        if not _ABSOLUTE_IRI(iri):
            raise _Fallback  # pyld silently drops relative IRIs; let it
        return "<" + iri + ">"

    def emit(self, s: str, scope: str, p: str, key, o: str, g: str | None) -> None:
        # pyld's node map de-duplicates (graph, subject, property, value) by JSON-LD value
        # equality (compare_values), not by the RDF term, and keeps the first value.
        k = (g, s, scope, key)
        if k in self.seen:
            return
        self.seen.add(k)
        self.quads.append((s, p, o, g))

    # -- expansion -----------------------------------------------------------------------------
    def node(self, active_ctx, active_property, element: dict, g=None, top=False) -> str:
        """Expand a node object, emit its quads into graph `g`, return its subject term."""
        term = self.term
        mappings = active_ctx["mappings"]
        property_scoped = None
        if active_property is not None:
            m = mappings.get(active_property)
            if m is not None:
                property_scoped = m.get("@context")
        type_scoped = active_ctx if active_ctx.get("previousContext") else None
        must_revert = True
        if type_scoped is not None and len(element) <= 2 and "@context" not in element:
            for key in sorted(element):
                expanded = term(type_scoped, key)
                if expanded == "@value":
                    raise _Fallback
                if expanded == "@id" and len(element) == 1:
                    must_revert = False
                    break
        if must_revert:
            active_ctx = active_ctx.get("previousContext", active_ctx)
        if property_scoped is not None:
            active_ctx = self.process(active_ctx, property_scoped, override_protected=True)

        # _prepare_nested_context: an embedded context (e.g. a nested credential's), then
        # type-scoped contexts, looked up in the context before any of them applied.
        if "@context" in element and not top:
            local = element["@context"]
            if isinstance(local, str):
                local = [local]
            if not isinstance(local, list) or not all(isinstance(c, str) for c in local):
                raise _Fallback
            active_ctx = self.process(active_ctx, local)
        type_ctx = active_ctx
        keys = sorted(element)
        type_values: list = []
        for key in keys:
            if term(active_ctx, key) != "@type":
                continue
            value = element[key]
            if isinstance(value, str):
                value = [value]
            elif not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise _Fallback
            type_values.extend(value)
            for t in sorted(value):
                m = type_ctx["mappings"].get(t)
                scoped = m.get("@context") if m is not None else None
                if scoped is not None and scoped is not False:
                    active_ctx = self.process(active_ctx, scoped, propagate=False)

        # _expand_object, pass 1: classify keys against the final active context.
        node_id = None
        props = []
        for key in keys:
            if key == "@context":
                continue
            expanded = term(active_ctx, key)
            if expanded is None:
                continue
            if expanded in _KEYWORDS:
                if expanded == "@id":
                    if node_id is not None:
                        raise _Fallback  # colliding keywords: pyld raises
                    value = element[key]
                    if not isinstance(value, str):
                        raise _Fallback
                    node_id = self.p._expand_iri(active_ctx, value, base="")
                elif expanded != "@type":
                    raise _Fallback
                continue
            if not _ABSOLUTE_IRI(expanded):
                continue  # dropped property (pyld's on_property_dropped)
            if expanded.startswith("_:"):
                raise _Fallback  # blank-node predicate: pyld drops it
            props.append((key, expanded))

        if node_id is None:
            subject = self.blank()
        else:
            subject = self.iri_term(node_id)

        for t in type_values:
            expanded = self.p._expand_iri(type_ctx, t, vocab=True, base="")
            if expanded is None:
                raise _Fallback
            self.emit(subject, "@type", _TYPE_IRI, ("T", expanded), self.iri_term(expanded), g)

        for key, expanded in props:
            self.property(active_ctx, subject, key, expanded, element[key], g)
        return subject

    def property(self, active_ctx, subject, key, expanded, value, g) -> None:
        m = active_ctx["mappings"].get(key)
        term_ctx = active_ctx
        graph = False
        if m is not None:
            scoped = m.get("@context")
            if scoped is not None:
                term_ctx = self.process(active_ctx, scoped, propagate=True, override_protected=True)
            container = m.get("@container")
            if container in _GRAPH_CONTAINERS:
                graph = True
            elif container == ["@list"]:
                graph = None
            elif container not in _PLAIN_CONTAINERS:
                raise _Fallback
            if m.get("@type") == "@json" or m.get("reverse"):
                raise _Fallback
        tm = term_ctx["mappings"].get(key)
        if tm is not None and (
            tm.get("reverse")
            or tm.get("@container")
            not in (_GRAPH_CONTAINERS if graph else _LIST_CONTAINERS if graph is None else _PLAIN_CONTAINERS)
        ):
            raise _Fallback
        p = "<" + expanded + ">"
        if graph is None:
            self.list(term_ctx, subject, key, expanded, p, value, g)
        elif graph:
            self.graphs(term_ctx, subject, key, expanded, p, value, g)
        else:
            self.values(term_ctx, subject, key, expanded, p, value, g)

    def graphs(self, ctx, subject, key, expanded, p, value, g) -> None:
        # A @graph container wraps each expanded value in its own blank-node named graph
        # (embedded proofs and credentials); only node objects stay on the fast path.
        if value is None:
            return
        if isinstance(value, list):
            for item in value:
                self.graphs(ctx, subject, key, expanded, p, item, g)
            return
        if not isinstance(value, dict):
            raise _Fallback
        name = self.blank()
        self.node(ctx, key, value, name)
        self.emit(subject, expanded, p, ("R", name), name, g)

    def values(self, ctx, subject, key, expanded, p, value, g) -> None:
        if value is None:
            return
        if isinstance(value, list):
            for item in value:
                self.values(ctx, subject, key, expanded, p, item, g)
            return
        if isinstance(value, dict):
            child = self.node(ctx, key, value, g)
            self.emit(subject, expanded, p, ("R", child), child, g)
            return
        dedupe, o = self.scalar(ctx, key, expanded, value)
        self.emit(subject, expanded, p, dedupe, o, g)

    def list(self, ctx, subject, key, expanded, p, value, g) -> None:
        # An @list container: an rdf:first/rdf:rest chain of fresh blank nodes. pyld's node map
        # never de-duplicates lists, so the reference gets a key of its own.
        if value is None:
            return
        objects = []
        for item in value if isinstance(value, list) else [value]:
            if item is None:
                continue
            if isinstance(item, list):
                raise _Fallback  # list of lists
            if isinstance(item, dict):
                objects.append(self.node(ctx, key, item, g))
            else:
                objects.append(self.scalar(ctx, key, expanded, item)[1])
        if not objects:
            self.emit(subject, expanded, p, ("LIST", self.blank()), _NIL, g)
            return
        heads = [self.blank() for _ in objects]
        self.emit(subject, expanded, p, ("LIST", heads[0]), heads[0], g)
        for i, (head, o) in enumerate(zip(heads, objects)):
            self.quads.append((head, _FIRST, o, g))
            self.quads.append((head, _REST, heads[i + 1] if i + 1 < len(heads) else _NIL, g))

    def scalar(self, ctx, key, expanded, value) -> tuple[tuple, str]:
        """(value-equality key, RDF term) of a scalar: _expand_value then _object_to_rdf."""
        if self.term(ctx, key) != expanded:
            raise _Fallback
        m = ctx["mappings"].get(key)
        type_ = m.get("@type") if m is not None else None
        if isinstance(value, str):
            if type_ == "@id" or type_ == "@vocab":
                iri = self.p._expand_iri(ctx, value, base="", vocab=type_ == "@vocab")
                o = self.iri_term(iri)
                return ("R", o), o
            language = ctx.get("@language")
            direction = ctx.get("@direction")
            if m is not None:
                language = m.get("@language", language)
                direction = m.get("@direction", direction)
            if type_ in (None, "@id", "@vocab", "@none") and (language is not None or direction is not None):
                raise _Fallback
        elif not isinstance(value, (bool, int, float)):
            raise _Fallback
        datatype = type_ if type_ not in (None, "@id", "@vocab", "@none") else None
        if datatype is not None and (datatype in _KEYWORDS or not isinstance(datatype, str)):
            raise _Fallback
        # _object_to_rdf
        if isinstance(value, bool):
            lexical, dt = ("true" if value else "false"), datatype or XSD_BOOLEAN
        elif isinstance(value, float) and not value.is_integer():
            if value != value or value in (float("inf"), float("-inf")):
                raise _Fallback
            lexical, dt = _canonicalize_double(value), datatype or XSD_DOUBLE
        elif datatype == XSD_DOUBLE:
            try:
                lexical = _canonicalize_double(float(value))
            except (ValueError, TypeError, OverflowError):
                raise _Fallback from None
            dt = XSD_DOUBLE
        elif isinstance(value, (int, float)):
            if abs(value) >= 1e21:
                lexical, dt = _canonicalize_double(value), datatype or XSD_DOUBLE
            else:
                lexical, dt = str(int(value)), datatype or XSD_INTEGER
        else:
            lexical, dt = value, datatype or XSD_STRING
        if dt == XSD_STRING:
            o = '"' + escape(lexical) + '"'
        else:
            o = '"' + escape(lexical) + '"^^<' + dt + ">"
        return ("L", type(value) is bool, value, datatype), o


def _line(s: str, p: str, o: str, g: str | None) -> str:
    if g is None:
        return "%s %s %s .\n" % (s, p, o)
    return "%s %s %s %s .\n" % (s, p, o, g)


def _rdfc10(quads: list[tuple[str, str, str, str | None]]) -> str:
    """RDFC-1.0 for a dataset whose blank nodes all have unique first-degree hashes (the usual
    case for credentials); anything needing Hash N-Degree Quads raises _Fallback."""
    mentions: dict[str, list] = {}
    for q in quads:
        s, _, o, g = q
        # pyld lists a quad once per blank-node position (subject, object, graph name).
        if s[0] == "_":
            mentions.setdefault(s, []).append(q)
        if o[0] == "_":
            mentions.setdefault(o, []).append(q)
        if g is not None:
            mentions.setdefault(g, []).append(q)
    if not mentions:
        return "".join(sorted([_line(*q) for q in quads]))
    by_hash: dict[str, str] = {}
    for bnode, qs in mentions.items():
        lines = []
        for s, p, o, g in qs:
            if s[0] == "_":
                s = "_:a" if s == bnode else "_:z"
            if o[0] == "_":
                o = "_:a" if o == bnode else "_:z"
            if g is not None:
                g = "_:a" if g == bnode else "_:z"
            lines.append(_line(s, p, o, g))
        lines.sort()
        digest = hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()
        if digest in by_hash:
            raise _Fallback  # needs Hash N-Degree Quads
        by_hash[digest] = bnode
    canonical = {by_hash[h]: "_:c14n%d" % i for i, h in enumerate(sorted(by_hash))}
    out = []
    for s, p, o, g in quads:
        if s[0] == "_":
            s = canonical[s]
        if o[0] == "_":
            o = canonical[o]
        if g is not None:
            g = canonical[g]
        out.append(_line(s, p, o, g))
    out.sort()
    return "".join(out)


_processors: OrderedDict = OrderedDict()
_processors_lock = threading.Lock()


def processor_for(loader: Loader) -> MemoProcessor:
    """The memoizing processor bound to `loader` (a few are kept, most recently used first)."""
    with _processors_lock:
        proc = _processors.get(loader)
        if proc is None:
            proc = _processors[loader] = MemoProcessor(loader)
            while len(_processors) > _MAX_PROCESSORS:
                _processors.popitem(last=False)
        else:
            _processors.move_to_end(loader)
        return proc


def to_nquads(doc: dict, *, loader: Loader) -> str:
    """RDFC-1.0 canonical N-Quads of `doc`, byte-identical to
    `pyld.jsonld.normalize(doc, {"algorithm": "URDNA2015", "format": "application/n-quads",
    "documentLoader": loader})`, and raising the same JsonLdError for documents pyld rejects."""
    return processor_for(loader).to_nquads(doc)


def expand(doc: dict, *, loader: Loader) -> list:
    """`pyld.jsonld.expand(doc, {"documentLoader": loader})` with memoized contexts."""
    return processor_for(loader).expand_doc(doc)


# URDNA2015 is re-exported for callers that want pyld's general algorithm on a parsed dataset.
URDNA2015 = URDNA2015
