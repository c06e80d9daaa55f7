"""RDFC-1.0 (URDNA2015) N-Quads for JSON-LD credentials: byte-identical to pyld, ~20x faster.

Stock pyld processes every (type-scoped, @protected) context again on every call. Its
processed-context cache is keyed by per-call `_uuid`s, and it JCS-canonicalizes each embedded
context object to look it up. Credentials use a handful of pinned contexts, so this module

1. memoizes processed contexts by the *identity* of the frozen parent context and of the local
   context (URL strings, or objects inside the loader's documents, which are copied once and kept
   so that their ids are never reused), and the term expansions of each context;
2. expands the usual compact shapes straight into quads: node objects, @id/@type, scalars, arrays,
   @set/@list/@graph containers (embedded proofs and credentials), and property-, type- and
   embedded-URL-scoped contexts; it follows pyld's _expand, _create_node_map and _object_to_rdf
   step for step;
3. runs RDFC-1.0 itself. When blank nodes share a first-degree hash, it hands them to pyld's own
   Hash N-Degree Quads.

Anything else falls back to pyld's own algorithms, still with the memoized contexts: value objects,
language maps, @reverse, @nest, @json, inline context objects, relative IRIs and errors.
tests/badges/test_processor.py shows the output is byte-identical to stock
`pyld.jsonld.normalize`.

Contract: the loader is deterministic (a pinned allow-list such as `badges.jsonld.load_document`).
A URL it refuses is never cached, so it raises again on every call.
"""
from __future__ import annotations

import copy
import hashlib
import re
import threading
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeAlias, TypeVar

from cachetools import LRUCache
from frozendict import frozendict
from pyld.canon import URDNA2015
from pyld.context_resolver import ContextResolver
from pyld.identifier_issuer import IdentifierIssuer
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

from badges.errors import CanonicalizationLimit
from badges.json_types import JsonObject

__all__ = ["to_nquads", "fully_defined", "checked_nquads", "checked_unsecured_nquads", "expand", "processor_for"]

Loader = Callable[[str, JsonObject], JsonObject]
# pyld's active context: a frozendict of pyld's own making (pyld is untyped).
_Context: TypeAlias = Any
# _Compiled.info: (expanded IRI, scoped context, container kind, @type, strings need pyld, datatype, role).
_Facts: TypeAlias = tuple[Any, ...]
_Quad: TypeAlias = tuple[str, str, str, str | None]
_K = TypeVar("_K", bound=Hashable)
_V = TypeVar("_V")

_KEYWORDS = frozenset(KEYWORDS)
# pyld's own absolute-IRI test (jsonld._is_absolute_iri); must match it exactly.
_ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+-.]*|_):[^\s]*$").match
_TYPE_IRI = "<" + RDF_TYPE + ">"
_PLAIN_CONTAINERS = (None, "@set", ["@set"], ("@set",))
_LIST_CONTAINERS = (["@list"],)
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_FIRST, _REST, _NIL = "<" + _RDF + "first>", "<" + _RDF + "rest>", "<" + _RDF + "nil>"
_GRAPH_CONTAINERS = ("@graph", ["@graph"], ["@graph", "@set"], ["@set", "@graph"])
_MAX_CONTEXTS = 1024
_MAX_TERMS_PER_CONTEXT = 4096
_MAX_PROCESSORS = 8
# Hash N-Degree Quads steps (calls plus permutations tried) one canonicalization may take. Real
# credentials need none or a handful; a crafted graph of look-alike blank nodes needs factorially
# many, and this stops it in well under a second instead of keeping a CPU busy for minutes.
MAX_N_DEGREE_STEPS = 100_000
_PINNED = object()  # marks a memo key made from the identity of a loader-document object


class _Fallback(Exception):
    """The document leaves the fast path; pyld's algorithms decide (and raise, if invalid)."""


class _Memo(Generic[_K, _V]):
    """Bounded, thread-safe map. Reads are plain dict reads (atomic); a full map is cleared,
    which can only cost speed, never change a result, because every cached value is a pure
    function of its key."""

    __slots__ = ("_data", "_lock", "_max")

    def __init__(self, maxsize: int) -> None:
        self._data: dict[_K, _V] = {}
        self._lock = threading.Lock()
        self._max = maxsize

    def get(self, key: _K) -> _V | None:
        return self._data.get(key)

    def put(self, key: _K, value: _V) -> _V:
        with self._lock:
            if len(self._data) >= self._max:
                self._data.clear()
            return self._data.setdefault(key, value)


