"""Offline bundles are folder trees: ``--documents DIR`` (the engine CLI, the verifier service and
``VERIFIER_DOCUMENTS`` / ``BADGES_VERIFIER_DOCUMENTS``) reads JSON documents anywhere under DIR, so
a bundle laid out like a web site (``<host>/.well-known/did.json``, ``<host>/status/…``) works.

Each good case has a bad twin: the same tree without the document the case needs.
"""
from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from badges.bundle import BundleError, document_path, read_bundle, stamp_status, wanted
from badges.cli import main
from tests.support import NOW
from tests.verifier.factory import ISSUER, REVOKED_INDEX, STATUS_REVOCATION, STATUS_SUSPENSION, World
from verifier.config import VerifierSettings
from verifier.service import VerifierService

NOW_TEXT = "2026-01-15T10:00:00Z"


def site_tree(root: Path, world: World, *, with_status: bool = True, with_did: bool = True,
              created: str | None = None) -> Path:
    """The World's documents laid out as its web site (written by hand: the layout under test is
    the reader's, not ``document_path``'s)."""
    host = root / "lincoln.example"
    if with_did:
        (host / ".well-known").mkdir(parents=True)
        (host / ".well-known" / "did.json").write_text(json.dumps(world.did_documents[ISSUER]), encoding="utf-8")
    if with_status:
        (host / "status").mkdir(parents=True)
        # as a mirrored site has them: no extension
        (host / "status" / "revocation").write_text(json.dumps(world.status_lists[STATUS_REVOCATION]))
        (host / "status" / "suspension").write_text(json.dumps(world.status_lists[STATUS_SUSPENSION]))
    (root / "other.example" / "issuers" / "x").mkdir(parents=True)
    other = world.did_documents["did:web:other.example"]
    (root / "other.example" / "issuers" / "x" / "did.json").write_text(json.dumps(other))
    (root / "other.example" / "robots").write_text("User-agent: *\n")  # not JSON, no extension: ignored
    (root / ".git").mkdir()
    (root / ".git" / "config.json").write_text("{not json")  # hidden folders are skipped
    if created:
        (root / "manifest.json").write_text(json.dumps({"type": "OfflineVerificationBundle", "created": created}))
    return root


def test_read_bundle_reads_the_whole_tree(tmp_path, world):
    bundle = read_bundle(site_tree(tmp_path, world, created="2026-01-14T08:00:00Z"))
    assert set(bundle.documents) == {ISSUER, "did:web:other.example", STATUS_REVOCATION, STATUS_SUSPENSION}
    assert bundle.files[ISSUER] == "lincoln.example/.well-known/did.json"
    assert bundle.created == datetime(2026, 1, 14, 8, 0, tzinfo=UTC)
    # bad twin: a broken .json anywhere in the (visible) tree is named
    (tmp_path / "lincoln.example" / "broken.json").write_text("{oops")
    with pytest.raises(BundleError, match="lincoln.example/broken.json"):
        read_bundle(tmp_path)


def test_cli_verifies_offline_from_a_nested_tree(tmp_path, world, capsys):
    badge = tmp_path / "badge.json"
    badge.write_text(json.dumps(world.badge()))
    tree = site_tree(tmp_path / "good", world)
    assert main(["verify", "--now", NOW_TEXT, "--documents", str(tree), str(badge)], plugins=()) == 0
    out = capsys.readouterr().out
    assert "VERIFIED" in out and "NOT VERIFIED" not in out
    # bad twin: the status lists are not in the tree → status cannot be confirmed
    bare = site_tree(tmp_path / "bare", world, with_status=False)
    assert main(["verify", "--now", NOW_TEXT, "--documents", str(bare), str(badge)], plugins=()) == 1
    assert "could not be retrieved" in capsys.readouterr().out


def test_cli_says_status_as_of_the_bundle_date(tmp_path, world, capsys):
    badge = tmp_path / "badge.json"
    badge.write_text(json.dumps(world.badge()))
    tree = site_tree(tmp_path / "dated", world, created="2026-01-14T08:00:00Z")
    assert main(["verify", "--now", NOW_TEXT, "--documents", str(tree), str(badge)], plugins=()) == 0
    assert "status as of 14 January 2026, 08:00 UTC, the date of the offline bundle" in capsys.readouterr().out
    # a revoked twin says the same date for the revocation; a bundle without a manifest says nothing
    revoked = tmp_path / "revoked.json"
    revoked.write_text(json.dumps(world.badge(index=REVOKED_INDEX)))
    assert main(["verify", "--now", NOW_TEXT, "--documents", str(tree), str(revoked)], plugins=()) == 1
    assert "revoked by its issuer — status as of 14 January 2026" in capsys.readouterr().out
    undated = site_tree(tmp_path / "undated", world)
    assert main(["verify", "--now", NOW_TEXT, "--documents", str(undated), str(badge)], plugins=()) == 0
    assert "status as of" not in capsys.readouterr().out


