"""badges.jsonld.processor: byte-identical to stock pyld normalize, on every reference document
and on a few hundred seeded variations, from several threads; unknown contexts still refused."""
from __future__ import annotations

import copy
import json
import random
import threading
from pathlib import Path

import pytest
from pyld import jsonld as pyld_jsonld
from pyld.documentloader.frozen import FrozenDocumentLoader

from badges.jsonld import processor
from tests.support import REFERENCE, SEED

CONTEXT_DIR = Path(processor.__file__).parent / "contexts"
INDEX = json.loads((CONTEXT_DIR / "index.json").read_text(encoding="utf-8"))
VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3P0 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


def make_loader() -> FrozenDocumentLoader:
    return FrozenDocumentLoader({url: CONTEXT_DIR / entry["file"] for url, entry in INDEX.items()})


LOADER = make_loader()


def stock(doc, loader=LOADER, base=""):
    return pyld_jsonld.normalize(copy.deepcopy(doc), {
        "algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": loader, "base": base})


def outcome(fn, *args, **kwargs):
    """N-Quads, or the exception class when the call is refused (both must agree)."""
    try:
        return fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - the class itself is what is compared
        return type(exc)


def on_fast_path(doc, base="") -> bool:
    try:
        processor._rdfc10(processor._Expander(processor.processor_for(LOADER), base).run(doc))
    except processor._Fallback:
        return False
    return True


def reference_documents() -> list[Path]:
    if not REFERENCE.is_dir():
        return []
    found = []
    for sub in ("examples", "vectors"):
        for path in sorted((REFERENCE / sub).rglob("*.json")):
            doc = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(doc, dict) and "@context" in doc:
                found.append(path)
    return found


DOCUMENTS = reference_documents()


def test_reference_documents_were_found(reference):
    assert len(DOCUMENTS) >= 15
    assert any(p.name == "ob3-complete-rubric-signed.json" for p in DOCUMENTS)


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: str(p.relative_to(REFERENCE)))
@pytest.mark.parametrize("strip_proof", [False, True], ids=["as-is", "unsecured"])
@pytest.mark.parametrize("base", ["", None], ids=["base-default", "base-none"])
def test_reference_document_matches_stock_pyld(path, strip_proof, base):
    doc = json.loads(path.read_text(encoding="utf-8"))
    if strip_proof:
        doc.pop("proof", None)
    before = copy.deepcopy(doc)
    expected = stock(doc, base=base)
    assert expected  # a document that canonicalizes to nothing would prove nothing
    assert processor.to_nquads(doc, loader=LOADER, base=base) == expected
    assert processor.to_nquads(doc, loader=LOADER, base=base) == expected  # warm caches too
    assert doc == before  # the input is never mutated
    assert on_fast_path(doc, base)  # every reference document takes the fast path


@pytest.mark.parametrize("name, canon", [
    ("1edtech-obv3p0", "document-canon.txt"),
    ("1edtech-clrv2p0", "document-canon.txt"),
])
def test_1edtech_vectors_canonical_form(reference, name, canon):
    doc = json.loads((reference / "vectors" / name / "unsigned.json").read_text(encoding="utf-8"))
    expected = (reference / "vectors" / name / canon).read_text(encoding="utf-8")
    assert processor.to_nquads(doc, loader=LOADER) == expected
    doc["name"] = doc.get("name", "") + "!"  # the bad twin
    assert processor.to_nquads(doc, loader=LOADER) != expected


def test_w3c_eddsa_rdfc_2022_vector(reference):
    base = reference / "vectors" / "w3c-vc-di-eddsa"
    doc = json.loads((base / "unsigned.json").read_text(encoding="utf-8"))
    proof_config = json.loads((base / "eddsa-rdfc-2022" / "proofConfigDataInt.json").read_text(encoding="utf-8"))
    assert processor.to_nquads(doc, loader=LOADER) == (base / "eddsa-rdfc-2022" / "canonDocDataInt.txt").read_text(encoding="utf-8").rstrip("\n") + "\n"
    assert processor.to_nquads(proof_config, loader=LOADER) == (base / "eddsa-rdfc-2022" / "proofCanonDataInt.txt").read_text(encoding="utf-8").rstrip("\n") + "\n"


