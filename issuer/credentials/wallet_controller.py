"""``GET /interactions/<id>``: VCALM's interaction URL (JSON protocols for a wallet, a page for a
person). ``POST /wallet/exchanges/<id>``: where a wallet answers an "add to wallet" request with its
DIDAuth presentation and gets the badge bound to it (``issuer.credentials.wallets``). No session
and no token: the single-use challenge inside the signed presentation is the authority."""
from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath

from issuer.credentials import wallets
from issuer.render.qr import qr_data_uri
from issuer.web.common import page
from issuer.web.deps import DEPENDENCIES, Ctx
from issuer.web.dto import problem_responses


class WalletExchangeController(Controller):
    path = "/wallet/exchanges"
    tags = ["wallets"]
    dependencies = DEPENDENCIES
    request_max_body_size = wallets.MAX_ANSWER_BYTES

    @post("/{exchange_id:str}", status_code=200, responses=problem_responses(400, 404, 409, 410),
          summary="A wallet's DIDAuth answer to an add-to-wallet request: returns the badge bound to its DID")
    async def answer(self, ctx: Ctx, request: Request[Any, Any, Any], exchange_id: FromPath[str]) -> Response[bytes]:
        # the stored bytes, as signed (never re-encoded), bare or inside VC-API's presentation
        body = await wallets.answer(ctx, exchange_id, await request.body())
        return Response(content=body, media_type="application/json", headers={"Cache-Control": "no-store"})


class InteractionController(Controller):
    path = "/interactions"
    tags = ["wallets"]
    dependencies = DEPENDENCIES

    @get("/{exchange_id:str}", responses=problem_responses(404, 410),
         summary="An add-to-wallet request's interaction URL: the protocols it offers (JSON), or a page")
    async def interaction(self, ctx: Ctx, request: Request[Any, Any, Any], exchange_id: FromPath[str]) -> Response[Any]:
        protocols = await wallets.interaction(ctx, exchange_id)
        headers = {"Vary": "Accept", "Cache-Control": "no-store"}
        if request.accept.best_match(["text/html", "application/json"], default="text/html") == "application/json":
            return Response(content=protocols, media_type="application/json", headers=headers)
        url = str(request.url)
        response = page(request, "badge/interaction.html.j2", url=url, qr=qr_data_uri(url))
        response.headers.update(headers)
        return response


ROUTES = [WalletExchangeController, InteractionController]
