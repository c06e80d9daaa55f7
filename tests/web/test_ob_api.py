"""The OB 3.0 REST API as a host (issue 14), driven by an OAuth client that is not our server's
library: httpx-oauth (ours is Authlib). The journey: discovery → dynamic registration → the
student allows the app on the consent page → code with PKCE S256 → token (HTTP Basic) → page
through the credentials (X-Total-Count, Link) → post a badge issued elsewhere (201, then 200 when
replaced) → profile → refresh (rotating) → revoke. Every refusal of the resource endpoints is an
Imsx_StatusInfo valid against 1EdTech's schema; the OAuth endpoints answer RFC 6749 errors.

Bad twins: a PKCE verifier that does not match (and the code is spent after it), no PKCE, a plain
challenge, no state, a redirect URI on another host or not https at registration, one not
registered at authorization (an error page, no redirect), a replayed and an expired code, a wrong
client secret, client_secret_post, a refresh token used twice, a revoked token, a token without
the scope, a tampered credential, a body that is not a credential, a denied consent, a teacher.
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import jsonschema
import pytest
from httpx_oauth.oauth2 import GetAccessTokenError, OAuth2, RefreshTokenError

from badges.signing.jwt import sign_jwt
from issuer.db.tables import ImportedBadge, OAuthToken
from tests.support import BASE_URL
from tests.web.award_support import award
from tests.web.elsewhere_support import ELSEWHERE, elsewhere_badge

pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]

SCHEMAS = Path(__file__).resolve().parents[2] / "badges" / "schemas"  # 1EdTech's files, as published
SCOPE = "https://purl.imsglobal.org/spec/ob/v3p0/scope/"
ALL_SCOPES = [SCOPE + s for s in ("credential.readonly", "credential.upsert", "profile.readonly", "profile.update")]
APP = "https://app.college.example"
REDIRECT = APP + "/oauth/callback"
REGISTRATION = {"client_name": "College Admissions Portal", "client_uri": APP, "logo_uri": APP + "/logo.png",
                "tos_uri": APP + "/terms", "policy_uri": APP + "/privacy", "software_id": "admissions-portal",
                "software_version": "2.1.0", "redirect_uris": [REDIRECT], "scope": " ".join(ALL_SCOPES),
                "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"],
                "token_endpoint_auth_method": "client_secret_basic"}
HTML = {"accept": "text/html"}


def schema(name: str) -> dict:
    return json.loads((SCHEMAS / name).read_text())


def assert_status_info(response: httpx.Response, status: int, minor: str | None = None) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    jsonschema.validate(body, schema("ob_v3p0_imsx_statusinfo_schema.json"))
    assert body["imsx_codeMajor"] == "failure" and body["imsx_severity"] == "error"
    if minor:
        assert body["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == minor
    return body


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


class AppClient(OAuth2):
    """httpx-oauth's generic client, its HTTP reaching our app in process (its documented hook)."""

    def __init__(self, app, **kw):
        super().__init__(**kw)
        self._app = app

    def get_httpx_client(self):
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self._app), base_url=BASE_URL)


