"""`badges demo --base-url` remembers the base URL as `badges init` does (issues 9 and 10): later
commands issue under the demo's did:web ids, so their badges verify."""
from __future__ import annotations

import pytest

from badges.cli import main


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("BADGES_KEK", "00" * 32)
    monkeypatch.delenv("BADGES_BASE_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("BADGES_DATA_DIR", str(tmp_path / "var"))
    return tmp_path / "var"


def _token_issuer(capsys) -> str:
    capsys.readouterr()
    assert main(["token", "create"]) == 0
    return capsys.readouterr().out.splitlines()[-1]


def test_demo_base_url_is_used_by_later_commands(data_dir, capsys):
    import argparse

    from issuer.cli import settings_for

    assert main(["demo", "--base-url", "https://badges.lincoln.example", "--data-dir", str(data_dir)]) == 0
    assert "https://badges.lincoln.example/badges/" in capsys.readouterr().out
    # a later command without --base-url: the demo's did:web, not the default 127.0.0.1:8000 one
    assert _token_issuer(capsys) == "issuer: did:web:badges.lincoln.example:issuers:lincoln"
    assert settings_for(argparse.Namespace(base_url=None)).base_url == "https://badges.lincoln.example"
    # the demo's reviews and awards are in the audit log, made from the command line
    import asyncio

    from issuer.accounts import repo as accounts_repo
    from issuer.db.tables import District

    async def district_events() -> list:
        district = await District.select(District.id).first()
        return await accounts_repo.audit_events(district_id=district["id"], limit=500)

    events = asyncio.run(district_events())
    awards = [e for e in events if e.action == "credential.award"]
    assert awards and all(e.details["via"] == "cli" and e.subject.startswith("https://badges.lincoln.example/")
                          for e in awards)
    assert any(e.action == "review.record" for e in events)


def test_demo_without_base_url_keeps_the_default(data_dir, capsys):
    assert main(["demo", "--data-dir", str(data_dir)]) == 0
    assert _token_issuer(capsys) == "issuer: did:web:127.0.0.1%3A8000:issuers:lincoln"
