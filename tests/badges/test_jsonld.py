"""badges.jsonld: pinned contexts only, RDFC-1.0 canonicalization, undefined terms and relative IRIs."""
from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path

import pytest

import badges.jsonld as jsonld
from badges.errors import ContextNotAllowed, JsonLdError, RelativeIri, UndefinedTerm

CONTEXT_DIR = Path(str(resources.files("badges.jsonld").joinpath("contexts")))
INDEX = json.loads((CONTEXT_DIR / "index.json").read_text(encoding="utf-8"))


def test_exported_names():
    assert sorted(jsonld.__all__) == sorted([
        "CLR_V2P0", "CONTEXTS", "DATA_INTEGRITY_V2", "DID_V1", "ED25519_2020", "MULTIKEY_V1",
        "OB_EXTENSIONS", "OB_V3P0", "STATUS_V1", "VC_V1", "VC_V2", "DocumentLoader", "canonize",
        "check_terms", "expand", "load_document", "pinned_urls"])


@pytest.mark.parametrize("url", sorted(INDEX))
def test_pinned_file_matches_index_and_reference_manifest(url, reference):
    entry = INDEX[url]
    shipped = (CONTEXT_DIR / entry["file"]).read_bytes()
    assert hashlib.sha256(shipped).hexdigest() == entry["sha256"]
    manifest = json.loads((reference / "manifest.json").read_text(encoding="utf-8"))
    [published] = [c for c in manifest["contexts"] if c["url"] == url]
    assert published["file"] == manifest["documentLoaderMap"][url]
    assert hashlib.sha256(shipped).hexdigest() == published["sha256"]  # the bytes the reference pins


def test_a_tampered_context_is_refused_on_first_load(tmp_path):
    for path in CONTEXT_DIR.iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    assert len(jsonld._PinnedContexts(tmp_path)) == len(INDEX)  # the good twin
    victim = tmp_path / INDEX[jsonld.OB_V3P0]["file"]
    victim.write_bytes(victim.read_bytes().replace(b'"name"', b'"nane"', 1))
    with pytest.raises(JsonLdError, match="sha256"):
        jsonld._PinnedContexts(tmp_path)[jsonld.VC_V2]


def test_every_shipped_context_is_indexed():
    shipped = {p.name for p in CONTEXT_DIR.iterdir() if p.name != "index.json"}
    assert shipped == {entry["file"] for entry in INDEX.values()}


def test_url_constants_are_pinned():
    for url in (jsonld.VC_V2, jsonld.VC_V1, jsonld.OB_V3P0, jsonld.OB_EXTENSIONS, jsonld.CLR_V2P0,
                jsonld.DATA_INTEGRITY_V2, jsonld.MULTIKEY_V1, jsonld.DID_V1, jsonld.STATUS_V1,
                jsonld.ED25519_2020):
        assert url in jsonld.CONTEXTS
    assert jsonld.OB_V3P0.endswith("context-3.0.3.json")
    assert jsonld.CLR_V2P0.endswith("context-2.0.1.json")


def test_load_document_returns_a_pyld_remote_document():
    remote = jsonld.load_document(jsonld.VC_V2)
    assert remote["documentUrl"] == jsonld.VC_V2
    assert remote["document"] is jsonld.CONTEXTS[jsonld.VC_V2]
    assert "@context" in remote["document"]


@pytest.mark.parametrize("url", [
    "https://example.com/context.json",
    "https://www.w3.org/ns/credentials/v2/",          # near miss: trailing slash
    "http://www.w3.org/ns/credentials/v2",            # near miss: http
    "https://w3id.org/security/v2",
])
def test_unknown_url_is_refused(url):
    with pytest.raises(ContextNotAllowed) as info:
        jsonld.load_document(url)
    assert info.value.url == url