# ---- generated variations ---------------------------------------------------------------------

OB_TYPES = ["Achievement", "Profile", "Result", "ResultDescription", "RubricCriterionLevel", "Alignment",
            "Evidence", "IdentityObject", "Address", "Image", "Criteria", "AchievementSubject",
            "EndorsementCredential", "UnknownType", "VerifiableCredential", "OpenBadgeCredential"]
STRINGS = ["", "plain", "naïve café ☕ 🎓", "quote \" back\\slash", "tab\tnew\nline\rcr", "1", "true",
           "2026-01-15T10:00:00Z", "urn:uuid:1", "data:image/png;base64,iVBORw0KGgo=", "@notakeyword",
           "\u0000nul", "  spaced  "]
IRIS = ["https://example.edu/a", "urn:uuid:f6ab24cd-86e8-4eaf-b8c6-ded74e8fd41c", "did:key:z6MkTest",
        "data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=", "_:shared", "_:other", "relative/path",
        "has space://x", "https://example.edu/a#frag", "mailto:student@example.edu", "", "@notakeyword",
        "xsd:string", "schema:name"]
NUMBERS = [0, 1, -1, 1.0, 1.5, -0.0, 2.5e-7, 1e21, 123456789012345678901234, 3.14159, True, False]


def scalar(rng: random.Random):
    pool = rng.choice([STRINGS, IRIS, NUMBERS])
    return rng.choice(pool)


def blank_node_heavy(rng: random.Random) -> list:
    """Look-alike blank nodes force Hash N-Degree Quads."""
    same = {"type": ["Alignment"], "targetName": "T", "targetUrl": "https://example.edu/t"}
    nodes = [copy.deepcopy(same) for _ in range(rng.randint(2, 4))]
    if rng.random() < 0.5:
        nodes.append({"type": ["Alignment"], "targetName": "T", "targetUrl": "https://example.edu/t",
                      "targetCode": {"type": "Alignment", "targetName": "inner"}})
    return nodes


