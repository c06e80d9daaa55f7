"""``POST /wallet/exchanges/<id>``: where a wallet answers an "add to wallet" request with its
DIDAuth presentation and gets the badge bound to it (``issuer.credentials.wallets``). No session
and no token: the single-use challenge inside the signed presentation is the authority."""
from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, post
from litestar.params import FromPath

from issuer.credentials import wallets
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
        document = await wallets.answer(ctx, exchange_id, await request.body())
        # the stored bytes, as signed (never re-encoded)
        return Response(content=document.encode("utf-8"), media_type="application/vc+ld+json",
                        headers={"Cache-Control": "no-store"})


ROUTES = [WalletExchangeController]
