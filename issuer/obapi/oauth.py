"""The REST API's OAuth 2.0 authorization server, on Authlib (OB 3.0 §7 and its host checklist).

Authlib holds the protocol: RFC 6749 (authorization code and refresh grants, client
authentication), RFC 7636 (PKCE), RFC 7591 (dynamic registration) and RFC 7009 (revocation).
This module gives it our storage and the OB 3.0 rules Authlib leaves open:

* registration is open (no initial access token); every URL is https and on one host;
  ``grant_types`` ⊆ {authorization_code, refresh_token}; ``response_types`` = [code];
  ``token_endpoint_auth_method`` = client_secret_basic, the only client authentication;
* an authorization request must carry ``state`` and a PKCE ``S256`` challenge;
* codes last ``CODE_SECONDS`` and are taken (deleted) when first presented, so a code works once
  even when two token requests race; access tokens last an hour, refresh tokens rotate;
* client secrets, codes and tokens are kept as SHA-256 digests only.

Authlib is synchronous and our database is not: a request runs in a worker thread
(``OAuthServer.answer``) and each storage hook hops back onto the event loop with
``anyio.from_thread.run``. Time comes from the context's clock, never from ``time.time``.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Coroutine, Mapping
from datetime import datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import urlsplit

import anyio.from_thread
import anyio.to_thread
import msgspec
from authlib.oauth2 import AuthorizationServer, OAuth2Error
from authlib.oauth2.rfc6749 import (
    AuthorizationCodeMixin,
    ClientMixin,
    InvalidRequestError,
    JsonPayload,
    JsonRequest,
    OAuth2Request,
    TokenMixin,
)
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant, RefreshTokenGrant
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7591 import ClientRegistrationEndpoint, InvalidClientMetadataError, InvalidRedirectURIError
from authlib.oauth2.rfc7636 import CodeChallenge

from issuer.access import Role
from issuer.accounts import directory
from issuer.context import IssuerContext
from issuer.obapi import repo
from issuer.obapi.rows import ClientRow, CodeRow, GrantRow, TokenRow

SCOPE_BASE = "https://purl.imsglobal.org/spec/ob/v3p0/scope/"
READ_CREDENTIALS = SCOPE_BASE + "credential.readonly"
UPSERT_CREDENTIALS = SCOPE_BASE + "credential.upsert"
READ_PROFILE = SCOPE_BASE + "profile.readonly"
UPDATE_PROFILE = SCOPE_BASE + "profile.update"
SCOPES: dict[str, str] = {  # scope → what the consent page and the discovery document say it allows
    READ_CREDENTIALS: "Read the badges in your backpack",
    UPSERT_CREDENTIALS: "Add badges to your backpack, or replace one it added",
    READ_PROFILE: "Read your profile",
    UPDATE_PROFILE: "Change your profile",
}

CODE_SECONDS = 300
ACCESS_SECONDS = 3600
REFRESH_DAYS = 90
GRANT_TYPES = ("authorization_code", "refresh_token")
REQUIRED_METADATA = ("client_name", "client_uri", "logo_uri", "tos_uri", "policy_uri", "software_id",
                     "software_version", "redirect_uris", "scope")  # OB 3.0 §7.3.1.1: all of them
URL_METADATA = ("client_uri", "logo_uri", "tos_uri", "policy_uri")
MAX_METADATA_BYTES = 16 * 1024

T = TypeVar("T")


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class Answer(msgspec.Struct, frozen=True):
    """An endpoint's answer, for the controller to send: status, JSON body (or ""), headers."""
    status: int
    body: Any
    headers: list[tuple[str, str]]

    @property
    def location(self) -> str | None:
        return next((v for k, v in self.headers if k.lower() == "location"), None)


class Grantee(msgspec.Struct, frozen=True):
    """The student a code or token speaks for (Authlib calls it the user; it reads ``id``)."""
    id: int
    school: int | None


# --- a grant's lifetimes: the one reading of them (token endpoint, resource endpoints, Connected apps)

def access_live(row: TokenRow | GrantRow, now: datetime) -> bool:
    """The access token works now: not revoked, and within its ``expires_in``."""
    return not row.access_revoked and now < row.issued_at + timedelta(seconds=row.expires_in)


def refresh_live(row: TokenRow | GrantRow, now: datetime) -> bool:
    """A refresh token was issued and works now: not revoked, not past its end."""
    ends = row.refresh_expires_at
    return bool(row.refresh_hash) and not row.refresh_revoked and (ends is None or now < ends)


# --- Authlib's models, over our rows -----------------------------------------------------------

