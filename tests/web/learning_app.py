"""The app the learning web tests drive: the learning routes with the platform's credential, DID,
issuer and status-list routes, on an already-built context (no verifier mounted)."""
from __future__ import annotations


def make_app(ctx):
    from litestar import Litestar
    from litestar.datastructures import State
    from litestar.middleware import DefineMiddleware

    from issuer.accounts.auth import AuthMiddleware
    from issuer.credentials.controllers import CredentialController
    from issuer.credentials.status_controller import StatusListController
    from issuer.schools.controllers import IssuerController
    from issuer.schools.did_controller import DidController
    from issuer.web.errors import EXCEPTION_HANDLERS
    from issuer.web.routes import LEARNING_ROUTES

    return Litestar(route_handlers=[*LEARNING_ROUTES, CredentialController, DidController, IssuerController,
                                    StatusListController],
                    middleware=[DefineMiddleware(AuthMiddleware)], exception_handlers=EXCEPTION_HANDLERS,
                    openapi_config=None, debug=False,
                    state=State({"ctx": ctx}))  # as create_app provides it


def in_process_client(ctx):
    import httpx

    return httpx.AsyncClient(transport=httpx.ASGITransport(app=make_app(ctx)), base_url="http://127.0.0.1:8000")
