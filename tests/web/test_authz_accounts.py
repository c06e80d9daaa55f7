"""Issue 10, items 2 and 4: tokens expire and are revoked (API, page, CLI), users are
deactivated, a password change ends the other sessions; each change is audited.

Before: no API or CLI could revoke or expire a token or deactivate a user, and sessions
outlived a password change.
"""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from tests.support import NOW
from tests.web.authz_support import app_client, assert_problem, bearer, csrf_for_session, login_csrf, session

pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]

PASSWORD = "correct horse battery"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def client(platform, db, seed):
    async with app_client(platform, db) as c:
        yield c


async def _audit(action: str) -> list[dict]:
    from issuer.db.tables import AuditEvent

    return await AuditEvent.select().where(AuditEvent.action == action).order_by(AuditEvent.id).output(load_json=True)


async def _new_token(client, seed, **body) -> dict:
    r = await client.post("/admin/tokens", headers=bearer(seed.token["school_admin"]), json={"name": "tok", **body})
    assert r.status_code == 201, r.text
    return r.json()


async def test_token_expiry(client, seed, platform):
    out = await _new_token(client, seed, expiresIn=60)
    assert out["expiresAt"].startswith((NOW + timedelta(seconds=60)).strftime("%Y-%m-%dT%H:%M:%S"))
    assert (await client.get("/me", headers=bearer(out["token"]))).status_code == 200
    platform.clock.advance(seconds=59)
    assert (await client.get("/me", headers=bearer(out["token"]))).status_code == 200
    platform.clock.advance(seconds=1)  # at expiresAt: refused
    assert_problem(await client.get("/me", headers=bearer(out["token"])), 401)
    # bad expiry is a 400 problem, never a token
    admin = bearer(seed.token["school_admin"])
    for body in ({"expiresIn": 0}, {"expiresIn": -5}, {"expiresIn": 10 ** 10},
                 {"expiresIn": 60, "expiresAt": "2030-01-01T00:00:00Z"},
                 {"expiresAt": "2020-01-01T00:00:00Z"}, {"expiresAt": "2030-01-01T00:00:00"}):
        assert_problem(await client.post("/admin/tokens", headers=admin, json=body), 400)
    ok = await _new_token(client, seed, expiresAt=(platform.clock.now() + timedelta(days=1)).isoformat())
    assert (await client.get("/me", headers=bearer(ok["token"]))).status_code == 200


async def test_token_revocation_over_the_api(client, seed, platform):
    out = await _new_token(client, seed, user="north-teacher-0")
    assert out["role"] == "teacher"
    listed = (await client.get("/admin/tokens", headers=bearer(seed.token["school_admin"]))).json()
    mine = next(t for t in listed if t["id"] == out["id"])
    assert mine["user"] == "north-teacher-0" and "token" not in mine and mine.get("revokedAt") is None
    assert all(t["school"] == "north" for t in listed)  # a school admin lists their school's only
    # another school's admin cannot see or revoke it
    south_admin = seed.users[("south", "school_admin", 0)]
    from issuer.accounts import service as accounts

    south = bearer(await accounts.create_api_token(platform, school_id=south_admin["school"], district_id=seed.district.id,
                                                   user_id=south_admin["id"], name="south"))
    assert out["id"] not in [t["id"] for t in (await client.get("/admin/tokens", headers=south)).json()]
    assert_problem(await client.delete(f"/admin/tokens/{out['id']}", headers=south), 404)
    assert_problem(await client.delete(f"/admin/tokens/{out['id']}", headers=bearer(seed.token["teacher"])), 403)
    assert (await client.get("/me", headers=bearer(out["token"]))).status_code == 200
    r = await client.delete(f"/admin/tokens/{out['id']}", headers=bearer(seed.token["school_admin"]))
    assert r.status_code == 200 and r.json()["revokedAt"]
    assert_problem(await client.get("/me", headers=bearer(out["token"])), 401)
    again = await client.delete(f"/admin/tokens/{out['id']}", headers=bearer(seed.token["school_admin"]))
    assert again.status_code == 200 and again.json()["revokedAt"] == r.json()["revokedAt"]
    assert_problem(await client.delete("/admin/tokens/999999", headers=bearer(seed.token["school_admin"])), 404)
    created, revoked = await _audit("token.create"), await _audit("token.revoke")
    assert created[-1]["details"]["token"] == out["id"] and created[-1]["details"]["user"] == "north-teacher-0"
    assert created[-1]["actor"] == seed.users[("north", "school_admin", 0)]["id"]
    assert len(revoked) == 1 and revoked[0]["details"] == {"token": out["id"]}