class Client(ClientMixin):  # type: ignore[misc]
    def __init__(self, row: ClientRow) -> None:
        self.row = row
        self.metadata: dict[str, Any] = json.loads(row.metadata)

    @property
    def client_id(self) -> str:
        return self.row.client_id

    @property
    def name(self) -> str:
        return self.row.client_name or self.row.client_id

    def get_client_id(self) -> str:
        return self.row.client_id

    def get_default_redirect_uri(self) -> str | None:
        uris = self.metadata.get("redirect_uris") or []
        return uris[0] if len(uris) == 1 else None  # with several, the request must name one

    def get_allowed_scope(self, scope: str | None) -> str:
        allowed = set(str(self.metadata.get("scope") or "").split())
        asked = scope.split() if scope else sorted(allowed)
        return " ".join(s for s in asked if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in (self.metadata.get("redirect_uris") or [])

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(digest(client_secret), self.row.secret_hash)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return bool(method == "client_secret_basic")

    def check_response_type(self, response_type: str) -> bool:
        return bool(response_type == "code")

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in (self.metadata.get("grant_types") or [])


class Code(AuthorizationCodeMixin):  # type: ignore[misc]
    def __init__(self, row: CodeRow) -> None:
        self.row = row

    def get_redirect_uri(self) -> str:
        return self.row.redirect_uri

    def get_scope(self) -> str:
        return self.row.scope


class Token(TokenMixin):  # type: ignore[misc]
    def __init__(self, row: TokenRow, now: datetime) -> None:
        self.row = row
        self.now = now

    def check_client(self, client: Client) -> bool:
        return self.row.client == client.row.id

    def get_scope(self) -> str:
        return self.row.scope

    def get_expires_in(self) -> int:
        return self.row.expires_in

    def is_expired(self) -> bool:
        return self.now >= self.row.issued_at + timedelta(seconds=self.row.expires_in)

    def is_revoked(self) -> bool:
        return self.row.access_revoked

    def refresh_usable(self) -> bool:
        return refresh_live(self.row, self.now)


# --- requests as Authlib reads them ------------------------------------------------------------

class FormRequest(OAuth2Request):  # type: ignore[misc]
    """A form (or query) request already read by the controller."""

    def __init__(self, method: str, uri: str, headers: Mapping[str, str], data: Mapping[str, str]) -> None:
        super().__init__(method=method, uri=uri, headers=headers)
        self._data = dict(data)
        self.payload = BasicOAuth2Payload(self._data)

    @property
    def args(self) -> dict[str, str]:
        return self._data if self.method == "GET" else {}

    @property
    def form(self) -> dict[str, str]:
        return self._data


class _Json(JsonPayload):  # type: ignore[misc]
    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    @property
    def data(self) -> dict[str, Any]:
        return self._data


class JsonBodyRequest(JsonRequest):  # type: ignore[misc]
    def __init__(self, method: str, uri: str, headers: Mapping[str, str], data: dict[str, Any]) -> None:
        super().__init__(method, uri, headers)
        self.payload = _Json(data)


# --- the server --------------------------------------------------------------------------------

class OAuthServer(AuthorizationServer):  # type: ignore[misc]
    """Authlib's authorization server on one app's context; built per request (it holds no state)."""

    def __init__(self, ctx: IssuerContext) -> None:
        super().__init__(scopes_supported=list(SCOPES))
        self.ctx = ctx
        self.register_token_generator("default", BearerTokenGenerator(
            access_token_generator=lambda **_: secrets.token_urlsafe(32),
            refresh_token_generator=lambda **_: secrets.token_urlsafe(32),
            expires_generator=lambda client, grant_type: ACCESS_SECONDS))
        self.register_grant(_CodeGrant, [_RequiredS256(required=True)])
        self.register_grant(_RefreshGrant)
        self.register_endpoint(_Revocation)
        self.register_endpoint(_Registration)

    # run Authlib's synchronous code off the loop; its hooks come back with ``wait``
    async def answer(self, work: Callable[[], T]) -> T:
        return await anyio.to_thread.run_sync(work)

    @staticmethod
    def wait(fn: Callable[..., Coroutine[Any, Any, T]], *args: Any) -> T:
        return anyio.from_thread.run(fn, *args)

    def now(self) -> datetime:
        return self.ctx.clock.now()

    # AuthorizationServer's abstract methods
    def query_client(self, client_id: str) -> Client | None:
        row = self.wait(repo.client_by_client_id, str(client_id)[:64])
        return Client(row) if row is not None else None

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        now = self.now()
        refresh = token.get("refresh_token")
        self.wait(_insert_token, dict(
            access_hash=digest(token["access_token"]), refresh_hash=digest(refresh) if refresh else "",
            client=request.client.row.id, user=request.user.id, scope=token.get("scope") or "",
            issued_at=now, expires_in=int(token.get("expires_in") or ACCESS_SECONDS),
            refresh_expires_at=now + timedelta(days=REFRESH_DAYS) if refresh else None))

    def create_oauth2_request(self, request: OAuth2Request) -> OAuth2Request:
        return request  # the controller built it

    def create_json_request(self, request: JsonRequest) -> JsonRequest:
        return request

    def handle_response(self, status: int, body: Any, headers: Any) -> Answer:
        return Answer(status, body, [(str(k), str(v)) for k, v in (headers or [])])

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None

    def grantee(self, user_id: int) -> Grantee | None:
        """The student behind a code or token, if they still may grant (active, not erased)."""
        found = self.wait(_grantee, user_id)
        return found


async def _insert_token(values: dict[str, Any]) -> int:
    return await repo.insert_token(**values)


async def _grantee(user_id: int) -> Grantee | None:
    user = await directory.user_row(user_id)
    if user is None or not user.active or user.erased_at is not None or user.role != Role.STUDENT:
        return None
    return Grantee(id=user.id, school=user.school)


class _RequiredS256(CodeChallenge):  # type: ignore[misc]
    """OB 3.0 §7: PKCE with S256 on every request, and ``state`` too (Authlib makes both optional
    for a confidential client)."""
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant: AuthorizationCodeGrant, redirect_uri: str) -> None:
        data = grant.request.payload.data
        state = data.get("state")
        if not state:
            raise InvalidRequestError("'state' is required", redirect_uri=redirect_uri)
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send code_challenge with code_challenge_method=S256",
                                      redirect_uri=redirect_uri, state=state)
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("code_challenge_method must be S256", redirect_uri=redirect_uri, state=state)
        super().validate_code_challenge(grant, redirect_uri)

    def get_authorization_code_challenge(self, authorization_code: Code) -> str:
        return authorization_code.row.code_challenge

    def get_authorization_code_challenge_method(self, authorization_code: Code) -> str:
        return authorization_code.row.code_challenge_method