def test_canonize_refuses_an_unpinned_context(load_json):
    doc = load_json("vectors/1edtech-obv3p0/unsigned.json")
    doc["@context"].append("https://evil.example/context.jsonld")
    with pytest.raises(ContextNotAllowed):
        jsonld.canonize(doc)
    with pytest.raises(ContextNotAllowed):
        jsonld.check_terms(doc)
    with pytest.raises(ContextNotAllowed):
        jsonld.expand(doc)


def test_canonize_uses_the_loader_it_is_given(load_json):
    doc = load_json("vectors/1edtech-obv3p0/unsigned.json")
    asked = []

    def refusing(url, options=None):
        asked.append(url)
        raise ContextNotAllowed(url)

    with pytest.raises(ContextNotAllowed):
        jsonld.canonize(doc, loader=refusing)
    assert asked and asked[0] == jsonld.VC_V2


@pytest.mark.parametrize("vector", ["1edtech-obv3p0", "1edtech-clrv2p0"])
def test_canonize_reproduces_the_1edtech_document_canon(vector, reference, load_json):
    doc = load_json(f"vectors/{vector}/unsigned.json")
    expected = (reference / f"vectors/{vector}/document-canon.txt").read_text(encoding="utf-8")
    assert jsonld.canonize(doc) == expected


def test_canonize_reproduces_the_w3c_document_canon(reference, load_json):
    doc = load_json("vectors/w3c-vc-di-eddsa/unsigned.json")
    expected = (reference / "vectors/w3c-vc-di-eddsa/eddsa-rdfc-2022/canonDocDataInt.txt").read_text(encoding="utf-8")
    assert jsonld.canonize(doc) == expected


@pytest.mark.parametrize("rel", [
    "vectors/1edtech-clrv2p0/unsigned.json",
    "vectors/w3c-vc-di-eddsa/unsigned.json",
    "examples/ob3-complete-rubric-signed.json",
    "examples/ob3-legacy-vc1-ed25519signature2020.json",
])
def test_fast_and_pyld_nquads_agree(rel, load_json):
    doc = load_json(rel)
    doc.pop("proof", None)
    assert jsonld._to_nquads(doc, jsonld.load_document) == jsonld._pyld_nquads(doc, jsonld.load_document)


def test_canonize_changes_when_a_signed_value_changes(load_json):
    doc = load_json("vectors/1edtech-obv3p0/unsigned.json")
    before = jsonld.canonize(doc)
    doc["name"] = doc["name"] + "!"
    assert jsonld.canonize(doc) != before


def test_pinned_documents_are_not_mutated_by_processing(load_json):
    snapshot = {url: json.dumps(doc, sort_keys=True) for url, doc in jsonld.CONTEXTS.items()}
    for rel in ("vectors/1edtech-obv3p0/unsigned.json", "vectors/1edtech-clrv2p0/unsigned.json",
                "examples/ob3-legacy-vc1-ed25519signature2020.json", "examples/ob3-complete-rubric-signed.json"):
        doc = load_json(rel)
        jsonld.canonize(doc)
        jsonld.check_terms(doc)
    assert {url: json.dumps(doc, sort_keys=True) for url, doc in jsonld.CONTEXTS.items()} == snapshot


def test_expand_returns_absolute_iris(load_json):
    expanded = jsonld.expand(load_json("vectors/1edtech-obv3p0/unsigned.json"))
    assert expanded[0]["@type"] == ["https://www.w3.org/2018/credentials#VerifiableCredential",
                                    "https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential"]


@pytest.mark.parametrize("rel", [
    "vectors/1edtech-obv3p0/unsigned.json",
    "vectors/1edtech-clrv2p0/unsigned.json",
    "vectors/w3c-vc-di-eddsa/unsigned.json",
    "examples/ob3-complete-rubric-signed.json",
    "examples/ob3-legacy-vc1-ed25519signature2020.json",
])
def test_good_documents_define_every_term(rel, load_json):
    jsonld.check_terms(load_json(rel))


