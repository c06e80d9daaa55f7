"""``badges bundle FILE... --out DIR`` writes what the credentials need to verify with no network:
every issuer's DID document (the badges inside a CLR included) and the signed status lists, as a
folder tree (host/path), with a dated manifest. Away from the issuer it fetches them through the
verifier's SSRF-guarded fetcher (https only); then ``badges verify --offline --documents DIR``
verifies and says "status as of" the bundle's date.

The fetcher here is the real one on the World's fake internet (``httpx.MockTransport``, fake DNS).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from badges.cli import main
from tests.verifier.factory import ISSUER, OTHER, REVOKED_INDEX, STATUS_REVOCATION, World, fake_dns
from verifier.fetch import Fetcher, bundle_source

NOW = "2026-01-15T10:00:00Z"
BUNDLE_DATE = "2026-01-14T08:00:00Z"


class _Plugin:
    """A ``badges.commands`` entry point: the verifier's bundle source on the fake internet."""

    name, value = "test-fetch", "tests"

    def __init__(self, world: World) -> None:
        self.fetcher = Fetcher(transport=world.web.transport(), resolve_host=fake_dns)

    def load(self):
        def register(sub: argparse._SubParsersAction) -> None:
            sub.choices["bundle"].set_defaults(bundle_fetch=bundle_source(self.fetcher))
        return register


def _run(capsys, *argv, plugins=()):
    code = main(list(argv), plugins=plugins)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def _write(path: Path, doc: dict) -> str:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)


def test_bundle_then_verify_offline(tmp_path, world, capsys):
    badge = _write(tmp_path / "badge.json", world.badge())
    out = tmp_path / "bundle"
    code, printed, err = _run(capsys, "bundle", "--now", BUNDLE_DATE, "--out", str(out), badge,
                              plugins=[_Plugin(world)])
    assert code == 0, err
    assert (out / "lincoln.example" / ".well-known" / "did.json").is_file()
    assert (out / "lincoln.example" / "status" / "revocation").is_file()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["created"] == BUNDLE_DATE and manifest["missing"] == []
    assert {d["ref"] for d in manifest["documents"]} == {ISSUER, STATUS_REVOCATION}
    # the status list is kept byte for byte as served
    assert (out / "lincoln.example/status/revocation").read_bytes() == \
        world.web.handler(_request(STATUS_REVOCATION)).content

    code, printed, _ = _run(capsys, "verify", "--now", NOW, "--documents", str(out), badge)
    assert code == 0 and "VERIFIED" in printed
    assert "status as of 14 January 2026, 08:00 UTC, the date of the offline bundle" in printed
    # bad twin: the same bundle without its status list → the status cannot be confirmed offline
    (out / "lincoln.example" / "status" / "revocation").unlink()
    code, printed, _ = _run(capsys, "verify", "--now", NOW, "--documents", str(out), badge)
    assert code == 1 and "could not be retrieved" in printed


def _request(url: str):
    import httpx

    return httpx.Request("GET", url)


def test_bundle_of_a_clr_includes_every_issuer_inside(tmp_path, world, capsys):
    unsigned = world.unsigned_badge(credential_id="urn:uuid:0b0f1b52-5b5e-4a55-8c55-3f2c1d9e8a77")
    unsigned["issuer"] = {"id": OTHER, "type": ["Profile"], "name": "Other School"}
    del unsigned["credentialStatus"]
    other = world.sign(unsigned, signer=world.other_signer)
    clr = _write(tmp_path / "clr.json", world.clr([world.badge(), other]))
    out = tmp_path / "bundle"
    code, _, err = _run(capsys, "bundle", "--out", str(out), clr, plugins=[_Plugin(world)])
    assert code == 0, err
    assert (out / "other.example" / ".well-known" / "did.json").is_file()  # a nested badge's signer
    code, printed, _ = _run(capsys, "verify", "--now", NOW, "--documents", str(out), clr)
    assert code == 0 and "All 2 badges in this record verified" in printed, printed
    # bad twin: without the other school's DID document, that badge's key is not confirmed offline
    (out / "other.example" / ".well-known" / "did.json").unlink()
    code, printed, _ = _run(capsys, "verify", "--now", NOW, "--documents", str(out), clr)
    assert code == 1 and "NOT VERIFIED" in printed


