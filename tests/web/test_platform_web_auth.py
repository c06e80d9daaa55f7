"""Sessions, CSRF, login rate limiting, passwords; identity documents and status over HTTP;
the error map (problem details, no leaks)."""
from __future__ import annotations

import logging
import re

import pytest
from litestar import Litestar, get, post

from badges.signing import DocumentResolver, verify_proof
from badges.status import check_status
from issuer.accounts import repo as accounts_repo
from issuer.accounts import service as accounts
from issuer.credentials import repo as credentials_repo
from issuer.web.errors import EXCEPTION_HANDLERS
from tests.support import NOW

pytestmark = pytest.mark.anyio

PASSWORD = "correct horse battery"


async def _user(platform, seed, username="teacher-login", role="teacher"):
    return await accounts.create_user(platform, district_id=seed.district.id, school_id=seed.schools["north"].id,
                                      role=role, username=username, password=PASSWORD, display_name="T. Eacher")


async def _login_form(client, next_url="/"):
    page = await client.get(f"/login?next={next_url}")
    assert page.status_code == 200
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text).group(1)
    return token


async def test_password_is_argon2id(seed, platform):
    await _user(platform, seed)
    row = await accounts_repo.user_credentials("teacher-login")
    assert row.password_hash.startswith("$argon2id$")
    assert PASSWORD not in row.password_hash
    user = await accounts_repo.user_by_id(row.id)
    assert not hasattr(user, "password_hash")  # ordinary queries never carry the hash


