"""Fixtures shared by the web tests (the platform's ``db``, ``platform``, ``seed`` and ``client`` are in
``tests/conftest.py``; plain helpers are in ``tests/web/support.py``).

``app``
    The full issuer app (``create_app``, the verifier mounted) on the test database and clock, after ``seed``.
``asgi_client``
    An ``httpx.AsyncClient`` on ``app`` in the test's own event loop (the PostgreSQL pool belongs to it; the
    verifier's worker threads reach the database back through ``anyio.from_thread``). A module whose tests
    need it as their ``client`` overrides ``client`` with it.
"""
from __future__ import annotations

import httpx
import pytest

from tests.support import BASE_URL


@pytest.fixture
async def app(seed, platform_settings, platform, db):
    from issuer.app import create_app

    return create_app(platform_settings, clock=platform.clock, engine=db)


@pytest.fixture
async def asgi_client(app):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as c:
        yield c