def test_bundle_of_a_revoked_badge_says_revoked_as_of_the_bundle_date(tmp_path, world, capsys):
    badge = _write(tmp_path / "revoked.json", world.badge(index=REVOKED_INDEX))
    out = tmp_path / "bundle"
    assert _run(capsys, "bundle", "--now", BUNDLE_DATE, "--out", str(out), badge, plugins=[_Plugin(world)])[0] == 0
    code, printed, _ = _run(capsys, "verify", "--now", NOW, "--documents", str(out), badge)
    assert code == 1 and "revoked by its issuer — status as of 14 January 2026" in printed


def test_bundle_fetches_https_only_and_reports_what_is_missing(tmp_path, world, capsys):
    doc = world.unsigned_badge()
    doc["credentialStatus"]["statusListCredential"] = "http://lincoln.example/status/revocation"
    badge = _write(tmp_path / "http.json", world.sign(doc))
    out = tmp_path / "bundle"
    code, _, err = _run(capsys, "bundle", "--out", str(out), badge, plugins=[_Plugin(world)])
    assert code == 1
    assert "missing http://lincoln.example/status/revocation: only https is fetched" in err
    assert "the bundle is incomplete (1 document(s) missing)" in err
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["missing"] == ["http://lincoln.example/status/revocation"]
    assert (out / "lincoln.example" / ".well-known" / "did.json").is_file()  # what could be had is written


def test_bundle_without_any_source_and_bad_input(tmp_path, world, capsys):
    badge = _write(tmp_path / "badge.json", world.badge())
    code, _, err = _run(capsys, "bundle", "--out", str(tmp_path / "b"), badge)  # the engine alone never fetches
    assert code == 1 and f"missing {ISSUER}: no source for it" in err
    code, _, err = _run(capsys, "bundle", "--out", str(tmp_path / "c"), str(tmp_path / "nope.json"))
    assert code == 2 and len(err.strip().splitlines()) == 1 and "no such file" in err
    (tmp_path / "junk.json").write_text("not a credential")
    code, _, err = _run(capsys, "bundle", "--out", str(tmp_path / "d"), str(tmp_path / "junk.json"))
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert _run(capsys, "bundle", "--out", badge, badge)[0] == 2  # --out is a file


def test_bundle_source_refuses_a_did_document_with_another_id(world):
    world.web.json("https://other.example/.well-known/did.json", world.did_documents[ISSUER])
    found, problems = bundle_source(Fetcher(transport=world.web.transport(), resolve_host=fake_dns))(None, [OTHER])
    assert found == {} and "has id" in problems[OTHER]


def test_verify_offline_with_the_verifier_plugin_reads_the_bundle(tmp_path, world, capsys):
    """``badges verify --offline --documents DIR`` as installed (the verifier's plugin adds --offline)."""
    from importlib.metadata import EntryPoint

    verifier = [EntryPoint(name="verifier", value="verifier.cli:register", group="badges.commands")]
    badge = _write(tmp_path / "badge.json", world.badge())
    out = tmp_path / "bundle"
    assert _run(capsys, "bundle", "--now", BUNDLE_DATE, "--out", str(out), badge, plugins=[_Plugin(world)])[0] == 0
    code, printed, _ = _run(capsys, "verify", "--offline", "--now", NOW, "--documents", str(out), badge,
                            plugins=verifier)
    assert code == 0 and "status as of 14 January 2026" in printed
    # bad twin: offline without the bundle, nothing resolves (and nothing is fetched)
    code, printed, _ = _run(capsys, "verify", "--offline", "--now", NOW, badge, plugins=verifier)
    assert code == 1 and "NOT VERIFIED" in printed