def test_undefined_terms_are_named_by_path(load_json):
    good = load_json("vectors/1edtech-obv3p0/unsigned.json")
    jsonld.check_terms(good)
    bad = load_json("vectors/1edtech-obv3p0/unsigned.json")
    bad["favouriteColour"] = "green"
    bad["credentialSubject"]["foo"] = 1
    bad["credentialSubject"]["achievement"]["criteria"]["secretNote"] = "x"
    with pytest.raises(UndefinedTerm) as info:
        jsonld.check_terms(bad)
    assert info.value.terms == ["credentialSubject.achievement.criteria.secretNote",
                                "credentialSubject.foo", "favouriteColour"]
    assert info.value.problem_type == "undefined-term"


def test_undefined_terms_inside_arrays(load_json):
    bad = load_json("examples/ob3-complete-rubric-signed.json")
    bad["credentialSubject"]["result"][0]["bogus"] = True
    with pytest.raises(UndefinedTerm) as info:
        jsonld.check_terms(bad)
    assert info.value.terms == ["credentialSubject.result.bogus"]


def test_undefined_terms_inside_the_proof_graph_and_keyword_lookalikes(load_json):
    doc = load_json("examples/ob3-implguide-signed.json")
    jsonld.check_terms(doc)
    doc["proof"]["foo"] = 1
    doc["@bogus"] = 2
    with pytest.raises(UndefinedTerm) as info:
        jsonld.check_terms(doc)
    assert info.value.terms == ["@bogus", "proof.foo"]


def test_an_undefined_term_is_really_unsigned(load_json):
    """Why check_terms exists: pyld drops the property, so the canonical form ignores it."""
    good = load_json("vectors/1edtech-obv3p0/unsigned.json")
    bad = load_json("vectors/1edtech-obv3p0/unsigned.json")
    bad["credentialSubject"]["foo"] = "not signed"
    assert jsonld.canonize(bad) == jsonld.canonize(good)


@pytest.mark.parametrize("mutate, iri", [
    (lambda d: d.__setitem__("id", "credentials/3732"), "credentials/3732"),
    (lambda d: d["credentialSubject"].__setitem__("id", "learner-7"), "learner-7"),
    (lambda d: d["type"].append("NotAType"), "NotAType"),
])
def test_relative_iris_are_refused(mutate, iri, load_json):
    bad = load_json("vectors/1edtech-obv3p0/unsigned.json")
    mutate(bad)
    with pytest.raises(RelativeIri) as info:
        jsonld.check_terms(bad)
    assert iri in info.value.details["iris"]


def test_relative_iri_is_not_resolved_against_a_default_base(load_json):
    """pyld 3.3 would resolve relative IRIs against http://example.org/base/; we keep them out."""
    doc = load_json("vectors/1edtech-obv3p0/unsigned.json")
    doc["id"] = "credentials/3732"
    assert "example.org/base" not in jsonld.canonize(doc)


@pytest.mark.parametrize("doc", [[], "text", None])
def test_non_objects_are_json_ld_errors(doc):
    for func in (jsonld.canonize, jsonld.expand, jsonld.check_terms):
        with pytest.raises(JsonLdError):
            func(doc)


def test_invalid_json_ld_is_a_badge_error():
    with pytest.raises(JsonLdError):
        jsonld.canonize({"@context": {"@version": 2.0}, "name": "x"})


def test_the_engine_never_sets_a_global_document_loader():
    root = Path(jsonld.__file__).resolve().parent.parent
    offenders = [p for p in root.rglob("*.py") if "set_document_loader(" in p.read_text(encoding="utf-8")]
    assert offenders == []


# ---- canonize(checked=True) and check_terms_unsecured: the term check and the quads in one pass ----