def mutate(doc, rng: random.Random, depth: int = 0):
    """One random, mostly-valid edit somewhere in the tree."""
    if isinstance(doc, list):
        if doc and rng.random() < 0.7:
            i = rng.randrange(len(doc))
            doc[i] = mutate(doc[i], rng, depth + 1)
        elif rng.random() < 0.5:
            doc.append(copy.deepcopy(rng.choice(doc)) if doc else scalar(rng))
        return doc
    if not isinstance(doc, dict):
        return scalar(rng) if rng.random() < 0.5 else doc
    keys = [k for k in doc if k != "@context"]
    r = rng.random()
    if keys and r < 0.45 and depth < 6:
        k = rng.choice(keys)
        doc[k] = mutate(doc[k], rng, depth + 1)
    elif keys and r < 0.55:
        del doc[rng.choice(keys)]  # drop an optional (or required) field
    elif keys and r < 0.62:
        k = rng.choice(keys)  # array <-> single value
        v = doc[k]
        doc[k] = v[0] if isinstance(v, list) and len(v) == 1 else [v]
    elif r < 0.68:
        doc["type"] = rng.sample(OB_TYPES, rng.randint(1, 3)) if rng.random() < 0.7 else rng.choice(OB_TYPES)
    elif r < 0.72:
        doc["id"] = rng.choice(IRIS)
    elif r < 0.75:
        doc.pop("id", None)  # named node -> blank node
    elif r < 0.79:
        doc["alignment"] = blank_node_heavy(rng)
    elif r < 0.82:
        doc["allowedValue"] = rng.choice([[], ["A"], ["A", "B", "A"], "single", [1, True, None],
                                          [{"id": "https://example.edu/x"}, "B"]])
    elif r < 0.85:
        doc[rng.choice(["name", "description", "narrative", "undefinedTerm", "hashed", "latitude"])] = \
            rng.choice([[1, True, 1.0, "1"], [False, 0], scalar(rng), [scalar(rng), scalar(rng)], None, []])
    elif r < 0.87:
        doc["name"] = rng.choice([{"@value": "hola", "@language": "es"}, {"@value": "x", "@type": "xsd:token"},
                                  {"@list": ["a", "b"]}, {"@set": ["a"]}, {"@json": 1}])
    elif r < 0.87:
        doc["@context"] = rng.choice([{"@language": "en"}, {"extra": "https://example.edu/extra#"},
                                      [VC_V2, OB_V3P0], OB_V3P0, VC_V2, {"@vocab": "https://ex.edu/v#"}])
    elif r < 0.89 and depth == 0:  # language and index maps need an inline context
        doc["@context"] = [VC_V2, OB_V3P0, {
            "nameMap": {"@id": "https://schema.org/name", "@container": "@language"},
            "notes": {"@id": "https://example.edu/notes", "@container": "@index"}}]
        doc["nameMap"] = {"en": "Teamwork", "es": ["Trabajo en equipo", "Equipo"], "@none": "x"}
        doc["notes"] = {"a": "first", "b": {"id": "https://example.edu/n", "name": "second"}}
    elif r < 0.91:
        doc["proof"] = rng.choice(["https://example.edu/proof", {"type": "DataIntegrityProof",
                                   "cryptosuite": "eddsa-rdfc-2022", "proofValue": "z3FXQ"}, []])
    elif r < 0.93:
        doc["@reverse"] = {"https://example.edu/rel": {"id": "https://example.edu/r"}}
    elif r < 0.95:
        doc["evidence"] = [{"id": "https://example.edu/e", "type": ["Evidence"], "name": "n1"},
                           {"id": "https://example.edu/e", "type": "Evidence", "name": ["n2", "n1"]}]
    elif r < 0.96:
        doc["credentialSubject"] = {"id": "did:example:s", "achievement": {"id": "_:shared", "type": "Achievement",
                                     "name": "A", "creator": {"id": "_:shared"}}}
    elif r < 0.985:
        k = rng.choice(keys) if keys else "achievement"
        doc[k] = rng.choice([
            {"id": rng.choice(IRIS)},  # a bare reference: no type-scoped context reverts
            {"id": rng.choice(IRIS), "type": rng.choice(OB_TYPES)},
            {"type": "Achievement", "@type": "Profile", "name": "both type keys"},
            {"id": "https://example.edu/x", "@id": "https://example.edu/y"},  # colliding keywords
            {"https://schema.org/name": "absolute key", "xsd:foo": 1, "_:bnodeKey": "x"},
            {"@index": "i", "name": "n"},
            {"@context": VC_V2, "type": "VerifiableCredential", "name": "nested string context"},
            {"@context": ["https://example.com/unknown"], "name": "unknown nested context"},
            {"@id": "https://example.edu/z", "@type": ["Achievement"], "name": {"@value": "v"}},
            [[{"id": "https://example.edu/nested-array"}], [1, [2, [3]]]],
        ])
    else:
        doc[rng.choice(["resultDescription", "result", "rubricCriterionLevel", "endorsement"])] = \
            [{"type": rng.choice(OB_TYPES)}, {}]
    return doc


def seed_documents() -> list[dict]:
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in DOCUMENTS]
    for d in docs[:]:
        d2 = copy.deepcopy(d)
        d2.pop("proof", None)
        docs.append(d2)
    return docs


N_VARIATIONS = 400


