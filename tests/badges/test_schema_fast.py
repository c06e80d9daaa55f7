"""The jsonschema_rs fast path of badges.schema gives jsonschema's verdicts (and so its messages).

``schema.problems`` trusts jsonschema_rs only for "valid" on plain JSON; these tests compare the
two validators directly, document by document: every signed example under every kind and both
variants, the bad twins of test_schema.py, and systematic mutations (deleted, retyped, wrapped
and unwrapped values) of every node of the examples.
"""
from __future__ import annotations

import copy
import random

import pytest

from badges import schema
from tests.support import SEED

EXAMPLES = ["ob3-complete-rubric-signed.json", "ob3-didkey-signed.json", "ob3-implguide-signed.json",
            "ob3-status-revoked-signed.json", "ob3-endorsement-signed.json", "clr2-implguide-signed.json",
            "clr2-simple-signed.json", "ob3-legacy-vc1-ed25519signature2020.json"]
KIND_OF = {"ob3-endorsement-signed.json": "endorsement", "clr2-implguide-signed.json": "clr",
           "clr2-simple-signed.json": "clr"}


def _slow(doc, urls) -> bool:
    return all(schema._validator(u).is_valid(doc) for u in urls)


def _rust(doc, urls) -> bool:
    return all(schema._fast_validator(u).is_valid(doc) for u in urls)


def _same_verdicts(doc, kind: str, strict: bool, *, messages: bool = True) -> None:
    urls = schema._urls(kind, strict)
    slow = _slow(doc, urls)
    assert _rust(doc, urls) == slow, (kind, strict, slow)
    assert schema._fast_valid(doc, urls) == slow
    if messages:
        assert (schema.problems(doc, kind, strict=strict) == []) == slow


def _slow_problems(monkeypatch, doc, kind, strict):
    with monkeypatch.context() as m:
        m.setattr(schema, "_fast_valid", lambda *_: False)
        return schema.problems(doc, kind, strict=strict)


@pytest.mark.parametrize("name", EXAMPLES)
@pytest.mark.parametrize("kind", schema.KINDS)
@pytest.mark.parametrize("strict", [False, True])
def test_examples_same_verdict_under_every_kind(load_json, name, kind, strict):
    _same_verdicts(load_json(f"examples/{name}"), kind, strict)


def test_issuer_profiles_and_non_objects(load_json):
    doc = load_json("examples/ob3-complete-rubric-signed.json")
    for value in (doc["issuer"], {"type": ["Profile"]}, [], "x", 1, None, {}):
        for kind in schema.KINDS:
            _same_verdicts(value, kind, False)


# the bad twins of tests/badges/test_schema.py
BAD_TWINS = [
    lambda d: d.pop("validFrom"),
    lambda d: d.update(validFrom="2026-01-15T10:00:00"),
    lambda d: d.update(validFrom="2026-01-15"),
    lambda d: d["credentialSubject"]["achievement"].pop("criteria"),
    lambda d: d["credentialSubject"]["achievement"].update(image="https://x.example/i.png"),
    lambda d: d["credentialSubject"]["result"][0].update(status="Done"),
    lambda d: d["credentialSubject"]["achievement"].update(achievementType="ProjectBadge"),
    lambda d: d["credentialSubject"]["achievement"].update(achievementType="ext:ProjectBadge"),
    lambda d: d["credentialSubject"]["achievement"]["alignment"][0].pop("targetUrl"),
    lambda d: d.update({"@context": ["https://www.w3.org/ns/credentials/v2"]}),
    lambda d: d.update(type="OpenBadgeCredential"),
    lambda d: d.update(credentialSchema=d["credentialSchema"][0]),
    lambda d: d.update(proof=d["proof"][0]),
]


@pytest.mark.parametrize("index", range(len(BAD_TWINS)))
def test_bad_twins_same_verdict_and_same_problems(load_json, monkeypatch, index):
    doc = load_json("examples/ob3-complete-rubric-signed.json")
    BAD_TWINS[index](doc)
    for strict in (False, True):
        _same_verdicts(doc, "achievement", strict)
        assert schema.problems(doc, strict=strict) == _slow_problems(monkeypatch, doc, "achievement", strict)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, prefix + (i,))


def _replace(doc, path, make):
    """A copy of doc with the value at path replaced by make(old) (None = delete)."""
    out = copy.deepcopy(doc)
    parent = out
    for step in path[:-1]:
        parent = parent[step]
    new = make(parent[path[-1]])
    if new is _DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = new
    return out


_DELETE = object()
MUTATIONS = [
    lambda v: _DELETE,
    lambda v: None,
    lambda v: "",
    lambda v: 7,
    lambda v: 2.5,
    lambda v: True,
    lambda v: [],
    lambda v: {},
    lambda v: [v],
    lambda v: v[0] if isinstance(v, list) and v else v,
    lambda v: "2026-01-15T10:00:00",
    lambda v: "2026-01-15T10:00:00+01:00",
    lambda v: "2026-13-01",
    lambda v: "en-us",
    lambda v: "ext:Made_Up",
    lambda v: "https://example.org/x",
]


@pytest.mark.parametrize("name", ["ob3-complete-rubric-signed.json", "clr2-simple-signed.json",
                                  "ob3-endorsement-signed.json"])
def test_mutations_of_every_node_same_verdict(load_json, name):
    doc = load_json(f"examples/{name}")
    kind = KIND_OF.get(name, "achievement")
    rng = random.Random(SEED)
    paths = [p for p in _paths(doc) if p]
    checked = 0
    for i, path in enumerate(paths):
        # one mutation per node, cycling through all of them from a seeded offset (bounded run);
        # for achievements the strict URL list holds both variants, so one call checks both
        mutate = MUTATIONS[(i + rng.randrange(len(MUTATIONS))) % len(MUTATIONS)]
        _same_verdicts(_replace(doc, path, mutate), kind, kind == "achievement", messages=False)
        checked += 1
    assert checked == len(paths) > 20


def test_non_json_values_are_left_to_jsonschema(load_json, monkeypatch):
    """jsonschema_rs reads a tuple as an array; jsonschema does not. The fast path must not
    decide such documents."""
    doc = load_json("examples/ob3-complete-rubric-signed.json")
    doc["type"] = tuple(doc["type"])
    urls = schema._urls("achievement", False)
    assert _rust(doc, urls) and not _slow(doc, urls)  # the divergence this guards against
    assert not schema._fast_valid(doc, urls)
    assert schema.problems(doc) == _slow_problems(monkeypatch, doc, "achievement", False) != []
    for odd in (float("nan"), float("inf")):
        doc = load_json("examples/ob3-complete-rubric-signed.json")
        doc["credentialSubject"]["result"][0]["value"] = odd
        assert not schema._fast_valid(doc, urls)


def test_fast_validators_are_cached_and_offline():
    url = schema.SCHEMA_URLS["achievement"]
    assert schema._fast_validator(url) is schema._fast_validator(url)
    import jsonschema_rs

    with pytest.raises(jsonschema_rs.ValidationError, match="Retrieval is disabled"):
        jsonschema_rs.Draft201909Validator({"$ref": "https://example.org/s.json"}, offline=True)