class _LockedCache:
    """Thread-safe stand-in for pyld's global (unlocked) cachetools LRU of resolved contexts."""

    def __init__(self, maxsize: int = 256) -> None:
        self._data: LRUCache[Any, Any] = LRUCache(maxsize)
        self._lock = threading.Lock()

    def get(self, key: Any, default: Any = None) -> Any:
        with self._lock:
            return self._data.get(key, default)

    def __getitem__(self, key: Any) -> Any:
        with self._lock:
            return self._data[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        with self._lock:
            self._data[key] = value

    def __contains__(self, key: Any) -> bool:
        with self._lock:
            return key in self._data


class MemoProcessor(JsonLdProcessor):
    """A JsonLdProcessor bound to one pinned loader, with identity-keyed context memos."""

    def __init__(self, loader: Loader) -> None:
        super().__init__()
        self._loader = loader
        self._documents: dict[str, JsonObject] = {}
        self._pinned: set[int] = set()
        self._doc_lock = threading.Lock()
        # (id(active context), local key, flags...) -> (active context, pinned local, result)
        self._contexts: _Memo[tuple[Any, ...], tuple[_Context, Any, _Context]] = _Memo(_MAX_CONTEXTS * 4)
        self._compiled: _Memo[int, _Compiled] = _Memo(_MAX_CONTEXTS)
        self._resolved = _LockedCache()

    # -- loading ---------------------------------------------------------------------------
    def _load(self, url: str, options: JsonObject | None = None) -> JsonObject:
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

    def options(self, base: str | None = "") -> JsonObject:
        return {
            "documentLoader": self._load,
            "contextResolver": ContextResolver(self._resolved, self._load),
            "base": base,
            "processingMode": "json-ld-1.1",
        }

    # -- memoized context processing -------------------------------------------------------
    def _local_key(self, local_ctx: Any) -> str | tuple[Any, ...] | None:
        if isinstance(local_ctx, str):
            return local_ctx
        if isinstance(local_ctx, list) and all(isinstance(c, str) for c in local_ctx):
            return tuple(local_ctx)
        if isinstance(local_ctx, (dict, list)) and id(local_ctx) in self._pinned:
            return (_PINNED, id(local_ctx))
        return None

    def _process_context(
        self,
        active_ctx: _Context,
        local_ctx: Any,
        options: JsonObject,
        override_protected: bool = False,
        propagate: bool = True,
        validate_scoped: bool = True,
        cycles: set[str] | None = None,
    ) -> _Context:
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
            # Holding active_ctx (and a pinned local_ctx) keeps their ids from being reused; URL
            # keys need no reference, so no caller's object is kept alive.
            pinned = local_ctx if isinstance(local_key, tuple) and local_key[:1] == (_PINNED,) else None
            self._contexts.put(key, (active_ctx, pinned, result))
        return result

    def _expand_iri(self, active_ctx: _Context, value: Any, base: str | None = None, vocab: bool = False,
                    local_ctx: Any = None, defined: JsonObject | None = None) -> Any:
        if not vocab or local_ctx is not None or type(active_ctx) is not frozendict:
            return super()._expand_iri(active_ctx, value, base, vocab, local_ctx, defined)
        terms = self.compiled(active_ctx).terms
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

    def compiled(self, ctx: _Context) -> _Compiled:
        """The per-context lookup tables of a frozen active context."""
        entry = self._compiled.get(id(ctx))
        if entry is None or entry.ctx is not ctx:
            entry = self._compiled.put(id(ctx), _Compiled(ctx))
            if entry.ctx is not ctx:  # cannot happen while the entry holds ctx; stay correct anyway
                return _Compiled(ctx)
        return entry

    # -- public operations -------------------------------------------------------------------
    def normalize_nquads(self, doc: Any, base: str | None = "") -> str:
        """pyld's ``normalize`` (to_rdf, then URDNA2015) with the work-limited canonicalizer."""
        opts = self.options(base)
        opts.update(algorithm="URDNA2015", format="application/n-quads")
        rdf_opts = {k: v for k, v in opts.items() if k != "format"}
        rdf_opts["produceGeneralizedRdf"] = False
        try:
            dataset = self.to_rdf(doc, rdf_opts)
        except JsonLdError as cause:  # pyld's wording, so callers see what pyld.normalize raises
            raise JsonLdError("Could not convert input to RDF dataset before normalization.",
                              "jsonld.NormalizeError") from cause
        nquads: str = _BoundedURDNA2015().main(dataset, opts)
        return nquads

    def expand_doc(self, doc: Any, base: str | None = "") -> list[Any]:
        expanded: list[Any] = self.expand(doc, self.options(base))
        return expanded

    def to_nquads(self, doc: Any, base: str | None = "") -> str:
        try:
            return _rdfc10(_Expander(self, base).run(doc))
        except CanonicalizationLimit:
            raise  # pyld would only do the same work again, without a limit
        except Exception:  # _Fallback, or input so odd that pyld must be the one to judge it
            return self.normalize_nquads(doc, base)


# Term facts the fast path needs, computed once per (frozen context, term): see _Compiled.info.
_PLAIN, _GRAPH, _LIST, _UNSUPPORTED = 0, 1, 2, -1


class _Compiled:
    """Lookup tables hung off one frozen active context (kept alive by `ctx`)."""

    __slots__ = ("ctx", "terms", "facts", "derived")

    def __init__(self, ctx: _Context) -> None:
        self.ctx = ctx
        # (value, base) -> pyld _expand_iri(ctx, value, base, vocab=True)
        self.terms: dict[tuple[Any, str | None], Any] = {}
        self.facts: dict[str, _Facts] = {}  # term -> _facts() tuple
        # (kind, local context key, base) -> (local context, _Compiled)
        self.derived: dict[tuple[str, tuple[str, ...] | int, str | None], tuple[Any, _Compiled]] = {}

    def info(self, processor: MemoProcessor, key: str) -> _Facts:
        facts = self.facts.get(key)
        if facts is None:
            facts = _facts(processor, self.ctx, key)
            if len(self.facts) < _MAX_TERMS_PER_CONTEXT:  # documents choose the keys: stay bounded
                self.facts[key] = facts
        return facts


def _facts(processor: MemoProcessor, ctx: _Context, key: str) -> _Facts:
    """(expanded IRI, scoped context, container kind, @type, strings need pyld, datatype, role)."""
    expanded = processor._expand_iri(ctx, key, vocab=True)
    m = ctx["mappings"].get(key)
    if m is None:
        scoped = container = type_ = None
        kind = _PLAIN
    else:
        scoped = m.get("@context")
        container = m.get("@container")
        type_ = m.get("@type")
        if type_ == "@json" or m.get("reverse"):
            kind = _UNSUPPORTED
        elif container in _PLAIN_CONTAINERS:
            kind = _PLAIN
        elif container in _GRAPH_CONTAINERS:
            kind = _GRAPH
        elif container in _LIST_CONTAINERS:
            kind = _LIST
        else:
            kind = _UNSUPPORTED
    # _expand_value: plain strings take the default (or the term's) language and direction.
    language, direction = ctx.get("@language"), ctx.get("@direction")
    if m is not None:
        language, direction = m.get("@language", language), m.get("@direction", direction)
    strings_need_pyld = type_ in (None, "@none") and (language is not None or direction is not None)
    datatype = type_ if type_ not in (None, "@id", "@vocab", "@none") else None
    if datatype is not None and (not isinstance(datatype, str) or datatype in _KEYWORDS):
        datatype = _UNSUPPORTED
    # What _expand_object does with the key: keyword, drop it (null mapping, or not an absolute
    # IRI: pyld's on_property_dropped), or use it as the predicate.
    if expanded is None:
        role = _DROP
    elif expanded in _KEYWORDS:
        role = _KEYWORD
    elif not _ABSOLUTE_IRI(expanded):
        role = _DROP
    elif expanded.startswith("_:"):
        role = _UNSUPPORTED  # a blank-node predicate: pyld leaves it out of the dataset
    else:
        role = "<" + expanded + ">"
    return expanded, scoped, kind, type_, strings_need_pyld, datatype, role


_EXP, _SCOPED, _KIND, _TYPE, _STR_PYLD, _DATATYPE, _ROLE = range(7)
_DROP, _KEYWORD = -2, -3
_NEEDS_ESCAPE = re.compile(r'[\\\t\n\r"]').search


class _Expander:
    """JSON-LD 1.1 expansion + node map + toRDF for the common compact shape, fused.

    Mirrors pyld's `_expand`/`_expand_object`/`_expand_value`/`_create_node_map`/`_object_to_rdf`
    step for step (same contexts, same key order, same value equality for de-duplication) and
    raises _Fallback at the first construct it does not handle."""

    __slots__ = ("p", "opts", "base", "quads", "seen", "bnodes", "labels", "dropped", "omit", "omitted")

    def __init__(self, processor: MemoProcessor, base: str | None = "") -> None:
        self.p = processor
        self.base = base
        self.opts = processor.options(base)
        self.quads: list[_Quad] = []
        self.seen: set[Any] = set()
        self.bnodes = 0
        self.labels: dict[str, str] = {}
        self.dropped = 0  # properties pyld would drop (undefined terms, null mappings)
        # A top-level key whose quads are set aside (see checked_unsecured_nquads): after run(),
        # omitted is the slice of `quads` it produced, or None when that is not separable.
        self.omit: str | None = None
        self.omitted: tuple[int, int] | None = None

    def run(self, doc: Any) -> list[_Quad]:
        if not isinstance(doc, dict):
            raise _Fallback
        p = self.p
        C = p.compiled(p._get_initial_context(self.opts))
        local = doc.get("@context")
        if local is not None:
            C = self.derive(C, "L", local)
        self.node(C, None, doc, None, top=True)
        return self.quads

    # -- helpers -----------------------------------------------------------------------------
    def derive(self, C: _Compiled, kind: str, local: Any) -> _Compiled:
        """The context after applying `local` to C: "P" property-scoped, "T" type-scoped,
        "L" an embedded context (only URL strings stay on the fast path)."""
        if kind == "L":
            if isinstance(local, str):
                local = [local]
            if not isinstance(local, list) or not all(isinstance(c, str) for c in local):
                raise _Fallback
            local_key: tuple[str, ...] | int = tuple(local)
        else:
            local_key = id(local)
        key = (kind, local_key, self.base)
        hit = C.derived.get(key)
        if hit is not None and (kind == "L" or hit[0] is local):
            return hit[1]
        flags: dict[str, Any] = {"P": {"override_protected": True}, "T": {"propagate": False}, "L": {}}[kind]
        try:
            result = self.p._process_context(C.ctx, local, self.opts, **flags)
        except JsonLdError as exc:
            raise _Fallback from exc
        if type(result) is not frozendict:
            raise _Fallback
        compiled = self.p.compiled(result)
        if len(C.derived) < _MAX_TERMS_PER_CONTEXT:
            # Holding a pinned `local` keeps its id from being reused; URL keys need no reference.
            C.derived[key] = (None if kind == "L" else local, compiled)
        return compiled

    def id_iri(self, C: _Compiled, value: str) -> Any:
        """pyld's _expand_iri(ctx, value, base) (document-relative, no @vocab), short-cut for
        the absolute IRIs credentials use; everything else goes to pyld."""
        colon = value.find(":")
        if colon > 0 and value[0] != "@":
            if value.startswith("//", colon + 1) or colon == 1 and value[0] == "_":
                return value
            m = C.ctx["mappings"].get(value[:colon])
            if not (m and m["_prefix"]) and _ABSOLUTE_IRI(value):
                return value
        return self.p._expand_iri(C.ctx, value, base=self.base)

    def blank(self) -> str:
        self.bnodes += 1
        return f"_:b{self.bnodes}"

    def iri_term(self, iri: object) -> str:
        if not isinstance(iri, str):
            raise _Fallback
        if iri.startswith("_:"):
            label = self.labels.get(iri)
            if label is None:
                label = self.labels[iri] = f"_:d{len(self.labels)}"
            return label
        if not _ABSOLUTE_IRI(iri):
            raise _Fallback  # pyld silently drops relative IRIs; let it
        return "<" + iri + ">"

    def emit(self, s: str, scope: str, p: str, key: Hashable, o: str, g: str | None) -> None:
        # pyld's node map de-duplicates (graph, subject, property, value) by JSON-LD value
        # equality (compare_values), not by the RDF term, and keeps the first value.
        k = (g, s, scope, key)
        if k in self.seen:
            return
        self.seen.add(k)
        self.quads.append((s, p, o, g))

    # -- expansion -----------------------------------------------------------------------------
    def node(self, C: _Compiled, active_property: str | None, element: JsonObject, g: str | None,
             top: bool = False) -> str:
        """Expand a node object, emit its quads into graph `g`, return its subject term."""
        p = self.p
        # _expand: the property-scoped context is looked up before any type-scoped one reverts.
        property_scoped = None if active_property is None else C.info(p, active_property)[_SCOPED]
        keys = sorted(element)
        previous = C.ctx.get("previousContext")
        if previous is not None:
            must_revert = True
            if len(element) <= 2 and "@context" not in element:
                for key in keys:
                    expanded = C.info(p, key)[_EXP]
                    if expanded == "@value":
                        raise _Fallback
                    if expanded == "@id" and len(element) == 1:
                        must_revert = False
                        break
            if must_revert:
                C = p.compiled(previous)
        if property_scoped is not None:
            C = self.derive(C, "P", property_scoped)

        # _prepare_nested_context: an embedded context (e.g. a nested credential's), then
        # type-scoped contexts, looked up in the context before any of them applied.
        if not top and "@context" in element:
            C = self.derive(C, "L", element["@context"])
        type_C = C
        type_mappings = C.ctx["mappings"]
        type_values: list[Any] = []
        type_keys = []
        for key in keys:
            if C.info(p, key)[_EXP] != "@type":
                continue
            type_keys.append(key)
            value = element[key]
            if isinstance(value, str):
                value = [value]
            elif not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise _Fallback
            type_values.extend(value)
            for t in sorted(value):
                m = type_mappings.get(t)
                scoped = m.get("@context") if m is not None else None
                if scoped is not None and scoped is not False:
                    C = self.derive(C, "T", scoped)

        # _expand_object, pass 1: classify keys against the final active context.
        node_id = None
        props = []
        final_type_keys = []
        for key in keys:
            if key == "@context":
                continue
            facts = C.info(p, key)
            role = facts[_ROLE]
            if type(role) is str:
                props.append((key, facts))
            elif role == _DROP:
                self.dropped += 1
            elif role == _UNSUPPORTED:
                raise _Fallback
            else:
                expanded = facts[_EXP]
                if expanded == "@id":
                    value = element[key]
                    if node_id is not None or not isinstance(value, str):
                        raise _Fallback  # colliding keywords / invalid @id: pyld raises
                    node_id = self.id_iri(C, value)
                    if node_id is None:
                        raise _Fallback  # "@id": "@foo" expands to null; pyld drops the node
                elif expanded == "@type":
                    final_type_keys.append(key)
                else:
                    raise _Fallback
        if final_type_keys != type_keys:
            raise _Fallback  # a type-scoped context re-aliased @type

        subject = self.blank() if node_id is None else self.iri_term(node_id)
        if type_values:
            terms = type_C.terms
            for t in type_values:
                expanded = terms.get((t, self.base))
                if expanded is None:
                    expanded = p._expand_iri(type_C.ctx, t, vocab=True, base=self.base)
                    if expanded is None:
                        raise _Fallback
                self.emit(subject, "@type", _TYPE_IRI, expanded, self.iri_term(expanded), g)
        for key, facts in props:
            if top and key == self.omit:
                start = len(self.quads)
                self.property(C, subject, key, facts, element[key], g)
                # Separable only as a @graph container (an embedded proof): each value lands in
                # a fresh named graph, linked by one edge to a fresh blank node, so none of its
                # quads can be de-duplicated against, or stand in for, the rest of the document.
                # Without the key, a top node with a previousContext could revert differently.
                if facts[_KIND] == _GRAPH and previous is None:
                    self.omitted = (start, len(self.quads))
                continue
            self.property(C, subject, key, facts, element[key], g)
        return subject

    def property(self, C: _Compiled, subject: str, key: str, facts: _Facts, value: Any, g: str | None) -> None:
        kind = facts[_KIND]
        if kind == _UNSUPPORTED:
            raise _Fallback
        scoped = facts[_SCOPED]
        if scoped is None:
            term_C, term_facts = C, facts
        else:
            term_C = self.derive(C, "P", scoped)
            term_facts = term_C.info(self.p, key)
            if term_facts[_KIND] != kind:
                raise _Fallback
        expanded = facts[_EXP]
        if term_facts[_EXP] != expanded:
            raise _Fallback  # _expand_value would look at a different property
        pred = facts[_ROLE]
        if kind == _PLAIN:
            self.values(term_C, term_facts, subject, key, expanded, pred, value, g)
        elif kind == _GRAPH:
            self.graphs(term_C, term_facts, subject, key, expanded, pred, value, g)
        else:
            self.list(term_C, term_facts, subject, key, expanded, pred, value, g)

    def values(self, C: _Compiled, facts: _Facts, subject: str, key: str, expanded: str, pred: str, value: Any,
               g: str | None) -> None:
        if value is None:
            return
        if isinstance(value, list):
            for item in value:
                self.values(C, facts, subject, key, expanded, pred, item, g)
            return
        if isinstance(value, dict):
            child = self.node(C, key, value, g)
            self.emit(subject, expanded, pred, child, child, g)
            return
        dedupe, o = self.scalar(C, facts, value)
        self.emit(subject, expanded, pred, dedupe, o, g)

    def graphs(self, C: _Compiled, facts: _Facts, subject: str, key: str, expanded: str, pred: str, value: Any,
               g: str | None) -> None:
        # A @graph container wraps each expanded value in its own blank-node named graph
        # (embedded proofs and credentials); only node objects stay on the fast path.
        if value is None:
            return
        if isinstance(value, list):
            for item in value:
                self.graphs(C, facts, subject, key, expanded, pred, item, g)
            return
        if not isinstance(value, dict):
            raise _Fallback
        name = self.blank()
        self.node(C, key, value, name)
        self.emit(subject, expanded, pred, name, name, g)

    def list(self, C: _Compiled, facts: _Facts, subject: str, key: str, expanded: str, pred: str, value: Any,
             g: str | None) -> None:
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
                objects.append(self.node(C, key, item, g))
            else:
                objects.append(self.scalar(C, facts, item)[1])
        if not objects:
            self.emit(subject, expanded, pred, ("LIST", self.blank()), _NIL, g)
            return
        heads = [self.blank() for _ in objects]
        self.emit(subject, expanded, pred, ("LIST", heads[0]), heads[0], g)
        last = len(heads) - 1
        for i, (head, o) in enumerate(zip(heads, objects, strict=True)):
            self.quads.append((head, _FIRST, o, g))
            self.quads.append((head, _REST, heads[i + 1] if i < last else _NIL, g))

    def scalar(self, C: _Compiled, facts: _Facts, value: Any) -> tuple[Hashable, str]:
        """(value-equality key, RDF term) of a scalar: _expand_value then _object_to_rdf.

        Node references are keyed by their term (a str); literals by a tuple that compares
        like pyld's compare_values: 1 == 1.0, but True != 1 and "1" != 1."""
        type_ = facts[_TYPE]
        datatype = facts[_DATATYPE]
        if type(value) is str:
            if type_ == "@id" or type_ == "@vocab":
                if type_ == "@id":
                    o = self.iri_term(self.id_iri(C, value))
                else:
                    o = self.iri_term(self.p._expand_iri(C.ctx, value, base=self.base, vocab=True))
                return o, o
            if facts[_STR_PYLD]:
                raise _Fallback
            if datatype is None:
                o = '"' + (escape(value) if _NEEDS_ESCAPE(value) else value) + '"'
                return ("L", False, value, None), o
            if datatype in (_UNSUPPORTED, XSD_DOUBLE):
                raise _Fallback
            o = '"' + (escape(value) if _NEEDS_ESCAPE(value) else value) + '"'
            return ("L", False, value, datatype), o if datatype == XSD_STRING else o + "^^<" + datatype + ">"
        if datatype == _UNSUPPORTED:
            raise _Fallback
        if value is True or value is False:
            lexical, dt = ("true" if value else "false"), datatype or XSD_BOOLEAN
        elif type(value) is float and not value.is_integer():
            if value != value or value in (_INF, -_INF):
                raise _Fallback
            lexical, dt = _canonicalize_double(value), datatype or XSD_DOUBLE
        elif type(value) is int or type(value) is float:
            if datatype == XSD_DOUBLE or abs(value) >= 1e21:
                lexical = _canonicalize_double(float(value) if datatype == XSD_DOUBLE else value)
                dt = datatype or XSD_DOUBLE
            else:
                lexical, dt = str(int(value)), datatype or XSD_INTEGER
        else:
            raise _Fallback
        o = '"' + lexical + '"'
        return ("L", type(value) is bool, value, datatype), o if dt == XSD_STRING else o + "^^<" + dt + ">"


_INF = float("inf")


def _rdfc10(quads: list[tuple[str, str, str, str | None]]) -> str:
    """RDFC-1.0 (URDNA2015) of a dataset of (s, p, o, g) N-Quads terms; g is None or a blank node."""
    mentions: dict[str, list[Any]] = {}
    for q in quads:
        s, _, o, g = q
        # pyld lists a quad once per blank-node position (subject, object, graph name).
        if s[0] == "_":
            mentions.setdefault(s, []).append(q)
        if o[0] == "_":
            mentions.setdefault(o, []).append(q)
        if g is not None:
            mentions.setdefault(g, []).append(q)
    if mentions:
        by_hash: dict[str, list[str]] = {}
        sha256 = hashlib.sha256
        for bnode, qs in mentions.items():
            lines = []
            for s, p, o, g in qs:
                if s[0] == "_":
                    s = "_:a" if s == bnode else "_:z"
                if o[0] == "_":
                    o = "_:a" if o == bnode else "_:z"
                if g is None:
                    lines.append(s + " " + p + " " + o + " .\n")
                else:
                    lines.append(s + " " + p + " " + o + (" _:a .\n" if g == bnode else " _:z .\n"))
            lines.sort()
            by_hash.setdefault(sha256("".join(lines).encode("utf-8")).hexdigest(), []).append(bnode)
        if len(by_hash) == len(mentions):
            canonical = {by_hash[h][0]: f"_:c14n{i}" for i, h in enumerate(sorted(by_hash))}
        else:
            canonical = _n_degree(mentions, by_hash)
        relabel = canonical.get
        quads = [(relabel(s, s), p, relabel(o, o), g if g is None else canonical[g]) for s, p, o, g in quads]
    out = [s + " " + p + " " + o + " .\n" if g is None else s + " " + p + " " + o + " " + g + " .\n"
           for s, p, o, g in quads]
    out.sort()
    return "".join(out)


def _component(term: str) -> JsonObject:
    if term[0] == "_":
        return {"type": "blank node", "value": term}
    if term[0] == "<":
        return {"type": "IRI", "value": term[1:-1]}
    return {"type": "literal", "value": term}  # Hash N-Degree Quads never reads a literal


class _Work:
    """The steps left to one canonicalization, shared by every issuer copy it makes."""

    __slots__ = ("left",)

    def __init__(self, steps: int) -> None:
        self.left = steps

    def step(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise CanonicalizationLimit(
                f"RDF canonicalization stopped after {MAX_N_DEGREE_STEPS} Hash N-Degree Quads steps: the document's "
                f"blank nodes are too many look-alikes to tell apart (no real credential needs this)")


class _Issuer(IdentifierIssuer):
    """pyld's IdentifierIssuer with a cheap deepcopy: Hash N-Degree Quads copies the issuer for
    every permutation, and its state is only strings, so shallow container copies suffice. Each
    copy is one step of the canonicalization's work."""

    work: _Work | None = None

    def __deepcopy__(self, memo: dict[int, Any]) -> _Issuer:
        if self.work is not None:
            self.work.step()
        clone = _Issuer.__new__(_Issuer)
        clone.prefix, clone.counter, clone.work = self.prefix, self.counter, self.work
        clone.existing, clone.order = dict(self.existing), list(self.order)
        return clone


class _BoundedURDNA2015(URDNA2015):
    """pyld's URDNA2015 with a work limit: every Hash N-Degree Quads call and every permutation
    it tries (an issuer copy) counts, and past ``MAX_N_DEGREE_STEPS`` it raises
    ``CanonicalizationLimit`` (a clear error in the calling thread; nothing needs killing)."""

    def __init__(self) -> None:
        super().__init__()
        self.work = _Work(MAX_N_DEGREE_STEPS)

    def hash_n_degree_quads(self, id_: str, issuer: IdentifierIssuer) -> Any:
        self.work.step()
        if not isinstance(issuer, _Issuer) or issuer.work is not self.work:
            adopted = _Issuer.__new__(_Issuer)
            adopted.prefix, adopted.counter, adopted.work = issuer.prefix, issuer.counter, self.work
            adopted.existing, adopted.order = dict(issuer.existing), list(issuer.order)
            issuer = adopted
        return super().hash_n_degree_quads(id_, issuer)


class _BlankNodeInfo(dict[str, JsonObject]):
    """pyld's blank node to quads map, built on first use: Hash N-Degree Quads only visits the
    blank nodes related to the ones it must tell apart."""

    def __init__(self, mentions: dict[str, list[Any]], first_degree: dict[str, str]) -> None:
        super().__init__()
        self.mentions = mentions
        self.first_degree = first_degree
        self.converted: dict[int, JsonObject] = {}  # the quad tuples stay alive in `mentions`

    def __missing__(self, bnode: str) -> JsonObject:
        quads = []
        for q in self.mentions[bnode]:
            d = self.converted.get(id(q))
            if d is None:
                s, p, o, g = q
                d = {"subject": _component(s), "predicate": {"type": "IRI", "value": p[1:-1]},
                     "object": _component(o)}
                if g is not None:
                    d["name"] = _component(g)
                self.converted[id(q)] = d
            quads.append(d)
        info = self[bnode] = {"quads": quads, "hash": self.first_degree[bnode]}
        return info


def _n_degree(mentions: dict[str, list[Any]], by_hash: dict[str, list[str]]) -> dict[str, str]:
    """Steps 5-6 of RDFC-1.0 with pyld's own Hash N-Degree Quads, seeded with our
    first-degree hashes (identical by construction)."""
    canon = _BoundedURDNA2015()
    canon.blank_node_info = _BlankNodeInfo(mentions, {b: h for h, group in by_hash.items() for b in group})
    issuer = canon.canonical_issuer
    for first_degree in sorted(by_hash):
        if len(by_hash[first_degree]) == 1:
            issuer.get_id(by_hash[first_degree][0])
    for first_degree in sorted(by_hash):
        group = by_hash[first_degree]
        if len(group) == 1:
            continue
        paths = []
        for bnode in group:
            if issuer.has_id(bnode):
                continue
            temporary = _Issuer("_:b")
            temporary.work = canon.work
            temporary.get_id(bnode)
            paths.append(canon.hash_n_degree_quads(bnode, temporary))
        for result in sorted(paths, key=lambda r: r["hash"]):
            for existing in result["issuer"].order:
                issuer.get_id(existing)
    return {bnode: issuer.get_id(bnode) for bnode in mentions}


_processors: LRUCache[Any, Any] = LRUCache(_MAX_PROCESSORS)
_processors_lock = threading.Lock()


def processor_for(loader: Loader) -> MemoProcessor:
    """The memoizing processor bound to `loader` (a few are kept, most recently used first)."""
    try:
        hash(loader)
    except TypeError:
        return MemoProcessor(loader)  # cannot be told apart from another loader: no sharing
    with _processors_lock:
        proc = _processors.get(loader)
        if proc is None:
            proc = _processors[loader] = MemoProcessor(loader)
        return proc


def to_nquads(doc: JsonObject, *, loader: Loader, base: str | None = "") -> str:
    """RDFC-1.0 canonical N-Quads of `doc`, byte-identical to
    `pyld.jsonld.normalize(doc, {"algorithm": "URDNA2015", "format": "application/n-quads",
    "documentLoader": loader, "base": base})`, raising the same JsonLdError where pyld does.
    (pyld's default base "" resolves relative IRIs against http://example.org/base/; base=None
    keeps them relative, so they are dropped.)"""
    return processor_for(loader).to_nquads(doc, base)


def fully_defined(doc: JsonObject, *, loader: Loader, base: str | None = None) -> bool:
    """True when the fast path proves that expanding `doc` drops no property (every term is
    defined) and leaves no relative IRI -- what `badges.jsonld.check_terms` demands, in a
    fraction of its time. False means "not proven": run check_terms for the precise error."""
    try:
        expander = _Expander(processor_for(loader), base)
        expander.run(doc)
    except Exception:  # _Fallback included: not proven
        return False
    return expander.dropped == 0


def checked_nquads(doc: JsonObject, *, loader: Loader, base: str | None = None) -> str | None:
    """`fully_defined` and `to_nquads` from one expansion: the canonical N-Quads when the fast
    path proves every property defined and every IRI absolute, else None ("not proven": run
    check_terms for the precise error, then to_nquads). The quads are those to_nquads hashes,
    because to_nquads runs the very same expansion with the same base."""
    try:
        expander = _Expander(processor_for(loader), base)
        quads = expander.run(doc)
        if expander.dropped:
            return None
        return _rdfc10(quads)
    except CanonicalizationLimit:
        raise
    except Exception:  # _Fallback included: not proven
        return None


def checked_unsecured_nquads(doc: JsonObject, *, loader: Loader, base: str | None = None,
                             omit: str = "proof") -> tuple[bool, str | None]:
    """One expansion of `doc` for a verifier: (`fully_defined(doc)`, `to_nquads` of `doc`
    without its top-level `omit` key, or None when the fast path could not set that key's quads
    apart). The second is what an embedded proof signs; the first is check_terms' proof."""
    try:
        expander = _Expander(processor_for(loader), base)
        expander.omit = omit
        quads = expander.run(doc)
    except Exception:  # _Fallback included: not proven, no quads
        return False, None
    if omit not in doc:
        unsecured = quads
    elif expander.omitted is None:
        return expander.dropped == 0, None
    else:
        start, end = expander.omitted
        unsecured = quads[:start] + quads[end:]
    try:
        return expander.dropped == 0, _rdfc10(unsecured)
    except CanonicalizationLimit:
        raise
    except Exception:  # Hash N-Degree Quads refused something: let the caller canonicalize
        return expander.dropped == 0, None


def expand(doc: JsonObject, *, loader: Loader, base: str | None = "") -> list[Any]:
    """`pyld.jsonld.expand(doc, {"documentLoader": loader, "base": base})`, memoized contexts."""
    return processor_for(loader).expand_doc(doc, base)