async def test_login_session_and_csrf(client, seed, platform):
    await _user(platform, seed)
    token = await _login_form(client, "/me")
    assert "badges_csrf" in client.cookies
    r = await client.post("/login", data={"username": "teacher-login", "password": PASSWORD,
                                          "csrf_token": token, "next": "/me"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/me"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("badges_session=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # http base URL; https deployments get Secure
    me = await client.get("/me")
    assert me.status_code == 200 and me.json()["role"] == "teacher" and me.json()["via"] == "session"

    # A state-changing request on the session needs the session's CSRF token.
    session = client.cookies["badges_session"]
    good = accounts.csrf_token(seed.ctx.keys.secret_key, session)
    assert good != token  # bound to the session, not to the pre-session cookie
    admin_body = {"reason": "x"}
    forged = await client.post("/admin/credentials/00000000-0000-4000-8000-000000000000/revoke", json=admin_body)
    assert forged.status_code == 403 and forged.json()["problem"] == "csrf"
    wrong = await client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert wrong.status_code == 403
    out = await client.post("/logout", data={"csrf_token": good}, follow_redirects=False)
    assert out.status_code == 303 and "badges_session=;" in out.headers["set-cookie"]
    assert await accounts_repo.session_by_hash(accounts.sha256_hex(session)) is None
    client.cookies.set("badges_session", session)  # a replayed cookie is worthless now
    assert (await client.get("/me")).status_code == 401


async def test_session_header_csrf_for_json_calls(client, seed):
    session = seed.session["school_admin"]
    client.cookies.set("badges_session", session)
    good = accounts.csrf_token(seed.ctx.keys.secret_key, session)
    body = {"name": "from-session", "school": "north"}
    assert (await client.post("/admin/tokens", json=body)).status_code == 403
    assert (await client.post("/admin/tokens", json=body, headers={"X-CSRF-Token": "0" * 64})).status_code == 403
    r = await client.post("/admin/tokens", json=body, headers={"X-CSRF-Token": good})
    assert r.status_code == 201 and r.json()["token"].startswith("bdg_")


async def test_login_needs_csrf(client, seed, platform):
    await _user(platform, seed)
    # no cookie, no token
    r = await client.post("/login", data={"username": "teacher-login", "password": PASSWORD})
    assert r.status_code == 403
    await _login_form(client)
    r = await client.post("/login", data={"username": "teacher-login", "password": PASSWORD, "csrf_token": "f" * 64})
    assert r.status_code == 403
    assert "badges_session" not in client.cookies


async def test_login_failures_and_rate_limit(client, seed, platform):
    await _user(platform, seed)
    token = await _login_form(client)

    async def attempt(password):
        return await client.post("/login", data={"username": "teacher-login", "password": password,
                                                 "csrf_token": token}, follow_redirects=False)

    unknown = await client.post("/login", data={"username": "nobody", "password": "x", "csrf_token": token})
    assert unknown.status_code == 401 and "Unknown username or wrong password" in unknown.text
    for _ in range(5):
        r = await attempt("wrong password")
        assert r.status_code == 401
    limited = await attempt(PASSWORD)  # even the right password is refused while limited
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 15 * 60
    platform.clock.advance(minutes=15, seconds=1)
    ok = await attempt(PASSWORD)
    assert ok.status_code == 303
    # The limit is per account and IP: another account is unaffected meanwhile.
    assert seed.users[("north", "teacher", 0)]["username"] != "teacher-login"


async def test_login_open_redirect_is_refused(client, seed, platform):
    await _user(platform, seed)
    for evil in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        token = await _login_form(client)
        r = await client.post("/login", data={"username": "teacher-login", "password": PASSWORD,
                                              "csrf_token": token, "next": evil}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/", evil


async def test_pages_redirect_anonymous_people_to_login(client, seed):
    r = await client.get("/me", headers={"Accept": "text/html"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/me"
    r = await client.get("/me", headers={"Accept": "application/json"})
    assert r.status_code == 401


async def test_did_documents_over_http_and_rotation(client, seed):
    admin = {"Authorization": f"Bearer {seed.token['school_admin']}"}
    first = (await client.post("/credentials/issue", json={"credential": {
        "@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:1"}}}, headers=admin)).json()["verifiableCredential"]
    rotated = await client.post("/admin/schools/north/keys/rotate", headers=admin)
    assert rotated.status_code == 201
    second = (await client.post("/credentials/issue", json={"credential": {
        "@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:2"}}}, headers=admin)).json()["verifiableCredential"]
    assert first["proof"][0]["verificationMethod"] != second["proof"][0]["verificationMethod"]
    assert second["proof"][0]["verificationMethod"] == rotated.json()["verificationMethod"]

    doc = await client.get("/issuers/north/did.json")
    assert doc.status_code == 200 and doc.headers["content-type"].startswith("application/json")
    document = doc.json()
    assert document["id"] == "did:web:127.0.0.1%3A8000:issuers:north"
    assert document["@context"] == ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]
    assert len(document["verificationMethod"]) == 2
    assert all(vm["type"] == "Multikey" and vm["controller"] == document["id"] for vm in document["verificationMethod"])
    resolver = DocumentResolver({document["id"]: document})
    for vc in (first, second):
        assert verify_proof(vc, resolver=resolver, now=NOW).verified

    keys = (await client.get("/admin/schools/north/keys", headers=admin)).json()
    assert [k["active"] for k in keys] == [False, True]
    assert all("secret" not in str(k).lower() and "encrypted" not in str(k).lower() for k in keys)

    district = (await client.get("/.well-known/did.json")).json()
    assert district["id"] == "did:web:127.0.0.1%3A8000"
    profile = (await client.get("/issuers/north")).json()
    assert profile["id"] == document["id"] and profile["type"] == ["Profile"] and profile["name"] == "North High School"
    assert (await client.get("/issuers/nowhere")).status_code == 404
    assert (await client.get("/issuers/nowhere/did.json")).status_code == 404


async def test_revoke_over_http_and_the_served_list(client, seed, platform):
    admin = {"Authorization": f"Bearer {seed.token['school_admin']}"}
    vc = (await client.post("/credentials/issue", json={
        "credential": {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
                       "credentialSubject": {"id": "did:example:1"}},
        "options": {"credentialStatus": {"statusPurpose": ["revocation", "suspension"]}}}, headers=admin)
    ).json()["verifiableCredential"]
    row = await credentials_repo.issued_credential(credential_id=vc["id"])
    platform.clock.advance(minutes=1)
    r = await client.post(f"/admin/credentials/{row.uuid}/revoke", json={"reason": "issued in error"}, headers=admin)
    assert r.status_code == 200 and r.json()["revokedReason"] == "issued in error"
    served = await client.get("/status/north/message/1")
    assert served.headers["content-type"] == "application/vc+ld+json"
    assert served.headers["cache-control"] == "public, max-age=60"
    lst = served.json()
    resolver = DocumentResolver({d["id"]: d for d in [(await client.get("/issuers/north/did.json")).json()]})
    assert verify_proof(lst, resolver=resolver, now=platform.clock.now()).verified
    revoked = check_status(vc["credentialStatus"], lst, credential_id=vc["id"])
    assert not revoked.ok and revoked.state == "revoked"
    again = await client.post(f"/admin/credentials/{row.uuid}/revoke", json={"reason": "x"}, headers=admin)
    assert again.status_code == 409
    empty = await client.post(f"/admin/credentials/{row.uuid}/revoke", json={}, headers=admin)
    assert empty.status_code == 400 and empty.headers["content-type"].startswith("application/problem+json")
    # Another school's admin cannot see it (scoped query → 404, not 403: no existence leak).
    other = await accounts.create_api_token(platform, school_id=seed.schools["south"].id, district_id=seed.district.id)
    r = await client.post(f"/admin/credentials/{row.uuid}/suspend", json={"reason": "x"},
                          headers={"Authorization": f"Bearer {other}"})
    assert r.status_code == 404


async def test_unexpected_errors_are_500_problems_without_details(platform):
    from litestar.params import JSONBody
    from litestar.testing import AsyncTestClient

    @get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret-internal-detail")

    @post("/typed")
    async def typed(data: JSONBody[dict[str, int]]) -> dict[str, int]:
        return data

    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep(level=logging.ERROR)
    logging.getLogger("issuer.web").addHandler(handler)
    try:
        app = Litestar(route_handlers=[boom, typed], exception_handlers=EXCEPTION_HANDLERS)
        async with AsyncTestClient(app=app) as c:
            r = await c.get("/boom")
            bad = await c.post("/typed", json={"a": "not an int"})
    finally:
        logging.getLogger("issuer.web").removeHandler(handler)
    assert r.status_code == 500 and r.headers["content-type"].startswith("application/problem+json")
    assert "secret-internal-detail" not in r.text and "Traceback" not in r.text
    assert any("secret-internal-detail" in str(rec.exc_info[1]) for rec in records if rec.exc_info)  # logged
    assert bad.status_code == 400 and bad.headers["content-type"].startswith("application/problem+json")
    assert bad.json()["title"] == "Invalid request"


async def test_home_leads_each_role_to_its_start_page(client, seed):
    r = await client.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/verify"
    for role, where in (("student", "/student/badges"), ("teacher", "/teacher/reviews"),
                        ("district_admin", "/district/schools")):
        r = await client.get("/", headers={"Authorization": f"Bearer {seed.token[role]}"}, follow_redirects=False)
        assert r.headers["location"] == where, role