async def test_token_page_lists_and_revokes_with_csrf(client, seed):
    out = await _new_token(client, seed)
    cookie = seed.session["school_admin"]
    page = await client.get("/admin/api-tokens", headers=session(cookie))
    assert page.status_code == 200 and f'action="/admin/api-tokens/{out["id"]}/revoke"' in page.text
    assert 'name="csrf_token"' in page.text
    assert (await client.get("/admin/api-tokens", headers=session(seed.session["teacher"]))).status_code == 403
    # a forged form (no or a wrong CSRF token) is refused and the token lives on
    for data in ({}, {"csrf_token": "f" * 64}):
        assert_problem(await client.post(f"/admin/api-tokens/{out['id']}/revoke", headers=session(cookie),
                                         data=data), 403)
    assert (await client.get("/me", headers=bearer(out["token"]))).status_code == 200
    r = await client.post(f"/admin/api-tokens/{out['id']}/revoke", headers=session(cookie),
                          data={"csrf_token": csrf_for_session(seed.ctx, cookie)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/admin/api-tokens?revoked={out['id']}"
    assert_problem(await client.get("/me", headers=bearer(out["token"])), 401)
    page = await client.get(r.headers["location"], headers=session(cookie))
    assert "is revoked" in page.text and f'/admin/api-tokens/{out["id"]}/revoke' not in page.text


async def test_deactivated_user_cannot_log_in_and_loses_sessions_and_tokens(client, seed, platform):
    from issuer.accounts import service as accounts

    user = await accounts.create_user(platform, district_id=seed.district.id, school_id=seed.schools["north"].id,
                                      role="teacher", username="t-deact", password=PASSWORD)
    cookie = await accounts.create_session(platform, user.id)
    token = (await _new_token(client, seed, user="t-deact"))["token"]
    admin = bearer(seed.token["school_admin"])
    # not by a teacher, not by another school's admin, not oneself
    assert_problem(await client.post(f"/admin/users/{user.id}/deactivate", headers=bearer(seed.token["teacher"])),
                   403)
    south_admin = seed.users[("south", "school_admin", 0)]
    south = bearer(await accounts.create_api_token(platform, school_id=south_admin["school"], district_id=seed.district.id,
                                                   user_id=south_admin["id"]))
    assert_problem(await client.post(f"/admin/users/{user.id}/deactivate", headers=south), 404)
    me = seed.users[("north", "school_admin", 0)]
    assert_problem(await client.post(f"/admin/users/{me['id']}/deactivate", headers=admin), 409)
    district_admin = seed.users[(None, "district_admin", 0)]
    assert_problem(await client.post(f"/admin/users/{district_admin['id']}/deactivate", headers=admin), 404)

    r = await client.post(f"/admin/users/{user.id}/deactivate", headers=admin)
    assert r.status_code == 200 and r.json()["active"] is False
    assert_problem(await client.get("/me", headers=session(cookie)), 401)
    assert_problem(await client.get("/me", headers=bearer(token)), 401)
    csrf = await login_csrf(client)
    r = await client.post("/login", data={"username": "t-deact", "password": PASSWORD, "csrf_token": csrf},
                          follow_redirects=False)
    assert r.status_code == 401
    [event] = await _audit("user.deactivate")
    assert event["subject"] == "t-deact" and event["details"] == {"tokensRevoked": 1} and event["actor"] == me["id"]
    # reactivated: the password works again; the old token and session stay dead
    r = await client.post(f"/admin/users/{user.id}/activate", headers=admin)
    assert r.status_code == 200 and r.json()["active"] is True
    r = await client.post("/login", data={"username": "t-deact", "password": PASSWORD, "csrf_token": csrf},
                          follow_redirects=False)
    assert r.status_code == 303
    assert_problem(await client.get("/me", headers=bearer(token)), 401)
    assert_problem(await client.get("/me", headers=session(cookie)), 401)


async def test_password_change_ends_the_other_sessions(client, seed, platform):
    from issuer.accounts import repo as accounts_repo
    from issuer.accounts import service as accounts

    user = await accounts.create_user(platform, district_id=seed.district.id, school_id=seed.schools["north"].id,
                                      role="teacher", username="t-pw", password=PASSWORD)
    here, elsewhere = await accounts.create_session(platform, user.id), await accounts.create_session(platform, user.id)
    url = "/me/password"
    headers = {**session(here), "X-CSRF-Token": csrf_for_session(platform, here)}
    assert_problem(await client.post(url, headers=headers, json={"currentPassword": "wrong one!",
                                                                 "newPassword": "a new passphrase"}), 401)
    assert_problem(await client.post(url, headers=headers, json={"currentPassword": PASSWORD,
                                                                 "newPassword": "short"}), 400)
    assert (await client.get("/me", headers=session(elsewhere))).status_code == 200  # failed tries change nothing
    r = await client.post(url, headers=headers, json={"currentPassword": PASSWORD, "newPassword": "a new passphrase"})
    assert r.status_code == 204, r.text
    assert (await client.get("/me", headers=session(here))).status_code == 200
    assert_problem(await client.get("/me", headers=session(elsewhere)), 401)
    csrf = await login_csrf(client)
    for password, status in ((PASSWORD, 401), ("a new passphrase", 303)):
        r = await client.post("/login", data={"username": "t-pw", "password": password, "csrf_token": csrf},
                              follow_redirects=False)
        assert r.status_code == status
    assert [e["subject"] for e in await _audit("user.password")] == ["t-pw"]
    # the other path that sets passwords (the demo's reset) ends every session too
    third = await accounts.create_session(platform, user.id)
    await accounts_repo.set_password_hash(user.id, accounts.hash_password("reset by demo"))
    assert_problem(await client.get("/me", headers=session(third)), 401)
    # a token without an account has no password to change
    assert_problem(await client.post(url, headers=bearer(seed.school_token),
                                     json={"currentPassword": "x", "newPassword": "yyyyyyyyyy"}), 403)


async def test_logins_are_audited_with_who(client, seed, platform):
    from issuer.accounts import service as accounts

    user = await accounts.create_user(platform, district_id=seed.district.id, school_id=seed.schools["north"].id,
                                      role="teacher", username="t-audit", password=PASSWORD)
    csrf = await login_csrf(client)
    for username, password in (("t-audit", "wrong password"), ("nobody-here", "x"), ("t-audit", PASSWORD)):
        await client.post("/login", data={"username": username, "password": password, "csrf_token": csrf},
                          follow_redirects=False)
    failures, successes = await _audit("login.failure"), await _audit("login.success")
    assert [(e["subject"], e["actor"], e["details"]["reason"]) for e in failures] == [
        ("t-audit", user.id, "wrong password"), ("nobody-here", None, "unknown user")]
    assert [(e["subject"], e["actor"], e["school"]) for e in successes] == [("t-audit", user.id, user.school)]
    assert all(e["details"]["ip"] == "127.0.0.1" for e in failures + successes)
    # the school admin reads them in the audit log
    actions = [e["action"] for e in (await client.get("/admin/audit", headers=bearer(seed.token["school_admin"]))).json()]
    assert "login.success" in actions and "login.failure" in actions


def _badges(data_dir: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BADGES_", "DATABASE_URL"))}
    env.update(BADGES_DATA_DIR=str(data_dir), PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "badges.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300, input=stdin)


def test_cli_token_list_revoke_and_user_commands(tmp_path):
    assert _badges(tmp_path, "init").returncode == 0
    bad = _badges(tmp_path, "token", "create", "--role", "student")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "name the user" in bad.stderr
    made = _badges(tmp_path, "token", "create", "--name", "vc-client", "--expires-in", "30")
    assert made.returncode == 0, made.stderr
    assert len(made.stdout.splitlines()) == 2  # token, issuer: what scripts read
    token_id = made.stderr.split("token id ")[1].split(",")[0]
    listed = _badges(tmp_path, "token", "list").stdout
    assert f"{token_id}\tactive\tschool_admin" in listed and "vc-client" in listed and "expires=never" not in listed
    assert _badges(tmp_path, "token", "revoke", token_id).returncode == 0
    assert f"{token_id}\trevoked" in _badges(tmp_path, "token", "list").stdout
    missing = _badges(tmp_path, "token", "revoke", "999")
    assert missing.returncode == 2 and "no API token 999" in missing.stderr
    pw = _badges(tmp_path, "user", "password", "admin", "--stdin", stdin="a long new password\n")
    assert pw.returncode == 0, pw.stderr
    short = _badges(tmp_path, "user", "password", "admin", "--stdin", stdin="short\n")
    assert short.returncode == 2 and "8 characters" in short.stderr
    off = _badges(tmp_path, "user", "deactivate", "admin")
    assert off.returncode == 0 and "deactivated" in off.stdout
    assert _badges(tmp_path, "user", "deactivate", "nobody").returncode == 2


async def test_deactivating_an_admin_revokes_the_service_tokens_they_made(client, seed, platform):
    """A user-less token holds its creator's authority: it ends with them. Tokens they made
    for other people (bound to those people) and other admins' tokens live on."""
    from issuer.accounts import service as accounts

    admin = await accounts.create_user(platform, district_id=seed.district.id, school_id=seed.schools["north"].id,
                                       role="school_admin", username="a-leaving", password=PASSWORD)
    own = bearer(await accounts.create_api_token(platform, school_id=admin.school, district_id=seed.district.id,
                                                 user_id=admin.id, name="own"))
    service = (await client.post("/admin/tokens", headers=own, json={"name": "service"})).json()["token"]
    for_teacher = (await client.post("/admin/tokens", headers=own, json={"user": "north-teacher-0"})).json()["token"]
    r = await client.post(f"/admin/users/{admin.id}/deactivate", headers=bearer(seed.token["school_admin"]))
    assert r.status_code == 200
    for dead in (own, bearer(service)):
        assert_problem(await client.get("/me", headers=dead), 401)
    for alive in (bearer(for_teacher), bearer(seed.school_token), bearer(seed.token["school_admin"])):
        assert (await client.get("/me", headers=alive)).status_code == 200
    assert (await _audit("user.deactivate"))[-1]["details"] == {"tokensRevoked": 2}


async def test_overlong_account_fields_are_400_not_500(client, seed):
    """Token and user bodies are bounded to their columns (PostgreSQL refused longer values)."""
    admin = bearer(seed.token["school_admin"])
    for body in ({"name": "n" * 256}, {"user": "u" * 151}, {"role": "r" * 33}, {"school": "s" * 65}):
        assert_problem(await client.post("/admin/tokens", headers=admin, json=body), 400)
    for extra in ({"displayName": "d" * 256}, {"email": "e" * 321}, {"password": "p" * 1025}):
        assert_problem(await client.post("/admin/users", headers=admin,
                                         json={"username": "new-user", "role": "teacher", **extra}), 400)
    ok = await client.post("/admin/tokens", headers=admin, json={"name": "n" * 255})
    assert ok.status_code == 201, ok.text
    made = await client.post("/admin/users", headers=admin, json={"username": "new-user", "role": "teacher",
                                                                   "displayName": "d" * 255})
    assert made.status_code == 201 and made.json()["active"] is True
