"""DID documents: ``/issuers/<slug>/did.json`` (each school) and ``/.well-known/did.json`` (district).

Served as ``application/did+json`` is not what every resolver accepts; did:web resolvers
fetch ``did.json`` and parse JSON, so plain ``application/json`` is the safe choice.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, MediaType, get
from litestar.params import FromPath

from issuer.schools import identity
from issuer.web.deps import DEPENDENCIES, Ctx
from issuer.web.dto import problem_responses

_CACHE = {"Cache-Control": "public, max-age=300"}


class DidController(Controller):
    tags = ["identity"]
    dependencies = DEPENDENCIES  # ctx, wherever the controller is mounted

    @get(
        "/issuers/{slug:str}/did.json",
        responses=problem_responses(404),
        media_type=MediaType.JSON,
        response_headers=_CACHE,
        summary="A school's did:web DID document (all its keys, under assertionMethod)",
    )
    async def school_did(self, ctx: Ctx, slug: FromPath[str]) -> dict[str, Any]:
        return await identity.school_did_document(ctx, slug)

    # /did.json too: with a base URL that has a path (https://host/badges) the district DID is
    # did:web:host:badges, which resolves to <base>/did.json rather than /.well-known.
    @get(
        ["/.well-known/did.json", "/did.json"],
        responses=problem_responses(404),
        media_type=MediaType.JSON,
        response_headers=_CACHE,
        summary="The district's did:web DID document",
    )
    async def district_did(self, ctx: Ctx) -> dict[str, Any]:
        return await identity.district_did_document(ctx)


ROUTES = [DidController]
