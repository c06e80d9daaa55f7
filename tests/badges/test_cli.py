"""The `badges` command: main([...]) exit codes and output, never a traceback."""
from __future__ import annotations

import base64
import json
import re
import stat
import warnings

import pytest
from joserfc import jws
from joserfc.errors import BadSignatureError, SecurityWarning
from joserfc.jwk import OKPKey

from badges.cli import build_parser, main, make_fetcher, make_resolver
from badges.errors import ResolutionError
from badges.jsonld import DID_V1, MULTIKEY_V1
from badges.signing import Ed25519Signer
from tests.badges.verification_support import CREDENTIALS, DOCUMENTS, VECTORS
from tests.support import SEED
from tests.vectors.build import REVOCATION_LIST, badge

NOW = "2026-01-15T10:00:00Z"
OFFLINE = ["--now", NOW, "--documents", str(DOCUMENTS)]


def vec(name: str) -> str:
    return str(CREDENTIALS / name)


def run(capsys, *argv, plugins=()):
    code = main(list(argv), plugins=plugins)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


# ---- verify ------------------------------------------------------------------------------------

def test_verify_with_a_did_web_bundle(capsys):
    code, out, _ = run(capsys, "verify", *OFFLINE, "--trust", str(VECTORS / "trust.json"), vec("good.json"))
    assert code == 0
    assert out.splitlines()[0].startswith(f"{vec('good.json')}: VERIFIED")
    assert "Signed by Lincoln High School's key" in out
    assert "District school" in out


def test_verify_without_the_bundle_cannot_find_did_web_keys(capsys):
    code, out, _ = run(capsys, "verify", "--now", NOW, vec("good.json"))
    assert code == 1 and "NOT VERIFIED" in out and "could not be found" in out


def test_verify_exit_code_is_zero_only_if_every_file_verified(capsys):
    code, out, _ = run(capsys, "verify", *OFFLINE, vec("good.json"), vec("revoked.json"))
    assert code == 1
    assert "This badge was revoked by its issuer." in out
    assert out.count("NOT VERIFIED") == 1


def test_verify_json_lines(capsys):
    names = ["good.json", "good.png", "tampered.jwt"]
    code, out, _ = run(capsys, "verify", "--json", *OFFLINE, *map(vec, names))
    lines = out.splitlines()
    assert code == 1 and len(lines) == 3
    reports = [json.loads(line) for line in lines]
    assert [r["verified"] for r in reports] == [True, True, False]
    assert [r["source"] for r in reports] == list(map(vec, names))
    assert reports[1]["format"] == "png+json"
    assert next(c for c in reports[2]["checks"] if c["id"] == "proof")["outcome"] == "fail"


def test_verify_clr_prints_nested_reports(capsys):
    code, out, _ = run(capsys, "verify", *OFFLINE, vec("clr-tampered-nested.json"))
    assert code == 1
    assert "bundled credential #1: NOT VERIFIED" in out and "bundled credential #2: VERIFIED" in out


def test_verify_reference_example_needs_no_bundle(capsys, reference):
    code, out, _ = run(capsys, "verify", "--now", NOW, str(reference / "examples" / "ob3-implguide-signed.json"))
    assert code == 0 and "WARN  issuer_key" in out


def test_verify_unreachable_status_without_bundle(capsys):
    code, out, _ = run(capsys, "verify", "--json", "--now", NOW, "--documents", str(DOCUMENTS),
                       vec("unreachable-status.json"))
    status = next(c for c in json.loads(out)["checks"] if c["id"] == "status")
    assert code == 1 and status["outcome"] == "fail"


def test_verify_now_changes_the_verdict(capsys):
    assert run(capsys, "verify", *OFFLINE, vec("expired.json"))[0] == 1
    assert run(capsys, "verify", "--now", "2025-12-10T00:00:00Z", "--documents", str(DOCUMENTS),
               vec("expired.json"))[0] == 0


def test_verify_garbage_file_is_a_failed_report_not_an_error(capsys, tmp_path):
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00\x01 not a badge")
    code, out, _ = run(capsys, "verify", "--now", NOW, str(junk))
    assert code == 1 and "FAIL  parse" in out


