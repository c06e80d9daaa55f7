"""The wheel, installed NON-editable into a fresh virtualenv, serves pages and prints transcripts.

Templates, static files and fonts are package data: a copy of the package that is not the
checkout must find them. The wheel is built from a copy of the committed sources (nothing is
written into the checkout), installed with ``--no-deps`` into a new venv whose only view of the
dependencies is a ``.pth`` line naming this interpreter's site-packages: a path line adds that
folder to ``sys.path`` without running the ``.pth`` files in it, so the editable finder of the
development install stays off and the checkout is never importable. The child processes run
from a temporary directory without PYTHONPATH, and ``issuer.__file__`` proves which copy runs.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import httpx
import pytest

from tests.support import free_port, stop_process_group

ROOT = Path(__file__).resolve().parents[1]
PORTS = range(8320, 8330)  # the ports this project's tests may serve on
pytestmark = pytest.mark.slow


def _child_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("BADGES_", "PYTHON", "PICCOLO")) and k not in ("DATABASE_URL", "VIRTUAL_ENV")}
    env.update(PYTHONUNBUFFERED="1", BADGES_DATA_DIR=str(data_dir))
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A venv holding the freshly built wheel; returns its bin directory."""
    work = tmp_path_factory.mktemp("wheel")
    src = work / "src"
    src.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("badges", "issuer", "verifier"):
        shutil.copytree(ROOT / name, src / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work / "dist"),
                            str(src)], capture_output=True, text=True, timeout=300)
    if build.returncode != 0:
        pytest.fail(f"building the wheel failed:\n{build.stdout}\n{build.stderr}")
    [wheel] = (work / "dist").glob("openbadges_school-*.whl")

    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    install = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
                              "--no-index", "-q", str(wheel)], capture_output=True, text=True, timeout=300)
    if install.returncode != 0:
        pytest.fail(f"installing the wheel failed:\n{install.stdout}\n{install.stderr}")
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          capture_output=True, text=True, check=True, cwd=work, env=_child_env(work)).stdout.strip()
    deps = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (Path(site) / "_dependencies.pth").write_text("".join(f"{path}\n" for path in sorted(deps)))
    return venv / "bin"


def test_the_installed_copy_runs_not_the_checkout(installed, tmp_path):
    probe = ("import issuer, verifier, badges, issuer.render.templating as t, verifier.config as v;"
             "print(issuer.__file__); print(verifier.__file__); print(t.TEMPLATES_DIR); print(v.TEMPLATES_DIR)")
    out = subprocess.run([str(installed / "python"), "-c", probe], capture_output=True, text=True, timeout=60,
                         cwd=tmp_path, env=_child_env(tmp_path))
    assert out.returncode == 0, out.stderr
    venv = installed.parent.resolve()
    for line in out.stdout.split():
        path = Path(line).resolve()
        assert path.is_relative_to(venv) and not path.is_relative_to(ROOT), out.stdout
    assert (Path(out.stdout.split()[2]) / "fonts" / "DejaVuSans.ttf").is_file()
    # the bad twin: the same venv with the checkout on PYTHONPATH runs the checkout, and the check sees it
    env = {**_child_env(tmp_path), "PYTHONPATH": str(ROOT)}
    here = subprocess.run([str(installed / "python"), "-c", "import issuer; print(issuer.__file__)"],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path, env=env)
    assert Path(here.stdout.strip()).resolve().is_relative_to(ROOT.resolve()), here.stdout + here.stderr


def _wait_serving(proc: subprocess.Popen, base: str, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"badges demo --serve exited with {proc.returncode}:\n{log.read_text()}")
        try:
            httpx.get(f"{base}/login", timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.25)
    pytest.fail(f"not serving after 120 s:\n{log.read_text()}")


def test_installed_badges_serves_pages_and_prints_a_transcript(installed, tmp_path):
    from pypdf import PdfReader

    port = free_port(PORTS)
    base = f"http://127.0.0.1:{port}"
    data = tmp_path / "data"
    env = _child_env(data)
    log = tmp_path / "demo.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen([str(installed / "badges"), "demo", "--serve", "--host", "127.0.0.1", "--port",
                                 str(port), "--base-url", base], stdout=sink, stderr=subprocess.STDOUT, env=env,
                                cwd=tmp_path, start_new_session=True)
        try:
            _wait_serving(proc, base, log)
            output = log.read_text()
            badge_urls = re.findall(r"^\s+badge: (\S+)$", output, re.MULTILINE)
            assert badge_urls, output
            with httpx.Client(base_url=base, timeout=10) as client:
                login = client.get("/login")
                assert login.status_code == 200 and 'name="csrf_token"' in login.text, login.text[:300]
                assert '<link rel="stylesheet" href="/static/site.css">' in login.text
                verify = client.get("/verify", headers={"accept": "text/html"})
                assert verify.status_code == 200 and "/static/verify.js" in verify.text, verify.text[:300]
                uuid = badge_urls[0].rstrip("/").rsplit("/", 1)[-1]
                page = client.get(f"/badges/{uuid}")
                assert page.status_code == 200 and "Lincoln High School" in page.text, page.text[:300]
                for asset, kind in (("site.css", "text/css"), ("verify.css", "text/css"),
                                    ("verify.js", "javascript"), ("transcript-page.css", "text/css")):
                    r = client.get(f"/static/{asset}")
                    assert r.status_code == 200 and kind in r.headers["content-type"] and r.content, asset
                # the bad twin: a file that is not package data is not served
                assert client.get("/static/no-such.css").status_code == 404
        finally:
            stop_process_group(proc)

    out = tmp_path / "pdf"
    out.mkdir()
    run = subprocess.run([str(installed / "badges"), "transcript", "maya", "--out", str(out), "--base-url", base],
                         capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    [pdf] = out.glob("*.pdf")
    reader = PdfReader(str(pdf))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Maya" in text, text[:500]
    fonts = {str(font.get_object()["/BaseFont"]) for page in reader.pages
             for font in (page["/Resources"].get("/Font") or {}).values()}
    # only the @font-face fonts of the installed templates/fonts (a system font shows as e.g. DejaVuSans)
    assert fonts and all("+Transcript-" in name for name in fonts), fonts