@pytest.fixture(scope="module")
def variations():
    if not DOCUMENTS:
        pytest.skip("reference data not found")
    rng = random.Random(SEED)
    seeds = seed_documents()
    out = []
    for _ in range(N_VARIATIONS):
        doc = copy.deepcopy(rng.choice(seeds))
        for _ in range(rng.randint(1, 6)):
            doc = mutate(doc, rng)
        out.append(doc)
    return out


def test_generated_variations_match_stock_pyld(variations):
    fast = refused = 0
    for i, doc in enumerate(variations):
        base = "" if i % 3 else None
        expected = outcome(stock, doc, base=base)
        got = outcome(processor.to_nquads, doc, loader=LOADER, base=base)
        if isinstance(expected, type):
            refused += 1
            assert got is expected, (i, expected, got)
            continue
        if got != expected:
            pytest.fail(f"variation {i} differs:\n{json.dumps(doc)[:2000]}")
        fast += on_fast_path(doc, base)
    # The comparison must cover both paths, and mostly the fast one.
    assert fast >= N_VARIATIONS // 2, fast
    assert fast < N_VARIATIONS - refused, "no variation exercised the pyld fallback"


def test_fast_path_needs_n_degree_hashing_for_look_alike_blank_nodes():
    doc = {"@context": [VC_V2, OB_V3P0], "id": "https://example.edu/a", "type": "Achievement",
           "alignment": blank_node_heavy(random.Random(1))}
    assert on_fast_path(doc)
    assert processor.to_nquads(doc, loader=LOADER) == stock(doc)


def test_keyword_like_id_drops_the_node_as_pyld_does():
    # "@foo" expands to null: pyld drops the node's own triples (it is not a blank node).
    doc = {"@context": [VC_V2, OB_V3P0], "id": "@notakeyword", "type": "Achievement", "name": "x"}
    assert processor.to_nquads(doc, loader=LOADER) == stock(doc) == ""
    doc["id"] = "https://example.edu/a"  # the good twin
    assert processor.to_nquads(doc, loader=LOADER) == stock(doc) != ""


def test_duplicate_values_follow_pyld_value_equality():
    # 1 and 1.0 are the same JSON-LD value; True and 1 are not; "1" and 1 are not.
    doc = {"@context": [VC_V2, OB_V3P0], "id": "https://example.edu/a", "type": "Achievement",
           "name": [1, 1.0, True, "1", 1, False, 0]}
    out = processor.to_nquads(doc, loader=LOADER)
    assert out == stock(doc)
    assert out.count('"1"^^<http://www.w3.org/2001/XMLSchema#integer>') == 1
    assert '"true"^^<http://www.w3.org/2001/XMLSchema#boolean>' in out
    assert '"false"^^<http://www.w3.org/2001/XMLSchema#boolean>' in out
    assert '"0"^^<http://www.w3.org/2001/XMLSchema#integer>' in out


# ---- threads, loaders, errors --------------------------------------------------------------------

def test_thread_safe_and_deterministic():
    loader = make_loader()  # a fresh processor whose caches fill up concurrently
    docs = seed_documents()
    expected = [stock(d) for d in docs]
    errors: list[BaseException] = []
    results: dict[int, list[str]] = {}
    start = threading.Barrier(8)

    def work(n: int) -> None:
        try:
            start.wait()
            order = list(range(len(docs)))
            random.Random(n).shuffle(order)
            got = {}
            for _ in range(3):
                for i in order:
                    got[i] = processor.to_nquads(docs[i], loader=loader)
            results[n] = [got[i] for i in range(len(docs))]
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 8
    for got in results.values():
        assert got == expected


class CountingLoader:
    def __init__(self) -> None:
        self.inner = make_loader()
        self.refused: list[str] = []

    def __call__(self, url, options):
        try:
            return self.inner(url, options)
        except pyld_jsonld.JsonLdError:
            self.refused.append(url)
            raise


def _causes(exc):
    while exc is not None:
        yield exc
        exc = exc.__cause__ or exc.__context__


