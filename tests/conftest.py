"""Shared fixtures: the reference data, a fixed-seed key and a fixed clock."""
from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The published vectors and examples, vendored in tests/reference (see its README) so that a clean
# clone runs every test; REFERENCE_DIR points at another copy. SHARED_REFERENCE is the original
# beside the checkout, used only to check the vendored copy for drift.
REFERENCE = Path(__import__("os").environ.get("REFERENCE_DIR", ROOT / "tests" / "reference"))
SHARED_REFERENCE = ROOT.parent / "shared" / "reference"

SEED = bytes(range(32))
NOW = datetime(2026, 1, 15, 10, 0, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="session")
def reference() -> Path:
    if not REFERENCE.is_dir():
        pytest.skip(f"reference data not found at {REFERENCE}")
    return REFERENCE


@pytest.fixture
def load_json(reference):
    """Fresh (deep-copied) JSON fixtures, so a test can never corrupt another's."""
    cache: dict[str, object] = {}

    def load(rel: str):
        if rel not in cache:
            cache[rel] = json.loads((reference / rel).read_text(encoding="utf-8"))
        return copy.deepcopy(cache[rel])

    return load


@pytest.fixture
def now() -> datetime:
    return NOW
