"""Benchmark: eddsa-rdfc-2022 sign/verify of a full-featured Open Badges 3.0 credential.

Run from the checkout:  .venv/bin/python bench/bench_sign.py [--quick] [--no-js]
Pinned to one CPU core; every figure comes from the same run (see bench/README.md), including
the reference JavaScript stack (bench/js_sign_bench.mjs, run on the same core).
"""
from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives.asymmetric import ed25519  # noqa: E402
from pyld import jsonld as pyld_jsonld  # noqa: E402

from badges.jsonld import processor  # noqa: E402

SEED = bytes(range(32))
CREATED = datetime(2026, 1, 15, 10, 0, 0, tzinfo=UTC)
# Used only when badges.signing is missing; otherwise the issuer is the did:key of SEED.
ISSUER = "did:key:z6MkiY62766b1LJkExWMsM3QG4WtX7QpY823dxoYzr9qZvJ3"

# As badges.issuance emits it: the extensions context defines 1EdTechJsonSchemaValidator2019, which
# is otherwise a relative IRI (and badges.signing.sign refuses it).
CREDENTIAL = json.loads("""
{
  "@context": ["https://www.w3.org/ns/credentials/v2",
               "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
               "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"],
  "id": "urn:uuid:2f6e1d8c-5b0a-4c1e-9a57-0d3c8b7e4f21",
  "type": ["VerifiableCredential", "OpenBadgeCredential"],
  "name": "Scientific Inquiry - Proficient",
  "description": "Awarded when a student's lab report meets the school's scientific inquiry rubric.",
  "issuer": {
    "id": "filled in by build_credential",
    "type": ["Profile"],
    "name": "Riverside High School",
    "url": "https://riverside.example.edu",
    "email": "registrar@riverside.example.edu",
    "address": {
      "type": ["Address"],
      "addressCountry": "United States",
      "addressCountryCode": "US",
      "addressRegion": "OR",
      "addressLocality": "Portland",
      "streetAddress": "1200 River Road",
      "postalCode": "97201"
    },
    "image": {
      "id": "https://riverside.example.edu/logo.png",
      "type": "Image",
      "caption": "Riverside High School crest"
    }
  },
  "validFrom": "2026-01-15T10:00:00Z",
  "validUntil": "2031-01-15T10:00:00Z",
  "credentialSubject": {
    "type": ["AchievementSubject"],
    "identifier": [{
      "type": "IdentityObject",
      "identityHash": "sha256$c4c9f5bb2e1ab3d3bd2a4b1c6d3b1fd13f4be8a1f4c2a0f3e1d9b8c7a6f5e4d3",
      "identityType": "emailAddress",
      "hashed": true,
      "salt": "s4lt-2026"
    }],
    "achievement": {
      "id": "https://riverside.example.edu/achievements/scientific-inquiry",
      "type": ["Achievement"],
      "achievementType": "Competency",
      "name": "Scientific Inquiry",
      "description": "Plans and carries out an investigation, analyses data and argues from evidence.",
      "criteria": {
        "narrative": "Score at least Proficient on every criterion of the Scientific Inquiry rubric."
      },
      "image": {
        "id": "https://riverside.example.edu/achievements/scientific-inquiry.png",
        "type": "Image"
      },
      "humanCode": "SCI-INQ-3",
      "fieldOfStudy": "Science",
      "tag": ["science", "inquiry", "competency-based"],
      "alignment": [
        {"type": ["Alignment"], "targetName": "NGSS SEP 3: Planning and Carrying Out Investigations",
         "targetUrl": "https://www.nextgenscience.org/sep/3", "targetFramework": "NGSS",
         "targetCode": "SEP-3", "targetType": "CFItem"},
        {"type": ["Alignment"], "targetName": "NGSS SEP 4: Analyzing and Interpreting Data",
         "targetUrl": "https://www.nextgenscience.org/sep/4", "targetFramework": "NGSS",
         "targetCode": "SEP-4", "targetType": "CFItem"},
        {"type": ["Alignment"], "targetName": "NGSS SEP 7: Engaging in Argument from Evidence",
         "targetUrl": "https://www.nextgenscience.org/sep/7", "targetFramework": "NGSS",
         "targetCode": "SEP-7", "targetType": "CFItem"}
      ],
      "resultDescription": []
    },
    "result": []
  },
  "evidence": [
    {"id": "https://riverside.example.edu/evidence/8841", "type": ["Evidence"],
     "name": "Lab report: reaction rates", "narrative": "Designed and ran a controlled experiment.",
     "genre": "Lab report", "audience": "Teacher"},
    {"id": "https://riverside.example.edu/evidence/8842", "type": ["Evidence"],
     "name": "Poster presentation", "description": "Presented findings at the science fair.",
     "genre": "Presentation", "audience": "Public"}
  ],
  "credentialStatus": {
    "id": "https://riverside.example.edu/status/3#94567",
    "type": "BitstringStatusListEntry",
    "statusPurpose": "revocation",
    "statusListIndex": "94567",
    "statusListCredential": "https://riverside.example.edu/status/3"
  },
  "credentialSchema": [{
    "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
    "type": "1EdTechJsonSchemaValidator2019"
  }]
}
""")