def test_unknown_context_still_raises_from_the_loader_every_time():
    unknown = "https://example.com/unknown-context.jsonld"
    loader = CountingLoader()
    for doc in ({"@context": [VC_V2, unknown], "type": "VerifiableCredential", "name": "x"},
                {"@context": [VC_V2, OB_V3P0], "type": "Achievement", "name": "x",
                 "endorsement": [{"@context": [VC_V2, unknown], "type": "VerifiableCredential"}]}):
        for _attempt in range(2):  # a refused URL is never cached
            before = len(loader.refused)
            with pytest.raises(pyld_jsonld.JsonLdError) as raised:
                processor.to_nquads(doc, loader=loader)
            refused = loader.refused[before:]
            assert refused and set(refused) == {unknown}  # the loader itself refused it, again
            assert any(getattr(e, "code", None) == "loading document failed" for e in _causes(raised.value))
    ok = {"@context": [VC_V2, OB_V3P0], "id": "https://example.edu/a", "type": "Achievement", "name": "x"}
    assert processor.to_nquads(ok, loader=loader) == stock(ok)  # the good twin
    assert not processor.fully_defined({**ok, "@context": [VC_V2, unknown]}, loader=loader)


def test_each_loader_has_its_own_memo():
    # Same URL, different content: results must follow the loader, never a cache of another one.
    doc = {"@context": ["https://example.com/ctx"], "id": "https://example.edu/a", "name": "x"}
    one = FrozenDocumentLoader({"https://example.com/ctx": {"@context": {"name": "https://one.example/name"}}})
    two = FrozenDocumentLoader({"https://example.com/ctx": {"@context": {"name": "https://two.example/name"}}})
    assert "https://one.example/name" in processor.to_nquads(doc, loader=one)
    assert "https://two.example/name" in processor.to_nquads(doc, loader=two)
    assert processor.to_nquads(doc, loader=one) == stock(doc, loader=one)


def test_loader_document_mutation_after_first_use_does_not_leak_in():
    documents = {"https://example.com/ctx": {"@context": {"name": "https://one.example/name"}}}
    loader = FrozenDocumentLoader(documents)
    doc = {"@context": "https://example.com/ctx", "id": "https://example.edu/a", "name": "x"}
    first = processor.to_nquads(doc, loader=loader)
    loader.documents["https://example.com/ctx"]["@context"]["name"] = "https://evil.example/name"
    assert processor.to_nquads(doc, loader=loader) == first  # memo keeps its private copy


def test_expand_matches_stock_pyld(load_json):
    doc = load_json("examples/ob3-complete-rubric-signed.json")
    assert processor.expand(doc, loader=LOADER) == pyld_jsonld.expand(copy.deepcopy(doc), {"documentLoader": LOADER})
    assert processor.expand(doc, loader=LOADER, base=None) == pyld_jsonld.expand(
        copy.deepcopy(doc), {"documentLoader": LOADER, "base": None})


def test_project_loader_if_present(load_json):
    jsonld = pytest.importorskip("badges.jsonld")
    if not hasattr(jsonld, "load_document"):
        pytest.skip("badges.jsonld.load_document not there yet")
    doc = load_json("vectors/1edtech-obv3p0/unsigned.json")
    assert processor.to_nquads(doc, loader=jsonld.load_document) == stock(doc, loader=jsonld.load_document)


# ---- fully_defined: the fast proof that check_terms would pass ----------------------------------

def _relative(node, found):
    if isinstance(node, list):
        for item in node:
            _relative(item, found)
    elif isinstance(node, dict):
        ids = [node["@id"]] if isinstance(node.get("@id"), str) else []
        types = node.get("@type") if "@value" not in node else None
        for iri in ids + (types if isinstance(types, list) else [types] if isinstance(types, str) else []):
            if not (iri.startswith(("_:", "@")) or pyld_jsonld._is_absolute_iri(iri)):
                found.append(iri)
        for key, value in node.items():
            if key not in ("@id", "@type", "@value", "@language", "@direction", "@index"):
                _relative(value, found)


