#!/usr/bin/env python3
"""One entry point for a fresh machine: `python3 dev.py demo` and `python3 dev.py test`.

Only the standard library is used here, because this runs before anything is installed.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
STAMP = VENV / ".installed"

# Debian packages: a browser for the page tests, HarfBuzz subsetting for fast PDFs, poppler for
# rasterising PDF pages (QR decoding in tests). Best effort: the code works without them, the
# browser tests skip without chromium.
APT_PACKAGES = ["chromium", "libharfbuzz-subset0", "fonts-dejavu-core", "poppler-utils"]

# What ruff checks (the whole project; its rules and exclusions are in pyproject.toml, as are mypy's paths).
LINTED = (".",)


def run(*cmd: str | Path, **kw: object) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, **kw)


def apt_install() -> None:
    missing = [p for p in APT_PACKAGES if subprocess.run(
        ["dpkg", "-s", p], capture_output=True).returncode != 0]
    if not missing or not shutil.which("apt-get"):
        return
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        print(f"note: not root, skipping apt packages {missing}", flush=True)
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    try:
        run("apt-get", "update", "-qq", env=env)
        run("apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing, env=env)
    except subprocess.CalledProcessError:
        print(f"note: could not install {missing}; continuing without them", flush=True)


def npm_install() -> None:
    """The independent JavaScript implementation the interop tests compare against (skipped without it)."""
    interop = ROOT / "tests" / "interop"
    npm = shutil.which("npm")
    if not npm or (interop / "node_modules").is_dir():
        return
    try:
        run(npm, "ci", "--prefix", interop, "--no-audit", "--no-fund", "--loglevel=error")
    except subprocess.CalledProcessError:
        print("note: npm ci failed; the JavaScript interop tests will be skipped", flush=True)


def setup() -> None:
    if not PY.exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    signature = (ROOT / "pyproject.toml").read_bytes()
    if not STAMP.exists() or STAMP.read_bytes() != signature:
        run(PY, "-m", "pip", "install", "-q", "--upgrade", "pip")
        run(PY, "-m", "pip", "install", "-q", "-e", f"{ROOT}[dev]")
        STAMP.write_bytes(signature)
    apt_install()
    npm_install()


def static_checks() -> int:
    """The cheap checks before the tests, in order; the first that fails stops the run.

    Architecture contracts first (a broken layering makes every other failure noise), then lint,
    then types. mypy keeps its cache in .mypy_cache, so a second run takes a few seconds."""
    steps = [
        ("import contracts (lint-imports)", [str(BIN / "lint-imports")]),
        ("lint (ruff check)", [str(PY), "-m", "ruff", "check", *LINTED]),
        ("types (mypy)", [str(PY), "-m", "mypy"]),
    ]
    for name, cmd in steps:
        code = subprocess.call(cmd, cwd=ROOT)
        if code:
            print(f"dev.py test: {name} failed (exit {code}); the tests were not run.", file=sys.stderr, flush=True)
            return code
    return 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test", "setup"}:
        print("usage: python3 dev.py demo [badges demo options] | test [pytest options] | setup")
        return 2
    setup()
    command, rest = argv[0], argv[1:]
    if command == "setup":
        return 0
    if command == "demo":
        return subprocess.call([str(BIN / "badges"), "demo", "--serve", *rest], cwd=ROOT)
    code = static_checks()
    if code:
        return code
    return subprocess.call([str(PY), "-m", "pytest", *rest], cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
