"""Litestar DI providers: a handler declares ``ctx: IssuerContext`` and gets its app's context."""
from __future__ import annotations

from litestar.datastructures import State
from litestar.di import Provide

from issuer.context import IssuerContext

STATE_KEY = "ctx"


def provide_context(state: State) -> IssuerContext:
    # The context create_app put on app.state: this app's, not the last one started in the process.
    ctx: IssuerContext = state[STATE_KEY]
    return ctx


DEPENDENCIES = {"ctx": Provide(provide_context, sync_to_thread=False)}
