"""Pin the public API: adding or removing a name from `badges.__all__` is a deliberate act."""
from __future__ import annotations

import subprocess
import sys

import pytest

import badges

EXPECTED = [
    "BadgeError", "BakeError", "BitstringStatusList", "ChainResolver", "CheckId", "CheckResult",
    "ContextNotAllowed", "DidKeyResolver", "DocumentResolver", "Ed25519Signer", "FragmentKeyResolver",
    "InvalidSignature", "JsonLdError", "KeyFormatError", "KeyResolver", "ModelError", "ProofError",
    "ProofPurposeError", "ProofResult", "PublicKey", "RelativeIri", "ResolutionError", "RubricError", "SchemaError",
    "StatusListError", "TrustRegistry", "TrustedIssuer", "UndefinedTerm", "UnsupportedSuite", "VerificationMethod",
    "VerificationReport", "bake_png", "bake_svg", "build_clr", "build_credential", "canonize", "check_status",
    "check_terms", "identity_hash", "identity_object", "load_document", "load_key_file", "sign", "sign_jwt",
    "status_entry", "status_list_credential", "unbake", "verify_credential", "verify_jwt", "verify_proof",
]


def test_all_is_pinned():
    assert badges.__all__ == sorted(EXPECTED)


@pytest.mark.parametrize("name", EXPECTED)
def test_every_exported_name_resolves_to_its_definition(name):
    value = getattr(badges, name)
    assert getattr(value, "__name__", name) == name
    assert value.__module__.startswith("badges.")
    assert name in dir(badges)


def test_unknown_names_raise_attribute_error():
    with pytest.raises(AttributeError):
        badges.does_not_exist  # noqa: B018


def test_importing_errors_does_not_load_the_engine():
    code = ("import sys, badges.errors; heavy = [m for m in ('pyld', 'jsonschema', 'cryptography') "
            "if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
