"""Smoke test of the demo a newcomer runs first: ``badges demo`` seeding, the app over it, and
``badges demo --serve`` (what ``python3 dev.py demo`` runs) printing the logins and serving.

In-process: ``seed_demo`` against a temporary data dir, then ``create_app`` over it (httpx over
ASGI): every printed login signs in and lands on its start page, the demo school's profile, DID
documents, status list and badge pages answer, and its revoked badge verifies as revoked while an
issued one verifies. Out of process: ``badges demo --serve`` on a free port with a temporary data
dir, bounded waits, terminated at the end.
"""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.support import stop_process_group

ROOT = Path(__file__).resolve().parents[2]
BASE = "http://127.0.0.1:8000"
pytestmark = pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")
HOME = {"student": "/student/badges", "teacher": "/teacher/reviews", "school_admin": "/teacher/reviews"}


@pytest.fixture
def clean_env(monkeypatch):
    """No BADGES_* / DATABASE_URL from the caller's shell, and whatever the demo's migration step
    exports for Piccolo (DATABASE_URL, PICCOLO_CONF) is undone afterwards."""
    for name in ("DATABASE_URL", "PICCOLO_CONF", "BADGES_DATA_DIR", "BADGES_BASE_URL", "BADGES_KEK"):
        monkeypatch.setenv(name, "")  # records the original value (or its absence) for teardown
        monkeypatch.delenv(name)


