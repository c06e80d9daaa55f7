"""The vendored reference data (tests/reference) and the contexts and schemas the package ships are
exactly the published bytes: checked against the sha256 digests of manifest.json, and against the
original shared reference beside the checkout whenever it is there."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.support import REFERENCE, ROOT, SHARED_REFERENCE

MANIFEST = json.loads((REFERENCE / "manifest.json").read_text(encoding="utf-8"))
SCHEMA_DIR = ROOT / "badges" / "schemas"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("entry", MANIFEST["schemas"], ids=lambda e: e["file"])
def test_shipped_schema_is_the_published_file(entry):
    shipped = SCHEMA_DIR / Path(entry["file"]).relative_to("schemas")
    assert _sha256(shipped) == entry["sha256"]


def test_a_changed_schema_byte_is_noticed(tmp_path):
    # the bad twin of the check above: one byte off and the digest no longer matches
    entry = MANIFEST["schemas"][0]
    copy = tmp_path / "schema.json"
    data = (SCHEMA_DIR / Path(entry["file"]).relative_to("schemas")).read_bytes()
    copy.write_bytes(data.replace(b'"type"', b'"typo"', 1))
    assert _sha256(copy) != entry["sha256"]


def test_vendored_reference_has_what_the_tests_use():
    for sub in ("vectors", "examples"):
        assert any((REFERENCE / sub).rglob("*.json")), sub
    assert (REFERENCE / "examples" / "ob3-implguide-signed.json").is_file()


@pytest.mark.skipif(not SHARED_REFERENCE.is_dir(), reason="no shared reference beside the checkout to compare with")
def test_vendored_copy_equals_the_shared_reference():
    if REFERENCE.resolve() == SHARED_REFERENCE.resolve():
        pytest.skip("REFERENCE_DIR points at the shared reference itself")
    mine = {p.relative_to(REFERENCE): p for p in REFERENCE.rglob("*") if p.is_file() and p != REFERENCE / "README.md"}  # that README is ours
    for rel, path in sorted(mine.items()):
        original = SHARED_REFERENCE / rel
        assert original.is_file(), f"{rel} is not in the shared reference"
        assert path.read_bytes() == original.read_bytes(), rel
    for sub in ("vectors", "examples"):
        theirs = {p.relative_to(SHARED_REFERENCE) for p in (SHARED_REFERENCE / sub).rglob("*") if p.is_file()}
        assert theirs <= set(mine), sorted(theirs - set(mine))
