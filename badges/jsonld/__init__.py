"""Offline JSON-LD: a loader over the pinned contexts, RDFC-1.0 canonicalization, term checks.

Every pyld call here passes ``documentLoader`` explicitly and ``algorithm="URDNA2015"``: pyld's
defaults are a live HTTP loader and URGNA2012, and ``jsonld.set_document_loader`` would change a
process-wide global (STYLE.md §4). An ``@context`` URL outside ``contexts/index.json`` is never
fetched: it raises ``ContextNotAllowed`` (DI §2.4.1, VCDM App. B.1).
"""
from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterator, Mapping
from importlib import resources
from typing import Any, TypeVar

from pyld import jsonld

from badges.errors import ContextNotAllowed, JsonLdError, RelativeIri, UndefinedTerm
from badges.json_types import JsonObject

# byte-identical to _pyld_nquads, with processed contexts memoized (tests/badges/test_processor.py)
from badges.jsonld.processor import checked_nquads as _checked_nquads
from badges.jsonld.processor import checked_unsecured_nquads as _checked_unsecured
from badges.jsonld.processor import fully_defined as _fully_defined
from badges.jsonld.processor import to_nquads as _fast_nquads

__all__ = [
    "CLR_V2P0",
    "CONTEXTS",
    "DATA_INTEGRITY_V2",
    "DID_V1",
    "ED25519_2020",
    "MULTIKEY_V1",
    "OB_EXTENSIONS",
    "OB_V3P0",
    "STATUS_V1",
    "VC_V1",
    "VC_V2",
    "DocumentLoader",
    "canonize",
    "check_terms",
    "expand",
    "load_document",
    "pinned_urls",
]

VC_V2 = "https://www.w3.org/ns/credentials/v2"
VC_V1 = "https://www.w3.org/2018/credentials/v1"
OB_V3P0 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
CLR_V2P0 = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
DID_V1 = "https://www.w3.org/ns/did/v1"
STATUS_V1 = "https://www.w3.org/ns/credentials/status/v1"
ED25519_2020 = "https://w3id.org/security/suites/ed25519-2020/v1"

DocumentLoader = Callable[..., JsonObject]
_T = TypeVar("_T")

_PACKAGE = "badges.jsonld"
_CONTEXT_DIR = "contexts"


class _PinnedContexts(Mapping[str, Any]):
    """url -> parsed context, read from package data on first use.

    All files are hash-checked together on the first access, so a tampered or truncated
    file fails loudly before any document is canonicalized with it. The parsed documents
    are shared between calls (pyld only reads them), so nobody may mutate them.
    """

    def __init__(self, root: Any = None) -> None:
        self._root = root  # a Traversable/Path; None = the package data
        self._docs: dict[str, Any] | None = None
        self._lock = threading.Lock()

    def _load(self) -> dict[str, Any]:
        docs = self._docs
        if docs is not None:
            return docs
        with self._lock:
            if self._docs is None:
                base = self._root or resources.files(_PACKAGE).joinpath(_CONTEXT_DIR)
                index = json.loads(base.joinpath("index.json").read_bytes())
                loaded: dict[str, Any] = {}
                for url, entry in index.items():
                    data = base.joinpath(entry["file"]).read_bytes()
                    digest = hashlib.sha256(data).hexdigest()
                    if digest != entry["sha256"]:
                        raise JsonLdError(f"pinned context {entry['file']} does not match its sha256",
                                          url=url, expected=entry["sha256"], actual=digest)
                    loaded[url] = json.loads(data)
                self._docs = loaded
            return self._docs

    def __getitem__(self, url: str) -> Any:
        return self._load()[url]

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())


CONTEXTS: Mapping[str, Any] = _PinnedContexts()


def pinned_urls() -> frozenset[str]:
    return frozenset(CONTEXTS)


def load_document(url: str, options: JsonObject | None = None) -> JsonObject:
    """pyld document loader serving only the pinned contexts (a pyld ``RemoteDocument``)."""
    try:
        document = CONTEXTS[url]
    except KeyError:
        raise ContextNotAllowed(url) from None
    return {"contextUrl": None, "documentUrl": url, "document": document}


