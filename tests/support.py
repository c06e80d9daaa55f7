"""Constants and plain helpers shared by the whole test tree; the fixtures are in ``tests/conftest.py``.

Test modules import these by name (``from tests.support import NOW, SEED``); conftest modules
import them too, so that no module ever has to import a conftest or another test module.
"""
from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The published vectors and examples, vendored in tests/reference (see its README) so that a clean
# clone runs every test; REFERENCE_DIR points at another copy. SHARED_REFERENCE is the original
# beside the checkout, used only to check the vendored copy for drift.
REFERENCE = Path(os.environ.get("REFERENCE_DIR", ROOT / "tests" / "reference"))
SHARED_REFERENCE = ROOT.parent / "shared" / "reference"

SEED = bytes(range(32))
NOW = datetime(2026, 1, 15, 10, 0, 0, tzinfo=UTC)

PG_ADMIN_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
TEST_KEK = bytes(range(100, 132))
BASE_URL = "http://127.0.0.1:8000"


def pg_reachable() -> bool:
    """Whether PostgreSQL answers at ``PG_ADMIN_URL`` (within two seconds)."""
    import asyncpg

    async def probe() -> bool:
        try:
            conn = await asyncpg.connect(PG_ADMIN_URL, timeout=2)
        except (TimeoutError, OSError, asyncpg.PostgresError):
            return False
        await conn.close()
        return True

    return asyncio.run(probe())


def with_database(url: str, name: str) -> str:
    """``url`` pointing at database ``name`` instead."""
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


def free_port(ports: range) -> int:
    """The first port of ``ports`` (the range a test may serve on) that nothing listens on; the
    test is skipped when every one is taken."""
    import pytest

    for port in ports:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.skip(f"no free port in {ports.start}-{ports.stop - 1}")


def stop_process_group(proc: subprocess.Popen) -> None:
    """End a server started with ``start_new_session=True``: SIGTERM to its group, SIGKILL if it
    has not gone after 15 s."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
