"""Helpers of the authorization tests (issue 10): the whole app (``create_app``) in this event
loop, over httpx's ASGI transport, from a chosen peer address."""
from __future__ import annotations

import re

import httpx

from tests.support import BASE_URL


def app_client(platform, db, *, settings=None, peer: str = "127.0.0.1") -> httpx.AsyncClient:
    """``create_app`` on the test database and clock; requests arrive from ``peer``."""
    from issuer.app import create_app

    app = create_app(settings or platform.settings, clock=platform.clock, engine=db)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(peer, 40000)), base_url=BASE_URL)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def session(token: str) -> dict:
    return {"Cookie": f"badges_session={token}"}


def csrf_for_session(ctx, token: str) -> str:
    from issuer.accounts import service as accounts

    return accounts.csrf_token(ctx.keys.secret_key, token)


async def login_csrf(client: httpx.AsyncClient) -> str:
    """The login form's CSRF token (the client keeps the pre-session cookie it came with)."""
    page = await client.get("/login")
    assert page.status_code == 200
    return re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text).group(1)


def assert_problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body = response.json()
    assert body["status"] == status
    return body
