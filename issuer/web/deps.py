"""Litestar DI providers: a handler declares ``ctx: Ctx`` and gets its own app's ``IssuerContext``.

A controller that takes ``ctx`` sets ``dependencies = DEPENDENCIES``, so it works wherever it is
mounted (create_app, or a test's app with the context on its state)."""
from __future__ import annotations

from litestar.datastructures import State
from litestar.di import NamedDependency, Provide

from issuer.context import IssuerContext

STATE_KEY = "ctx"


def provide_context(state: State) -> IssuerContext:
    # The context create_app put on app.state: this app's, not the last one started in the process.
    ctx: IssuerContext = state[STATE_KEY]
    return ctx


DEPENDENCIES = {"ctx": Provide(provide_context, sync_to_thread=False)}

# What handlers declare (``ctx: Ctx``), as the verifier's handlers declare their service.
Ctx = NamedDependency[IssuerContext]
