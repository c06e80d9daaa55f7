"""Issue 10, item 3: login limits that hold under concurrency, spraying and forged headers.

Before: the limit was check-then-act (30 concurrent wrong passwords for one user all got 401,
none 429); keyed on (username, IP) only, so one password sprayed across many usernames was
never limited; and behind 127.0.0.1 a rotating ``X-Forwarded-For`` reset it, because the
server trusted forwarded headers from loopback by default. Runs on SQLite and PostgreSQL.
"""
from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from tests.web.authz_support import app_client, login_csrf

pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]

PASSWORD = "correct horse battery"


async def _user(platform, seed, username: str):
    from issuer.accounts import service as accounts

    return await accounts.create_user(platform, district_id=seed.district.id, school_id=seed.schools["north"].id,
                                      role="teacher", username=username, password=PASSWORD)


async def _attempt(client, csrf: str, username: str, password: str, **headers):
    return await client.post("/login", data={"username": username, "password": password, "csrf_token": csrf},
                             headers=headers, follow_redirects=False)


async def test_concurrent_wrong_passwords_are_limited(platform, db, seed):
    await _user(platform, seed, "t-race")
    async with app_client(platform, db) as client:
        csrf = await login_csrf(client)
        answers = await asyncio.gather(*[_attempt(client, csrf, "t-race", f"wrong {n}") for n in range(30)])
        codes = sorted(r.status_code for r in answers)
        assert codes == [401] * 5 + [429] * 25, codes  # exactly the limit got through
        assert all(1 <= int(r.headers["retry-after"]) <= 15 * 60 for r in answers if r.status_code == 429)
        # even the right password waits for the window; then it works and clears the count
        assert (await _attempt(client, csrf, "t-race", PASSWORD)).status_code == 429
        platform.clock.advance(minutes=15, seconds=1)
        assert (await _attempt(client, csrf, "t-race", PASSWORD)).status_code == 303


async def test_the_counter_is_one_atomic_statement(seed, platform):
    """Each concurrent bump gets its own number: none can read a stale count."""
    from issuer.accounts import repo as accounts_repo

    now = platform.clock.now()
    counts = await asyncio.gather(*[accounts_repo.bump_login_counter("k", at=now, window_start_after=now - timedelta(minutes=15))
                                    for _ in range(30)])
    assert sorted(c for c, _ in counts) == list(range(1, 31))
    assert {start for _, start in counts} == {now}
    later = now + timedelta(minutes=16)  # a window that has ended starts again at 1
    assert await accounts_repo.bump_login_counter("k", at=later, window_start_after=later - timedelta(minutes=15)) == (1, later)


async def test_password_spraying_from_one_ip_is_limited(platform, db, seed):
    settings = platform.settings.replace(login_max_failures_per_ip=10)
    victim = await _user(platform, seed, "t-victim")
    async with app_client(platform, db, settings=settings) as client:
        csrf = await login_csrf(client)
        codes = [(await _attempt(client, csrf, f"user-{n}", "Spring2026!")).status_code for n in range(12)]
        assert codes == [401] * 10 + [429] * 2
        # a real user with the right password from that address waits too …
        assert (await _attempt(client, csrf, victim.username, PASSWORD)).status_code == 429
    # … while the same user from another address signs in
    async with app_client(platform, db, settings=settings, peer="192.0.2.7") as other:
        csrf = await login_csrf(other)
        assert (await _attempt(other, csrf, victim.username, PASSWORD)).status_code == 303


async def test_successful_logins_do_not_fill_the_per_ip_count(platform, db, seed):
    """A school behind one address: its people signing in are not counted against it."""
    settings = platform.settings.replace(login_max_failures_per_ip=3)
    for n in range(6):
        await _user(platform, seed, f"t-many-{n}")
    async with app_client(platform, db, settings=settings) as client:
        csrf = await login_csrf(client)
        for n in range(6):
            assert (await _attempt(client, csrf, f"t-many-{n}", PASSWORD)).status_code == 303
            client.cookies.delete("badges_session")  # the next person at the same address
        assert (await _attempt(client, csrf, "t-many-0", "wrong")).status_code == 401