@pytest.mark.parametrize("argv, message", [
    (["verify", "missing.json"], "missing.json: no such file"),
    (["verify", "--now", "yesterday", "X"], "--now 'yesterday'"),
    (["verify", "--now", "2026-01-15T10:00:00", "X"], "time zone"),
    (["verify", "--documents", "/nonexistent-dir", "X"], "not a directory"),
])
def test_verify_bad_input_is_one_line_and_exit_2(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1


def test_verify_bad_trust_file(capsys, tmp_path):
    bad = tmp_path / "trust.json"
    bad.write_text('{"issuers": [{"name": "no id"}]}')
    code, _, err = run(capsys, "verify", "--trust", str(bad), vec("good.json"))
    assert code == 2 and "--trust" in err and len(err.strip().splitlines()) == 1


def test_verify_bad_bundle_document(capsys, tmp_path):
    (tmp_path / "broken.json").write_text("{not json")
    code, _, err = run(capsys, "verify", "--documents", str(tmp_path), vec("good.json"))
    assert code == 2 and "broken.json" in err


# ---- keygen → sign → verify, with a did:web bundle ----------------------------------------------

def test_keygen_sign_verify_with_a_did_web_document(capsys, tmp_path):
    key_file = tmp_path / "key.json"
    code, out, _ = run(capsys, "keygen", "--out", str(key_file))
    assert code == 0 and str(key_file) in out
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = json.loads(key_file.read_text())
    assert key["type"] == "Multikey" and key["publicKeyMultibase"].startswith("z6Mk")
    assert key["secretKeyMultibase"].startswith("z")

    did = "did:web:westside.example.org"
    vm = did + "#key-1"
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "did.json").write_text(json.dumps({
        "@context": [DID_V1, MULTIKEY_V1], "id": did,
        "verificationMethod": [{"id": vm, "type": "Multikey", "controller": did,
                                "publicKeyMultibase": key["publicKeyMultibase"]}],
        "assertionMethod": [vm]}))
    unsigned = tmp_path / "badge.json"
    unsigned.write_text(json.dumps(badge(issuer={"id": did, "type": ["Profile"], "name": "Westside Academy",
                                                 "url": "https://westside.example.org"})))
    code, out, _ = run(capsys, "sign", "--key", str(key_file), "--verification-method", vm, "--created", NOW,
                       str(unsigned))
    assert code == 0
    signed = json.loads(out)
    assert signed["proof"][0]["verificationMethod"] == vm and signed["proof"][0]["created"] == NOW
    signed_file = tmp_path / "signed.json"
    signed_file.write_text(out)

    code, out, _ = run(capsys, "verify", "--now", NOW, "--documents", str(bundle), str(signed_file))
    assert code == 0 and "Signed by Westside Academy's key, as published by Westside Academy." in out
    # The same badge without the bundle: the did:web key cannot be found.
    assert run(capsys, "verify", "--now", NOW, str(signed_file))[0] == 1


def test_keygen_refuses_to_overwrite(capsys, tmp_path):
    key_file = tmp_path / "key.json"
    key_file.write_text("precious")
    code, _, err = run(capsys, "keygen", "--out", str(key_file))
    assert code == 2 and "already exists" in err and key_file.read_text() == "precious"


def test_keygen_to_stdout(capsys):
    code, out, _ = run(capsys, "keygen")
    key = json.loads(out)
    assert code == 0 and {"publicKeyMultibase", "secretKeyMultibase", "id", "controller"} <= set(key)
    assert Ed25519Signer.from_multikey(key).public_key.multibase == key["publicKeyMultibase"]


def test_sign_defaults_created_to_now_in_whole_seconds(capsys, tmp_path):
    key_file = tmp_path / "key.json"
    key_file.write_text(json.dumps(Ed25519Signer.from_seed(SEED).to_multikey(secret=True)))
    unsigned = tmp_path / "badge.json"
    issuer = Ed25519Signer.from_seed(SEED).public_key.did_key
    unsigned.write_text(json.dumps(badge(issuer={"id": issuer, "type": ["Profile"], "name": "Seed School",
                                                 "url": "https://seed.example"})))
    code, out, _ = run(capsys, "sign", "--key", str(key_file), str(unsigned))
    assert code == 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", json.loads(out)["proof"][0]["created"])


@pytest.mark.parametrize("setup, message", [
    ("bad-key", "--key"),
    ("undefined-term", "not defined"),
    ("not-json", "not JSON"),
    ("bad-created", "--created"),
])
def test_sign_bad_input_is_one_line_and_exit_2(capsys, tmp_path, setup, message):
    key_file = tmp_path / "key.json"
    key_file.write_text(json.dumps(Ed25519Signer.from_seed(SEED).to_multikey(secret=True)))
    doc = badge()
    extra = []
    if setup == "bad-key":
        key_file.write_text('{"type": "Multikey"}')
    if setup == "undefined-term":
        doc["favouriteColour"] = "blue"
    if setup == "bad-created":
        extra = ["--created", "soon"]
    unsigned = tmp_path / "badge.json"
    unsigned.write_text("{{{" if setup == "not-json" else json.dumps(doc))
    code, out, err = run(capsys, "sign", "--key", str(key_file), *extra, str(unsigned))
    assert code == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1