async def sign_in(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    page = await client.get("/login")
    assert page.status_code == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return await client.post("/login", data={"username": username, "password": password, "csrf_token": token,
                                             "next": "/"})


@pytest.mark.anyio
async def test_demo_seed_then_app(tmp_path, clean_env):
    from issuer.app import create_app
    from issuer.cli.learning import seed_demo
    from issuer.settings import Settings

    settings = Settings(base_url=BASE, data_dir=tmp_path / "demo")
    out = await seed_demo(settings)
    assert out["school"].slug == "lincoln" and out["issued"] and out["revoked"]
    roles = {role for role, _, _ in out["logins"]}
    assert {"school_admin", "teacher", "student"} <= roles

    app = create_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as anonymous:
        for path in ("/issuers/lincoln", "/issuers/lincoln/did.json", "/.well-known/did.json",
                     "/status/lincoln/message/1", "/verify", "/login"):
            r = await anonymous.get(path)
            assert r.status_code == 200, (path, r.status_code, r.text[:300])
        did_doc = (await anonymous.get("/issuers/lincoln/did.json")).json()
        assert did_doc["id"] == "did:web:127.0.0.1%3A8000:issuers:lincoln" and did_doc["assertionMethod"]
        status_list = json.loads((await anonymous.get("/status/lincoln/message/1")).content)
        assert "BitstringStatusListCredential" in status_list["type"]

        for credential in out["issued"]:
            uuid = credential["uuid"]
            r = await anonymous.get(f"/credentials/{uuid}")
            assert r.status_code == 200 and r.headers["content-type"].startswith("application/vc+ld+json")
            page = await anonymous.get(f"/badges/{uuid}")
            assert page.status_code == 200 and "Lincoln High School" in page.text
        revoked = out["revoked"]["uuid"]
        good = next(c["uuid"] for c in out["issued"] if c["uuid"] != revoked)
        r = await anonymous.get("/verify", params={"url": f"{BASE}/credentials/{good}"},
                                headers={"accept": "application/json"})
        assert r.status_code == 200 and r.json()["verified"] is True, r.text
        r = await anonymous.get("/verify", params={"url": f"{BASE}/credentials/{revoked}"},
                                headers={"accept": "application/json"})
        assert r.status_code == 422, r.text
        assert {c["id"]: c["outcome"] for c in r.json()["results"]}["status"] == "fail"
        assert "revoked" in (await anonymous.get(f"/badges/{revoked}")).text.lower()

        r = await sign_in(anonymous, "maya", "wrong password")
        assert r.status_code == 401 and "wrong password" in r.text

    for role, username, password in out["logins"]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
            r = await sign_in(client, username, password)
            assert r.status_code == 303, (username, r.status_code, r.text[:300])
            r = await client.get("/")
            assert r.status_code == 303 and r.headers["location"] == HOME[role], (username, r.headers)
            r = await client.get(HOME[role])
            assert r.status_code == 200, (username, r.text[:300])
            if role == "student" and username == "maya":
                assert "Equation Reasoning" in r.text and "Data Storyteller" in r.text
            if role == "teacher" and username == "ms.chen":
                assert "Draft scatter plot" in r.text or "Data Storyteller" in r.text

    # running the demo again keeps the school and its badges, and hands out fresh logins
    again = await seed_demo(settings)
    assert again["existing"] and again["school"].id == out["school"].id
    assert {u for _, u, _ in again["logins"]} == {u for _, u, _ in out["logins"]}
    _, username, password = next(login for login in again["logins"] if login[1] == "maya")
    old_password = next(p for _, u, p in out["logins"] if u == "maya")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        assert (await sign_in(client, username, old_password)).status_code == 401
        assert (await sign_in(client, username, password)).status_code == 303
        assert (await client.get(f"/credentials/{good}")).status_code == 200


def test_dev_py_demo_runs_badges_demo_serve(monkeypatch):
    sys.path.insert(0, str(ROOT))
    try:
        import dev
    finally:
        sys.path.remove(str(ROOT))
    calls = []
    monkeypatch.setattr(dev, "setup", lambda: None)  # no installs from a test
    monkeypatch.setattr(dev.subprocess, "call", lambda cmd, **kw: calls.append((cmd, kw)) or 0)
    assert dev.main(["demo", "--port", "8123"]) == 0
    assert calls == [([str(dev.BIN / "badges"), "demo", "--serve", "--port", "8123"], {"cwd": dev.ROOT})]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_badges_demo_serve_prints_logins_and_serves(tmp_path):
    badges = ROOT / ".venv" / "bin" / "badges"
    if not badges.exists():
        pytest.skip("the badges command is not installed in .venv")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("BADGES_") and k not in ("DATABASE_URL", "PICCOLO_CONF")}
    env["PYTHONUNBUFFERED"] = "1"
    log = tmp_path / "demo.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen([str(badges), "demo", "--serve", "--host", "127.0.0.1", "--port", str(port),
                                 "--base-url", base, "--data-dir", str(tmp_path / "data")],
                                stdout=sink, stderr=subprocess.STDOUT, env=env, cwd=tmp_path,
                                start_new_session=True)
        try:
            deadline = time.monotonic() + 120
            response = None
            while time.monotonic() < deadline:
                if proc.poll() is not None:
                    pytest.fail(f"badges demo --serve exited with {proc.returncode}:\n{log.read_text()}")
                try:
                    response = httpx.get(f"{base}/", follow_redirects=True, timeout=2)
                    break
                except httpx.TransportError:
                    time.sleep(0.25)
            assert response is not None, f"not serving after 120 s:\n{log.read_text()}"
            assert response.status_code == 200 and urlsplit(str(response.url)).path == "/verify"
            output = log.read_text()
            assert "logins (shown once):" in output and f"serving on {base}" in output, output
            logins = re.findall(r"^\s+(student|teacher|school_admin)\s+(\S+)\s+(\S+)$", output, re.MULTILINE)
            assert {role for role, _, _ in logins} == {"student", "teacher", "school_admin"}, output
            # a printed login works on the running server
            _, username, password = next(login for login in logins if login[0] == "teacher")
            with httpx.Client(base_url=base, timeout=10) as client:
                page = client.get("/login")
                token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
                r = client.post("/login", data={"username": username, "password": password, "csrf_token": token,
                                                "next": "/"})
                assert r.status_code == 303, r.text[:300]
                assert client.get("/teacher/reviews").status_code == 200
            with httpx.Client(base_url=base, timeout=10) as client:
                assert client.get("/issuers/lincoln/did.json").json()["id"].endswith(":issuers:lincoln")
        finally:
            stop_process_group(proc)
