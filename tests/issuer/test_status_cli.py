"""``badges suspend`` / ``badges reinstate`` / ``badges revoke`` on a badge with the two-bit
message entry: each state change is written to the served list, and every refusal is one line
on stderr with exit code 2 (never a traceback)."""
from __future__ import annotations

import asyncio
import json

from badges.status import check_status
from tests.issuer.cli_support import cli, init_and_issue


def _state(credential: dict) -> str:
    from issuer.credentials import status

    url = credential["credentialStatus"]["statusListCredential"]
    slug, purpose, list_no = url.rsplit("/", 3)[1:]
    lst = json.loads(asyncio.run(status.list_document(slug, purpose, int(list_no))))
    return check_status(credential["credentialStatus"], lst, credential_id=credential["id"]).state


def test_cli_suspend_reinstate_revoke(tmp_path, monkeypatch, capsys):
    credential = init_and_issue(tmp_path, monkeypatch, capsys)
    cid = credential["id"]
    assert _state(credential) == "valid"

    assert cli("reinstate", cid) == 2  # bad twin: nothing to lift
    assert "not suspended" in capsys.readouterr().err
    assert cli("suspend", cid, "--reason", "under review") == 0
    assert capsys.readouterr().out.strip() == f"suspended {cid}"
    assert _state(credential) == "suspended"
    assert cli("suspend", cid, "--reason", "twice") == 2
    assert "already suspended" in capsys.readouterr().err
    assert cli("reinstate", cid, "--reason", "cleared") == 0
    assert capsys.readouterr().out.strip() == f"reinstated {cid}"
    assert _state(credential) == "valid"
    assert cli("suspend", cid, "--reason", "  ") == 2  # bad twin: a reason is required
    assert "reason is required" in capsys.readouterr().err
    assert cli("revoke", cid, "--reason", "issued in error") == 0
    assert _state(credential) == "revoked"
    capsys.readouterr()
    for argv in (("suspend", cid, "--reason", "x"), ("reinstate", cid), ("revoke", cid, "--reason", "x")):
        assert cli(*argv) == 2
        assert "revocation is permanent" in capsys.readouterr().err
    assert _state(credential) == "revoked"
