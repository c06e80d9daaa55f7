"""Our eddsa-rdfc-2022 proofs against Digital Bazaar's JavaScript stack (@digitalbazaar/vc).

Needs Node and `npm ci` in tests/interop (see package.json); skipped otherwise.
"""
from __future__ import annotations

import json
import subprocess

import pytest

from badges.signing import Ed25519Signer, sign
from badges.signing.proofs import format_datetime
from tests.interop.support import HERE, NODE, requires_node
from tests.support import NOW, SEED

pytestmark = requires_node()

ISSUER = "https://school.example/issuers/1"


def _case(name: str, unsigned: dict, signed: dict, signer: Ed25519Signer) -> dict:
    multikey = signer.to_multikey(secret=True)
    return {"name": name, "unsigned": unsigned, "signed": signed, "created": format_datetime(NOW),
            "now": format_datetime(NOW), "secretKeyMultibase": multikey["secretKeyMultibase"],
            "publicKeyMultibase": multikey["publicKeyMultibase"],
            "verificationMethod": signer.verification_method, "controller": ISSUER}


@pytest.fixture(scope="module")
def js_results(reference, tmp_path_factory) -> dict:
    key = Ed25519Signer.from_seed(SEED)
    signer = key.with_verification_method(f"{ISSUER}#{key.public_key.multibase}")
    cases = []
    for name in ("1edtech-obv3p0", "1edtech-clrv2p0"):
        unsigned = json.loads((reference / f"vectors/{name}/unsigned.json").read_text(encoding="utf-8"))
        unsigned["issuer"]["id"] = ISSUER
        signed = sign(unsigned, signer=signer, created=NOW)
        cases.append(_case(name, unsigned, signed, signer))
        tampered = json.loads(json.dumps(signed))
        tampered["name"] = "Tampered"
        cases.append(_case(f"{name} tampered", unsigned, tampered, signer))
    path = tmp_path_factory.mktemp("interop") / "cases.json"
    path.write_text(json.dumps({"cases": cases}), encoding="utf-8")
    run = subprocess.run([NODE, str(HERE / "interop.mjs"), str(path)], capture_output=True, text=True,
                         timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    results = {r["name"]: r for r in json.loads(run.stdout)["results"]}
    return {"cases": {c["name"]: c for c in cases}, "results": results}


@pytest.mark.parametrize("name", ["1edtech-obv3p0", "1edtech-clrv2p0"])
def test_javascript_verifies_our_proof(js_results, name):
    result = js_results["results"][name]
    assert result["verified"] is True, result["error"]


@pytest.mark.parametrize("name", ["1edtech-obv3p0", "1edtech-clrv2p0"])
def test_javascript_refuses_our_tampered_twin(js_results, name):
    assert js_results["results"][f"{name} tampered"]["verified"] is False


@pytest.mark.parametrize("name", ["1edtech-obv3p0", "1edtech-clrv2p0"])
def test_javascript_signs_the_same_bytes(js_results, name):
    ours = js_results["cases"][name]["signed"]["proof"][-1]
    theirs = js_results["results"][name]
    assert theirs["created"] == ours["created"]
    assert theirs["proofValue"] == ours["proofValue"]
