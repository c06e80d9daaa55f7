"""Every `badges` sub-command builds its Settings the same way (issuer.cli.settings_for)."""
from __future__ import annotations

import argparse

from issuer.cli import learning as cli_learning
from issuer.cli import settings_for
from issuer.settings import Settings, save_base_url


def _args(**kw) -> argparse.Namespace:
    return argparse.Namespace(**{"base_url": None, "serve": False, "host": "127.0.0.1", "port": 8000, **kw})


def test_award_and_transcript_keep_the_base_url_that_init_saved(tmp_path, monkeypatch):
    monkeypatch.setenv("BADGES_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("BADGES_BASE_URL", raising=False)
    save_base_url(Settings(base_url="https://badges.example.org", data_dir=tmp_path))
    assert settings_for(_args()).base_url == "https://badges.example.org"
    assert cli_learning._settings(_args()).base_url == "https://badges.example.org"
    # an explicit option still wins
    assert settings_for(_args(base_url="https://other.example")).base_url == "https://other.example"


def test_demo_served_on_a_port_names_that_port(tmp_path, monkeypatch):
    monkeypatch.setenv("BADGES_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("BADGES_BASE_URL", raising=False)
    assert cli_learning._settings(_args(serve=True, port=8765)).base_url == "http://127.0.0.1:8765"
    assert cli_learning._settings(_args(serve=True, port=8765, base_url="https://x.example")).base_url == \
        "https://x.example"
