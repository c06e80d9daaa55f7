"""``badges bundle`` on the issuer's own machine reads its own DID documents and status lists from
its database (the ``issuer.cli.bundle`` plugin), so a badge issued on ``http://127.0.0.1:8000`` —
whose documents no one can fetch (did:web is https only) — can still be verified offline:
``badges verify --documents DIR`` then verifies it and says "status as of" the bundle's date.

Bad twins: the same badge revoked (the bundle says so), and a machine without the issuer's database
(nothing is read, no database file is created, the documents are reported missing).
"""
from __future__ import annotations

import json

import pytest

from badges.cli import main
from tests.web.award_support import revoke
from tests.web.bundle_support import issued_badge, issuer_bundle

pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]
NOW_TEXT = "2026-01-15T10:00:00Z"


async def test_issuer_bundles_its_own_documents_and_they_verify_offline(seed, platform, platform_settings, db,
                                                                         db_url, tmp_path, monkeypatch, capsys):
    badge = await issued_badge(seed, platform, platform_settings, db, tmp_path)
    path = tmp_path / "badge.json"
    path.write_bytes(badge["raw"])
    did = badge["doc"]["issuer"]["id"]
    assert did.startswith("did:web:127.0.0.1%3A8000:issuers:")

    code, out = await issuer_bundle(path, tmp_path / "bundle", db_url=db_url, data_dir=tmp_path,
                                    monkeypatch=monkeypatch)
    printed = capsys.readouterr()
    assert code == 0, printed.err
    slug = did.rsplit(":", 1)[1]
    assert (tmp_path / "bundle" / "127.0.0.1:8000" / "issuers" / slug / "did.json").is_file()
    status_url = badge["doc"]["credentialStatus"]["statusListCredential"]
    status_file = tmp_path / "bundle" / "127.0.0.1:8000" / status_url.split("127.0.0.1:8000/", 1)[1]
    stored = await _stored_status_list(platform, status_url)
    assert status_file.read_text(encoding="utf-8") == stored  # the list exactly as signed and stored

    assert main(["verify", "--now", NOW_TEXT, "--documents", out, str(path)], plugins=()) == 0
    text = capsys.readouterr().out
    assert "VERIFIED" in text and "as published by North High School" in text
    assert "status as of 15 January 2026, 09:00 UTC, the date of the offline bundle" in text

    # bad twin: revoked, then bundled again → the bundle says revoked, as of its date
    await revoke(seed, badge["uuid"])
    code, out = await issuer_bundle(path, tmp_path / "after", db_url=db_url, data_dir=tmp_path,
                                    monkeypatch=monkeypatch)
    assert code == 0
    assert main(["verify", "--now", NOW_TEXT, "--documents", out, str(path)], plugins=()) == 1
    assert "revoked by its issuer — status as of 15 January 2026" in capsys.readouterr().out


async def _stored_status_list(ctx, url: str) -> str:
    from issuer.credentials import local_documents

    return await local_documents.lookup_text(ctx, url)


async def test_no_issuer_database_here_reads_nothing_and_creates_nothing(seed, platform, platform_settings, db,
                                                                         tmp_path, monkeypatch, capsys):
    badge = await issued_badge(seed, platform, platform_settings, db, tmp_path)
    path = tmp_path / "badge.json"
    path.write_bytes(badge["raw"])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code, _ = await issuer_bundle(path, tmp_path / "bundle", db_url=f"sqlite:///{elsewhere / 'badges.sqlite3'}",
                                  data_dir=elsewhere, monkeypatch=monkeypatch)
    err = capsys.readouterr().err
    assert code == 1 and "missing did:web:127.0.0.1%3A8000:issuers:" in err
    assert not (elsewhere / "badges.sqlite3").exists()
    assert json.loads((tmp_path / "bundle" / "manifest.json").read_text())["documents"] == []