@pytest.fixture
async def client(seed, platform_settings, platform, db):
    from issuer.app import create_app

    app = create_app(platform_settings, clock=platform.clock, engine=db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as c:
        c.app = app
        yield c


async def discover(client) -> dict:
    r = await client.get("/ims/ob/v3p0/discovery")
    assert r.status_code == 200
    return r.json()


async def register(client, **changes) -> httpx.Response:
    body = {**REGISTRATION, **changes}
    return await client.post("/oauth/register", json={k: v for k, v in body.items() if v is not None})


async def registered(client) -> tuple[dict, AppClient]:
    sdd = await discover(client)
    flows = sdd["components"]["securitySchemes"]["OAuth2ACG"]
    r = await client.post(flows["x-imssf-registrationUrl"].removeprefix(BASE_URL), json=REGISTRATION)
    assert r.status_code == 201, r.text
    info = r.json()
    code_flow = flows["flows"]["authorizationCode"]
    oauth = AppClient(client.app, client_id=info["client_id"], client_secret=info["client_secret"],
                      authorize_endpoint=code_flow["authorizationUrl"], access_token_endpoint=code_flow["tokenUrl"],
                      refresh_token_endpoint=code_flow["refreshUrl"],
                      revoke_token_endpoint=code_flow["x-imssf-revocationUrl"],
                      token_endpoint_auth_method="client_secret_basic",
                      revocation_endpoint_auth_method="client_secret_basic")
    return info, oauth


def sign_in(client, seed, who: str = "student") -> None:
    client.cookies.clear()
    client.cookies.set("badges_session", seed.session[who])


async def consent(client, url: str, decision: str = "allow") -> httpx.Response:
    """The student opens the app's authorization URL and presses Allow (or Deny)."""
    page = await client.get(url.removeprefix(BASE_URL), headers=HTML)
    assert page.status_code == 200, page.text
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    return await client.post("/oauth/authorize", data={**fields, "decision": decision})


async def authorized(client, seed, oauth: AppClient, *, scope=ALL_SCOPES) -> tuple[str, str]:
    """(code, code_verifier) after the student allowed the app."""
    verifier, challenge = pkce()
    state = secrets.token_urlsafe(16)
    url = await oauth.get_authorization_url(REDIRECT, state=state, scope=scope, code_challenge=challenge,
                                            code_challenge_method="S256")
    sign_in(client, seed)
    r = await consent(client, url)
    assert r.status_code == 302, r.text
    back = urlsplit(r.headers["location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == REDIRECT
    query = parse_qs(back.query)
    assert query["state"] == [state]
    client.cookies.clear()
    return query["code"][0], verifier


async def token_for(client, seed, oauth, **kw) -> dict:
    code, verifier = await authorized(client, seed, oauth, **kw)
    return dict(await oauth.get_access_token(code, REDIRECT, code_verifier=verifier))


def bearer(token: dict | str) -> dict[str, str]:
    return {"authorization": f"Bearer {token if isinstance(token, str) else token['access_token']}"}


# --- the journey -------------------------------------------------------------------------------

async def test_registered_client_reads_and_writes_the_backpack(client, seed):
    sdd = await discover(client)
    assert sdd["info"]["termsOfService"] and sdd["info"]["x-imssf-privacyPolicyUrl"]
    assert set(sdd["components"]["securitySchemes"]["OAuth2ACG"]["flows"]["authorizationCode"]["scopes"]) == set(
        ALL_SCOPES)
    info, oauth = await registered(client)
    for field, value in REGISTRATION.items():  # every field echoed, plus the credentials
        assert info[field] == value
    assert info["client_id"] and info["client_secret"]

    ours = await award(client, seed)  # one badge from the school
    token = await token_for(client, seed, oauth)
    assert token["token_type"].lower() == "bearer" and token["expires_in"] == 3600
    assert set(token["scope"].split()) == set(ALL_SCOPES) and token["refresh_token"]

    # write: a badge issued elsewhere, as JSON (201), the same again (200), then a replacement (200)
    garden = elsewhere_badge("Community Garden Volunteer")
    raw = json.dumps(garden).encode()
    r = await client.post("/ims/ob/v3p0/credentials", content=raw,
                          headers={**bearer(token), "content-type": "application/vc+ld+json"})
    assert r.status_code == 201, r.text
    assert r.content == raw
    r = await client.post("/ims/ob/v3p0/credentials", content=raw,
                          headers={**bearer(token), "content-type": "application/vc+ld+json"})
    assert r.status_code == 200
    from badges.signing import sign

    renamed = {k: v for k, v in garden.items() if k != "proof"}
    renamed["name"] = "Community Garden Volunteer (season 2)"
    replacement = json.dumps(sign(renamed, signer=ELSEWHERE, created=seed.ctx.clock.now())).encode()
    r = await client.post("/ims/ob/v3p0/credentials", content=replacement,
                          headers={**bearer(token), "content-type": "application/json"})
    assert r.status_code == 200 and r.content == replacement
    assert await ImportedBadge.count() == 1
    # and a VC-JWT as text/plain
    course = {k: v for k, v in elsewhere_badge("Online Course: Statistics").items() if k != "proof"}
    course["id"] = "urn:uuid:5b0f3c1e-8d2a-4c71-9e0b-4d2f6a1c7e90"  # another credential than the garden's
    jws = sign_jwt(course, signer=ELSEWHERE)
    r = await client.post("/ims/ob/v3p0/credentials", content=jws.encode(),
                          headers={**bearer(token), "content-type": "text/plain"})
    assert r.status_code == 201 and r.text == jws

    # read: one page at a time, the headers saying how many and where the rest is
    r = await client.get("/ims/ob/v3p0/credentials", params={"limit": 2}, headers=bearer(token))
    assert r.status_code == 200, r.text
    assert r.headers["x-total-count"] == "3"
    links = dict((rel, url) for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', r.headers["link"]))
    assert set(links) == {"first", "last", "next"}
    first = r.json()
    jsonschema.validate(first, schema("ob_v3p0_getopenbadgecredentialsresponse_schema.json"))
    r = await client.get(links["next"].removeprefix(BASE_URL), headers=bearer(token))
    second = r.json()
    assert "prev" in r.headers["link"] and "next" not in r.headers["link"]
    listed = [*first.get("credential", []), *second.get("credential", [])]
    tokens = [*first.get("compactJwsString", []), *second.get("compactJwsString", [])]
    assert len(listed) + len(tokens) == 3 and tokens == [jws]
    # unchanged: the school's badge as signed, the replacement as posted
    assert ours["doc"] in listed and json.loads(replacement) in listed
    assert ours["raw"].decode() in r.text or ours["raw"].decode() in (await client.get(
        "/ims/ob/v3p0/credentials", params={"limit": 3}, headers=bearer(token))).text
    for credential in listed:  # every credential returned verifies
        v = await client.post("/credentials/verify", json={"verifiableCredential": credential, "options": {}})
        assert v.status_code == 200, v.text
    # since: only what came after
    later = (seed.ctx.clock.now() + timedelta(seconds=1)).isoformat().replace("+00:00", "Z")
    r = await client.get("/ims/ob/v3p0/credentials", params={"since": later}, headers=bearer(token))
    assert r.status_code == 200 and r.headers["x-total-count"] == "0"

    # profile: read, replace, read back
    r = await client.get("/ims/ob/v3p0/profile", headers=bearer(token))
    assert r.status_code == 200
    profile = r.json()
    jsonschema.validate(profile, schema("ob_v3p0_profile_schema.json"))
    r = await client.put("/ims/ob/v3p0/profile", headers=bearer(token),
                         json={**profile, "description": "Aspiring marine biologist", "url": "https://me.example"})
    assert r.status_code == 200 and r.json()["description"] == "Aspiring marine biologist"
    assert (await client.get("/ims/ob/v3p0/profile", headers=bearer(token))).json()["url"] == "https://me.example"

    # refresh: a new pair; the old refresh token is spent
    fresh = dict(await oauth.refresh_token(token["refresh_token"]))
    assert fresh["access_token"] != token["access_token"] and fresh["refresh_token"] != token["refresh_token"]
    with pytest.raises(RefreshTokenError):
        await oauth.refresh_token(token["refresh_token"])
    assert (await client.get("/ims/ob/v3p0/profile", headers=bearer(fresh))).status_code == 200

    # revoke: the access token stops at once; then the refresh token ends the grant
    await oauth.revoke_token(fresh["access_token"], token_type_hint="access_token")
    assert_status_info(await client.get("/ims/ob/v3p0/profile", headers=bearer(fresh)), 401, "unauthorizedrequest")
    await oauth.revoke_token(fresh["refresh_token"], token_type_hint="refresh_token")
    with pytest.raises(RefreshTokenError):
        await oauth.refresh_token(fresh["refresh_token"])


async def test_the_student_sees_and_disconnects_the_app(client, seed):
    _info, oauth = await registered(client)
    token = await token_for(client, seed, oauth)
    sign_in(client, seed)
    page = await client.get("/student/apps", headers=HTML)
    assert page.status_code == 200 and "College Admissions Portal" in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    client_row = re.search(r'action="/student/apps/(\d+)/disconnect"', page.text).group(1)
    r = await client.post(f"/student/apps/{client_row}/disconnect", data={"csrf_token": csrf})
    assert r.status_code == 303
    page = await client.get(r.headers["location"], headers=HTML)
    assert "is disconnected" in page.text and 'action="/student/apps/' not in page.text
    client.cookies.clear()
    assert_status_info(await client.get("/ims/ob/v3p0/profile", headers=bearer(token)), 401)
    with pytest.raises(RefreshTokenError):
        await oauth.refresh_token(token["refresh_token"])
    sign_in(client, seed)  # disconnected already: nothing to disconnect
    assert (await client.post(f"/student/apps/{client_row}/disconnect", data={"csrf_token": csrf})).status_code == 404


# --- bad twins: authorization and tokens --------------------------------------------------------

async def test_pkce_verifier_mismatch_is_refused_and_spends_the_code(client, seed):
    _info, oauth = await registered(client)
    code, verifier = await authorized(client, seed, oauth)
    with pytest.raises(GetAccessTokenError) as refused:
        await oauth.get_access_token(code, REDIRECT, code_verifier=secrets.token_urlsafe(48))
    assert refused.value.response.status_code == 400 and refused.value.response.json()["error"] == "invalid_grant"
    with pytest.raises(GetAccessTokenError):  # the right verifier now is too late: a code is presented once
        await oauth.get_access_token(code, REDIRECT, code_verifier=verifier)
    assert await OAuthToken.count() == 0


async def test_a_code_works_once_and_for_minutes(client, seed):
    _info, oauth = await registered(client)
    code, verifier = await authorized(client, seed, oauth)
    await oauth.get_access_token(code, REDIRECT, code_verifier=verifier)
    with pytest.raises(GetAccessTokenError) as replayed:
        await oauth.get_access_token(code, REDIRECT, code_verifier=verifier)
    assert replayed.value.response.json()["error"] == "invalid_grant"
    code, verifier = await authorized(client, seed, oauth)
    seed.ctx.clock.advance(minutes=6)
    with pytest.raises(GetAccessTokenError) as expired:
        await oauth.get_access_token(code, REDIRECT, code_verifier=verifier)
    assert expired.value.response.json()["error"] == "invalid_grant"


async def test_an_access_token_expires_after_an_hour(client, seed):
    _info, oauth = await registered(client)
    token = await token_for(client, seed, oauth)
    seed.ctx.clock.advance(minutes=61)
    assert_status_info(await client.get("/ims/ob/v3p0/profile", headers=bearer(token)), 401)
    fresh = dict(await oauth.refresh_token(token["refresh_token"]))  # the refresh token still works
    assert (await client.get("/ims/ob/v3p0/profile", headers=bearer(fresh))).status_code == 200


@pytest.mark.parametrize("drop, changes, error", [
    ("code_challenge", {}, "invalid_request"),  # PKCE is mandatory
    (None, {"code_challenge_method": "plain"}, "invalid_request"),  # and S256 only
    ("state", {}, "invalid_request"),  # state is required
    (None, {"scope": SCOPE + "everything"}, "invalid_scope"),
])
async def test_authorization_requests_without_pkce_s256_or_state_go_back_with_an_error(
        client, seed, drop, changes, error):
    info, _oauth = await registered(client)
    _verifier, challenge = pkce()
    params = {"response_type": "code", "client_id": info["client_id"], "redirect_uri": REDIRECT,
              "scope": ALL_SCOPES[0], "state": "s1", "code_challenge": challenge, "code_challenge_method": "S256",
              **changes}
    params.pop(drop or "", None)
    sign_in(client, seed)
    r = await client.get("/oauth/authorize", params=params, headers=HTML)
    assert r.status_code == 302, r.text
    back = parse_qs(urlsplit(r.headers["location"]).query)
    assert back["error"] == [error] and "code" not in back


async def test_an_unregistered_redirect_uri_gets_an_error_page_not_a_redirect(client, seed):
    info, _oauth = await registered(client)
    _verifier, challenge = pkce()
    sign_in(client, seed)
    for redirect in ("https://evil.example/callback", APP + "/other"):
        r = await client.get("/oauth/authorize", headers=HTML, params={
            "response_type": "code", "client_id": info["client_id"], "redirect_uri": redirect, "state": "s",
            "scope": ALL_SCOPES[0], "code_challenge": challenge, "code_challenge_method": "S256"})
        assert r.status_code == 400 and "location" not in r.headers
        assert 'id="oauth-error"' in r.text
    r = await client.get("/oauth/authorize", headers=HTML, params={"response_type": "code", "client_id": "nobody"})
    assert r.status_code == 400 and 'id="oauth-error"' in r.text


async def test_denied_consent_gives_no_code_and_a_teacher_cannot_consent(client, seed):
    _info, oauth = await registered(client)
    _verifier, challenge = pkce()
    url = await oauth.get_authorization_url(REDIRECT, state="s2", scope=ALL_SCOPES, code_challenge=challenge,
                                            code_challenge_method="S256")
    sign_in(client, seed)
    r = await consent(client, url, decision="deny")
    back = parse_qs(urlsplit(r.headers["location"]).query)
    assert back["error"] == ["access_denied"] and back["state"] == ["s2"] and "code" not in back
    sign_in(client, seed, "teacher")
    r = await client.get(url.removeprefix(BASE_URL), headers=HTML)
    assert r.status_code == 403 and 'id="oauth-not-student"' in r.text
    client.cookies.clear()  # nobody signed in: off to sign in, and back to this very request
    r = await client.get(url.removeprefix(BASE_URL), headers=HTML)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=%2Foauth%2Fauthorize%3F")


async def test_token_endpoint_takes_http_basic_only(client, seed):
    info, oauth = await registered(client)
    code, verifier = await authorized(client, seed, oauth)
    r = await client.post("/oauth/token", data={"grant_type": "authorization_code", "code": code,
                                                "redirect_uri": REDIRECT, "code_verifier": verifier,
                                                "client_id": info["client_id"], "client_secret": info["client_secret"]})
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"  # client_secret_post is not allowed
    r = await client.post("/oauth/token", auth=(info["client_id"], "wrong-secret"), data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": verifier})
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"
    r = await client.post("/oauth/token", auth=(info["client_id"], info["client_secret"]), data={
        "grant_type": "password", "username": "student", "password": "x"})
    assert r.status_code == 400 and r.json()["error"] == "unsupported_grant_type"


@pytest.mark.parametrize("changes, error", [
    ({"redirect_uris": ["https://elsewhere.example/callback"]}, "invalid_redirect_uri"),  # another host
    ({"redirect_uris": ["http://app.college.example/callback"]}, "invalid_redirect_uri"),  # not https
    ({"redirect_uris": [REDIRECT, "https://evil.example/cb"]}, "invalid_redirect_uri"),
    ({"policy_uri": "https://other.example/privacy"}, "invalid_redirect_uri"),  # every URL on one host
    ({"token_endpoint_auth_method": "client_secret_post"}, "invalid_client_metadata"),
    ({"grant_types": ["authorization_code", "password"]}, "invalid_client_metadata"),
    ({"response_types": ["token"]}, "invalid_client_metadata"),
    ({"scope": SCOPE + "everything"}, "invalid_client_metadata"),
    ({"software_id": None}, "invalid_client_metadata"),  # every OB 3.0 field is required
    ({"client_name": None}, "invalid_client_metadata"),
])
async def test_registration_refuses_what_ob_forbids(client, changes, error):
    r = await register(client, **changes)
    assert r.status_code == 400, r.text
    assert r.json()["error"] == error


async def test_registration_refuses_a_body_that_is_not_client_metadata(client):
    for body in (b"not json", b"[]", b"{}"):
        r = await client.post("/oauth/register", content=body, headers={"content-type": "application/json"})
        assert r.status_code == 400 and r.json()["error"] in ("invalid_client_metadata", "invalid_request")


# --- bad twins: the resource endpoints ---------------------------------------------------------

async def test_resource_endpoints_refuse_with_imsx_status_info(client, seed):
    _info, oauth = await registered(client)
    assert_status_info(await client.get("/ims/ob/v3p0/credentials"), 401, "unauthorizedrequest")
    assert_status_info(await client.get("/ims/ob/v3p0/credentials", headers=bearer("made-up")), 401)
    our_api_token = {"authorization": f"Bearer {seed.token['student']}"}  # the platform's own API token is not OAuth
    assert_status_info(await client.get("/ims/ob/v3p0/credentials", headers=our_api_token), 401)
    token = await token_for(client, seed, oauth, scope=[SCOPE + "credential.readonly"])
    assert_status_info(await client.get("/ims/ob/v3p0/profile", headers=bearer(token)), 403, "forbidden")
    assert_status_info(await client.post("/ims/ob/v3p0/credentials", headers=bearer(token), json={}), 403)
    for params in ({"limit": "0"}, {"limit": "1000"}, {"limit": "x"}, {"offset": "-1"}, {"since": "yesterday"},
                   {"since": "2026-01-01T00:00:00"}):
        assert_status_info(await client.get("/ims/ob/v3p0/credentials", params=params, headers=bearer(token)),
                           400, "invalid_query_parameter")
    assert_status_info(await client.delete("/ims/ob/v3p0/credentials", headers=bearer(token)), 405)


async def test_upsert_refuses_what_does_not_verify_and_keeps_nothing(client, seed):
    _info, oauth = await registered(client)
    token = await token_for(client, seed, oauth)
    tampered = elsewhere_badge()
    tampered["name"] = "Something I did not earn"
    post = {**bearer(token), "content-type": "application/json"}
    assert_status_info(await client.post("/ims/ob/v3p0/credentials", content=json.dumps(tampered), headers=post),
                       400, "invalid_data")
    for body in (b"{not json", b"[1, 2]", b'{"hello": "world"}'):
        assert_status_info(await client.post("/ims/ob/v3p0/credentials", content=body, headers=post), 400)
    assert_status_info(await client.post("/ims/ob/v3p0/credentials", content=b"a.b", headers={
        **bearer(token), "content-type": "text/plain"}), 400)
    assert_status_info(await client.post("/ims/ob/v3p0/credentials", content=b"<x/>", headers={
        **bearer(token), "content-type": "application/xml"}), 415)
    ours = await award(client, seed)  # our own school's badge is in the backpack already, not "from elsewhere"
    assert_status_info(await client.post("/ims/ob/v3p0/credentials", content=ours["raw"], headers=post), 400)
    big = json.dumps({**elsewhere_badge(), "description": "x" * 2_100_000}).encode()
    r = await client.post("/ims/ob/v3p0/credentials", content=big, headers=post)
    assert_status_info(r, r.status_code)
    assert r.status_code in (400, 413)
    assert await ImportedBadge.count() == 0


async def test_profile_put_keeps_the_platforms_id_and_checks_the_schema(client, seed):
    _info, oauth = await registered(client)
    token = await token_for(client, seed, oauth)
    profile = (await client.get("/ims/ob/v3p0/profile", headers=bearer(token))).json()
    assert_status_info(await client.put("/ims/ob/v3p0/profile", headers=bearer(token),
                                        json={**profile, "id": "urn:uuid:00000000-0000-4000-8000-000000000000"}), 400)
    assert_status_info(await client.put("/ims/ob/v3p0/profile", headers=bearer(token),
                                        json={**profile, "email": 42}), 400)
    assert_status_info(await client.put("/ims/ob/v3p0/profile", headers=bearer(token), content=b"[]"), 400)
    assert (await client.get("/ims/ob/v3p0/profile", headers=bearer(token))).json() == profile


async def test_erasure_on_request_ends_the_students_grants_and_api_profile(client, seed):
    from issuer.access import Principal, Role
    from issuer.db.tables import LearnerProfile
    from issuer.portfolio import privacy

    _info, oauth = await registered(client)
    token = await token_for(client, seed, oauth)
    profile = (await client.get("/ims/ob/v3p0/profile", headers=bearer(token))).json()
    assert (await client.put("/ims/ob/v3p0/profile", headers=bearer(token),
                             json={**profile, "description": "Kept by the API"})).status_code == 200
    admin = seed.users[("north", "school_admin", 0)]
    student = seed.users[("north", "student", 0)]
    who = Principal(role=Role.SCHOOL_ADMIN, id=admin["id"], school_id=admin["school"], district_id=admin["district"],
                    username=admin["username"], via="session")
    plan = await privacy.erasure_plan(seed.ctx, who, student["id"])
    assert plan.delete["connectedApps"] == 1
    await privacy.erase(seed.ctx, who, student["id"])
    assert await OAuthToken.count() == 0 and await LearnerProfile.count() == 0
    assert_status_info(await client.get("/ims/ob/v3p0/profile", headers=bearer(token)), 401)
    with pytest.raises(RefreshTokenError):
        await oauth.refresh_token(token["refresh_token"])


async def test_open_registration_is_capped_per_address(client, seed):
    from issuer.obapi.oauth_controller import REGISTRATIONS_PER_HOUR

    for _ in range(REGISTRATIONS_PER_HOUR):
        assert (await register(client)).status_code == 201
    r = await register(client)
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0 and r.json()["error"] == "invalid_request"
    seed.ctx.clock.advance(minutes=61)  # the next hour: registering works again
    assert (await register(client)).status_code == 201


async def test_an_app_without_refresh_tokens_leaves_connected_apps_when_its_token_ends(client, seed):
    info = (await register(client, grant_types=["authorization_code"])).json()
    oauth = AppClient(client.app, client_id=info["client_id"], client_secret=info["client_secret"],
                      authorize_endpoint=f"{BASE_URL}/oauth/authorize", access_token_endpoint=f"{BASE_URL}/oauth/token",
                      token_endpoint_auth_method="client_secret_basic")
    token = await token_for(client, seed, oauth)
    assert "refresh_token" not in token
    sign_in(client, seed)
    assert "College Admissions Portal" in (await client.get("/student/apps", headers=HTML)).text
    seed.ctx.clock.advance(minutes=61)  # the access token has ended and nothing can renew it
    page = (await client.get("/student/apps", headers=HTML)).text
    assert "College Admissions Portal" not in page and "No apps are connected" in page