async def test_signing_in_between_guesses_does_not_reopen_spraying(platform, db, seed):
    """A success takes back only its own count: an attacker's own sign-ins between guesses
    leave every failed guess counted."""
    settings = platform.settings.replace(login_max_failures_per_ip=4)
    await _user(platform, seed, "t-attacker")
    async with app_client(platform, db, settings=settings) as client:
        csrf = await login_csrf(client)
        codes = []
        for n in range(8):
            assert (await _attempt(client, csrf, "t-attacker", PASSWORD)).status_code in (303, 429)
            client.cookies.delete("badges_session")
            codes.append((await _attempt(client, csrf, f"user-{n}", "Spring2026!")).status_code)
        assert codes.count(401) <= 4 and codes[-1] == 429, codes


async def test_rotating_forwarded_for_from_an_untrusted_peer_does_not_reset_the_limit(platform, db, seed):
    await _user(platform, seed, "t-xff")
    async with app_client(platform, db) as client:  # no BADGES_TRUSTED_PROXIES: the default
        csrf = await login_csrf(client)
        codes = [(await _attempt(client, csrf, "t-xff", "wrong", **{"X-Forwarded-For": f"203.0.113.{n}"})).status_code
                 for n in range(8)]
        assert codes == [401] * 5 + [429] * 3
    from issuer.db.tables import LoginAttempt

    assert {r["ip"] for r in await LoginAttempt.select(LoginAttempt.ip)} == {"127.0.0.1"}


async def test_forwarded_for_from_a_configured_proxy_is_honoured(platform, db, seed):
    await _user(platform, seed, "t-proxy")
    settings = platform.settings.replace(trusted_proxies=("10.0.0.0/24",))
    async with app_client(platform, db, settings=settings, peer="10.0.0.5") as proxy:
        csrf = await login_csrf(proxy)
        # one client behind the proxy is limited at its own address …
        codes = [(await _attempt(proxy, csrf, "t-proxy", "wrong", **{"X-Forwarded-For": "198.51.100.9"})).status_code
                 for _ in range(6)]
        assert codes == [401] * 5 + [429]
        # … and another client behind the same proxy is not
        ok = await _attempt(proxy, csrf, "t-proxy", PASSWORD, **{"X-Forwarded-For": "198.51.100.10"})
        assert ok.status_code == 303
    # the same settings do not trust a peer outside the configured network
    async with app_client(platform, db, settings=settings, peer="127.0.0.1") as direct:
        csrf = await login_csrf(direct)
        codes = [(await _attempt(direct, csrf, "t-proxy", "wrong", **{"X-Forwarded-For": f"198.51.100.{n}"})).status_code
                 for n in range(20, 26)]
        assert codes == [401] * 5 + [429]
    from issuer.db.tables import AuditEvent

    ips = {e["details"]["ip"] for e in await AuditEvent.select().where(
        AuditEvent.subject == "t-proxy").output(load_json=True)}
    assert ips == {"198.51.100.9", "198.51.100.10", "127.0.0.1"}


def test_trusted_proxies_setting_and_serve_without_uvicorn_proxy_headers(monkeypatch, tmp_path):
    from issuer.accounts import auth
    from issuer.settings import Settings, SettingsError

    assert Settings.from_env({}).trusted_proxies == ()
    assert Settings.from_env({"BADGES_TRUSTED_PROXIES": "10.0.0.1, 192.168.0.0/16"}).trusted_proxies == (
        "10.0.0.1", "192.168.0.0/16")
    with pytest.raises(SettingsError):
        Settings.from_env({"BADGES_TRUSTED_PROXIES": "proxy.example"})
    assert auth.middleware(Settings()) == [auth.AuthMiddleware]
    assert len(auth.middleware(Settings(trusted_proxies=("10.0.0.1",)))) == 2

    # `badges serve` must not let uvicorn trust 127.0.0.1's forwarded headers (its default)
    import uvicorn

    from issuer import cli

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(kw))
    monkeypatch.setenv("BADGES_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BADGES_KEK", "00" * 32)
    args = cli.argparse.Namespace(host="127.0.0.1", port=8219, base_url=None, documents=None, trust=None,
                                  allow_private_networks=None)
    assert cli._cmd_serve(args) == 0
    assert seen["proxy_headers"] is False


async def test_an_overlong_username_is_a_4xx_not_a_500(platform, db, seed):
    """The attempt log's columns are bounded: PostgreSQL refused a longer name with a 500. The
    login form refuses it before any lookup (400, the form again with the error)."""
    async with app_client(platform, db) as client:
        csrf = await login_csrf(client)
        r = await _attempt(client, csrf, "x" * 5000, "whatever")
        assert r.status_code == 400