class _CodeGrant(AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic"]
    server: OAuthServer

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        data = request.payload.data
        self.server.wait(_insert_code, dict(
            code_hash=digest(code), client=request.client.row.id, user=request.user.id,
            redirect_uri=request.payload.redirect_uri or request.client.get_default_redirect_uri() or "",
            scope=request.scope or "", code_challenge=str(data.get("code_challenge") or ""),
            code_challenge_method=str(data.get("code_challenge_method") or ""),
            expires_at=self.server.now() + timedelta(seconds=CODE_SECONDS), now=self.server.now()))

    def query_authorization_code(self, code: str, client: Client) -> Code | None:
        row = self.server.wait(repo.code_by_hash, digest(code))
        if row is None or row.client != client.row.id:
            return None
        # taken now, whatever follows: a code is presented once, even by two racing requests
        if not self.server.wait(repo.take_code, row.id) or self.server.now() >= row.expires_at:
            return None
        return Code(row)

    def delete_authorization_code(self, authorization_code: Code) -> None:
        return None  # already taken by query_authorization_code

    def authenticate_user(self, authorization_code: Code) -> Grantee | None:
        return self.server.grantee(authorization_code.row.user)


async def _insert_code(values: dict[str, Any]) -> int:
    return await repo.insert_code(**values)


class _RefreshGrant(RefreshTokenGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic"]
    INCLUDE_NEW_REFRESH_TOKEN = True  # rotate: a refresh token works once
    server: OAuthServer

    def authenticate_refresh_token(self, refresh_token: str) -> Token | None:
        row = self.server.wait(repo.token_by_refresh, digest(refresh_token))
        token = Token(row, self.server.now()) if row is not None else None
        return token if token is not None and token.refresh_usable() else None

    def authenticate_user(self, refresh_token: Token) -> Grantee | None:
        return self.server.grantee(refresh_token.row.user)

    def revoke_old_credential(self, refresh_token: Token) -> None:
        self.server.wait(_revoke, refresh_token.row.id, True)


async def _revoke(row_id: int, refresh_too: bool) -> None:
    await repo.revoke_token(row_id, refresh_too=refresh_too)


class _Revocation(RevocationEndpoint):  # type: ignore[misc]
    CLIENT_AUTH_METHODS = ["client_secret_basic"]
    server: OAuthServer

    def query_token(self, token_string: str, token_type_hint: str | None) -> Token | None:
        hashed = digest(token_string)
        row = None
        if token_type_hint != "refresh_token":
            row = self.server.wait(repo.token_by_access, hashed)
        if row is None and token_type_hint != "access_token":
            row = self.server.wait(repo.token_by_refresh, hashed)
        if row is None and token_type_hint == "refresh_token":  # a wrong hint is only a hint (RFC 7009 §2.1)
            row = self.server.wait(repo.token_by_access, hashed)
        return Token(row, self.server.now()) if row is not None else None

    def revoke_token(self, token: Token, request: OAuth2Request) -> None:
        # revoking the refresh token ends the grant; revoking an access token ends that token only
        refresh_too = digest(request.form["token"]) == token.row.refresh_hash
        self.server.wait(_revoke, token.row.id, refresh_too)


class _Registration(ClientRegistrationEndpoint):  # type: ignore[misc]
    server: OAuthServer

    def authenticate_token(self, request: JsonRequest) -> str:
        return "open"  # OB 3.0 §7.3.1: registration needs no initial access token

    def get_server_metadata(self) -> dict[str, Any]:
        return {"scopes_supported": list(SCOPES), "response_types_supported": ["code"],
                "grant_types_supported": list(GRANT_TYPES),
                "token_endpoint_auth_methods_supported": ["client_secret_basic"]}

    def extract_client_metadata(self, request: JsonRequest) -> dict[str, Any]:
        data = request.payload.data
        missing = [f for f in REQUIRED_METADATA if not data.get(f)]
        if missing:
            raise InvalidClientMetadataError(f"missing: {', '.join(missing)}")
        metadata: dict[str, Any] = super().extract_client_metadata(request)
        metadata.setdefault("grant_types", ["authorization_code"])
        metadata.setdefault("response_types", ["code"])
        metadata.setdefault("token_endpoint_auth_method", "client_secret_basic")
        if metadata["token_endpoint_auth_method"] != "client_secret_basic":
            raise InvalidClientMetadataError("token_endpoint_auth_method must be client_secret_basic")
        if metadata["response_types"] != ["code"]:
            raise InvalidClientMetadataError("response_types must be [\"code\"]")
        if not set(metadata["grant_types"]) <= set(GRANT_TYPES) or "authorization_code" not in metadata["grant_types"]:
            raise InvalidClientMetadataError("grant_types: authorization_code, and refresh_token if wanted")
        uris = metadata.get("redirect_uris")
        if not isinstance(uris, list) or not uris or not all(isinstance(u, str) for u in uris):
            raise InvalidRedirectURIError("redirect_uris must be a list of https URLs")
        hosts = set()
        for name, url in [*(("redirect_uris", u) for u in uris), *((n, metadata.get(n)) for n in URL_METADATA)]:
            parts = urlsplit(str(url))
            if parts.scheme != "https" or not parts.hostname or parts.fragment:
                error = InvalidRedirectURIError if name == "redirect_uris" else InvalidClientMetadataError
                raise error(f"{name}: {url!r} is not an https URL without a fragment")
            hosts.add(parts.hostname.lower())
        if len(hosts) != 1:
            raise InvalidRedirectURIError(f"every URL must be on one host; these are on {', '.join(sorted(hosts))}")
        return metadata

    def generate_client_info(self, request: JsonRequest) -> dict[str, Any]:
        info: dict[str, Any] = super().generate_client_info(request)
        info["client_id_issued_at"] = int(self.server.now().timestamp())  # our clock, not Authlib's
        return info

    def save_client(self, client_info: dict[str, Any], client_metadata: dict[str, Any],
                    request: JsonRequest) -> Client:
        now = self.server.now()
        metadata = json.dumps(client_metadata, sort_keys=True)
        name = str(client_metadata.get("client_name") or "")[:255]
        row_id = self.server.wait(_insert_client, dict(
            client_id=client_info["client_id"], secret_hash=digest(client_info["client_secret"]),
            client_name=name, metadata=metadata, at=now))
        row = self.server.wait(repo.client_by_id, row_id)
        if row is None:
            raise InvalidClientMetadataError("the client could not be saved")
        return Client(row)

    def generate_client_id(self, request: JsonRequest) -> str:
        return secrets.token_urlsafe(24)

    def generate_client_secret(self, request: JsonRequest) -> str:
        return secrets.token_urlsafe(32)


async def _insert_client(values: dict[str, Any]) -> int:
    return await repo.insert_client(**values)


__all__ = ["Answer", "Client", "FormRequest", "Grantee", "JsonBodyRequest", "OAuth2Error", "OAuthServer",
           "SCOPES", "Token", "access_live", "digest", "refresh_live"]