def _unwrap(exc: BaseException) -> BaseException | None:
    """Find our own error inside pyld's wrapping (it re-raises loader errors ``from`` them)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, JsonLdError):
            return current
        cause = getattr(current, "cause", None)
        current = cause if isinstance(cause, BaseException) else (current.__cause__ or current.__context__)
    return None


def _pyld_call(func: Callable[[], _T]) -> _T:
    try:
        return func()
    except JsonLdError:
        raise
    except jsonld.JsonLdError as exc:
        ours = _unwrap(exc)
        if ours is not None:
            raise ours from None
        raise JsonLdError(f"JSON-LD processing failed: {exc.type if hasattr(exc, 'type') else exc}",
                          code=getattr(exc, "code", None)) from exc
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        # Malformed input (e.g. a non-object where pyld expects one) must stay a BadgeError.
        raise JsonLdError(f"JSON-LD processing failed: {exc}") from exc


def _pyld_nquads(doc: JsonObject, loader: DocumentLoader) -> str:
    nquads: str = jsonld.normalize(doc, {"algorithm": "URDNA2015", "format": "application/n-quads",
                                         "documentLoader": loader, "base": None})
    return nquads




def _to_nquads(doc: JsonObject, loader: DocumentLoader) -> str:
    """RDFC-1.0 (URDNA2015) canonical N-Quads; the single place that produces them.

    ``base: None`` keeps relative IRIs relative (so they are dropped, as jsonld.js does) instead
    of pyld 3.3's fallback of resolving them against ``http://example.org/base/``.
    """
    return _fast_nquads(doc, loader=loader, base=None)


def canonize(doc: JsonObject, *, loader: DocumentLoader = load_document, checked: bool = False) -> str:
    """RDF Dataset Canonicalization (RDFC-1.0 = URDNA2015) of ``doc`` as N-Quads.

    ``checked=True`` is ``check_terms(doc)`` then ``canonize(doc)`` with the document expanded
    once: the expansion that proves every term defined also yields the quads. A signer needs
    both, and a second expansion costs as much as the first.
    """
    if not isinstance(doc, dict):
        raise JsonLdError("a JSON-LD document must be an object")
    if checked:
        nquads = _pyld_call(lambda: _checked_nquads(doc, loader=loader, base=None))
        if nquads is not None:
            return nquads
        _explain_terms(doc, loader)  # not proven: raises the precise error, or the shape was merely unusual
    return _pyld_call(lambda: _to_nquads(doc, loader))


def expand(doc: JsonObject, *, loader: DocumentLoader = load_document) -> list[Any]:
    if not isinstance(doc, dict):
        raise JsonLdError("a JSON-LD document must be an object")
    expanded: list[Any] = _pyld_call(lambda: jsonld.expand(doc, {"documentLoader": loader, "base": None}))
    return expanded


class _DropRecorder(jsonld.JsonLdProcessor):
    """pyld expansion that records the path of every property it drops.

    pyld's only hook (``on_property_dropped``) is told the expanded IRI, not where the key was;
    so the path is tracked here from the active properties pyld recurses through, and each
    key is tested with the very condition pyld drops it by (``_expand_object``).
    """

    def __init__(self) -> None:
        super().__init__()
        self.path: list[str] = []
        self.dropped: list[str] = []

    def _expand(self, active_ctx: Any, active_property: str | None, element: Any, options: JsonObject,
                *args: Any, **kwargs: Any) -> Any:
        pushed = False
        if isinstance(element, dict) and active_property is not None and active_property != "@default":
            self.path.append(active_property)
            pushed = True
        try:
            return super()._expand(active_ctx, active_property, element, options, *args, **kwargs)
        finally:
            if pushed:
                self.path.pop()

    def _expand_object(self, active_ctx: Any, active_property: str | None, expanded_active_property: str | None,
                       element: JsonObject, expanded_parent: JsonObject, options: JsonObject,
                       *args: Any, **kwargs: Any) -> Any:
        for key in element:
            if key == "@context":
                continue
            iri = self._expand_iri(active_ctx, key, vocab=True)
            if iri is None or not (_is_absolute(iri) or jsonld._is_keyword(iri)):
                self.dropped.append(".".join([*self.path, key]))
        return super()._expand_object(active_ctx, active_property, expanded_active_property, element,
                                      expanded_parent, options, *args, **kwargs)


def _is_absolute(iri: str) -> bool:
    return bool(jsonld._is_absolute_iri(iri))


def _relative_iris(node: Any, found: list[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _relative_iris(item, found)
        return
    if not isinstance(node, dict):
        return
    node_id = node.get("@id")
    if isinstance(node_id, str) and not (node_id.startswith("_:") or _is_absolute(node_id)):
        found.append(node_id)
    types = node.get("@type")
    for value in types if isinstance(types, list) else [types] if isinstance(types, str) else []:
        if not (value.startswith("_:") or value.startswith("@") or _is_absolute(value)):
            found.append(value)
    for key, value in node.items():
        if key in ("@id", "@type", "@value", "@language", "@direction", "@index"):
            continue
        _relative_iris(value, found)


def check_terms(doc: JsonObject, *, loader: DocumentLoader = load_document) -> None:
    """Refuse properties the contexts do not define and IRIs that are not absolute.

    pyld drops both silently, and a dropped property or node is not covered by an RDFC-based
    signature (STANDARDS §5; VAL's JSON-LD safe-mode check). Raises ``UndefinedTerm`` naming
    each dropped property by its dotted path, else ``RelativeIri``.
    """
    if not isinstance(doc, dict):
        raise JsonLdError("a JSON-LD document must be an object")
    # The fast path proves the common case (every term defined, every IRI absolute) in a fraction
    # of pyld's time; "not proven" falls through to the slow check, which names what is wrong.
    if _pyld_call(lambda: _fully_defined(doc, loader=loader)):
        return
    _explain_terms(doc, loader)


def check_terms_unsecured(doc: JsonObject, *, loader: DocumentLoader = load_document) -> str | None:
    """``check_terms(doc)``, and from the same expansion the canonical N-Quads of ``doc`` without
    its ``proof`` (what an embedded proof signs, ``canonize`` of it), or None when they did not
    come out of that expansion. A verifier needs both; expanding twice costs twice."""
    if not isinstance(doc, dict):
        raise JsonLdError("a JSON-LD document must be an object")
    proven, nquads = _pyld_call(lambda: _checked_unsecured(doc, loader=loader, base=None))
    if not proven:
        _explain_terms(doc, loader)
    return nquads


def _explain_terms(doc: JsonObject, loader: DocumentLoader) -> None:
    """check_terms with pyld's own expansion: slow, but it names every dropped property."""
    recorder = _DropRecorder()
    expanded = _pyld_call(lambda: recorder.expand(doc, {"documentLoader": loader, "base": None}))
    if recorder.dropped:
        raise UndefinedTerm(sorted(set(recorder.dropped)))
    found: list[str] = []
    _relative_iris(expanded, found)
    if found:
        raise RelativeIri("IRIs that are not absolute (they would be dropped from the signed data): "
                          + ", ".join(map(repr, found[:10])), iris=found)