def oracle_defined(doc) -> bool | None:
    """Stock pyld: nothing dropped and no relative IRI (None when pyld refuses the document)."""
    dropped: list = []
    proc = pyld_jsonld.JsonLdProcessor(on_property_dropped=dropped.append)
    try:
        expanded = proc.expand(copy.deepcopy(doc), {"documentLoader": LOADER, "base": None})
    except Exception:  # noqa: BLE001
        return None
    found: list = []
    _relative(expanded, found)
    return not dropped and not found


def test_fully_defined_never_vouches_for_a_document_pyld_would_drop_from(variations):
    vouched = 0
    for i, doc in enumerate(variations + seed_documents()):
        if processor.fully_defined(doc, loader=LOADER):
            vouched += 1
            assert oracle_defined(doc) is True, f"variation {i}: {json.dumps(doc)[:1500]}"
    assert vouched >= 40, vouched  # not vacuous


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: str(p.relative_to(REFERENCE)))
def test_fully_defined_agrees_on_reference_documents(path):
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc.pop("proof", None)
    assert processor.fully_defined(doc, loader=LOADER) == oracle_defined(doc)


@pytest.mark.parametrize("edit", [
    lambda d: d.update(undefinedTerm="x"),
    lambda d: d["credentialSubject"].update(favouriteColour="blue"),
    lambda d: d.update(id="relative/credential"),
    lambda d: d["issuer"].update(id="not an iri"),
    lambda d: d["credentialSubject"].update(type=["AchievementSubject", "Made Up Type"]),
], ids=["undefined-top", "undefined-nested", "relative-id", "iri-with-space", "relative-type"])
def test_fully_defined_bad_twins(load_json, edit):
    doc = load_json("vectors/1edtech-obv3p0/unsigned.json")
    assert processor.fully_defined(doc, loader=LOADER)  # the good twin
    edit(doc)
    assert not processor.fully_defined(doc, loader=LOADER)
    assert oracle_defined(doc) is False


# ---- checked_nquads / checked_unsecured_nquads: the term proof and the quads from one expansion ---

def _unsecured(doc):
    return {k: v for k, v in doc.items() if k != "proof"} if isinstance(doc, dict) else doc


def test_checked_nquads_is_fully_defined_plus_to_nquads(variations):
    proven = 0
    for i, doc in enumerate(variations + seed_documents()):
        before = copy.deepcopy(doc)
        got = processor.checked_nquads(doc, loader=LOADER)
        assert doc == before
        if got is None:
            assert not processor.fully_defined(doc, loader=LOADER), i
            continue
        proven += 1
        assert processor.fully_defined(doc, loader=LOADER), i
        assert oracle_defined(doc) is True, f"variation {i}: {json.dumps(doc)[:1500]}"
        assert got == stock(doc, base=None), f"variation {i} differs:\n{json.dumps(doc)[:2000]}"
    assert proven >= 40, proven  # not vacuous


def test_checked_unsecured_nquads_is_the_proofless_canonical_form(variations):
    separated = with_proof = 0
    for i, doc in enumerate(variations + seed_documents()):
        before = copy.deepcopy(doc)
        proven, got = processor.checked_unsecured_nquads(doc, loader=LOADER)
        assert doc == before
        assert proven == processor.fully_defined(doc, loader=LOADER), i
        if proven:
            assert oracle_defined(doc) is True, i
        if got is None:
            continue
        separated += 1
        with_proof += isinstance(doc, dict) and "proof" in doc
        expected = stock(_unsecured(doc), base=None)
        assert got == expected, f"variation {i} differs:\n{json.dumps(doc)[:2000]}"
    assert separated >= 100 and with_proof >= 15, (separated, with_proof)  # not vacuous


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: str(p.relative_to(REFERENCE)))
def test_checked_unsecured_nquads_on_reference_documents(path):
    doc = json.loads(path.read_text(encoding="utf-8"))
    proven, got = processor.checked_unsecured_nquads(doc, loader=LOADER)
    assert proven == oracle_defined(doc)
    if "proof" in doc and isinstance(doc["proof"], (dict, list)):
        assert got is not None  # every embedded proof of the references sits in a @graph container
    if got is not None:
        assert got == stock(_unsecured(doc), base=None)