CRITERIA = [("plan", "Planning the investigation"), ("analyse", "Analysing data"), ("argue", "Arguing from evidence")]
LEVELS = [(1, "Beginning"), (2, "Developing"), (3, "Proficient"), (4, "Exceeds")]
ACHIEVED = {"plan": 3, "analyse": 4, "argue": 3}


def build_credential(issuer_id: str) -> dict:
    doc = copy.deepcopy(CREDENTIAL)
    doc["issuer"]["id"] = issuer_id
    base = "https://riverside.example.edu/achievements/scientific-inquiry"
    descriptions, results = [], []
    for code, name in CRITERIA:
        rd_id = f"{base}/criteria/{code}"
        descriptions.append({
            "id": rd_id, "type": ["ResultDescription"], "name": name,
            "resultType": "RubricCriterionLevel", "requiredLevel": f"{rd_id}/levels/3",
            "rubricCriterionLevel": [
                {"id": f"{rd_id}/levels/{value}", "type": ["RubricCriterionLevel"], "name": level,
                 "description": f"{level}: {name.lower()} at level {value}.", "level": str(value),
                 "points": str(value * 5)}
                for value, level in LEVELS
            ],
        })
        results.append({"type": ["Result"], "resultDescription": rd_id,
                        "achievedLevel": f"{rd_id}/levels/{ACHIEVED[code]}", "status": "Completed"})
    doc["credentialSubject"]["achievement"]["resultDescription"] = descriptions
    doc["credentialSubject"]["result"] = results
    return doc


# ---- loaders and signers --------------------------------------------------------------------------

def project_loader():
    try:
        from badges.jsonld import load_document
        return load_document, "badges.jsonld.load_document"
    except ImportError:
        from pyld.documentloader.frozen import FrozenDocumentLoader
        contexts = ROOT / "badges" / "jsonld" / "contexts"
        index = json.loads((contexts / "index.json").read_text(encoding="utf-8"))
        return FrozenDocumentLoader({u: contexts / e["file"] for u, e in index.items()}), "FrozenDocumentLoader"


def stock_canon(doc: dict, loader) -> str:
    return pyld_jsonld.normalize(doc, {"algorithm": "URDNA2015", "format": "application/n-quads",
                                       "documentLoader": loader})


def fast_canon(doc: dict, loader) -> str:
    return processor.to_nquads(doc, loader=loader)


def proof_config(doc: dict, vm: str) -> dict:
    return {"@context": doc["@context"], "type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022",
            "created": "2026-01-15T10:00:00Z", "verificationMethod": vm, "proofPurpose": "assertionMethod"}


def hash_data(doc: dict, vm: str, canon, loader) -> bytes:
    # eddsa-rdfc-2022 §3.2.4: SHA-256(canonical proof config) || SHA-256(canonical document)
    return (hashlib.sha256(canon(proof_config(doc, vm), loader).encode("utf-8")).digest()
            + hashlib.sha256(canon(doc, loader).encode("utf-8")).digest())


def composed_sign(doc, vm, key, canon, loader) -> bytes:
    return key.sign(hash_data(doc, vm, canon, loader))


def composed_sign_checked(doc, vm, key, loader) -> bytes:
    # What badges.signing.sign needs: refuse undefined terms / relative IRIs first (check_terms).
    # processor.fully_defined proves it on the fast path; stock check_terms expands with pyld twice.
    defined = processor.fully_defined(doc, loader=loader)
    if not (defined and processor.fully_defined(proof_config(doc, vm), loader=loader)):
        raise AssertionError("the bench credential must be fully defined")
    return composed_sign(doc, vm, key, fast_canon, loader)


def composed_verify(doc, vm, public, signature, canon, loader) -> None:
    public.verify(signature, hash_data(doc, vm, canon, loader))


# ---- measurement ----------------------------------------------------------------------------------

def pin_one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    return "not pinned (no sched_setaffinity)"


