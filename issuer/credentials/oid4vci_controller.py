"""OpenID4VCI's endpoints (``issuer.credentials.oid4vci``): issuer and authorization-server
metadata, the credential offer, token, nonce and credential. No session: the pre-authorized code
and then the access token are the authority, as the protocol says."""
from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath

from issuer.credentials import oid4vci
from issuer.web.deps import DEPENDENCIES, Ctx

_NO_STORE = {"Cache-Control": "no-store"}  # RFC 6749 §5.1: token responses are never cached


class OpenIdMetadataController(Controller):
    path = "/.well-known"
    tags = ["wallets"]
    dependencies = DEPENDENCIES

    @get("/openid-credential-issuer", summary="OpenID4VCI credential issuer metadata")
    async def issuer_metadata(self, ctx: Ctx) -> dict[str, Any]:
        return oid4vci.issuer_metadata(ctx)

    @get("/oauth-authorization-server", summary="OAuth 2.0 authorization server metadata (RFC 8414)")
    async def authorization_server(self, ctx: Ctx) -> dict[str, Any]:
        return oid4vci.authorization_server(ctx)


class OpenIdCredentialController(Controller):
    path = "/oid4vci"
    tags = ["wallets"]
    dependencies = DEPENDENCIES
    request_max_body_size = 64 * 1024

    @get("/offers/{exchange_id:str}", summary="A credential offer (credential_offer_uri), with a fresh code")
    async def offer(self, ctx: Ctx, exchange_id: FromPath[str]) -> Response[Any]:
        return Response(content=await oid4vci.offer(ctx, exchange_id), headers=_NO_STORE)

    @post("/token", status_code=200, summary="Token endpoint: the pre-authorized code grant")
    async def token(self, ctx: Ctx, request: Request[Any, Any, Any]) -> Response[Any]:
        form = await request.form()
        fields = {k: str(v) for k, v in form.items() if isinstance(v, str)}
        return Response(content=await oid4vci.token(ctx, fields), headers=_NO_STORE)

    @post("/nonce", status_code=200, summary="Nonce endpoint: a fresh c_nonce for a key proof")
    async def nonce(self, ctx: Ctx) -> Response[Any]:
        return Response(content=oid4vci.nonce(ctx), headers=_NO_STORE)

    @post("/credential", status_code=200, summary="Credential endpoint: the badge bound to the key proof's did:key")
    async def credential(self, ctx: Ctx, request: Request[Any, Any, Any]) -> Response[bytes]:
        body = await oid4vci.credential(ctx, request.headers.get("authorization"), await request.body())
        return Response(content=body, media_type="application/json", headers=_NO_STORE)


ROUTES = [OpenIdMetadataController, OpenIdCredentialController]