def _independent_jws_payload(token: str, public_jwk: dict) -> dict:
    """Checks the token with joserfc, a JOSE library that shares no code with ours."""
    key = OKPKey.import_key(public_jwk)
    # joserfc warns that RFC 9864 deprecates the polymorphic "EdDSA" for "Ed25519"; we still sign
    # "EdDSA" because that is what OB 3.0 verifiers and wallets read today.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecurityWarning)
        return json.loads(jws.deserialize_compact(token, key, algorithms=["EdDSA"]).payload)


def test_sign_format_jwt_prints_a_vc_jwt_that_our_verifier_and_an_independent_jose_library_accept(
        capsys, tmp_path):
    signer = Ed25519Signer.from_seed(SEED)
    key_file = tmp_path / "key.json"
    key_file.write_text(json.dumps(signer.to_multikey(secret=True)))
    issuer = signer.public_key.did_key
    unsigned = tmp_path / "badge.json"
    doc = badge(issuer={"id": issuer, "type": ["Profile"], "name": "Seed School", "url": "https://seed.example"})
    unsigned.write_text(json.dumps(doc))
    code, out, err = run(capsys, "sign", "--format", "jwt", "--key", str(key_file), str(unsigned))
    assert code == 0, err
    token = out.strip()
    assert re.fullmatch(r"[\w-]+\.[\w-]+\.[\w-]+", token)
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    # OB 3.0 §8.2.3: alg, kid (dereferenceable) and typ JWT; no other header.
    assert header == {"alg": "EdDSA", "typ": "JWT", "kid": signer.verification_method}
    payload = _independent_jws_payload(token, signer.public_key.to_jwk())
    assert payload["iss"] == issuer and payload["jti"] == doc["id"]
    assert payload["sub"] == doc["credentialSubject"]["id"] and "proof" not in payload
    assert {k: v for k, v in payload.items() if k not in ("iss", "jti", "nbf", "sub", "exp")} == doc

    jwt_file = tmp_path / "badge.jwt"
    jwt_file.write_text(token)
    code, out, _ = run(capsys, "verify", "--now", NOW, str(jwt_file))
    assert code == 0 and "VERIFIED" in out.splitlines()[0]
    # The bad twin: one changed byte in the payload and both readers refuse it.
    head, body, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["credentialSubject"]["result"] = []
    forged = ".".join([head, base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("="), sig])
    jwt_file.write_text(forged)
    code, out, _ = run(capsys, "verify", "--now", NOW, str(jwt_file))
    assert code == 1 and "NOT VERIFIED" in out
    with pytest.raises(BadSignatureError):
        _independent_jws_payload(forged, signer.public_key.to_jwk())


def test_sign_format_jwt_refuses_undefined_terms_like_the_data_integrity_signer(capsys, tmp_path):
    key_file = tmp_path / "key.json"
    key_file.write_text(json.dumps(Ed25519Signer.from_seed(SEED).to_multikey(secret=True)))
    doc = badge()
    doc["favouriteColour"] = "blue"
    unsigned = tmp_path / "badge.json"
    unsigned.write_text(json.dumps(doc))
    code, out, err = run(capsys, "sign", "--format", "jwt", "--key", str(key_file), str(unsigned))
    assert code == 2 and out == "" and "not defined" in err and len(err.strip().splitlines()) == 1


# ---- demo, usage, plugins -----------------------------------------------------------------------

def test_demo_engine(capsys):
    code, out, _ = run(capsys, "demo-engine")
    assert code == 0
    assert "demo credential: VERIFIED — Collaboration" in out
    assert "PASS  rubric" in out and "PASS  proof" in out


def test_no_command_prints_usage(capsys):
    code, _, err = run(capsys)
    assert code == 2 and "usage" in err


class FakeEntryPoint:
    def __init__(self, name, register=None, error=None):
        self.name, self.value = name, f"fake_{name}.cli:register"
        self._register, self._error = register, error

    def load(self):
        if self._error is not None:
            raise self._error
        return self._register