def measure(fn, min_time: float, repeats: int, clock=time.process_time) -> float:
    """Median seconds per call over `repeats` batches, each batch lasting at least `min_time`."""
    fn()
    number = 1
    while True:
        start = clock()
        for _ in range(number):
            fn()
        elapsed = clock() - start
        if elapsed >= min_time / 4:
            break
        number *= 2
    number = max(1, int(number * (min_time / max(elapsed, 1e-9))))
    samples = []
    for _ in range(repeats):
        start = clock()
        for _ in range(number):
            fn()
        samples.append((clock() - start) / number)
    return statistics.median(samples)


# ---- reference JavaScript stack ------------------------------------------------------------------

INTEROP = ROOT / "tests" / "interop"
JS_BENCH = ROOT / "bench" / "js_sign_bench.mjs"


def js_reference(doc: dict, signed: dict, signer, *, wall: bool, min_time: float, repeats: int,
                 warmup: int, n: int | None) -> dict | str:
    """Digital Bazaar's stack timed by bench/js_sign_bench.mjs; a "skipped: ..." string if absent.

    node inherits this process's CPU affinity, so it runs on the same single core.
    """
    node = shutil.which("node")
    if node is None:
        return "skipped: node is not installed"
    if not (INTEROP / "node_modules").is_dir():
        return "skipped: tests/interop/node_modules is missing (run `npm ci --prefix tests/interop`)"
    from badges.signing.proofs import format_datetime
    multikey = signer.to_multikey(secret=True)
    case = {"credential": doc, "signed": signed, "created": format_datetime(CREATED),
            "now": format_datetime(CREATED), "secretKeyMultibase": multikey["secretKeyMultibase"],
            "publicKeyMultibase": multikey["publicKeyMultibase"],
            "verificationMethod": signer.verification_method, "controller": signer.controller,
            "clock": "wall" if wall else "cpu", "minTime": min_time, "repeats": repeats,
            "warmup": warmup, "n": n}
    with tempfile.TemporaryDirectory(prefix="bench-js-") as tmp:
        (Path(tmp) / "input.json").write_text(json.dumps(case), encoding="utf-8")
        run = subprocess.run([node, str(JS_BENCH), tmp], cwd=INTEROP, capture_output=True, text=True,
                             timeout=900, check=False)
    if run.returncode != 0:
        raise RuntimeError(f"node bench/js_sign_bench.mjs failed ({run.returncode}):\n{run.stderr[-2000:]}")
    return json.loads(run.stdout)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter batches (noisier figures)")
    parser.add_argument("--wall", action="store_true",
                        help="time with the wall clock instead of this process's CPU time")
    parser.add_argument("--no-js", action="store_true", help="skip the reference JavaScript stack")
    parser.add_argument("--js-ops", type=int, default=None, metavar="N",
                        help="JS: N operations per batch (default: calibrated like the Python batches)")
    args = parser.parse_args(argv)
    min_time, repeats = (0.05, 3) if args.quick else (0.4, 5)
    clock = time.perf_counter if args.wall else time.process_time

    where = pin_one_core()
    loader, loader_name = project_loader()
    key = ed25519.Ed25519PrivateKey.from_private_bytes(SEED)
    public = key.public_key()

    signer = None
    try:
        from badges.signing import DidKeyResolver, Ed25519Signer, sign, verify_proof
        signer = Ed25519Signer.from_seed(SEED)
        issuer_id = signer.verification_method.split("#")[0]
    except ImportError:
        issuer_id = ISSUER
    vm = f"{issuer_id}#{issuer_id.removeprefix('did:key:')}"
    doc = build_credential(issuer_id)

    # Correctness first: the fast path must reproduce stock pyld byte for byte.
    expected = stock_canon(copy.deepcopy(doc), loader)
    assert fast_canon(doc, loader) == expected, "processor.to_nquads differs from pyld"
    assert fast_canon(proof_config(doc, vm), loader) == stock_canon(proof_config(doc, vm), loader)
    signature = composed_sign(doc, vm, key, fast_canon, loader)
    composed_verify(doc, vm, public, signature, stock_canon, loader)  # stock verifies what fast signed

    message = bytes(range(64))
    rows: list[tuple[str, float]] = []

    def row(label: str, fn) -> float:
        seconds = measure(fn, min_time, repeats, clock)
        rows.append((label, seconds))
        return seconds

    raw = row("Ed25519 sign, 64 bytes (cryptography)", lambda: key.sign(message))
    raw_sig = key.sign(message)
    row("Ed25519 verify, 64 bytes", lambda: public.verify(raw_sig, message))
    row("canonicalize credential: stock pyld normalize", lambda: stock_canon(doc, loader))
    row("canonicalize credential: processor.to_nquads", lambda: fast_canon(doc, loader))
    row("canonicalize proof config: stock pyld", lambda: stock_canon(proof_config(doc, vm), loader))
    row("canonicalize proof config: processor.to_nquads", lambda: fast_canon(proof_config(doc, vm), loader))
    row("eddsa-rdfc-2022 sign, composed: stock pyld", lambda: composed_sign(doc, vm, key, stock_canon, loader))
    row("eddsa-rdfc-2022 sign, composed: processor", lambda: composed_sign(doc, vm, key, fast_canon, loader))
    row("eddsa-rdfc-2022 sign, composed: processor + fully_defined x2",
        lambda: composed_sign_checked(doc, vm, key, loader))
    row("eddsa-rdfc-2022 verify, composed: stock pyld",
        lambda: composed_verify(doc, vm, public, signature, stock_canon, loader))
    row("eddsa-rdfc-2022 verify, composed: processor",
        lambda: composed_verify(doc, vm, public, signature, fast_canon, loader))

    py_sign = py_verify = signed = None
    if signer is not None:
        resolver = DidKeyResolver()
        signed = sign(doc, signer=signer, created=CREATED, loader=loader)
        result = verify_proof(signed, resolver=resolver, now=CREATED, loader=loader)
        assert result.verified, result.error
        py_sign = row("badges.signing.sign (as integrated: terms proven inside canonicalization)",
                      lambda: sign(doc, signer=signer, created=CREATED, loader=loader))
        py_verify = row("badges.signing.verify_proof (as integrated now)",
                        lambda: verify_proof(signed, resolver=resolver, now=CREATED, loader=loader))

    quads = expected.count("\n")
    print(f"Open Badges 3.0 credential: {len(json.dumps(doc))} bytes of JSON, {quads} canonical quads, "
          f"{expected.count('_:c14n') and len(set(t for t in expected.split() if t.startswith('_:c14n')))} "
          f"blank nodes; loader {loader_name}; {where}; {'wall' if args.wall else 'CPU'} time; "
          f"Python {sys.version.split()[0]}")
    print(f"{'operation':<62} {'ops/s':>10} {'ms/op':>9} {'x raw sign':>11}")
    for label, seconds in rows:
        print(f"{label:<62} {1 / seconds:>10,.0f} {seconds * 1e3:>9.3f} {seconds / raw:>11.1f}")

    print()
    print("reference JavaScript stack (Digital Bazaar, bench/js_sign_bench.mjs), same credential, key and created:")
    if args.no_js:
        print("skipped: --no-js")
        return 0
    if signer is None:
        print("skipped: badges.signing is not importable, so there is no Python sign/verify to compare")
        return 0
    js = js_reference(doc, signed, signer, wall=args.wall, min_time=min_time, repeats=repeats,
                      warmup=40 if args.quick else 100, n=args.js_ops)
    if isinstance(js, str):
        print(js)
        return 0
    ours = signed["proof"][-1]["proofValue"]
    if not (js["proofValueMatches"] and js["verified"] and js["tamperedRefused"]):
        print(f"FAILED: JS proofValue {js['proofValue']} vs ours {ours}; JS verifies ours: {js['verified']} "
              f"({js.get('verifyError')}); JS refuses a tampered twin: {js['tamperedRefused']}")
        return 1
    packages = ", ".join(f"{name.removeprefix('@digitalbazaar/')} {v}" for name, v in js["packages"].items())
    print(f"node {js['node']}; {packages}; {where} (inherited by node)")
    print(f"checks: JS proofValue == ours byte for byte ({len(ours)} chars), JS verifies ours, "
          f"JS refuses a tampered twin")
    clock_name = "wall" if args.wall else "CPU"
    print(f"{'operation (median of ' + str(repeats) + ' batches)':<46} {'N/batch':>8} {'ops/s':>8} "
          f"{clock_name + ' ms/op':>12} {'other ms/op':>12} {'x raw sign':>11}")
    ratios = []
    for label, key_, python in (("JS vc.issue (sign)", "sign", py_sign),
                                ("JS vc.verifyCredential (verify)", "verify", py_verify)):
        figures = js[key_]
        main_s = statistics.median(figures["wall" if args.wall else "cpu"])
        other_s = statistics.median(figures["cpu" if args.wall else "wall"])
        print(f"{label:<46} {figures['n']:>8} {1 / main_s:>8,.0f} {main_s * 1e3:>12.3f} "
              f"{other_s * 1e3:>12.3f} {main_s / raw:>11.1f}")
        ratios.append((key_, main_s, python))
    for key_, js_s, python in ratios:
        print(f"ratio JS/Python, {key_:<6}: {js_s / python:5.1f}x  "
              f"(JS {js_s * 1e3:.3f} ms/op vs badges.signing.{'sign' if key_ == 'sign' else 'verify_proof'} "
              f"{python * 1e3:.3f} ms/op, {clock_name} time, this run)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