def test_checked_unsecured_nquads_bad_twins(load_json):
    signed = load_json("vectors/1edtech-obv3p0/signed.json")
    good = processor.checked_unsecured_nquads(signed, loader=LOADER)
    assert good == (True, stock(_unsecured(signed), base=None))
    # The quads must not depend on the proof: a changed proofValue or created gives the same ones.
    twin = copy.deepcopy(signed)
    first = twin["proof"][0] if isinstance(twin["proof"], list) else twin["proof"]
    first["created"] = "2001-01-01T00:00:00Z"
    assert processor.checked_unsecured_nquads(twin, loader=LOADER) == good
    # An undefined term inside the proof is caught, and the document's quads are still right.
    first["madeUpProofTerm"] = "x"
    proven, nquads = processor.checked_unsecured_nquads(twin, loader=LOADER)
    assert (proven, nquads) == (False, good[1]) and oracle_defined(twin) is False
    # A changed credential gives other quads.
    twin = copy.deepcopy(signed)
    twin["name"] = "Tampered"
    assert processor.checked_unsecured_nquads(twin, loader=LOADER)[1] not in (None, good[1])
    # A "proof" the contexts do not make a @graph container is never set apart by guesswork.
    twin = copy.deepcopy(signed)
    twin["@context"] = [*twin["@context"], {"proof": {"@id": "https://example.edu/proof"}}]
    proven, nquads = processor.checked_unsecured_nquads(twin, loader=LOADER)
    assert nquads is None or nquads == stock(_unsecured(twin), base=None)
    other = {"@context": ["https://www.w3.org/ns/did/v1"], "id": "did:example:1", "proof": {"type": "X"}}
    assert on_fast_path(other, None)  # the fast path expands it: the answer is not a fallback's
    assert processor.checked_unsecured_nquads(other, loader=LOADER) == (False, None)


def _clique(n: int) -> dict:
    """n blank nodes, each linked to all the others: every one looks like every other, so Hash
    N-Degree Quads tries factorially many permutations (the classic poison graph)."""
    return {"@context": {"p": {"@id": "http://example.org/p", "@type": "@id"}},
            "@graph": [{"@id": f"_:n{i}", "p": [f"_:n{j}" for j in range(n) if j != i]} for i in range(n)]}


def test_canonicalization_has_a_work_limit_not_a_killed_thread():
    import time

    from badges.errors import CanonicalizationLimit
    from badges.jsonld import canonize

    # the good case: a small look-alike graph is canonicalized, byte-identical to pyld
    assert processor.to_nquads(_clique(5), loader=LOADER) == stock(_clique(5)) != ""
    # the bad twin: a bigger one stops in the calling thread with a clear error, quickly
    for run in (lambda: processor.to_nquads(_clique(9), loader=LOADER),
                lambda: canonize(_clique(9), loader=LOADER),
                # pyld's own path (taken for input the fast path leaves to pyld) is bounded too
                lambda: processor.processor_for(LOADER).normalize_nquads(_clique(9))):
        started = time.perf_counter()
        with pytest.raises(CanonicalizationLimit, match="Hash N-Degree Quads steps"):
            run()
        assert time.perf_counter() - started < 10


def test_work_limited_pyld_path_matches_pyld():
    doc = {"@context": [VC_V2, OB_V3P0], "id": "https://example.edu/a", "type": "Achievement",
           "alignment": blank_node_heavy(random.Random(2))}
    assert processor.processor_for(LOADER).normalize_nquads(copy.deepcopy(doc)) == stock(doc)