def test_a_broken_plugin_does_not_break_engine_commands(capsys):
    broken = [FakeEntryPoint("issuer", error=ImportError("No module named 'litestar'"))]
    code, out, err = run(capsys, "verify", *OFFLINE, vec("good.json"), plugins=broken)
    assert code == 0 and err == ""


def test_a_broken_plugin_is_mentioned_for_an_unknown_command(capsys):
    broken = [FakeEntryPoint("issuer", error=ImportError("No module named 'litestar'"))]
    code, _, err = run(capsys, "serve", plugins=broken)
    assert code == 2
    warning = err.splitlines()[0]
    assert "plugins are unavailable: issuer (" in warning and "litestar" in warning


def test_a_plugin_adds_a_command(capsys):
    def register(subparsers):
        p = subparsers.add_parser("hello")
        p.add_argument("--name", default="world")
        p.set_defaults(func=lambda args: print(f"hello {args.name}") or 0)
    code, out, _ = run(capsys, "hello", "--name", "Lincoln", plugins=[FakeEntryPoint("greeter", register)])
    assert code == 0 and out == "hello Lincoln\n"


def test_installed_plugins_are_discovered():
    parser, broken = build_parser()  # real entry points: they load, or they are reported
    assert all(":" in w for w in broken)
    assert {"sign", "verify", "keygen", "demo-engine"} <= set(parser._subparsers._group_actions[0].choices)


# ---- the fetch/resolve seam ---------------------------------------------------------------------

def test_make_fetcher_serves_the_bundle_by_id():
    fetch = make_fetcher(DOCUMENTS, online=False)
    assert fetch(REVOCATION_LIST)["id"] == REVOCATION_LIST
    with pytest.raises(ResolutionError):
        fetch("https://lincoln.example.edu/status/404")
    with pytest.raises(ResolutionError, match="--documents"):
        make_fetcher(None)("https://anything.example/")
    with pytest.raises(ResolutionError, match="verifier service"):
        make_fetcher({}, online=True)("https://anything.example/")


def test_make_resolver_prefers_published_documents():
    from badges.cli import load_documents
    method = make_resolver(load_documents(DOCUMENTS)).resolve("did:web:lincoln.example.edu#key-1")
    assert method.source == "document"


def test_verify_reads_stdin(capsys, monkeypatch):
    import io
    import sys
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO((CREDENTIALS / "good.svg").read_bytes())))
    code, out, _ = run(capsys, "verify", *OFFLINE, "-")
    assert code == 0 and out.startswith("-: VERIFIED")


def test_a_key_missing_from_the_issuer_s_published_document_is_refused(capsys, tmp_path):
    """With Lincoln's DID document in the bundle, a `did:web:lincoln…#z6Mk…` key it does not list
    is not Lincoln's: the proof fails instead of passing with a fragment-key warning."""
    from badges.signing import sign as sign_credential
    from tests.support import NOW as now
    from tests.vectors.build import LINCOLN

    stranger = Ed25519Signer.from_seed(bytes(range(100, 132)))
    vm = f"{LINCOLN}#{stranger.public_key.multibase}"
    forged = sign_credential(badge(), signer=stranger.with_verification_method(vm), created=now)
    path = tmp_path / "forged.json"
    path.write_text(json.dumps(forged))
    code, out, _ = run(capsys, "verify", "--json", *OFFLINE, str(path))
    checks = {c["id"]: c for c in json.loads(out)["checks"]}
    assert code == 1 and checks["proof"]["outcome"] == "fail"
    assert "does not list the key" in checks["proof"]["message"]
    # Without the bundle the same key resolves from its fragment, with a warning only.
    code, out, _ = run(capsys, "verify", "--json", "--now", NOW, str(path))
    assert json.loads(out)["checks"][6]["outcome"] == "warn"


def test_a_plugin_can_supply_live_fetching_for_verify(capsys):
    """The seam the verifier service uses: --online plus a (resolver, fetch_document) factory."""
    from badges.cli import load_documents
    calls = []

    def fetchers(documents_dir, online):
        calls.append((documents_dir, online))
        documents = load_documents(DOCUMENTS)  # stands in for live did:web / status list fetching
        return make_resolver(documents), make_fetcher(documents)

    def register(subparsers):
        verify = subparsers.choices["verify"]
        verify.add_argument("--online", action="store_true")
        verify.set_defaults(fetchers=fetchers)

    code, out, _ = run(capsys, "verify", "--online", "--now", NOW, vec("good.json"),
                       plugins=[FakeEntryPoint("verifier", register)])
    assert code == 0 and calls == [(None, True)]
