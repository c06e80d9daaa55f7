"""``badges bundle`` run as the issuer's CLI, on a badge the service issued: shared by the bundle and interop tests."""
from __future__ import annotations

from importlib.metadata import EntryPoint
from pathlib import Path

import anyio.to_thread
import httpx

from badges.cli import main
from tests.support import TEST_KEK
from tests.web.award_support import award

BASE = "http://127.0.0.1:8000"
BUNDLE_DATE = "2026-01-15T09:00:00Z"


ISSUER_PLUGIN = EntryPoint(name="issuer", value="issuer.cli:register", group="badges.commands")


async def issuer_bundle(credential: Path, out: Path, *, db_url: str, data_dir: Path, monkeypatch) -> tuple[int, str]:
    """Run ``badges bundle`` as the issuer's CLI would, in a worker thread (it runs its own event
    loop and binds Piccolo's tables to its own engine; the test's engine is bound again after)."""
    from issuer.db.engine import configure, current_engine

    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("BADGES_DATA_DIR", str(data_dir))
    monkeypatch.setenv("BADGES_BASE_URL", BASE)
    monkeypatch.setenv("BADGES_KEK", TEST_KEK.hex())
    engine = current_engine()
    try:
        code = await anyio.to_thread.run_sync(lambda: main(
            ["bundle", "--now", BUNDLE_DATE, "--out", str(out), str(credential)], plugins=[ISSUER_PLUGIN]))
    finally:
        configure(engine)
    return code, str(out)


async def issued_badge(seed, platform, platform_settings, db, tmp_path) -> dict:
    from issuer.app import create_app

    app = create_app(platform_settings, clock=platform.clock, engine=db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        return await award(client, seed)
