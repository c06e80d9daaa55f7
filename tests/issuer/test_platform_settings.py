"""Settings from the environment, the dev KEK file, the CLI commands, the app factory."""
from __future__ import annotations

import asyncio
import os
import stat
import warnings

import pytest

from issuer.schools.kek import ensure_dev_kek, load_kek
from issuer.settings import MIN_STATUS_LIST_SIZE, Settings, SettingsError
from tests.issuer.cli_support import cli, init_and_issue


def test_defaults_and_env(tmp_path):
    s = Settings.from_env({})
    assert s.base_url == "http://127.0.0.1:8000"
    assert s.database_url == "sqlite:///var/badges.sqlite3"
    assert s.issuer_identity == "did:web" and s.status_list_size == MIN_STATUS_LIST_SIZE
    assert not s.is_postgres and not s.secure_cookies
    kek = bytes(range(32))
    env = {"BADGES_BASE_URL": "https://badges.example.org/", "BADGES_DATA_DIR": str(tmp_path),
           "DATABASE_URL": "postgres://u@db/badges", "BADGES_KEK": kek.hex(),
           "BADGES_ISSUER_IDENTITY": "did:key", "BADGES_STATUS_LIST_SIZE": "262144"}
    s = Settings.from_env(env)
    assert s.base_url == "https://badges.example.org" and s.secure_cookies and s.is_postgres
    assert s.key_encryption_key == kek and s.status_list_size == 262144 and s.issuer_identity == "did:key"
    assert kek.hex() not in repr(s) and "key_encryption_key" not in repr(s)
    assert Settings.from_env(env, base_url="http://localhost:9000").base_url == "http://localhost:9000"


@pytest.mark.parametrize("env", [
    {"BADGES_BASE_URL": "ftp://x"}, {"BADGES_BASE_URL": "not a url"}, {"BADGES_KEK": "short"},
    {"BADGES_KEK": "zz" * 32}, {"BADGES_ISSUER_IDENTITY": "did:ion"}, {"BADGES_STATUS_LIST_SIZE": "1000"},
    {"BADGES_STATUS_LIST_SIZE": "many"}, {"DATABASE_URL": "mysql://x/y"},
])
def test_bad_settings_are_clear_errors(env):
    with pytest.raises(SettingsError):
        Settings.from_env(env)


def test_dev_kek_file_is_private(tmp_path):
    s = Settings(data_dir=tmp_path / "data")
    with pytest.raises(SettingsError, match="badges init"):
        load_kek(s)
    kek = load_kek(s, create=True)
    assert len(kek) == 32 and load_kek(s) == kek == ensure_dev_kek(s.kek_path)
    assert stat.S_IMODE(os.stat(s.kek_path).st_mode) == 0o600
    os.chmod(s.kek_path, 0o644)
    with pytest.raises(SettingsError, match="chmod 600"):
        load_kek(s)


def test_importing_the_app_reads_no_configuration(monkeypatch):
    import importlib
    import sys

    monkeypatch.setenv("BADGES_BASE_URL", "ftp://would-fail-if-read")
    for name in [m for m in sys.modules if m.startswith("issuer.web")]:
        monkeypatch.delitem(sys.modules, name)
    importlib.import_module("issuer.app")  # no SettingsError: nothing read at import


def test_platform_routes_register_without_warnings():
    from litestar import Litestar

    from issuer.app import PLATFORM_ROUTES
    from issuer.web.errors import EXCEPTION_HANDLERS

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        app = Litestar(route_handlers=PLATFORM_ROUTES, exception_handlers=EXCEPTION_HANDLERS)
        schema = app.openapi_schema.to_schema()
    paths = schema["paths"]
    assert "/credentials/issue" in paths and "/admin/credentials/{credential_uuid}/revoke" in paths
    assert {"IssueRequest", "IssueOptions", "CredentialOut", "ReasonIn"} <= set(schema["components"]["schemas"])


def _reset_pg(url: str) -> None:
    import asyncpg

    async def reset():
        conn = await asyncpg.connect(url)
        try:
            await conn.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public")
        finally:
            await conn.close()

    asyncio.run(reset())


def test_cli_init_token_rotate_revoke(tmp_path, monkeypatch, capsys, db_url):
    if db_url.startswith("postgres"):
        _reset_pg(db_url)
    monkeypatch.setenv("BADGES_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.delenv("BADGES_KEK", raising=False)
    assert cli("init", "--base-url", "https://badges.example.org") == 0
    out = capsys.readouterr().out
    assert "did:web:badges.example.org:issuers:demo-high" in out and "admin login:   admin / " in out
    assert stat.S_IMODE(os.stat(tmp_path / "var" / "kek").st_mode) == 0o600
    assert cli("init", "--base-url", "https://badges.example.org") == 0  # idempotent
    assert "admin login" not in capsys.readouterr().out

    assert cli("token", "create") == 0
    token, issuer_line = capsys.readouterr().out.strip().splitlines()
    assert token.startswith("bdg_")
    assert issuer_line == "issuer: did:web:badges.example.org:issuers:demo-high"  # init's base URL is kept

    assert cli("keys", "rotate", "--school", "demo-high") == 0
    assert capsys.readouterr().out.startswith("did:web:badges.example.org:issuers:demo-high#z6Mk")
    monkeypatch.setenv("BADGES_BASE_URL", "https://other.example")  # the environment still wins
    assert cli("keys", "rotate", "--district") == 0
    assert capsys.readouterr().out.startswith("did:web:other.example#z6Mk")

    assert cli("revoke", "urn:uuid:00000000-0000-4000-8000-000000000000", "--reason", "x") == 2
    assert "no issued credential" in capsys.readouterr().err
    assert cli("token", "create", "--school", "nowhere") == 2
    assert "no school 'nowhere'" in capsys.readouterr().err


def test_cli_revoke_flips_the_bit(tmp_path, monkeypatch, capsys):
    credential_id = init_and_issue(tmp_path, monkeypatch, capsys)["id"]
    assert cli("revoke", credential_id, "--reason", "issued in error") == 0
    assert capsys.readouterr().out.startswith(f"revoked {credential_id} at ")
    assert cli("revoke", credential_id, "--reason", "twice") == 2
    assert "revocation is permanent" in capsys.readouterr().err


def test_job_settings_are_checked(tmp_path, capsys, monkeypatch):
    """BADGES_JOBS and BADGES_JOB_LEASE_SECONDS: good values are taken, bad ones are a clear error."""
    good = Settings.from_env({"BADGES_JOBS": "worker", "BADGES_JOB_LEASE_SECONDS": "5"})
    assert good.jobs == "worker" and good.job_lease_seconds == 5
    assert Settings.from_env({}).jobs == "inline" and Settings.from_env({}).job_lease_seconds == 30
    for env, message in (({"BADGES_JOBS": "threads"}, "BADGES_JOBS must be inline or worker"),
                         ({"BADGES_JOB_LEASE_SECONDS": "0"}, "between 1 and 3600"),
                         ({"BADGES_JOB_LEASE_SECONDS": "soon"}, "must be an integer")):
        with pytest.raises(SettingsError, match=message):
            Settings.from_env(env)
    # the worker command: a bad option or setting is one line, exit code 2
    monkeypatch.setenv("BADGES_DATA_DIR", str(tmp_path))
    assert cli("worker", "--poll", "0") == 2
    assert "--poll must be between" in capsys.readouterr().err
    monkeypatch.setenv("BADGES_JOBS", "threads")
    assert cli("worker", "--once") == 2
    assert "BADGES_JOBS must be inline or worker" in capsys.readouterr().err