def _raised(func, *args, **kwargs):
    try:
        func(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - the error itself is what is compared
        return type(exc), getattr(exc, "terms", None), exc.details.get("iris") if hasattr(exc, "details") else None
    return None


@pytest.mark.parametrize("rel", [
    "vectors/1edtech-obv3p0/unsigned.json",
    "vectors/1edtech-clrv2p0/unsigned.json",
    "vectors/w3c-vc-di-eddsa/unsigned.json",
    "examples/ob3-complete-rubric-signed.json",
    "examples/ob3-legacy-vc1-ed25519signature2020.json",
])
def test_checked_canonize_and_unsecured_match_the_two_steps(rel, load_json):
    doc = load_json(rel)
    assert jsonld.canonize(doc, checked=True) == jsonld.canonize(doc)
    unsecured = {k: v for k, v in doc.items() if k != "proof"}
    got = jsonld.check_terms_unsecured(doc)
    assert got == jsonld.canonize(unsecured)  # these all keep their proofs in a @graph container


BAD_TWINS = [
    pytest.param(lambda d: d.update(favouriteColour="green"), UndefinedTerm, id="undefined-top"),
    pytest.param(lambda d: d["credentialSubject"].update(foo=1), UndefinedTerm, id="undefined-nested"),
    pytest.param(lambda d: d.update({"@bogus": 2}), UndefinedTerm, id="keyword-lookalike"),
    pytest.param(lambda d: d.__setitem__("id", "credentials/3732"), RelativeIri, id="relative-id"),
    pytest.param(lambda d: d["type"].append("NotAType"), RelativeIri, id="relative-type"),
    pytest.param(lambda d: d["@context"].append("https://example.com/unknown"), ContextNotAllowed,
                 id="unknown-context"),
]


@pytest.mark.parametrize("edit, error", BAD_TWINS)
def test_checked_canonize_refuses_what_check_terms_refuses(edit, error, load_json):
    good = load_json("vectors/1edtech-obv3p0/unsigned.json")
    assert _raised(jsonld.canonize, good, checked=True) is None  # the good twin
    bad = load_json("vectors/1edtech-obv3p0/unsigned.json")
    edit(bad)
    expected = _raised(jsonld.check_terms, bad)
    assert expected is not None and expected[0] is error
    assert _raised(jsonld.canonize, bad, checked=True) == expected  # same class, same terms / IRIs
    assert _raised(jsonld.check_terms_unsecured, bad) == expected


@pytest.mark.parametrize("edit, error", BAD_TWINS)
def test_check_terms_unsecured_refuses_what_check_terms_refuses_with_a_proof(edit, error, load_json):
    bad = load_json("examples/ob3-implguide-signed.json")
    assert jsonld.check_terms_unsecured(bad) is not None  # the good twin
    if isinstance(bad["type"], str):
        bad["type"] = [bad["type"]]
    edit(bad)
    expected = _raised(jsonld.check_terms, bad)
    assert expected is not None and expected[0] is error
    assert _raised(jsonld.check_terms_unsecured, bad) == expected


def test_check_terms_unsecured_sees_into_the_proof_but_returns_the_proofless_form(load_json):
    doc = load_json("examples/ob3-implguide-signed.json")
    unsecured = jsonld.canonize({k: v for k, v in doc.items() if k != "proof"})
    assert jsonld.check_terms_unsecured(doc) == unsecured
    doc["proof"]["foo"] = 1
    with pytest.raises(UndefinedTerm) as info:
        jsonld.check_terms_unsecured(doc)
    assert info.value.terms == ["proof.foo"]


def test_checked_canonize_of_a_shape_off_the_fast_path(load_json):
    """An inline context leaves the fast path: not proven there, so pyld decides, then canonizes."""
    doc = load_json("vectors/1edtech-obv3p0/unsigned.json")
    doc["@context"] = [*doc["@context"], {"extraNote": "https://example.edu/extraNote"}]
    doc["extraNote"] = "defined inline"
    assert jsonld.canonize(doc, checked=True) == jsonld.canonize(doc)
    assert "https://example.edu/extraNote" in jsonld.canonize(doc, checked=True)
    doc["undefinedNote"] = "x"
    with pytest.raises(UndefinedTerm):
        jsonld.canonize(doc, checked=True)