def _offline(world: World, **overrides):
    overrides.setdefault("online", False)
    return world.config(transport=httpx.MockTransport(lambda request: pytest.fail(f"network used: {request.url}")),
                        **overrides)


@pytest.mark.anyio
async def test_service_reads_a_nested_tree(tmp_path, world):
    service = VerifierService(_offline(world, documents_dir=site_tree(tmp_path / "good", world)))
    assert (await service.verify(world.badge())).report.verified
    # bad twin: no DID document in the tree, and no network → the key cannot be confirmed
    bare = VerifierService(_offline(world, documents_dir=site_tree(tmp_path / "bare", world, with_did=False)))
    assert not (await bare.verify(world.badge())).report.verified


@pytest.mark.anyio
async def test_verifier_documents_setting_reads_a_nested_tree(tmp_path, world):
    tree = site_tree(tmp_path / "tree", world, created="2026-01-14T08:00:00Z")
    config = VerifierSettings.from_env({"VERIFIER_DOCUMENTS": str(tree)}).to_config()
    service = VerifierService(_offline(world, documents_dir=config.documents_dir))
    verification = await service.verify(world.badge())
    assert verification.report.verified
    assert "status as of 14 January 2026" in verification.report.check("status").message


def test_document_path_lays_out_urls_and_refuses_escapes():
    assert str(document_path("did:web:lincoln.example")) == "lincoln.example/.well-known/did.json"
    assert str(document_path("did:web:127.0.0.1%3A8000:issuers:north")) == "127.0.0.1:8000/issuers/north/did.json"
    assert str(document_path("https://lincoln.example/status/a/revocation/1")) == \
        "lincoln.example/status/a/revocation/1"
    for bad in ("https://lincoln.example/../../etc/passwd", "did:web:lincoln.example:..:x", "urn:uuid:1",
                "https:///no-host", "did:web:.."):
        with pytest.raises(BundleError):
            document_path(bad)


def test_wanted_collects_every_issuer_and_status_list_in_a_clr(world):
    other = world.sign(world.unsigned_badge(), signer=world.other_signer)
    clr = world.clr([world.badge(), world.badge(index=REVOKED_INDEX, credential_id="urn:uuid:1"), other])
    refs = wanted([clr])
    assert refs[0] == ISSUER and "did:web:other.example" in refs
    assert STATUS_REVOCATION in refs and refs.count(STATUS_REVOCATION) == 1
    assert wanted([{"id": "urn:x", "issuer": "did:key:z6Mk"}]) == []  # nothing to fetch for a did:key


def test_stamp_status_leaves_unread_lists_alone(tmp_path, world):
    from badges.verification import verify_credential
    from verifier.fetch import OfflineBundle, document_fetcher, resolver_chain

    bundle = read_bundle(site_tree(tmp_path, world, created="2026-01-14T08:00:00Z"))
    offline = OfflineBundle(tmp_path)
    report = verify_credential(world.badge(), now=NOW, resolver=resolver_chain(bundle=offline, fetcher=None),
                               fetch_document=document_fetcher(bundle=offline, fetcher=None))
    assert "as of" in stamp_status(report, bundle).check("status").message
    missing = read_bundle(site_tree(tmp_path / "again", world, with_status=False, created="2026-01-14T08:00:00Z"))
    assert "as of" not in stamp_status(report, missing).check("status").message


def test_manifest_maps_a_url_to_a_document_whose_id_differs(tmp_path, world):
    """A status list whose own id is not the URL a badge names (the 1EdTech sample is one) is
    found under that URL when the manifest says the file was fetched from it."""
    listed = dict(world.status_lists[STATUS_REVOCATION], id="https://lists.example/canonical/1")
    (tmp_path / "lincoln.example" / "status").mkdir(parents=True)
    (tmp_path / "lincoln.example" / "status" / "revocation").write_text(json.dumps(listed))
    entry = {"ref": STATUS_REVOCATION, "path": "lincoln.example/status/revocation"}
    (tmp_path / "manifest.json").write_text(json.dumps({"type": "OfflineVerificationBundle",
                                                        "created": "2026-01-14T08:00:00Z", "documents": [entry]}))
    bundle = read_bundle(tmp_path)
    assert bundle.documents[STATUS_REVOCATION]["id"] == "https://lists.example/canonical/1"
    # bad twin: without the manifest's entry the document is known only by its own id
    (tmp_path / "manifest.json").write_text(json.dumps({"type": "OfflineVerificationBundle",
                                                        "created": "2026-01-14T08:00:00Z", "documents": []}))
    assert STATUS_REVOCATION not in read_bundle(tmp_path).documents
    # and a manifest with a bad date is named
    (tmp_path / "manifest.json").write_text(json.dumps({"type": "OfflineVerificationBundle", "created": "soon"}))
    with pytest.raises(BundleError, match="manifest.json"):
        read_bundle(tmp_path)
