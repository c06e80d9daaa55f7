"""What every interop test module shares: where node and the JS packages are, the skip marks
that keep a machine without them green, and one runner for the node scripts here."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
NODE = shutil.which("node")
BASE = "http://127.0.0.1:8000"


def requires_node(package: str = "") -> list[pytest.MarkDecorator]:
    """Skip marks: node, and the installed packages (``package``: one that must be there too)."""
    modules = HERE / "node_modules"
    return [
        pytest.mark.skipif(NODE is None, reason="node is not installed"),
        pytest.mark.skipif(not (modules / package).is_dir(),
                           reason="tests/interop/node_modules missing: run `npm ci --prefix tests/interop`"),
    ]


# Service-level modules: an issuer app in-process, on SQLite only (the platform fixtures' db_url is
# given its "sqlite" parameter: what the JS side reads is the same on both databases, and the
# backends have their own tests).
SERVICE_MARKS = [pytest.mark.anyio,
                 pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning"),
                 pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]


def run_script(script: str, key: str, payload: list[dict], tmp_path: Path, *, answer: str | None = None,
               timeout: float = 120) -> dict:
    """Run ``script`` (a .mjs here) on ``{key: payload}`` and index its results (under ``answer``,
    else ``key``) by name."""
    path = tmp_path / f"{key}.json"
    path.write_text(json.dumps({key: payload}), encoding="utf-8")
    run = subprocess.run([NODE or "node", str(HERE / script), str(path)], capture_output=True, text=True,
                         timeout=timeout, check=False)
    assert run.returncode == 0, run.stderr
    return {r["name"]: r for r in json.loads(run.stdout)[answer or key]}


def run_node(served: list[dict], tmp_path: Path) -> dict:
    return run_script("interop.mjs", "served", served, tmp_path)
